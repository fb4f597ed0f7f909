"""What a reader sees: answers written under each pole, and countable figures of them.

``edgealign eval-generation`` runs these on the device's own (quantized) model, through a
conditioning and, when one is loaded, a trained aligner. For each chosen dimension the model
answers the same held-out tasks once under each pole (answer ``i`` with sampling seed
``seed + i`` at both poles, so the two poles differ only in the conditioning) and:

- **length ratio** (concise vs detailed, dimension 16): mean words of the detailed pole's
  answers over the concise pole's (goal: at least 2);
- **humour markers** (dimension 73): the share of answers with at least one marker of
  :data:`edgealign.eval.steering.COUNTERS` (laughter, "joke", "funny", "pun", "silly", an
  exclamation mark, a laughing emoji), at the humour pole (should be high) and the averse
  pole (should be 0), and the mean count;
- the other countable dimensions of that table (warmth, list lines) the same way;
- **fluency**: the perplexity of each answer under the bare model (no aligner, the task
  alone), pooled over the answers (total negative log-likelihood over total tokens, EOS
  included), over the same figure for the bare model's own answers to the same tasks with
  the same seeds (``fluency_ratio``; goal: at most 1.3);
- **repeats**: answers that repeat the question instead of answering it
  (:func:`repeats_question`; goal: none).

How a pole reaches the model: a profile conditioning reads the pole's profile alone (the
dimension at that pole, every other one neutral); ``ica`` reads the history of a user at that
pole, taken from records (``users``): answer ``i`` reads the ``i``-th such user's persona,
cyclically, users whose direction names that pole alone first. ``none`` reads neither, so
(without an aligner, which ``none`` never uses) its answers at both poles are the bare
model's own, reused, not written again: every ratio is 1 by construction.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

from ..conditioning import get
from ..data import Record
from ..errors import ConfigError, DataError
from ..persona import Persona
from ..preferences import SPACE
from .steering import COUNTERS, HELDOUT_PROMPTS, pole_profile

__all__ = ["CONCISE", "HUMOUR", "GOALS", "Answer", "words", "humour_markers", "length_ratio", "marker_rate",
           "repeats_question", "task_prompts", "pole_users", "generation_metrics"]

CONCISE, HUMOUR = 16, 73
#: What each figure should reach for a trained aligner.
GOALS = {"length_ratio": ">= 2", "humour_rate_averse": "0", "fluency_ratio": "<= 1.3", "repeats": "0"}
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")


def words(text: str) -> int:
    """How many words ``text`` has (the counter of dimension 16)."""
    return int(COUNTERS[CONCISE][1](text))


def humour_markers(text: str) -> int:
    """How many humour markers ``text`` has (the counter of dimension 73)."""
    return int(COUNTERS[HUMOUR][1](text))


def length_ratio(concise: Sequence[str], detailed: Sequence[str]) -> float | None:
    """Mean words of the ``detailed`` answers over the ``concise`` ones (None when the concise
    answers have no words)."""
    short = sum(map(words, concise)) / len(concise) if concise else 0.0
    return (sum(map(words, detailed)) / len(detailed)) / short if short and detailed else None


def marker_rate(answers: Sequence[str], count: Callable[[str], float] = humour_markers) -> float | None:
    """The share of ``answers`` with at least one marker (None for no answers)."""
    return sum(count(a) > 0 for a in answers) / len(answers) if answers else None


def _tokens(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def repeats_question(question: str, answer: str, threshold: float = 0.8) -> bool:
    """Whether ``answer`` repeats ``question`` instead of answering it.

    Words are lower-cased runs of letters and digits, compared as sets. True when the answer's
    first sentence (up to ``.``, ``!``, ``?`` or a line break) shares at least ``threshold`` of
    the words of the longer of it and the question (the question said back, perhaps with "you"
    for "I"), or when at least ``threshold`` of the whole answer's words are the question's
    (an answer that only rewords the question). An empty answer is not a repeat.
    """
    q = _tokens(question)
    first = next((s for s in _SENTENCE_END.split(answer.strip()) if _tokens(s)), "")
    s, whole = _tokens(first), _tokens(answer)
    if not q or not whole:
        return False
    return len(s & q) / max(len(s), len(q)) >= threshold or len(whole & q) / len(whole) >= threshold


def task_prompts(records: Iterable[Record] | None, n: int) -> list[str]:
    """``n`` tasks: the records' distinct prompts in file order, else the held-out prompts written
    for these figures (:data:`edgealign.eval.steering.HELDOUT_PROMPTS`); cycled when fewer."""
    seen = list(dict.fromkeys(r.prompt for r in records)) if records is not None else list(HELDOUT_PROMPTS)
    if not seen:
        raise DataError("the data file holds no records: no tasks to answer")
    return [seen[i % len(seen)] for i in range(n)]


def pole_users(records: Sequence[Record], dim: int, sign: int) -> list[Persona]:
    """Personas of the records' users at one pole of ``dim`` (``sign`` +1 or -1): those whose
    direction names that pole alone first, then those with other dimensions set too."""
    value = 1.0 if sign > 0 else 0.0
    at = [r for r in records if r.direction and r.direction[dim] == value and list(r.persona.items())]
    alone = [r for r in at if r.direction and sum(v != 0.5 for v in r.direction) == 1]
    return [r.persona for r in alone + [r for r in at if r not in alone]]


@dataclass
class Answer:
    """One answer and what was measured on it."""

    task: str
    text: str
    nll: float
    tokens: int
    truncated: bool
    repeats: bool

    @property
    def perplexity(self) -> float:
        return math.exp(self.nll / self.tokens)

    def row(self) -> dict[str, Any]:
        return {"task": self.task, "answer": self.text, "words": words(self.text),
                "humour_markers": humour_markers(self.text), "perplexity": round(self.perplexity, 2),
                "truncated": self.truncated, "repeats_question": self.repeats}


def _pooled(answers: Sequence[Answer]) -> float:
    return math.exp(sum(a.nll for a in answers) / sum(a.tokens for a in answers))


class _Writer:
    """Answers tasks with one model and measures each under the bare model."""

    def __init__(self, llm: Any, tasks: list[str], *, seed: int, tick: Callable[[], None], **sampling: Any) -> None:
        self.llm, self.tasks, self.seed, self.tick, self.sampling = llm, tasks, seed, tick, sampling
        self._empty = len(llm.tokenize("", special=False))  # the BOS the tokenizer adds, if any

    def answers(self, conditioning: str = "none", user: Callable[[int], dict[str, Any]] = lambda i: {},
                adapter: bool = True) -> list[Answer]:
        return [self._one(i, conditioning, user(i), adapter) for i in range(len(self.tasks))]

    def _one(self, i: int, conditioning: str, reads: dict[str, Any], adapter: bool) -> Answer:
        task = self.tasks[i]
        reply = self.llm.chat(task, conditioning=conditioning, seed=self.seed + i, adapter=adapter, **reads,
                              **self.sampling)
        text = str(reply)
        nll = -self.llm.score(task, text, conditioning="none", adapter=False)  # the bare model, the task alone
        tokens = len(self.llm.tokenize(text, special=False)) - self._empty + 1  # + EOS, as scored
        self.tick()
        return Answer(task, text, nll, tokens, reply.finish_reason == "length", repeats_question(task, text))


def _reads(conditioning: str, dim: int, sign: int, users: Sequence[Record] | None) -> Callable[[int], dict[str, Any]]:
    """What answer ``i`` at this pole reads: the pole's profile, and for ``ica`` a user's history."""
    needs = get(conditioning).needs
    profile = {"profile": pole_profile({dim: sign})} if "profile" in needs else {}
    if "persona" not in needs:
        return lambda i: profile
    personas = pole_users(users or (), dim, sign)
    if not personas:
        pole = SPACE[dim].label(1.0 if sign > 0 else 0.0)
        raise ConfigError(f"{conditioning} reads a user's history, and no user at '{pole}' is in the records; "
                          "pass --data FILE with users at both poles of each --dims dimension")
    return lambda i: {"persona": personas[i % len(personas)], **profile}


def _reads_nothing(llm: Any, conditioning: str) -> bool:
    """Whether answers under ``conditioning`` are the bare model's own (nothing read, no aligner)."""
    c = get(conditioning)
    return not c.needs and not c.steers and llm.adapter_for(c.name) is None


def _dimension(dim: int, poles: dict[int, list[Answer]]) -> dict[str, Any]:
    """The figures of one dimension from its two poles' answers (+1 / -1)."""
    what, count, more = COUNTERS[dim]
    texts = {s: [a.text for a in poles[s]] for s in poles}
    mean = {s: sum(map(count, texts[s])) / len(texts[s]) for s in texts}
    label = lambda s: SPACE[dim].label(1.0 if s > 0 else 0.0)
    out: dict[str, Any] = {"counted": what, "poles": {
        label(s): {"mean": round(mean[s], 2), **({} if dim == CONCISE else {"rate": marker_rate(texts[s], count)}),
                   "repeats": sum(a.repeats for a in poles[s]), "truncated": sum(a.truncated for a in poles[s]),
                   "perplexity": round(_pooled(poles[s]), 2)} for s in (+1, -1)},
        "ratio": round(mean[more] / mean[-more], 2) if mean[-more] else None}
    if dim == CONCISE:
        out["length_ratio"] = length_ratio(texts[+1], texts[-1])
    if dim == HUMOUR:
        out["humour_rate"], out["humour_rate_averse"] = marker_rate(texts[+1]), marker_rate(texts[-1])
    return out


def generation_metrics(llm: Any, conditionings: Sequence[str], *, dims: Sequence[int] = (CONCISE, HUMOUR),
                       answers: int = 20, records: Sequence[Record] | None = None, max_tokens: int = 200,
                       temperature: float = 0.7, top_p: float = 0.95, seed: int = 0, show: bool = False,
                       progress: Callable[[str], None] = lambda msg: None,
                       bar: Callable[[int], Callable[[], None]] | None = None) -> dict[str, Any]:
    """Generation figures of ``llm`` under each conditioning (see the module docstring).

    ``records``: where tasks come from (their distinct prompts) and, for ``ica``, users at
    each pole; None: the held-out prompts shipped here. ``temperature`` 0 is greedy. ``show``
    keeps every answer in the result. A loaded aligner answers the conditionings it serves.
    ``bar(total)``, when given, returns what to call after each answer (a progress bar).
    """
    unknown = [d for d in dims if d not in COUNTERS]
    if unknown or not dims:
        raise ConfigError(f"dimensions must be among {', '.join(map(str, COUNTERS))}, got {list(dims)}")
    modes = [get(name).name for name in conditionings]
    # Every pole's user is found before anything is written: a missing one is said at once.
    reads = {(c, dim, s): _reads(c, dim, s, records) for c in modes for dim in dims for s in (+1, -1)}
    written = [c for c in modes if not _reads_nothing(llm, c)]
    tick = bar(answers * (1 + 2 * len(dims) * len(written))) if bar is not None else (lambda: None)
    writer = _Writer(llm, task_prompts(records, answers), seed=seed, tick=tick, max_tokens=max_tokens,
                     temperature=temperature, top_p=top_p)
    progress(f"bare model: {answers} answers")
    bare = writer.answers(adapter=False)
    base_ppl = _pooled(bare)
    out: dict[str, Any] = {"answers": answers, "max_tokens": max_tokens, "temperature": temperature, "seed": seed,
                           "tasks": "records" if records is not None else "held-out prompts", "goals": GOALS,
                           "bare": {"perplexity": round(base_ppl, 2), "repeats": sum(a.repeats for a in bare),
                                    "truncated": sum(a.truncated for a in bare)}, "modes": {}}
    if show:
        out["bare"]["answers"] = [a.row() for a in bare]
    for c in modes:
        rows, everything = {}, []
        for dim in dims:
            progress(f"{c}: dimension {dim} ({COUNTERS[dim][0]}), {answers} answers per pole")
            poles = {s: bare if c not in written else writer.answers(c, reads[c, dim, s]) for s in (+1, -1)}
            everything += poles[+1] + poles[-1]
            rows[str(dim)] = _dimension(dim, poles)
            if show:
                rows[str(dim)]["answers"] = {SPACE[dim].label(1.0 if s > 0 else 0.0): [a.row() for a in poles[s]]
                                             for s in (+1, -1)}
        out["modes"][c] = {"fluency_ratio": round(_pooled(everything) / base_ppl, 3),
                           "repeats": sum(a.repeats for a in everything), "n_answers": len(everything),
                           "aligner": str(llm.adapter_for(c).folder) if llm.adapter_for(c) else None,
                           "dimensions": rows}
    return out
