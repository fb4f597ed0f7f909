"""Key sources: the app's bytes, a passphrase (env or file), the OS keyring, none at all."""

from __future__ import annotations

import time
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend
from keyring.backends import fail

from edgealign.errors import KeyUnavailableError, WrongKeyError
from edgealign.store import KeyringKey, PassphraseKey, PersonaStore, RawKey, default_key_source

KEY = bytes(range(32))


class MemoryKeyring(KeyringBackend):
    """A real keyring backend that keeps its entries in this process (CI has no OS keyring)."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.entries: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.entries.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.entries[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.entries[(service, username)]


@pytest.fixture
def memory_keyring():
    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    yield backend
    keyring.set_keyring(previous)


@pytest.fixture
def no_keyring(monkeypatch):
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    for name in ("EDGEALIGN_PASSPHRASE", "EDGEALIGN_PASSPHRASE_FILE"):
        monkeypatch.delenv(name, raising=False)
    yield
    keyring.set_keyring(previous)


def test_no_source_names_every_option(no_keyring, tmp_path):
    with pytest.raises(KeyUnavailableError) as info:
        PersonaStore.open(tmp_path / "p.db")
    message = str(info.value)
    for option in ("32-byte key", "EDGEALIGN_PASSPHRASE", "EDGEALIGN_PASSPHRASE_FILE", "keyring"):
        assert option in message
    assert not (tmp_path / "p.db").exists()


def test_passphrase_from_the_environment(no_keyring, monkeypatch, tmp_path):
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", "from the env")
    assert "EDGEALIGN_PASSPHRASE" in repr(default_key_source()) and "from the env" not in repr(default_key_source())
    start = time.perf_counter()
    with PersonaStore.open(tmp_path / "p.db") as store:
        store.add_user("alice")
    assert 0.02 < time.perf_counter() - start < 5  # Argon2id really ran
    with PersonaStore.open(tmp_path / "p.db", PassphraseKey("from the env")) as store:
        assert store.users() == ["alice"]


def test_passphrase_file(no_keyring, monkeypatch, tmp_path):
    secret = tmp_path / "passphrase"
    secret.write_text("in a file\n")
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE_FILE", str(secret))
    with PersonaStore.open(tmp_path / "p.db") as store:
        store.add_user("alice")
    with PersonaStore.open(tmp_path / "p.db", PassphraseKey("in a file")) as store:  # newline dropped
        assert store.users() == ["alice"]
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE_FILE", str(tmp_path / "missing"))
    with pytest.raises(KeyUnavailableError, match="missing"):
        PersonaStore.open(tmp_path / "p.db")
    secret.write_text("")
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE_FILE", str(secret))
    with pytest.raises(KeyUnavailableError, match="empty"):
        PersonaStore.open(tmp_path / "p.db")


def test_keyring_key_is_created_once_and_reused(memory_keyring, no_keyring_env, tmp_path):
    assert isinstance(default_key_source(), KeyringKey)
    with PersonaStore.open(tmp_path / "p.db") as store:
        store.add_user("alice")
    (entry,) = memory_keyring.entries
    assert entry[0] == "edgealign" and str((tmp_path / "p.db").resolve()) in entry[1]
    with PersonaStore.open(tmp_path / "p.db") as store:
        assert store.users() == ["alice"]
    memory_keyring.entries.clear()
    with pytest.raises(KeyUnavailableError, match="no key"):
        PersonaStore.open(tmp_path / "p.db")


@pytest.fixture
def no_keyring_env(monkeypatch):
    for name in ("EDGEALIGN_PASSPHRASE", "EDGEALIGN_PASSPHRASE_FILE"):
        monkeypatch.delenv(name, raising=False)


def test_rotation_into_the_keyring_survives_a_crash_before_it_finishes(memory_keyring, tmp_path):
    path = tmp_path / "p.db"
    with PersonaStore.open(path, KEY) as store:
        store.add_user("alice")
        store.rotate_key(KeyringKey())
    assert len(memory_keyring.entries) == 1  # staged entry promoted, then removed
    with PersonaStore.open(path, KeyringKey()) as store:
        # a crash after the rekey but before finish_rotation: only the staged entry has the key
        (account,) = [a for _, a in memory_keyring.entries]
        store.rotate_key(KeyringKey())
        staged = memory_keyring.entries[("edgealign", account)]
    memory_keyring.entries[("edgealign", account + "#next")] = staged
    memory_keyring.entries[("edgealign", account)] = KEY.hex()  # the old, now wrong, key
    with pytest.raises(WrongKeyError):
        PersonaStore.open(path, RawKey(KEY))
    with PersonaStore.open(path, KeyringKey()) as store:
        assert store.users() == ["alice"]
    assert memory_keyring.entries == {("edgealign", account): staged}


def test_key_sources_never_show_their_secret():
    for source in (RawKey(KEY), PassphraseKey("hunter2"), KeyringKey()):
        assert "hunter2" not in repr(source) and KEY.hex() not in repr(source)


def test_default_home_is_used_when_no_path_is_given(monkeypatch, tmp_path: Path):
    monkeypatch.setenv("EDGEALIGN_HOME", str(tmp_path / "nested" / "home"))
    with PersonaStore.open(key=KEY) as store:
        store.add_user("alice")
    assert (tmp_path / "nested" / "home" / "persona.db").stat().st_size > 0


def test_an_empty_passphrase_variable_says_it_is_empty(no_keyring, monkeypatch, memory_keyring, tmp_path):
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", "")
    with pytest.raises(KeyUnavailableError, match=r"\$EDGEALIGN_PASSPHRASE is empty"):
        default_key_source()
    monkeypatch.delenv("EDGEALIGN_PASSPHRASE")
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE_FILE", "")
    with pytest.raises(KeyUnavailableError, match=r"\$EDGEALIGN_PASSPHRASE_FILE is set but empty"):
        default_key_source()
