"""How an exported bridge graph is compared with torch: the head's feed for one graph's
embeddings, and the figures of a parity check. Used by the ONNX export (:mod:`.onnx`) and the
fixed-shape graph's export (:mod:`._static`), which import it rather than each other."""

from __future__ import annotations

from typing import Any

import numpy as np

from edgealign._head_feed import STYLE_INPUT
from edgealign._style import N_STYLE
from edgealign.bridge import head_feed

__all__ = ["head_feed_for", "parity_figures"]


def head_feed_for(feed: dict[str, np.ndarray], embeddings: np.ndarray, session: Any = None) -> dict[str, np.ndarray]:
    """The head graph's feed for a single-graph ``feed`` and its embeddings (weights all 1);
    for a head ``session`` that takes style rows, the feed's (zeros where it has none)."""
    units = feed["combine"].shape[0]
    style = None
    if session is not None and STYLE_INPUT in [i.name for i in session.get_inputs()]:
        style = feed.get(STYLE_INPUT, np.zeros((units, N_STYLE), dtype=np.float32))
    return head_feed(embeddings, feed["combine"].argmax(1), feed["sign"], feed["kind"],
                     np.ones(units, dtype=np.float32), style)


def parity_figures(pairs: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, float]:
    """Over (torch, graph) output pairs: the largest absolute difference and the mean
    per-dimension argmax agreement."""
    diffs = [float(np.abs(ref - got).max()) for ref, got in pairs]
    agree = [float((ref.argmax(-1) == got.argmax(-1)).mean()) for ref, got in pairs]
    return {"max_abs_diff": max(diffs), "argmax_agreement": float(np.mean(agree))}
