"""Training the preference bridge: one config, one trainer, a checkpoint folder.

    cfg = BridgeConfig.default()
    BridgeTrainer(cfg).fit(read_records("users.jsonl"), "ckpt/bridge")

With the encoder frozen (``tiny``, ``default``) every distinct text is embedded once and
only the head trains, minutes on a laptop CPU. ``gpu`` also fine-tunes the encoder.
Examples are users: their items (at most ``max_items``, a random subset each time so the
bridge learns to work from little data) and, as the target, what those items express when
each carries its own direction, else the user's direction.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from edgealign.data import Record
from edgealign.errors import ConfigError, DataError
from edgealign.featurize import UNITS_VERSION

from ._bridge_calibration import _sentences, calibrate_evidence
from ._bridge_checkpoint import load_checkpoint, save_checkpoint
from ._bridge_data import Example, Featurizer, examples_from_records
from ._bridge_memory import build_memory

__all__ = ["BridgeConfig", "BridgeTrainer", "load_bridge", "evaluate_examples"]


@dataclass(frozen=True, kw_only=True)
class BridgeConfig:
    """Everything that decides a bridge's training run."""

    encoder: str = "minilm"
    """"minilm" (bundled all-MiniLM-L6-v2), "tiny" (random 2-layer BERT) or a local encoder folder."""
    encoder_layers: int | None = 2
    """Keep only the encoder's first N transformer layers (None: all). MiniLM's first 3 of 6
    took the device's int8 time per 8-item profile to 0.58-0.60x (22.8 -> 13.6 ms side by
    side) for about a point of held-out accuracy at equal epochs (0.937 -> 0.923 after 6);
    the first 2 take the three layers' int8 time to 0.69x (0.62x with every linear layer in
    int8; side by side, docs/performance.md) for another 1.5 points on held-out synthetic
    users at equal epochs (0.908, torch head, no example memory) and none on real statements
    (0.993): the head reads lexical evidence, which the lower layers already carry."""
    freeze_encoder: bool = True
    """Train only the head (fast, CPU) or fine-tune the encoder too (GPU)."""
    max_length: int = 64
    """Tokens per sentence; longer sentences are truncated."""
    max_items: int = 8
    """Most persona items per user the bridge is trained and run on."""
    epochs: int = 8
    """Passes over the users. Trained on 1,500 synthetic users and 1,000 users of response-style
    choices besides the statements, the head still gained from epoch 4 (validation 0.80) to 6
    (0.86) at 4 samples per user."""
    samples_per_user: int = 5
    """Random item subsets drawn from each user per epoch."""
    batch_size: int = 32
    """Users (item subsets) per optimizer step."""
    lr: float = 3e-3
    """Peak head learning rate (AdamW); a cosine decays it to ``lr_floor`` times itself by the
    last step, which steadies the last epochs (a constant rate swung held-out accuracy by
    +-5 points from one epoch to the next)."""
    lr_floor: float = 0.1
    """The last step's learning rate as a share of the peak."""
    encoder_lr: float = 2e-5
    """Encoder learning rate when it is fine-tuned."""
    tune_word_embeddings: bool = False
    """Also fine-tune the encoder's word embeddings. Off: a word the training data never
    shows keeps its pretrained place among the words it does show, which is what unseen
    wording relies on (the layers above still adapt)."""
    drift_weight: float = 1e-4
    """Pull of the projection and anchors back towards their label-anchored start. 1e-3 held
    the head so close to the label embeddings that one trait sentence rarely outweighed the
    neutral prior (six layers: held-out 8-item accuracy 0.80); 1e-4 lets it learn the wording
    (0.93) and still generalises to real statements (see docs/performance.md)."""
    neutral_weight: float = 0.15
    """Class weight of neutral targets; most dimensions are neutral for most users. 0.25 left
    users of four response-style choices with the right pole on 95% of their dimensions when
    forced to choose, but neutral on 40%, while 99% of their other dimensions stayed neutral."""
    val_fraction: float = 0.1
    """Share of users held out for the metrics at each epoch."""
    anchor_text: str = "label+description"
    """What the head's pole anchors start from: "label" (the label's embedding) or
    "label+description" (the mean of the label's and the pole's richer description from
    edgealign.poles), which gives a dimension without training data more words to match."""
    dim_dropout: float = 0.4
    """Share of dimensions scored, in each batch, as a dimension without training data is:
    anchors at their start and biases shared by all dimensions. It trains the shared part of
    the head to recognise a dimension from its anchor text alone; dimensions no training
    item expresses are given those shared values in the checkpoint. With four anthropic
    dimensions held out, 0.5 picked the right pole of the unseen ones 84% of the time when
    forced to choose, 0.2 60% (shorter runs)."""
    holdout_dims: tuple[int, ...] = ()
    """Dimensions whose data is dropped (every item that expresses one), to measure how the
    bridge does on dimensions it never saw."""
    neutral_floor: float | None = 0.97
    """Calibration after the last epoch: raise the evidence gain as far as it raises
    validation accuracy (users cut to 2, 4 and 8 items) while at least this share of their
    neutral dimensions stays neutral (None: off). Trained alone the head is shy: users of
    four response-style choices got the right pole 94% of the time when forced to choose,
    but 64% as the profile says it, with 99% of their other dimensions neutral."""
    max_evidence_gain: float = 1.25
    """The largest evidence gain the calibration may choose (steps of 0.25 from 1). The gain
    multiplies quantisation noise near the neutral boundary too: on the default preset's
    run, int8 agreed with torch on 99.6% of dimensions at gain 1, 99.0% at 1.25, 98.6% at 1.5
    and 97.1% at 2.25 (validation's free choice), while held-out response-choice users went
    0.60, 0.67, 0.70, 0.76 (docs/performance.md)."""
    max_choice_gain: float = 3.0
    """The largest extra factor the calibration may give the evidence of choice sentences
    (steps of 0.25 from 1), chosen with the evidence gain under the same ``neutral_floor``."""
    unseen_raw_space: bool = True
    """Read the anchors of dimensions without training data in the encoder's own space, from
    statements and comments only (see ``BridgeHead.reset_unseen``): with four of the eight
    real-statement dimensions held out, 0.62 and 0.89 of the held-out dimensions' statements
    found where the projected anchors found 0.00 and 0.005; choices between answers say
    nothing about such a dimension."""
    unseen_quantile: float = 0.9
    """With ``unseen_raw_space``: a sentence counts for a pole of a dimension without training
    data only where it is nearer to that pole than this share of the training sentences of
    its kind are (``BridgeHead.reset_unseen``). Two runs with four real-statement dimensions
    held out each: 0.75 found 0.70 / 0.92 of them but called a pole for about 0.8 of other
    users' four unseen dimensions; 0.9 found 0.62 / 0.89 at about 0.08; 0.95 0.44 / 0.73."""
    unseen_gain: float = 2.0
    """With ``unseen_raw_space``: logits per unit of pole score above that line."""
    unseen_neutral_offset: float = 0.0
    """Added to the neutral bias of dimensions without training data."""
    memory_per_pole: int = 8
    """Example memory beside the anchors (:mod:`._bridge_memory`): per pole, at most this many
    stored training sentences (k-means centroids when there are more), fp16 in the checkpoint;
    0: none. Needs a frozen encoder (the stored embeddings are the encoder's)."""
    memory_neutral: int = 64
    """Stored small-talk sentences (centroids) the memory measures a pole's examples against."""
    memory_temperature: float = 0.05
    """Softness of the memory's nearest-example maximum (cosine similarity units)."""
    style_contrasts: bool = False
    """Also read how a chosen answer is written against the rejected one (29 measured style
    contrasts, :mod:`edgealign._style`) through a learnt map to pole evidence (docs/bridge.md,
    *Style contrasts in the head*); the exported head takes them as an extra input."""
    style_l1: float = 1e-4
    """L1 penalty on the style map (times its gain): dimensions the style says nothing about keep
    zero evidence from it, which keeps the neutral floor's calibration."""
    feature_cache: str | None = None
    """Folder where a frozen encoder's sentence embeddings are kept and reused by later runs
    with the same encoder, depth and max_length (None: embed every run)."""
    seed: int = 0
    """Seeds the split, the item subsets and the head's initialisation."""
    device: str = "cpu"
    """"cpu", "cuda" or "auto"."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "holdout_dims", tuple(self.holdout_dims))  # JSON gives a list
        if self.max_length < 8 or self.max_items < 1 or self.epochs < 1 or self.batch_size < 1:
            raise ConfigError("max_length >= 8, max_items, epochs and batch_size >= 1 are required")
        if self.encoder_layers is not None and self.encoder_layers < 1:
            raise ConfigError("encoder_layers must be at least 1, or None for all of the encoder's layers")
        if not 0 <= self.lr_floor <= 1:
            raise ConfigError("lr_floor must be in [0, 1]")
        if not 0 <= self.val_fraction < 1:
            raise ConfigError("val_fraction must be in [0, 1)")
        if self.max_evidence_gain < 1 or self.max_choice_gain < 1:
            raise ConfigError("max_evidence_gain and max_choice_gain must be at least 1")
        if not 0 < self.unseen_quantile < 1 or self.unseen_gain <= 0:
            raise ConfigError("unseen_quantile must be in (0, 1) and unseen_gain above 0")
        if self.style_l1 < 0:
            raise ConfigError("style_l1 must be at least 0")
        if self.memory_per_pole < 0 or self.memory_neutral < 0 or self.memory_temperature <= 0:
            raise ConfigError("memory_per_pole and memory_neutral must be at least 0, memory_temperature above 0")
        if self.memory_per_pole and not self.freeze_encoder:
            raise ConfigError("the example memory stores a frozen encoder's embeddings: set memory_per_pole to 0 "
                              "(--memory-per-pole 0) to fine-tune the encoder")
        if not 0 <= self.dim_dropout < 1:
            raise ConfigError("dim_dropout must be in [0, 1)")
        if self.anchor_text not in ("label", "label+description"):
            raise ConfigError(f"anchor_text must be 'label' or 'label+description', got {self.anchor_text!r}")
        if not all(isinstance(d, int) and 0 <= d < 90 for d in self.holdout_dims):
            raise ConfigError("holdout_dims must be dimension indices in 0..89")

    @classmethod
    def tiny(cls, **kw: Any) -> "BridgeConfig":
        """Seconds on a CPU: a random tiny encoder, for tests of the pipeline."""
        return cls(**{"encoder": "tiny", "encoder_layers": None, "max_length": 32, "epochs": 2,
                      "samples_per_user": 2, "batch_size": 16, "lr": 1e-2, **kw})

    @classmethod
    def default(cls, **kw: Any) -> "BridgeConfig":
        """MiniLM frozen, head trained on the CPU."""
        return cls(**kw)

    @classmethod
    def gpu(cls, **kw: Any) -> "BridgeConfig":
        """All six MiniLM layers fine-tuned end to end on a GPU (its export takes about 1.7x the
        default's three layers per profile on the device)."""
        return cls(**{"encoder_layers": None, "freeze_encoder": False, "max_length": 128, "epochs": 4,
                      "batch_size": 64, "device": "auto", "memory_per_pole": 0, **kw})

    @classmethod
    def preset(cls, name: str, **kw: Any) -> "BridgeConfig":
        if name not in ("tiny", "default", "gpu"):
            raise ConfigError(f"unknown bridge preset {name!r}; choose tiny, default or gpu")
        return getattr(cls, name)(**kw)


class BridgeTrainer:
    """Trains a bridge from AlignX-format records and writes a checkpoint folder."""

    def __init__(self, config: BridgeConfig) -> None:
        self.config = config

    def fit(self, records: Iterable[Record], out: str | Path, progress: bool = True) -> dict[str, Any]:
        """Train, checkpoint after every epoch, return the last validation metrics."""
        import torch

        was_deterministic = torch.are_deterministic_algorithms_enabled()
        # Bitwise-reproducible runs: without this, threaded CPU kernels reorder float sums.
        torch.use_deterministic_algorithms(True, warn_only=True)
        try:
            return self._fit(records, Path(out), progress)
        finally:
            torch.use_deterministic_algorithms(was_deterministic)

    def _fit(self, records: Iterable[Record], out: Path, progress: bool) -> dict[str, Any]:
        import torch

        cfg = self.config
        torch.manual_seed(cfg.seed)
        rng = random.Random(cfg.seed)
        examples = examples_from_records(records, holdout=cfg.holdout_dims)
        if len(examples) < 2:
            raise DataError("the bridge needs records of at least 2 users (or persona-labelled records)")
        rng.shuffle(examples)
        n_val = max(1, int(len(examples) * cfg.val_fraction)) if cfg.val_fraction else 0
        val, train = examples[:n_val], examples[n_val:]
        model, tokenizer = _build(cfg)
        feats = Featurizer(model, tokenizer, cfg, [*train, *val], progress)
        memory = build_memory(model, feats, train, cfg.memory_per_pole, cfg.memory_neutral, cfg.seed) \
            if cfg.memory_per_pole else {}
        opt = _optimizer(model, cfg)
        per_epoch = -(-len(train) * cfg.samples_per_user // cfg.batch_size)
        sched = _cosine(opt, cfg.epochs * per_epoch, cfg.lr_floor)
        unseen = torch.from_numpy(~_seen(train)).to(next(model.parameters()).device)
        lines = bool(unseen.any()) and cfg.unseen_raw_space
        sample = _sentences(feats, train) if lines and cfg.freeze_encoder else None
        metrics: dict[str, Any] = {}
        for epoch in range(cfg.epochs):
            loss = self._epoch(model, feats, train, (opt, sched), rng, epoch, progress, unseen)
            if lines and not cfg.freeze_encoder:  # the encoder moved: read its sentences again
                sample = _sentences(feats, train)
            model.head.reset_unseen(unseen, cfg.unseen_neutral_offset, cfg.unseen_raw_space, sample,
                                    cfg.unseen_quantile, cfg.unseen_gain)
            extra = {}
            if epoch == cfg.epochs - 1 and val and cfg.neutral_floor is not None:
                gains, choice_gains = (tuple(1 + x / 4 for x in range(int((top - 1) * 4) + 1))
                                       for top in (cfg.max_evidence_gain, cfg.max_choice_gain))
                extra["evidence_gain"], extra["choice_gain"] = calibrate_evidence(
                    model, feats, val, cfg.neutral_floor, gains, choice_gains)
            metrics = {"epoch": epoch + 1, "train_loss": loss, "unseen_dims": int(unseen.sum()),
                       "units_version": UNITS_VERSION, **memory, **extra,
                       **(evaluate_examples(model, feats, val) if val else {})}
            save_checkpoint(model, tokenizer, cfg, metrics, out)
        return metrics

    def _epoch(self, model, feats, train, optim, rng, epoch, progress, unseen) -> float:  # noqa: ANN001
        import torch
        from tqdm import tqdm

        cfg = self.config
        opt, sched = optim
        model.train()
        order = rng.sample(train * cfg.samples_per_user, len(train) * cfg.samples_per_user)
        batches = [order[i: i + cfg.batch_size] for i in range(0, len(order), cfg.batch_size)]
        losses = []
        bar = tqdm(batches, desc=f"bridge epoch {epoch + 1}/{cfg.epochs}", disable=not progress, leave=False)
        for batch in bar:
            subsets = [ex.sample(rng, cfg.max_items) for ex in batch]
            dropped = unseen | (torch.rand(unseen.shape, device=unseen.device) < cfg.dim_dropout)
            loss = _loss(model, feats.batch(subsets), cfg, dropped, unseen)
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 5.0)
            opt.step()
            sched.step()
            losses.append(loss.item())
            bar.set_postfix(loss=f"{np.mean(losses[-20:]):.3f}")
        return float(np.mean(losses))


def _build(cfg: BridgeConfig):  # -> (BridgeModel, tokenizer)
    import torch

    from .bridge_model import BridgeHead, BridgeModel, label_anchors
    from .encoders import load_encoder

    encoder, tokenizer = load_encoder(cfg.encoder, cfg.seed, cfg.encoder_layers)
    neg, pos = label_anchors(encoder, tokenizer, cfg.max_length, cfg.anchor_text)
    from edgealign._style import N_STYLE

    head = BridgeHead(neg, pos, cfg.memory_per_pole, cfg.memory_neutral, cfg.memory_temperature,
                      N_STYLE if cfg.style_contrasts else 0)
    model = BridgeModel(encoder, head)
    device = "cuda" if cfg.device == "auto" and torch.cuda.is_available() else cfg.device.replace("auto", "cpu")
    if cfg.freeze_encoder:
        model.encoder.requires_grad_(False)
    elif not cfg.tune_word_embeddings:
        model.encoder.get_input_embeddings().requires_grad_(False)
    return model.to(device), tokenizer


def _optimizer(model, cfg: BridgeConfig):  # noqa: ANN001
    import torch

    groups = [{"params": list(model.head.parameters()), "lr": cfg.lr}]
    if not cfg.freeze_encoder:
        groups.append({"params": [p for p in model.encoder.parameters() if p.requires_grad], "lr": cfg.encoder_lr})
    return torch.optim.AdamW(groups, weight_decay=0.0)


def _cosine(opt, steps: int, floor: float):  # noqa: ANN001
    """Cosine decay from each group's lr to ``floor`` times it over ``steps`` steps (transformers'
    schedule, no warm-up)."""
    from transformers import get_cosine_with_min_lr_schedule_with_warmup

    return get_cosine_with_min_lr_schedule_with_warmup(opt, 0, max(1, steps), min_lr_rate=floor)


def _seen(examples: list[Example]) -> np.ndarray:
    """(90,) bool: dimensions some training user or item is non-neutral on."""
    seen = np.zeros(90, dtype=bool)
    for ex in examples:
        seen |= ex.target != 1
        for t in ex.item_targets:
            if t is not None:
                seen |= t != 1
    return seen


def _loss(model, batch: dict, cfg: BridgeConfig, dropped=None, unseen=None):  # noqa: ANN001
    import torch.nn.functional as F

    units = model.head.item_logits(batch["x"], batch["kind"], dropped, batch["memory"])  # (B, U, 90, 3)
    user, _ = model.head.aggregate(units, batch["sign"], batch["kind"], dropped, batch["style"])  # (B, 90, 3)
    weight = user.new_tensor([1.0, cfg.neutral_weight, 1.0])
    loss = F.cross_entropy(user.reshape(-1, 3), batch["target"].reshape(-1), weight=weight)
    if model.head.n_style:
        loss = loss + cfg.style_l1 * (model.head.style_gain * model.head.style_map).abs().sum()
    return loss + cfg.drift_weight * model.head.drift(unseen)


def evaluate_examples(model, feats: "Featurizer", examples: list[Example]) -> dict[str, Any]:  # noqa: ANN001
    """Validation metrics over ``examples`` with up to ``max_items`` items each."""
    import torch

    from edgealign.eval.bridge import direction_metrics

    model.eval()
    preds, refs, confs = [], [], []
    with torch.no_grad():
        for i in range(0, len(examples), 64):
            chunk = [ex.first(feats.cfg.max_items) for ex in examples[i: i + 64]]
            b = feats.batch(chunk)
            logits = model.head.item_logits(b["x"], b["kind"], memory=b["memory"])
            user, _ = model.head.aggregate(logits, b["sign"], b["kind"], style=b["style"])
            probs = torch.softmax(user, -1)
            preds.append(probs.argmax(-1).cpu().numpy() / 2.0)
            confs.append(probs.max(-1).values.cpu().numpy())
            refs.append(b["target"].cpu().numpy() / 2.0)
    return direction_metrics(np.concatenate(preds), np.concatenate(refs), np.concatenate(confs))


def load_bridge(folder: str | Path):  # -> (BridgeModel, tokenizer, BridgeConfig)
    """Rebuild a trained bridge from its checkpoint folder (CPU, eval mode)."""
    model, tokenizer, cfg = load_checkpoint(folder)
    return model, tokenizer, BridgeConfig(**cfg)
