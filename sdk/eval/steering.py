"""Does a conditioning visibly move answers? Generation and composition figures for steering.

``edgealign eval-steering`` runs these on the device's own model and basis:

- **Generation** (:func:`generation_effect`): for style dimensions whose effect can be
  counted, answers to held-out prompts under the negative and the positive pole, and the
  countable quantity of each: words for concise vs detailed, humour markers for humour,
  warmth markers for agreeableness, list lines for order. ``ratio`` is the quantity at the
  pole that should have more of it over the other. Fluency: the perplexity of the answers
  under the same model unconditioned, over that of its own unconditioned answers
  (``fluency_ratio``; 1.0 = as fluent as the plain model).
- **Composition** (:func:`composition_effect`): the log-probability margin that steering one
  dimension adds to its own pole's answer over the other pole's, while 1, 2, 4, 8, 16
  dimensions are steered at once; ``kept`` is that margin over the single dimension's.

The prompts are written here and appear in no training data of this project (the steering
basis and the bridge train on other templates and topics).
"""

from __future__ import annotations

import math
import random
import re
from typing import Any, Callable, Sequence

import numpy as np

from ..preferences import SPACE, PreferenceProfile

__all__ = ["HELDOUT_PROMPTS", "COUNTERS", "generation_effect", "composition_effect", "pole_profile"]

HELDOUT_PROMPTS = (
    "What is a good way to spend a rainy afternoon?",
    "How do I get better at remembering names?",
    "Can you suggest something to cook with leftover rice?",
    "What should I pack for a weekend by the sea?",
    "How can I make my mornings less rushed?",
    "What is a nice gift for a neighbour who helped me move?",
    "How do I start learning to draw?",
    "Any advice for my first week at a new job?",
    "What is a fun thing to do with friends on a budget?",
    "How do I keep houseplants alive?",
    "How should I prepare for a long flight?",
    "What can I do when I cannot fall asleep?",
    "How do I choose a good book to read next?",
    "What should I know before adopting a cat?",
    "How can I save a little money each month?",
    "What is a good way to learn a few words of Italian?",
    "How do I write a thank-you note?",
    "What are some easy stretches after sitting all day?",
    "How can I make a small flat feel bigger?",
    "What should I do on my first visit to a museum?",
)

_WORD = re.compile(r"\b\w+\b")
_HUMOUR = re.compile(r"\b(haha|ha|lol|joke|jokes|funny|laugh|pun|silly|hilarious|giggle)\b|!|😂|😄|😉", re.I)
_WARM = re.compile(r"\b(glad|happy|great|wonderful|lovely|enjoy|hope|love|delighted|kind|welcome|fantastic)\b|!", re.I)
_LIST = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+", re.M)

#: dimension -> (what is counted, counter, the pole (+1 / -1) that should have more of it).
COUNTERS: dict[int, tuple[str, Callable[[str], float], int]] = {
    16: ("words", lambda t: len(_WORD.findall(t)), -1),  # the detailed pole is the negative one
    73: ("humour markers", lambda t: len(_HUMOUR.findall(t)), +1),
    5: ("warmth markers", lambda t: len(_WARM.findall(t)), +1),
    23: ("list lines", lambda t: len(_LIST.findall(t)), +1),
}


def pole_profile(poles: dict[int, int]) -> PreferenceProfile:
    """A certain profile at the given poles (dimension -> +1 / -1), neutral elsewhere."""
    values = [0.5] * len(SPACE)
    for dim, sign in poles.items():
        values[dim] = 1.0 if sign > 0 else 0.0
    return PreferenceProfile.from_direction(values)


def _ppl(llm: Any, prompts: Sequence[str], answers: Sequence[str]) -> float:
    """Perplexity of ``answers`` under ``llm`` unconditioned (the task alone)."""
    nll, n = 0.0, 0
    for prompt, answer in zip(prompts, answers):
        if answer.strip():
            nll -= llm.score(prompt, answer)
            n += len(llm.tokenize(answer, special=False)) + 1
    return math.exp(nll / n) if n else float("nan")


def generation_effect(llm: Any, conditioning: str, *, dims: Sequence[int] = tuple(COUNTERS), answers: int = 40,
                      max_tokens: int = 96, temperature: float = 0.7, strength: float = 1.0,
                      progress: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """Per dimension: the counted quantity at each pole, their ratio, and the fluency ratio."""
    prompts = [HELDOUT_PROMPTS[i % len(HELDOUT_PROMPTS)] for i in range(answers)]
    ask = lambda i, **kw: str(llm.chat(prompts[i], max_tokens=max_tokens, temperature=temperature, seed=i, **kw))
    plain = [ask(i) for i in range(answers)]
    base_ppl = _ppl(llm, prompts, plain)
    out: dict[str, Any] = {"conditioning": conditioning, "answers": answers, "max_tokens": max_tokens,
                           "plain_perplexity": round(base_ppl, 2), "dimensions": {}}
    for dim in dims:
        what, count, more = COUNTERS[dim]
        progress(f"{conditioning}: dimension {dim} ({what})")
        texts = {sign: [ask(i, conditioning=conditioning, profile=pole_profile({dim: sign}), strength=strength)
                        for i in range(answers)] for sign in (-1, +1)}
        mean = {sign: float(np.mean([count(t) for t in texts[sign]])) for sign in texts}
        ppl = _ppl(llm, prompts * 2, texts[-1] + texts[+1])
        out["dimensions"][str(dim)] = {
            "label": SPACE[dim].label(1.0 if more > 0 else 0.0), "counted": what,
            "negative_pole": round(mean[-1], 2), "positive_pole": round(mean[+1], 2), "plain": round(
                float(np.mean([count(t) for t in plain])), 2),
            "ratio": round(mean[more] / mean[-more], 2) if mean[-more] else None,
            "fluency_ratio": round(ppl / base_ppl, 3),
            "examples": {"negative": texts[-1][:3], "positive": texts[+1][:3]},
        }
    return out


def _pairs(llm: Any, dim: int, n: int, max_tokens: int) -> list[tuple[str, str, str]]:
    """(prompt, positive-pole answer, negative-pole answer), written by the model under each
    pole's instruction (the ``instruct`` conditioning), greedy."""
    out = []
    for prompt in HELDOUT_PROMPTS[:n]:
        pos, neg = (str(llm.chat(prompt, conditioning="instruct", profile=pole_profile({dim: s}),
                                 max_tokens=max_tokens, temperature=0)) for s in (+1, -1))
        out.append((prompt, pos, neg))
    return out


def composition_effect(llm: Any, *, dim: int = 16, counts: Sequence[int] = (1, 2, 4, 8, 16), prompts: int = 12,
                       max_tokens: int = 48, caps: Sequence[float | None] = (None, 2.0), seed: int = 0,
                       progress: Callable[[str], None] = lambda msg: None) -> dict[str, Any]:
    """How much of one dimension's steering effect survives when others are steered too,
    with the plain sum and with each per-layer cap."""
    basis = llm.steering
    others = sorted(d for d in basis.steerable if d != dim)
    rng = random.Random(seed)
    pairs = _pairs(llm, dim, prompts, max_tokens)
    base = [llm.score(p, a) - llm.score(p, b) for p, a, b in pairs]
    out: dict[str, Any] = {"dimension": dim, "label": SPACE[dim].label(1.0), "prompts": len(pairs), "by_cap": {}}
    mixes = {k: {d: rng.choice((-1.0, 1.0)) for d in rng.sample(others, min(k - 1, len(others)))} for k in counts}
    for cap in caps:
        rows: dict[str, dict[str, Any]] = {}
        for k in counts:
            progress(f"composition: {k} dimension(s), cap {cap}")
            vector = basis.compose({dim: 1.0, **mixes[k]}, cap=cap)
            margins = [llm.logprob(llm.render(p), a, vector=vector) - llm.logprob(llm.render(p), b, vector=vector)
                       for p, a, b in pairs]
            gain = [m - b0 for m, b0 in zip(margins, base)]
            rows[str(k)] = {"mean_gain": round(float(np.mean(gain)), 3),
                            "accuracy": round(float(np.mean([g > 0 for g in gain])), 3)}
        single = rows[str(counts[0])]["mean_gain"]
        for row in rows.values():
            row["kept"] = round(row["mean_gain"] / single, 3) if single else None
        out["by_cap"]["none" if cap is None else f"{cap:g}"] = rows
    return out
