"""The settings room: per-user settings kept beside the history; today the steering strength
(0 to 2, default 1).

Sealed under the user's key like everything else about them, in the ``user_settings`` table
of schema step ``m004_user_settings``; forgetting a user deletes the row with the rest.
"""

from __future__ import annotations

import json
import time
from typing import Any

import sqlite_utils

from ..errors import DecryptionError
from ._crypto import UserCipher
from ._vault import Vault

__all__ = ["Settings", "DEFAULT_STRENGTH"]

TABLE = "user_settings"
DEFAULT_STRENGTH = 1.0


class Settings:
    """``store.settings``: each user's settings (the steering strength)."""

    def __init__(self, vault: Vault) -> None:
        self._vault = vault

    def strength(self, user: str) -> float:
        """``user``'s steering strength (1.0 until set)."""
        cipher = self._vault.cipher(user)
        return float(self._vault.db.read(lambda db: _read(db, cipher)).get("strength", DEFAULT_STRENGTH))

    def set_strength(self, user: str, strength: float) -> None:
        """Keep ``user``'s steering strength: 0 (off) to 2; ConfigError outside that range."""
        from ..steering import check_strength

        value = check_strength(strength)

        def run(db: sqlite_utils.Database, cipher: UserCipher) -> None:
            settings = {**_read(db, cipher), "strength": value}
            blob = cipher.seal(TABLE, cipher.uid, "payload", json.dumps(settings).encode("utf-8"))
            db.table(TABLE).insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob}, replace=True)
        self._vault.write_user(user, run)


def _read(db: sqlite_utils.Database, cipher: UserCipher) -> dict[str, Any]:
    row = db.execute(f"SELECT payload FROM {TABLE} WHERE uid = ?", [cipher.uid]).fetchone()
    if row is None:
        return {}
    try:
        data = json.loads(cipher.open(TABLE, cipher.uid, "payload", row[0]))
    except ValueError:
        raise DecryptionError("a stored record failed authentication") from None
    return data if isinstance(data, dict) else {}
