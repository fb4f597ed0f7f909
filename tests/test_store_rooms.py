"""The store's rooms and the facade the CLI and the server go through: each room is its own
object over one database and key hierarchy, where a value comes from is decided in one
place, and a profile view is computed once."""

import json

import numpy as np
import pytest

from _store_helpers import KEY
from edgealign import Comment, Description, Personalizer
from edgealign._dimensions import ProfileView, value_source
from edgealign.errors import UnknownUserError
from edgealign.store import AppTokens, EmbeddingCache, Override, PersonaStore, Records, Settings
from edgealign.testing import FakeBridge, FakeLLM

#: The store's own public face: the file, its users, and the four rooms.
STORE_FACE = {"open", "path", "closed", "max_text_bytes", "close", "check", "rotate_key", "users", "has_user",
              "require_user", "add_user", "forget", "records", "tokens", "embeddings", "settings"}


def _public(obj: object) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def test_the_store_is_its_users_and_four_rooms(store):
    assert _public(store) == STORE_FACE
    assert isinstance(store.records, Records) and isinstance(store.tokens, AppTokens)
    assert isinstance(store.embeddings, EmbeddingCache) and isinstance(store.settings, Settings)
    assert _public(store.tokens) == {"create", "revoke", "apps", "authenticate", "reaches"}
    assert _public(store.embeddings) == {"get", "put", "clear"}
    assert _public(store.settings) == {"strength", "set_strength"}


def test_every_room_refuses_an_unknown_user_the_same_way(store):
    calls = [lambda: store.records.items("nobody"), lambda: store.records.overrides("nobody"),
             lambda: store.settings.strength("nobody"), lambda: store.embeddings.get("nobody", "k", [1]),
             lambda: store.embeddings.clear("nobody"), lambda: store.require_user("nobody")]
    for call in calls:
        with pytest.raises(UnknownUserError, match="no user 'nobody'.*store.users\\(\\) lists them"):
            call()


def test_rooms_share_one_key_hierarchy_across_a_rotation(path):
    with PersonaStore.open(path, KEY) as store:
        store.add_user("ada")
        (item,) = store.records.add_items("ada", [Comment("Q?", "A.")])
        store.embeddings.put("ada", "k1", {item: np.ones((2, 4), np.float32)})
        store.settings.set_strength("ada", 1.5)
        token = store.tokens.create("app", ["ada"])
        store.rotate_key(b"n" * 32)
        # every room reads with the new keys at once: they hold the store's vault, not a copy
        assert store.records.items("ada")[0].item == Comment("Q?", "A.")
        assert store.embeddings.get("ada", "k1", [item])[item].shape == (2, 4)
        assert store.settings.strength("ada") == 1.5
        assert store.tokens.reaches(store.tokens.authenticate(token), "ada")
    with PersonaStore.open(path, b"n" * 32) as again:
        assert again.records.items("ada")[0].item == Comment("Q?", "A.")


def test_forget_clears_the_user_from_every_room(store):
    store.add_user("ada")
    (item,) = store.records.add_items("ada", [Description("me")])
    store.embeddings.put("ada", "k1", {item: np.ones((1, 4), np.float32)})
    store.settings.set_strength("ada", 0.5)
    store.records.set_override("ada", 3, 1.0)
    assert store.forget("ada")
    counts = store._vault.db.read(lambda db: [db.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in
                                              ("items", "embedding_cache", "user_settings", "overrides", "users")])
    assert counts == [0, 0, 0, 0, 0]


def test_value_source_is_one_rule():
    assert value_source(None) == "inferred"
    assert value_source(Override(1.0)) == "override"
    assert value_source(Override(0.0, locked=True)) == "locked"


@pytest.fixture()
def p(path):
    with Personalizer(PersonaStore.open(path, KEY), bridge=FakeBridge(), llm=FakeLLM()) as pers:
        pers.add_user("ada")
        pers.record("ada", [Description("I like short answers"), Comment("Sport?", "I love football")])
        yield pers


def test_a_view_computes_the_profile_once_and_names_each_source(p):
    p.lock("ada", 16, 1.0)
    p.override("ada", 20, 0.0)
    reads = []
    overrides = p.store.records.overrides
    p.store.records.overrides = lambda user: reads.append(user) or overrides(user)
    view = p.view("ada", top=90)
    assert p.bridge.calls == 1 and len(reads) <= 2, "one inference; the overrides read once (and once by infer)"
    assert isinstance(view, ProfileView) and view.strength == 1.0
    assert view.source(16) == "locked" and view.source(20) == "override" and view.source(0) == "inferred"
    rows = view.rows()
    assert [r["index"] for r in rows] == list(range(90))
    assert rows[16]["source"] == "locked" and rows[20]["source"] == "override" and rows[16]["value"] == 1.0
    assert {e.dimension.index: e.source for e in view.explained}[16] == "locked"
    assert [e.dimension.index for e in p.explain("ada", top=3)] == [e.dimension.index for e in view.explained[:3]]
    assert "evidence" not in rows[0] and rows[0].keys() <= view.rows(evidence=True)[0].keys()


def test_the_server_document_and_the_cli_rows_are_one_builder(p):
    from edgealign.cli._user import profile_rows
    from edgealign.server.persona_routes import profile_document

    p.lock("ada", 16, 1.0)
    document = profile_document(p, "ada", top=90)
    profile, rows = profile_rows(p, "ada")
    assert [{k: v for k, v in r.items() if k != "evidence"} for r in document["dimensions"]] == rows
    assert document["text"] == profile.to_text() and document["strength"] == 1.0
    json.dumps(document)  # JSON-able as served


def test_the_facade_carries_export_import_and_tokens(p):
    document = p.export_user("ada")
    assert p.import_user(document, "ada2") == "ada2" and p.has_user("ada2")
    assert p.history("ada2") == p.history("ada")
    token = p.tokens.create("notes", ["ada"])
    grant = p.tokens.authenticate(token)
    assert grant is not None and p.tokens.reaches(grant, "ada") and not p.tokens.reaches(grant, "ada2")


def test_a_second_view_reads_the_overrides_once_and_infers_nothing(p):
    p.view("ada", top=5)
    reads = []
    overrides = p.store.records.overrides
    p.store.records.overrides = lambda user: reads.append(user) or overrides(user)
    p.view("ada", top=5)
    assert p.bridge.calls == 1 and reads == ["ada"]
