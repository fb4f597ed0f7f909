"""Steering hooks and the held-out score of a steering basis: accuracy and fluency cost.

A vector for decoder layer ``il`` is added to that layer's output at every position, as
llama.cpp adds ``direction.il`` (its control-vector layout). The score of steering one
dimension towards a pole is docs/method.md §6's alignment accuracy with policy = the steered model and
reference = the same model unsteered: on a held-out task answered under both poles'
instructions, is the reward ``log p_steered(a) - log p_plain(a)`` of the answer in the
steered pole's style higher than that of the other pole's answer? The fluency cost is the
perplexity of the model's plain (uninstructed) answers to the same tasks under the steered
model, as a ratio to their perplexity unsteered.
"""

from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import torch

from .contrastive import Pair, chat_template, decoder_layers, encode, generate, generate_pairs, neutral_prompt
from .dpo_objective import collate_pairs, sequence_logps

__all__ = ["steered", "HeldOut", "held_out", "Score", "score"]


@contextlib.contextmanager
def steered(model: Any, vectors: Mapping[int, torch.Tensor]) -> Iterator[None]:
    """Within the block, ``vectors[il]`` (n_embd,) is added to decoder layer il's output."""
    blocks = decoder_layers(model)

    def hook(vec: torch.Tensor):
        def add(_module: Any, _inputs: Any, output: Any) -> Any:
            if isinstance(output, tuple):
                return (output[0] + vec.to(output[0].dtype),) + tuple(output[1:])
            return output + vec.to(output.dtype)
        return add

    handles = [blocks[il].register_forward_hook(hook(v)) for il, v in vectors.items()]
    try:
        yield
    finally:
        for h in handles:
            h.remove()


@dataclass
class HeldOut:
    """Held-out pole pairs, plain answers and their unsteered log-probabilities, encoded once."""

    pairs: list[Pair]
    plain: list[str]
    batches: dict[int, dict[str, torch.Tensor]]
    """dim -> its tasks as one batch: positive answers, negative answers (collate_pairs' rows)."""
    fluency: dict[str, torch.Tensor]
    """The plain answers as one batch."""
    reference: dict[int, torch.Tensor]
    """dim -> unsteered log p of its batch's rows."""
    reference_nll: float
    """Unsteered mean negative log-likelihood per token of the plain answers."""
    n_fluency_tokens: int


def _example(tokenizer: Any, template: Any, task: str, first: str, second: str) -> dict[str, list[int]]:
    eos = [tokenizer.eos_token_id] if tokenizer.eos_token_id is not None else []
    answer = lambda text: tokenizer(text, add_special_tokens=False)["input_ids"] + eos  # noqa: E731
    return {"prompt_ids": encode(tokenizer, template, neutral_prompt(task)),
            "chosen_ids": answer(first), "rejected_ids": answer(second)}


def held_out(model: Any, tokenizer: Any, dims: Sequence[int], task_list: Sequence[str], *, seed: int,
             max_new_tokens: int, batch_size: int) -> HeldOut:
    """Generate and encode the held-out data the sweep scores on."""
    pairs = generate_pairs(model, tokenizer, dims, task_list, seed=seed, max_new_tokens=max_new_tokens,
                           batch_size=batch_size)
    plain = generate(model, tokenizer, [neutral_prompt(t) for t in task_list], seed=seed + 1,
                     max_new_tokens=max_new_tokens, batch_size=batch_size)
    template, pad = chat_template(tokenizer), tokenizer.pad_token_id or 0
    batches = {d: collate_pairs([_example(tokenizer, template, p.task, p.positive, p.negative)
                                 for p in pairs if p.dim == d], pad) for d in dims}
    both = collate_pairs([_example(tokenizer, template, t, a, a) for t, a in zip(task_list, plain)], pad)
    fluency = {k: v[: len(plain)] for k, v in both.items()}  # the chosen rows: each plain answer once
    with torch.inference_mode():
        reference = {d: sequence_logps(model, b) for d, b in batches.items()}
        plain_logp = sequence_logps(model, fluency)
    n_tokens = int(fluency["response_mask"].sum())
    return HeldOut(pairs, plain, batches, fluency, reference, float(-plain_logp.sum()) / n_tokens, n_tokens)


@dataclass(frozen=True)
class Score:
    """How steering moved the held-out answers, over dimensions, tasks and both signs."""

    accuracy: float
    """Share of (dim, sign, task) where the steered pole's answer gained more log p than the other's."""
    margin: float
    """Mean reward margin (nats): chosen minus rejected, steered minus plain."""
    ppl_ratio: float
    """Perplexity of plain answers steered / unsteered (1.0 costs nothing)."""
    per_dim: dict[int, float]
    """Accuracy per dimension."""

    def as_dict(self) -> dict[str, Any]:
        return {"accuracy": round(self.accuracy, 4), "margin": round(self.margin, 4),
                "ppl_ratio": round(self.ppl_ratio, 4), "per_dim": {str(k): round(v, 4) for k, v in self.per_dim.items()}}


def score(model: Any, data: HeldOut, vectors: Mapping[int, Mapping[int, torch.Tensor]], multiplier: float) -> Score:
    """Steer each dimension by ``+multiplier`` and ``-multiplier`` times its ``vectors[dim]``
    (layer -> vector) and score against the unsteered reference."""
    hits, margins, nll, per_dim = [], [], [], {}
    for dim, batch in data.batches.items():
        dim_hits = []
        for sign in (1, -1):
            layer_vecs = {il: v * (sign * multiplier) for il, v in vectors[dim].items()}
            with torch.inference_mode(), steered(model, layer_vecs):
                logps = sequence_logps(model, batch)
                plain = sequence_logps(model, data.fluency)
            pos, neg = (logps - data.reference[dim]).chunk(2)
            margin = (pos - neg) * sign
            dim_hits += (margin > 0).tolist()
            margins += margin.tolist()
            nll.append(float(-plain.sum()))
        hits += dim_hits
        per_dim[dim] = float(np.mean(dim_hits))
    steered_nll = sum(nll) / (len(nll) * data.n_fluency_tokens)
    ratio = math.exp(min(steered_nll - data.reference_nll, 50.0))
    return Score(float(np.mean(hits)), float(np.mean(margins)), ratio, per_dim)
