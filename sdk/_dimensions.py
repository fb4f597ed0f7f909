"""Where each dimension's value comes from, and a profile as one row per dimension.

The rule (a lock wins, then an override, else inference) and the row every view of a profile
shows (``edgealign profile``, the server's profile document) are written here once.
:class:`ProfileView` is what :meth:`edgealign.Personalizer.view` returns: a user's profile,
their overrides and their ``top`` explained dimensions, read together once.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal, Mapping, Sequence

from .persona import PersonaItem
from .preferences import Dimension, PreferenceProfile

if TYPE_CHECKING:  # the store (SQLCipher, sqlite-utils) loads when a Personalizer opens one
    from .store import Override

__all__ = ["Explanation", "ProfileView", "Source", "value_source", "explain_top"]

Source = Literal["inferred", "override", "locked"]


def value_source(override: Override | None) -> Source:
    """Where a dimension's value comes from, given its override (None: it has none)."""
    if override is None:
        return "inferred"
    return "locked" if override.locked else "override"


@dataclass(frozen=True)
class Explanation:
    """Why a dimension has its value: the source and the items that moved it."""

    dimension: Dimension
    value: float
    confidence: float
    source: Source
    """"inferred", "override" or "locked"."""
    items: tuple[tuple[PersonaItem, float], ...]
    """(item, evidence weight), strongest first; weight > 0 pushed towards the positive pole."""
    steer: float | None = None
    """How hard this dimension steers the model (signed weight, > 0 towards the positive pole;
    the user's strength included), or None when it does not steer (no basis, or none for it)."""

    @property
    def label(self) -> str:
        return self.dimension.label(self.value) or f"neutral on {self.dimension.name}"


def explain_top(profile: PreferenceProfile, overrides: Mapping[int, Override],
                items: Sequence[PersonaItem | None], steer: Mapping[int, float], top: int) -> list[Explanation]:
    """The ``top`` non-neutral dimensions of ``profile`` by confidence, each with its source,
    the (up to 3) ``items`` that moved it most (``items[i]``: the item the profile's evidence
    calls ``i``, None when it is gone) and its steering weight from ``steer``."""
    ranked = sorted(profile.non_neutral(), key=lambda dv: -profile.confidence[dv[0].index])[:top]
    out = []
    for dim, value in ranked:
        moved = tuple((item, e.weight) for e in profile.evidence_for(dim.index)
                      if e.item < len(items) and (item := items[e.item]) is not None)
        out.append(Explanation(dim, value, float(profile.confidence[dim.index]), value_source(overrides.get(dim.index)),
                               moved[:3], steer.get(dim.index)))
    return out


@dataclass(frozen=True)
class ProfileView:
    """A user's current profile with where each value comes from and the strongest dimensions
    explained, read once (see :meth:`edgealign.Personalizer.view`)."""

    user: str
    profile: PreferenceProfile
    """With overrides and locks applied."""
    overrides: Mapping[int, Override]
    strength: float
    """The user's steering strength (0 to 2)."""
    explained: tuple[Explanation, ...] = field(default=())
    """The ``top`` non-neutral dimensions by confidence, strongest first."""

    def source(self, index: int) -> Source:
        """Where dimension ``index``'s value comes from."""
        return value_source(self.overrides.get(index))

    def rows(self, *, evidence: bool = False) -> list[dict[str, Any]]:
        """One JSON-able row per dimension: index, group, name, value, label ("neutral" at
        0.5), the two pole labels, confidence and source; with ``evidence``, also the history
        items that moved it (strongest first) for the explained dimensions, else ``[]``."""
        explained = {e.dimension.index: e for e in self.explained}
        rows = []
        for dim in self.profile.space:
            value = float(self.profile.values[dim.index])
            row: dict[str, Any] = {
                "index": dim.index, "group": dim.group, "name": dim.name, "value": value,
                "label": dim.label(value) or "neutral", "positive": dim.positive_label,
                "negative": dim.negative_label, "confidence": round(float(self.profile.confidence[dim.index]), 4),
                "source": self.source(dim.index)}
            if evidence:
                e = explained.get(dim.index)
                row["evidence"] = [{"item": item.to_dict(), "weight": round(float(w), 4)}
                                   for item, w in (e.items if e else ())]
            rows.append(row)
        return rows
