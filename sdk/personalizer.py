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
profile from the history and the store keeps it with its evidence; overrides and locks are
applied on top (a lock survives every re-inference, an override lasts until new history
arrives); the local LLM answers under any registered conditioning (:mod:`edgealign.conditioning`):
the profile as instructions, as a steering vector, as labels (PBA), or the raw history (ICA),
PBA and ICA through a trained aligner (a LoRA adapter) when one is found for the model.
The bridge and the LLM load on first use. A lock serialises the store and profile work; the
model itself answers one request at a time (a streamed reply holds it until read or closed).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Sequence

import numpy as np

from .errors import ConfigError
from .persona import Choice, Comment, Description, PersonaItem
from .preferences import SPACE, Dimension, PreferenceProfile
from ._dimensions import Explanation, ProfileView, explain_top
from ._turns import TaskLike
from ._model_choice import (UNTUNED_PROMPT, UNTUNED_STEERED, aligner_folders, aligner_method, basis_for,  # noqa: F401
                            default_conditioning, given_paths, may_have_aligners)
from ._profiles import ProfileCache
from .protocols import Bridge, ChatModel
from .sampling import MAX_TOKENS, TEMPERATURE, TOP_P

if TYPE_CHECKING:
    from ._adapter import Adapter
    from ._stream import ChatStream, Reply
    from .home import Home
    from .steering import SteeringBasis
    from .store import AppTokens, Override, PersonaStore

#: How many of the newest history items ICA puts in the prompt.
ICA_ITEMS = 8

__all__ = ["Personalizer", "Explanation"]


class Personalizer:
    """Per-user personalization on this device. Open with :meth:`open`; close (or use
    ``with``) to release the database, the bridge and the model."""

    def __init__(self, store: "PersonaStore", *, bridge: Bridge | None = None, llm: ChatModel | None = None,
                 bridge_path: Path | None = None, llm_path: Path | None = None,
                 steering: "SteeringBasis | str | os.PathLike[str] | None" = None, n_threads: int | None = None,
                 n_ctx: int = 2048) -> None:
        """Prefer :meth:`open`. ``store`` is a PersonaStore; ``bridge`` / ``llm`` loaded
        objects (e.g. :mod:`edgealign.testing`'s fakes) or None to load from the paths on first
        use; ``steering`` a steering basis folder (or None) for the model at ``llm_path``."""
        self.store: "PersonaStore" = store
        """The encrypted persona store."""
        self._bridge, self._llm = bridge, llm
        self._bridge_path, self._llm_path = bridge_path, llm_path
        self._steering = steering
        self._steering_defaulted = False  # set by open() when the home's basis was taken unasked
        self._aligner: Any = False  # open() sets the aligner folders (None: the default ones)
        self._home: "Home | None" = None  # set by open(): where the model probe keeps its verdicts
        self._method: tuple[str | None] | None = None  # the model's own aligner method, read once
        self._profiles = ProfileCache()
        self._n_threads, self._n_ctx = n_threads, n_ctx
        self._lock = threading.RLock()

    @classmethod
    def open(cls, home: str | os.PathLike[str] | None = None, key: Any = None, *,
             bridge: Any = None, llm: Any = None, steering: Any = None,
             n_threads: int | None = None, n_ctx: int = 2048, aligner: Any = None) -> "Personalizer":
        """Open (or create) the store in ``home`` (default ``$EDGEALIGN_HOME``) with ``key``
        (32 bytes or a key source; default: passphrase from the environment, else keyring).

        ``bridge`` / ``llm``: a loaded PreferenceBridge / LocalLLM or a path to one; default
        the bridge in ``home/artifacts/bridge``, else the one shipped in the package, and the
        bundled SmolLM2. ``steering``: a
        steering basis folder built for that model; default ``home/artifacts/steering`` when it
        exists, else the basis shipped in the package for the bundled SmolLM2, when it was built
        for the model (else answers are not steered); ``False`` for none.
        ``n_threads`` / ``n_ctx``: the model's CPU threads and context in tokens (prompt, history
        and reply together) when it is loaded from a path.
        ``aligner``: a trained aligner folder (``edgealign export lora``; or a list, one per
        method) for that model; default ``home/artifacts/aligner``, else the aligner shipped
        in the package for the bundled model, else none; ``False`` for none. The ``pba`` and
        ``ica`` conditionings answer through the aligner named for them, and
        :attr:`default_conditioning` follows its recorded held-out figures.
        A bridge or model given as a path is checked here, before the store is opened
        (ArtifactError naming the file), not at the first answer."""
        from .home import Home
        from .store import PersonaStore

        where = Home(home)
        paths = given_paths(where, bridge, llm, steering, aligner)
        store = PersonaStore.open(where.create().store, key)
        default = where.default_steering if steering is None else None
        if default is not None:
            paths["steering"] = default
        out = cls(store, bridge=None if "bridge" in paths else bridge, llm=None if "llm" in paths else llm,
                  bridge_path=paths.get("bridge", where.default_bridge), llm_path=paths.get("llm"),
                  steering=paths.get("steering", steering or None), n_threads=n_threads, n_ctx=n_ctx)
        out._steering_defaulted, out._home, out._aligner = default is not None, where, aligner
        return out

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
    def bridge(self) -> Bridge:
        """The preference bridge, loaded on first use."""
        with self._lock:
            if self._bridge is None:
                from .bridge import PreferenceBridge

                if self._bridge_path is None:
                    raise ConfigError("this Personalizer has no preference bridge: give bridge= (a loaded one) "
                                      "or bridge_path=, or open it with Personalizer.open")
                self._bridge = PreferenceBridge.load(self._bridge_path, threads=self._n_threads)
            return self._bridge

    @property
    def llm(self) -> ChatModel:
        """The local LLM, loaded on first use."""
        with self._lock:
            if self._llm is None:
                from .llm import LocalLLM

                llm = LocalLLM.open(self._llm_path, n_threads=self._n_threads, n_ctx=self._n_ctx, home=self._home,
                                    adapter=self._aligner_folders())
                llm.steering = self._basis_for(llm.path)
                self._llm = llm
            return self._llm

    def _aligner_folders(self) -> Any:
        return aligner_folders(self._aligner, self._home, self._llm_path)

    def _may_have_aligners(self) -> bool:
        """Whether :meth:`aligners` can find any, without loading the model to ask."""
        return self._llm is not None or may_have_aligners(self._aligner, self._home)

    def aligners(self) -> list["Adapter"]:
        """The trained aligners answers use (:class:`edgealign._adapter.Adapter`, pba first);
        loads the model if needed."""
        from ._adapter import METHODS

        found = getattr(self.llm, "adapters", None) or {}
        return sorted(found.values(), key=lambda a: METHODS.index(a.method))

    def _basis_for(self, model: Path) -> "SteeringBasis | None":
        return basis_for(self._steering, self._steering_defaulted, model)

    # -- users and history ----------------------------------------------------------------------
    def add_user(self, name: str) -> bool:
        """Create ``name``; False if they already exist."""
        with self._lock:
            return self.store.add_user(name)

    def users(self) -> list[str]:
        with self._lock:
            return self.store.users()

    def has_user(self, name: str) -> bool:
        """Whether ``name`` exists."""
        with self._lock:
            return self.store.has_user(name)

    def export_user(self, user: str) -> dict[str, Any]:
        """Everything stored about ``user`` as one JSON-able document (plaintext: handle with care)."""
        with self._lock:
            return self.store.records.export_user(user)

    def import_user(self, document: Mapping[str, Any], name: str | None = None) -> str:
        """Create a user from an :meth:`export_user` document (as ``name`` if given); returns
        the name. DataError if that user exists."""
        with self._lock:
            return self.store.records.import_user(document, name)

    @property
    def tokens(self) -> "AppTokens":
        """The app tokens ``edgealign serve`` checks (create, revoke, list, authenticate)."""
        return self.store.tokens

    def record(self, user: str, items: Sequence[PersonaItem]) -> list[int]:
        """Add history items; the profile is re-inferred on next use, and plain overrides end
        here (new history lets inference decide again; locks stay), in the same transaction.
        No items is no news: nothing is added and every override stays."""
        if isinstance(items, Iterable) and not isinstance(items, (str, bytes, Mapping)):
            items = list(items)  # a generator is read once, here
        with self._lock:
            return self.store.records.add_items(user, items, end_overrides=items != [])

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
            return [s.item for s in self.store.records.items(user, limit=limit)]

    def forget(self, user: str) -> bool:
        """Erase ``user`` and everything about them (their key is destroyed)."""
        with self._lock:
            self._profiles.drop(user)
            return self.store.forget(user)

    # -- profiles -------------------------------------------------------------------------------
    def infer(self, user: str) -> PreferenceProfile:
        """Run the bridge on the user's history, keep the result with its evidence, return it
        with overrides and locks applied. The bridge reads every item back to its horizon,
        newest weighted most (see :mod:`edgealign.bridge`); the sentence embeddings of
        stored items are cached, encrypted, in the store, so only new items are encoded."""
        with self._lock:
            bridge = self.bridge
            stored = self.store.records.items(user, limit=bridge.horizon)
            ids = [s.id for s in stored]
            kept = {"item_ids": ids, "latest": max(ids, default=0)}
            if not bridge.reads_history:
                inferred = bridge.infer([s.item for s in stored])
                self.store.records.save_profile(user, inferred, kept)
                return self._apply(user, inferred)
            key = bridge.cache_key
            cached = self.store.embeddings.get(user, key, ids)
            missing = [s for s in stored if s.id not in cached]
            fresh = dict(zip((s.id for s in missing), bridge.encode([s.item for s in missing]))) if missing else {}
            inferred = bridge.infer([s.item for s in stored], [fresh.get(i, cached.get(i)) for i in ids])
            self.store.embeddings.put(user, key, fresh, profile=(inferred, kept))  # one write for both
            return self._apply(user, inferred)

    def profile(self, user: str) -> PreferenceProfile:
        """The current profile: the stored one if no history arrived since, else re-inferred.
        Kept in memory by the digest of the newest item and the overrides, so a chat whose
        history is unchanged decodes nothing and makes no bridge call."""
        return self._current(user)[0]

    def _current(self, user: str) -> "tuple[PreferenceProfile, dict[int, Override]]":
        """The current profile and the overrides applied to it, read once for both."""
        from ._profiles import history_digest

        with self._lock:
            newest = self.store.records.items(user, limit=1)
            overrides = self.store.records.overrides(user)
            digest = history_digest(newest, overrides)
            known = self._profiles.get(user, digest)
            if known is not None:
                return known, overrides
            saved = self.store.records.profile(user)
            latest = newest[0].id if newest else 0
            if saved is None or (saved[1] or {}).get("latest") != latest:
                out = self.infer(user)
            else:
                out = self._apply(user, saved[0], overrides)
            self._profiles.put(user, digest, out)
            return out, overrides

    def _apply(self, user: str, profile: PreferenceProfile, overrides: Mapping[int, Any] | None = None) -> PreferenceProfile:
        overrides = self.store.records.overrides(user) if overrides is None else overrides
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
            return self.store.records.clear_override(user, index)

    def _set(self, user: str, dimension: int | str, value: float | None, locked: bool) -> None:
        index, val = SPACE.resolve(dimension, value)
        with self._lock:
            self.store.records.set_override(user, index, val, locked=locked)

    def explain(self, user: str, top: int = 5) -> list[Explanation]:
        """The ``top`` non-neutral dimensions by confidence, each with what moved it and how
        hard it steers the model (when a steering basis is in use). ConfigError unless
        ``top`` is a whole number >= 0, as for :meth:`history`'s ``limit``."""
        return list(self.view(user, top).explained)

    def view(self, user: str, top: int = 5) -> ProfileView:
        """``user``'s current profile, where each dimension's value comes from (inferred,
        override, locked), their steering strength and the ``top`` dimensions explained (as
        :meth:`explain`): the profile computed and the overrides read once for all of it."""
        if isinstance(top, bool) or not isinstance(top, int) or top < 0:
            raise ConfigError(f"top must be a whole number of at least 0, {'not None' if top is None else f'got {top!r}'}")
        with self._lock:
            profile, overrides = self._current(user)
            strength = self.store.settings.strength(user)
            if not top:
                return ProfileView(user, profile, overrides, strength)
            saved = self.store.records.profile(user)
            ids = (saved[1] or {}).get("item_ids", []) if saved else []
            by_id = {s.id: s.item for s in self.store.records.items(user, limit=max(len(ids), 1))}
            basis = self.steering_basis()
            steer = basis.weights(profile, strength) if basis is not None else {}
        explained = explain_top(profile, overrides, [by_id.get(i) for i in ids], steer, top)
        return ProfileView(user, profile, overrides, strength, tuple(explained))

    # -- steering --------------------------------------------------------------------------------
    def steering_basis(self) -> "SteeringBasis | None":
        """The steering basis answers use (None without one); loads the model if needed."""
        if self._steering is None and self._llm is None:
            return None
        return getattr(self.llm, "steering", None)

    def strength(self, user: str) -> float:
        """How hard ``user``'s profile steers the model: 0 (off) to 2; 1 until set."""
        with self._lock:
            return self.store.settings.strength(user)

    def set_strength(self, user: str, strength: float) -> None:
        """Set ``user``'s steering strength (0 to 2; ConfigError outside)."""
        with self._lock:
            self.store.settings.set_strength(user, strength)

    @property
    def default_conditioning(self) -> str:
        """What :meth:`chat` uses when not told. With a trained aligner (LoRA adapter): the
        conditioning its manifest's held-out figures rank best among those usable here (its
        method, that method ``+steer``, ``instruct+steer``), or its method when it records none
        (docs/llm.md). A merged aligner model: its method. An untuned model: ``instruct+steer``
        with a steering basis, else ``instruct`` (docs/steering.md has the measurements)."""
        if self._method is None:  # the model's manifest is read once per open, not per chat
            self._method = (aligner_method(self._llm_path),)
        steered = self.steering_basis() is not None
        return default_conditioning(self._method[0], steered, self.aligners() if self._may_have_aligners() else [])

    # -- answers ---------------------------------------------------------------------------------
    def chat(self, user: str, task: TaskLike, *, conditioning: str | None = None, stream: bool = False,
             max_tokens: int = MAX_TOKENS, temperature: float = TEMPERATURE, top_p: float = TOP_P,
             stop: Sequence[str] | None = None, seed: int | None = None,
             take_over: bool = False) -> "Reply | ChatStream":
        """Answer ``task`` (a request, or an OpenAI-style message list) for ``user`` under
        ``conditioning`` (any name in :func:`edgealign.conditioning.names`; default
        :attr:`default_conditioning`). Returns a Reply (a str with token counts) or, with
        ``stream``, a ChatStream of text chunks (see :meth:`edgealign.LocalLLM.chat`). The turn
        is prepared once (:class:`~edgealign._request.PreparedRequest`: the conditioning
        resolved, the prompt rendered and tokenized) and handed to the model to decode."""
        from ._request import Preparer
        from .conditioning import get
        from .llm import check_sampling

        c = get(conditioning or self.default_conditioning)
        check_sampling(max_tokens=max_tokens, temperature=temperature, top_p=top_p)
        with self._lock:
            self.store.require_user(user)
            kw: dict[str, Any] = {}
            if "profile" in c.needs:
                kw["profile"] = self.profile(user)
            if "persona" in c.needs:
                kw["persona"] = list(reversed(self.history(user, limit=ICA_ITEMS)))
            if c.steers:
                kw["strength"] = self.store.settings.strength(user)
            llm = self.llm
        if isinstance(llm, Preparer):
            request = llm.prepare(task, conditioning=c, max_tokens=max_tokens, **kw)
            return llm.answer(request, temperature=temperature, top_p=top_p, stop=stop, seed=seed, stream=stream,
                              take_over=take_over)
        return llm.chat(task, conditioning=c.name, max_tokens=max_tokens, temperature=temperature, top_p=top_p,
                        stop=stop, seed=seed, stream=stream, take_over=take_over, **kw)
