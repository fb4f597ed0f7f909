"""Schema migrations: append-only named steps, recorded in the ``_migrations`` table.

A released step is never edited or reordered; a change of schema is a new ``mNNN_...``
function at the end of this file. Each step runs in its own write transaction together
with the row that records it, so a crash leaves the store at one step or the next. The
test suite builds a store at every older step and opens it with the current code.

Every payload column holds AES-GCM ciphertext (see ``_crypto``); plaintext columns are ids,
timestamps and lookup tags, and the whole file is encrypted by SQLCipher on top.
"""

from __future__ import annotations

import functools
import time
from typing import TYPE_CHECKING, Callable

import sqlite_utils

from ..errors import StoreError

if TYPE_CHECKING:
    from ._db import Database

__all__ = ["MIGRATIONS", "applied", "migrate"]

Step = Callable[[sqlite_utils.Database], None]
#: Every step, in order. Append only.
MIGRATIONS: dict[str, Step] = {}
VERSION_TABLE = "_migrations"


def _step(fn: Step) -> Step:
    MIGRATIONS[fn.__name__] = fn
    return fn


@_step
def m001_users_and_items(db: sqlite_utils.Database) -> None:
    db.table("users").create(
        {"uid": str, "lookup": bytes, "name": bytes, "wrapped_key": bytes, "created_at": float},
        pk="uid", not_null={"lookup", "name", "wrapped_key", "created_at"},
    )
    db.table("users").create_index(["lookup"], index_name="users_by_lookup", unique=True)
    db.table("items").create(
        {"id": int, "uid": str, "created_at": float, "payload": bytes},
        pk="id", not_null={"uid", "created_at", "payload"}, foreign_keys=[("uid", "users", "uid")],
    )


@_step
def m002_overrides_and_profiles(db: sqlite_utils.Database) -> None:
    for table in ("overrides", "profiles"):
        db.table(table).create(
            {"uid": str, "updated_at": float, "payload": bytes},
            pk="uid", not_null={"updated_at", "payload"}, foreign_keys=[("uid", "users", "uid")],
        )


@_step
def m003_items_by_user_index(db: sqlite_utils.Database) -> None:
    db.table("items").create_index(["uid", "created_at", "id"], index_name="items_by_user")


@_step
def m004_user_settings(db: sqlite_utils.Database) -> None:
    """Per-user settings (the steering strength), sealed under the user's key (see _settings)."""
    db.table("user_settings").create(
        {"uid": str, "updated_at": float, "payload": bytes},
        pk="uid", not_null={"updated_at", "payload"}, foreign_keys=[("uid", "users", "uid")],
    )


@_step
def m005_app_tokens(db: sqlite_utils.Database) -> None:
    # Tokens for `edgealign serve`: the SHA-256 of each (never the token), the users it reaches
    # by id (a JSON list; names are never stored in clear), or all_users = 1.
    db.table("app_tokens").create(
        {"app": str, "token_hash": bytes, "all_users": int, "uids": str, "created_at": float},
        pk="app", not_null={"token_hash", "all_users", "uids", "created_at"},
    )
    db.table("app_tokens").create_index(["token_hash"], index_name="app_tokens_by_hash", unique=True)


@_step
def m006_embedding_cache(db: sqlite_utils.Database) -> None:
    """The bridge's sentence embeddings per item, sealed under the user's key (see _embeddings)."""
    db.table("embedding_cache").create(
        {"item_id": int, "uid": str, "cache_key": str, "payload": bytes},
        pk="item_id", not_null={"uid", "cache_key", "payload"},
        foreign_keys=[("uid", "users", "uid"), ("item_id", "items", "id")],
    )
    db.table("embedding_cache").create_index(["uid", "cache_key"], index_name="embedding_cache_by_user")


def applied(db: sqlite_utils.Database) -> list[str]:
    """The names of the steps this database has run, in order."""
    if VERSION_TABLE not in db.table_names():
        return []
    return [r[0] for r in db.execute(f"SELECT name FROM {VERSION_TABLE} ORDER BY rowid").fetchall()]


def _check(done: list[str]) -> None:
    known = list(MIGRATIONS)
    if done != known[: len(done)]:
        unknown = [n for n in done if n not in MIGRATIONS]
        if unknown:
            raise StoreError(f"the store was written by a newer edgealign (schema step {unknown[0]!r}); "
                             "upgrade edgealign to open it")
        raise StoreError(f"the store's schema history {done} does not match this edgealign's steps")


def migrate(database: "Database", *, upto: str | None = None) -> list[str]:
    """Run every pending step (or those up to and including ``upto``); return their names."""
    names = list(MIGRATIONS)
    if upto is not None:
        names = names[: names.index(upto) + 1]
    done = database.read(applied)
    _check(done)
    ran: list[str] = []
    for name in (n for n in names if n not in done):
        if database.write(functools.partial(_run_step, name=name)):
            ran.append(name)
    return ran


def _run_step(db: sqlite_utils.Database, name: str) -> bool:
    """Inside a write transaction: run ``name`` unless done (another process may have)."""
    if VERSION_TABLE not in db.table_names():
        db.table(VERSION_TABLE).create({"name": str, "applied_at": float}, pk="name")
    done = applied(db)
    _check(done)
    if name in done:
        return False
    MIGRATIONS[name](db)
    db.table(VERSION_TABLE).insert({"name": name, "applied_at": time.time()})
    return True
