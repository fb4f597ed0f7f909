"""The preference bridge as a torch module: encoder, anchored head, evidence aggregation.

Per sentence unit (see edgealign.featurize) the head scores each dimension's two poles by similarity to *anchors*, vectors
initialised from the encoder's embeddings of the poles' labels. Unseen wording that means
"I love a good joke" lands near "Likes humor" before any training, and training moves the
anchors and a per-kind projection only as far as the data asks (weight decay pulls them back
towards their start), which is what lets the bridge work on real language.

Across units, evidence adds up: a unit's relevance to a dimension is 1 - p(neutral), its
polarity log p(positive) - log p(negative), times its sign (-1 for a sentence of a reply the
user rejected); their product is the evidence it contributes.
The user's logits grow with the summed evidence and the neutral logit falls with its mass,
so consistent items raise confidence and contradicting ones cancel.

Style contrasts (``n_style`` > 0): a choice's first unit also carries the contrast of its
reply's style with the other reply's (:mod:`edgealign._style`, rows from
:func:`edgealign._head_feed.unit_styles`); a learnt linear map (``style_map``, N_STYLE x 90,
zero at the start so an untrained map changes nothing) times its own gain turns it into pole
evidence, signed and gained like the unit's sentence evidence, added to the unit's evidence.
Which feature bears on which dimension is learnt, never written down.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from edgealign.errors import DataError
from edgealign.featurize import KIND_CHOICE
from edgealign.preferences import SPACE

from .encoders import mean_pool

__all__ = ["BridgeHead", "BridgeModel", "label_anchors", "memory_scores"]


def pole_texts(sign: int, text: str = "label+description") -> list[str] | list[tuple[str, str]]:
    """Per dimension, what a pole's anchor embeds: its label, or its label and its richer
    description (:mod:`edgealign.poles`)."""
    attr = "positive_label" if sign > 0 else "negative_label"
    if text == "label":
        return [getattr(d, attr) for d in SPACE]
    from edgealign.poles import description

    return [(getattr(d, attr), description(d.index, sign)) for d in SPACE]


def label_anchors(encoder: Any, tokenizer: Any, max_length: int,
                  text: str = "label") -> tuple[torch.Tensor, torch.Tensor]:
    """Normalised anchor embeddings of every negative and positive pole, each (90, D): the
    label's, or (``text="label+description"``) the mean of the label's and the description's,
    which gives a dimension no training data has touched more words to be recognised by."""
    from edgealign.featurize import configure, tokenize

    configure(tokenizer, max_length)
    out = []
    for sign in (-1, 1):
        rows = pole_texts(sign, text)
        parts = [rows] if text == "label" else [[r[0] for r in rows], [r[1] for r in rows]]
        embs = []
        for texts in parts:
            ids, mask = tokenize(tokenizer, texts)
            with torch.no_grad():
                hidden = encoder(input_ids=torch.from_numpy(ids), attention_mask=torch.from_numpy(mask))[0]
            embs.append(mean_pool(hidden, torch.from_numpy(mask)))
        out.append(torch.nn.functional.normalize(torch.stack(embs).mean(0), dim=-1))
    return out[0], out[1]


class BridgeHead(nn.Module):
    """Unit features (U, D) -> unit logits (U, 90, 3); a user's units -> user logits."""

    N_KINDS = 3  # comment, choice, description sentences (edgealign.featurize.KIND_*)
    _MUTE = 1000.0  # neutral-bias lift far above any pole logit: a unit's relevance is 0

    def __init__(self, neg_anchors: torch.Tensor, pos_anchors: torch.Tensor, memory_slots: int = 0,
                 memory_neutral: int = 0, memory_temperature: float = 0.05, n_style: int = 0) -> None:
        super().__init__()
        dim = neg_anchors.shape[1]
        self.proj = nn.Parameter(torch.eye(dim).repeat(self.N_KINDS, 1, 1))  # (kind, D, D)
        self.anchors = nn.Parameter(torch.stack([neg_anchors, pos_anchors]))  # (2, 90, D)
        self.register_buffer("anchors0", self.anchors.detach().clone())
        self.scale = nn.Parameter(torch.tensor(10.0))
        self.bias = nn.Parameter(torch.zeros(self.N_KINDS, 3, len(SPACE)))  # (kind, pole, 90)
        with torch.no_grad():
            self.bias[:, 1] = 2.0  # start neutral: most dimensions say nothing about an item
        self.agg = nn.Parameter(torch.tensor([0.0, 0.0]))                   # softplus -> a, b
        self.agg_bias = nn.Parameter(torch.full((len(SPACE),), 1.0))
        # What a dimension without its own training uses: the anchors' start and biases
        # shared by all dimensions (trained on dimensions dropped from a batch).
        self.shared_bias = nn.Parameter(self.bias[:, :, :1].detach().clone())  # (kind, pole, 1)
        self.shared_agg_bias = nn.Parameter(torch.tensor(1.0))
        # log of (norm, pole spread) applied to starting anchors: trained anchors grow and
        # their poles move apart (x1.4 and x3 in the default preset), which these stand in for.
        self.shared_gain = nn.Parameter(torch.zeros(2))
        # Per kind of unit, a factor on its evidence, set after training (ones while training):
        # a choice between two answers moves the head less per unit than a statement does.
        self.register_buffer("kind_gain", torch.ones(self.N_KINDS))
        # Example memory (:mod:`._bridge_memory`): per pole up to ``memory_slots`` stored
        # sentence embeddings of training examples (fp16), and ``memory_neutral`` of small talk.
        n = len(SPACE)
        self.register_buffer("memory", torch.zeros(2 * n * memory_slots, dim, dtype=torch.float16))
        self.register_buffer("memory_valid", torch.zeros(2, n, memory_slots))
        self.register_buffer("memory_neutral", torch.zeros(memory_neutral, dim, dtype=torch.float16))
        self.register_buffer("memory_temperature", torch.tensor(float(memory_temperature)))
        self.memory_gain = nn.Parameter(torch.full((self.N_KINDS,), 5.0))  # logits per unit of memory score
        if n_style:  # absent otherwise, so heads trained without style keep their state dict
            self.style_map = nn.Parameter(torch.zeros(n_style, n))
            self.style_gain = nn.Parameter(torch.tensor(1.0))

    @property
    def n_style(self) -> int:
        """How many style contrasts a choice's unit carries (0: the head reads none)."""
        return self.style_map.shape[0] if hasattr(self, "style_map") else 0

    def style_evidence(self, style: torch.Tensor) -> torch.Tensor:
        """style (..., N_STYLE) -> per-dimension pole evidence (..., 90), before sign and kind gain."""
        return self.style_gain * (style @ self.style_map)

    def unseen(self, dropped: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """(anchors, bias, agg_bias) with ``dropped`` (90,) bool dimensions as an unseen
        dimension sees them: anchors at their start (scaled and their poles spread by the
        shared gain), the shared biases."""
        norm, spread = self.shared_gain.exp().unbind()
        middle = self.anchors0.mean(0, keepdim=True)
        start = norm * (middle + spread * (self.anchors0 - middle))
        anchors = torch.where(dropped[None, :, None], start, self.anchors)
        bias = torch.where(dropped[None, None, :], self.shared_bias, self.bias)
        agg_bias = torch.where(dropped, self.shared_agg_bias, self.agg_bias)
        return anchors, bias, agg_bias

    @torch.no_grad()
    def reset_unseen(self, unseen: torch.Tensor, neutral_offset: float = 0.0, raw_space: bool = False,
                     sample: tuple[torch.Tensor, torch.Tensor] | None = None, quantile: float = 0.9,
                     gain: float = 2.0) -> None:
        """Give dimensions no training data touched (``unseen`` (90,) bool) the shared values,
        so the exported head treats them as dimension dropout trained it to.

        ``raw_space`` reads their anchors in the encoder's own space instead: the trained
        projections specialise to the dimensions with data (on statements of four held-out
        dimensions the projected sentences scored 5 logits under neutral, and no held-out
        dimension was ever found), while a raw sentence embedding still lies near its pole's
        description. The anchor is folded through the inverse of the mean projection, so the
        graph does not change; that is exact for no kind, close for comments and
        descriptions, and far off for choice sentences, whose projection learnt the most: read
        that way, choices between answers fired on unseen dimensions (response-choice users'
        neutral dimensions 0.985 -> 0.94). So choice sentences say nothing about an unseen
        dimension (their neutral bias is raised by ``_MUTE``): a dimension nobody trained is
        recognised in what people say about themselves, not in which answer they picked
        (docs/performance.md).

        Raw similarity alone fires on every sentence (every user got a pole on every unseen
        dimension, filler included), so with ``sample`` (x (N, D), kind (N,): training
        sentences) a pole counts only where a sentence is nearer to it than the ``quantile``
        of the sample's sentences of its kind are, by ``gain`` logits per unit of score above
        that line: the pole biases become ``-gain * line`` and the neutral logit 0.
        ``neutral_offset`` is added to their neutral bias.
        """
        if not bool(unseen.any()):
            return
        anchors, bias, agg_bias = self.unseen(unseen)
        if raw_space:  # <P x, P^-T a> = <x, a>
            anchors[:, unseen] = anchors[:, unseen] @ torch.linalg.inv(self.proj.mean(0))
            if sample is not None:
                lines = self._pole_lines(sample, anchors[:, unseen], quantile)   # (kind, 2, n)
                anchors[:, unseen] *= gain
                bias[:, 0, unseen], bias[:, 2, unseen] = -gain * lines[:, 0], -gain * lines[:, 1]
                bias[:, 1, unseen] = 0.0
            bias[KIND_CHOICE, 1, unseen] += self._MUTE
        bias[:, 1, unseen] += neutral_offset
        self.anchors.copy_(anchors)
        self.bias.copy_(bias)
        self.agg_bias.copy_(agg_bias)

    def _pole_lines(self, sample: tuple[torch.Tensor, torch.Tensor], anchors: torch.Tensor,
                    quantile: float) -> torch.Tensor:
        """Per kind, pole and anchor column, the ``quantile`` of the sample sentences' pole
        scores (kind, 2, n); a kind with under 100 sentences uses all non-choice sentences."""
        x, kind = sample
        pooled = kind != KIND_CHOICE
        out = []
        for k in range(self.N_KINDS):
            rows = kind == k if int((kind == k).sum()) >= 100 else pooled
            if not bool(rows.any()):
                raise DataError("the training users have no comments or descriptions to place the pole lines of "
                                "dimensions without data on; train with --no-unseen-raw-space")
            h = x[rows] @ self.proj[k].T
            scores = self.scale * torch.einsum("nd,pkd->npk", h, anchors)     # (N, 2, n)
            out.append(torch.quantile(scores, quantile, dim=0))
        return torch.stack(out)

    @property
    def has_memory(self) -> bool:
        return self.memory_valid.shape[-1] > 0

    def memory_scores(self, x: torch.Tensor) -> torch.Tensor:
        """x (..., D) raw sentence embeddings -> (..., 2, 90): per pole, how much nearer the
        sentence is to that pole's stored examples than to small talk (soft maxima of cosine
        similarity at ``memory_temperature``); 0 for a pole without examples."""
        return memory_scores(x, self.memory, self.memory_valid, self.memory_neutral, self.memory_temperature)

    def item_logits(self, x: torch.Tensor, kind: torch.Tensor, dropped: torch.Tensor | None = None,
                    memory: torch.Tensor | None = None) -> torch.Tensor:
        """x (..., D), kind (...) -> logits (..., 90, 3) ordered (negative, neutral, positive);
        ``dropped`` (90,) bool: score those dimensions as unseen ones (training only);
        ``memory`` (..., 2, 90): the units' memory scores when already known (training reads
        them cross-fitted, see :mod:`._bridge_memory`), else computed from ``x``."""
        anchors, bias = (self.anchors, self.bias) if dropped is None else self.unseen(dropped)[:2]
        h = self._project_rows(x, kind) if self.training else self._project(x, kind)
        s = self.scale * torch.einsum("...d,pkd->...pk", h, anchors)        # (..., 2, 90)
        if self.has_memory:
            f = self.memory_scores(x) if memory is None else memory
            if dropped is not None:  # a dimension without data has no examples either
                f = f * (~dropped).to(f.dtype)
            s = s + self.memory_gain[kind][..., None, None] * f
        b = bias[kind]                                                     # (..., 3, 90)
        neutral = b[..., 1, :]
        return torch.stack([s[..., 0, :] + b[..., 0, :], neutral, s[..., 1, :] + b[..., 2, :]], dim=-1)

    def _project(self, x: torch.Tensor, kind: torch.Tensor) -> torch.Tensor:
        """Every projection for every unit, then pick (the exported graph's form): gathering
        a (D, D) matrix per unit would cost U * D^2 memory."""
        h = x @ self.proj[0].T
        for k in range(1, self.N_KINDS):
            h = torch.where((kind == k).unsqueeze(-1), x @ self.proj[k].T, h)
        return h

    def _project_rows(self, x: torch.Tensor, kind: torch.Tensor) -> torch.Tensor:
        """The same values, each unit through its own kind's projection only (a third of the
        work; training's form)."""
        flat, kinds = x.reshape(-1, x.shape[-1]), kind.reshape(-1)
        h = torch.zeros_like(flat)
        for k in range(self.N_KINDS):
            rows = (kinds == k).nonzero().squeeze(1)
            if rows.numel():
                h = h.index_copy(0, rows, flat[rows] @ self.proj[k].T)
        return h.reshape(x.shape)

    def aggregate(self, logits: torch.Tensor, sign: torch.Tensor, kind: torch.Tensor,
                  dropped: torch.Tensor | None = None,
                  style: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """logits (..., U, 90, 3), sign (..., U) in {-1, 0, +1} (0 masks a padding unit), kind
        (..., U) -> user logits (..., 90, 3), signed evidence (..., U, 90) (times its kind's gain);
        ``style`` (..., U, N_STYLE): the units' style rows, for a head with a style map."""
        agg_bias = self.agg_bias if dropped is None else self.unseen(dropped)[2]
        logp = torch.log_softmax(logits, dim=-1)
        relevance = (1 - logp[..., 1].exp()) * sign.abs().unsqueeze(-1)
        polarity = relevance * (logp[..., 2] - logp[..., 0]).clamp(-12, 12)
        if style is not None and self.n_style:
            extra = self.style_evidence(style)
            if dropped is not None:  # as the example memory: a dimension without data has no map either
                extra = extra * (~dropped).to(extra.dtype)
            polarity = polarity + extra
        evidence = polarity * (sign * self.kind_gain[kind]).unsqueeze(-1)
        a, b = nn.functional.softplus(self.agg).unbind()
        z, m = evidence.sum(-2), relevance.sum(-2)
        user = torch.stack([-a * z, agg_bias - b * m, a * z], dim=-1)
        return user, evidence

    def drift(self, unseen: torch.Tensor | None = None) -> torch.Tensor:
        """How far projection and anchors moved from their start (the regulariser).

        ``unseen`` (90,) bool: dimensions whose anchors :meth:`reset_unseen` overwrites after
        every epoch. They are left out: training never reads them (they are always dropped),
        and counting the overwritten anchors added a term the reported loss climbed with as
        the projection moved (0.94 of loss right after a reset, four dimensions held out)."""
        eye = torch.eye(self.proj.shape[-1], device=self.proj.device)
        moved = (self.anchors - self.anchors0) ** 2
        if unseen is not None:
            moved = moved * (~unseen)[None, :, None]
        return ((self.proj - eye) ** 2).sum() + moved.sum()


def memory_scores(x: torch.Tensor, memory: torch.Tensor, valid: torch.Tensor, neutral: torch.Tensor,
                  temperature: torch.Tensor) -> torch.Tensor:
    """See :meth:`BridgeHead.memory_scores`; shared with the exported head graph."""
    slots = valid.shape[-1]
    c = (x @ memory.to(x.dtype).T).reshape(*x.shape[:-1], 2, valid.shape[1], slots)
    pole = temperature * torch.logsumexp(c / temperature + (valid - 1) * 1e4, dim=-1)     # (..., 2, 90)
    if neutral.shape[0]:
        small_talk = temperature * torch.logsumexp(x @ neutral.to(x.dtype).T / temperature, dim=-1)
        pole = pole - small_talk[..., None, None]
    return pole * (valid.amax(-1) > 0).to(x.dtype)


class BridgeModel(nn.Module):
    """Encoder + head. ``forward`` handles one user, in exactly the ONNX graph's layout."""

    def __init__(self, encoder: nn.Module, head: BridgeHead) -> None:
        super().__init__()
        self.encoder = encoder
        self.head = head

    def embed(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """(T, L) token ids -> (T, D) normalised sentence embeddings."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask)[0]
        return mean_pool(hidden, attention_mask)

    def forward(self, input_ids, attention_mask, combine, sign, kind, style=None):  # noqa: ANN001 - ONNX signature
        """``style`` (U, N_STYLE): the units' style rows, read by a head with a style map (the
        exported single graph of such a head takes it as a sixth input)."""
        x = combine @ self.embed(input_ids, attention_mask)                # (U, D)
        units = self.head.item_logits(x, kind)                             # (U, 90, 3)
        user, evidence = self.head.aggregate(units, sign, kind, style=style)
        return units, user, evidence
