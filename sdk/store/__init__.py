"""The encrypted on-device persona store.

A user's history (comments, choices, descriptions), their preference overrides and their
inferred profiles never leave the device and are never on disk in plaintext: the whole
SQLite file (tables, indexes, WAL) is encrypted with SQLCipher, and every payload is sealed
again with the user's own AES-256-GCM key, so forgetting a user destroys their key::

    from edgealign.store import PersonaStore, PassphraseKey

    with PersonaStore.open(key=PassphraseKey("correct horse")) as store:
        store.add_user("alice")
        store.records.add_item("alice", Comment("Best pizza?", "Anything with anchovies."))
        latest = store.records.items("alice", limit=8)

What is kept about a user lives in the store's rooms, each an object with a narrow face over
the one database and key hierarchy: ``store.records`` (history, overrides, profiles, export),
``store.tokens`` (the server's app tokens), ``store.embeddings`` (the bridge's cache) and
``store.settings`` (the steering strength).

The key comes from the app (32 bytes), a passphrase (``EDGEALIGN_PASSPHRASE`` or
``EDGEALIGN_PASSPHRASE_FILE``) or the OS keyring; see docs/store.md for the threat model.
"""

from __future__ import annotations

from ._embeddings import EmbeddingCache
from ._history import Records
from ._records import Override, StoredItem
from ._settings import Settings
from ._store import PersonaStore
from ._tokens import AppToken, AppTokens, TokenGrant
from .keys import KeyringKey, KeySource, PassphraseKey, RawKey, default_key_source

__all__ = [
    "PersonaStore",
    "Records",
    "AppTokens",
    "EmbeddingCache",
    "Settings",
    "StoredItem",
    "Override",
    "AppToken",
    "TokenGrant",
    "KeySource",
    "RawKey",
    "PassphraseKey",
    "KeyringKey",
    "default_key_source",
]
