"""The records room: each user's persona history, overrides and inferred profile, and the
export document that carries them from one store to another.

Items, the overrides and the profile are sealed under the user's key (tables ``items``,
``overrides``, ``profiles``); see docs/store.md for the schema.
"""

from __future__ import annotations

import json
import time
from typing import Any, Callable, Iterable, Mapping

import sqlite_utils

from ..errors import ConfigError, DataError, StoreError
from ..persona import PersonaItem, item_from_dict
from ..preferences import PreferenceProfile
from . import _records as rec
from ._crypto import UserCipher
from ._records import Override, StoredItem
from ._vault import Vault

__all__ = ["Records", "put_profile"]

_INSERT_BATCH = 500


def put_profile(db: sqlite_utils.Database, cipher: UserCipher, raw: bytes) -> None:
    """Write a user's profile row (``raw``: :func:`~._records.encode_profile`'s plaintext);
    the embedding cache calls it too, to save a profile in its own transaction."""
    blob = cipher.seal("profiles", cipher.uid, "payload", raw)
    db.table("profiles").insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob}, replace=True)


def _insert_items(db: sqlite_utils.Database, cipher: UserCipher, rows: list[tuple[float, bytes]]) -> list[int]:
    first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0]
    ids = list(range(first, first + len(rows)))
    blobs = cipher.seal_many("items", "payload", [(i, p) for i, (_, p) in zip(ids, rows)])
    records = [{"id": i, "uid": cipher.uid, "created_at": t, "payload": b}
               for i, (t, _), b in zip(ids, rows, blobs)]
    if records:
        db.table("items").insert_all(records, batch_size=_INSERT_BATCH)
    return ids


def _put_overrides(db: sqlite_utils.Database, cipher: UserCipher, new: Mapping[int, Override]) -> None:
    if not new:
        db.execute("DELETE FROM overrides WHERE uid = ?", [cipher.uid])
        return
    blob = cipher.seal("overrides", cipher.uid, "payload", rec.encode_overrides(new))
    db.table("overrides").insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob}, replace=True)


def _read_overrides(db: sqlite_utils.Database, cipher: UserCipher) -> dict[int, Override]:
    row = db.execute("SELECT payload FROM overrides WHERE uid = ?", [cipher.uid]).fetchone()
    if row is None:
        return {}
    raw = cipher.open("overrides", cipher.uid, "payload", row[0])
    return rec.decode_overrides(raw, f"overrides record {cipher.uid}")


def _item(raw: bytes, item_id: int) -> PersonaItem:
    try:
        return item_from_dict(json.loads(raw.decode("utf-8")))
    except (ValueError, DataError) as exc:  # authenticated, so a faulty writer, not an attacker
        raise StoreError(f"items record {item_id} holds a malformed item: {exc}") from exc


class Records:
    """``store.records``: users' history items, overrides and locks, inferred profiles, and
    one user's whole record as an export document. An unknown user raises UnknownUserError."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    # -- items -------------------------------------------------------------------------------
    def add_item(self, user: str, item: PersonaItem | Mapping[str, Any]) -> int:
        """Store one persona item for ``user``; returns its id."""
        return self.add_items(user, [item])[0]

    def add_items(self, user: str, items: Iterable[PersonaItem | Mapping[str, Any]], *,
                  end_overrides: bool = False) -> list[int]:
        """Store several items in one transaction: all of them, or (on any error) none. With
        ``end_overrides``, the same transaction also drops ``user``'s unlocked overrides (new
        history lets inference decide again; locks stay)."""
        payloads = rec.encode_items(items, self._vault.max_text_bytes)
        now = time.time()
        rows = [(now, p) for p in payloads]

        def run(db: sqlite_utils.Database, cipher: UserCipher) -> list[int]:
            ids = _insert_items(db, cipher, rows)
            if end_overrides:
                _put_overrides(db, cipher, {d: o for d, o in _read_overrides(db, cipher).items() if o.locked})
            return ids
        return self._vault.write_user(user, run)

    def items(self, user: str, *, limit: int | None = None) -> list[StoredItem]:
        """``user``'s items, newest first; at most ``limit`` of them."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ConfigError(f"limit must be a non-negative integer or None, got {limit!r}")
        cipher = self._vault.cipher(user)
        sql = "SELECT id, created_at, payload FROM items WHERE uid = ? ORDER BY created_at DESC, id DESC"
        params: list[Any] = [cipher.uid]
        if limit is not None:
            sql, params = sql + " LIMIT ?", params + [limit]
        rows = self._vault.db.read(lambda db: db.execute(sql, params).fetchall())
        plain = cipher.open_many("items", "payload", [(i, blob) for i, _, blob in rows])
        return [StoredItem(i, user, t, _item(raw, i)) for (i, t, _), raw in zip(rows, plain)]

    # -- overrides ---------------------------------------------------------------------------
    def set_override(self, user: str, dim: int, value: float, *, locked: bool = False) -> None:
        """Fix dimension ``dim`` of ``user``'s profile to ``value`` (0, 0.5 or 1); ``locked``
        marks it as one inference must never change."""
        dim, override = rec.check_override(dim, value, locked)
        self._update_overrides(user, lambda current: {**current, dim: override})

    def clear_override(self, user: str, dim: int) -> bool:
        """Remove the override of ``dim``; False if there was none."""
        dim, _ = rec.check_override(dim, 0.5, False)
        found: list[bool] = []

        def drop(current: dict[int, Override]) -> dict[int, Override]:
            found.append(dim in current)
            return {d: o for d, o in current.items() if d != dim}
        self._update_overrides(user, drop)
        return found[-1]

    def _update_overrides(self, user: str, change: Callable[[dict[int, Override]], dict[int, Override]]) -> None:
        self._vault.write_user(user, lambda db, cipher: _put_overrides(db, cipher, change(_read_overrides(db, cipher))))

    def overrides(self, user: str) -> dict[int, Override]:
        """``user``'s overrides by dimension index."""
        cipher = self._vault.cipher(user)
        return self._vault.db.read(lambda db: _read_overrides(db, cipher))

    # -- profiles ----------------------------------------------------------------------------
    def save_profile(self, user: str, profile: PreferenceProfile, evidence: Any = None) -> None:
        """Keep ``user``'s inferred profile with its evidence (any JSON value, within the
        store's ``max_text_bytes`` as JSON), replacing the previous one."""
        raw = rec.encode_profile(profile, evidence, self._vault.max_text_bytes)
        self._vault.write_user(user, lambda db, cipher: put_profile(db, cipher, raw))

    def profile(self, user: str) -> tuple[PreferenceProfile, Any] | None:
        """``(profile, evidence)`` as last saved for ``user``, or None."""
        cipher = self._vault.cipher(user)
        sql = "SELECT payload FROM profiles WHERE uid = ?"
        row = self._vault.db.read(lambda db: db.execute(sql, [cipher.uid]).fetchone())
        if row is None:
            return None
        raw = cipher.open("profiles", cipher.uid, "payload", row[0])
        return rec.decode_profile(raw, f"profiles record {cipher.uid}")

    # -- portability -------------------------------------------------------------------------
    def export_user(self, user: str) -> dict[str, Any]:
        """Everything stored about ``user`` as one JSON-able dict (plaintext: handle with care)."""
        return self._vault.db.snapshot(lambda _: rec.export_document(
            user, self.items(user), self.overrides(user), self.profile(user)))

    def import_user(self, data: Mapping[str, Any], name: str | None = None) -> str:
        """Create a user from an :meth:`export_user` document, as ``name`` if given, in one
        transaction. Raises DataError if that user already exists. Returns the name."""
        doc = rec.parse_export(data, name, self._vault.max_text_bytes)
        rows = [(t, rec.item_payload(i)) for t, i in doc.items]

        def run(db: sqlite_utils.Database) -> UserCipher:
            cipher = self._vault.create_user(db, doc.name)
            if cipher is None:
                raise DataError(f"user {doc.name!r} already exists; import them under another name, "
                                "or forget the existing user first")
            _insert_items(db, cipher, rows)
            _put_overrides(db, cipher, doc.overrides)
            if doc.profile is not None:
                put_profile(db, cipher, doc.profile)
            return cipher
        self._vault.remember(doc.name, self._vault.db.write(run))
        return doc.name
