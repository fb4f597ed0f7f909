"""PersonaStore: the encrypted database, its users, and its four rooms.

The store itself holds the lifecycle (open, close, integrity check, key rotation) and the
users (each a name and a data key: creating one, finding one, forgetting one across every
room). What is kept about a user lives in the rooms, each its own object over the store's one
database and key hierarchy (:class:`~._vault.Vault`): ``records`` (history, overrides,
profiles, export and import), ``tokens`` (the server's app tokens), ``embeddings`` (the
bridge's cache) and ``settings`` (the steering strength).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import sqlite_utils

from ..errors import ConfigError, KeyUnavailableError, StoreError, WrongKeyError
from . import _records as rec
from . import migrations
from ._crypto import MasterKeys
from ._db import Database
from ._embeddings import EmbeddingCache
from ._history import Records
from ._settings import Settings
from ._tokens import AppTokens
from ._vault import Vault
from .keys import KeySource, as_source

__all__ = ["PersonaStore"]

#: Every table holding a user's rows, deleted together when they are forgotten.
_USER_TABLES = ("embedding_cache", "user_settings", "items", "overrides", "profiles", "users")


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


class PersonaStore:
    """Users' persona histories, encrypted at rest, on this device only.

    Open with :meth:`open`; use as a context manager or call :meth:`close` (twice is fine).
    One store object may be shared by threads; several processes may open the same file.
    What is kept about a user is in the rooms: :attr:`records`, :attr:`tokens`,
    :attr:`embeddings` and :attr:`settings`.
    """

    def __init__(self, database: Database, keys: MasterKeys, source: KeySource, max_text_bytes: int) -> None:
        self._vault = Vault(database, keys, max_text_bytes)
        self._source = source
        self.records = Records(self._vault)
        """History items, overrides and locks, inferred profiles; export and import."""
        self.tokens = AppTokens(self._vault)
        """The apps that may reach users through ``edgealign serve``."""
        self.embeddings = EmbeddingCache(self._vault)
        """The preference bridge's per-item sentence embeddings."""
        self.settings = Settings(self._vault)
        """Per-user settings: the steering strength."""

    @classmethod
    def open(cls, path: str | os.PathLike[str] | None = None, key: bytes | KeySource | None = None, *,
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
        where = home.store if path is None else home.root / Path(path).name
        source = as_source(key)
        home.create()  # 0700 when new; StoreError when group- or world-writable
        create = not where.exists()
        if not create:
            _check_existing(where)
        keys, database = _connect(where, source, create)
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
        return self._vault.db.path

    @property
    def closed(self) -> bool:
        return self._vault.db.closed

    @property
    def max_text_bytes(self) -> int:
        """The bound on each text field (UTF-8 bytes), as given to :meth:`open`."""
        return self._vault.max_text_bytes

    def close(self) -> None:
        """Close the database and drop every cached key. Safe to call more than once."""
        self._vault.close()

    def __enter__(self) -> "PersonaStore":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"PersonaStore({str(self.path)!r}{', closed' if self.closed else ''})"

    def check(self) -> list[str]:
        """Run SQLite's and SQLCipher's integrity checks; ``[]`` means the file is sound."""
        return self._vault.db.integrity_check()

    def rotate_key(self, new_key: bytes | KeySource) -> None:
        """Re-encrypt the database and re-wrap every user key under ``new_key``, in one commit.

        Needs the store to be open in this process only. On any failure the old key still
        opens the store and nothing is lost."""
        source = as_source(new_key)
        vault = self._vault
        new = MasterKeys(source.rotation_key(self.path))
        if new.sqlcipher_key == vault.keys.sqlcipher_key:
            raise ConfigError("the new key is the key the store already has")

        def rewrap(db: sqlite_utils.Database) -> None:
            for uid, wrapped, blob in db.execute("SELECT uid, wrapped_key, name FROM users").fetchall():
                name = vault.keys.unwrap(uid, wrapped).open("users", uid, "name", blob).decode("utf-8")
                db.execute("UPDATE users SET lookup = ?, wrapped_key = ? WHERE uid = ?",
                           [new.lookup(name), vault.keys.rewrap(uid, wrapped, new), uid])
        with vault.db.lock:  # no other thread may use the old keys against the new file
            vault.db.rekey(new.sqlcipher_key, rewrap)
            vault.keys, self._source = new, source
        source.finish_rotation(self.path)

    # -- users -------------------------------------------------------------------------------
    def users(self) -> list[str]:
        """Every user's name, sorted."""
        return sorted(self._vault.names_by_uid().values())

    def has_user(self, name: str) -> bool:
        """Whether user ``name`` exists."""
        clean = rec.check_user(name)
        return self._vault.db.read(lambda db: self._vault.uid(db, clean)) is not None

    def require_user(self, name: str) -> str:
        """``name`` as stored (normalised) if they exist; UnknownUserError naming the next step
        otherwise."""
        clean = rec.check_user(name)
        if self._vault.db.read(lambda db: self._vault.uid(db, clean)) is None:
            raise self._vault.unknown(clean)
        return clean

    def add_user(self, name: str) -> bool:
        """Create user ``name`` with a fresh data key. Idempotent: False if they already exist.
        DataError for a name the server could not put in a URL (see ``check_new_user``)."""
        clean = rec.check_new_user(name)
        cipher = self._vault.db.write(lambda db: self._vault.create_user(db, clean))
        if cipher is not None:
            self._vault.remember(clean, cipher)
        return cipher is not None

    def forget(self, name: str) -> bool:
        """Erase user ``name``: their data key (crypto-shredding), their rows in every room,
        and every trace in the files (secure_delete, checkpoint, VACUUM). False if there was
        no such user."""
        clean = rec.check_user(name)

        def erase(db: sqlite_utils.Database) -> bool:
            uid = self._vault.uid(db, clean)
            if uid is None:
                return False
            for table in _USER_TABLES:
                db.execute(f"DELETE FROM {table} WHERE uid = ?", [uid])
            return True
        self._vault.forget_keys(clean)
        existed = self._vault.db.write(erase)
        if existed:
            self._vault.db.vacuum()
        return existed
