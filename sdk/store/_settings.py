"""Per-user settings kept beside the history: today the steering strength (0 to 2, default 1).

Sealed under the user's key like everything else about them, in the ``user_settings`` table
of schema step ``m004_user_settings``; forgetting a user deletes the row with the rest.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from ..errors import DecryptionError

if TYPE_CHECKING:
    import sqlite_utils

__all__ = ["SettingsMixin", "DEFAULT_STRENGTH"]

TABLE = "user_settings"
DEFAULT_STRENGTH = 1.0


class SettingsMixin:
    """``strength`` / ``set_strength`` for :class:`~edgealign.store.PersonaStore`."""

    def strength(self, user: str) -> float:
        """``user``'s steering strength (1.0 until set)."""
        cipher = self._cipher(user)  # type: ignore[attr-defined]
        return float(self._db.read(lambda db: _read(db, cipher)).get("strength", DEFAULT_STRENGTH))  # type: ignore[attr-defined]

    def set_strength(self, user: str, strength: float) -> None:
        """Keep ``user``'s steering strength: 0 (off) to 2; ConfigError outside that range."""
        from ..steering import check_strength

        value = check_strength(strength)

        def run(db: "sqlite_utils.Database", cipher: Any) -> None:
            settings = {**_read(db, cipher), "strength": value}
            blob = cipher.seal(TABLE, cipher.uid, "payload", json.dumps(settings).encode("utf-8"))
            db[TABLE].insert({"uid": cipher.uid, "updated_at": time.time(), "payload": blob}, replace=True)
        self._write_user(user, run)  # type: ignore[attr-defined]


def _read(db: "sqlite_utils.Database", cipher: Any) -> dict[str, Any]:
    row = db.execute(f"SELECT payload FROM {TABLE} WHERE uid = ?", [cipher.uid]).fetchone()
    if row is None:
        return {}
    try:
        data = json.loads(cipher.open(TABLE, cipher.uid, "payload", row[0]))
    except ValueError:
        raise DecryptionError("a stored record failed authentication") from None
    return data if isinstance(data, dict) else {}
