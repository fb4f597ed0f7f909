"""The bridge head in two graphs, each sentence scored once per loaded bridge.

An artifact exported by this version splits the head (:mod:`edgealign.bridge`): ``head.onnx``
also returns ``sentence_scores``, each stacked sentence's (2, 90) pole scores (its kind's
projection against the anchors, plus the example memory, which is most of the head's work),
and ``head_units.onnx`` takes those scores with the units' rows, signs, kinds, weights (and
style rows) to the same outputs as the whole head. :class:`SplitHead` runs the two with a
memo of each sentence's scores, keyed by a digest of its kind and embedding, so a profile
update after one new item on a 200-item history scores only that item's sentences against
the example memory instead of all ~600 of the history (docs/performance.md). The scores are
a pure function of (kind, embedding): a hit returns what the graph would compute. Digests,
not text, and derived numbers only, held in memory by the loaded bridge.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import numpy as np

from ._providers import cpu_session
from ._head_feed import STYLE_INPUT
from ._style import STYLE_FEATURES, STYLE_VERSION
from .artifacts import Manifest
from .errors import ArtifactError

__all__ = ["SplitHead", "open_split", "check_style", "HEAD_UNITS", "HEAD_UNITS_INPUTS", "SENTENCE_SCORES", "KINDS"]

#: The second graph of a split head, its inputs (``style`` besides for a head that reads
#: style rows) and the first graph's extra output they start from: float32 (T, 2, 90).
HEAD_UNITS = "head_units.onnx"
SENTENCE_SCORES = "sentence_scores"
HEAD_UNITS_INPUTS = (SENTENCE_SCORES, "row", "sign", "kind", "weight")
#: The head's per-kind embedding inputs, in the order they are stacked.
KINDS = ("comment", "choice", "description")
#: Sentences whose scores a loaded bridge remembers (720 bytes each) before it starts over:
#: about 6 MB, some ten users' longest histories.
_MEMO_SENTENCES = 8192


class SplitHead:
    """The whole head's ``run(outputs, feed)`` over the two graphs of a split head (module doc).

    ``head`` and ``units`` are onnxruntime sessions of ``head.onnx`` and ``head_units.onnx``."""

    def __init__(self, head: Any, units: Any) -> None:
        self.head, self.units = head, units
        self._memo: dict[bytes, np.ndarray] = {}
        self._style = "style" in [i.name for i in units.get_inputs()]

    def get_inputs(self) -> list[Any]:
        """The whole head's inputs (what a caller feeds :meth:`run`)."""
        return list(self.head.get_inputs())

    def run(self, outputs: list[str], feed: dict[str, np.ndarray]) -> list[np.ndarray]:
        """``outputs`` of the whole head for ``feed`` (:func:`~edgealign.bridge.head_feed`)."""
        scores = self.scores([feed[f"{k}_embeddings"] for k in KINDS])
        units = {SENTENCE_SCORES: scores, **{k: feed[k] for k in HEAD_UNITS_INPUTS[1:]}}
        if self._style:
            units["style"] = feed["style"]
        return list(self.units.run(outputs, units))

    def scores(self, stacked: list[np.ndarray]) -> np.ndarray:
        """float32 (T, 2, 90) for the three kinds' sentence embeddings, stacked: remembered
        ones from the memo, the rest in one call of the first graph."""
        keys = [key for k, e in enumerate(stacked) for key in _keys(k, e)]
        known = [self._memo.get(key) for key in keys]
        missing = [n for n, s in enumerate(known) if s is None]
        if missing:
            fresh = self._score(stacked, missing)
            if len(self._memo) + len(missing) > _MEMO_SENTENCES:
                self._memo.clear()
            for n, s in zip(missing, fresh):
                known[n] = s
                self._memo[keys[n]] = s
        if not known:
            return np.zeros((0, 2, self._dims()), dtype=np.float32)
        return np.stack(known)  # type: ignore[arg-type]  # every None was filled above

    def _score(self, stacked: list[np.ndarray], rows: list[int]) -> np.ndarray:
        """The first graph on the stacked ``rows`` only, each read by one unit of its kind."""
        starts = np.cumsum([0, *(len(e) for e in stacked)])
        picked = np.asarray(rows, dtype=np.int64)
        kind = np.searchsorted(starts, picked, side="right") - 1
        feed = {f"{name}_embeddings": stacked[k][picked[kind == k] - starts[k]] for k, name in enumerate(KINDS)}
        n = len(picked)  # kind-major already: the stacked rows are
        feed |= {"row": np.arange(n, dtype=np.int64), "sign": np.ones(n, dtype=np.float32), "kind": kind,
                 "weight": np.ones(n, dtype=np.float32)}
        if self._style:  # scores do not read style
            feed["style"] = np.zeros((n, self._style_width()), dtype=np.float32)
        return self.head.run([SENTENCE_SCORES], feed)[0]

    def _dims(self) -> int:
        return int(self.units.get_inputs()[0].shape[-1])

    def _style_width(self) -> int:
        return int(next(i for i in self.units.get_inputs() if i.name == "style").shape[-1])


def _keys(kind: int, embeddings: np.ndarray) -> list[bytes]:
    """Per row of ``embeddings`` (float32 (T, D)), a digest of its bytes and ``kind``."""
    data = memoryview(np.ascontiguousarray(embeddings, dtype=np.float32).tobytes())
    width, person = 4 * embeddings.shape[-1], bytes([kind])
    blake = hashlib.blake2b
    return [blake(data[i:i + width], digest_size=16, person=person).digest() for i in range(0, len(data), width)]


def open_split(folder: Path, manifest: Manifest, head: Any, threads: int | None) -> Any:
    """``head`` (the session of ``head.onnx``) as a :class:`SplitHead` when the manifest
    names the second graph (``details.head.units``), else as it is (an older artifact: the
    whole head on every call). ArtifactError when the two graphs do not fit together."""
    units = manifest.details.get("head", {}).get("units")
    if not units:
        return head
    if units.get("file") != HEAD_UNITS or HEAD_UNITS not in manifest.files or \
            units.get("inputs") != list(HEAD_UNITS_INPUTS):
        raise ArtifactError(f"{folder}: the manifest's split head {units} is not this SDK's "
                            f"({HEAD_UNITS}, inputs {list(HEAD_UNITS_INPUTS)}); re-export the bridge")
    session = cpu_session(folder / HEAD_UNITS, threads)
    if SENTENCE_SCORES not in [o.name for o in head.get_outputs()] or \
            [i.name for i in session.get_inputs()][: len(HEAD_UNITS_INPUTS)] != list(HEAD_UNITS_INPUTS):
        raise ArtifactError(f"{folder}: the head graphs' inputs and outputs are not what the manifest says; "
                            "re-export the bridge")
    return SplitHead(head, session)


def check_style(folder: Path, manifest: Manifest, head: Any) -> None:
    """ArtifactError unless a head trained with style contrasts was trained on this SDK's
    definition of them (:data:`~edgealign._style.STYLE_VERSION`) and takes them as an input."""
    style = manifest.details["head"].get("style")
    if not style:
        return
    if style.get("version") != STYLE_VERSION or style.get("features") != len(STYLE_FEATURES):
        raise ArtifactError(f"{folder}: the bridge was trained on style contrasts of version {style.get('version')} "
                            f"({style.get('features')} features) and this SDK measures version {STYLE_VERSION} "
                            f"({len(STYLE_FEATURES)}); retrain it, or use an edgealign release of that style version")
    if STYLE_INPUT not in [i.name for i in head.get_inputs()]:
        raise ArtifactError(f"{folder}: the manifest says the head reads style contrasts but head.onnx has no "
                            f"'{STYLE_INPUT}' input; re-export the bridge")
