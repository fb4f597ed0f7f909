"""Running the bridge's fixed-shape graph: sentences in batches of one (texts, tokens) shape.

An artifact exported with ``edgealign export bridge --static`` holds a second encoder graph,
``bridge.static.int8.onnx``, for NPU execution providers: int8 in QDQ form, inputs
``input_ids`` and ``attention_mask`` of exactly (texts, tokens) (the manifest's
``details["static"]["shape"]``), output ``embeddings`` (texts, D). Any number of sentences
goes through it in batches of ``texts`` rows, each padded to ``tokens`` columns (and the last
batch with empty rows, which pool to zero and are dropped); the head graph
(:data:`edgealign.bridge.HEAD`) then turns the embeddings into a profile, on the CPU.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import ArtifactError

__all__ = ["STATIC_INPUTS", "STATIC_OUTPUT", "static_shape", "static_batches", "embed_static"]

STATIC_INPUTS = ("input_ids", "attention_mask")
STATIC_OUTPUT = "embeddings"


def static_shape(details: dict[str, Any]) -> tuple[int, int] | None:
    """(texts, tokens) of the artifact's fixed-shape graph, from manifest ``details``; None without one."""
    static = details.get("static")
    if not static:
        return None
    shape = static.get("shape")
    if not (isinstance(shape, list) and len(shape) == 2 and all(isinstance(n, int) and n > 0 for n in shape)):
        raise ArtifactError(f"the manifest's static graph shape {shape!r} is not [texts, tokens]; re-export the bridge")
    return shape[0], shape[1]


def static_batches(ids: np.ndarray, mask: np.ndarray, shape: tuple[int, int]) -> list[dict[str, np.ndarray]]:
    """Feeds of exactly ``shape`` holding the rows of ``ids`` and ``mask`` (T, L <= tokens)."""
    texts, tokens = shape
    if ids.shape[1] > tokens:
        raise ArtifactError(f"sentences of {ids.shape[1]} tokens do not fit the static graph's {tokens}; "
                            "the tokenizer's max_length and the graph disagree: re-export the bridge")
    feeds = []
    for start in range(0, len(ids), texts):
        feed = {name: np.zeros(shape, dtype=np.int64) for name in STATIC_INPUTS}
        rows = slice(start, start + texts)
        n = len(ids[rows])
        feed["input_ids"][:n, : ids.shape[1]] = ids[rows]
        feed["attention_mask"][:n, : ids.shape[1]] = mask[rows]
        feeds.append(feed)
    return feeds


def embed_static(session: Any, ids: np.ndarray, mask: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """(T, D) embeddings of tokenized sentences through the fixed-shape ``session``."""
    out = [session.run([STATIC_OUTPUT], feed)[0] for feed in static_batches(ids, mask, shape)]
    return np.concatenate(out)[: len(ids)] if out else np.zeros((0, 0), dtype=np.float32)
