"""The torch modules traced into the bridge artifact's graphs besides the stock model.

* :class:`WithEmbeddings`: the single bridge graph, with the sentence embeddings it computes
  as a fourth output (``embeddings``, (T, D)), so one call both profiles a few items and
  yields what the device caches. The other outputs are the model's, op for op; a head
  trained with style contrasts takes the units' style rows as a sixth input, ``style``.
* :class:`HeadGraph`: the head alone, on sentence embeddings (cached or fresh): inputs
  :data:`edgealign.bridge.HEAD_INPUTS`, outputs :data:`edgealign.bridge.HEAD_OUTPUTS` and
  ``sentence_scores`` (T, 2, 90), each stacked sentence's pole scores (anchors and example
  memory, with its kind's gains): all the head computes per sentence.
* :class:`HeadUnits`: the rest of the head, from those scores on: inputs
  :data:`edgealign.bridge.HEAD_UNITS_INPUTS`, the same outputs. The device keeps each
  sentence's scores, so an update after one new item scores only that item's sentences
  against the example memory (:mod:`edgealign._head_split`).
  The embeddings come in one input per kind (the sentences comment, choice and description
  units read); ``row`` (U,) says which row of the three, stacked, each unit reads (the
  single graph's one-hot ``combine`` would be a (U, T) matrix product over a whole
  history), and ``weight`` (U,) scales each unit's share of the user's summed evidence and
  relevance (the recency weights; all ones is the single graph's aggregation). A head trained
  with style contrasts takes an eighth input, ``style`` (U, N_STYLE), the units' style rows
  (:func:`edgealign._head_feed.unit_styles`), mapped to evidence by the head's style map.

The head's per-kind projection and its anchors are folded into one (2 x 90, D) matrix per
kind at export: score = scale * (x P_k^T) . a = x . (scale * a P_k), and each sentence is
scored once, by its own kind's matrix: a ninth of the stock head's multiply-adds for a
history of hundreds of sentences. The example memory (:mod:`edgealign.training._bridge_memory`)
is scored on the raw embeddings, each sentence once, and added with its kind's gain.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from edgealign.training.bridge_model import memory_scores

__all__ = ["WithEmbeddings", "HeadGraph", "HeadUnits"]


class WithEmbeddings(nn.Module):
    """``BridgeModel.forward`` plus its sentence embeddings as a last output."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model
        # Export restores the wrapper's mode afterwards: a wrapper in training mode would
        # leave the model's dropout on for the parity check that follows.
        self.eval()

    def forward(self, input_ids, attention_mask, combine, sign, kind, style=None):  # noqa: ANN001 - ONNX signature
        embeddings = self.model.embed(input_ids, attention_mask)            # (T, D)
        units = self.model.head.item_logits(combine @ embeddings, kind)
        user, evidence = self.model.head.aggregate(units, sign, kind, style=style)
        return units, user, evidence, embeddings


class HeadGraph(nn.Module):
    """The bridge head on sentence embeddings, with per-unit weights; see the module doc."""

    def __init__(self, head: Any) -> None:
        super().__init__()
        with torch.no_grad():
            anchors = head.anchors.reshape(-1, head.anchors.shape[-1])           # (2*90, D)
            folded = torch.stack([head.scale * anchors @ p for p in head.proj])  # (kinds, 2*90, D)
        self.kinds, self.dims = folded.shape[0], head.anchors.shape[1]
        self.register_buffer("folded", folded.reshape(-1, folded.shape[-1]).clone())
        self.units = HeadUnits(head)
        # The example memory as the checkpoint keeps it (fp16 in the graph, cast once loaded).
        self.memory = head.has_memory
        for name in ("memory", "memory_valid", "memory_neutral", "memory_temperature"):
            self.register_buffer(name if name != "memory" else "memory_rows", getattr(head, name).detach().clone())
        self.register_buffer("memory_gain", head.memory_gain.detach().clone())
        self.eval()

    def forward(self, comment_embeddings, choice_embeddings, description_embeddings,  # noqa: ANN001
                row, sign, kind, weight, style=None):
        stacked = (comment_embeddings, choice_embeddings, description_embeddings)
        scores = self.sentence_scores(*stacked)
        return (*self.units(scores, row, sign, kind, weight, style), scores)

    def sentence_scores(self, *stacked):  # noqa: ANN001, ANN002
        """(T, 2, 90) over the three kinds' sentences, stacked: :meth:`_kind_scores` of each."""
        return torch.cat([self._kind_scores(e, k) for k, e in enumerate(stacked)])

    def _kind_scores(self, e, k: int):  # noqa: ANN001
        """One kind's sentences through that kind's folded projection only, plus the example
        memory with that kind's gain, each distinct sentence once."""
        blocks = self.folded.reshape(self.kinds, 2 * self.dims, -1)
        scores = (e @ blocks[k].T).reshape(-1, 2, self.dims)
        if self.memory:
            f = memory_scores(e, self.memory_rows, self.memory_valid, self.memory_neutral, self.memory_temperature)
            scores = scores + self.memory_gain[k] * f
        return scores


class HeadUnits(nn.Module):
    """The head from each sentence's pole scores on: per unit its kind's biases, the
    three-way logits, signed and weighted evidence, and the user's sums."""

    def __init__(self, head: Any) -> None:
        super().__init__()
        with torch.no_grad():
            a, b = nn.functional.softplus(head.agg).unbind()
        self.register_buffer("bias", head.bias.detach().clone())             # (kind, pole, 90)
        self.register_buffer("agg", torch.stack([a, b]).detach().clone())
        self.register_buffer("agg_bias", head.agg_bias.detach().clone())
        self.register_buffer("kind_gain", head.kind_gain.detach().clone())
        self.style = bool(head.n_style)
        if self.style:  # folded with its gain: one (N_STYLE, 90) matrix
            self.register_buffer("style_map", (head.style_gain * head.style_map).detach().clone())
        self.eval()

    def forward(self, sentence_scores, row, sign, kind, weight, style=None):  # noqa: ANN001
        s = sentence_scores[row]                                             # (U, 2, 90)
        b = self.bias[kind]                                                  # (U, 3, 90)
        units = torch.stack([s[:, 0] + b[:, 0], b[:, 1], s[:, 1] + b[:, 2]], dim=-1)
        logp = torch.log_softmax(units, dim=-1)
        relevance = (1 - logp[..., 1].exp()) * sign.abs().unsqueeze(-1)
        polarity = relevance * (logp[..., 2] - logp[..., 0]).clamp(-12, 12)
        if self.style:
            polarity = polarity + style @ self.style_map
        evidence = polarity * (sign * self.kind_gain[kind]).unsqueeze(-1)
        w = weight.unsqueeze(-1)
        z, m = (evidence * w).sum(0), (relevance * w).sum(0)
        a, bb = self.agg[0], self.agg[1]
        user = torch.stack([-a * z, self.agg_bias - bb * m, a * z], dim=-1)
        return units, user, evidence
