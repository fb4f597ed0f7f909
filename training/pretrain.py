"""A short causal-LM stage before DPO for the "tiny" base model: its stand-in for pretraining.

Why: a real base (SmolLM2, Llama) has read text before it is aligned, and text by one author
tends to read alike, so it has learnt to look back at what came before. The tiny preset's
Llama starts random; trained by DPO alone it memorised its training pairs and stayed at
chance on held-out users with a raw persona in the prompt (ICA): knowing no word, and with
attention that never reached back, it could not learn to read a persona within a CPU budget.
This stage first trains it as a language model on what the training users wrote.

What it reads: each user's own writing (comments and self-description; the user is the
record's ``user_id``, else the record), one document per user, its texts drawn at random and
packed into windows, so a window holds one author and often repeats a text (copying an
earlier span is how induction heads form in small transformers, Olsson et al. 2022). Never
a reply paired with a persona, a chosen or rejected label, or a choice the user made: the
base learns that an author writes alike, not which reply a user prefers. Whatever it reads
off a persona zero-shot is measured as the untuned base (its conditioning gain, docs/method.md §6),
so what held-out accuracy rises after DPO is DPO's doing.
"""

from __future__ import annotations

import itertools
import math
import random
import time
from dataclasses import dataclass
from typing import Any, Iterable, Iterator, Sequence

import torch
from transformers import get_cosine_schedule_with_warmup

from edgealign.errors import ConfigError

__all__ = ["PretrainSettings", "user_documents", "pretrain_lm"]


@dataclass(frozen=True, kw_only=True)
class PretrainSettings:
    """One causal-LM stage (:class:`~.aligners.AlignerConfig` maps its ``pretrain_*`` fields here)."""

    epochs: float
    """Passes over the documents' tokens (windows are drawn at random, so roughly); 0: no stage."""
    lr: float = 3e-3
    """Peak AdamW rate: linear warm-up over 10% of the steps, then cosine to 0."""
    batch: int = 8
    """Windows per step."""
    length: int = 256
    """Tokens per window."""
    seed: int = 0
    """Seeds the draws of documents and texts (the model has no dropout), so a stage repeats."""

    def __post_init__(self) -> None:
        if self.epochs < 0 or self.lr <= 0 or self.batch < 1 or self.length < 2:
            raise ConfigError("pretraining needs epochs >= 0, lr > 0, batch >= 1 and length >= 2")


def user_documents(records: Iterable[Any]) -> list[list[str]]:
    """Per user (``user_id``, else the record), the distinct texts they wrote: comments and self-description."""
    docs: dict[Any, dict[str, None]] = {}
    for n, record in enumerate(records):
        persona = record.persona
        texts = [c.comment for c in persona.comments]
        texts += [persona.description.text] if persona.description is not None else []
        docs.setdefault(record.user_id or n, {}).update((t, None) for t in texts if t)
    return [list(d) for d in docs.values() if d]


def pretrain_lm(model: Any, tokenizer: Any, documents: Sequence[Sequence[str]],
                settings: PretrainSettings) -> dict[str, Any]:
    """Train ``model`` in place as a causal LM on ``documents`` (lists of texts); the stage's figures."""
    eos = [tokenizer.eos_token_id]
    docs = [[tokenizer.encode(t, add_special_tokens=False) + eos for t in doc] for doc in documents if doc]
    tokens = sum(len(t) for doc in docs for t in doc)
    steps = math.ceil(settings.epochs * tokens / (settings.batch * settings.length))
    if steps == 0:
        return {"steps": 0}
    rng, start = random.Random(f"{settings.seed}:pretrain"), time.perf_counter()
    optimizer = torch.optim.AdamW(model.parameters(), lr=settings.lr, weight_decay=0.0)
    warmup = math.ceil(0.1 * steps)
    schedule = get_cosine_schedule_with_warmup(optimizer, warmup, steps)  # linear warm-up, cosine to 0
    model.train()
    losses = []
    for ids in itertools.islice(_batches(docs, settings, rng), steps):
        loss = model(input_ids=ids, labels=ids, use_cache=False).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step(), schedule.step(), optimizer.zero_grad()
        losses.append(loss.item())
    model.eval()
    return {"steps": steps, "documents": len(docs), "tokens": tokens, "loss_first": losses[0],
            "loss_last": losses[-1], "seconds": round(time.perf_counter() - start, 2)}


def _batches(docs: list[list[list[int]]], settings: PretrainSettings, rng: random.Random) -> Iterator[torch.Tensor]:
    while True:
        yield torch.tensor([_window(rng.choice(docs), settings.length, rng) for _ in range(settings.batch)])


def _window(doc: list[list[int]], length: int, rng: random.Random) -> list[int]:
    """One author's texts drawn at random (repeats included) and packed to ``length`` tokens."""
    ids: list[int] = []
    while len(ids) < length:
        ids += rng.choice(doc)
    return ids[:length]
