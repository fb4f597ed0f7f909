"""Where the store's master key comes from: the app, the OS keyring, or a passphrase.

:func:`default_key_source` picks, in order: ``EDGEALIGN_PASSPHRASE``, then
``EDGEALIGN_PASSPHRASE_FILE``, then the OS keyring when a real backend exists. Headless
Linux usually has no keyring, so the passphrase is a first-class path, not a fallback.
A passphrase goes through Argon2id; its salt and cost live in ``<db>.salt`` beside the
database (JSON, no secrets), and stay fixed for the life of the store.
"""

from __future__ import annotations

import json
import os
import tempfile
from abc import ABC, abstractmethod
from pathlib import Path
from typing import Any

from ..errors import ConfigError, KeyUnavailableError, StoreError, WrongKeyError
from . import _crypto

__all__ = ["KeySource", "RawKey", "PassphraseKey", "KeyringKey", "default_key_source", "OPTIONS"]

PASSPHRASE_ENV = "EDGEALIGN_PASSPHRASE"
PASSPHRASE_FILE_ENV = "EDGEALIGN_PASSPHRASE_FILE"
#: What a user can do when no key is available; every KeyUnavailableError ends with it.
OPTIONS = (
    f"set {PASSPHRASE_ENV}, point {PASSPHRASE_FILE_ENV} at a file holding the passphrase, "
    "install an OS keyring backend (e.g. Secret Service on Linux), or (from code) open the store "
    "with a 32-byte key"
)
_SALT_FORMAT = "edgealign.store.kdf/1"


class KeySource(ABC):
    """Produces the store's 32-byte master key. Subclass to plug in another secret store."""

    @abstractmethod
    def master_key(self, db_path: Path, *, create: bool) -> bytes:
        """The master key of the store at ``db_path``; ``create`` is true for a new store."""

    def rotation_key(self, db_path: Path) -> bytes:
        """The key to rotate *to*. A source may stage it where a crash cannot lose it."""
        return self.master_key(db_path, create=True)

    def staged_key(self, db_path: Path) -> bytes | None:
        """A key staged by a rotation that was interrupted before :meth:`finish_rotation`."""
        return None

    def finish_rotation(self, db_path: Path) -> None:
        """The store now opens with :meth:`rotation_key`; make that key the current one."""


class RawKey(KeySource):
    """A 32-byte key the app manages itself (from its own secure storage)."""

    def __init__(self, key: bytes) -> None:
        self._key = _crypto.check_master_key(key)

    def __repr__(self) -> str:
        return "RawKey(<32 bytes>)"

    def master_key(self, db_path: Path, *, create: bool) -> bytes:
        return self._key


class PassphraseKey(KeySource):
    """A passphrase, stretched with Argon2id (about 0.2 s) and the store's stored salt."""

    def __init__(self, passphrase: str | bytes, *, origin: str = "the passphrase") -> None:
        if isinstance(passphrase, str):
            try:
                passphrase = passphrase.encode("utf-8")
            except UnicodeEncodeError as exc:
                raise ConfigError(f"{origin} is not valid text (it holds a lone surrogate)") from exc
        if not isinstance(passphrase, bytes):
            raise ConfigError(f"a passphrase must be text, got {type(passphrase).__name__}")
        if not passphrase:
            raise KeyUnavailableError(f"{origin} is empty; {OPTIONS}")
        self._passphrase = passphrase
        self.origin = origin

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> "PassphraseKey":
        """Read the passphrase from a file (one trailing newline is dropped)."""
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise KeyUnavailableError(f"cannot read the passphrase file {str(path)!r} "
                                      f"({exc.strerror}); {OPTIONS}") from exc
        return cls(data.removesuffix(b"\n").removesuffix(b"\r"), origin=f"the passphrase file {str(path)!r}")

    def __repr__(self) -> str:
        return f"PassphraseKey(<{self.origin}>)"

    def master_key(self, db_path: Path, *, create: bool) -> bytes:
        return _crypto.derive_from_passphrase(self._passphrase, _kdf_params(db_path, create=create))


def salt_path(db_path: Path) -> Path:
    """The plaintext sidecar holding the passphrase salt and KDF cost (no secrets)."""
    return db_path.with_name(db_path.name + ".salt")


def _kdf_params(db_path: Path, *, create: bool) -> dict[str, Any]:
    path = salt_path(db_path)
    if not path.exists():
        if not create:
            raise WrongKeyError(
                f"{db_path} has no salt file {path.name}: the store was not created with a "
                "passphrase, or the salt file was lost; a passphrase cannot open it (nothing was changed)"
            )
        _write_once(path, {"format": _SALT_FORMAT, **_crypto.new_kdf_params()})
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError) as exc:
        raise StoreError(f"cannot read the salt file {path}: {exc}") from exc
    if not isinstance(data, dict) or data.get("format") != _SALT_FORMAT:
        raise StoreError(f"{path} is not an edgealign salt file (format {_SALT_FORMAT!r})")
    return data


def _write_once(path: Path, data: dict[str, Any]) -> None:
    """Create ``path`` whole or not at all; when another process won the race, keep theirs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f, indent=2)
            f.flush()
            os.fsync(f.fileno())
        try:
            os.link(tmp, path)  # atomic, and fails if the file exists
        except FileExistsError:
            pass
    finally:
        os.unlink(tmp)
    _fsync_dir(path.parent)


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - platforms without directory handles
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


class KeyringKey(KeySource):
    """A random key kept in the OS keyring (macOS Keychain, Windows, Secret Service).

    The entry is ``service`` / ``account``; ``account`` defaults to the store's absolute path,
    so two stores never share a key. A rotation stages the new key under ``account + "#next"``
    first, so a crash mid-rotation cannot lose it.
    """

    def __init__(self, service: str = "edgealign", account: str | None = None) -> None:
        self.service = service
        self.account = account

    def __repr__(self) -> str:
        return f"KeyringKey(service={self.service!r}, account={self.account!r})"

    def _account(self, db_path: Path) -> str:
        return self.account or f"persona-store:{db_path.resolve()}"

    def master_key(self, db_path: Path, *, create: bool) -> bytes:
        account = self._account(db_path)
        key = self._get(account)
        if key is None:
            if not create:
                raise KeyUnavailableError(f"the OS keyring has no key {self.service}/{account} "
                                          f"for the existing store {db_path}; {OPTIONS}")
            key = _crypto.new_master_key()
            self._set(account, key)
        return key

    def rotation_key(self, db_path: Path) -> bytes:
        key = _crypto.new_master_key()
        self._set(self._account(db_path) + "#next", key)
        return key

    def staged_key(self, db_path: Path) -> bytes | None:
        return self._get(self._account(db_path) + "#next")

    def finish_rotation(self, db_path: Path) -> None:
        account = self._account(db_path)
        key = self._get(account + "#next")
        if key is not None:
            self._set(account, key)
            self._call("delete_password", account + "#next")

    def _get(self, account: str) -> bytes | None:
        text = self._call("get_password", account)
        if text is None:
            return None
        try:
            return _crypto.check_master_key(bytes.fromhex(text))
        except (ValueError, ConfigError) as exc:
            raise StoreError(f"the keyring entry {self.service}/{account} is not an edgealign key") from exc

    def _set(self, account: str, key: bytes) -> None:
        self._call("set_password", account, key.hex())

    def _call(self, name: str, *args: str) -> Any:
        import keyring
        from keyring.errors import KeyringError

        try:
            return getattr(keyring, name)(self.service, *args)
        except KeyringError as exc:
            raise KeyUnavailableError(f"the OS keyring failed ({exc}); {OPTIONS}") from exc


def keyring_available() -> bool:
    """Whether a real OS keyring backend is installed and reachable."""
    try:
        import keyring

        backend = keyring.get_keyring()
        return float(getattr(backend, "priority", 0)) > 0
    except Exception:  # a broken keyring installation is no keyring
        return False


def default_key_source() -> KeySource:
    """The key source for this environment, or KeyUnavailableError naming every option."""
    passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase is not None:  # set but empty is a mistake to name, not a reason to look elsewhere
        return PassphraseKey(passphrase, origin=f"${PASSPHRASE_ENV}")
    passphrase_file = os.environ.get(PASSPHRASE_FILE_ENV)
    if passphrase_file is not None:
        if not passphrase_file:
            raise KeyUnavailableError(f"${PASSPHRASE_FILE_ENV} is set but empty: it names no file; {OPTIONS}")
        return PassphraseKey.from_file(passphrase_file)
    if keyring_available():
        return KeyringKey()
    raise KeyUnavailableError(f"no key for the persona store: {OPTIONS}")


def as_source(key: object) -> KeySource:
    """The key source of a ``key`` argument: None (:func:`default_key_source`), a key source,
    or 32 raw bytes; ConfigError for anything else."""
    if key is None:
        return default_key_source()
    if isinstance(key, KeySource):
        return key
    if isinstance(key, (bytes, bytearray, memoryview)):
        return RawKey(bytes(key))
    raise ConfigError(f"key must be 32 bytes or a key source (RawKey, PassphraseKey, KeyringKey), "
                      f"got {type(key).__name__}; wrap a passphrase in PassphraseKey(...)")
