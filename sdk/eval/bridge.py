"""Scoring inferred preferences against references, shared by the trainers and the CLI.

``accuracy_nonneutral`` is the share of the reference's non-neutral dimensions on which the
prediction has the same value (a neutral prediction counts as wrong; None when every reference
is neutral, since there is nothing to find), the figure
the AlignX paper's gold-direction comparison rests on (docs/method.md §6).

Per pole (``per_pole``, keyed by the pole's label): of the references at that pole, the share
found, left neutral, or called the opposite pole; ``worst_pole`` is the lowest of the poles
with at least ``min_pole_n`` references. ``neutral_kept`` is the share of *quiet* dimensions
(neutral in the reference, and named by none of the user's items where items carry
directions: the history says nothing about them) that the prediction leaves neutral;
``false_poles_per_record`` how many quiet dimensions a record gets called a pole, and
``false_poles`` the poles most often called so.
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


def direction_metrics(pred: Any, ref: Any, confidence: Any | None = None, *, quiet: Any | None = None,
                      scored: Any | None = None, min_pole_n: int = 10) -> dict[str, Any]:
    """Metrics of predicted directions (R, 90) against reference directions (R, 90).

    ``quiet`` (R, 90) marks the dimensions a record's history says nothing about (default: the
    reference's neutral ones); ``scored`` (R, 90) limits every figure to the marked cells
    (default: all), e.g. to dimensions a bridge never saw in training.
    """
    pred, ref = np.asarray(pred, dtype=float), np.asarray(ref, dtype=float)
    scored = np.ones(ref.shape, dtype=bool) if scored is None else np.asarray(scored, dtype=bool)
    nonneutral = (ref != 0.5) & scored
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
        "accuracy_all": float((pred == ref)[scored].mean()) if scored.any() else 0.0,
        "macro_f1": _macro_f1(pred[scored], ref[scored]),
        "per_group": groups,
        "per_dimension": _per_dimension(hits, nonneutral),
        "per_pole": _per_pole(pred, ref, scored),
    }
    out["worst_pole"] = _worst(out["per_pole"], min_pole_n)
    quiet = (ref == 0.5) if quiet is None else (np.asarray(quiet, dtype=bool) & (ref == 0.5))
    out.update(_neutral(pred, quiet & scored))
    if confidence is not None:
        correct = (pred == ref)[scored].astype(float)
        out["ece"] = _ece(np.asarray(confidence, dtype=float)[scored], correct)
    return out


def _per_dimension(hits: np.ndarray, nonneutral: np.ndarray) -> dict[str, dict[str, Any]]:
    """Dimensions some reference is non-neutral on: how many, and the share found."""
    out = {}
    for dim in SPACE:
        n = int(nonneutral[:, dim.index].sum())
        if n:
            out[dim.name] = {"index": dim.index, "n": n, "accuracy_nonneutral": float(hits[:, dim.index].sum() / n)}
    return out


def _per_pole(pred: np.ndarray, ref: np.ndarray, scored: np.ndarray) -> dict[str, dict[str, Any]]:
    """Poles some reference is at: how many, and the shares found, left neutral, reversed."""
    out = {}
    for dim in SPACE:
        for value, pole, label in ((1.0, "positive", dim.positive_label), (0.0, "negative", dim.negative_label)):
            at = (ref[:, dim.index] == value) & scored[:, dim.index]
            n = int(at.sum())
            if n:
                got = pred[at, dim.index]
                out[label] = {"index": dim.index, "pole": pole, "n": n, "accuracy": float((got == value).mean()),
                              "neutral": float((got == 0.5).mean()), "opposite": float((got == 1.0 - value).mean())}
    return out


def _worst(per_pole: dict[str, dict[str, Any]], min_n: int) -> dict[str, Any] | None:
    """The pole found least often, among those with at least ``min_n`` references."""
    counted = [(v["accuracy"], label) for label, v in per_pole.items() if v["n"] >= min_n]
    if not counted:
        return None
    accuracy, label = min(counted)
    return {"label": label, **per_pole[label]}


def _neutral(pred: np.ndarray, quiet: np.ndarray, top: int = 10) -> dict[str, Any]:
    """How well quiet dimensions stay neutral, and the poles most often called on them."""
    called = (pred != 0.5) & quiet
    if not quiet.any():
        return {"neutral_kept": None, "false_poles_per_record": 0.0, "records_all_quiet_kept": None,
                "false_poles": {}}
    counts = []
    for dim in SPACE:
        col = called[:, dim.index]
        for value, label in ((1.0, dim.positive_label), (0.0, dim.negative_label)):
            n = int((col & (pred[:, dim.index] == value)).sum())
            if n:
                counts.append((n, label, int(quiet[:, dim.index].sum())))
    counts.sort(key=lambda c: (-c[0], c[1]))
    has_quiet = quiet.any(axis=1)
    return {
        "neutral_kept": float(1 - called.sum() / quiet.sum()),
        "false_poles_per_record": float(called.sum(axis=1).mean()),
        "records_all_quiet_kept": float((~called.any(axis=1))[has_quiet].mean()) if has_quiet.any() else None,
        "false_poles": {label: {"n": n, "share_of_quiet": n / q} for n, label, q in counts[:top]},
    }


def _reference(record: Any) -> np.ndarray | None:
    from ..preferences import PreferenceProfile

    if record.direction is not None:
        return np.asarray(record.direction, dtype=float)
    if record.profile:
        return PreferenceProfile.from_text(record.profile).values
    return None


def evaluate_bridge(bridge: Any, records: Any, *, curve: tuple[int, ...] = (1, 2, 4, 8), seed: int = 0,
                    dims: tuple[int, ...] | None = None, min_pole_n: int = 10) -> dict[str, Any]:
    """Infer each record's profile from its persona items alone and score it against the
    record's ``Preference Direction`` (else its ``profile`` string).

    Items are taken in a fixed shuffled order per record; the curve uses the first k items
    of records that have at least k. When items carry their own directions, docs/method.md §4's
    aggregation of those labels is scored too (``label_aggregate``): the figure a bridge
    with perfect item labels would reach, and a dimension no item names counts as one the
    history says nothing about (``neutral_kept``). ``dims`` limits every figure to those
    dimensions (e.g. ones a bridge was trained without).
    """
    import random

    from ..preferences import PreferenceProfile

    rng = random.Random(seed)
    full: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = []
    by_k: dict[int, list[tuple[np.ndarray, np.ndarray]]] = {k: [] for k in curve}
    labels: list[tuple[np.ndarray, np.ndarray]] = []
    for record in records:
        ref = _reference(record)
        items = list(record.persona.items())
        if ref is None or not items:
            continue
        rng.shuffle(items)
        profile = bridge.infer(items)
        full.append((profile.values, ref, profile.confidence, _quiet(items)))
        for k in curve:
            if len(items) >= k:
                by_k[k].append((bridge.infer(items[:k]).values if k < len(items) else profile.values, ref))
        directions = record.persona.labelled_directions()
        if directions:
            labels.append((PreferenceProfile.aggregate(directions).values, ref))
    if not full:
        from ..errors import DataError

        raise DataError("no record had both persona items and a reference direction or profile")
    pred, ref, confidence, quiet = (np.stack(col) for col in zip(*full))
    out = direction_metrics(pred, ref, confidence, quiet=quiet, scored=_scored(dims, len(ref)), min_pole_n=min_pole_n)
    out["curve"] = {str(k): _accuracy(v, dims) for k, v in by_k.items() if v}
    out["curve_n"] = {str(k): len(v) for k, v in by_k.items() if v}
    if labels:
        out["label_aggregate_accuracy_nonneutral"] = _accuracy(labels, dims)
    if dims is not None:
        out["dims"] = sorted(set(dims))
    return out


def _quiet(items: list[Any]) -> np.ndarray:
    """Dimensions no item names (all of them when no item carries a direction)."""
    quiet = np.ones(len(SPACE), dtype=bool)
    for item in items:
        direction = getattr(item, "direction", None)
        if direction is not None:
            quiet &= np.asarray(direction, dtype=float) == 0.5
    return quiet


def _scored(dims: tuple[int, ...] | None, n: int) -> np.ndarray | None:
    if dims is None:
        return None
    mask = np.zeros((n, len(SPACE)), dtype=bool)
    mask[:, sorted(set(dims))] = True
    return mask


def _accuracy(pairs: list[tuple[np.ndarray, np.ndarray]], dims: tuple[int, ...] | None = None) -> float | None:
    pred, ref = np.stack([p for p, _ in pairs]), np.stack([r for _, r in pairs])
    return direction_metrics(pred, ref, scored=_scored(dims, len(ref)))["accuracy_nonneutral"]
