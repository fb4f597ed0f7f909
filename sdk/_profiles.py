"""Profiles kept in memory by the digest of what they were computed from.

A chat reads the user's profile on every turn. The profile changes only when the history or
the overrides do, so :class:`ProfileCache` keeps the last one per user under a digest of the
newest history item (its id, time and content: a history only grows, and a forgotten user's
re-created history has other times) and of the overrides and locks. A chat whose history is
unchanged reads those two small records to compute the digest and makes no bridge call and
no profile decode. Only the digest and the profile live here, in memory; nothing is written.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any, Mapping, Sequence

from .preferences import PreferenceProfile

__all__ = ["ProfileCache", "history_digest"]


def history_digest(newest: Sequence[Any], overrides: Mapping[int, Any]) -> bytes:
    """A digest of a history (its newest stored item, or none) and its overrides."""
    h = hashlib.blake2b(digest_size=16)
    for stored in newest[:1]:
        h.update(repr((stored.id, stored.created_at, stored.item)).encode("utf-8"))
    h.update(b"\x00" + repr(sorted((d, o.value, o.locked) for d, o in overrides.items())).encode("utf-8"))
    return h.digest()


class ProfileCache:
    """The newest profile per user (at most ``max_users``, least recently used out)."""

    def __init__(self, max_users: int = 1024) -> None:
        self.max_users = max_users
        self._entries: OrderedDict[str, tuple[bytes, PreferenceProfile]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, user: str, digest: bytes) -> PreferenceProfile | None:
        with self._lock:
            entry = self._entries.get(user)
            if entry is None or entry[0] != digest:
                return None
            self._entries.move_to_end(user)
            return entry[1]

    def put(self, user: str, digest: bytes, profile: PreferenceProfile) -> None:
        with self._lock:
            self._entries[user] = (digest, profile)
            self._entries.move_to_end(user)
            while len(self._entries) > self.max_users:
                self._entries.popitem(last=False)

    def drop(self, user: str) -> None:
        with self._lock:
            self._entries.pop(user, None)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
