"""Scoring inferred preferences against references, shared by the trainers and the CLI.

``accuracy_nonneutral`` is the share of the reference's non-neutral dimensions on which the
prediction has the same value (a neutral prediction counts as wrong; None when every reference
is neutral, since there is nothing to find), the figure
the AlignX paper's gold-direction comparison rests on (docs/method.md §6).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..preferences import SPACE

__all__ = ["direction_metrics", "evaluate_bridge"]


def _macro_f1(pred: np.ndarray, ref: np.ndarray) -> float:
    scores = []
    for value in (0.0, 0.5, 1.0):
        tp = np.sum((pred == value) & (ref == value))
        fp = np.sum((pred == value) & (ref != value))
        fn = np.sum((pred != value) & (ref == value))
        if tp + fp + fn:
            scores.append(2 * tp / (2 * tp + fp + fn))
    return float(np.mean(scores)) if scores else 0.0


def _ece(confidence: np.ndarray, correct: np.ndarray, bins: int = 10) -> float:
    """Expected calibration error of the chosen pole's probability."""
    edges = np.linspace(0, 1, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    total = 0.0
    for b in range(bins):
        sel = which == b
        if sel.any():
            total += sel.mean() * abs(confidence[sel].mean() - correct[sel].mean())
    return float(total)


def direction_metrics(pred: Any, ref: Any, confidence: Any | None = None) -> dict[str, Any]:
    """Metrics of predicted directions (R, 90) against reference directions (R, 90)."""
    pred, ref = np.asarray(pred, dtype=float), np.asarray(ref, dtype=float)
    nonneutral = ref != 0.5
    hits = (pred == ref) & nonneutral
    groups = {}
    for group in SPACE.groups:
        cols = SPACE.group_indices(group)
        n = int(nonneutral[:, cols].sum())
        groups[group] = {"n": n, "accuracy_nonneutral": float(hits[:, cols].sum() / n) if n else None}
    out: dict[str, Any] = {
        "n_records": int(len(ref)),
        "n_nonneutral": int(nonneutral.sum()),
        # None when no reference is non-neutral: nothing to find is no score of 0 (as per group).
        "accuracy_nonneutral": float(hits.sum() / nonneutral.sum()) if nonneutral.any() else None,
        "accuracy_all": float((pred == ref).mean()) if ref.size else 0.0,
        "macro_f1": _macro_f1(pred, ref),
        "per_group": groups,
        "per_dimension": _per_dimension(hits, nonneutral),
    }
    if confidence is not None:
        out["ece"] = _ece(np.asarray(confidence, dtype=float).ravel(), (pred == ref).ravel().astype(float))
    return out


def _per_dimension(hits: np.ndarray, nonneutral: np.ndarray) -> dict[str, dict[str, Any]]:
    """Dimensions some reference is non-neutral on: how many, and the share found."""
    out = {}
    for dim in SPACE:
        n = int(nonneutral[:, dim.index].sum())
        if n:
            out[dim.name] = {"index": dim.index, "n": n, "accuracy_nonneutral": float(hits[:, dim.index].sum() / n)}
    return out


def _reference(record: Any) -> np.ndarray | None:
    from ..preferences import PreferenceProfile

    if record.direction is not None:
        return np.asarray(record.direction, dtype=float)
    if record.profile:
        return PreferenceProfile.from_text(record.profile).values
    return None


def evaluate_bridge(bridge: Any, records: Any, *, curve: tuple[int, ...] = (1, 2, 4, 8), seed: int = 0) -> dict[str, Any]:
    """Infer each record's profile from its persona items alone and score it against the
    record's ``Preference Direction`` (else its ``profile`` string).

    Items are taken in a fixed shuffled order per record; the curve uses the first k items
    of records that have at least k. When items carry their own directions, docs/method.md §4's
    aggregation of those labels is scored too (``label_aggregate``): the figure a bridge
    with perfect item labels would reach.
    """
    import random

    from ..preferences import PreferenceProfile

    rng = random.Random(seed)
    full: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    by_k: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in curve}
    labels: list[tuple[np.ndarray, np.ndarray]] = []
    for record in records:
        ref = _reference(record)
        items = list(record.persona.items())
        if ref is None or not items:
            continue
        rng.shuffle(items)
        profile = bridge.infer(items)
        full.append((profile.values, ref, profile.confidence))
        for k in curve:
            if len(items) >= k:
                by_k[k].append((bridge.infer(items[:k]).values if k < len(items) else profile.values, ref))
        directions = record.persona.labelled_directions()
        if directions:
            labels.append((PreferenceProfile.aggregate(directions).values, ref))
    if not full:
        from ..errors import DataError

        raise DataError("no record had both persona items and a reference direction or profile")
    out = direction_metrics(*(np.stack(col) for col in zip(*full)))
    out["curve"] = {str(k): _accuracy(v) for k, v in by_k.items() if v}
    out["curve_n"] = {str(k): len(v) for k, v in by_k.items() if v}
    if labels:
        out["label_aggregate_accuracy_nonneutral"] = _accuracy(labels)
    return out


def _accuracy(pairs: list[tuple[np.ndarray, np.ndarray]]) -> float | None:
    pred, ref = np.stack([p for p, _ in pairs]), np.stack([r for _, r in pairs])
    return direction_metrics(pred, ref)["accuracy_nonneutral"]
