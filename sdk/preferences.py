"""The AlignX preference space and the user's place in it.

The 90 dimensions live in ``preference_space.json`` beside this module: the single source of
truth for the SDK, the trainers and the exporters. A *direction* is AlignX's list of 90 values
in {0, 0.5, 1}; a :class:`PreferenceProfile` adds, per dimension, a distribution over
{negative, neutral, positive} and a confidence, so a model's uncertainty survives.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import cached_property
from importlib import resources
from typing import Any, Iterable, Iterator, Literal, Sequence, overload

import numpy as np

from .errors import PreferenceError, ProfileParseError

__all__ = ["Dimension", "Evidence", "PreferenceSpace", "PreferenceProfile", "SPACE", "N_DIMS", "POLES"]

#: Column order of a profile's distribution, and the direction value of each column.
POLES: tuple[str, str, str] = ("negative", "neutral", "positive")
_POLE_VALUES = np.array([0.0, 0.5, 1.0])
_SEPARATOR = re.compile(r"\s*,\s*")


@dataclass(frozen=True)
class Dimension:
    """One axis of the preference space."""

    index: int
    group: str
    name: str
    positive_label: str
    negative_label: str

    def label(self, value: float) -> str | None:
        """The label AlignX writes for ``value`` (1 positive, 0 negative), None when neutral."""
        if value == 1.0:
            return self.positive_label
        if value == 0.0:
            return self.negative_label
        return None


@dataclass(frozen=True)
class Evidence:
    """How much one persona item moved one dimension: ``weight`` > 0 pushes towards the
    positive pole, < 0 towards the negative; ``item`` indexes the items the profile came from."""

    dimension: int
    item: int
    weight: float


class PreferenceSpace:
    """The ordered dimensions, their groups, and a stable version hash of the whole space."""

    def __init__(self, dimensions: Sequence[Dimension]) -> None:
        self.dimensions: tuple[Dimension, ...] = tuple(dimensions)
        for i, dim in enumerate(self.dimensions):
            if dim.index != i:
                raise PreferenceError(f"dimension {dim.name!r} has index {dim.index}, expected {i}")
        canonical = json.dumps([vars(d) for d in self.dimensions], sort_keys=True)
        #: Short content hash: artifacts record it, loaders refuse a mismatch.
        self.version: str = hashlib.sha256(canonical.encode()).hexdigest()[:16]
        self.groups: tuple[str, ...] = tuple(dict.fromkeys(d.group for d in self.dimensions))

    @classmethod
    def load(cls, path: str | None = None) -> "PreferenceSpace":
        """Read a space from ``path``, or the copy shipped inside the package."""
        if path is None:
            text = resources.files(__package__).joinpath("preference_space.json").read_text("utf-8")
        else:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        fields = ("index", "group", "name", "positive_label", "negative_label")
        dims = [Dimension(**{k: d[k] for k in fields}) for d in json.loads(text)["dimensions"]]
        return cls(dims)

    def __len__(self) -> int:
        return len(self.dimensions)

    def __iter__(self) -> Iterator[Dimension]:
        return iter(self.dimensions)

    def __getitem__(self, index: int) -> Dimension:
        return self.dimensions[index]

    def group_indices(self, group: str) -> list[int]:
        """Indices of the dimensions in ``group``, in canonical order."""
        return [d.index for d in self.dimensions if d.group == group]

    @cached_property
    def labels(self) -> dict[str, tuple[int, float]]:
        """Every label, case-folded, mapped to (dimension index, direction value)."""
        table: dict[str, tuple[int, float]] = {}
        for d in self.dimensions:
            table[d.positive_label.casefold()] = (d.index, 1.0)
            table[d.negative_label.casefold()] = (d.index, 0.0)
        return table

    @overload
    def resolve(self, dim: int | str, value: float | None = None, *,
                needs_value: Literal[True] = True) -> tuple[int, float]: ...

    @overload
    def resolve(self, dim: int | str, value: float | None = None, *,
                needs_value: bool) -> tuple[int, float | None]: ...

    def resolve(self, dim: int | str, value: float | None = None, *,
                needs_value: bool = True) -> tuple[int, float | None]:
        """A dimension named by index (``16`` or ``"16"``, with ``value`` 0, 0.5 or 1) or by a
        label (``"Concise communication style"``, which implies its value) -> (index, value).

        ``needs_value=False`` allows an index without a value (``(index, None)``), for
        callers that only need the dimension. Raises PreferenceError saying what to give.
        """
        if isinstance(dim, str) and not dim.strip().isdigit():
            found = self.labels.get(dim.strip().casefold())
            if found is None:
                raise PreferenceError(f"{dim!r} is neither a dimension index (0..{len(self) - 1}) nor a preference "
                                      "label; `edgealign space` lists them")
            if value is not None and value != found[1]:
                raise PreferenceError(f"the label {dim!r} already says its value ({found[1]:g}); leave the value out")
            return found
        index = int(dim) if isinstance(dim, str) else dim
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(self):
            raise PreferenceError(f"dimension must be an index 0..{len(self) - 1} or a label, got {dim!r}")
        if value is None and not needs_value:
            return index, None
        if value not in (0.0, 0.5, 1.0):
            given = "none was given" if value is None else f"got {value!r}"
            raise PreferenceError(f"dimension {index} needs a value: 0 (negative pole), 0.5 (neutral) "
                                  f"or 1 (positive pole); {given}")
        return index, float(value)

    def check_direction(self, values: Any, where: str = "direction") -> np.ndarray:
        """Validate an AlignX direction and return it as a float array of shape (90,)."""
        if isinstance(values, (str, bytes)) or not hasattr(values, "__len__"):
            raise PreferenceError(f"{where}: expected a list of {len(self)} numbers, got {type(values).__name__}")
        if len(values) != len(self):
            raise PreferenceError(f"{where}: expected {len(self)} values, got {len(values)}")
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError, OverflowError) as exc:
            raise PreferenceError(f"{where}: values must be numbers in {{0, 0.5, 1}}") from exc
        bad = np.flatnonzero(~np.isin(arr, _POLE_VALUES))
        if bad.size:
            i = int(bad[0])
            raise PreferenceError(f"{where}: value {values[i]!r} at index {i} is not one of 0, 0.5, 1")
        return arr


#: The space shipped with this package.
SPACE: PreferenceSpace = PreferenceSpace.load()
N_DIMS: int = len(SPACE)


def _readonly(a: np.ndarray) -> np.ndarray:
    a = np.array(a, dtype=float)
    a.setflags(write=False)
    return a


class PreferenceProfile:
    """A user's preferences: per dimension a distribution, a ternary value and a confidence.

    ``distribution`` has shape (90, 3), columns ordered as :data:`POLES`. ``values`` is the
    AlignX direction (0 negative, 0.5 neutral, 1 positive); when not given it is the argmax of
    the distribution. ``confidence`` (90,) defaults to the probability of the chosen pole.
    """

    __slots__ = ("distribution", "values", "confidence", "evidence", "space")

    def __init__(
        self,
        distribution: Any,
        values: Any | None = None,
        confidence: Any | None = None,
        space: PreferenceSpace = SPACE,
        evidence: Iterable[Evidence] = (),
    ) -> None:
        dist = np.asarray(distribution, dtype=float)
        if dist.shape != (len(space), 3):
            raise PreferenceError(f"distribution must have shape ({len(space)}, 3), got {dist.shape}")
        if not np.all(np.isfinite(dist)) or np.any(dist < 0):
            raise PreferenceError("distribution must hold finite, non-negative probabilities")
        if not np.allclose(dist.sum(axis=1), 1.0, atol=1e-4):
            raise PreferenceError("each dimension's distribution must sum to 1")
        vals = _POLE_VALUES[dist.argmax(axis=1)] if values is None else space.check_direction(values, "values")
        conf = dist[np.arange(len(space)), (vals * 2).astype(int)] if confidence is None else confidence
        conf = np.asarray(conf, dtype=float)
        if conf.shape != (len(space),) or np.any((conf < 0) | (conf > 1)):
            raise PreferenceError(f"confidence must be {len(space)} numbers in [0, 1]")
        self.distribution = _readonly(dist)
        self.values = _readonly(vals)
        self.confidence = _readonly(conf)
        self.space = space
        #: Which items moved which dimensions (from a bridge; empty for given directions).
        self.evidence: tuple[Evidence, ...] = tuple(evidence)

    # -- construction -------------------------------------------------------------------
    @classmethod
    def from_direction(cls, values: Any, space: PreferenceSpace = SPACE) -> "PreferenceProfile":
        """A certain profile from an AlignX direction (a list of 90 values in {0, 0.5, 1})."""
        vals = space.check_direction(values)
        dist = np.zeros((len(space), 3))
        dist[np.arange(len(space)), (vals * 2).astype(int)] = 1.0
        return cls(dist, vals, space=space)

    @classmethod
    def neutral(cls, space: PreferenceSpace = SPACE) -> "PreferenceProfile":
        """No preference on any dimension."""
        return cls.from_direction([0.5] * len(space), space)

    @classmethod
    def aggregate(cls, directions: Iterable[Any], space: PreferenceSpace = SPACE) -> "PreferenceProfile":
        """Combine persona items' directions exactly as AlignX does (docs/method.md §4).

        Mean per dimension; 1 where the mean >= 0.6, 0 where <= 0.4, else neutral. If every
        dimension ends neutral, with M = max and u = min of the means: when 1 - M < u the
        argmax dimension(s) become 1, otherwise the argmin dimension(s) become 0. The
        distribution is the share of items at each pole.
        """
        rows = [space.check_direction(d, f"directions[{i}]") for i, d in enumerate(directions)]
        if not rows:
            raise PreferenceError("aggregate needs at least one direction")
        stacked = np.stack(rows)  # (items, 90)
        m = stacked.mean(axis=0)
        vals = np.full(len(space), 0.5)
        vals[m >= 0.6] = 1.0
        vals[m <= 0.4] = 0.0
        if np.all(vals == 0.5):
            top, low = m.max(), m.min()
            if 1 - top < low:
                vals[m == top] = 1.0
            else:
                vals[m == low] = 0.0
        dist = np.stack([(stacked == v).mean(axis=0) for v in _POLE_VALUES], axis=1)
        conf = dist[np.arange(len(space)), (vals * 2).astype(int)]
        return cls(dist, vals, conf, space)

    # -- views ----------------------------------------------------------------------------
    @property
    def direction(self) -> list[float]:
        """The AlignX direction: 90 values in {0, 0.5, 1}."""
        return [float(v) for v in self.values]

    def evidence_for(self, dimension: int) -> list[Evidence]:
        """The evidence on one dimension, strongest first."""
        return sorted((e for e in self.evidence if e.dimension == dimension), key=lambda e: -abs(e.weight))

    def non_neutral(self) -> list[tuple[Dimension, float]]:
        """(dimension, value) for each dimension with a preference, in index order."""
        return [(self.space[i], float(v)) for i, v in enumerate(self.values) if v != 0.5]

    @property
    def labels(self) -> list[str]:
        """The labels of the non-neutral dimensions, in index order."""
        return [dim.label(v) for dim, v in self.non_neutral()]  # type: ignore[misc]

    def to_text(self) -> str:
        """docs/method.md §4's verbalisation: non-neutral labels in index order, joined by ', '."""
        return ", ".join(self.labels)

    @classmethod
    def from_text(cls, text: str, space: PreferenceSpace = SPACE) -> "PreferenceProfile":
        """Parse a verbalised profile by whole-label matching (labels may contain commas)."""
        if not isinstance(text, str):
            raise ProfileParseError(f"a profile must be a string, got {type(text).__name__}")
        values = [0.5] * len(space)
        for index, value in _parse_labels(text.strip(), space):
            if values[index] not in (0.5, value):
                raise ProfileParseError(
                    f"profile names both poles of dimension {index} ({space[index].name!r})"
                )
            values[index] = value
        return cls.from_direction(values, space)

    # -- serialisation ----------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict; :meth:`from_dict` reads it back."""
        return {
            "space_version": self.space.version,
            "values": self.direction,
            "distribution": np.round(self.distribution, 6).tolist(),
            "confidence": np.round(self.confidence, 6).tolist(),
            "evidence": [[e.dimension, e.item, round(e.weight, 6)] for e in self.evidence],
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], space: PreferenceSpace = SPACE) -> "PreferenceProfile":
        """Rebuild a profile written by :meth:`to_dict`, refusing another space's data."""
        if data.get("space_version") != space.version:
            raise PreferenceError(
                f"profile was made for preference space {data.get('space_version')!r}, "
                f"this SDK uses {space.version!r}; re-infer the profile"
            )
        try:
            evidence = [Evidence(int(d), int(i), float(w)) for d, i, w in data.get("evidence", [])]
            return cls(data["distribution"], data["values"], data["confidence"], space, evidence)
        except KeyError as exc:
            raise PreferenceError(f"profile data lacks the field {exc.args[0]!r}") from exc

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, PreferenceProfile):
            return NotImplemented
        return (
            self.space.version == other.space.version
            and np.array_equal(self.values, other.values)
            and np.allclose(self.distribution, other.distribution, atol=1e-6)
            and np.allclose(self.confidence, other.confidence, atol=1e-6)
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        text = self.to_text()
        return f"PreferenceProfile({text[:80] + '...' if len(text) > 80 else text!r})"


def _parse_labels(text: str, space: PreferenceSpace) -> list[tuple[int, float]]:
    """Split ``text`` into known labels; backtracks because labels contain ', '."""
    if not text:
        return []
    folded = text.casefold()
    # Longest first, so "Dislikes humor" is tried before any shorter label it could contain.
    labels = sorted(space.labels, key=len, reverse=True)
    failed: set[int] = set()
    furthest = [0]

    def parse(pos: int) -> list[tuple[int, float]] | None:
        if pos in failed:
            return None
        furthest[0] = max(furthest[0], pos)
        for label in labels:
            if not folded.startswith(label, pos):
                continue
            end = pos + len(label)
            if end == len(folded):
                return [space.labels[label]]
            sep = _SEPARATOR.match(folded, end)
            if sep and sep.end() < len(folded):
                rest = parse(sep.end())
                if rest is not None:
                    return [space.labels[label], *rest]
        failed.add(pos)
        return None

    result = parse(0)
    if result is None:
        snippet = text[furthest[0]: furthest[0] + 40]
        raise ProfileParseError(
            f"no known preference label at character {furthest[0]}: {snippet!r}; "
            "a profile is labels from the preference space joined by ', '"
        )
    return result
