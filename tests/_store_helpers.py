"""Helpers shared by the store tests: the files on disk, the keyed database underneath, and
SQLCipher page decryption to look inside the files for leftovers."""

from __future__ import annotations

from pathlib import Path

from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from edgealign.store._crypto import MasterKeys
from edgealign.store._db import Database

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


def store_files(path: Path) -> dict[str, bytes]:
    """Every file of the store as it is on disk now (db, -wal, -shm, journal, .salt)."""
    return {p.name: p.read_bytes() for p in sorted(path.parent.iterdir()) if p.is_file()}


def raw_database(path: Path, key: bytes = KEY) -> Database:
    """The keyed connection under the store, to tamper with ciphertexts as an attacker with
    write access to the (decrypted) database could."""
    return Database(path, MasterKeys(key).sqlcipher_key)


# -- SQLCipher 4 page decryption, to look inside the files for leftovers ----------------------
PAGE, RESERVE = 4096, 80  # SQLCipher 4 defaults: 16-byte IV + 64-byte HMAC-SHA512 per page


def _decrypt_page(key: bytes, page: bytes, first: bool) -> bytes:
    iv = page[PAGE - RESERVE:PAGE - RESERVE + 16]
    decryptor = Cipher(algorithms.AES(key), modes.CBC(iv)).decryptor()
    return decryptor.update(page[16 if first else 0:PAGE - RESERVE]) + decryptor.finalize()


def decrypted_contents(path: Path, key: bytes = KEY) -> bytes:
    """Every page of the database file and every frame of its WAL, decrypted."""
    sqlcipher_key = bytes.fromhex(MasterKeys(key).sqlcipher_key[2:-1])
    pages = []
    db = path.read_bytes() if path.exists() else b""
    for offset in range(0, len(db) - PAGE + 1, PAGE):
        pages.append(_decrypt_page(sqlcipher_key, db[offset:offset + PAGE], offset == 0))
    wal_path = path.with_name(path.name + "-wal")
    wal = wal_path.read_bytes() if wal_path.exists() else b""
    for offset in range(32, len(wal) - 24 - PAGE + 1, 24 + PAGE):
        page_number = int.from_bytes(wal[offset:offset + 4], "big")
        pages.append(_decrypt_page(sqlcipher_key, wal[offset + 24:offset + 24 + PAGE], page_number == 1))
    return b"".join(pages)
