"""Aligner training data on all 90 dimensions: a versioned record file and the sets it is cut into.

An aligner learns to act on a profile (PBA) or on a history (ICA) only from pairs whose two
answers differ along a dimension the profile names. Three sources give such pairs:

* **pole pairs**: the bundled model's own answers to one task under a pole's one-line
  instruction and under the opposite pole's (``sdk/pole_text.json`` covers all 180 poles),
  read from model-choice files (:mod:`.generated_choices`, written by ``edgealign synth
  --model-choices``). A user at either pole makes a record: the answer under that pole's
  instruction is chosen. So the aligner learns to act on a label as the untuned model acts
  on an explicit instruction.
* **style users** (:mod:`.response_choices`): templated answers that differ in how they are
  written, the history of response-style choices.
* **synthetic users** (:mod:`.synth`): several non-neutral dimensions, answers written from
  the phrase banks.

Every record's ``profile`` (what PBA reads) names the target pole(s) and distractor labels:
other dimensions at random poles that do not bear on the two answers, so the aligner has to
pick the label that matters. Its persona (what ICA reads) is a synthetic user's history
written for the same direction, distractors included.

Pairs whose answers barely differ are dropped: the word-level distance
``1 - difflib.SequenceMatcher(words_a, words_b).ratio()`` must be at least ``min_distance``.
With ``drop_non_answers``, so are pairs where either answer is not an answer
(:func:`non_answer`): the small model's own answers under a pole's instruction are sometimes
a fragment, a loop or the question said back, and an aligner trained to prefer them writes them.

Sets (the header of each file records them): ``train`` (train tasks and phrasings, the
dimensions outside :data:`HELDOUT_DIMS`), ``heldout`` (held-out tasks and phrasings, the
same dimensions) and ``heldout-dims`` (held-out tasks and phrasings on the held-out
dimensions alone, whose labels no training record names, not even as a distractor).

A file's first line is a header (``format``, ``version``, set, held-out dimensions, sources
with their sha256, counts, what was dropped); the rest are AlignX records, so every record
reader and ``edgealign train ica|pba --data`` read it.
"""

from __future__ import annotations

import difflib
import json
import os
import random
import re
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from edgealign.artifacts import sha256_file
from edgealign.data import Record
from edgealign.errors import ConfigError
from edgealign.persona import Persona
from edgealign.preferences import N_DIMS, PreferenceProfile

from .user_files import write_with_header

__all__ = ["FORMAT", "VERSION", "SETS", "HELDOUT_DIMS", "POLE_CHOICES", "AlignerPairConfig", "answer_distance",
           "non_answer", "mirror_key", "mirror_units", "aligner_records", "write_pair_file"]

FORMAT = "edgealign-aligner-pairs"
VERSION = 1
SETS = ("train", "heldout", "heldout-dims")
#: Whole dimensions kept out of training (two traits, a need, a quality criterion, four
#: interests); none of the style dimensions the device benchmarks measure.
HELDOUT_DIMS: tuple[int, ...] = (3, 6, 11, 28, 43, 55, 63, 79, 86)
_DATA = Path(__file__).parent / "data"
#: The pole-pair files per task split, read when present: the bundled model's answers under both
#: poles (docs/data.md gives the commands that wrote the shipped ones).
POLE_CHOICES: dict[str, tuple[Path, ...]] = {
    "train": (_DATA / "pole_choices_train_t07.jsonl", _DATA / "pole_choices_train_t10.jsonl",
              _DATA / "model_choices_train.jsonl"),
    "heldout": (_DATA / "pole_choices_heldout.jsonl", _DATA / "model_choices_heldout.jsonl"),
}


@dataclass(frozen=True, kw_only=True)
class AlignerPairConfig:
    """What one aligner-pairs file holds."""

    set: str = "train"
    """"train", "heldout" (held-out tasks and phrasings) or "heldout-dims" (held-out dimensions)."""
    pole_choices: tuple[str, ...] = ()
    """Model-choice files of the set's task split; none: the shipped ones (:data:`POLE_CHOICES`)."""
    per_dim: int = 20
    """Most pole pairs per dimension taken from each file (each pair makes one record per pole),
    so the files with many tasks on a few dimensions do not drown the rest."""
    style_users: int = 200
    """Templated response-style users (one record each)."""
    synth_users: int = 200
    """Multi-dimension synthetic users (one record each)."""
    min_distractors: int = 2
    """Fewest distractor labels in a profile."""
    max_distractors: int = 5
    """Most distractor labels in a profile."""
    history_items: int = 2
    """Comments and choices (each) kept in a record's persona, beside the self-description."""
    min_distance: float = 0.3
    """Drop a pair whose answers' word-level distance is below this (0: identical, 1: disjoint)."""
    drop_non_answers: bool = False
    """Drop a pair (both directions of a pole pair) when either answer is not an answer:
    under 3 words, the question said back, fragments or a loop."""
    mirror: bool = False
    """Give every templated and synthetic user's record its mirror: the opposite direction, the
    answers swapped (pole pairs always come in both directions). A record and its mirror stay
    next to each other in the file, so the trainer puts them in one optimizer step."""
    seed: int = 0
    """Seeds the distractors, the personas and the templated users."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "pole_choices", tuple(str(f) for f in self.pole_choices))
        if self.set not in SETS:
            raise ConfigError(f"set must be one of {', '.join(SETS)}, got {self.set!r}")
        if min(self.style_users, self.synth_users, self.min_distractors) < 0 or self.per_dim < 1:
            raise ConfigError("style_users, synth_users and min_distractors must be >= 0 and per_dim >= 1")
        if self.max_distractors < self.min_distractors or self.history_items < 1 or not 0 <= self.min_distance < 1:
            raise ConfigError("need min_distractors <= max_distractors, history_items >= 1 and min_distance in [0, 1)")

    @property
    def split(self) -> str:
        """The task and phrasing split the set draws from."""
        return "train" if self.set == "train" else "heldout"

    def dims(self) -> tuple[int, ...]:
        """The dimensions this set's records are about."""
        if self.set == "heldout-dims":
            return HELDOUT_DIMS
        return tuple(d for d in range(N_DIMS) if d not in HELDOUT_DIMS)

    def files(self) -> tuple[str, ...]:
        return self.pole_choices or tuple(str(p) for p in POLE_CHOICES[self.split] if p.is_file())


def mirror_key(record: Record) -> tuple[str, frozenset[str]]:
    """What a record shares with its mirror: the task and the two answers, in either order."""
    return record.prompt, frozenset((record.chosen, record.rejected))


def mirror_units(records: Iterable[Any], key: Any = mirror_key) -> Iterator[list[Any]]:
    """``records`` cut into runs of neighbours with the same :func:`mirror_key` (``key`` reads
    it from an item), so a record and its mirror can be shuffled as one unit."""
    unit: list[Any] = []
    for item in records:
        if unit and key(unit[-1]) != key(item):
            yield unit
            unit = []
        unit.append(item)
    if unit:
        yield unit


def answer_distance(a: str, b: str) -> float:
    """1 - the word-level similarity ratio of two answers: 0 for the same words in the same order."""
    return 1.0 - difflib.SequenceMatcher(None, a.split(), b.split(), autojunk=False).ratio()


_WORD = re.compile(r"[A-Za-z0-9']+")


def non_answer(task: str, answer: str) -> str | None:
    """Why ``answer`` is not an answer to ``task``, or None: "short" (under 3 words), "repeat"
    (the question said back, :func:`edgealign.eval.generation.repeats_question`), "fragments"
    (8 words or more averaging under 2.5 characters: markup that splits words apart) or "loop"
    (12 words or more, under 40% of them distinct)."""
    from edgealign.eval.generation import repeats_question

    words = _WORD.findall(answer)
    if len(words) < 3:
        return "short"
    if repeats_question(task, answer):
        return "repeat"
    if len(words) >= 8 and sum(map(len, words)) / len(words) < 2.5:
        return "fragments"
    if len(words) >= 12 and len({w.lower() for w in words}) / len(words) < 0.4:
        return "loop"
    return None


class _Builder:
    """Turns the three sources into records for one set, counting what it keeps and drops."""

    def __init__(self, cfg: AlignerPairConfig) -> None:
        from .synth import SynthConfig

        self.cfg, self.rng = cfg, random.Random(f"edgealign-aligner-pairs:{cfg.seed}:{cfg.set}")
        self.dims = cfg.dims()
        # Distractors come from the set's own dimensions: a held-out label never reaches training.
        self.distractor_pool = self.dims if cfg.set != "heldout-dims" else tuple(range(N_DIMS))
        self.persona_cfg = SynthConfig(phrasing=cfg.split, history=2 * cfg.history_items, seed=cfg.seed)
        self.kept: dict[str, int] = {}
        self.dropped: dict[str, int] = {}
        self.non_answers: dict[str, int] = {}

    def profile(self, direction: list[float]) -> list[float]:
        """``direction`` with distractor dimensions set to random poles."""
        free = [d for d in self.distractor_pool if direction[d] == 0.5]
        k = self.rng.randint(self.cfg.min_distractors, self.cfg.max_distractors)
        out = list(direction)
        for d in self.rng.sample(free, min(k, len(free))):
            out[d] = float(self.rng.randint(0, 1))
        return out

    def persona(self, user_id: str, direction: list[float]) -> Persona:
        """A synthetic user's history written for ``direction``, cut to ``history`` items of each kind."""
        from .synth import make_user

        user = make_user(user_id, direction, self.persona_cfg)
        n = self.cfg.history_items
        return Persona(comments=user.persona.comments[:n], choices=user.persona.choices[:n],
                       description=user.persona.description)

    def record(self, source: str, n: int, task: str, chosen: str, rejected: str, target: list[float],
               persona: Persona | None = None, *, checked: bool = False) -> Record | None:
        """One record, or None when its answers barely differ (``checked``: the pair passed already,
        the way round the distance first measured it, which is not quite symmetric)."""
        if not checked and answer_distance(chosen, rejected) < self.cfg.min_distance:
            self.dropped[source] = self.dropped.get(source, 0) + 1
            return None
        if not checked and self._non_answer(source, task, chosen, rejected):
            return None
        full = self.profile(target)
        user_id = f"{self.cfg.set}-{source}-{n}"
        self.kept[source] = self.kept.get(source, 0) + 1
        return Record(prompt=task, chosen=chosen, rejected=rejected,
                      persona=persona if persona is not None else self.persona(user_id, full),
                      direction=tuple(target), profile=PreferenceProfile.from_direction(full).to_text(),
                      user_id=user_id)

    def _non_answer(self, source: str, task: str, *answers: str) -> bool:
        """With ``drop_non_answers``: whether one of ``answers`` is not an answer (counted by reason)."""
        if not self.cfg.drop_non_answers:
            return False
        why = next((w for a in answers if (w := non_answer(task, a))), None)
        if why:
            key = f"{source.removesuffix('-mirror')}:{why}"
            self.non_answers[key] = self.non_answers.get(key, 0) + 1
        return why is not None

    def pole_records(self) -> Iterator[Record]:
        from .generated_choices import read_choice_file

        n = 0
        for name in self.cfg.files():
            data = read_choice_file(name)
            if data.split != self.cfg.split:
                raise ConfigError(f"{name} answers {data.split} tasks; the {self.cfg.set} set needs "
                                  f"{self.cfg.split} tasks (`edgealign synth --model-choices {self.cfg.split}`)")
            for pair in self._per_dim(data.pairs):
                # Mirrored files keep both directions of a pair or neither (the distance is not quite
                # symmetric); the others keep what each direction's distance says, as they always have.
                both = self.cfg.mirror and answer_distance(*pair.chosen_rejected(1)) >= self.cfg.min_distance
                if both and self._non_answer("pole", pair.task, *pair.chosen_rejected(1)):
                    n += 2
                    continue
                if self.cfg.mirror and not both:
                    self.dropped["pole"] = self.dropped.get("pole", 0) + 2
                    n += 2
                    continue
                for sign in (1, -1):
                    target = [0.5] * N_DIMS
                    target[pair.dim] = 1.0 if sign > 0 else 0.0
                    chosen, rejected = pair.chosen_rejected(sign)
                    n += 1
                    if (r := self.record("pole", n, pair.task, chosen, rejected, target, checked=both)) is not None:
                        yield r

    def _per_dim(self, pairs: Iterable[Any]) -> list[Any]:
        """The file's pairs on this set's dimensions, at most ``per_dim`` of each (a seeded draw)."""
        by_dim: dict[int, list[Any]] = {}
        for p in pairs:
            if p.dim in self.dims:
                by_dim.setdefault(p.dim, []).append(p)
        return [p for d in sorted(by_dim) for p in self.rng.sample(by_dim[d], min(self.cfg.per_dim, len(by_dim[d])))]

    def user_records(self, source: str, records: Iterable[Record]) -> Iterator[Record]:
        """Records of templated or synthetic users on this set's dimensions, profiles with distractors."""
        for n, rec in enumerate(records):
            direction = list(rec.direction or ())
            if not direction or any(v != 0.5 and d not in self.dims for d, v in enumerate(direction)):
                continue
            kept = self.record(source, n, rec.prompt, rec.chosen, rec.rejected, direction, rec.persona)
            if kept is None:
                continue
            yield kept
            if self.cfg.mirror:
                # The opposite user prefers the other answer; their history is written for them.
                flipped = [v if v == 0.5 else 1.0 - v for v in direction]
                mirror = self.record(f"{source}-mirror", n, rec.prompt, rec.rejected, rec.chosen, flipped, checked=True)
                if mirror is not None:
                    yield mirror

    def style(self) -> Iterator[Record]:
        from .response_choices import ResponseChoiceConfig, response_choice_records

        # More users are drawn than kept: those touching dimensions outside the set are skipped.
        users = ResponseChoiceConfig(users=self.cfg.style_users, seed=self.cfg.seed, split=self.cfg.split)
        cap = self.cfg.style_users * (2 if self.cfg.mirror else 1)  # a user's record and its mirror
        return self._capped(self.user_records("style", response_choice_records(users)), cap)

    def synth(self) -> Iterator[Record]:
        from .synth import SynthConfig, generate_records

        users = SynthConfig(users=self.cfg.synth_users, records_per_user=1, seed=self.cfg.seed + 1,
                            phrasing=self.cfg.split, dims=self.dims, max_traits=min(10, len(self.dims)),
                            min_traits=min(3, len(self.dims)))
        return self.user_records("synth", generate_records(users))

    @staticmethod
    def _capped(records: Iterator[Record], n: int) -> Iterator[Record]:
        for i, r in enumerate(records):
            if i >= n:
                return
            yield r


def aligner_records(cfg: AlignerPairConfig) -> tuple[list[Record], dict[str, Any]]:
    """The set's records (shuffled, seeded, a record beside its mirror) and the header facts:
    sources, counts, drops."""
    b = _Builder(cfg)
    units = [list(u) for u in mirror_units([*b.pole_records(), *b.style(), *b.synth()])]
    b.rng.shuffle(units)
    records = [r for u in units for r in u]
    sources = {Path(f).name: sha256_file(f) for f in cfg.files()}
    facts = {"set": cfg.set, "task_split": cfg.split, "heldout_dims": list(HELDOUT_DIMS),
             "dims": list(b.dims), "sources": sources, "records": len(records), "kept": b.kept,
             "dropped_barely_differ": b.dropped, "config": asdict(cfg)}
    if cfg.drop_non_answers:
        facts["dropped_non_answers"] = b.non_answers
    return records, facts


def write_pair_file(cfg: AlignerPairConfig, out: str | os.PathLike[str], command: str) -> dict[str, Any]:
    """Write the set as a versioned file (header line, then AlignX records); returns the header."""
    records, facts = aligner_records(cfg)
    header = {"format": FORMAT, "version": VERSION, "command": command, **facts}
    return write_with_header(out, header, (json.dumps(r.to_dict(), ensure_ascii=False) for r in records))
