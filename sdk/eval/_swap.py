"""Swap partners for ``edgealign eval --swap``: for each record, another user in the same file
at the opposite pole, whose persona the record is scored with a second time (docs/training.md,
"Measuring an aligner")."""

from __future__ import annotations

from typing import Sequence

from ..data import Record

__all__ = ["swap_partners", "target_poles"]


def target_poles(record: Record) -> dict[int, float]:
    """The record's non-neutral dimensions and their poles."""
    return {d: v for d, v in enumerate(record.direction or ()) if v != 0.5}


def swap_partners(records: Sequence[Record]) -> list[int | None]:
    """For each record, the index of another record whose user is at the opposite pole, or None.

    The partner is opposite to the record's direction on the most of its target dimensions
    (non-neutral ones) and agrees with it on none; ties go to the fewest other non-neutral
    dimensions, then to the next record in file order (cyclically), so partners are spread
    over the file. A record without a direction has no partner.
    """
    targets = [target_poles(r) for r in records]
    by_pole: dict[tuple[int, float], list[int]] = {}
    for j, t in enumerate(targets):
        for d, v in t.items():
            by_pole.setdefault((d, v), []).append(j)
    out: list[int | None] = []
    for i, t in enumerate(targets):
        best: tuple[int, int, int] | None = None
        candidates = {j for d, v in t.items() for j in by_pole.get((d, 1.0 - v), ())}
        for j in candidates - {i}:
            u = targets[j]
            if any(u.get(d) == v for d, v in t.items()):
                continue  # agrees with the user somewhere: not the opposite user
            opposite = sum(u.get(d) == 1.0 - v for d, v in t.items())
            key = (-opposite, len(u) - opposite, (j - i) % len(targets))
            best = key if best is None or key < best else best
        out.append(None if best is None else (i + best[2]) % len(targets))
    return out
