"""The encrypted persona store: real SQLCipher files in temporary directories, no mocks."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import stat
import threading
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from edgealign import Choice, Comment, Description, PreferenceProfile
from edgealign.errors import (ConfigError, DataError, DecryptionError, PreferenceError, StoreError,
                              UnknownUserError, WrongKeyError)
from edgealign.store import Override, PassphraseKey, PersonaStore, RawKey, StoredItem
from edgealign.store._crypto import MasterKeys
from edgealign.store._db import Database

KEY = bytes(range(32))
OTHER_KEY = bytes(range(1, 33))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "store" / "persona.db"


@pytest.fixture
def store(path: Path):
    with PersonaStore.open(path, KEY) as s:
        yield s


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


# -- the API -----------------------------------------------------------------------------------
def test_round_trip_of_every_kind_of_record(store):
    assert store.add_user("alice") is True
    assert store.add_user("alice") is False  # idempotent
    direction = [0.5] * 90
    direction[3] = 1.0
    first = store.add_item("alice", Comment("Best pizza?", "Anchovies.", direction=direction))
    ids = store.add_items("alice", [Choice("Tea?", "Green", "Black"), {"type": "description", "text": "I cook."}])
    assert ids == [first + 1, first + 2]
    items = store.items("alice")
    assert [s.id for s in items] == [first + 2, first + 1, first]  # newest first
    assert items[0] == StoredItem(first + 2, "alice", items[0].created_at, Description("I cook."))
    assert items[2].item == Comment("Best pizza?", "Anchovies.", direction=direction)
    assert [s.id for s in store.items("alice", limit=2)] == [first + 2, first + 1]
    assert store.items("alice", limit=0) == []

    store.set_override("alice", 16, 1.0, locked=True)
    store.set_override("alice", 3, 0)
    assert store.overrides("alice") == {3: Override(0.0, False), 16: Override(1.0, True)}
    assert store.clear_override("alice", 16) is True and store.clear_override("alice", 16) is False
    assert store.overrides("alice") == {3: Override(0.0, False)}

    assert store.profile("alice") is None
    profile = PreferenceProfile.from_text("Older, Likes humor")
    store.save_profile("alice", profile, evidence={"items": [first], "note": "ünïcode"})
    assert store.profile("alice") == (profile, {"items": [first], "note": "ünïcode"})


def test_several_users_are_listed_and_kept_apart(store):
    for name in ("zoe", "ada", "名前"):
        store.add_user(name)
        store.add_item(name, Description(f"I am {name}"))
    assert store.users() == sorted(["zoe", "ada", "名前"])
    assert store.has_user("ada") and not store.has_user("bob")
    assert [s.item.text for s in store.items("zoe")] == ["I am zoe"]


def test_unknown_user_names_the_user_and_how_to_list(store):
    with pytest.raises(UnknownUserError) as info:
        store.items("carol")
    message = str(info.value)
    assert "'carol'" in message and "users()" in message and "add_user" in message
    for call in (lambda: store.add_item("carol", Description("x")), lambda: store.overrides("carol"),
                 lambda: store.set_override("carol", 1, 1.0), lambda: store.export_user("carol")):
        with pytest.raises(UnknownUserError):
            call()
    assert store.forget("carol") is False


def test_data_survives_reopening_and_the_store_closes_twice(path):
    store = PersonaStore.open(path, KEY)
    store.add_user("alice")
    store.add_item("alice", Comment("q", "kept"))
    store.close()
    store.close()
    assert store.closed and "closed" in repr(store)
    with pytest.raises(StoreError, match="closed"):
        store.items("alice")
    with PersonaStore.open(path, RawKey(KEY)) as again:
        assert [s.item.comment for s in again.items("alice")] == ["kept"]
        assert again.check() == []


def test_files_are_private_to_the_owner(store):
    store.add_user("alice")
    for p in store.path.parent.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) & 0o077 == 0, p.name


def test_threads_share_one_store(store):
    store.add_user("alice")
    ids: list[int] = []
    errors: list[BaseException] = []

    def work(t: int) -> None:
        try:
            for i in range(20):
                ids.append(store.add_item("alice", Comment(f"t{t}", f"item {i}")))
                store.items("alice", limit=8)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids)) == 120 and {s.id for s in store.items("alice")} == set(ids)


# -- encryption at rest ------------------------------------------------------------------------
def test_markers_never_reach_the_files(store):
    store.add_user("MARKER-NAME-7f3a")
    store.add_items("MARKER-NAME-7f3a", [Comment("MARKER-PROMPT-7f3a", "MARKER-COMMENT-7f3a"),
                                         Description("MARKER-DESC-7f3a")])
    store.save_profile("MARKER-NAME-7f3a", PreferenceProfile.neutral(), evidence=["MARKER-EVIDENCE-7f3a"])
    for moment in ("before checkpoint", "after checkpoint", "after close"):
        files = store_files(store.path)
        assert store.path.name in files
        for name, data in files.items():
            assert b"MARKER" not in data and b"7f3a" not in data, f"{moment}: {name}"
            assert "7f3a".encode("utf-16-le") not in data
        if moment == "before checkpoint":
            assert files.get(store.path.name + "-wal"), "the first writes sit in the WAL"
            store._db.checkpoint()
        elif moment == "after checkpoint":
            store.close()


def test_stdlib_sqlite_cannot_read_the_file(store):
    store.add_user("alice")
    store.close()
    conn = sqlite3.connect(store.path)
    with pytest.raises(sqlite3.DatabaseError, match="not a database"):
        conn.execute("SELECT * FROM sqlite_master").fetchall()
    conn.close()


def test_payloads_are_sealed_a_second_time_inside_the_file(store):
    """Even with the SQLCipher key, payloads and names are AES-GCM ciphertext."""
    store.add_user("MARKER-USER")
    store.add_item("MARKER-USER", Comment("MARKER-Q", "MARKER-A"))
    contents = decrypted_contents(store.path)
    assert b"CREATE TABLE" in contents  # the decryption really works
    assert b"MARKER" not in contents


def _tamper(path: Path, sql: str, params=()) -> None:
    raw = raw_database(path)
    raw.write(lambda db: db.execute(sql, params))
    raw.close()


def _swap(path: Path, table: str, column: str, where: str, first: object, second: object) -> None:
    """Exchange ``column`` between the rows whose ``where`` column is ``first`` and ``second``."""
    def run(db) -> None:
        get = f"SELECT {column} FROM {table} WHERE {where} = ?"
        a, b = (db.execute(get, [k]).fetchone()[0] for k in (first, second))
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {where} = ?", [b, first])
        db.execute(f"UPDATE {table} SET {column} = ? WHERE {where} = ?", [a, second])
    raw = raw_database(path)
    raw.write(run)
    raw.close()


@pytest.mark.parametrize("position", [0, 1, 12, 13, 40, -1])
def test_a_flipped_byte_is_a_decryption_error_naming_the_record(path, position):
    with PersonaStore.open(path, KEY) as store:
        store.add_user("alice")
        item_id = store.add_item("alice", Comment("q", "secret"))
    raw = raw_database(path)
    blob = bytearray(raw.read(lambda db: db.execute("SELECT payload FROM items").fetchone()[0]))
    raw.close()
    blob[position] ^= 0x01
    _tamper(path, "UPDATE items SET payload = ?", [bytes(blob)])
    with PersonaStore.open(path, KEY) as store, pytest.raises(DecryptionError) as info:
        store.items("alice")
    assert str(info.value) == f"could not decrypt items record {item_id}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_swapped_ciphertexts_are_detected(path):
    with PersonaStore.open(path, KEY) as store:
        for name in ("alice", "bob"):
            store.add_user(name)
            store.add_items(name, [Comment("q", f"{name} 1"), Comment("q", f"{name} 2")])
            store.set_override(name, 5, 1.0)
            store.save_profile(name, PreferenceProfile.neutral(), evidence=[name])
    raw = raw_database(path)
    a, b = (raw.read(lambda db: db.execute("SELECT uid FROM users WHERE lookup = ?",
                                            [MasterKeys(KEY).lookup(n)]).fetchone()[0]) for n in ("alice", "bob"))
    raw.close()
    _swap(path, "items", "payload", "id", 1, 3)  # alice's first item and bob's first item
    with PersonaStore.open(path, KEY) as store:
        for name, record in (("alice", 1), ("bob", 3)):
            with pytest.raises(DecryptionError, match=f"items record {record}$"):
                store.items(name)
        for table in ("overrides", "profiles"):
            _swap(path, table, "payload", "uid", a, b)
        with pytest.raises(DecryptionError, match=f"overrides record {a}"):
            store.overrides("alice")
        with pytest.raises(DecryptionError, match=f"profiles record {b}"):
            store.profile("bob")
    _swap(path, "users", "wrapped_key", "uid", a, b)
    with PersonaStore.open(path, KEY) as store:
        with pytest.raises(DecryptionError, match="users record"):
            store.overrides("alice")
        with pytest.raises(DecryptionError):
            store.users()


def test_items_of_one_user_cannot_trade_places(path):
    with PersonaStore.open(path, KEY) as store:
        store.add_user("alice")
        store.add_items("alice", [Comment("q", "first"), Comment("q", "second")])
    _swap(path, "items", "payload", "id", 1, 2)
    with PersonaStore.open(path, KEY) as store, pytest.raises(DecryptionError, match="items record 2"):
        store.items("alice")


# -- keys -----------------------------------------------------------------------------------
def test_a_wrong_key_changes_nothing_on_disk(path):
    with PersonaStore.open(path, PassphraseKey("right horse battery")) as store:
        store.add_user("alice")
        store.add_item("alice", Description("x"))
    before = store_files(path)
    assert set(before) == {"persona.db", "persona.db.salt"}
    salt = json.loads(before["persona.db.salt"])
    assert salt["kdf"] == "argon2id" and "right horse" not in before["persona.db.salt"].decode()
    for wrong in (PassphraseKey("wrong horse battery"), OTHER_KEY):
        with pytest.raises(WrongKeyError, match="nothing was changed"):
            PersonaStore.open(path, wrong)
        assert store_files(path) == before
    with PersonaStore.open(path, PassphraseKey("right horse battery")) as store:
        assert store.users() == ["alice"]


def test_what_is_not_a_store_is_refused_cleanly(tmp_path):
    plain = tmp_path / "plain.db"
    conn = sqlite3.connect(plain)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    conn.close()
    before = store_files(plain)
    with pytest.raises(WrongKeyError, match="not an edgealign store"):
        PersonaStore.open(plain, KEY)
    assert store_files(plain) == before
    (tmp_path / "dir.db").mkdir()
    with pytest.raises(StoreError) as info:
        PersonaStore.open(tmp_path / "dir.db", KEY)
    assert info.value.__cause__ is not None  # SQLite's own error, chained


def test_a_passphrase_cannot_open_a_store_made_with_a_raw_key(store):
    store.add_user("alice")
    store.close()
    before = store_files(store.path)
    with pytest.raises(WrongKeyError, match="salt"):
        PersonaStore.open(store.path, PassphraseKey("anything"))
    assert store_files(store.path) == before


def test_key_rotation_loses_nothing(path):
    with PersonaStore.open(path, KEY) as store:
        for name in ("alice", "bob"):
            store.add_user(name)
            store.add_item(name, Comment("q", f"{name} says hi"))
        store.set_override("bob", 2, 0.5, locked=True)
        store.rotate_key(PassphraseKey("new passphrase"))
        assert [s.item.comment for s in store.items("alice")] == ["alice says hi"]
        store.add_item("alice", Description("after rotation"))
    with pytest.raises(WrongKeyError):
        PersonaStore.open(path, KEY)
    with PersonaStore.open(path, PassphraseKey("new passphrase")) as store:
        assert store.users() == ["alice", "bob"]
        assert store.overrides("bob") == {2: Override(0.5, True)}
        store.rotate_key(OTHER_KEY)
        with pytest.raises(ConfigError, match="already has"):
            store.rotate_key(OTHER_KEY)
    with PersonaStore.open(path, OTHER_KEY) as store:
        assert len(store.items("alice")) == 2 and store.check() == []


def test_bad_keys_are_config_errors(path):
    for bad in (b"short", "a passphrase as str", 42):
        with pytest.raises(ConfigError):
            PersonaStore.open(path, bad)
    with pytest.raises(ConfigError):
        PersonaStore.open(path, KEY, max_text_bytes=0)
    assert not path.exists()


# -- deletion -------------------------------------------------------------------------------
def test_forget_leaves_no_trace_in_any_file(path):
    store = PersonaStore.open(path, KEY)
    for name in ("alice", "bob"):
        store.add_user(name)
        store.add_items(name, [Comment(f"MARKER-{name}-q{i}", f"MARKER-{name}-c{i}") for i in range(30)])
        store.set_override(name, 7, 1.0)
        store.save_profile(name, PreferenceProfile.neutral(), evidence=[f"MARKER-{name}"])
    raw = raw_database(path)
    uid, lookup, name_blob, wrapped = raw.read(lambda db: db.execute(
        "SELECT uid, lookup, name, wrapped_key FROM users WHERE lookup = ?", [MasterKeys(KEY).lookup("alice")]).fetchone())
    blobs = [r[0] for r in raw.read(lambda db: db.execute(
        "SELECT payload FROM items WHERE uid = ? UNION ALL SELECT payload FROM overrides WHERE uid = ? "
        "UNION ALL SELECT payload FROM profiles WHERE uid = ?", [uid, uid, uid]).fetchall())]
    raw.close()
    traces = [uid.encode(), lookup, name_blob, wrapped, *blobs]
    store._db.checkpoint()
    assert all(t in decrypted_contents(path) for t in traces)  # the search can find them

    assert store.forget("alice") is True
    assert store.users() == ["bob"]
    with pytest.raises(UnknownUserError):
        store.items("alice")
    for moment in ("open", "closed"):
        contents = decrypted_contents(path)
        files = store_files(path)
        for trace in traces:
            assert trace not in contents, moment
            assert all(trace not in data for data in files.values()), moment
        store.close()
    with PersonaStore.open(path, KEY) as store:
        assert store.users() == ["bob"] and len(store.items("bob")) == 30
        assert store.overrides("bob") == {7: Override(1.0, False)} and store.check() == []


# -- portability ----------------------------------------------------------------------------
def test_export_and_import_round_trip(store):
    store.add_user("alice")
    store.add_items("alice", [Comment("q", "c"), Choice("p", "a", "b"), Description("d")])
    store.set_override("alice", 1, 0.0, locked=True)
    store.save_profile("alice", PreferenceProfile.from_text("Older"), evidence=[1, 2])
    data = json.loads(json.dumps(store.export_user("alice")))
    assert data["format"] == "edgealign.persona/1" and len(data["items"]) == 3
    with pytest.raises(DataError, match="already exists"):
        store.import_user(data)
    assert store.import_user(data, name="alice-copy") == "alice-copy"
    copy = store.export_user("alice-copy")
    assert {**copy, "user": "alice"} == data
    assert [s.created_at for s in store.items("alice-copy")] == [s.created_at for s in store.items("alice")]


@pytest.mark.parametrize("doc", [
    {}, [], {"format": "edgealign.persona/1"},
    {"format": "edgealign.persona/1", "user": "x", "items": [{"created_at": 1.0, "item": {"type": "song"}}]},
    {"format": "edgealign.persona/1", "user": "x", "items": [{"created_at": "noon", "item": {"type": "description", "text": "t"}}]},
    {"format": "edgealign.persona/1", "user": "x", "overrides": {"400": {"value": 1.0}}},
    {"format": "edgealign.persona/1", "user": "x", "overrides": {"3": {"value": 0.7}}},
    {"format": "edgealign.persona/1", "user": "x", "profile": {"profile": {"space_version": "nope"}}},
    {"format": "edgealign.persona/1", "user": "x",
     "items": [{"created_at": 1.0, "item": {"type": "description", "text": "ok"}},
               {"created_at": 1.0, "item": {"type": "description", "text": "\ud800"}}]},
])
def test_a_bad_import_writes_nothing(store, doc):
    with pytest.raises((DataError, PreferenceError)):
        store.import_user(doc)
    assert store.users() == []


# -- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize("bad, match", [
    (Comment("q", "x" * 1025), "over the store's limit"),
    (Comment("q", "é" * 600), "1,200 bytes"),
    (Comment("q", "lone \udc80 surrogate"), "lone surrogate"),
    ({"type": "comment", "prompt": b"bytes", "comment": "c"}, "must be text"),
    ({"type": "comment", "prompt": "only"}, "lacks"),
    (42, "must be a Comment"),
    ("a string", "must be a Comment"),
])
def test_bad_items_are_refused_whole(path, bad, match):
    with PersonaStore.open(path, KEY, max_text_bytes=1024) as store:
        store.add_user("alice")
        store.add_item("alice", Description("before"))
        with pytest.raises(DataError, match=match):
            store.add_items("alice", [Description("good"), bad])
        assert [s.item for s in store.items("alice")] == [Description("before")]


@pytest.mark.parametrize("call, error", [
    (lambda s: s.add_user(""), DataError),
    (lambda s: s.add_user(7), DataError),
    (lambda s: s.add_user("x" * 2000), DataError),
    (lambda s: s.add_user("bad \ud800"), DataError),
    (lambda s: s.add_items("alice", "not a list"), DataError),
    (lambda s: s.set_override("alice", 90, 1.0), PreferenceError),
    (lambda s: s.set_override("alice", True, 1.0), DataError),
    (lambda s: s.set_override("alice", 3, 0.7), PreferenceError),
    (lambda s: s.set_override("alice", 3, "1"), DataError),
    (lambda s: s.set_override("alice", 3, 1.0, locked="yes"), DataError),
    (lambda s: s.save_profile("alice", {"values": []}), DataError),
    (lambda s: s.save_profile("alice", PreferenceProfile.neutral(), evidence={1, 2}), DataError),
    (lambda s: s.save_profile("alice", PreferenceProfile.neutral(), evidence=[float("nan")]), DataError),
    (lambda s: s.save_profile("alice", PreferenceProfile.neutral(), evidence=["y" * 5000]), DataError),
    (lambda s: s.save_profile("alice", PreferenceProfile.neutral(), evidence=["\udfff"]), DataError),
    (lambda s: s.items("alice", limit=-1), ConfigError),
])
def test_bad_arguments_are_clear_errors_and_write_nothing(path, call, error):
    with PersonaStore.open(path, KEY, max_text_bytes=4096) as store:
        store.add_user("alice")
        before = store.export_user("alice")
        with pytest.raises(error):
            call(store)
        assert store.export_user("alice") == before and store.users() == ["alice"]


# -- home directory -------------------------------------------------------------------------
def test_home_dir_follows_edgealign_home(tmp_path, monkeypatch):
    from edgealign.home import home_dir

    monkeypatch.setenv("EDGEALIGN_HOME", str(tmp_path / "home"))
    assert home_dir() == tmp_path / "home"
    with PersonaStore.open(key=KEY) as store:
        assert store.path == tmp_path / "home" / "persona.db"
    monkeypatch.delenv("EDGEALIGN_HOME")
    import platformdirs

    assert home_dir() == Path(platformdirs.user_data_dir("edgealign", appauthor=False))


def test_store_files_hash_helper_sees_changes(store):
    """Guards the byte-identity assertions above: a real write does change the bytes."""
    store.add_user("alice")
    store.close()
    before = hashlib.sha256(b"".join(store_files(store.path).values())).digest()
    with PersonaStore.open(store.path, KEY) as again:
        again.add_item("alice", Description("x"))
    assert hashlib.sha256(b"".join(store_files(store.path).values())).digest() != before
    assert os.path.getsize(store.path) > 0
