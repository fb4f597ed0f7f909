"""The bridge head's example memory: stored sentences of every pole, from the training users.

A single anchor per pole does not capture the many ways a wish is put: on the same frozen
embeddings, a held-out wish's nearest training wish has the right pole 0.84 of the time,
the pole's anchor 0.67 (docs/performance.md). So the head also scores each sentence by how
much nearer it is to a pole's stored examples than to stored small talk
(:func:`.bridge_model.memory_scores`), times a learned gain per kind of unit.

Which sentence is an example of which pole comes from the items' own directions: a sentence
unit of an item that expresses pole *p* of dimension *d* votes for (d, p), flipped for a
rejected reply's sentence or a negated clause (sign -1); a sentence of an item that
expresses nothing votes for small talk. A sentence whose votes agree (``PURITY``) is an
example of that pole; one that shows up beside many different poles is small talk (the
filler a phrase bank repeats). Per pole, at most ``slots`` examples are kept: the centroids of
a cosine k-means when there are more.

Training reads the memory *cross-fitted*: the sentences are split in two folds by a hash of
their text, and a sentence is scored against the memory built from the other fold only, so
the gain learns what a memory is worth on wording it does not hold (held-out users' wishes),
not on its own copy. The checkpoint keeps the memory of both folds together.
"""

from __future__ import annotations

import zlib
from collections import Counter, defaultdict
from typing import Any

import numpy as np

from ._bridge_data import Example, Featurizer

__all__ = ["build_memory", "PURITY"]

#: Share of a sentence's votes its pole must have to be stored as that pole's example.
PURITY = 0.75
#: A sentence seen at least this often whose best pole has under LOOSE of its votes is small talk.
_MIN_SEEN, _LOOSE = 3, 0.3
_NEUTRAL_SAMPLE = 20_000


def _votes(feats: Featurizer, train: list[Example]) -> tuple[dict[int, Counter], Counter, Counter]:
    """Per cache row: votes for (dim, pole 0/1), votes for small talk, times seen."""
    poles: dict[int, Counter] = defaultdict(Counter)
    neutral, seen = Counter(), Counter()
    for ex in train:
        for item, target in zip(ex.items, ex.item_targets):
            if target is None:
                continue
            rows, sign, _ = feats._item_units(item)
            dims = np.flatnonzero(target != 1)
            for row, s in zip(rows.tolist(), sign.tolist()):
                seen[row] += 1
                if not len(dims):
                    neutral[row] += 1
                for d in dims.tolist():
                    positive = (target[d] == 2) == (s > 0)
                    poles[row][(d, int(positive))] += 1
    return poles, neutral, seen


def _labels(poles: dict[int, Counter], neutral: Counter, seen: Counter) -> tuple[dict[tuple[int, int], list[int]], list[int]]:
    """(rows per (dim, pole), small-talk rows) by the purity rule in the module doc."""
    per_pole: dict[tuple[int, int], list[int]] = defaultdict(list)
    small_talk = []
    for row, n in seen.items():
        ranked = poles[row].most_common(2) if row in poles else []
        best = ranked[0][1] if ranked else 0
        if best >= PURITY * n and (len(ranked) < 2 or ranked[1][1] < best):
            per_pole[ranked[0][0]].append(row)
        elif neutral[row] >= PURITY * n or (n >= _MIN_SEEN and best < _LOOSE * n):
            small_talk.append(row)
    return per_pole, small_talk


def _kmeans(x: Any, k: int, seed: int, iters: int = 12) -> Any:
    """Normalised centroids of a cosine k-means of the rows of ``x`` (N, D); ``x`` itself when N <= k."""
    import torch

    if len(x) <= k:
        return x
    gen = torch.Generator().manual_seed(seed)
    centroids = x[torch.randperm(len(x), generator=gen)[:k]].clone()
    for _ in range(iters):
        assign = (x @ centroids.T).argmax(1)
        for j in range(k):
            members = x[assign == j]
            if len(members):
                centroids[j] = torch.nn.functional.normalize(members.mean(0), dim=0)
    return centroids


def _memory(table: Any, per_pole: dict, small_talk: list[int], slots: int, n_neutral: int, seed: int,
            n_dims: int) -> tuple[Any, Any, Any]:
    """(memory (2*90*slots, D), valid (2, 90, slots), neutral (n, D)) from the labelled rows."""
    import torch

    dim = table.shape[1]
    memory = torch.zeros(2, n_dims, slots, dim)
    valid = torch.zeros(2, n_dims, slots)
    for (d, p), rows in per_pole.items():
        if not rows:
            continue
        protos = _kmeans(table[torch.as_tensor(sorted(rows), dtype=torch.long)], slots, seed + 2 * d + p)
        memory[p, d, : len(protos)] = protos
        valid[p, d, : len(protos)] = 1
    rows = sorted(small_talk)
    if len(rows) > _NEUTRAL_SAMPLE:
        rows = sorted(np.random.default_rng(seed).choice(rows, _NEUTRAL_SAMPLE, replace=False).tolist())
    neutral = _kmeans(table[torch.as_tensor(rows, dtype=torch.long)], n_neutral, seed) if rows and n_neutral else torch.zeros(0, dim)
    return memory.reshape(-1, dim).half(), valid, neutral.half()


def build_memory(model: Any, feats: Featurizer, train: list[Example], slots: int, n_neutral: int,
                 seed: int = 0) -> dict[str, Any]:
    """Fill ``model.head``'s memory from ``train``'s sentences and give ``feats`` each
    sentence's cross-fitted memory scores; returns counts for the metrics."""
    import torch

    head, table = model.head, feats.table.float().cpu()
    texts = sorted(feats.cache, key=feats.cache.get)
    fold = np.asarray([zlib.crc32(t.encode()) % 2 for t in texts], dtype=np.int64)
    poles, neutral, seen = _votes(feats, train)
    per_pole, small_talk = _labels(poles, neutral, seen)
    n_dims = head.anchors.shape[1]
    scores = torch.zeros(len(texts), 2, n_dims)
    with torch.no_grad():
        for f in (0, 1):  # the sentences of fold f read the memory of the other fold
            other = {k: [r for r in v if fold[r] != f] for k, v in per_pole.items()}
            mem = _memory(table, other, [r for r in small_talk if fold[r] != f], slots, n_neutral, seed, n_dims)
            rows = torch.from_numpy(np.flatnonzero(fold == f))
            for i in range(0, len(rows), 4096):
                chunk = rows[i: i + 4096]
                scores[chunk] = _scores(table[chunk], mem, head.memory_temperature)
        full = _memory(table, per_pole, small_talk, slots, n_neutral, seed, n_dims)
        head.memory, head.memory_valid, head.memory_neutral = (t.to(head.anchors.device) for t in full)
    feats.memory = scores.to(feats.device)
    return {"memory_examples": int(sum(len(v) for v in per_pole.values())), "memory_small_talk": len(small_talk),
            "memory_poles": int((full[1].amax(-1) > 0).sum())}


def _scores(x: Any, mem: tuple[Any, Any, Any], temperature: Any) -> Any:
    from .bridge_model import memory_scores

    return memory_scores(x, *mem, temperature)
