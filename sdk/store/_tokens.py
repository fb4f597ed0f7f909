"""App tokens: which app may reach which users through ``edgealign serve``.

A token is ``ea_`` + 32 random bytes (URL-safe base64), shown once when it is created. The
store keeps only its SHA-256 (a random 256-bit secret needs no slow hash: nothing can be
guessed), beside the app's name, whether it reaches every user, and the ids of the users it
reaches. Ids, not names: names are never stored in clear, a forgotten user's id dies with
them (a later user of the same name is not reached by an old token), and a key rotation
leaves ids alone. All of it lies inside the SQLCipher file, in the ``app_tokens`` table of
schema step ``m005_app_tokens``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import time
from dataclasses import dataclass
from typing import Iterable

import sqlite_utils

from ..errors import ConfigError, DataError, UnknownUserError
from . import _records as rec
from ._vault import Vault

__all__ = ["AppToken", "TokenGrant", "AppTokens", "TOKEN_PREFIX"]

TOKEN_PREFIX = "ea_"
TABLE = "app_tokens"
_APP_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class AppToken:
    """What :meth:`AppTokens.apps` lists: an app and the users its token reaches (never the token)."""

    app: str
    all_users: bool
    users: tuple[str, ...]
    """Names of the users it reaches that still exist (empty when ``all_users``)."""
    created_at: float


@dataclass(frozen=True)
class TokenGrant:
    """What an authenticated token grants: its app, and every user or the users with these ids."""

    app: str
    all_users: bool
    uids: frozenset[str]


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8")).digest()


def check_app(app: object) -> str:
    """``app`` if it is a usable app name (1-64 of letters, digits, ``.``, ``_``, ``-``)."""
    if not isinstance(app, str) or not _APP_NAME.fullmatch(app):
        raise ConfigError(f"an app name is 1-64 letters, digits, '.', '_' or '-', starting with a letter "
                          f"or digit; got {app!r}")
    return app


class AppTokens:
    """``store.tokens``: the apps that may reach users through ``edgealign serve``, each by a
    token of which only the hash is kept."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def create(self, app: str, users: Iterable[str] = (), *, all_users: bool = False) -> str:
        """A new token for ``app`` reaching ``users`` (who must exist) or, with ``all_users``,
        everyone now and later. Returned once; only its hash is kept. ConfigError if ``app``
        already has one (revoke it first), UnknownUserError for a missing user."""
        check_app(app)
        names = [rec.check_user(u) for u in users]
        if all_users == bool(names):
            raise ConfigError("a token reaches either named users or all users: give users or all_users=True")
        token = TOKEN_PREFIX + secrets.token_urlsafe(32)

        def run(db: sqlite_utils.Database) -> None:
            if db.execute(f"SELECT 1 FROM {TABLE} WHERE app = ?", [app]).fetchone():
                raise ConfigError(f"app {app!r} already has a token; revoke it first to issue a new one")
            uids = sorted({self._uid_in(db, n) for n in names})
            db.table(TABLE).insert({"app": app, "token_hash": _digest(token), "all_users": int(all_users),
                                    "uids": json.dumps(uids), "created_at": time.time()})
        self._vault.db.write(run)
        return token

    def _uid_in(self, db: sqlite_utils.Database, name: str) -> str:
        uid = self._vault.uid(db, name)
        if uid is None:
            raise UnknownUserError(f"no user {name!r}; create them first (edgealign user add {name})")
        return uid

    def revoke(self, app: str) -> bool:
        """Delete ``app``'s token at once; False if it had none."""
        check_app(app)
        return self._vault.db.write(lambda db: db.execute(f"DELETE FROM {TABLE} WHERE app = ?", [app]).rowcount > 0)

    def apps(self) -> list[AppToken]:
        """Every app that holds a token, by name, with the users it reaches."""
        rows = self._vault.db.read(lambda db: db.execute(
            f"SELECT app, all_users, uids, created_at FROM {TABLE} ORDER BY app").fetchall())
        names = self._vault.names_by_uid()
        return [AppToken(app, bool(every), tuple(sorted(names[u] for u in json.loads(uids) if u in names)), created)
                for app, every, uids, created in rows]

    def authenticate(self, token: str) -> TokenGrant | None:
        """What ``token`` grants, or None when it is no live token (never says why)."""
        if not isinstance(token, str) or not token.startswith(TOKEN_PREFIX) or len(token) > 256:
            return None
        digest = _digest(token)
        row = self._vault.db.read(lambda db: db.execute(
            f"SELECT app, token_hash, all_users, uids FROM {TABLE} WHERE token_hash = ?", [digest]).fetchone())
        if row is None or not hmac.compare_digest(row[1], digest):
            return None
        return TokenGrant(row[0], bool(row[2]), frozenset(json.loads(row[3])))

    def reaches(self, grant: TokenGrant, user: str) -> bool:
        """Whether ``grant`` reaches ``user``: with a list of users, False alike for a user it
        does not list and for one who does not exist."""
        if grant.all_users:
            return True
        try:
            name = rec.check_user(user)
        except DataError:
            return False
        uid = self._vault.db.read(lambda db: self._vault.uid(db, name))
        return uid is not None and uid in grant.uids
