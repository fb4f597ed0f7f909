"""Schema migrations: every older schema opens with the current code and keeps its data."""

from __future__ import annotations

import time

import pytest

from edgealign import Comment
from edgealign.errors import StoreError
from edgealign.store import PersonaStore
from edgealign.store import migrations
from edgealign.store._crypto import MasterKeys, UserCipher
from edgealign.store._db import Database

KEY = bytes(range(32))


def test_steps_are_named_and_ordered():
    names = list(migrations.MIGRATIONS)
    assert names == sorted(names) and all(n[0] == "m" and n[1:4].isdigit() and n[4] == "_" for n in names)
    assert [int(n[1:4]) for n in names] == list(range(1, len(names) + 1))


def _old_store(path, upto: str) -> None:
    """A store at schema step ``upto`` holding one user with one item, written the way the
    code of that time wrote it (the users and items tables date from m001)."""
    keys = MasterKeys(KEY)
    db = Database(path, keys.sqlcipher_key)
    assert migrations.migrate(db, upto=upto)[-1] == upto
    cipher, wrapped = UserCipher.new(keys)

    def write(sdb) -> None:
        sdb["users"].insert({"uid": cipher.uid, "lookup": keys.lookup("alice"), "wrapped_key": wrapped,
                             "name": cipher.seal("users", cipher.uid, "name", b"alice"), "created_at": time.time()})
        payload = b'{"type": "comment", "prompt": "old", "comment": "from an old schema"}'
        sdb["items"].insert({"id": 1, "uid": cipher.uid, "created_at": time.time(),
                             "payload": cipher.seal("items", 1, "payload", payload)})
    db.write(write)
    db.close()


@pytest.mark.parametrize("upto", list(migrations.MIGRATIONS))
def test_every_older_schema_migrates_and_keeps_its_data(tmp_path, upto):
    path = tmp_path / "p.db"
    _old_store(path, upto)
    with PersonaStore.open(path, KEY) as store:
        assert [s.item for s in store.records.items("alice")] == [Comment("old", "from an old schema")]
        store.records.set_override("alice", 1, 1.0)  # tables of later steps work
        store.records.add_item("alice", Comment("new", "after migrating"))
        assert store.check() == []
    db = Database(path, MasterKeys(KEY).sqlcipher_key)
    assert db.read(migrations.applied) == list(migrations.MIGRATIONS)
    assert migrations.migrate(db) == []  # idempotent
    db.close()


def test_a_store_from_a_newer_edgealign_is_refused(tmp_path):
    path = tmp_path / "p.db"
    PersonaStore.open(path, KEY).close()
    db = Database(path, MasterKeys(KEY).sqlcipher_key)
    db.write(lambda sdb: sdb[migrations.VERSION_TABLE].insert({"name": "m999_future", "applied_at": 0.0}))
    db.close()
    with pytest.raises(StoreError, match="newer edgealign"):
        PersonaStore.open(path, KEY)
