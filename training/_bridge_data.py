"""Users as training examples for the bridge, and their features as tensors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import numpy as np

from edgealign._head_feed import unit_styles
from edgealign.data import Record
from edgealign.featurize import bridge_units, configure, tokenize
from edgealign.persona import PersonaItem
from edgealign.preferences import N_DIMS

__all__ = ["Example", "examples_from_records", "Featurizer", "pole_classes"]


def pole_classes(direction: Sequence[float]) -> np.ndarray:
    """AlignX values {0, 0.5, 1} -> class ids {0 negative, 1 neutral, 2 positive}."""
    return (np.asarray(direction, dtype=float) * 2).astype(np.int64)


@dataclass(frozen=True)
class Example:
    """One user: their items, the class of each dimension, and items' own directions."""

    items: tuple[PersonaItem, ...]
    target: np.ndarray                          # (90,) classes
    item_targets: tuple[np.ndarray | None, ...]  # per item (90,) classes, or None

    def sample(self, rng: random.Random, max_items: int) -> "Example":
        """A random subset of 1..max_items items, its target what those items express.

        When every item carries its own direction, the target is what the subset shows (a
        dimension none of them expresses is neutral for it); otherwise the user's direction.
        """
        k = rng.randint(1, min(len(self.items), max_items))
        keep = sorted(rng.sample(range(len(self.items)), k))
        targets = tuple(self.item_targets[i] for i in keep)
        return Example(tuple(self.items[i] for i in keep), _observed(targets, self.target), targets)

    def first(self, max_items: int) -> "Example":
        return Example(self.items[:max_items], self.target, self.item_targets[:max_items])


def _observed(item_targets: tuple[np.ndarray | None, ...], fallback: np.ndarray) -> np.ndarray:
    if any(t is None for t in item_targets):
        return fallback
    out = np.ones_like(fallback)
    for t in item_targets:
        out = np.where(t != 1, t, out)
    return out


def examples_from_records(records: Iterable[Record], holdout: Sequence[int] = ()) -> list[Example]:
    """One example per user: records sharing a ``user_id`` pool their items (deduplicated);
    a record without one is its own user. Records without a direction are skipped.

    ``holdout`` dimensions' data is dropped: every item whose own direction expresses one,
    and a user without item directions whose direction does; they are neutral in what is
    left, as if nobody had ever said anything about them.
    """
    held = np.zeros(N_DIMS, dtype=bool)
    held[list(holdout)] = True
    pools: dict[str, tuple[dict[PersonaItem, None], tuple[float, ...]]] = {}
    for n, record in enumerate(records):
        if record.direction is None:
            continue
        key = record.user_id if record.user_id is not None else f"#record-{n}"
        items, _ = pools.setdefault(key, ({}, record.direction))
        items.update(dict.fromkeys(record.persona.items()))
    out = []
    for items, direction in pools.values():
        target = pole_classes(direction)
        its = tuple(i for i in items if i.direction is None or not (pole_classes(i.direction)[held] != 1).any())
        if not its or (any(i.direction is None for i in its) and (target[held] != 1).any()):
            continue
        targets = tuple(None if i.direction is None else pole_classes(i.direction) for i in its)
        out.append(Example(its, np.where(held, 1, target), targets))
    return out


def _cache_file(cfg: Any):  # -> Path | None
    from pathlib import Path

    if not cfg.feature_cache:
        return None
    name = Path(cfg.encoder).name if cfg.encoder not in ("minilm", "tiny") else cfg.encoder
    seed = f"-seed{cfg.seed}" if cfg.encoder == "tiny" else ""
    return Path(cfg.feature_cache) / f"{name}{seed}-layers{cfg.encoder_layers or 'all'}-len{cfg.max_length}.npz"


def _load_cache(cfg: Any) -> dict[str, np.ndarray]:
    path = _cache_file(cfg)
    if path is None or not path.is_file():
        return {}
    with np.load(path) as data:
        return dict(zip(data["texts"].tolist(), data["vectors"]))


def _save_cache(cfg: Any, table: dict[str, np.ndarray]) -> None:
    import os

    path = _cache_file(cfg)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(f".{os.getpid()}.tmp.npz")  # runs sharing the cache write in turn
    np.savez(tmp, texts=np.asarray(list(table)), vectors=np.stack(list(table.values())).astype(np.float32))
    tmp.replace(path)


class Featurizer:
    """Turns examples into padded tensors; with a frozen encoder each text is embedded once."""

    def __init__(self, model: Any, tokenizer: Any, cfg: Any, examples: list[Example], progress: bool) -> None:
        self.model, self.cfg = model, cfg
        self.tokenizer = configure(tokenizer, cfg.max_length)
        self.device = next(model.parameters()).device
        self.cache: dict[Any, int] = {}
        self._per_item: dict[PersonaItem, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self._styles: dict[PersonaItem, np.ndarray] = {}
        #: Whether batches carry the units' style rows (a head with a style map reads them).
        self.style = bool(getattr(model.head, "n_style", 0))
        self.table = None
        #: Per cache row, its cross-fitted example-memory scores (N, 2, 90), once the memory is built.
        self.memory = None
        if cfg.freeze_encoder:
            texts = {t for ex in examples for t in bridge_units(ex.items).texts}
            self._embed_all(sorted(texts, key=lambda t: (len(t), t)), progress)

    def _embed(self, texts: list) -> Any:
        import torch

        ids, mask = tokenize(self.tokenizer, texts)
        return self.model.embed(torch.from_numpy(ids).to(self.device), torch.from_numpy(mask).to(self.device))

    def _embed_all(self, texts: list, progress: bool) -> None:
        import torch
        from tqdm import tqdm

        stored = _load_cache(self.cfg)
        todo = [t for t in texts if t not in stored]
        chunks = []
        with torch.no_grad():
            for i in tqdm(range(0, len(todo), 256), desc="embedding sentences", disable=not progress, leave=False):
                chunks.append(self._embed(todo[i: i + 256]))
        fresh = torch.cat(chunks).cpu().numpy() if chunks else np.zeros((0, 0), dtype=np.float32)
        if self.cfg.feature_cache and todo:
            _save_cache(self.cfg, {**stored, **dict(zip(todo, fresh))})
        new = dict(zip(todo, range(len(todo))))
        rows = [fresh[new[t]] if t in new else stored[t] for t in texts]
        self.table = torch.from_numpy(np.stack(rows)).to(self.device) if rows else None
        self.cache = {t: i for i, t in enumerate(texts)}

    def _item_units(self, item: PersonaItem) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(cache rows, signs, kinds) of one item's units, computed once per item."""
        hit = self._per_item.get(item)
        if hit is None:
            units = bridge_units([item])  # none when a choice's two replies are the same
            rows = np.asarray([self.cache[units.texts[t]] for t in units.combine.argmax(1)] if units.texts else [],
                              dtype=np.int64)
            hit = self._per_item[item] = (rows, units.sign, units.kind)
        return hit

    def _item_style(self, item: PersonaItem) -> np.ndarray:
        """(U, N_STYLE) style rows of one item's units, computed once per item."""
        hit = self._styles.get(item)
        if hit is None:
            hit = self._styles[item] = unit_styles([item], bridge_units([item]))
        return hit

    def _features(self, examples: Sequence[Example]) -> list[tuple[Any, np.ndarray, np.ndarray, Any, Any]]:
        """(x (U, D), sign (U,), kind (U,), memory scores (U, 2, 90) or None, style rows
        (U, N_STYLE) or None) per example."""
        import torch

        if self.table is not None:  # frozen encoder: look the sentences up
            out = []
            for ex in examples:
                parts = [self._item_units(it) for it in ex.items]
                rows, sign, kind = (np.concatenate([p[i] for p in parts]) for i in range(3))
                index = torch.from_numpy(rows)
                style = np.concatenate([self._item_style(it) for it in ex.items]) if self.style else None
                out.append((self.table[index], sign, kind, None if self.memory is None else self.memory[index], style))
            return out
        # Fine-tuning: one encoder call for the whole batch, each distinct sentence once,
        # rather than one small call per user (20-odd sentences each).
        units = [bridge_units(ex.items) for ex in examples]
        texts = list(dict.fromkeys(t for u in units for t in u.texts))
        row = {t: i for i, t in enumerate(texts)}
        table = self._embed(texts) if texts else None                      # (T, D)
        out = []
        for ex, u in zip(examples, units):
            style = unit_styles(ex.items, u) if self.style else None
            if not u.texts:
                out.append((torch.zeros(0, self.model.head.anchors.shape[-1], device=self.device), u.sign, u.kind, None, style))
                continue
            rows = torch.tensor([row[t] for t in u.texts], dtype=torch.long, device=self.device)
            out.append((torch.from_numpy(u.combine).to(self.device) @ table[rows], u.sign, u.kind, None, style))
        return out

    def batch(self, examples: Sequence[Example]) -> dict[str, Any]:
        """x (B, U, D), kind (B, U), sign (B, U) (0 pads), target (B, 90); memory (B, U, 2, 90)
        (cross-fitted example-memory scores) once the memory is built, else None; style
        (B, U, N_STYLE) style rows for a head with a style map, else None."""
        import torch

        feats = self._features(examples)
        n = max(1, max(len(f[1]) for f in feats))
        x = torch.zeros(len(examples), n, self.model.head.anchors.shape[-1], device=self.device)
        memory = None if self.memory is None else torch.zeros(len(examples), n, *self.memory.shape[1:], device=self.device)
        kind = np.zeros((len(examples), n), dtype=np.int64)
        sign = np.zeros((len(examples), n), dtype=np.float32)
        style = np.zeros((len(examples), n, self.model.head.n_style), dtype=np.float32) if self.style else None
        for b, (f, s, k, m, st) in enumerate(feats):
            x[b, : len(s)] = f
            kind[b, : len(s)], sign[b, : len(s)] = k, s
            if memory is not None:
                memory[b, : len(s)] = m
            if style is not None:
                style[b, : len(s)] = st
        target = torch.from_numpy(np.stack([ex.target for ex in examples]))
        return {"x": x, "kind": torch.from_numpy(kind).to(self.device), "sign": torch.from_numpy(sign).to(self.device),
                "target": target.to(self.device), "memory": memory,
                "style": None if style is None else torch.from_numpy(style).to(self.device)}
