"""Every key, cipher and KDF of the persona store lives here, and nowhere else.

Key hierarchy::

    master key (32 bytes, from a key source: raw bytes, the OS keyring, or a passphrase
    │           through Argon2id with the salt stored beside the database)
    ├── HKDF-SHA256 "sqlcipher" -> SQLCipher raw key: the whole file, its WAL and journals
    ├── HKDF-SHA256 "wrap"      -> AES-256-GCM key that wraps each user's data key
    └── HKDF-SHA256 "lookup"    -> HMAC-SHA256 key: user name -> lookup tag (names are never
                                   stored in clear, not even inside the encrypted file)
    user data key (32 random bytes per user, stored wrapped) -> AES-256-GCM for the payloads

A sealed value is ``0x01 | 12-byte random nonce | ciphertext + 16-byte tag``. Its associated
data binds it to (user id, table, row, column), so a ciphertext moved to another row, user or
column, or edited by one bit, fails to open. Every failure is one opaque
:class:`~edgealign.errors.DecryptionError` that names the record and says nothing about why.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from ..errors import ConfigError, DecryptionError, StoreError

KEY_BYTES = 32
_NONCE_BYTES = 12
_VERSION = b"\x01"
_HKDF_SALT = b"edgealign.store/v1"

#: Argon2id cost for new stores: RFC 9106's second recommended option (t=3, p=4, m=64 MiB),
#: about 0.2 s on a 2-core laptop-class CPU. Stored per store, so it can change later.
ARGON2ID_DEFAULTS: dict[str, int] = {"iterations": 3, "lanes": 4, "memory_kib": 65536}
#: Fallback where cryptography lacks Argon2id (< 44): scrypt N=2^15, r=8, p=1 (about 0.1 s).
SCRYPT_DEFAULTS: dict[str, int] = {"log2_n": 15, "r": 8, "p": 1}


def check_master_key(key: Any) -> bytes:
    """``key`` as bytes if it is a usable master key, else a ConfigError saying what is wrong."""
    if not isinstance(key, (bytes, bytearray, memoryview)):
        raise ConfigError(f"a store key must be {KEY_BYTES} bytes, got {type(key).__name__}")
    data = bytes(key)
    if len(data) != KEY_BYTES:
        raise ConfigError(f"a store key must be exactly {KEY_BYTES} bytes, got {len(data)}; "
                          f"make one with os.urandom({KEY_BYTES})")
    return data


def new_master_key() -> bytes:
    """A fresh random master key (for the keyring source)."""
    return os.urandom(KEY_BYTES)


def _hkdf(master: bytes, purpose: str) -> bytes:
    info = f"edgealign.store/v1/{purpose}".encode()
    return HKDF(algorithm=hashes.SHA256(), length=KEY_BYTES, salt=_HKDF_SALT, info=info).derive(master)


def _aad(uid: str, table: str, row: object, column: str) -> bytes:
    return "\x00".join(("edgealign.store/v1", uid, table, str(row), column)).encode()


def _seal(aead: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _VERSION + nonce + aead.encrypt(nonce, plaintext, aad)


def _open(aead: AESGCM, blob: object, aad: bytes, record: str) -> bytes:
    """Authenticate and decrypt, or raise the one opaque error naming ``record``."""
    try:
        if not isinstance(blob, bytes) or blob[:1] != _VERSION:
            raise InvalidTag
        return aead.decrypt(blob[1:1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES:], aad)
    except (InvalidTag, ValueError):
        raise DecryptionError(f"could not decrypt {record}") from None


class MasterKeys:
    """The keys derived from one master key. Holds no master key bytes after construction."""

    __slots__ = ("sqlcipher_key", "_wrap", "_lookup")

    def __init__(self, master: bytes) -> None:
        master = check_master_key(master)
        #: The SQLCipher ``PRAGMA key`` literal (raw-key form: SQLCipher runs no KDF of its own).
        self.sqlcipher_key = f"x'{_hkdf(master, 'sqlcipher').hex()}'"
        self._wrap = AESGCM(_hkdf(master, "wrap"))
        self._lookup = _hkdf(master, "lookup")

    def __repr__(self) -> str:
        return "MasterKeys(<hidden>)"

    def lookup(self, name: str) -> bytes:
        """The keyed tag under which user ``name`` is found (HMAC, so names stay secret)."""
        return hmac.new(self._lookup, name.encode("utf-8"), hashlib.sha256).digest()

    def wrap(self, uid: str, data_key: bytes) -> bytes:
        """Encrypt a user's data key under the wrapping key, bound to that user."""
        return _seal(self._wrap, data_key, _aad(uid, "users", uid, "wrapped_key"))

    def unwrap(self, uid: str, blob: object) -> "UserCipher":
        """The cipher of user ``uid``, from their wrapped data key."""
        data_key = _open(self._wrap, blob, _aad(uid, "users", uid, "wrapped_key"), f"users record {uid}")
        return UserCipher(uid, data_key)


    def rewrap(self, uid: str, blob: object, new: "MasterKeys") -> bytes:
        """User ``uid``'s wrapped data key, re-wrapped under ``new`` (for key rotation)."""
        data_key = _open(self._wrap, blob, _aad(uid, "users", uid, "wrapped_key"), f"users record {uid}")
        return new.wrap(uid, data_key)


class UserCipher:
    """AES-256-GCM under one user's data key; every value is bound to its place."""

    __slots__ = ("uid", "_aead")

    def __init__(self, uid: str, data_key: bytes) -> None:
        self.uid = uid
        self._aead = AESGCM(data_key)

    @classmethod
    def new(cls, keys: MasterKeys) -> tuple["UserCipher", bytes]:
        """A fresh user with a random id and data key: the cipher and the wrapped key."""
        uid = secrets.token_hex(16)
        data_key = os.urandom(KEY_BYTES)
        return cls(uid, data_key), keys.wrap(uid, data_key)

    def __repr__(self) -> str:
        return f"UserCipher({self.uid!r}, <hidden>)"

    def seal(self, table: str, row: object, column: str, plaintext: bytes) -> bytes:
        return _seal(self._aead, plaintext, _aad(self.uid, table, row, column))

    def open(self, table: str, row: object, column: str, blob: object) -> bytes:
        return _open(self._aead, blob, _aad(self.uid, table, row, column), f"{table} record {row}")

    def seal_many(self, table: str, column: str, rows: list[tuple[int, bytes]]) -> list[bytes]:
        """:meth:`seal` for many ``(row, plaintext)`` pairs of one table and column."""
        encrypt, head, tail = self._aead.encrypt, _aad(self.uid, table, "", "")[:-1], b"\x00" + column.encode()
        nonces = os.urandom(_NONCE_BYTES * len(rows))
        out = []
        for k, (row, plaintext) in enumerate(rows):
            nonce = nonces[k * _NONCE_BYTES:(k + 1) * _NONCE_BYTES]
            out.append(_VERSION + nonce + encrypt(nonce, plaintext, head + b"%d" % row + tail))
        return out

    def open_many(self, table: str, column: str, rows: list[tuple[int, bytes]]) -> list[bytes]:
        """:meth:`open` for many ``(row, blob)`` pairs of one table and column (the hot path
        of reading a history: the associated data is assembled from a shared prefix)."""
        decrypt, head, tail = self._aead.decrypt, _aad(self.uid, table, "", "")[:-1], b"\x00" + column.encode()
        out = []
        try:
            for row, blob in rows:
                if blob[:1] != _VERSION:
                    raise InvalidTag
                out.append(decrypt(blob[1:1 + _NONCE_BYTES], blob[1 + _NONCE_BYTES:], head + b"%d" % row + tail))
        except (InvalidTag, ValueError, TypeError):
            raise DecryptionError(f"could not decrypt {table} record {rows[len(out)][0]}") from None
        return out


# -- passphrases ---------------------------------------------------------------------------
def new_kdf_params() -> dict[str, Any]:
    """Parameters (with a fresh random salt) for a new passphrase-protected store."""
    salt = base64.b64encode(os.urandom(16)).decode()
    try:
        from cryptography.hazmat.primitives.kdf.argon2 import Argon2id  # noqa: F401
    except ImportError:  # pragma: no cover - cryptography < 44
        return {"kdf": "scrypt", "salt": salt, **SCRYPT_DEFAULTS}
    return {"kdf": "argon2id", "salt": salt, **ARGON2ID_DEFAULTS}


def derive_from_passphrase(passphrase: bytes, params: dict[str, Any]) -> bytes:
    """The master key for ``passphrase`` under the stored KDF ``params``."""
    try:
        salt = base64.b64decode(params["salt"], validate=True)
        if params["kdf"] == "argon2id":
            from cryptography.hazmat.primitives.kdf.argon2 import Argon2id

            return Argon2id(salt=salt, length=KEY_BYTES, iterations=int(params["iterations"]),
                            lanes=int(params["lanes"]), memory_cost=int(params["memory_kib"])).derive(passphrase)
        if params["kdf"] == "scrypt":
            from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

            return Scrypt(salt=salt, length=KEY_BYTES, n=2 ** int(params["log2_n"]),
                          r=int(params["r"]), p=int(params["p"])).derive(passphrase)
        raise ValueError(f"unknown kdf {params['kdf']!r}")
    except (KeyError, TypeError, ValueError, ImportError) as exc:
        raise StoreError(f"the store's passphrase parameters are unreadable ({exc}); "
                         "restore the .salt file from a backup") from exc
