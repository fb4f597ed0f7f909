"""Real first-person statements with known trait polarity, as AlignX-format users.

Reads Anthropic's model-written persona statements (``shared/data/anthropic-persona``: one
JSONL per trait, each line a ``statement`` and whether a person high on the trait would say
it). A user is a handful of statements of one polarity from one trait file, written as UGC
comments; their direction is that polarity on the mapped AlignX dimension. Statements are
split by a hash of their text, so the ``test`` split never shares a sentence with ``train``.
"""

from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path
from typing import Iterator

from edgealign.data import Record, read_lines
from edgealign.errors import DataError
from edgealign.persona import Comment, Persona
from edgealign.preferences import N_DIMS

__all__ = ["TRAIT_DIMENSIONS", "UNTRAINED_TRAITS", "statement_records"]

#: File stem -> AlignX dimension whose positive label is "high" on that trait.
TRAIT_DIMENSIONS = {
    "neuroticism": 2, "extraversion": 3, "openness": 4, "agreeableness": 5, "conscientiousness": 6,
    "interest-in-music": 74, "interest-in-sports": 56, "interest-in-art": 82,
}
#: Trait files of the same folder that the bridge does not train on: their dimensions'
#: training data is the synthetic phrase bank only, so users of these statements measure
#: real wording on dimensions without real training text.
UNTRAINED_TRAITS = {"risk-seeking": 10, "willingness-to-defer-to-authorities": 30}
PROMPT = "Is the following statement something you would say?"


def _split_of(statement: str) -> str:
    return "test" if int(hashlib.sha256(statement.encode()).hexdigest(), 16) % 2 else "train"


def _load(folder: Path, stem: str, split: str) -> dict[float, list[str]]:
    path = folder / f"{stem}.jsonl"
    if not path.is_file():
        raise DataError(f"{path}: missing; expected the anthropic-persona folder with one JSONL per trait")
    poles: dict[float, list[str]] = {0.0: [], 1.0: []}
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        statement, yes = _row(line, f"{path}:{lineno}")
        if _split_of(statement) == split:
            poles[1.0 if yes else 0.0].append(statement)
    return poles


def _row(line: str, where: str) -> tuple[str, bool]:
    """(statement, whether the matching answer is "Yes") of one anthropic-persona line."""
    try:
        row = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise DataError(f"{where}: JSON nested too deeply") from None
    fields = ("statement", "answer_matching_behavior")
    if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in fields):
        raise DataError(f"{where}: expected an object with text fields {' and '.join(fields)}")
    return row["statement"], row["answer_matching_behavior"].strip() == "Yes"


def statement_records(
    folder: str | Path, split: str, users_per_trait: int = 100, items: int = 4, seed: int = 0,
    traits: str = "trained",
) -> Iterator[Record]:
    """Users of ``items`` statements each, ``users_per_trait`` per trait, half of each pole;
    ``traits``: the :data:`TRAIT_DIMENSIONS` ("trained") or the :data:`UNTRAINED_TRAITS`."""
    if split not in ("train", "test"):
        raise DataError(f"split must be 'train' or 'test', got {split!r}")
    if traits not in ("trained", "untrained"):
        raise DataError(f"traits must be 'trained' or 'untrained', got {traits!r}")
    rng = random.Random(f"statements:{seed}:{split}")
    for stem, dim in (TRAIT_DIMENSIONS if traits == "trained" else UNTRAINED_TRAITS).items():
        poles = _load(Path(folder), stem, split)
        for u in range(users_per_trait):
            value = float(u % 2)
            direction = tuple(value if i == dim else 0.5 for i in range(N_DIMS))
            chosen = rng.sample(poles[value], min(items, len(poles[value])))
            comments = tuple(Comment(PROMPT, s, direction) for s in chosen)
            yield Record(
                prompt=PROMPT, chosen=chosen[0], rejected=rng.choice(poles[1.0 - value]),
                persona=Persona(comments=comments), direction=direction, user_id=f"{stem}-{split}-{u}",
            )
