"""The encrypted on-device persona store.

A user's history (comments, choices, descriptions), their preference overrides and their
inferred profiles never leave the device and are never on disk in plaintext: the whole
SQLite file (tables, indexes, WAL) is encrypted with SQLCipher, and every payload is sealed
again with the user's own AES-256-GCM key, so forgetting a user destroys their key::

    from edgealign.store import PersonaStore, PassphraseKey

    with PersonaStore.open(key=PassphraseKey("correct horse")) as store:
        store.add_user("alice")
        store.add_item("alice", Comment("Best pizza?", "Anything with anchovies."))
        latest = store.items("alice", limit=8)

The key comes from the app (32 bytes), a passphrase (``EDGEALIGN_PASSPHRASE`` or
``EDGEALIGN_PASSPHRASE_FILE``) or the OS keyring; see docs/store.md for the threat model.
"""

from __future__ import annotations

from ._records import Override, StoredItem
from ._store import PersonaStore
from .keys import KeyringKey, KeySource, PassphraseKey, RawKey, default_key_source

__all__ = [
    "PersonaStore",
    "StoredItem",
    "Override",
    "KeySource",
    "RawKey",
    "PassphraseKey",
    "KeyringKey",
    "default_key_source",
]
