"""Response-style choices: two answers to one request that differ in how they are written.

In AlignX and in real apps a choice is between two answers to the same request, and the
preference is in how the chosen one is written (its length, tone, humour, level, register,
structure, caution, topic), not in a sentence that names it. This module writes such pairs
from templated building blocks (:mod:`._response_phrases`): content sentences about the
request's subject, shared by both answers, plus per style pole an opener, a joke, a technical
sentence or a child-level analogy, a casual or formal rewrite, a numbered or rambling
rewrite, safety caveats or a bold push, elaborations, a topic slant. A pair differs on the
dimensions it involves; on the others both answers share a style (identical sentences, or
the same style in other words), so those cancel.

``split="train"`` writes with two thirds of every bank and of the requests, ``"heldout"``
with the rest: an evaluation written with ``heldout`` shares no prompt, subject or style
phrasing with training. Deterministic for a seed.

    records = response_choice_records(ResponseChoiceConfig(users=200, split="heldout", seed=7))
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator

from edgealign.data import Record
from edgealign.persona import Choice, Comment, Description, Persona
from edgealign.preferences import N_DIMS

from ._response_phrases import CONTENT, PROMPTS, STYLE, STYLE_DIMS, SUBJECTS
from ._user_phrases import ANSWER_PREFERENCES, MUNDANE
from ._synth_phrases import TOPICS

__all__ = ["STYLE_DIMS", "RESPONSE_DIMS", "INTEREST_DIMS", "ResponseChoiceConfig", "answer_pair", "response_choice",
           "response_choice_records"]

#: Every dimension a response pair can express: the style dimensions and the interests.
RESPONSE_DIMS: tuple[int, ...] = (*STYLE_DIMS, *sorted(set(TOPICS) - set(STYLE_DIMS)))
#: The interests a pair can slant its answer towards (humour is a style).
INTEREST_DIMS: tuple[int, ...] = tuple(sorted(set(TOPICS) - set(STYLE_DIMS)))
_SPLITS = ("train", "heldout")


def _part(bank: tuple[str, ...], split: str) -> tuple[str, ...]:
    """The split's share of a bank: the first two thirds for train, the rest for heldout."""
    cut = (2 * len(bank)) // 3
    return bank[:cut] if split == "train" else bank[cut:]


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


class _Composer:
    """Writes one answer; ``shared`` memoises draws that both answers of a pair reuse."""

    def __init__(self, rng: random.Random, split: str, subject: str, shared: dict) -> None:
        self.rng, self.split, self.subject, self.shared = rng, split, subject, shared
        self.used: set[str] = set()

    def pick(self, key: str, side: int, slot: int, background: bool) -> str:
        """A phrase of the bank, not yet used in this answer; with ``background`` the same
        phrase for the same slot in both answers (it cancels exactly)."""
        bank = _part(STYLE[key][side], self.split)
        if not bank:
            return ""
        memo = (key, side, slot)
        if background and memo in self.shared:
            phrase = self.shared[memo]
        else:
            phrase = self.rng.choice([p for p in bank if p not in self.used] or bank)
            if background:
                self.shared[memo] = phrase
        self.used.add(phrase)
        return phrase

    def fill(self, text: str, topic: str = "") -> str:
        s = self.subject
        return text.replace("{S}", s[:1].upper() + s[1:]).replace("{s}", s).replace("{t}", topic)


def _answer(comp: _Composer, content: list[str], style: dict[int, int], background: set[int]) -> str:
    """One answer written in ``style`` (dim -> pole 0/1); ``background`` dims are shared."""
    def side(dim: int) -> int:  # the bank side that writes this pole
        key, positive_side = STYLE_DIMS[dim]
        return positive_side if style[dim] == 1 else 1 - positive_side

    def block(dim: int, slot: int = 0) -> str:
        key = STYLE_DIMS[dim][0]
        return comp.fill(comp.pick(key, side(dim), slot, dim in background))

    rng = comp.rng
    detailed = 16 in style and style[16] == 0
    concise = 16 in style and style[16] == 1
    n = rng.randint(1, 2) if concise else rng.randint(3, 4) if detailed else rng.randint(2, 3)
    n = max(n, 2) if 45 in style else n  # a structure needs two points to show
    body = [comp.fill(c) for c in content[:n]]
    if 14 in style:  # register rewrites every content sentence
        body = [_put(block(14, i), c) for i, c in enumerate(body)]
    if 45 in style:
        body = _structure(comp, body, style[45], 45 in background)
    extra: list[str] = []
    if 46 in style:
        extra.append(block(46))
    if 40 in style:
        extra.append(block(40))
    if detailed:
        extra += [block(16, i) for i in range(2)]
    for dim in style:
        if dim in TOPICS and dim not in STYLE_DIMS and style[dim] == 1:
            topics = _part(TOPICS[dim], comp.split)
            extra.append(comp.fill(comp.pick("slant", 0, dim, dim in background), rng.choice(topics)))
    if 73 in style:
        extra.append(block(73))
    sentences = [*body[:1], *extra, *body[1:]] if rng.random() < 0.5 else [*body, *extra]
    if 5 in style:
        sentences.insert(0, block(5))
        if rng.random() < 0.5:
            sentences.append(block(5, 1))
    sentences = [s for s in sentences if s]
    return ("\n" if 45 in style and style[45] == 1 else " ").join(sentences)


_ORDINALS = ("First", "Second", "Third", "Fourth", "Fifth")
_WORDS = ("one", "two", "three", "four", "five")


def _put(template: str, content: str) -> str:
    """``content`` in the template's ``{c}``, lower-cased unless it starts the sentence."""
    head = template.split("{c}")[0]
    keep = not head or head.rstrip().endswith((":", ")"))
    return template.replace("{c}", content if keep else _lower_first(content))


def _structure(comp: _Composer, body: list[str], pole: int, background: bool) -> list[str]:
    """Numbered (one family of labels, in order) or rambling (asides between the points)."""
    if pole:
        bank = _part(STYLE["structured"][0], comp.split)
        family = comp.shared.setdefault(("family",), comp.rng.choice(bank)) if background else comp.rng.choice(bank)
        return [_put(family.replace("{n}", str(i + 1)).replace("{w}", _WORDS[i]).replace("{o}", _ORDINALS[i]), c)
                for i, c in enumerate(body)]
    return [body[0], *(_put(comp.pick("structured", 1, 100 + i, background), c) for i, c in enumerate(body[1:], 1))]


def answer_pair(rng: random.Random, dims: dict[int, int], split: str = "train",
                background_share: float = 0.5) -> tuple[str, str, str]:
    """(prompt, chosen, rejected): the chosen answer writes each of ``dims`` (dim -> pole 0/1)
    as given, the rejected one the opposite pole; other style dimensions are shared."""
    if split not in _SPLITS:
        from edgealign.errors import ConfigError

        raise ConfigError(f"split must be 'train' or 'heldout', got {split!r}")
    subject = rng.choice(_part(SUBJECTS, split))
    prompt = rng.choice(_part(PROMPTS, split)).replace("{s}", subject)
    content = rng.sample(_part(CONTENT, split), 4)
    background = {d: rng.randint(0, 1) for d in STYLE_DIMS if d not in dims and rng.random() < background_share}
    shared: dict = {}
    same = set(background) if rng.random() < 0.5 else set()
    answers = []
    for flip in (0, 1):
        style = {**background, **{d: p if not flip else 1 - p for d, p in dims.items()}}
        answers.append(_answer(_Composer(rng, split, subject, shared), content, style, same))
    return prompt, answers[0], answers[1]


def response_choice(rng: random.Random, direction: tuple[float, ...] | list[float], dims: list[int],
                    split: str = "train") -> Choice:
    """A choice that honours the user's ``direction`` on ``dims`` (response dimensions), with
    those dimensions as its own direction."""
    poles = {d: int(direction[d] == 1.0) for d in dims}
    prompt, chosen, rejected = answer_pair(rng, poles, split)
    while chosen == rejected:  # answers written alike can come out the same: no choice at all
        prompt, chosen, rejected = answer_pair(rng, poles, split)
    item = tuple(direction[i] if i in poles else 0.5 for i in range(N_DIMS))
    return Choice(prompt, chosen, rejected, item)


@dataclass(frozen=True, kw_only=True)
class ResponseChoiceConfig:
    """Users whose history is response-style choices (and, with ``statement_share``, their own
    wishes about how answers should be written)."""

    users: int = 200
    seed: int = 0
    items: int = 4
    """Choices per user."""
    max_dims: int = 3
    """Most dimensions a user prefers (1..max_dims); each choice involves 1-2 of them."""
    interest_share: float = 0.3
    """Chance that one of a user's dimensions is an interest (topic slant) rather than a style."""
    split: str = "train"
    """"train" or "heldout" prompts and phrasings."""
    neutral_share: float = 0.0
    """Chance that a choice is between two answers written alike (no dimension involved, its
    direction all neutral): what the bridge must leave neutral."""
    generated: str | None = None
    """A model-choice data file (``edgealign synth --model-choices``) of the same split, or
    several, comma-separated (e.g. answers at several temperatures; their pairs are pooled per
    dimension): a choice that involves one of its dimensions may be a pair of the model's own
    answers."""
    generated_share: float = 0.5
    """With ``generated``: chance that such a choice is the model's pair rather than templated."""
    statement_share: float = 0.0
    """Chance that an item is instead the user saying how they want answers written (a
    first-person wish on one of their style dimensions, e.g. "Humour in answers distracts
    me."), as people tell an assistant: a comment, or their self-description."""
    mundane_share: float = 0.0
    """Chance that an item is an everyday remark ("Got a haircut this afternoon.") that says
    nothing about any dimension: what the bridge must leave neutral."""

    def __post_init__(self) -> None:
        from edgealign.errors import ConfigError

        if self.users < 0 or self.items < 1 or not 1 <= self.max_dims <= len(STYLE_DIMS):
            raise ConfigError(f"users >= 0, items >= 1 and 1 <= max_dims <= {len(STYLE_DIMS)} are required")
        if self.split not in _SPLITS:
            raise ConfigError(f"split must be 'train' or 'heldout', got {self.split!r}")
        if not all(0 <= x <= 1 for x in (self.neutral_share, self.generated_share, self.statement_share,
                                          self.mundane_share)):
            raise ConfigError("neutral_share, generated_share, statement_share and mundane_share must be in [0, 1]")


def _user_dims(rng: random.Random, cfg: ResponseChoiceConfig) -> list[int]:
    k = rng.randint(1, cfg.max_dims)
    dims = rng.sample(sorted(STYLE_DIMS), k)
    if rng.random() < cfg.interest_share:
        dims[-1] = rng.choice(INTEREST_DIMS)
    return dims


def _generated_pools(cfg: ResponseChoiceConfig) -> dict[int, list]:
    """dim -> the model's answer pairs, from ``cfg.generated`` (checked to be of cfg's split)."""
    if cfg.generated is None:
        return {}
    from edgealign.errors import ConfigError

    from .generated_choices import read_choice_file

    pools: dict[int, list] = {}
    for path in (p.strip() for p in cfg.generated.split(",") if p.strip()):
        data = read_choice_file(path)
        if data.split != cfg.split:
            raise ConfigError(f"{path} answers {data.split} tasks; users of the {cfg.split} split need a file "
                              f"generated with `edgealign synth --model-choices {cfg.split}`")
        for dim, pairs in data.by_dim().items():
            pools.setdefault(dim, []).extend(pairs)
    return pools


def _generated_choice(rng: random.Random, direction: list[float], dim: int, pool: list, used: set[int]) -> Choice:
    from .generated_choices import draw_pair

    pair = draw_pair(rng, pool, used)
    chosen, rejected = pair.chosen_rejected(1 if direction[dim] == 1.0 else -1)
    item = tuple(direction[i] if i == dim else 0.5 for i in range(N_DIMS))
    return Choice(pair.task, chosen, rejected, item)


def _wish(rng: random.Random, direction: list[float], dim: int, split: str) -> Comment | Description:
    """The user's word on how answers should be written, at their pole of ``dim``: a comment,
    or (one time in three) a self-description."""
    positive, negative = ANSWER_PREFERENCES[dim]
    text = rng.choice(_part(positive if direction[dim] == 1.0 else negative, split))
    item = tuple(direction[i] if i == dim else 0.5 for i in range(N_DIMS))
    if rng.random() < 1 / 3:
        return Description(text, item)
    return Comment(_post(rng, split), text, item)


def _join(described: list[Description]) -> Description | None:
    """One self-description of the user's wishes (a persona has one), their directions merged."""
    if not described:
        return None
    merged = [0.5] * N_DIMS
    for d in described:
        merged = [v if v != 0.5 else m for v, m in zip(d.direction, merged)]
    return Description(" ".join(d.text for d in described), tuple(merged))


def _post(rng: random.Random, split: str) -> str:
    return rng.choice(_part(PROMPTS, split)).replace("{s}", rng.choice(_part(SUBJECTS, split)))


def _mundane(rng: random.Random, split: str) -> Comment:
    return Comment(_post(rng, split), rng.choice(_part(MUNDANE, split)), (0.5,) * N_DIMS)


def response_choice_records(cfg: ResponseChoiceConfig) -> Iterator[Record]:
    """One record per user: ``items`` choices covering the user's dimensions, and a task
    whose chosen answer honours all of them (the rejected one the opposite)."""
    pools = _generated_pools(cfg)
    for u in range(cfg.users):
        rng = random.Random(f"edgealign-response-choices:{cfg.seed}:{cfg.split}:{u}")
        dims = _user_dims(rng, cfg)
        direction = [0.5] * N_DIMS
        for d in dims:
            direction[d] = float(rng.randint(0, 1))
        deck: list[int] = []
        items: list[Choice | Comment | Description] = []
        used_pairs: dict[int, set[int]] = {}
        for _ in range(cfg.items):
            if not deck:
                deck = rng.sample(dims, len(dims))
            if cfg.neutral_share and rng.random() < cfg.neutral_share:
                items.append(response_choice(rng, direction, [], cfg.split))
                continue
            if cfg.mundane_share and rng.random() < cfg.mundane_share:
                items.append(_mundane(rng, cfg.split))
                continue
            involved = [deck.pop()]
            if involved[0] in ANSWER_PREFERENCES and cfg.statement_share and rng.random() < cfg.statement_share:
                items.append(_wish(rng, direction, involved[0], cfg.split))
                continue
            if involved[0] in pools and rng.random() < cfg.generated_share:
                used = used_pairs.setdefault(involved[0], set())
                items.append(_generated_choice(rng, direction, involved[0], pools[involved[0]], used))
                continue
            if deck and rng.random() < 0.3:
                involved.append(deck.pop())
            items.append(response_choice(rng, direction, involved, cfg.split))
        prompt, chosen, rejected = answer_pair(rng, {d: int(direction[d]) for d in dims}, cfg.split)
        described = [i for i in items if isinstance(i, Description)]
        persona = Persona(comments=tuple(i for i in items if isinstance(i, Comment)),
                          choices=tuple(i for i in items if isinstance(i, Choice)),
                          description=_join(described))
        yield Record(prompt=prompt, chosen=chosen, rejected=rejected, persona=persona,
                     direction=tuple(direction), user_id=f"response-{cfg.split}-{cfg.seed}-{u}")
