"""Personalizer: the one object most apps need.

    from edgealign import Personalizer

    with Personalizer.open() as p:                   # $EDGEALIGN_HOME, passphrase or keyring
        p.add_user("ada")
        p.record_comment("ada", "Weekend plans?", "A long run, then the lab. Keep it short.")
        p.lock("ada", "Concise communication style")
        print(p.profile("ada").to_text())
        for chunk in p.chat("ada", "How should I spend a free weekend?", stream=True):
            print(chunk, end="")

History lives in the encrypted :class:`~edgealign.store.PersonaStore`; the bridge infers the
profile from the newest items and the store keeps it with its evidence; overrides and locks
are applied on top (a lock survives every re-inference, an override lasts until new history
arrives); the local LLM answers conditioned on the profile (PBA) or the raw history (ICA).
The bridge and the LLM load on first use. One lock serialises calls: llama.cpp contexts are
not thread-safe, and a personal assistant answers one request at a time anyway.
"""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from .errors import ConfigError
from .persona import Choice, Comment, Description, PersonaItem
from .preferences import SPACE, Dimension, PreferenceProfile

__all__ = ["Personalizer", "Explanation"]


@dataclass(frozen=True)
class Explanation:
    """Why a dimension has its value: the source and the items that moved it."""

    dimension: Dimension
    value: float
    confidence: float
    source: str
    """"inferred", "override" or "locked"."""
    items: tuple[tuple[PersonaItem, float], ...]
    """(item, evidence weight), strongest first; weight > 0 pushed towards the positive pole."""

    @property
    def label(self) -> str:
        return self.dimension.label(self.value) or f"neutral on {self.dimension.name}"


class Personalizer:
    """Per-user personalization on this device. Open with :meth:`open`; close (or use
    ``with``) to release the database, the bridge and the model."""

    def __init__(self, store: Any, *, bridge: Any = None, llm: Any = None,
                 bridge_path: Path | None = None, llm_path: Path | None = None, n_threads: int | None = None) -> None:
        self.store = store
        self._bridge, self._llm = bridge, llm
        self._bridge_path, self._llm_path = bridge_path, llm_path
        self._n_threads = n_threads
        self._lock = threading.RLock()

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, key: Any = None, *,
             bridge: Any = None, llm: Any = None, n_threads: int | None = None) -> "Personalizer":
        """Open (or create) the store in ``home`` (default ``$EDGEALIGN_HOME``) with ``key``
        (32 bytes or a key source; default: passphrase from the environment, else keyring).
        ``bridge`` / ``llm``: a loaded PreferenceBridge / LocalLLM or a path to one; default
        the bridge in ``home/artifacts/bridge`` and the bundled SmolLM2."""
        from .home import home_dir
        from .store import PersonaStore

        root = Path(home) if home is not None else home_dir()
        root.mkdir(parents=True, exist_ok=True)
        store = PersonaStore.open(root / "persona.db", key)
        bridge_path = Path(bridge) if isinstance(bridge, (str, os.PathLike)) else root / "artifacts" / "bridge"
        llm_path = Path(llm) if isinstance(llm, (str, os.PathLike)) else None
        return cls(store, bridge=None if isinstance(bridge, (str, os.PathLike)) else bridge,
                   llm=None if isinstance(llm, (str, os.PathLike)) else llm,
                   bridge_path=bridge_path, llm_path=llm_path, n_threads=n_threads)

    # -- lifecycle ----------------------------------------------------------------------------
    def close(self) -> None:
        """Close the store, the bridge and the model; safe to call twice."""
        with self._lock:
            for part in (self._llm, self._bridge):
                if part is not None:
                    part.close()
            self._llm = self._bridge = None
            self.store.close()

    def __enter__(self) -> "Personalizer":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def bridge(self) -> Any:
        """The preference bridge, loaded on first use."""
        with self._lock:
            if self._bridge is None:
                from .bridge import PreferenceBridge

                self._bridge = PreferenceBridge.load(self._bridge_path, threads=self._n_threads)
            return self._bridge

    @property
    def llm(self) -> Any:
        """The local LLM, loaded on first use."""
        with self._lock:
            if self._llm is None:
                from .llm import LocalLLM

                self._llm = LocalLLM.open(self._llm_path, n_threads=self._n_threads)
            return self._llm

    # -- users and history ----------------------------------------------------------------------
    def add_user(self, name: str) -> bool:
        """Create ``name``; False if they already exist."""
        with self._lock:
            return self.store.add_user(name)

    def users(self) -> list[str]:
        with self._lock:
            return self.store.users()

    def record(self, user: str, items: Sequence[PersonaItem]) -> list[int]:
        """Add history items (in one transaction); the profile is re-inferred on next use, and
        plain overrides end here (new history lets inference decide again; locks stay)."""
        with self._lock:
            ids = self.store.add_items(user, items)
            for dim, o in self.store.overrides(user).items():
                if not o.locked:
                    self.store.clear_override(user, dim)
            return ids

    def record_comment(self, user: str, prompt: str, comment: str) -> int:
        """Something ``user`` wrote in reply to ``prompt``."""
        return self.record(user, [Comment(prompt, comment)])[0]

    def record_choice(self, user: str, prompt: str, chosen: str, rejected: str) -> int:
        """``user`` preferred ``chosen`` over ``rejected`` (e.g. accepted one of two answers)."""
        return self.record(user, [Choice(prompt, chosen, rejected)])[0]

    def record_description(self, user: str, text: str) -> int:
        """How ``user`` describes themselves."""
        return self.record(user, [Description(text)])[0]

    def history(self, user: str, limit: int | None = None) -> list[PersonaItem]:
        """``user``'s items, newest first."""
        with self._lock:
            return [s.item for s in self.store.items(user, limit=limit)]

    def forget(self, user: str) -> bool:
        """Erase ``user`` and everything about them (their key is destroyed)."""
        with self._lock:
            return self.store.forget(user)

    # -- profiles -------------------------------------------------------------------------------
    def infer(self, user: str) -> PreferenceProfile:
        """Run the bridge on the user's history, keep the result with its evidence, return it
        with overrides and locks applied. The bridge reads every item back to its horizon,
        newest weighted most (see :mod:`edgealign.bridge`); the sentence embeddings of
        stored items are cached, encrypted, in the store, so only new items are encoded."""
        with self._lock:
            bridge = self.bridge
            stored = self.store.items(user, limit=bridge.horizon)
            embeddings = self._embeddings(user, bridge, stored) if bridge.reads_history else None
            inferred = bridge.infer([s.item for s in stored], embeddings)
            ids = [s.id for s in stored]
            self.store.save_profile(user, inferred, {"item_ids": ids, "latest": max(ids, default=0)})
            return self._apply(user, inferred)

    def _embeddings(self, user: str, bridge: Any, stored: list[Any]) -> list[Any]:
        """Per stored item, its sentence embeddings: cached ones, the rest encoded and cached."""
        key = bridge.cache_key
        cached = self.store.cached_embeddings(user, key, [s.id for s in stored])
        missing = [s for s in stored if s.id not in cached]
        if missing:
            fresh = dict(zip((s.id for s in missing), bridge.encode([s.item for s in missing])))
            self.store.cache_embeddings(user, key, fresh)
            cached.update(fresh)
        return [cached[s.id] for s in stored]

    def profile(self, user: str) -> PreferenceProfile:
        """The current profile: the stored one if no history arrived since, else re-inferred."""
        with self._lock:
            saved = self.store.profile(user)
            newest = self.store.items(user, limit=1)
            latest = newest[0].id if newest else 0
            if saved is None or (saved[1] or {}).get("latest") != latest:
                return self.infer(user)
            return self._apply(user, saved[0])

    def _apply(self, user: str, profile: PreferenceProfile) -> PreferenceProfile:
        overrides = self.store.overrides(user)
        if not overrides:
            return profile
        dist, values, conf = profile.distribution.copy(), profile.values.copy(), profile.confidence.copy()
        for dim, o in overrides.items():
            dist[dim] = np.eye(3)[int(o.value * 2)]
            values[dim], conf[dim] = o.value, 1.0
        return PreferenceProfile(dist, values, conf, evidence=profile.evidence)

    def override(self, user: str, dimension: int | str, value: float | None = None) -> None:
        """Set a dimension until new history arrives (then inference decides again)."""
        self._set(user, dimension, value, locked=False)

    def lock(self, user: str, dimension: int | str, value: float | None = None) -> None:
        """Set a dimension for good: inference never changes it."""
        self._set(user, dimension, value, locked=True)

    def clear(self, user: str, dimension: int | str) -> bool:
        """Remove an override or lock; False if there was none."""
        index = SPACE.resolve(dimension, needs_value=False)[0]
        with self._lock:
            return self.store.clear_override(user, index)

    def _set(self, user: str, dimension: int | str, value: float | None, locked: bool) -> None:
        index, val = SPACE.resolve(dimension, value)
        with self._lock:
            self.store.set_override(user, index, val, locked=locked)

    def explain(self, user: str, top: int = 5) -> list[Explanation]:
        """The ``top`` non-neutral dimensions by confidence, each with what moved it."""
        with self._lock:
            profile = self.profile(user)
            overrides = self.store.overrides(user)
            saved = self.store.profile(user)
            ids = (saved[1] or {}).get("item_ids", []) if saved else []
            by_id = {s.id: s.item for s in self.store.items(user, limit=max(len(ids), 1))}
        items = [by_id.get(i) for i in ids]
        ranked = sorted(profile.non_neutral(), key=lambda dv: -profile.confidence[dv[0].index])[:top]
        out = []
        for dim, value in ranked:
            o = overrides.get(dim.index)
            source = "inferred" if o is None else ("locked" if o.locked else "override")
            moved = tuple((items[e.item], e.weight) for e in profile.evidence_for(dim.index)
                          if e.item < len(items) and items[e.item] is not None)
            out.append(Explanation(dim, value, float(profile.confidence[dim.index]), source, moved[:3]))
        return out

    # -- answers ---------------------------------------------------------------------------------
    def chat(self, user: str, task: str, *, mode: str = "pba", stream: bool = False,
             max_tokens: int = 256, temperature: float = 0.7) -> str | Iterator[str]:
        """Answer ``task`` for ``user``: ``mode`` "pba" (their profile), "ica" (their newest
        history) or "none" (no personalization)."""
        if mode not in ("pba", "ica", "none"):
            raise ConfigError(f"mode must be 'pba', 'ica' or 'none', got {mode!r}")
        with self._lock:
            kw: dict[str, Any] = {}
            if mode == "pba":
                kw["profile"] = self.profile(user)
            elif mode == "ica":
                kw["persona"] = list(reversed(self.history(user, limit=8)))
            reply = self.llm.chat(task, conditioning=mode, max_tokens=max_tokens, temperature=temperature,
                                  stream=stream, **kw)
            return _locked_stream(reply, self._lock) if stream else reply


def _locked_stream(chunks: Iterator[str], lock: threading.RLock) -> Iterator[str]:
    """Hold the lock while a streamed reply is consumed: the model is busy until it ends."""
    with lock:
        yield from chunks
