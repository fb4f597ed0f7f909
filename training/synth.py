"""Seeded synthetic AlignX users: the development and test data of the whole project.

Each user has a ground-truth direction with a handful of non-neutral dimensions. Their
comments, choices and self-description are written from hand-made phrase banks
(:mod:`._synth_phrases`), so the wording depends on the direction and a model can learn it
back: trait sentences say the user's pole in varied words, interests steer which posts they
comment on and what they mention, a concise user writes short and a detailed one long, a
friendly user opens warmly and a blunt one curtly, neutral filler hides the signal among
noise. Every persona item carries the direction of what it expresses, as AlignX items do, so
docs/method.md §4's aggregation applies. Deterministic: user ``i`` of seed ``s`` is the same
whatever the number of users asked for.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Iterator, Literal

from edgealign.data import Record
from edgealign.persona import Choice, Comment, Description, Persona
from edgealign.preferences import N_DIMS

from ._synth_phrases import PHRASES, POSTS, TOPICS

__all__ = ["SynthConfig", "SyntheticUser", "generate_users", "generate_records", "make_user"]

CONCISE, HUMOR, AGREEABLE = 16, 73, 5
# Style dimensions shape how a user writes, not only what; they are drawn more often so the
# aligners see them (they are the dimensions a reply's wording can honour).
_STYLE = (16, 73, 5, 14, 15, 45, 46, 41, 42, 44, 39)

_FILLER = (
    "My neighbour asked me the same thing last week.",
    "I only saw this thread because it was near the top.",
    "Not sure it matters, but that is where I stand.",
    "Curious what the rest of you make of it.",
    "We talked about this at dinner the other night.",
    "It comes up more often than you would think.",
    "Anyway, that is my two cents.",
    "I read a long article about something similar.",
    "It depends a lot on the situation, of course.",
    "Took me a while to figure that out.",
)
_WARM = ("What a great question!", "Love this thread, thanks for asking.", "Happy to share my view here.",
         "Good on you for asking.", "Such a nice topic to think about.")
_BLUNT = ("This gets asked every week.", "Short answer: it depends.", "Not a hard call, really.",
          "People overthink this.", "Meh.")
_ELABORATE = ("To give a bit more context:", "Let me explain why.", "There is more to it, though.",
              "Put another way:", "One more thing worth saying:")
_JOKES = ("My houseplant has strong opinions on this too, mostly about watering.",
          "I asked my cat and she said nothing, which I am taking as agreement.",
          "Ten out of ten, would overthink again.",
          "If I had a coin for every time this came up, I could retire.",
          "Plot twist: none of us actually know.")
_ANSWER_OPEN = ("Here is how I would approach it.", "My take:", "A few thoughts.", "From experience:",
                "Honest answer:")


@dataclass(frozen=True, kw_only=True)
class SynthConfig:
    """How many synthetic users to make and how rich their histories are."""

    users: int = 100
    """Number of users."""
    seed: int = 0
    """Seed: the same seed gives the same users, byte for byte."""
    records_per_user: int = 4
    """AlignX records (task, chosen, rejected, sampled persona) per user."""
    min_traits: int = 3
    """Fewest non-neutral dimensions a user has."""
    max_traits: int = 10
    """Most non-neutral dimensions a user has."""
    history: int = 8
    """Comments and choices (each) in a user's history pool."""
    max_items: int = 4
    """At most this many comments and this many choices in one record's persona (AlignX)."""
    persona_items: int | None = None
    """Exactly this many persona items per record (the description, then comments and choices
    half and half), for evaluating at a fixed history size; None: AlignX's random 0-4 each."""
    phrasing: Literal["all", "train", "heldout"] = "all"
    """Which trait phrasings to write with: "all", "train" (the first two thirds of each
    bank) or "heldout" (the rest), so a model can be tested on wording it never saw."""
    dims: tuple[int, ...] | None = None
    """Draw traits from these dimensions only (at most ``len(dims)`` per user), e.g. the
    style dimensions a reply's wording shows; None: any, style dimensions favoured."""
    response_choices: float = 0.0
    """Share of a user's choices written as AlignX writes them: two answers to one request
    that differ in how they are written (:mod:`.response_choices`), on the user's traits an
    answer's style can show; the rest state the traits in sentences. 0 keeps the old data."""

    def __post_init__(self) -> None:
        from edgealign.errors import ConfigError

        if self.users < 0 or self.records_per_user < 0:
            raise ConfigError("users and records_per_user must be >= 0")
        if not 1 <= self.min_traits <= self.max_traits <= N_DIMS:
            raise ConfigError(f"need 1 <= min_traits <= max_traits <= {N_DIMS}")
        if self.history < 1 or self.max_items < 1:
            raise ConfigError("history and max_items must be >= 1")
        if self.persona_items is not None and not 1 <= self.persona_items <= 1 + 2 * self.history:
            raise ConfigError(f"persona_items must be 1..{1 + 2 * self.history} (a description plus the history)")
        if self.phrasing not in ("all", "train", "heldout"):
            raise ConfigError(f"phrasing must be 'all', 'train' or 'heldout', got {self.phrasing!r}")
        if not 0 <= self.response_choices <= 1:
            raise ConfigError("response_choices must be a share in [0, 1]")
        if self.dims is not None and (not self.dims or not all(0 <= d < N_DIMS for d in self.dims)):
            raise ConfigError(f"dims must be a non-empty tuple of dimensions in 0..{N_DIMS - 1}")

    @classmethod
    def tiny(cls, **kw) -> "SynthConfig":
        """A few users for unit tests."""
        return cls(**{"users": 8, "records_per_user": 2, **kw})

    @classmethod
    def default(cls, **kw) -> "SynthConfig":
        """Enough users to train the bridge on a laptop."""
        return cls(**{"users": 2000, **kw})


@dataclass(frozen=True)
class SyntheticUser:
    """A user with a known direction and the history it produced."""

    user_id: str
    direction: tuple[float, ...]
    persona: Persona

    def traits(self) -> list[int]:
        return [i for i, v in enumerate(self.direction) if v != 0.5]


class _Writer:
    """Writes one user's text; all randomness comes from the user's own generator."""

    def __init__(self, rng: random.Random, direction: list[float], phrasing: str = "all",
                 response_choices: float = 0.0) -> None:
        self.rng = rng
        self.direction = direction
        self.phrasing = phrasing
        self.response_choices = response_choices
        self._deck: list[int] = []
        self.traits = [i for i, v in enumerate(direction) if v != 0.5]

    def pole(self, dim: int, flip: bool = False) -> int:
        positive = self.direction[dim] == 1.0
        return int(positive != flip)  # 1: write the positive pole

    def phrase(self, dim: int, flip: bool = False, avoid: str = "") -> str:
        bank = PHRASES[dim][0 if self.pole(dim, flip) else 1]
        cut = (2 * len(bank)) // 3
        bank = {"all": bank, "train": bank[:cut], "heldout": bank[cut:]}[self.phrasing]
        return self.rng.choice([p for p in bank if p != avoid] or bank)

    def item_direction(self, dims: list[int], flip: bool = False) -> tuple[float, ...]:
        out = [0.5] * N_DIMS
        for d in dims:
            out[d] = 1.0 - self.direction[d] if flip else self.direction[d]
        return tuple(out)

    def post(self) -> str:
        """A post to react to; users gravitate to the topics they care about either way."""
        interests = [d for d in self.traits if d in TOPICS]
        about = [p for p, tags in POSTS if set(tags) & set(interests)]
        pool = about if about and self.rng.random() < 0.6 else [p for p, _ in POSTS]
        return self.rng.choice(pool)

    def text(self, dims: list[int], flip: bool = False) -> str:
        """Sentences expressing ``dims`` (opposite poles when ``flip``), styled by the user."""
        rng = self.rng
        sentences = [self.phrase(d, flip) for d in dims]
        for d in dims:
            if d in TOPICS and rng.random() < 0.5:
                verb = "enjoy" if self.pole(d, flip) else "could do without"
                sentences.append(f"I {verb} {rng.choice(TOPICS[d])}, for what it's worth.")
        concise = self.direction[CONCISE] != 0.5 and self.pole(CONCISE, flip)
        detailed = self.direction[CONCISE] != 0.5 and not concise
        if not concise:
            sentences += rng.sample(_FILLER, 2 if detailed else rng.randint(0, 1))
        if detailed:  # a detailed writer says the same thing twice, in other words
            again = self.phrase(dims[0], flip, avoid=sentences[0])
            sentences.insert(1, f"{rng.choice(_ELABORATE)} {again}")
        rng.shuffle(sentences)
        if self.direction[AGREEABLE] != 0.5:
            sentences.insert(0, rng.choice(_WARM if self.pole(AGREEABLE, flip) else _BLUNT))
        if self.direction[HUMOR] != 0.5 and self.pole(HUMOR, flip):
            sentences.append(rng.choice(_JOKES))
        return " ".join(sentences)

    def pick(self, k: int) -> list[int]:
        """``k`` distinct traits, dealt round-robin from a reshuffled deck, so that a history
        covers all of a user's traits rather than repeating a favourite few."""
        k = min(k, len(self.traits))
        picked: list[int] = []
        while len(picked) < k:
            if not self._deck:
                self._deck = self.rng.sample(self.traits, len(self.traits))
            dim = self._deck.pop()
            if dim not in picked:
                picked.append(dim)
        return picked

    def comment(self) -> Comment:
        dims = self.pick(self.rng.randint(1, 3))
        return Comment(self.post(), self.text(dims), self.item_direction(dims))

    def choice(self) -> Choice:
        dims = self.pick(self.rng.randint(1, 3))
        if self.response_choices and self.rng.random() < self.response_choices:
            from .response_choices import RESPONSE_DIMS, response_choice

            shown = [d for d in dims if d in RESPONSE_DIMS]
            if shown:  # held-out phrasing for held-out users, as for the trait sentences
                split = "heldout" if self.phrasing == "heldout" else "train"
                return response_choice(self.rng, self.direction, shown, split)
        return Choice(self.post(), self.text(dims), self.text(dims, flip=True), self.item_direction(dims))

    def description(self) -> Description:
        dims = self.pick(self.rng.randint(2, 4))
        return Description(" ".join(self.phrase(d) for d in dims), self.item_direction(dims))

    def response(self, dims: list[int], flip: bool) -> str:
        return f"{self.rng.choice(_ANSWER_OPEN)} {self.text(dims, flip)}"


def _direction(rng: random.Random, cfg: SynthConfig) -> list[float]:
    k = rng.randint(cfg.min_traits, cfg.max_traits)
    if cfg.dims is not None:
        return _direction_in(rng, sorted(set(cfg.dims)), k)
    styles = rng.sample(_STYLE, min(k, rng.randint(1, 3)))
    others = rng.sample([d for d in range(N_DIMS) if d not in styles], k - len(styles))
    direction = [0.5] * N_DIMS
    for d in (*styles, *others):
        direction[d] = rng.choice((0.0, 1.0))
    return direction


def _direction_in(rng: random.Random, dims: list[int], k: int) -> list[float]:
    direction = [0.5] * N_DIMS
    for d in rng.sample(dims, min(k, len(dims))):
        direction[d] = rng.choice((0.0, 1.0))
    return direction


def _user(cfg: SynthConfig, i: int) -> tuple[SyntheticUser, _Writer]:
    rng = random.Random(f"edgealign-synth:{cfg.seed}:{i}")
    return _history(f"synth-{cfg.seed}-{i}", _direction(rng, cfg), rng, cfg)


def _history(user_id: str, direction: list[float], rng: random.Random, cfg: SynthConfig) -> tuple[SyntheticUser, _Writer]:
    writer = _Writer(rng, direction, cfg.phrasing, cfg.response_choices)
    persona = Persona(
        comments=tuple(writer.comment() for _ in range(cfg.history)),
        choices=tuple(writer.choice() for _ in range(cfg.history)),
        description=writer.description(),
    )
    return SyntheticUser(user_id, tuple(direction), persona), writer


def make_user(user_id: str, direction: list[float], cfg: SynthConfig = SynthConfig()) -> SyntheticUser:
    """A user with a chosen direction (at least one non-neutral dimension) and its history."""
    from edgealign.preferences import SPACE

    values = [float(v) for v in SPACE.check_direction(direction)]
    if all(v == 0.5 for v in values):
        from edgealign.errors import PreferenceError

        raise PreferenceError("a synthetic user needs at least one non-neutral dimension")
    return _history(user_id, values, random.Random(f"edgealign-synth:{cfg.seed}:{user_id}"), cfg)[0]


def generate_users(cfg: SynthConfig) -> Iterator[SyntheticUser]:
    """``cfg.users`` users, each with a full history pool."""
    for i in range(cfg.users):
        yield _user(cfg, i)[0]


def _counts(rng: random.Random, cfg: SynthConfig) -> tuple[int, int]:
    """How many comments and choices a record's persona samples (the description comes too)."""
    if cfg.persona_items is not None:  # fixed size: the description, then half and half
        rest = cfg.persona_items - 1
        return (rest + 1) // 2, rest // 2
    n_ugc, n_pair = 0, 0
    while n_ugc + n_pair == 0:
        n_ugc, n_pair = rng.randint(0, cfg.max_items), rng.randint(0, cfg.max_items)
    return n_ugc, n_pair


def generate_records(cfg: SynthConfig) -> Iterator[Record]:
    """AlignX-format records: per user, ``records_per_user`` tasks with a sampled persona.

    Each record samples 0-4 comments and 0-4 choices (at least one item) from that user's own
    pool, as the reference does, plus the description; ``chosen`` honours the user's poles on
    a few of their dimensions and ``rejected`` the opposite poles.
    """
    for i in range(cfg.users):
        user, writer = _user(cfg, i)
        rng = writer.rng
        for _ in range(cfg.records_per_user):
            n_ugc, n_pair = _counts(rng, cfg)
            persona = Persona(
                comments=tuple(rng.sample(user.persona.comments, min(n_ugc, cfg.history))),
                choices=tuple(rng.sample(user.persona.choices, min(n_pair, cfg.history))),
                description=user.persona.description,
            )
            dims = writer.pick(rng.randint(1, 3))
            yield Record(
                prompt=writer.post(),
                chosen=writer.response(dims, flip=False),
                rejected=writer.response(dims, flip=True),
                persona=persona,
                direction=user.direction,
                user_id=user.user_id,
            )
