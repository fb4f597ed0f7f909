"""The torch modules traced into the bridge artifact's graphs besides the stock model.

* :class:`WithEmbeddings`: the single bridge graph, with the sentence embeddings it computes
  as a fourth output (``embeddings``, (T, D)), so one call both profiles a few items and
  yields what the device caches. The other outputs are the model's, op for op.
* :class:`HeadGraph`: the head alone, on sentence embeddings (cached or fresh): inputs
  :data:`edgealign.bridge.HEAD_INPUTS`, outputs :data:`edgealign.bridge.HEAD_OUTPUTS`.
  ``text`` (U,) says which embedding row each unit reads (the single graph's one-hot
  ``combine`` would be a (U, T) matrix product over a whole history), and ``weight`` (U,)
  scales each unit's share of the user's summed evidence and relevance (the recency weights;
  all ones is the single graph's aggregation).

The head's per-kind projection and its anchors are folded into one (3 x 2 x 90, D) matrix
at export: score = scale * (x P_k^T) . a = x . (scale * a P_k), a third of the stock
head's multiply-adds for a history of hundreds of sentences, and computed once per distinct
sentence rather than per unit.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

__all__ = ["WithEmbeddings", "HeadGraph"]


class WithEmbeddings(nn.Module):
    """``BridgeModel.forward`` plus its sentence embeddings as a last output."""

    def __init__(self, model: Any) -> None:
        super().__init__()
        self.model = model
        # Export restores the wrapper's mode afterwards: a wrapper in training mode would
        # leave the model's dropout on for the parity check that follows.
        self.eval()

    def forward(self, input_ids, attention_mask, combine, sign, kind):  # noqa: ANN001 - ONNX signature
        embeddings = self.model.embed(input_ids, attention_mask)            # (T, D)
        units = self.model.head.item_logits(combine @ embeddings, kind)
        user, evidence = self.model.head.aggregate(units, sign)
        return units, user, evidence, embeddings


class HeadGraph(nn.Module):
    """The bridge head on sentence embeddings, with per-unit weights; see the module doc."""

    def __init__(self, head: Any) -> None:
        super().__init__()
        with torch.no_grad():
            anchors = head.anchors.reshape(-1, head.anchors.shape[-1])           # (2*90, D)
            folded = torch.stack([head.scale * anchors @ p for p in head.proj])  # (kinds, 2*90, D)
            a, b = nn.functional.softplus(head.agg).unbind()
        self.kinds, self.dims = folded.shape[0], head.anchors.shape[1]
        self.register_buffer("folded", folded.reshape(-1, folded.shape[-1]).clone())
        self.register_buffer("bias", head.bias.detach().clone())             # (kind, pole, 90)
        self.register_buffer("agg", torch.stack([a, b]).detach().clone())
        self.register_buffer("agg_bias", head.agg_bias.detach().clone())
        self.eval()

    def forward(self, embeddings, text, sign, kind, weight):  # noqa: ANN001 - ONNX signature
        scores = embeddings @ self.folded.T                                  # (T, kinds*2*90), once per text
        every = scores[text].reshape(-1, self.kinds, 2 * self.dims)          # (U, kinds, 2*90)
        pick = kind.reshape(-1, 1, 1).expand(-1, 1, 2 * self.dims)
        s = torch.gather(every, 1, pick).reshape(-1, 2, self.dims)           # (U, 2, 90)
        b = self.bias[kind]                                                  # (U, 3, 90)
        units = torch.stack([s[:, 0] + b[:, 0], b[:, 1], s[:, 1] + b[:, 2]], dim=-1)
        logp = torch.log_softmax(units, dim=-1)
        relevance = (1 - logp[..., 1].exp()) * sign.abs().unsqueeze(-1)
        evidence = relevance * (logp[..., 2] - logp[..., 0]).clamp(-12, 12) * sign.unsqueeze(-1)
        w = weight.unsqueeze(-1)
        z, m = (evidence * w).sum(0), (relevance * w).sum(0)
        a, bb = self.agg[0], self.agg[1]
        user = torch.stack([-a * z, self.agg_bias - bb * m, a * z], dim=-1)
        return units, user, evidence
