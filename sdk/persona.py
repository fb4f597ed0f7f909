"""A user's persona: the raw history that personalisation is inferred from (docs/method.md §2).

Three kinds of item: a :class:`Comment` the user wrote on a post (AlignX UGC), a
:class:`Choice` between two responses (AlignX PAIR) and a free-text :class:`Description` of
themselves (AlignX DEMO). Items may carry the AlignX direction they were labelled with.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator, Union

from .errors import DataError, PreferenceError
from .preferences import SPACE

__all__ = ["Comment", "Choice", "Description", "PersonaItem", "Persona", "item_from_dict"]


def _check_direction(direction: Any, kind: str) -> tuple[float, ...] | None:
    if direction is None:
        return None
    return tuple(float(v) for v in SPACE.check_direction(direction, f"{kind} direction"))


def _json_kind(value: Any) -> str:
    """What a value read from JSON is, in JSON's words ("null", not "NoneType")."""
    if value is None or isinstance(value, bool):
        return "null" if value is None else "a boolean"
    kinds = {str: "text", int: "a number", float: "a number", list: "a list", dict: "an object"}
    return next((k for t, k in kinds.items() if isinstance(value, t)), type(value).__name__)


def _require_text(value: Any, name: str, kind: str) -> None:
    if not isinstance(value, str):
        raise DataError(f"{kind}: {name} must be text, got {_json_kind(value)}")


@dataclass(frozen=True)
class Comment:
    """Something the user wrote in reply to ``prompt`` (AlignX UGC item)."""

    prompt: str
    comment: str
    direction: tuple[float, ...] | None = None
    kind = "comment"

    def __post_init__(self) -> None:
        _require_text(self.prompt, "prompt", self.kind)
        _require_text(self.comment, "comment", self.kind)
        object.__setattr__(self, "direction", _check_direction(self.direction, self.kind))

    def to_dict(self) -> dict[str, Any]:
        d = {"type": self.kind, "prompt": self.prompt, "comment": self.comment}
        return d if self.direction is None else {**d, "direction": list(self.direction)}


@dataclass(frozen=True)
class Choice:
    """The user preferred ``chosen`` over ``rejected`` as a reply to ``prompt`` (AlignX PAIR item)."""

    prompt: str
    chosen: str
    rejected: str
    direction: tuple[float, ...] | None = None
    kind = "choice"

    def __post_init__(self) -> None:
        for name in ("prompt", "chosen", "rejected"):
            _require_text(getattr(self, name), name, self.kind)
        object.__setattr__(self, "direction", _check_direction(self.direction, self.kind))

    def to_dict(self) -> dict[str, Any]:
        d = {"type": self.kind, "prompt": self.prompt, "chosen": self.chosen, "rejected": self.rejected}
        return d if self.direction is None else {**d, "direction": list(self.direction)}


@dataclass(frozen=True)
class Description:
    """The user's own description of themselves (AlignX DEMO)."""

    text: str
    direction: tuple[float, ...] | None = None
    """AlignX labels no description; synthetic users know which dimensions theirs expresses."""
    kind = "description"

    def __post_init__(self) -> None:
        _require_text(self.text, "text", self.kind)
        object.__setattr__(self, "direction", _check_direction(self.direction, self.kind))

    def to_dict(self) -> dict[str, Any]:
        d = {"type": self.kind, "text": self.text}
        return d if self.direction is None else {**d, "direction": list(self.direction)}


PersonaItem = Union[Comment, Choice, Description]
_KINDS: dict[str, type[Comment] | type[Choice] | type[Description]] = {
    "comment": Comment, "choice": Choice, "description": Description}


def item_from_dict(data: dict[str, Any]) -> PersonaItem:
    """Read one history line such as ``{"type": "comment", "prompt": ..., "comment": ...}``."""
    if not isinstance(data, dict):
        raise DataError(f"a persona item must be an object, got {_json_kind(data)}")
    kind = data.get("type")
    cls = _KINDS.get(kind) if isinstance(kind, str) else None
    if cls is None:
        raise DataError(f"persona item type must be one of {sorted(_KINDS)}, got {kind!r}")
    fields = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
    missing = [k for k, f in cls.__dataclass_fields__.items() if k not in fields and f.default is not None]
    if missing:
        raise DataError(f"{kind} item lacks {', '.join(missing)}")
    try:
        return cls(**fields)
    except PreferenceError as exc:
        raise DataError(str(exc)) from exc


@dataclass(frozen=True)
class Persona:
    """All that is known of one user: comments, choices and an optional description."""

    comments: tuple[Comment, ...] = ()
    choices: tuple[Choice, ...] = ()
    description: Description | None = None

    @classmethod
    def from_items(cls, items: "list[PersonaItem] | tuple[PersonaItem, ...]") -> "Persona":
        """Group a flat history; the last description wins."""
        descriptions = [i for i in items if isinstance(i, Description)]
        return cls(
            comments=tuple(i for i in items if isinstance(i, Comment)),
            choices=tuple(i for i in items if isinstance(i, Choice)),
            description=descriptions[-1] if descriptions else None,
        )

    def items(self) -> Iterator[PersonaItem]:
        """Every item: the description first, then comments, then choices."""
        if self.description is not None:
            yield self.description
        yield from self.comments
        yield from self.choices

    def __len__(self) -> int:
        return len(self.comments) + len(self.choices) + (self.description is not None)

    def labelled_directions(self) -> list[tuple[float, ...]]:
        """The directions of the items that carry one (the inputs of docs/method.md §4)."""
        items: list[Comment | Choice] = [*self.comments, *self.choices]
        return [i.direction for i in items if i.direction is not None]
