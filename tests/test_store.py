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

from edgealign import Choice, Comment, Description, PreferenceProfile
from edgealign.errors import (ConfigError, DataError, PreferenceError, StoreError,
                              UnknownUserError, WrongKeyError)
from edgealign.store import Override, PassphraseKey, PersonaStore, RawKey, StoredItem
from _store_helpers import KEY, OTHER_KEY, store_files


# -- the API -----------------------------------------------------------------------------------
def test_round_trip_of_every_kind_of_record(store):
    assert store.add_user("alice") is True
    assert store.add_user("alice") is False  # idempotent
    direction = [0.5] * 90
    direction[3] = 1.0
    first = store.records.add_item("alice", Comment("Best pizza?", "Anchovies.", direction=direction))
    ids = store.records.add_items("alice", [Choice("Tea?", "Green", "Black"), {"type": "description", "text": "I cook."}])
    assert ids == [first + 1, first + 2]
    items = store.records.items("alice")
    assert [s.id for s in items] == [first + 2, first + 1, first]  # newest first
    assert items[0] == StoredItem(first + 2, "alice", items[0].created_at, Description("I cook."))
    assert items[2].item == Comment("Best pizza?", "Anchovies.", direction=direction)
    assert [s.id for s in store.records.items("alice", limit=2)] == [first + 2, first + 1]
    assert store.records.items("alice", limit=0) == []

    store.records.set_override("alice", 16, 1.0, locked=True)
    store.records.set_override("alice", 3, 0)
    assert store.records.overrides("alice") == {3: Override(0.0, False), 16: Override(1.0, True)}
    assert store.records.clear_override("alice", 16) is True and store.records.clear_override("alice", 16) is False
    assert store.records.overrides("alice") == {3: Override(0.0, False)}

    assert store.records.profile("alice") is None
    profile = PreferenceProfile.from_text("Older, Likes humor")
    store.records.save_profile("alice", profile, evidence={"items": [first], "note": "ünïcode"})
    assert store.records.profile("alice") == (profile, {"items": [first], "note": "ünïcode"})


def test_several_users_are_listed_and_kept_apart(store):
    for name in ("zoe", "ada", "名前"):
        store.add_user(name)
        store.records.add_item(name, Description(f"I am {name}"))
    assert store.users() == sorted(["zoe", "ada", "名前"])
    assert store.has_user("ada") and not store.has_user("bob")
    assert [s.item.text for s in store.records.items("zoe")] == ["I am zoe"]


def test_unknown_user_names_the_user_and_how_to_list(store):
    with pytest.raises(UnknownUserError) as info:
        store.records.items("carol")
    message = str(info.value)
    assert "'carol'" in message and "users()" in message and "add_user" in message
    for call in (lambda: store.records.add_item("carol", Description("x")), lambda: store.records.overrides("carol"),
                 lambda: store.records.set_override("carol", 1, 1.0), lambda: store.records.export_user("carol")):
        with pytest.raises(UnknownUserError):
            call()
    assert store.forget("carol") is False


def test_data_survives_reopening_and_the_store_closes_twice(path):
    store = PersonaStore.open(path, KEY)
    store.add_user("alice")
    store.records.add_item("alice", Comment("q", "kept"))
    store.close()
    store.close()
    assert store.closed and "closed" in repr(store)
    with pytest.raises(StoreError, match="closed"):
        store.records.items("alice")
    with PersonaStore.open(path, RawKey(KEY)) as again:
        assert [s.item.comment for s in again.records.items("alice")] == ["kept"]
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
                ids.append(store.records.add_item("alice", Comment(f"t{t}", f"item {i}")))
                store.records.items("alice", limit=8)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)
    threads = [threading.Thread(target=work, args=(t,)) for t in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(set(ids)) == 120 and {s.id for s in store.records.items("alice")} == set(ids)


# -- keys -----------------------------------------------------------------------------------
def test_a_wrong_key_changes_nothing_on_disk(path):
    with PersonaStore.open(path, PassphraseKey("right horse battery")) as store:
        store.add_user("alice")
        store.records.add_item("alice", Description("x"))
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
            store.records.add_item(name, Comment("q", f"{name} says hi"))
        store.records.set_override("bob", 2, 0.5, locked=True)
        store.rotate_key(PassphraseKey("new passphrase"))
        assert [s.item.comment for s in store.records.items("alice")] == ["alice says hi"]
        store.records.add_item("alice", Description("after rotation"))
    with pytest.raises(WrongKeyError):
        PersonaStore.open(path, KEY)
    with PersonaStore.open(path, PassphraseKey("new passphrase")) as store:
        assert store.users() == ["alice", "bob"]
        assert store.records.overrides("bob") == {2: Override(0.5, True)}
        store.rotate_key(OTHER_KEY)
        with pytest.raises(ConfigError, match="already has"):
            store.rotate_key(OTHER_KEY)
    with PersonaStore.open(path, OTHER_KEY) as store:
        assert len(store.records.items("alice")) == 2 and store.check() == []


def test_bad_keys_are_config_errors(path):
    for bad in (b"short", "a passphrase as str", 42):
        with pytest.raises(ConfigError):
            PersonaStore.open(path, bad)
    with pytest.raises(ConfigError):
        PersonaStore.open(path, KEY, max_text_bytes=0)
    assert not path.exists()


# -- portability ----------------------------------------------------------------------------
def test_export_and_import_round_trip(store):
    store.add_user("alice")
    store.records.add_items("alice", [Comment("q", "c"), Choice("p", "a", "b"), Description("d")])
    store.records.set_override("alice", 1, 0.0, locked=True)
    store.records.save_profile("alice", PreferenceProfile.from_text("Older"), evidence=[1, 2])
    data = json.loads(json.dumps(store.records.export_user("alice")))
    assert data["format"] == "edgealign.persona/1" and len(data["items"]) == 3
    with pytest.raises(DataError, match="already exists"):
        store.records.import_user(data)
    assert store.records.import_user(data, name="alice-copy") == "alice-copy"
    copy = store.records.export_user("alice-copy")
    assert {**copy, "user": "alice"} == data
    assert [s.created_at for s in store.records.items("alice-copy")] == [s.created_at for s in store.records.items("alice")]


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
        store.records.import_user(doc)
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
        store.records.add_item("alice", Description("before"))
        with pytest.raises(DataError, match=match):
            store.records.add_items("alice", [Description("good"), bad])
        assert [s.item for s in store.records.items("alice")] == [Description("before")]


@pytest.mark.parametrize("call, error", [
    (lambda s: s.add_user(""), DataError),
    (lambda s: s.add_user(7), DataError),
    (lambda s: s.add_user("x" * 2000), DataError),
    (lambda s: s.add_user("bad \ud800"), DataError),
    (lambda s: s.records.add_items("alice", "not a list"), DataError),
    (lambda s: s.records.set_override("alice", 90, 1.0), PreferenceError),
    (lambda s: s.records.set_override("alice", True, 1.0), DataError),
    (lambda s: s.records.set_override("alice", 3, 0.7), PreferenceError),
    (lambda s: s.records.set_override("alice", 3, "1"), DataError),
    (lambda s: s.records.set_override("alice", 3, 1.0, locked="yes"), DataError),
    (lambda s: s.records.save_profile("alice", {"values": []}), DataError),
    (lambda s: s.records.save_profile("alice", PreferenceProfile.neutral(), evidence={1, 2}), DataError),
    (lambda s: s.records.save_profile("alice", PreferenceProfile.neutral(), evidence=[float("nan")]), DataError),
    (lambda s: s.records.save_profile("alice", PreferenceProfile.neutral(), evidence=["y" * 5000]), DataError),
    (lambda s: s.records.save_profile("alice", PreferenceProfile.neutral(), evidence=["\udfff"]), DataError),
    (lambda s: s.records.items("alice", limit=-1), ConfigError),
])
def test_bad_arguments_are_clear_errors_and_write_nothing(path, call, error):
    with PersonaStore.open(path, KEY, max_text_bytes=4096) as store:
        store.add_user("alice")
        before = store.records.export_user("alice")
        with pytest.raises(error):
            call(store)
        assert store.records.export_user("alice") == before and store.users() == ["alice"]


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
        again.records.add_item("alice", Description("x"))
    assert hashlib.sha256(b"".join(store_files(store.path).values())).digest() != before
    assert os.path.getsize(store.path) > 0
