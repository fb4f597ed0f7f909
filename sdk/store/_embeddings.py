"""The preference bridge's sentence-embedding cache, kept in the store under each user's key.

Re-reading a whole history through the bridge would encode every sentence again on every
new item; the cache keeps, per stored item, the float32 embeddings of its sentences (see
:meth:`edgealign.bridge.PreferenceBridge.encode`), so a new item costs one encode; it is the
store's ``embeddings`` room. Embeddings say what a user wrote almost as plainly as the text,
so they are sealed like items: AES-GCM under the user's data key, bound to (user, table, item
id, column and the cache key). The cache key names the bridge graph and tokenizer that made
them (``PreferenceBridge.cache_key``); rows under another key are never returned and are
deleted on the next write, so a new bridge artifact invalidates the cache. Forgetting a user
deletes their rows with the rest, and their key is destroyed anyway.

Plaintext columns: item id, user id, cache key. The payload is ``rows, dim`` (two uint32,
little-endian) followed by the float32 values.
"""

from __future__ import annotations

import re
import struct
from typing import Any, Mapping, Sequence

import numpy as np
import sqlite_utils

from ..errors import DataError, StoreError
from ..preferences import PreferenceProfile
from ._crypto import UserCipher
from ._history import put_profile
from ._records import encode_profile
from ._vault import Vault

__all__ = ["EmbeddingCache", "TABLE"]

TABLE = "embedding_cache"
_HEADER = struct.Struct("<II")
_KEY = re.compile(r"[0-9a-zA-Z_.:-]{1,128}")
_BATCH = 500  # ids per IN (...) query, under SQLite's host-parameter limit


def _column(key: str) -> str:
    return f"payload@{key}"


def _check_key(key: Any) -> str:
    if not isinstance(key, str) or not _KEY.fullmatch(key):
        raise DataError(f"a cache key must be 1-128 letters, digits or _.:- characters, got {key!r}")
    return key


def _pack(item_id: Any, value: Any) -> tuple[int, bytes]:
    if isinstance(item_id, bool) or not isinstance(item_id, int):
        raise DataError(f"an item id must be an integer, got {type(item_id).__name__}")
    array = np.asarray(value, dtype=np.float32)
    if array.ndim != 2 or not np.isfinite(array).all():
        raise DataError(f"embeddings of item {item_id} must be a finite (sentences, dim) array")
    return item_id, _HEADER.pack(*array.shape) + np.ascontiguousarray(array, dtype="<f4").tobytes()


def _unpack(raw: bytes, item_id: int) -> "np.ndarray[Any, np.dtype[np.float32]]":
    try:
        rows, dim = _HEADER.unpack_from(raw)
        return np.frombuffer(raw, dtype="<f4", offset=_HEADER.size).reshape(rows, dim).astype(np.float32)
    except (struct.error, ValueError) as exc:  # authenticated: a faulty writer, not an attacker
        raise StoreError(f"{TABLE} record {item_id} is malformed: {exc}") from exc


class EmbeddingCache:
    """``store.embeddings``: the bridge's per-item sentence embeddings, by cache key."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def get(self, user: str, key: str, item_ids: Sequence[int]) -> "dict[int, np.ndarray[Any, np.dtype[np.float32]]]":
        """Cached embeddings of ``user``'s items ``item_ids`` made under ``key``; absent ids
        (never cached, or under another key) are missing from the result."""
        key = _check_key(key)
        cipher = self._vault.cipher(user)
        ids = list(dict.fromkeys(int(i) for i in item_ids))
        rows: list[tuple[int, bytes]] = []
        for start in range(0, len(ids), _BATCH):
            batch = ids[start:start + _BATCH]
            sql = (f"SELECT item_id, payload FROM {TABLE} WHERE uid = ? AND cache_key = ? "
                   f"AND item_id IN ({','.join('?' * len(batch))})")
            rows += self._vault.db.read(lambda db: db.execute(sql, [cipher.uid, key, *batch]).fetchall())
        plain = cipher.open_many(TABLE, _column(key), rows)
        return {i: _unpack(raw, i) for (i, _), raw in zip(rows, plain)}

    def put(self, user: str, key: str, embeddings: Mapping[int, Any], *,
            profile: tuple[PreferenceProfile, Any] | None = None) -> None:
        """Keep ``embeddings`` (item id -> (sentences, dim) array) of ``user``'s items under
        ``key``, replacing their old rows and dropping the user's rows under any other key.
        ``profile``: a ``(profile, evidence)`` pair to save as ``store.records.save_profile``
        does, in the same transaction (one durable write per profile update, not two). Raises
        DataError, writing nothing, for an id that is not one of ``user``'s items."""
        key = _check_key(key)
        packed = [_pack(i, v) for i, v in embeddings.items()]
        raw = None if profile is None else encode_profile(*profile, self._vault.max_text_bytes)

        def run(db: sqlite_utils.Database, cipher: UserCipher) -> None:
            db.execute(f"DELETE FROM {TABLE} WHERE uid = ? AND cache_key != ?", [cipher.uid, key])
            if raw is not None:
                put_profile(db, cipher, raw)
            if not packed:
                return
            _require_items(db, cipher, user, [i for i, _ in packed])
            blobs = cipher.seal_many(TABLE, _column(key), packed)
            db.table(TABLE).insert_all([{"item_id": i, "uid": cipher.uid, "cache_key": key, "payload": b}
                                        for (i, _), b in zip(packed, blobs)], replace=True, batch_size=_BATCH)
        self._vault.write_user(user, run)

    def clear(self, user: str) -> None:
        """Drop every cached embedding of ``user``."""
        self._vault.write_user(user, lambda db, cipher: db.execute(
            f"DELETE FROM {TABLE} WHERE uid = ?", [cipher.uid]))


def _require_items(db: sqlite_utils.Database, cipher: UserCipher, user: str, ids: list[int]) -> None:
    """DataError for the first of ``ids`` that is not one of the user's items."""
    found: set[int] = set()
    for start in range(0, len(ids), _BATCH):
        batch = ids[start:start + _BATCH]
        found.update(r[0] for r in db.execute(
            f"SELECT id FROM items WHERE uid = ? AND id IN ({','.join('?' * len(batch))})",
            [cipher.uid, *batch]).fetchall())
    stray = [i for i in ids if i not in found]
    if stray:
        raise DataError(f"item {stray[0]} is not one of {user!r}'s items")
