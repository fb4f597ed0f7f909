"""The preference bridge on the device: raw persona items in, a PreferenceProfile out.

Runs the exported ONNX graph with onnxruntime and the ``tokenizers`` tokenizer shipped in the
artifact; no torch. The manifest and file hashes are checked before onnxruntime sees the
graph. Execution providers are chosen at run time (:mod:`edgealign._providers`): installed
plugin providers are registered, an NPU device is preferred when onnxruntime lists one
(OpenVINO's NPU, QNN, VitisAI) and runs the artifact's fixed-shape int8 graph
(:mod:`edgealign._static_graph`), else the packed graph runs on the CPU; ``providers=`` or
``$EDGEALIGN_BRIDGE_PROVIDER`` override the choice. If the chosen device fails to start or
does not take the whole graph, the CPU takes over; a log line says which ran.

Whole histories: an artifact exported by this version also holds ``head.onnx``, the head
alone on sentence embeddings (split in two, :mod:`edgealign._head_split`, so each sentence
is scored against the example memory once per loaded bridge), and its single graph returns
the embeddings it computed. Then
:meth:`PreferenceBridge.infer` reads every item it is given (newest first): it encodes the
items in chunks (or takes their cached embeddings, see :meth:`PreferenceBridge.encode`), and
one head call sums the evidence of every sentence, each item weighted by
:func:`recency_weights`: the newest ``max_items`` in full, older ones halving every
``half_life`` items; once they sum past ``max_mass`` items (the range of evidence the
bridge was trained on), each counts by how much it says and all are scaled down alike.
A head trained with style contrasts (manifest ``details.head.style``) also reads how each
chosen answer is written against the rejected one (:mod:`edgealign._head_feed`); so does the
single graph of such an artifact exported by this version (a sixth input, ``style``), while an
older one, whose single graph reads no style, profiles every history through its head.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ._head_feed import STYLE_INPUT, head_feed, rows_per_item, unit_styles  # head_feed: part of the API
from ._head_split import HEAD_UNITS, HEAD_UNITS_INPUTS, SENTENCE_SCORES, check_style, open_split
from ._recency import recency_weights  # re-exported: part of the bridge's API
from ._providers import CPU, Choice, choose, cpu_session, devices, open_session
from ._static_graph import embed_static, static_shape
from ._style import STYLE_FEATURES
from .artifacts import BRIDGE_INPUTS, Manifest
from .errors import ArtifactError, ConfigError
from .featurize import UNITS_VERSION, Units, bridge_units, configure, tokenize
from .persona import PersonaItem
from .preferences import N_DIMS, Evidence, PreferenceProfile

__all__ = ["PreferenceBridge", "GRAPHS", "default_bridge_path", "recency_weights", "head_feed",
           "HEAD", "HEAD_INPUTS", "HEAD_OUTPUTS", "HEAD_UNITS", "HEAD_UNITS_INPUTS", "SENTENCE_SCORES",
           "EMBEDDINGS", "HALF_LIFE"]

log = logging.getLogger("edgealign.bridge")

#: The encoder graphs an artifact may hold: "packed" (dynamic shapes, skips padding; fp32 or
#: int8 by ``precision``) and "static" (fixed shapes, QDQ int8, for NPUs).
GRAPHS = ("packed", "static")
#: Evidence smaller than this is not reported (it moved nothing).
_MIN_EVIDENCE = 0.05
#: Per dimension, a profile reports the evidence of at most this many items, the strongest
#: (a long history would otherwise list hundreds of faint ones; explanations show three).
_EVIDENCE_PER_DIM = 8
#: The head graph of an artifact that reads whole histories, and its IO (see head_feed).
#: *_embeddings: float32 (T_k, D) the sentences units of that kind read; row: int64 (U,)
#: the row of the three, stacked, each unit reads; sign, kind: as the single graph's;
#: weight: float32 (U,) the unit's share of the user's sums (1: in full). Outputs as the
#: single graph's; evidence is per unit and unweighted.
HEAD = "head.onnx"
HEAD_INPUTS = ("comment_embeddings", "choice_embeddings", "description_embeddings", "row", "sign", "kind", "weight")
HEAD_OUTPUTS = ("unit_logits", "user_logits", "evidence")
#: The single graph's extra output in such an artifact: (T, D) sentence embeddings.
EMBEDDINGS = "embeddings"
#: Items past the newest ``max_items`` lose half their weight every HALF_LIFE items.
#: Measured (docs/bridge.md, "Whole history"): 32 keeps what a user said a hundred items
#: ago; 8 follows a change of mind within about 16 items for 1-2.5 points of accuracy.
HALF_LIFE = 32.0
#: A history's weights sum to at most MAX_MASS items (None: no cap); past it, each item
#: first counts by its strongest relevance (PreferenceBridge._weights). The bridge learnt its
#: aggregation on 1-8 items and its gains are calibrated there: uncapped, 128 items' sums turn
#: faint relevance on unrelated dimensions into confident poles (44% of dimensions right,
#: against 99.6%), and at 16 a 32-item history kept 0.81 of its neutral dimensions against
#: 0.97 at 8, for a point of recall (docs/bridge.md, "Whole history").
MAX_MASS: float | None = 8.0
#: Sentences encoded per call when a history is encoded in chunks.
_CHUNK_TEXTS = 64
#: Items whose weight falls below this are not read at all.
_MIN_WEIGHT = 1e-3
#: Items whose relevance a loaded bridge remembers (about 50 bytes each) before it starts over.
_MEMO_ITEMS = 100_000


def default_bridge_path() -> Path:
    """The bridge used when none is named: the home's (``$EDGEALIGN_HOME/artifacts/bridge``,
    where ``edgealign build`` puts one), else the one shipped in the package (``Home().default_bridge``)."""
    from .home import Home

    return Home().default_bridge


class PreferenceBridge:
    """Infers a user's profile from their comments, choices and description.

    ``PreferenceBridge.load(folder)`` opens an artifact written by ``edgealign export bridge``.
    ``precision`` picks the packed graph: "int8" (default when present) or "fp32";
    ``graph`` forces "packed" or "static" (default: static on an NPU, packed elsewhere).
    """

    def __init__(self, session: Any, tokenizer: Any, manifest: Manifest, folder: Path,
                 head: Any = None, graph: str = "", choice: Choice | None = None) -> None:
        self._session = session
        #: Where the encoder runs and which graph (see :mod:`edgealign._providers`).
        self.choice = choice or Choice((CPU,))
        self._static = static_shape(manifest.details) if self.choice.static else None
        self._head = head
        #: Whether the head reads the choices' style contrasts (an extra head input, see _head_feed).
        self.reads_style = head is not None and bool(manifest.details.get("head", {}).get("style"))
        # Whether the single graph reads them too (exported since it could): else a style
        # artifact profiles every history through the head.
        self._single_style = self.reads_style and STYLE_INPUT in [i.name for i in session.get_inputs()]
        self._tokenizer = tokenizer
        self.manifest = manifest
        self.folder = folder
        self.max_items: int = int(manifest.details.get("max_items", 8))
        #: Items past the newest ``max_items`` halve their weight every ``half_life`` items
        #: (None: all count in full). See :func:`recency_weights`.
        self.half_life: float | None = HALF_LIFE
        #: The weights' sum is capped at this many items (None: no cap). See :func:`recency_weights`.
        self.max_mass: float | None = MAX_MASS
        self._graph = graph
        # Item digest -> its strongest relevance (see _weights): a profile update after one
        # new item scores only that item's sentences for the cap, not the whole history.
        # Digests, not text: no plaintext outlives the call that brought it.
        self._informative: dict[bytes, float] = {}

    @classmethod
    def load(
        cls,
        folder: str | os.PathLike[str],
        *,
        precision: str | None = None,
        providers: Sequence[str] | None = None,
        threads: int | None = None,
        graph: str | None = None,
    ) -> "PreferenceBridge":
        """Open and verify an artifact folder; errors say what is wrong with it.

        ``providers``: execution providers to try in order, each a name optionally with a
        device type (``"OpenVINOExecutionProvider:NPU"``, ``"openvino:cpu"``, ``"cpu"``);
        default ``$EDGEALIGN_BRIDGE_PROVIDER``, else an NPU if listed, else the CPU."""
        folder = Path(folder)
        manifest = Manifest.read(folder, "bridge")
        packed = _graph(manifest, precision)
        if graph not in (None, *GRAPHS):
            raise ConfigError(f"graph must be one of {', '.join(GRAPHS)}, not {graph!r}")
        inputs = manifest.details.get("inputs")
        if inputs != list(BRIDGE_INPUTS):
            raise ArtifactError(f"{folder}: graph inputs {inputs} are not this SDK's {list(BRIDGE_INPUTS)}; re-export")
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # the tokenizers library raises its own Exception type
            raise ArtifactError(f"{folder}: tokenizer.json does not load ({exc})") from None
        configure(tokenizer, int(manifest.details.get("max_length", 64)))
        trained_on = int(manifest.details.get("units_version", 1))
        if trained_on != UNITS_VERSION:
            log.warning("bridge: %s was trained on sentence units of version %d and this SDK makes version %d "
                        "(see edgealign.featurize); its profiles may be off: retrain and re-export it",
                        folder, trained_on, UNITS_VERSION)
        head = None
        if manifest.details.get("head", {}).get("inputs") == list(HEAD_INPUTS) and HEAD in manifest.files:
            head = cpu_session(folder / HEAD, threads)  # small, dynamic shapes: always the CPU
            check_style(folder, manifest, head)
            head = open_split(folder, manifest, head, threads)
        has_static = head is not None and static_shape(manifest.details) is not None
        if graph == "static" and not has_static:
            raise ConfigError(f"{folder} has no fixed-shape graph; re-export it with `edgealign export bridge --static`")
        import onnxruntime as ort

        choice = choose(devices(), ort.get_available_providers(), providers, has_static=has_static)
        if graph is not None:
            choice = Choice(choice.providers, choice.device, graph == "static", choice.why)
        session, choice = _session(folder, manifest, packed, choice, threads, fixed=graph is not None)
        file = manifest.details["static"]["file"] if choice.static else packed
        return cls(session, tokenizer, manifest, folder, head, file, choice)

    @property
    def providers(self) -> list[str]:
        """The execution providers the session runs on, in priority order."""
        return list(self._session.get_providers())

    @property
    def graph(self) -> str:
        """The encoder graph in use: "static" (fixed shapes, for NPUs) or "packed"."""
        return "static" if self._static else "packed"

    @property
    def reads_history(self) -> bool:
        """Whether this artifact reads whole histories (else only the first ``max_items`` items)."""
        return self._head is not None

    @property
    def horizon(self) -> int | None:
        """How many items (newest first) :meth:`infer` reads: past it an item's weight is
        below 1e-3. ``max_items`` for an artifact without a head; None: no limit."""
        if not self.reads_history:
            return self.max_items
        if self.half_life is None:
            return None
        return self.max_items + math.ceil(self.half_life * math.log2(1 / _MIN_WEIGHT))

    @property
    def cache_key(self) -> str:
        """What cached embeddings depend on: the hashes of the graph and tokenizer in use and
        the version of the sentence split (:data:`~edgealign.featurize.UNITS_VERSION`)."""
        files = self.manifest.files
        joined = f"{files.get(self._graph, '')}:{files.get('tokenizer.json', '')}:{UNITS_VERSION}"
        return hashlib.sha256(joined.encode()).hexdigest()[:32]

    def infer(self, items: Sequence[PersonaItem],
              embeddings: Sequence[np.ndarray | None] | None = None) -> PreferenceProfile:
        """The profile ``items`` (newest first) suggest, with per-item evidence.

        An artifact with a head reads up to :attr:`horizon` items, weighted by
        :func:`recency_weights`; ``embeddings`` (per item, from :meth:`encode`; None where
        not cached) spares encoding them again. Without a head, or for at most ``max_items``
        items and nothing cached, it is one call of the single graph (older artifacts: the
        first ``max_items`` items only). No items give a neutral profile with zero confidence.
        """
        items = list(items)
        if self.reads_history and (embeddings is not None or len(items) > self.max_items or self._static
                                   or (self.reads_style and not self._single_style)):
            return self._infer_history(items[: self.horizon], embeddings)
        units = bridge_units(items[: self.max_items])
        if not units.texts:
            return _neutral()
        feed = self._feed(units)
        if self._single_style:
            feed[STYLE_INPUT] = unit_styles(items[: self.max_items], units)
        user_logits, evidence = self._session.run(["user_logits", "evidence"], feed)
        return PreferenceProfile(_softmax(user_logits), evidence=_item_evidence(evidence, units.item))

    def encode(self, items: Sequence[PersonaItem]) -> list[np.ndarray]:
        """Per item, float32 (sentences, D) embeddings of its distinct sentences, in the order
        :func:`~edgealign.featurize.bridge_units` gives for that item alone: what a cache
        keeps (valid while :attr:`cache_key` is unchanged). Encoded in chunks of sentences."""
        if not self.reads_history:
            raise ArtifactError(f"{self.folder}: this bridge artifact has no head graph; re-export it "
                                "with `edgealign export bridge` to read whole histories")
        units = bridge_units(items)
        rows = rows_per_item(units, len(items))
        table = np.zeros((len(units.texts), self._dim()), dtype=np.float32)
        for chunk in range(0, len(units.texts), _CHUNK_TEXTS):
            table[chunk:chunk + _CHUNK_TEXTS] = self._embed(units.texts[chunk:chunk + _CHUNK_TEXTS])
        return [table[r] for r in rows]

    def _embed(self, texts: list[str]) -> np.ndarray:
        """(T, D) embeddings of ``texts`` from the single graph (each text one comment unit)."""
        ids, mask = tokenize(self._tokenizer, texts)
        if self._static:
            return embed_static(self._session, ids, mask, self._static)
        feed = {"input_ids": ids, "attention_mask": mask, "combine": np.eye(len(texts), dtype=np.float32),
                "sign": np.ones(len(texts), dtype=np.float32), "kind": np.zeros(len(texts), dtype=np.int64)}
        if self._single_style:  # read by the graph's head, whose outputs are not used here
            feed[STYLE_INPUT] = np.zeros((len(texts), len(STYLE_FEATURES)), dtype=np.float32)
        return self._session.run([EMBEDDINGS], feed)[0]

    def _infer_history(self, items: list[PersonaItem], cached: Sequence[np.ndarray | None] | None) -> PreferenceProfile:
        units = bridge_units(items)
        if not units.texts:
            return _neutral()
        rows = rows_per_item(units, len(items))
        cached = list(cached or [])[: len(items)]
        cached += [None] * (len(items) - len(cached))
        # Not cached, or cached by an SDK that split the item into other sentences: encode.
        missing = [n for n, e in enumerate(cached) if e is None or e.shape != (len(rows[n]), self._dim())]
        if any(cached[n] is not None for n in missing):
            log.warning("bridge: %d cached embeddings do not fit their items; encoding those again",
                        sum(cached[n] is not None for n in missing))
        for n, e in zip(missing, self.encode([items[n] for n in missing]) if missing else []):
            cached[n] = e
        table = np.zeros((len(units.texts), self._dim()), dtype=np.float32)
        table[np.concatenate([np.asarray(r, dtype=np.int64) for r in rows])] = np.concatenate(
            [e for e in cached if e is not None])  # every one is filled above
        weight = self._weights(table, units, len(items))[units.item].astype(np.float32)
        style = unit_styles(items, units) if self.reads_style else None
        feed = head_feed(table, units.text, units.sign, units.kind, weight, style)
        user_logits, evidence = self._head.run(["user_logits", "evidence"], feed)
        return PreferenceProfile(_softmax(user_logits), evidence=_item_evidence(evidence * weight[:, None], units.item))

    def _weights(self, table: np.ndarray, units: Units, n: int) -> np.ndarray:
        """Per item, its weight in the user's sums (:func:`recency_weights`). Past the cap,
        an item counts by its strongest relevance to any dimension, so a run of small talk
        neither thins out what a user said about themselves nor sums to poles of its own."""
        weight = recency_weights(n, self.max_items, self.half_life)
        if self.max_mass is None or weight.sum() <= self.max_mass:
            return weight
        return recency_weights(n, self.max_items, self.half_life, self.max_mass, self._relevance(table, units, n))

    def _relevance(self, table: np.ndarray, units: Units, n: int) -> np.ndarray:
        """Per item, 1 - p(neutral) of its most relevant unit on its most relevant dimension;
        items scored before (same sentences, kinds and signs) come from a memo."""
        keys = [hashlib.blake2b(digest_size=16) for _ in range(n)]
        for t, k, s, i in zip(units.text.tolist(), units.kind.tolist(), units.sign.tolist(), units.item.tolist()):
            keys[i].update(f"{k}{s:+.0f}{units.texts[t]}\x00".encode())
        digests = [key.digest() for key in keys]
        known = [self._informative.get(d) for d in digests]
        new = np.asarray([v is None for v in known])
        scored = np.asarray([0.0 if v is None else v for v in known])
        if new.any():
            rows = new[units.item]
            n_rows = int(rows.sum())  # unit logits do not depend on style: zeros
            feed = head_feed(table, units.text[rows], units.sign[rows], units.kind[rows], np.ones(n_rows, dtype=np.float32),
                             np.zeros((n_rows, len(STYLE_FEATURES)), dtype=np.float32) if self.reads_style else None)
            (unit_logits,) = self._head.run(["unit_logits"], feed)
            np.maximum.at(scored, units.item[rows], 1 - _softmax(unit_logits)[..., 1].min(-1))
            if len(self._informative) > _MEMO_ITEMS:
                self._informative.clear()
            self._informative.update((digests[i], float(scored[i])) for i in np.flatnonzero(new))
        return scored

    def _feed(self, units: Units) -> dict[str, np.ndarray]:
        ids, mask = tokenize(self._tokenizer, units.texts)
        return {"input_ids": ids, "attention_mask": mask, "combine": units.combine,
                "sign": units.sign, "kind": units.kind}

    def _dim(self) -> int:
        return int(self.manifest.details.get("head", {}).get("dim", 0))

    def close(self) -> None:
        """Release the ONNX session (safe to call twice)."""
        self._session = self._head = None

    def __enter__(self) -> "PreferenceBridge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _graph(manifest: Manifest, precision: str | None) -> str:
    graphs: dict[str, str] = manifest.details.get("graphs", {})
    if precision is None:
        precision = "int8" if "int8" in graphs else "fp32"
    if precision not in graphs:
        raise ConfigError(f"this bridge artifact has precisions {sorted(graphs)}, not {precision!r}")
    return graphs[precision]


def _session(folder: Path, manifest: Manifest, packed: str, choice: Choice, threads: int | None,
             fixed: bool) -> tuple[Any, Choice]:
    """The encoder's session where ``choice`` says; on a failure there, the CPU's (with the
    packed graph unless the graph was ``fixed`` by the caller)."""
    path = folder / (manifest.details["static"]["file"] if choice.static else packed)
    if choice.providers != (CPU,):
        try:
            session = open_session(path, choice, threads)
            log.info("bridge: running on %s (%s graph)", choice.label, "static" if choice.static else "packed")
            return session, choice
        except Exception as exc:  # onnxruntime raises untyped errors for both bad graphs and bad providers
            log.warning("bridge: %s failed to start or to take the whole graph (%s); falling back to the CPU",
                        choice.label, exc)
            choice = Choice((CPU,), None, choice.static and fixed, "the chosen device failed")
            path = folder / (manifest.details["static"]["file"] if choice.static else packed)
    session = cpu_session(path, threads)
    log.info("bridge: running on %s (%s graph)", CPU, "static" if choice.static else "packed")
    return session, choice


def _neutral() -> PreferenceProfile:
    return PreferenceProfile(np.tile([0.0, 1.0, 0.0], (N_DIMS, 1)), confidence=np.zeros(N_DIMS))


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _item_evidence(unit_evidence: np.ndarray, unit_item: np.ndarray) -> list[Evidence]:
    """Sum each item's sentence evidence per dimension; keep what moved something, and per
    dimension the :data:`_EVIDENCE_PER_DIM` items that moved it most (all of a short history)."""
    per_item = np.zeros((int(unit_item.max()) + 1, unit_evidence.shape[1]))
    if np.all(unit_item[1:] >= unit_item[:-1]):  # bridge_units goes item by item: sum runs
        starts = np.flatnonzero(np.r_[True, unit_item[1:] != unit_item[:-1]])
        per_item[unit_item[starts]] = np.add.reduceat(unit_evidence, starts, axis=0)
    else:
        np.add.at(per_item, unit_item, unit_evidence)  # (items, 90)
    keep = np.abs(per_item) >= _MIN_EVIDENCE
    if len(per_item) > _EVIDENCE_PER_DIM:
        top = np.argpartition(-np.abs(per_item), _EVIDENCE_PER_DIM - 1, axis=0)[:_EVIDENCE_PER_DIM]
        strongest = np.zeros_like(keep)
        np.put_along_axis(strongest, top, True, axis=0)
        keep &= strongest
    items, dims = np.nonzero(keep)
    return list(map(Evidence, dims.tolist(), items.tolist(), per_item[items, dims].tolist()))
