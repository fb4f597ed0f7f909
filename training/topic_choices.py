"""Topic-slant choices: one answer slanted to a field against the same answer slanted to another.

Real users show an interest by which answer they keep choosing: of two answers that give the
same advice, one draws its examples and comparisons from science and the other from
business, and they pick the scientific one time after time. This module writes such users.
A *field* is one interest dimension ("sports") or a named field of several ("academic":
science, knowledge and education; "business": workplace and finance). Both answers of a
pair share their content sentences and the slant templates (:mod:`._topic_phrases`); only
the field's people and topics differ, so the choice is about the field and nothing else.

A user has one field. A user who likes it chooses the answer slanted to it over an answer
slanted to another field (a different one each time, sharing no dimension with theirs); a
user who dislikes it (``dislike_share``) rejects the answer slanted to it every time. The
user's direction, and each choice's, is their pole on the field's dimensions; the rival
fields are left neutral, since no one choice says the user dislikes them.

``split="train"`` writes with the first two thirds of every bank (requests, subjects,
content sentences, the field's people and topics, the slant phrasings), ``"heldout"`` with
the rest. Deterministic for a seed; user ``i`` is the same whatever the number of users.

    records = topic_choice_records(TopicChoiceConfig(users=200, split="heldout", seed=7))
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache
from typing import Iterator

from edgealign.data import Record
from edgealign.persona import Choice, Persona
from edgealign.preferences import N_DIMS, SPACE

from ._response_phrases import CONTENT, PROMPTS, SUBJECTS
from ._synth_phrases import TOPICS
from ._topic_phrases import ASIDES, FRAMES, MORE_TOPICS, NAMED_FIELDS, PEOPLE
from .response_choices import INTEREST_DIMS, _part

__all__ = ["TopicChoiceConfig", "fields", "slanted_pair", "topic_choice_records", "BENCHMARK_FIELDS"]

_SPLITS = ("train", "heldout")
#: The four fields of public domain-preference benchmarks.
BENCHMARK_FIELDS: tuple[str, ...] = ("academic", "business", "entertainment", "reading")


@lru_cache(maxsize=1)
def fields() -> dict[str, tuple[int, ...]]:
    """Field name -> its interest dimensions: the named fields, then one per interest
    dimension, named as the dimension without "Interest: " ("science", "gaming")."""
    single = {SPACE[d].name.removeprefix("Interest: "): (d,) for d in INTEREST_DIMS}
    return {**NAMED_FIELDS, **single}


def _key(name: str) -> str | int:
    dims = fields()[name]
    return name if name in NAMED_FIELDS else dims[0]


def _people(name: str, split: str) -> tuple[str, ...]:
    return _part(PEOPLE[_key(name)], split)


def _topics(name: str, split: str) -> tuple[str, ...]:
    own = tuple(t for d in fields()[name] for t in _part(TOPICS[d], split))
    return own + _part(MORE_TOPICS.get(_key(name), ()), split)


def _fill(template: str, people: str, topic: str, subject: str) -> str:
    text = (template.replace("{P}", people[:1].upper() + people[1:]).replace("{p}", people)
            .replace("{t}", topic).replace("{s}", subject))
    return text[:1].upper() + text[1:]


def _frame(template: str, content: str) -> str:
    head = template.split("{c}")[0]
    keep = head.rstrip().endswith(":")
    return template.replace("{c}", content if keep else content[:1].lower() + content[1:])


def slanted_pair(rng: random.Random, chosen: str, rejected: str, split: str = "train") -> tuple[str, str, str]:
    """(prompt, chosen answer, rejected answer): the same advice, the chosen answer slanted to
    field ``chosen``, the rejected one to field ``rejected`` (names in :func:`fields`)."""
    if split not in _SPLITS:
        from edgealign.errors import ConfigError

        raise ConfigError(f"split must be 'train' or 'heldout', got {split!r}")
    subject = rng.choice(_part(SUBJECTS, split))
    prompt = rng.choice(_part(PROMPTS, split)).replace("{s}", subject)
    content = [c.replace("{s}", subject) for c in rng.sample(_part(CONTENT, split), rng.randint(2, 3))]
    asides = rng.sample(_part(ASIDES, split), rng.randint(1, 2))
    frame, framed = rng.choice(_part(FRAMES, split)), rng.randrange(len(content))
    at_end = rng.random() < 0.5
    answers = []
    for field in (chosen, rejected):
        people, topics = _people(field, split), _topics(field, split)
        body = list(content)
        body[framed] = _frame(_fill(frame, rng.choice(people), rng.choice(topics), subject), body[framed])
        extra = [_fill(a, rng.choice(people), rng.choice(topics), subject) for a in asides]
        sentences = [*body, *extra] if at_end else [body[0], *extra, *body[1:]]
        answers.append(" ".join(sentences))
    return prompt, answers[0], answers[1]


@dataclass(frozen=True, kw_only=True)
class TopicChoiceConfig:
    """Users whose history is choices between one answer slanted to two fields."""

    users: int = 200
    seed: int = 0
    items: int = 4
    """Choices per user."""
    split: str = "train"
    """"train" or "heldout" requests, people, topics and slant phrasings."""
    fields: tuple[str, ...] = ()
    """The fields users have and answers slant to: academic, business, or an interest's name
    (entertainment, reading, sports, ...); empty: all of them."""
    dislike_share: float = 0.25
    """Chance that a user dislikes their field: they reject the answer slanted to it."""

    def __post_init__(self) -> None:
        from edgealign.errors import ConfigError

        object.__setattr__(self, "fields", tuple(self.fields))
        if self.users < 0 or self.items < 1:
            raise ConfigError("users >= 0 and items >= 1 are required")
        if self.split not in _SPLITS:
            raise ConfigError(f"split must be 'train' or 'heldout', got {self.split!r}")
        if not 0 <= self.dislike_share <= 1:
            raise ConfigError("dislike_share must be in [0, 1]")
        unknown = [f for f in self.fields if f not in fields()]
        if unknown:
            raise ConfigError(f"unknown field(s) {', '.join(unknown)}; fields are {', '.join(fields())}")
        if self.fields and len(_rivals_of(self.fields[0], self.chosen_fields())) == 0:
            raise ConfigError("topic-slant users need at least two fields that share no dimension")

    def chosen_fields(self) -> tuple[str, ...]:
        return self.fields or tuple(fields())


def _rivals_of(field: str, pool: tuple[str, ...]) -> list[str]:
    own = set(fields()[field])
    return [f for f in pool if not own & set(fields()[f])]


def topic_choice_records(cfg: TopicChoiceConfig) -> Iterator[Record]:
    """One record per user: ``items`` choices between answers slanted to their field and to
    another, and a task pair of the same kind as the record's own answers."""
    pool = cfg.chosen_fields()
    for u in range(cfg.users):
        rng = random.Random(f"edgealign-topic-choices:{cfg.seed}:{cfg.split}:{u}")
        field = rng.choice(pool)
        rivals = _rivals_of(field, pool)
        value = 0.0 if rng.random() < cfg.dislike_share else 1.0
        direction = tuple(value if i in fields()[field] else 0.5 for i in range(N_DIMS))
        choices = []
        for _ in range(cfg.items):
            rival = rng.choice(rivals)
            prompt, chosen, rejected = slanted_pair(rng, *((field, rival) if value else (rival, field)), cfg.split)
            choices.append(Choice(prompt, chosen, rejected, direction))
        prompt, chosen, rejected = slanted_pair(rng, *((field, rng.choice(rivals)) if value
                                                       else (rng.choice(rivals), field)), cfg.split)
        yield Record(prompt=prompt, chosen=chosen, rejected=rejected, persona=Persona(choices=tuple(choices)),
                     direction=direction, user_id=f"topic-{cfg.split}-{cfg.seed}-{u}")
