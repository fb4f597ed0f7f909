"""Plain words for both poles of every dimension, written once.

``pole_text.json`` beside this module holds, for each of the 90 dimensions and each of its two
poles:

- ``instruction``: one imperative line to a chat model that makes its *answer* follow the pole
  ("Keep the answer short." / "Answer thoroughly, with detail."). The ``instruct``
  conditioning turns a profile into a few such lines with :func:`instruct_lines`.
- ``description``: what a person at that pole is like and says about themselves, in words
  other than the label, for anchoring a classifier on dimensions it has no data for.
- ``style``: whether the pole changes *how* any answer is written in a way one can count or
  see (length, tone, humour, friendliness, structure, complexity, caution), as opposed to what
  it is about (interests) or whom it addresses (demographics).

A pole is named by a dimension (its index, its ``name``, one of its labels, or a
:class:`~edgealign.preferences.Dimension`) and a sign: +1 for the positive pole, -1 for the
negative. The file is read once, on first use, and checked against the shipped space.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Union

from .errors import ConfigError, PreferenceError
from .preferences import SPACE, Dimension, PreferenceProfile

__all__ = ["DimensionRef", "instruction", "description", "is_style", "style_dimensions", "instruct_lines"]

#: A dimension as callers name it: index, name, label, or the Dimension itself.
DimensionRef = Union[int, str, Dimension]

_FIELDS = ("instruction", "description", "style")
_POLE_NAMES = {1: "positive", -1: "negative"}


@lru_cache(maxsize=1)
def _table() -> tuple[dict[str, dict[str, object]], ...]:
    """Per dimension index, {"negative": fields, "positive": fields}; validated once."""
    data = json.loads(resources.files(__package__).joinpath("pole_text.json").read_text("utf-8"))
    if data.get("space_version") != SPACE.version:
        raise PreferenceError(f"pole_text.json was written for preference space {data.get('space_version')!r}, "
                              f"this SDK uses {SPACE.version!r}; update pole_text.json for the new space")
    rows = []
    for dim in SPACE:
        entry = data.get(dim.name)
        if not isinstance(entry, dict) or any(
                not isinstance(entry.get(p), dict) or any(f not in entry[p] for f in _FIELDS)
                for p in _POLE_NAMES.values()):
            raise PreferenceError(f"pole_text.json lacks a complete entry for dimension {dim.index} "
                                  f"({dim.name!r}): each pole needs {', '.join(_FIELDS)}")
        rows.append(entry)
    return tuple(rows)


@lru_cache(maxsize=1)
def _names() -> dict[str, int]:
    return {d.name.casefold(): d.index for d in SPACE}


def _resolve(dim: DimensionRef, sign: int | None) -> tuple[int, str | None]:
    """(index, pole name or None) for a dimension reference and a sign (+1, -1, or None)."""
    if sign is not None and (isinstance(sign, bool) or sign not in _POLE_NAMES):
        raise PreferenceError(f"sign must be +1 (the positive pole) or -1 (the negative pole), got {sign!r}")
    implied = None
    if isinstance(dim, Dimension):
        if dim.index >= len(SPACE) or SPACE[dim.index] != dim:
            raise PreferenceError(f"{dim.name!r} is not a dimension of this SDK's preference space")
        index = dim.index
    elif isinstance(dim, str) and dim.strip().casefold() in _names():
        index = _names()[dim.strip().casefold()]
    else:
        index, value = SPACE.resolve(dim, needs_value=False)
        implied = None if value is None else (1 if value == 1.0 else -1)
    if implied is not None and sign is not None and implied != sign:
        raise PreferenceError(f"the label {dim!r} names the {_POLE_NAMES[implied]} pole, but sign is {sign:+d}; "
                              "give the matching sign, or the dimension's index or name")
    chosen = sign if sign is not None else implied
    return index, None if chosen is None else _POLE_NAMES[chosen]


def _field(dim: DimensionRef, sign: int, field: str) -> object:
    if sign is None:
        raise PreferenceError("sign must be +1 (the positive pole) or -1 (the negative pole), got None")
    index, pole = _resolve(dim, sign)
    return _table()[index][pole][field]  # type: ignore[index]


def instruction(dim: DimensionRef, sign: int) -> str:
    """The one-line instruction that makes a chat model's answer follow this pole.

    >>> instruction("Communication style in social settings: more concise or detailed", +1)
    'Keep the answer short.'
    """
    return str(_field(dim, sign, "instruction"))


def description(dim: DimensionRef, sign: int) -> str:
    """One or two sentences on what a person at this pole is like and says about themselves."""
    return str(_field(dim, sign, "description"))


def is_style(dim: DimensionRef, sign: int | None = None) -> bool:
    """Whether the pole changes how an answer is written (length, tone, humour, structure...).

    With ``sign`` None (and ``dim`` not a label), whether either pole of the dimension does.
    """
    index, pole = _resolve(dim, sign)
    poles = [pole] if pole is not None else list(_POLE_NAMES.values())
    return any(bool(_table()[index][p]["style"]) for p in poles)


def style_dimensions() -> tuple[int, ...]:
    """Indices of the dimensions with at least one style pole, in canonical order."""
    return tuple(d.index for d in SPACE if is_style(d.index))


def instruct_lines(profile: PreferenceProfile, *, cap: int = 4, min_confidence: float = 0.5) -> list[str]:
    """The profile as at most ``cap`` instructions, strongest first.

    A dimension takes part when it is non-neutral and its confidence is at least
    ``min_confidence``; strength is confidence x |value - 0.5|. Among equally strong
    dimensions (a given profile is certain everywhere), style poles come first, since they
    apply to any request, then canonical order. A neutral profile gives no lines.
    """
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 0:
        raise ConfigError(f"cap must be a whole number >= 0, got {cap!r}")
    if not 0.0 <= min_confidence <= 1.0:
        raise ConfigError(f"min_confidence must be in [0, 1], got {min_confidence!r}")
    if profile.space.version != SPACE.version:
        raise PreferenceError(f"profile is for preference space {profile.space.version!r}, "
                              f"this SDK uses {SPACE.version!r}; re-infer the profile")
    ranked = []
    for dim, value in profile.non_neutral():
        confidence = float(profile.confidence[dim.index])
        if confidence < min_confidence:
            continue
        sign = 1 if value > 0.5 else -1
        strength = confidence * abs(value - 0.5)
        ranked.append((-strength, not is_style(dim.index, sign), dim.index, instruction(dim.index, sign)))
    return [line for *_, line in sorted(ranked)[:cap]]
