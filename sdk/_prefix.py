"""Saved llama.cpp states of conditioned prefixes, so a user's next turn starts after them.

A conditioned prompt begins with what does not depend on the task: the system message with
the user's instructions (``instruct``), the system instruction of ``pba`` / ``ica``, and the
chat template's opening of the user's turn. Evaluating it is the personalized part of the
time to first token. :class:`PrefixStates` keeps, per prefix, the KV cache llama.cpp computed
for it (``llama_state_seq_get_data``), keyed by the prefix's token ids, the steering vector and
the trained aligner: everything the cache depends on, so a state never serves a prompt it was
not computed for. Restoring one is a copy; the turn then evaluates only the tokens after it.
Held in memory, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Hashable

__all__ = ["PrefixStates"]


class PrefixStates:
    """At most ``max_entries`` saved prefix states, or ``max_bytes`` in all (LRU)."""

    def __init__(self, max_entries: int = 32, max_bytes: int = 64 << 20) -> None:
        self.max_entries, self.max_bytes = max_entries, max_bytes
        self._states: OrderedDict[Hashable, bytes] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = 0
        """Turns that started from a saved state."""
        self.saves = 0
        """Prefixes evaluated and saved."""

    def get(self, key: Hashable) -> bytes | None:
        with self._lock:
            state = self._states.get(key)
            if state is not None:
                self._states.move_to_end(key)
                self.hits += 1
            return state

    def put(self, key: Hashable, state: bytes) -> None:
        if len(state) > self.max_bytes:
            return
        with self._lock:
            old = self._states.pop(key, None)
            self._bytes -= len(old) if old is not None else 0
            self._states[key] = state
            self._bytes += len(state)
            self.saves += 1
            while len(self._states) > self.max_entries or self._bytes > self.max_bytes:
                self._bytes -= len(self._states.popitem(last=False)[1])

    def clear(self) -> None:
        """Forget every saved state (the next turn of each prefix evaluates it again)."""
        with self._lock:
            self._states.clear()
            self._bytes = 0

    def __len__(self) -> int:
        return len(self._states)
