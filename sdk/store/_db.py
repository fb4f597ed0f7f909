"""The SQLCipher connection: pragmas, transactions, retries, checkpoints.

One connection per store object, guarded by a re-entrant lock. SQLite serialises writers
anyway, every store call is short (milliseconds), and a single connection keeps close()
deterministic and the key material in one place; other processes get their own connection
and meet this one through WAL, the busy timeout and the retry loop below.
"""

from __future__ import annotations

import contextlib
import random
import threading
import time
from pathlib import Path
from typing import Callable, Iterator, TypeVar

import sqlite_utils
from sqlcipher3 import dbapi2 as sqlcipher

from ..errors import StoreError, WrongKeyError

T = TypeVar("T")

#: How long SQLite itself waits for a lock before returning BUSY, in milliseconds.
BUSY_TIMEOUT_MS = 5000
#: How long the retry loop keeps trying after that, in seconds, before giving up.
RETRY_FOR_S = 60.0
_BUSY_CODES = {5, 6}  # SQLITE_BUSY, SQLITE_LOCKED (extended codes reduce to these)

Error = sqlcipher.Error


def _is_busy(exc: BaseException) -> bool:
    if not isinstance(exc, sqlcipher.OperationalError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in _BUSY_CODES
    text = str(exc)
    return "locked" in text or "busy" in text


def retry(fn: Callable[[], T], what: str) -> T:
    """Run ``fn`` again while SQLite reports the database busy or locked; past the retry
    budget, a StoreError that says so (never a bare "database is locked")."""
    deadline = time.monotonic() + RETRY_FOR_S
    pause = 0.002
    while True:
        try:
            return fn()
        except sqlcipher.OperationalError as exc:
            if not _is_busy(exc):
                raise
            if time.monotonic() > deadline:
                raise StoreError(f"{what}: the store stayed busy for {RETRY_FOR_S:.0f} s (another "
                                 "process kept its write lock or an old snapshot open)") from exc
        time.sleep(pause * (0.5 + random.random()))
        pause = min(pause * 2, 0.1)


@contextlib.contextmanager
def _native_errors(what: str) -> Iterator[None]:
    """SQLite's own errors (disk full, I/O, corruption) as StoreError, the cause chained."""
    try:
        yield
    except sqlcipher.Error as exc:
        raise StoreError(f"{what} failed: {exc}") from exc


def _connect(path: Path, sqlcipher_key: str) -> "sqlcipher.Connection":
    conn = sqlcipher.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False)
    conn.execute("PRAGMA cipher_log_level = NONE")  # a wrong key is our error to report, not stderr's
    conn.execute(f'PRAGMA key = "{sqlcipher_key}"')
    conn.execute("PRAGMA cipher_compatibility = 4")  # pin the cipher settings: SQLCipher 4 defaults
    conn.execute("PRAGMA cipher_memory_security = OFF")
    return conn


def _check_key(conn: "sqlcipher.Connection", path: Path) -> None:
    """Read page 1. Only reads: a wrong key leaves every file byte-identical."""
    try:
        retry(lambda: conn.execute("SELECT count(*) FROM sqlite_master").fetchone(), "open")
    except sqlcipher.DatabaseError as exc:
        conn.close()
        if "not a database" in str(exc):
            raise WrongKeyError(f"the key does not open {path} (wrong key or passphrase, or not an "
                                "edgealign store); nothing was changed") from exc
        raise StoreError(f"cannot open {path}: {exc}") from exc


#: Per-connection settings. secure_delete zeroes deleted content; temp_store keeps sorts and
#: VACUUM's copy in memory, never in a temp file; synchronous=FULL makes an acknowledged
#: commit durable across power loss too (WAL: one fsync per commit).
PRAGMAS = ("secure_delete = ON", "temp_store = MEMORY", "synchronous = FULL", "foreign_keys = ON",
           f"busy_timeout = {BUSY_TIMEOUT_MS}")


class Database:
    """A keyed SQLCipher connection with its sqlite-utils view and a lock."""

    def __init__(self, path: Path, sqlcipher_key: str) -> None:
        self.path = path
        #: Held by every call on the connection; callers may hold it across several calls.
        self.lock = threading.RLock()
        with _native_errors(f"opening {path}"):
            conn = _connect(path, sqlcipher_key)
        _check_key(conn, path)
        try:
            with _native_errors(f"opening {path}"):
                for pragma in PRAGMAS:
                    conn.execute(f"PRAGMA {pragma}")
                retry(lambda: conn.execute("PRAGMA journal_mode = WAL").fetchone(), "open")
        except BaseException:
            conn.close()
            raise
        self.conn = conn
        self.db = sqlite_utils.Database(conn, execute_plugins=False)

    def close(self) -> None:
        with self.lock:
            if self.conn is not None:
                self.conn.close()
                self.conn = None

    @property
    def closed(self) -> bool:
        return self.conn is None

    def _require_open(self) -> "sqlcipher.Connection":
        if self.conn is None:
            raise StoreError("the persona store is closed; open it again with PersonaStore.open()")
        return self.conn

    def read(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run a read-only ``fn`` (retried while busy)."""
        with self.lock, _native_errors("reading the store"):
            self._require_open()
            return retry(lambda: fn(self.db), "read")

    def snapshot(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run a read-only ``fn`` in one read transaction: every query sees the same moment."""
        def run() -> T:
            conn.execute("BEGIN")
            try:
                return fn(self.db)
            finally:
                conn.execute("COMMIT")
        with self.lock, _native_errors("reading the store"):
            conn = self._require_open()
            return fn(self.db) if conn.in_transaction else retry(run, "read")

    def write(self, fn: Callable[[sqlite_utils.Database], T]) -> T:
        """Run ``fn`` in one ``BEGIN IMMEDIATE`` transaction: all of it is committed, or none."""
        with self.lock, _native_errors("writing to the store"):
            conn = self._require_open()
            if conn.in_transaction:  # nested call from inside a write
                return fn(self.db)
            return retry(lambda: self._transaction(conn, fn), "write")

    def _transaction(self, conn: "sqlcipher.Connection", fn: Callable[[sqlite_utils.Database], T]) -> T:
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = fn(self.db)
            conn.execute("COMMIT")
            return result
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise

    def checkpoint(self) -> None:
        """Copy the WAL into the database and truncate it to zero bytes."""
        def run() -> None:
            busy, _, _ = self._require_open().execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
            if busy:
                raise sqlcipher.OperationalError("database is busy (checkpoint)")
        with self.lock, _native_errors("checkpoint"):
            retry(run, "checkpoint")

    def vacuum(self) -> None:
        """Rebuild the file so no free page keeps old content, then empty the WAL."""
        with self.lock, _native_errors("vacuum"):
            self.checkpoint()
            retry(lambda: self._require_open().execute("VACUUM"), "vacuum")
            self.checkpoint()

    def rekey(self, new_sqlcipher_key: str, fn: Callable[[sqlite_utils.Database], None]) -> None:
        """Run ``fn`` and re-encrypt every page under the new key, in one commit.

        SQLCipher's rekey commits the open transaction together with the re-encrypted pages,
        so a crash leaves either the old key with the old rows or the new key with the new.
        The WAL is emptied first: its frames are encrypted under the old key.
        """
        with self.lock, _native_errors("key rotation"):
            conn = self._require_open()
            self.checkpoint()

            def run() -> None:
                conn.execute("BEGIN IMMEDIATE")
                try:
                    self._require_sole_writer()
                    fn(self.db)
                    conn.execute(f'PRAGMA rekey = "{new_sqlcipher_key}"')
                    conn.execute("COMMIT")
                except BaseException:
                    if conn.in_transaction:
                        conn.execute("ROLLBACK")
                    raise
            retry(run, "rotate key")
            self.checkpoint()

    def _require_sole_writer(self) -> None:
        wal = self.path.with_name(self.path.name + "-wal")
        if wal.exists() and wal.stat().st_size:
            raise StoreError("another connection wrote to the store during key rotation; "
                             "close every other process that uses it and rotate again")

    def integrity_check(self) -> list[str]:
        """``PRAGMA integrity_check`` plus SQLCipher's page HMAC check; ``[]`` when all is well."""
        def run(db: sqlite_utils.Database) -> list[str]:
            rows = [r[0] for r in db.execute("PRAGMA integrity_check").fetchall()]
            problems = [] if rows == ["ok"] else rows
            return problems + [r[0] for r in db.execute("PRAGMA cipher_integrity_check").fetchall()]
        return self.read(run)
