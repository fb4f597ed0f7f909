"""How persona items become the preference bridge's inputs: shared by training and device.

Both sides call these functions with the same ``tokenizers`` tokenizer, so the token ids the
device feeds the ONNX graph are the ids the model was trained on.

The bridge reads *sentences*: a comment of five sentences usually says one or two things
about its writer among filler, and a mean-pooled embedding of the whole comment blurs them.
Each sentence is a *unit* with a sign and a kind. A choice contributes the sentences of the
chosen reply with sign +1 and of the rejected reply with sign -1, so what both replies share
(the topic) cancels and the difference, the choice itself, drives the direction. What a
user says of themselves (comments, the description) has its negated clauses rewritten
without the negation and signed -1 (:mod:`edgealign._negation`). Layout, see
:data:`edgealign.artifacts.BRIDGE_INPUTS`.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any, Sequence

import numpy as np

from ._negation import signed_clauses
from .persona import Choice, Comment, Description, PersonaItem

__all__ = ["Units", "bridge_units", "split_sentences", "configure", "tokenize",
           "KIND_COMMENT", "KIND_CHOICE", "KIND_DESCRIPTION", "MAX_SENTENCES", "UNITS_VERSION"]

KIND_COMMENT, KIND_CHOICE, KIND_DESCRIPTION = 0, 1, 2
#: Sentences read per text; the rest of a very long text is ignored (bounded latency).
MAX_SENTENCES = 12
#: Bump when the split of an item into units changes: cached sentence embeddings
#: (edgealign.bridge) are keyed by it, and a bridge records the version it was trained on.
#: 2: negated clauses of comments and descriptions are rewritten and signed -1.
UNITS_VERSION = 2
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
#: tokenize() encodes at most this many texts one by one (a profile's sentences; a device
#: encodes a history in chunks of 64), more in one batch (training's feature cache).
_ONE_BY_ONE = 128


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text`` (at most :data:`MAX_SENTENCES`), split after . ! ? and at newlines."""
    return list(_split(text))


@functools.lru_cache(maxsize=2048)
def _split(text: str) -> tuple[str, ...]:
    # Cached: a whole history is split again on every profile update.
    parts = [p.strip() for p in _SENTENCE_END.split(text)]
    return tuple(p for p in parts if len(p) > 1)[:MAX_SENTENCES]


@dataclass(frozen=True)
class Units:
    """The bridge inputs for a list of items (U units over T distinct texts)."""

    texts: list[str]
    combine: np.ndarray  # (U, T) float32: unit u reads text t
    sign: np.ndarray     # (U,) float32: +1, or -1 for a rejected reply's sentence
    kind: np.ndarray     # (U,) int64: KIND_*
    item: np.ndarray     # (U,) int64: which input item the unit came from
    text: np.ndarray     # (U,) int64: which text unit u reads (combine's one column per row)


def bridge_units(items: Sequence[PersonaItem]) -> Units:
    """Split ``items`` into sentence units; identical sentences are encoded once."""
    texts: list[str] = []
    index: dict[str, int] = {}
    rows: list[tuple[int, float, int, int]] = []  # (text, sign, kind, item)

    def add(sentences: list[str], sign: float, kind: int, item: int) -> None:
        for sentence in sentences:
            if sentence not in index:
                index[sentence] = len(texts)
                texts.append(sentence)
            rows.append((index[sentence], sign, kind, item))

    def say(sentences: list[str], kind: int, item: int) -> None:
        # What a user says of themselves: a negated clause counts against what it names.
        for sentence in sentences:
            for clause, sign in signed_clauses(sentence):
                add([clause], sign, kind, item)

    for n, it in enumerate(items):
        if isinstance(it, Choice):
            # A sentence in both replies would add and subtract the same evidence: skip it
            # rather than encode it twice for nothing.
            chosen, rejected = split_sentences(it.chosen), split_sentences(it.rejected)
            add([s for s in chosen if s not in rejected], 1.0, KIND_CHOICE, n)
            add([s for s in rejected if s not in chosen], -1.0, KIND_CHOICE, n)
        elif isinstance(it, Comment):
            say(split_sentences(it.comment), KIND_COMMENT, n)
        elif isinstance(it, Description):
            say(split_sentences(it.text), KIND_DESCRIPTION, n)
        else:
            raise TypeError(f"not a persona item: {type(it).__name__}")
    text = np.asarray([r[0] for r in rows], dtype=np.int64)
    combine = np.zeros((len(rows), len(texts)), dtype=np.float32)
    combine[np.arange(len(rows)), text] = 1.0
    return Units(
        texts,
        combine,
        np.asarray([r[1] for r in rows], dtype=np.float32),
        np.asarray([r[2] for r in rows], dtype=np.int64),
        np.asarray([r[3] for r in rows], dtype=np.int64),
        text,
    )


def configure(tokenizer: Any, max_length: int) -> Any:
    """Set the truncation and padding every caller must share; returns the tokenizer."""
    tokenizer.enable_truncation(max_length=max_length, strategy="longest_first")
    pad_id = tokenizer.token_to_id("[PAD]")
    tokenizer.enable_padding(pad_id=0 if pad_id is None else pad_id, pad_token="[PAD]")
    return tokenizer


def tokenize(tokenizer: Any, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """int64 (T, L) input ids and attention mask, padded to the longest text."""
    if not texts:
        return np.zeros((0, 1), dtype=np.int64), np.zeros((0, 1), dtype=np.int64)
    if len(texts) > _ONE_BY_ONE:
        encodings = tokenizer.encode_batch(list(texts))
        ids = np.asarray([e.ids for e in encodings], dtype=np.int64)
        mask = np.asarray([e.attention_mask for e in encodings], dtype=np.int64)
        return ids, mask
    # A profile's few dozen sentences, one at a time: encode_batch hands them to a thread pool
    # as wide as the machine, whose hand-offs cost more than this much work (docs/performance.md)
    # and ignore a bridge loaded for one thread. Same ids: each text is truncated alone either
    # way, and the pad is the one configure() set.
    encodings = [tokenizer.encode(text) for text in texts]
    width = max(len(e.ids) for e in encodings)
    ids = np.full((len(encodings), width), (tokenizer.padding or {}).get("pad_id", 0), dtype=np.int64)
    mask = np.zeros((len(encodings), width), dtype=np.int64)
    for row, e in enumerate(encodings):
        ids[row, :len(e.ids)] = e.ids
        mask[row, :len(e.ids)] = e.attention_mask
    return ids, mask
