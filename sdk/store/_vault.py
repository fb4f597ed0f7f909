"""The one database and the one key hierarchy every room of a store works over.

A :class:`~edgealign.store.PersonaStore` is a building with four rooms (records, app tokens,
the bridge's embedding cache, settings). Each room is its own object with a narrow public
face, and each holds this :class:`Vault`: the SQLCipher connection, the master keys (which a
rotation swaps for all rooms at once) and each used user's unwrapped data key. Finding a user,
unwrapping their key and writing in a transaction in which they surely exist are written here
once, for every room.
"""

from __future__ import annotations

import threading
import time
from typing import Callable, TypeVar

import sqlite_utils

from ..errors import UnknownUserError
from . import _records as rec
from ._crypto import MasterKeys, UserCipher
from ._db import Database

__all__ = ["Vault"]

T = TypeVar("T")


class _StaleUser(Exception):
    """The cached user vanished (another process forgot them) between lookup and write."""


class Vault:
    """The database, the master keys and the per-user key cache a store's rooms share."""

    def __init__(self, db: Database, keys: MasterKeys, max_text_bytes: int) -> None:
        self.db = db
        self.keys = keys
        self.max_text_bytes = max_text_bytes
        """The bound on each text field (UTF-8 bytes) and on evidence as JSON."""
        self._users: dict[str, UserCipher] = {}  # unwrapped user keys, while the store is open
        self._users_lock = threading.Lock()

    def close(self) -> None:
        """Close the database and drop every cached key."""
        self.db.close()
        self.forget_keys()

    def forget_keys(self, name: str | None = None) -> None:
        """Drop user ``name``'s cached key, or every one."""
        with self._users_lock:
            if name is None:
                self._users.clear()
            else:
                self._users.pop(name, None)

    def remember(self, name: str, cipher: UserCipher) -> None:
        with self._users_lock:
            self._users[name] = cipher

    def unknown(self, name: str) -> UnknownUserError:
        """The error for a user the store does not hold, saying how to list and create them."""
        return UnknownUserError(f"no user {name!r} in the store {self.db.path}; store.users() lists "
                                f"them, store.add_user({name!r}) creates one")

    def uid(self, db: sqlite_utils.Database, name: str) -> str | None:
        """The id of user ``name`` (normalised), or None."""
        row = db.execute("SELECT uid FROM users WHERE lookup = ?", [self.keys.lookup(name)]).fetchone()
        return None if row is None else str(row[0])

    def names_by_uid(self) -> dict[str, str]:
        """Every user's name by id (each name decrypted under its user's key)."""
        rows = self.db.read(lambda db: db.execute("SELECT uid, wrapped_key, name FROM users").fetchall())
        return {uid: self.keys.unwrap(uid, wrapped).open("users", uid, "name", blob).decode("utf-8")
                for uid, wrapped, blob in rows}

    def create_user(self, db: sqlite_utils.Database, name: str) -> UserCipher | None:
        """Insert user ``name`` (already checked) with a fresh data key; None if they exist."""
        if self.uid(db, name) is not None:
            return None
        cipher, wrapped = UserCipher.new(self.keys)
        name_blob = cipher.seal("users", cipher.uid, "name", name.encode("utf-8"))
        db.table("users").insert({"uid": cipher.uid, "lookup": self.keys.lookup(name), "name": name_blob,
                                  "wrapped_key": wrapped, "created_at": time.time()})
        return cipher

    def cipher(self, name: str) -> UserCipher:
        """User ``name``'s cipher: from the cache, else looked up and unwrapped once."""
        name = rec.check_user(name)
        cipher = self._users.get(name)
        if cipher is not None:
            return cipher
        tag = self.keys.lookup(name)
        row = self.db.read(lambda db: db.execute(
            "SELECT uid, wrapped_key FROM users WHERE lookup = ?", [tag]).fetchone())
        if row is None:
            raise self.unknown(name)
        cipher = self.keys.unwrap(*row)
        self.remember(name, cipher)
        return cipher

    def write_user(self, name: str, body: Callable[[sqlite_utils.Database, UserCipher], T]) -> T:
        """Run ``body`` in a write transaction in which user ``name`` surely exists."""
        name = rec.check_user(name)
        for _ in range(2):
            cipher = self.cipher(name)

            def run(db: sqlite_utils.Database) -> T:
                if db.execute("SELECT 1 FROM users WHERE uid = ?", [cipher.uid]).fetchone() is None:
                    raise _StaleUser
                return body(db, cipher)
            try:
                return self.db.write(run)
            except _StaleUser:
                self.forget_keys(name)
        raise self.unknown(name)
