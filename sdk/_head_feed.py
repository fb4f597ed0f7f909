"""What the bridge's head graph is fed: each kind's sentence embeddings, the units' rows, signs,
kinds and weights, and (for a head trained with style contrasts) each unit's style row.

Style rows (:func:`unit_styles`): a choice's style contrast (:mod:`edgealign._style`) rides on
the first unit of that choice, as the contrast of *that unit's* reply with the other one, so it
follows the sign convention of the choice's sentences: on a chosen reply's sentence (sign +1)
it is ``style_contrast(chosen, rejected)``, on a rejected reply's sentence (sign -1, when the
chosen reply has no sentence of its own) ``style_contrast(rejected, chosen)``; the head
multiplies it by the unit's sign, so either way it adds the chosen answer's style. Every other
unit (comments, descriptions, a choice's later sentences) carries zeros.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from ._style import N_STYLE, style_contrast
from .featurize import Units
from .persona import Choice, PersonaItem

__all__ = ["head_feed", "unit_styles", "rows_per_item", "STYLE_INPUT"]

#: The head graph's optional extra input: float32 (U, N_STYLE) style rows (:func:`unit_styles`).
STYLE_INPUT = "style"


def head_feed(table: np.ndarray, text: np.ndarray, sign: np.ndarray, kind: np.ndarray,
              weight: np.ndarray, style: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """The head graph's feed for units that read rows ``text`` of ``table`` (T, D) with
    ``sign``, ``kind`` and ``weight``: each kind's sentences apart, each (sentence, kind) once;
    with ``style`` (U, N_STYLE) also the style input."""
    pair = kind.astype(np.int64) * len(table) + text        # kind-major, like the stacked inputs
    unique, row = np.unique(pair, return_inverse=True)
    feed = {f"{name}_embeddings": table[unique[unique // len(table) == k] % len(table)]
            for k, name in enumerate(("comment", "choice", "description"))}
    feed = {**feed, "row": row.reshape(-1).astype(np.int64), "sign": sign.astype(np.float32),
            "kind": kind.astype(np.int64), "weight": weight.astype(np.float32)}
    if style is not None:
        feed[STYLE_INPUT] = np.ascontiguousarray(style, dtype=np.float32).reshape(len(sign), N_STYLE)
    return feed


def unit_styles(items: Sequence[PersonaItem], units: Units) -> np.ndarray:
    """float32 (U, N_STYLE): per unit of ``bridge_units(items)``, its style row (module doc)."""
    out = np.zeros((len(units.sign), N_STYLE), dtype=np.float32)
    if not len(units.sign):
        return out
    first = np.flatnonzero(np.r_[True, units.item[1:] != units.item[:-1]])  # units run item by item
    for u in first.tolist():
        item = items[int(units.item[u])]
        if isinstance(item, Choice):
            own, other = (item.chosen, item.rejected) if units.sign[u] > 0 else (item.rejected, item.chosen)
            out[u] = style_contrast(own, other)
    return out


def rows_per_item(units: Units, n_items: int) -> list[list[int]]:
    """Per item, the text rows its units read, each once, in first-use order: the order of
    ``bridge_units([item]).texts``."""
    rows: list[list[int]] = [[] for _ in range(n_items)]
    seen: list[set[int]] = [set() for _ in range(n_items)]
    for t, n in zip(units.text.tolist(), units.item.tolist()):
        if t not in seen[n]:
            seen[n].add(t)
            rows[n].append(t)
    return rows
