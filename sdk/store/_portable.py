"""Moving a store's contents: one user out and in as a JSON document, and the whole store
under a new key.

:class:`PortableMixin` is mixed into :class:`~edgealign.store.PersonaStore`; it uses the
store's database (``_db``), master keys and key source (``_keys``, ``_source``), the
per-user key cache (``_users``, ``_users_lock``), ``max_text_bytes`` and the store's
``items`` / ``overrides`` / ``profile`` readers, ``_create_user``, ``_insert_items`` and
``_put_profile`` (declared below for type checkers).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, DataError
from . import _records as rec
from ._crypto import MasterKeys, UserCipher
from .keys import KeySource, RawKey, default_key_source

if TYPE_CHECKING:
    import sqlite_utils

    from ..preferences import PreferenceProfile
    from ._db import Database
    from ._records import Override, StoredItem

__all__ = ["PortableMixin", "as_source"]


def as_source(key: Any) -> KeySource:
    """The key source of a ``key`` argument: None (:func:`default_key_source`), a key source,
    or 32 raw bytes; ConfigError for anything else."""
    if key is None:
        return default_key_source()
    if isinstance(key, KeySource):
        return key
    if isinstance(key, (bytes, bytearray, memoryview)):
        return RawKey(bytes(key))
    raise ConfigError(f"key must be 32 bytes or a key source (RawKey, PassphraseKey, KeyringKey), "
                      f"got {type(key).__name__}; wrap a passphrase in PassphraseKey(...)")


class PortableMixin:
    """``export_user`` / ``import_user`` / ``rotate_key`` for :class:`~edgealign.store.PersonaStore`."""

    if TYPE_CHECKING:  # provided by PersonaStore
        _db: Database
        _keys: MasterKeys
        _source: KeySource
        _users: dict[str, UserCipher]
        _users_lock: threading.Lock
        max_text_bytes: int
        path: Path

        def items(self, user: str, *, limit: int | None = None) -> list[StoredItem]: ...
        def overrides(self, user: str) -> dict[int, Override]: ...
        def profile(self, user: str) -> tuple[PreferenceProfile, Any] | None: ...
        def _create_user(self, db: sqlite_utils.Database, name: str) -> UserCipher | None: ...
        @staticmethod
        def _insert_items(db: sqlite_utils.Database, cipher: UserCipher,
                          rows: list[tuple[float, bytes]]) -> list[int]: ...
        @staticmethod
        def _put_profile(db: sqlite_utils.Database, cipher: UserCipher, raw: bytes) -> None: ...

    # -- portability -------------------------------------------------------------------------
    def export_user(self, user: str) -> dict[str, Any]:
        """Everything stored about ``user`` as one JSON-able dict (plaintext: handle with care)."""
        return self._db.snapshot(lambda _: rec.export_document(
            user, self.items(user), self.overrides(user), self.profile(user)))

    def import_user(self, data: dict[str, Any], name: str | None = None) -> str:
        """Create a user from an :meth:`export_user` document, as ``name`` if given, in one
        transaction. Raises DataError if that user already exists. Returns the name."""
        doc = rec.parse_export(data, name, self.max_text_bytes)
        rows = [(t, rec.item_payload(i)) for t, i in doc.items]

        def run(db: sqlite_utils.Database) -> UserCipher:
            cipher = self._create_user(db, doc.name)
            if cipher is None:
                raise DataError(f"user {doc.name!r} already exists; import them under another name, "
                                "or forget the existing user first")
            self._insert_items(db, cipher, rows)
            if doc.overrides:
                blob = cipher.seal("overrides", cipher.uid, "payload", rec.encode_overrides(doc.overrides))
                db["overrides"].insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob})
            if doc.profile is not None:
                self._put_profile(db, cipher, doc.profile)
            return cipher
        cipher = self._db.write(run)
        with self._users_lock:
            self._users[doc.name] = cipher
        return doc.name

    # -- keys --------------------------------------------------------------------------------
    def rotate_key(self, new_key: bytes | KeySource) -> None:
        """Re-encrypt the database and re-wrap every user key under ``new_key``, in one commit.

        Needs the store to be open in this process only. On any failure the old key still
        opens the store and nothing is lost."""
        source = as_source(new_key)
        new = MasterKeys(source.rotation_key(self.path))
        if new.sqlcipher_key == self._keys.sqlcipher_key:
            raise ConfigError("the new key is the key the store already has")

        def rewrap(db: sqlite_utils.Database) -> None:
            for uid, wrapped, blob in db.execute("SELECT uid, wrapped_key, name FROM users").fetchall():
                name = self._keys.unwrap(uid, wrapped).open("users", uid, "name", blob).decode("utf-8")
                db.execute("UPDATE users SET lookup = ?, wrapped_key = ? WHERE uid = ?",
                           [new.lookup(name), self._keys.rewrap(uid, wrapped, new), uid])
        with self._db.lock:  # no other thread may use the old keys against the new file
            self._db.rekey(new.sqlcipher_key, rewrap)
            self._keys, self._source = new, source
        source.finish_rotation(self.path)
