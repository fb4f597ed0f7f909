"""The store at rest: nothing readable in any file, tampering detected, deletion complete."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from edgealign import Comment, Description, PreferenceProfile
from edgealign.errors import (DecryptionError, UnknownUserError)
from edgealign.store import Override, PersonaStore
from _store_helpers import KEY, decrypted_contents, raw_database, store_files
from edgealign.store._crypto import MasterKeys


# -- encryption at rest ------------------------------------------------------------------------
def test_markers_never_reach_the_files(store):
    store.add_user("MARKER-NAME-7f3a")
    store.records.add_items("MARKER-NAME-7f3a", [Comment("MARKER-PROMPT-7f3a", "MARKER-COMMENT-7f3a"),
                                         Description("MARKER-DESC-7f3a")])
    store.records.save_profile("MARKER-NAME-7f3a", PreferenceProfile.neutral(), evidence=["MARKER-EVIDENCE-7f3a"])
    for moment in ("before checkpoint", "after checkpoint", "after close"):
        files = store_files(store.path)
        assert store.path.name in files
        for name, data in files.items():
            assert b"MARKER" not in data and b"7f3a" not in data, f"{moment}: {name}"
            assert "7f3a".encode("utf-16-le") not in data
        if moment == "before checkpoint":
            assert files.get(store.path.name + "-wal"), "the first writes sit in the WAL"
            store._vault.db.checkpoint()
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
    store.records.add_item("MARKER-USER", Comment("MARKER-Q", "MARKER-A"))
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
        item_id = store.records.add_item("alice", Comment("q", "secret"))
    raw = raw_database(path)
    blob = bytearray(raw.read(lambda db: db.execute("SELECT payload FROM items").fetchone()[0]))
    raw.close()
    blob[position] ^= 0x01
    _tamper(path, "UPDATE items SET payload = ?", [bytes(blob)])
    with PersonaStore.open(path, KEY) as store, pytest.raises(DecryptionError) as info:
        store.records.items("alice")
    assert str(info.value) == f"could not decrypt items record {item_id}"
    assert info.value.__cause__ is None and info.value.__suppress_context__


def test_swapped_ciphertexts_are_detected(path):
    with PersonaStore.open(path, KEY) as store:
        for name in ("alice", "bob"):
            store.add_user(name)
            store.records.add_items(name, [Comment("q", f"{name} 1"), Comment("q", f"{name} 2")])
            store.records.set_override(name, 5, 1.0)
            store.records.save_profile(name, PreferenceProfile.neutral(), evidence=[name])
    raw = raw_database(path)
    a, b = (raw.read(lambda db: db.execute("SELECT uid FROM users WHERE lookup = ?",
                                            [MasterKeys(KEY).lookup(n)]).fetchone()[0]) for n in ("alice", "bob"))
    raw.close()
    _swap(path, "items", "payload", "id", 1, 3)  # alice's first item and bob's first item
    with PersonaStore.open(path, KEY) as store:
        for name, record in (("alice", 1), ("bob", 3)):
            with pytest.raises(DecryptionError, match=f"items record {record}$"):
                store.records.items(name)
        for table in ("overrides", "profiles"):
            _swap(path, table, "payload", "uid", a, b)
        with pytest.raises(DecryptionError, match=f"overrides record {a}"):
            store.records.overrides("alice")
        with pytest.raises(DecryptionError, match=f"profiles record {b}"):
            store.records.profile("bob")
    _swap(path, "users", "wrapped_key", "uid", a, b)
    with PersonaStore.open(path, KEY) as store:
        with pytest.raises(DecryptionError, match="users record"):
            store.records.overrides("alice")
        with pytest.raises(DecryptionError):
            store.users()


def test_items_of_one_user_cannot_trade_places(path):
    with PersonaStore.open(path, KEY) as store:
        store.add_user("alice")
        store.records.add_items("alice", [Comment("q", "first"), Comment("q", "second")])
    _swap(path, "items", "payload", "id", 1, 2)
    with PersonaStore.open(path, KEY) as store, pytest.raises(DecryptionError, match="items record 2"):
        store.records.items("alice")


# -- deletion -------------------------------------------------------------------------------
def test_forget_leaves_no_trace_in_any_file(path):
    store = PersonaStore.open(path, KEY)
    for name in ("alice", "bob"):
        store.add_user(name)
        store.records.add_items(name, [Comment(f"MARKER-{name}-q{i}", f"MARKER-{name}-c{i}") for i in range(30)])
        store.records.set_override(name, 7, 1.0)
        store.records.save_profile(name, PreferenceProfile.neutral(), evidence=[f"MARKER-{name}"])
    raw = raw_database(path)
    uid, lookup, name_blob, wrapped = raw.read(lambda db: db.execute(
        "SELECT uid, lookup, name, wrapped_key FROM users WHERE lookup = ?", [MasterKeys(KEY).lookup("alice")]).fetchone())
    blobs = [r[0] for r in raw.read(lambda db: db.execute(
        "SELECT payload FROM items WHERE uid = ? UNION ALL SELECT payload FROM overrides WHERE uid = ? "
        "UNION ALL SELECT payload FROM profiles WHERE uid = ?", [uid, uid, uid]).fetchall())]
    raw.close()
    traces = [uid.encode(), lookup, name_blob, wrapped, *blobs]
    store._vault.db.checkpoint()
    assert all(t in decrypted_contents(path) for t in traces)  # the search can find them

    assert store.forget("alice") is True
    assert store.users() == ["bob"]
    with pytest.raises(UnknownUserError):
        store.records.items("alice")
    for moment in ("open", "closed"):
        contents = decrypted_contents(path)
        files = store_files(path)
        for trace in traces:
            assert trace not in contents, moment
            assert all(trace not in data for data in files.values()), moment
        store.close()
    with PersonaStore.open(path, KEY) as store:
        assert store.users() == ["bob"] and len(store.records.items("bob")) == 30
        assert store.records.overrides("bob") == {7: Override(1.0, False)} and store.check() == []


