"""PersonaStore: the user-facing API over the encrypted database."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import sqlite_utils

from ..errors import ConfigError, DataError, KeyUnavailableError, StoreError, UnknownUserError, WrongKeyError
from ..persona import PersonaItem, item_from_dict
from ..preferences import PreferenceProfile
from . import _records as rec
from . import migrations
from ._crypto import MasterKeys, UserCipher
from ._db import Database
from ._embeddings import EmbeddingCache
from ._portable import PortableMixin, as_source
from ._records import Override, StoredItem
from ._settings import SettingsMixin
from ._tokens import TokensMixin
from .keys import KeySource

T = TypeVar("T")
DEFAULT_FILE = "persona.db"
_INSERT_BATCH = 500


class _StaleUser(Exception):
    """The cached user vanished (another process forgot them) between lookup and write."""


def _connect(path: Path, source: KeySource, create: bool) -> tuple[MasterKeys, Database]:
    """Open with the source's key; after an interrupted rotation, with the key it staged."""
    try:
        keys = MasterKeys(source.master_key(path, create=create))
        if create:
            _create(path, keys)
        return keys, Database(path, keys.sqlcipher_key)
    except (WrongKeyError, KeyUnavailableError) as exc:
        staged = source.staged_key(path)
        if staged is None:
            raise
        keys = MasterKeys(staged)
        try:
            database = Database(path, keys.sqlcipher_key)
        except WrongKeyError:
            raise exc from None
        source.finish_rotation(path)
        return keys, database


def _create(path: Path, keys: MasterKeys) -> None:
    """Build a new store beside ``path`` and link it into place whole: a crash leaves no
    store or a complete one, never a 0-byte file. When another process won the race, keep
    theirs."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.new")
    try:
        # the owner alone may read it; SQLite gives -wal and -shm the same mode
        os.close(os.open(tmp, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        database = Database(tmp, keys.sqlcipher_key)
        try:
            migrations.migrate(database)
        finally:
            database.close()  # the last connection: the WAL is checkpointed into the file
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-wal"), tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _check_existing(path: Path) -> None:
    """Refuse, untouched, a 0-byte store file: one a copy or sync tool truncated must not be
    re-created as an empty store over the evidence. (A file that is not an encrypted store
    at all is refused by the key check: WrongKeyError, nothing changed.)"""
    if path.is_file() and path.stat().st_size == 0:
        raise StoreError(
            f"{path} is empty (0 bytes): it was truncated (by a copy or sync tool?) or its creation was "
            "interrupted; restore it from a backup. Nothing was changed; if it never held data, delete it "
            "(and its .salt file) to start a new store"
        )


class PersonaStore(TokensMixin, EmbeddingCache, SettingsMixin, PortableMixin):
    """Users' persona histories, encrypted at rest, on this device only.

    Open with :meth:`open`; use as a context manager or call :meth:`close` (twice is fine).
    One store object may be shared by threads; several processes may open the same file.
    """

    def __init__(self, database: Database, keys: MasterKeys, source: KeySource, max_text_bytes: int) -> None:
        self._db = database
        self._keys = keys
        self._source = source
        self.max_text_bytes = max_text_bytes
        self._users: dict[str, UserCipher] = {}  # unwrapped user keys, while the store is open
        self._users_lock = threading.Lock()

    @classmethod
    def open(cls, path: str | os.PathLike | None = None, key: bytes | KeySource | None = None, *,
             max_text_bytes: int = rec.MAX_TEXT_BYTES) -> "PersonaStore":
        """Open (creating if needed) the store at ``path``, by default ``Home().store``.

        ``key`` is 32 raw bytes or a key source; None means :func:`default_key_source`.
        ``max_text_bytes`` bounds each text field (UTF-8 bytes). Raises WrongKeyError when
        the key does not open an existing store (nothing is changed), KeyUnavailableError
        when no key source is available.
        """
        if isinstance(max_text_bytes, bool) or not isinstance(max_text_bytes, int) or max_text_bytes < 1:
            raise ConfigError(f"max_text_bytes must be a positive integer, got {max_text_bytes!r}")
        from ..home import Home

        home = Home() if path is None else Home(Path(path).parent)
        path = home.store if path is None else home.root / Path(path).name
        source = as_source(key)
        home.create()  # 0700 when new; StoreError when group- or world-writable
        create = not path.exists()
        if not create:
            _check_existing(path)
        keys, database = _connect(path, source, create)
        try:
            migrations.migrate(database)
        except BaseException:
            database.close()
            raise
        return cls(database, keys, source, max_text_bytes)

    # -- lifecycle ---------------------------------------------------------------------------
    @property
    def path(self) -> Path:
        """The database file (beside it: ``-wal``, ``-shm`` and, for passphrases, ``.salt``)."""
        return self._db.path

    @property
    def closed(self) -> bool:
        return self._db.closed

    def close(self) -> None:
        """Close the database and drop every cached key. Safe to call more than once."""
        self._db.close()
        with self._users_lock:
            self._users.clear()

    def __enter__(self) -> "PersonaStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PersonaStore({str(self.path)!r}{', closed' if self.closed else ''})"

    def check(self) -> list[str]:
        """Run SQLite's and SQLCipher's integrity checks; ``[]`` means the file is sound."""
        return self._db.integrity_check()

    # -- users -------------------------------------------------------------------------------
    def users(self) -> list[str]:
        """Every user's name, sorted."""
        rows = self._db.read(lambda db: db.execute("SELECT uid, wrapped_key, name FROM users").fetchall())
        names = []
        for uid, wrapped, blob in rows:
            cipher = self._keys.unwrap(uid, wrapped)
            names.append(cipher.open("users", uid, "name", blob).decode("utf-8"))
        return sorted(names)

    def has_user(self, name: str) -> bool:
        """Whether user ``name`` exists."""
        tag = self._keys.lookup(rec.check_user(name))
        row = self._db.read(lambda db: db.execute("SELECT 1 FROM users WHERE lookup = ?", [tag]).fetchone())
        return row is not None

    def add_user(self, name: str) -> bool:
        """Create user ``name`` with a fresh data key. Idempotent: False if they already exist.
        DataError for a name the server could not put in a URL (see ``check_new_user``)."""
        name = rec.check_new_user(name)
        cipher = self._db.write(lambda db: self._create_user(db, name))
        if cipher is not None:
            with self._users_lock:
                self._users[name] = cipher
        return cipher is not None

    def _create_user(self, db: sqlite_utils.Database, name: str) -> UserCipher | None:
        tag = self._keys.lookup(name)
        if db.execute("SELECT 1 FROM users WHERE lookup = ?", [tag]).fetchone():
            return None
        cipher, wrapped = UserCipher.new(self._keys)
        name_blob = cipher.seal("users", cipher.uid, "name", name.encode("utf-8"))
        db["users"].insert({"uid": cipher.uid, "lookup": tag, "name": name_blob,
                            "wrapped_key": wrapped, "created_at": time.time()})
        return cipher

    def _unknown(self, name: str) -> UnknownUserError:
        return UnknownUserError(f"no user {name!r} in the store {self.path}; store.users() lists "
                                f"them, store.add_user({name!r}) creates one")

    def _cipher(self, name: str) -> UserCipher:
        """User ``name``'s cipher: from the cache, else looked up and unwrapped once."""
        name = rec.check_user(name)
        cipher = self._users.get(name)
        if cipher is not None:
            return cipher
        tag = self._keys.lookup(name)
        row = self._db.read(lambda db: db.execute(
            "SELECT uid, wrapped_key FROM users WHERE lookup = ?", [tag]).fetchone())
        if row is None:
            raise self._unknown(name)
        cipher = self._keys.unwrap(*row)
        with self._users_lock:
            self._users[name] = cipher
        return cipher

    def _write_user(self, name: str, body: Callable[[sqlite_utils.Database, UserCipher], T]) -> T:
        """Run ``body`` in a write transaction in which user ``name`` surely exists."""
        name = rec.check_user(name)
        for _ in range(2):
            cipher = self._cipher(name)

            def run(db: sqlite_utils.Database) -> T:
                if db.execute("SELECT 1 FROM users WHERE uid = ?", [cipher.uid]).fetchone() is None:
                    raise _StaleUser
                return body(db, cipher)
            try:
                return self._db.write(run)
            except _StaleUser:
                with self._users_lock:
                    self._users.pop(name, None)
        raise self._unknown(name)

    def forget(self, name: str) -> bool:
        """Erase user ``name``: their data key (crypto-shredding), every row, and every trace in
        the files (secure_delete, checkpoint, VACUUM). False if there was no such user."""
        name = rec.check_user(name)
        tag = self._keys.lookup(name)

        def erase(db: sqlite_utils.Database) -> bool:
            row = db.execute("SELECT uid FROM users WHERE lookup = ?", [tag]).fetchone()
            if row is None:
                return False
            for table in ("embedding_cache", "user_settings", "items", "overrides", "profiles", "users"):
                db.execute(f"DELETE FROM {table} WHERE uid = ?", row)
            return True
        with self._users_lock:
            self._users.pop(name, None)
        existed = self._db.write(erase)
        if existed:
            self._db.vacuum()
        return existed

    # -- items -------------------------------------------------------------------------------
    def add_item(self, user: str, item: PersonaItem | dict[str, Any]) -> int:
        """Store one persona item for ``user``; returns its id."""
        return self.add_items(user, [item])[0]

    def add_items(self, user: str, items: Iterable[PersonaItem | dict[str, Any]], *,
                  end_overrides: bool = False) -> list[int]:
        """Store several items in one transaction: all of them, or (on any error) none. With
        ``end_overrides``, the same transaction also drops ``user``'s unlocked overrides (new
        history lets inference decide again; locks stay)."""
        payloads = rec.encode_items(items, self.max_text_bytes)
        now = time.time()
        rows = [(now, p) for p in payloads]

        def run(db: sqlite_utils.Database, cipher: UserCipher) -> list[int]:
            ids = self._insert_items(db, cipher, rows)
            if end_overrides:
                self._put_overrides(db, cipher, {d: o for d, o in self._read_overrides(db, cipher).items() if o.locked})
            return ids
        return self._write_user(user, run)

    @staticmethod
    def _insert_items(db: sqlite_utils.Database, cipher: UserCipher, rows: list[tuple[float, bytes]]) -> list[int]:
        first = db.execute("SELECT coalesce(max(id), 0) + 1 FROM items").fetchone()[0]
        ids = list(range(first, first + len(rows)))
        blobs = cipher.seal_many("items", "payload", [(i, p) for i, (_, p) in zip(ids, rows)])
        records = [{"id": i, "uid": cipher.uid, "created_at": t, "payload": b}
                   for i, (t, _), b in zip(ids, rows, blobs)]
        if records:
            db["items"].insert_all(records, batch_size=_INSERT_BATCH)
        return ids

    def items(self, user: str, *, limit: int | None = None) -> list[StoredItem]:
        """``user``'s items, newest first; at most ``limit`` of them."""
        if limit is not None and (isinstance(limit, bool) or not isinstance(limit, int) or limit < 0):
            raise ConfigError(f"limit must be a non-negative integer or None, got {limit!r}")
        cipher = self._cipher(user)
        sql = "SELECT id, created_at, payload FROM items WHERE uid = ? ORDER BY created_at DESC, id DESC"
        params: list[Any] = [cipher.uid]
        if limit is not None:
            sql, params = sql + " LIMIT ?", params + [limit]
        rows = self._db.read(lambda db: db.execute(sql, params).fetchall())
        plain = cipher.open_many("items", "payload", [(i, blob) for i, _, blob in rows])
        return [StoredItem(i, user, t, self._item(raw, i)) for (i, t, _), raw in zip(rows, plain)]

    @staticmethod
    def _item(raw: bytes, item_id: int) -> PersonaItem:
        try:
            return item_from_dict(json.loads(raw.decode("utf-8")))
        except (ValueError, DataError) as exc:  # authenticated, so a faulty writer, not an attacker
            raise StoreError(f"items record {item_id} holds a malformed item: {exc}") from exc

    # -- overrides and profiles --------------------------------------------------------------
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
        self._write_user(user, lambda db, cipher: self._put_overrides(db, cipher, change(self._read_overrides(db, cipher))))

    @staticmethod
    def _put_overrides(db: sqlite_utils.Database, cipher: UserCipher, new: dict[int, Override]) -> None:
        if not new:
            db.execute("DELETE FROM overrides WHERE uid = ?", [cipher.uid])
            return
        blob = cipher.seal("overrides", cipher.uid, "payload", rec.encode_overrides(new))
        db["overrides"].insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob}, replace=True)

    @staticmethod
    def _read_overrides(db: sqlite_utils.Database, cipher: UserCipher) -> dict[int, Override]:
        row = db.execute("SELECT payload FROM overrides WHERE uid = ?", [cipher.uid]).fetchone()
        if row is None:
            return {}
        raw = cipher.open("overrides", cipher.uid, "payload", row[0])
        return rec.decode_overrides(raw, f"overrides record {cipher.uid}")

    def overrides(self, user: str) -> dict[int, Override]:
        """``user``'s overrides by dimension index."""
        cipher = self._cipher(user)
        return self._db.read(lambda db: self._read_overrides(db, cipher))

    def save_profile(self, user: str, profile: PreferenceProfile, evidence: Any = None) -> None:
        """Keep ``user``'s inferred profile with its evidence (any JSON value, within
        ``max_text_bytes`` as JSON), replacing the previous one."""
        raw = rec.encode_profile(profile, evidence, self.max_text_bytes)
        self._write_user(user, lambda db, cipher: self._put_profile(db, cipher, raw))

    @staticmethod
    def _put_profile(db: sqlite_utils.Database, cipher: UserCipher, raw: bytes) -> None:
        blob = cipher.seal("profiles", cipher.uid, "payload", raw)
        db["profiles"].insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob}, replace=True)

    def profile(self, user: str) -> tuple[PreferenceProfile, Any] | None:
        """``(profile, evidence)`` as last saved for ``user``, or None."""
        cipher = self._cipher(user)
        sql = "SELECT payload FROM profiles WHERE uid = ?"
        row = self._db.read(lambda db: db.execute(sql, [cipher.uid]).fetchone())
        if row is None:
            return None
        raw = cipher.open("profiles", cipher.uid, "payload", row[0])
        return rec.decode_profile(raw, f"profiles record {cipher.uid}")
