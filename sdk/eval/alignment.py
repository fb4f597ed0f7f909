"""Alignment accuracy (docs/method.md §6), computed on the device with local GGUF models.

For a record with task x, chosen y+ and rejected y-, the implicit DPO reward is::

    r(y) = beta * (log pi_policy(y | x_c) - log pi_ref(y | x_ref))

summed over the response's tokens plus EOS, where x_c is the task under the evaluated
conditioning (any registered one, :mod:`edgealign.conditioning`: ``none`` the task alone
(``base`` is its old name here), ``pba`` the verbalised profile, ``ica`` the raw persona,
``instruct`` the profile as instructions, ``steer`` the profile as a control vector, and
combinations). The record is correct when r(y+) > r(y-), strictly: a tie is wrong.

The reference reads the same prompt as the policy when it is another model (docs/method.md §6: a tuned
aligner against its untuned base). When the policy *is* the reference (one model, the
default), the same prompt would make every reward 0, so the reference reads the task alone
and the score is the model's zero-shot conditioning gain: does putting the persona in the
prompt move probability towards the user's choice?

Beside ``accuracy`` the result carries:

- ``length_baseline_accuracy``: "the longer response wins" (characters, strict). Some
  benchmarks reward length alone (docs/method.md §6's P-Soups caveat), so read accuracy beside it.
- ``no_persona_accuracy``: the same rewards with the persona emptied (the ICA template with
  no items, a profile conditioning with an empty profile); ``none`` has no persona, so it
  equals ``accuracy`` there.
- ``sweep``: accuracy with the first 0, 1, 2 and 4 persona items (description first, then
  comments, then choices; records with fewer items are left out of that point). For a
  profile conditioning the profile is rebuilt from those items' directions, else by the bridge.
- ``controllability`` (profile conditionings only): the profile is flipped on the dimensions on which chosen and
  rejected differ. AlignX does not annotate responses, so those are the dimensions where the
  record's own direction is non-neutral (the chosen reply honours the user's poles there and
  the rejected one the opposite poles), or the profile's non-neutral dimensions when the
  record has no direction; all of them are set to the opposite of the user's pole at once.
  ``flipped_accuracy`` is the accuracy under the flipped profile (lower is better: a
  controllable model now prefers the rejected reply) and ``flip_rate`` the share of records
  whose preference reversed.
- ``swap`` (with ``swap=True``): every record scored a second time with the persona of
  *another user in the same file at the opposite pole* (:func:`swap_partners`): the user
  whose direction is the opposite of the record's on the most of its target dimensions
  (its non-neutral ones) and agrees on none. That user's own persona is read, as the
  conditioning reads any persona: its profile for a profile conditioning (the partner's
  profile text, directions or bridge, by ``profile_source``), its history items for ``ica``.
  This is a real opposite user, not the record's own profile flipped (that is
  ``controllability``): distractor labels and history differ as they would between two
  people. ``swapped_accuracy`` should fall well below ``accuracy``; ``swap_gap`` is matched
  minus swapped accuracy on the records that have a partner (records with none are counted
  and left out). ``none`` reads no persona, so its gap is 0 by construction.

Log-probabilities are cached by each :class:`~edgealign.llm.LocalLLM` per (rendered prompt,
response), so every (model, prompt, response) is scored once across all of these figures.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from itertools import islice
from typing import Any, Iterable, Protocol, Sequence

from ..data import Record
from ..conditioning import get
from ..errors import ConfigError, DataError, PreferenceError
from ..llm import LocalLLM
from ..persona import PersonaItem
from ..preferences import PreferenceProfile
from ._swap import swap_partners, target_poles

__all__ = ["alignment_accuracy", "load_bridge", "swap_partners", "PROFILE_SOURCES", "SWEEP"]

PROFILE_SOURCES = ("given", "directions", "bridge")
SWEEP = (0, 1, 2, 4)
_CHAINS = {"given": ("given", "directions", "bridge"), "directions": ("directions", "bridge"), "bridge": ("bridge",)}
_SAME = "same model, task alone (zero-shot conditioning gain)"


class Bridge(Protocol):
    """What is needed of a preference bridge: a profile from persona items."""

    def infer(self, items: Sequence[PersonaItem]) -> PreferenceProfile: ...


def load_bridge(folder: str, threads: int | None = 1) -> Bridge:
    """Open a :class:`edgealign.bridge.PreferenceBridge` artifact folder (imported here, not
    at the top: this module needs only the duck type, and onnxruntime only when asked)."""
    from ..bridge import PreferenceBridge

    return PreferenceBridge.load(folder, threads=threads)


@dataclass
class _Tally:
    correct: int = 0
    n: int = 0

    def add(self, ok: bool) -> None:
        self.correct += ok
        self.n += 1

    def share(self) -> float | None:
        return self.correct / self.n if self.n else None


@dataclass
class _Rewards:
    """r(y) for one policy/reference pair; the models remember every log-probability."""

    policy: LocalLLM
    reference: LocalLLM
    beta: float

    @property
    def same(self) -> bool:
        return self.policy is self.reference

    def prefers_chosen(self, record: Record, kw: dict[str, Any]) -> tuple[bool, float]:
        """(r(chosen) > r(rejected), r(chosen) - r(rejected)) under the policy conditioning kw."""
        ref_kw = {"conditioning": "none"} if self.same else kw
        # Both replies under one prompt, then both under the other: the scorer then evaluates
        # each prompt once and only the replies' tokens after it.
        replies = (record.chosen, record.rejected)
        policy = [self.policy.score(record.prompt, y, **kw) for y in replies]
        reference = [self.reference.score(record.prompt, y, **ref_kw) for y in replies]
        chosen, rejected = (self.beta * (p - r) for p, r in zip(policy, reference))
        return chosen > rejected, chosen - rejected


@dataclass
class _Profiles:
    """Where PBA profiles come from: the record's text, its directions, or the bridge."""

    chain: tuple[str, ...]
    bridge: Bridge | None
    used: dict[str, int] = field(default_factory=dict)

    def main(self, record: Record, items: list[PersonaItem], count: bool = True) -> PreferenceProfile | str:
        for source in self.chain:
            profile = self._from(source, record, items, own_direction=True)
            if profile is not None:
                self.used[source] = self.used.get(source, 0) + count
                return profile
        raise DataError(
            f"record {record.prompt[:40]!r}... has no profile under --profile-source {self.chain[0]} "
            "(no profile text, no directions); give a bridge with --bridge DIR"
        )

    def from_items(self, record: Record, items: list[PersonaItem]) -> PreferenceProfile | None:
        """A profile from these items only (for the sweep): their directions, else the bridge."""
        for source in ("directions", "bridge"):
            profile = self._from(source, record, items, own_direction=False)
            if profile is not None:
                return profile
        return None

    def _from(self, source: str, record: Record, items: list[PersonaItem], own_direction: bool):
        if source == "given":
            return record.profile or None
        if source == "bridge":
            return self.bridge.infer(items) if self.bridge is not None and items else None
        directions = [i.direction for i in items if getattr(i, "direction", None) is not None]
        if directions:
            return PreferenceProfile.aggregate(directions)
        return PreferenceProfile.from_direction(record.direction) if own_direction and record.direction else None


def _check(mode: str, profile_source: str, bridge: Bridge | None, same: bool, beta: float) -> None:
    if profile_source not in PROFILE_SOURCES:
        raise ConfigError(f"profile source must be one of {', '.join(PROFILE_SOURCES)}, got {profile_source!r}")
    if profile_source == "bridge" and bridge is None:
        raise ConfigError("profile source 'bridge' needs a bridge (--bridge DIR)")
    if mode == "none" and same:
        raise ConfigError(
            "mode 'none' (or 'base') scores a policy against a separate reference model; with one model "
            "every reward is 0. Give --model (the tuned GGUF) and --ref, or another --mode"
        )
    if beta <= 0:
        raise ConfigError(f"beta must be positive, got {beta}")


def _kw(mode: str, profile: PreferenceProfile | str | None, items: list[PersonaItem] | None) -> dict[str, Any]:
    needs = get(mode).needs
    kw: dict[str, Any] = {"conditioning": mode}
    if "profile" in needs:
        kw["profile"] = profile if profile is not None else ""
    if "persona" in needs:
        kw["persona"] = items or []
    return kw


def _profiled(mode: str) -> bool:
    return "profile" in get(mode).needs


def _flipped(record: Record, profile: PreferenceProfile | str) -> PreferenceProfile | None:
    """The profile set opposite to the user on the dimensions where chosen and rejected differ."""
    try:
        base = PreferenceProfile.from_text(profile) if isinstance(profile, str) else profile
    except PreferenceError:
        return None
    values = list(base.values)
    user = record.direction or tuple(values)
    dims = [d for d, v in enumerate(user) if v != 0.5]
    if not dims:
        return None
    for d in dims:
        values[d] = 1.0 - user[d]
    return PreferenceProfile.from_direction(values)


def alignment_accuracy(
    records: Iterable[Record],
    policy: LocalLLM,
    reference: LocalLLM | None = None,
    *,
    mode: str = "base",
    profile_source: str = "given",
    bridge: Bridge | None = None,
    beta: float = 0.1,
    limit: int | None = None,
    items: int | None = None,
    sweep: Sequence[int] = SWEEP,
    controllability: bool = True,
    swap: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Alignment accuracy of ``policy`` against ``reference`` (None or the policy itself: the
    zero-shot conditioning gain, see the module docstring) on AlignX ``records``.

    ``mode`` is any registered conditioning (``base`` = ``none``); ``profile_source`` where
    profiles start (given: the
    record's ``profile`` text, else directions, else ``bridge``; directions: persona items'
    directions aggregated as docs/method.md §4, else the record's own direction, else the bridge;
    bridge: ``bridge.infer(items)``). ``items`` caps the persona items per record and
    ``limit`` the records. Returns one JSON-ready dict with at least ``n``, ``accuracy``,
    ``length_baseline_accuracy``, ``no_persona_accuracy``, ``sweep`` and ``controllability``;
    with ``swap`` also ``swapped_accuracy``, ``swap_gap`` and ``swap`` (see the module docstring:
    the records are then read into memory, and partners are sought in all of them, not only
    the first ``limit``).
    """
    reference = policy if reference is None else reference
    mode = get(mode).name
    _check(mode, profile_source, bridge, policy is reference, beta)
    run = _Run(_Rewards(policy, reference, beta), mode, _Profiles(_CHAINS[profile_source], bridge), items, tuple(sweep))
    started = time.perf_counter()
    if swap:
        records = list(records)
        run.partners = [None if p is None else records[p] for p in swap_partners(records)]
    total = min(limit or len(records), len(records)) if isinstance(records, list) else limit
    chosen = islice(records, limit) if limit is not None else records
    for i, record in enumerate(_progress(chosen, progress, total)):
        run.add(record, controllability and _profiled(mode))
        if swap and run.partners is not None:
            run.swap(record, run.partners[i])
    return run.result(profile_source, time.perf_counter() - started)


def _progress(records: Iterable[Record], on: bool, total: int | None) -> Iterable[Record]:
    if not on:
        return records
    from tqdm import tqdm

    return tqdm(records, total=total, desc="scoring", unit="record")


@dataclass
class _Run:
    """The running tallies of one evaluation."""

    rewards: _Rewards
    mode: str
    profiles: _Profiles
    items: int | None
    sweep: tuple[int, ...]
    main: _Tally = field(default_factory=_Tally)
    length: _Tally = field(default_factory=_Tally)
    empty: _Tally = field(default_factory=_Tally)
    flipped: _Tally = field(default_factory=_Tally)
    reversed: _Tally = field(default_factory=_Tally)
    points: dict[int, _Tally] = field(default_factory=dict)
    ties: int = 0
    margin_sum: float = 0.0
    partners: list[Record | None] | None = None
    matched: _Tally = field(default_factory=_Tally)
    swapped: _Tally = field(default_factory=_Tally)
    partner_kinds: dict[str, int] = field(default_factory=dict)
    last_ok: bool = False

    def add(self, record: Record, control: bool) -> None:
        persona = list(record.persona.items())
        used = persona if self.items is None else persona[: self.items]
        profile = self.profiles.main(record, used) if _profiled(self.mode) else None
        ok, margin = self.rewards.prefers_chosen(record, _kw(self.mode, profile, used))
        self.main.add(ok)
        self.last_ok = ok
        self.ties += margin == 0
        self.margin_sum += margin
        self.length.add(len(record.chosen) > len(record.rejected))
        self.empty.add(ok if self.mode == "none" else self._ok(record, _kw(self.mode, None, [])))
        if self.mode != "none":
            self._sweep(record, persona)
        if control and profile is not None:
            self._control(record, profile, margin)

    def swap(self, record: Record, partner: Record | None) -> None:
        """Score ``record`` again under ``partner``'s persona (the user at the opposite pole)."""
        t = target_poles(record)
        kind = "none" if partner is None else (
            "all_opposite" if all(target_poles(partner).get(d) == 1.0 - v for d, v in t.items()) else "partly_opposite")
        self.partner_kinds[kind] = self.partner_kinds.get(kind, 0) + 1
        if partner is None:
            return
        self.matched.add(self.last_ok)
        if self.mode == "none":  # no persona is read: the same prompt, the same answer
            self.swapped.add(self.last_ok)
            return
        persona = list(partner.persona.items())
        used = persona if self.items is None else persona[: self.items]
        profile = self.profiles.main(partner, used, count=False) if _profiled(self.mode) else None
        self.swapped.add(self._ok(record, _kw(self.mode, profile, used)))

    def _ok(self, record: Record, kw: dict[str, Any]) -> bool:
        return self.rewards.prefers_chosen(record, kw)[0]

    def _sweep(self, record: Record, persona: list[PersonaItem]) -> None:
        for k in self.sweep:
            if k > len(persona):
                continue  # this record cannot show k items
            first = persona[:k]
            profile = (self.profiles.from_items(record, first) if k else "") if _profiled(self.mode) else None
            if _profiled(self.mode) and profile is None:
                continue  # no directions and no bridge: no profile from these items
            self.points.setdefault(k, _Tally()).add(self._ok(record, _kw(self.mode, profile, first)))

    def _control(self, record: Record, profile: PreferenceProfile | str, margin: float) -> None:
        flipped = _flipped(record, profile)
        if flipped is None:
            return
        ok, flipped_margin = self.rewards.prefers_chosen(record, _kw(self.mode, flipped, []))
        self.flipped.add(ok)
        self.reversed.add(flipped_margin * margin < 0)

    def result(self, profile_source: str, seconds: float) -> dict[str, Any]:
        n, same = self.main.n, self.rewards.same
        return {
            "n": n,
            "mode": self.mode,
            "accuracy": self.main.share(),
            "length_baseline_accuracy": self.length.share(),
            "no_persona_accuracy": self.empty.share(),
            "ties": self.ties,
            "mean_margin": self.margin_sum / n if n else None,
            "sweep": {str(k): {"n": t.n, "accuracy": t.share()} for k, t in sorted(self.points.items())},
            "controllability": self._control_result(),
            "beta": self.rewards.beta,
            "reference": _SAME if same else "separate model, same prompt",
            "policy_model": self.rewards.policy.path.name,
            "reference_model": self.rewards.reference.path.name,
            "profile_source": profile_source if _profiled(self.mode) else None,
            "profile_sources_used": dict(self.profiles.used),
            "seconds": round(seconds, 2),
            **self._swap_result(),
        }

    def _swap_result(self) -> dict[str, Any]:
        if self.partners is None:
            return {}
        matched, swapped = self.matched.share(), self.swapped.share()
        gap = None if matched is None or swapped is None else matched - swapped
        return {"swapped_accuracy": swapped, "swap_gap": gap, "swap": {
            "n": self.swapped.n, "matched_accuracy": matched, "swapped_accuracy": swapped, "gap": gap,
            "partners": dict(self.partner_kinds),
            "note": "none reads no persona: gap 0 by construction" if self.mode == "none" else
                    "persona of another user in the file at the opposite pole of the record's target dimensions"}}

    def _control_result(self) -> dict[str, Any] | None:
        if not _profiled(self.mode):
            return None
        return {"n": self.flipped.n, "flipped_accuracy": self.flipped.share(), "flip_rate": self.reversed.share()}
