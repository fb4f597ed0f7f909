"""How much each item of a history counts in a profile: recent items in full, older ones
fading, the total capped (docs/bridge.md, "Whole history")."""

from __future__ import annotations

import numpy as np

__all__ = ["recency_weights"]


def recency_weights(n: int, window: int, half_life: float | None, max_mass: float | None = None,
                    informative: np.ndarray | None = None) -> np.ndarray:
    """Weights of ``n`` items, newest first: 1 for the newest ``window``, then halving every
    ``half_life`` items (``None``: every item counts in full). Once they sum past
    ``max_mass`` items (``None``: no limit), each is multiplied by its item's
    ``informative`` share ((n,) in [0, 1], when given: how much the item says about any
    dimension), and all are scaled down alike to sum to at most ``max_mass``."""
    age = np.maximum(np.arange(n) - window + 1, 0)
    weights = np.ones(n) if half_life is None else 0.5 ** (age / half_life)
    if max_mass is not None and weights.sum() > max_mass:
        if informative is not None:
            weights = weights * np.clip(informative, 0.0, 1.0)
        total = float(weights.sum())
        if total > max_mass:
            weights *= max_mass / total
    return weights
