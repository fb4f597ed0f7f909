"""Whole histories through the bridge: the head graph, recency weights, the encrypted
embedding cache in the store, and the Personalizer reading everything a user said."""

import os
from pathlib import Path

import numpy as np
import pytest

from edgealign import Choice, Comment, Description
from edgealign.bridge import PreferenceBridge, recency_weights
from edgealign.errors import DataError
from edgealign.featurize import bridge_units

pytest.importorskip("torch")

ROOT = Path(__file__).resolve().parents[1]


def _history(n: int, seed: int = 5) -> list:
    from edgealign.training.synth import SynthConfig, generate_users

    user = next(generate_users(SynthConfig(users=1, seed=seed, history=n)))
    return list(user.persona.items())[:n]


@pytest.fixture(scope="module")
def bridge(tiny_bridge_artifact):
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as b:
        yield b


def test_recency_weights_keep_the_window_then_halve_and_cap():
    w = recency_weights(12, 4, 2.0)
    assert w[:4].tolist() == [1.0] * 4
    assert w[4] == pytest.approx(0.5 ** 0.5) and w[5] == pytest.approx(0.5)
    assert recency_weights(12, 4, None).tolist() == [1.0] * 12
    capped = recency_weights(40, 8, None, max_mass=8.0)
    assert capped.sum() == pytest.approx(8.0) and np.allclose(capped, capped[0])
    assert recency_weights(3, 8, 32.0, max_mass=8.0).tolist() == [1.0] * 3


def test_past_the_cap_an_item_counts_by_what_it_says():
    informative = np.r_[np.full(30, 0.1), [0.9, 0.8]]   # 30 items of small talk, then two statements
    w = recency_weights(32, 8, None, max_mass=8.0, informative=informative)
    assert w[30:].tolist() == pytest.approx([0.9, 0.8])   # their mass is under the cap: in full
    assert w[:30].tolist() == pytest.approx([0.1] * 30)
    w = recency_weights(32, 8, None, max_mass=8.0, informative=np.ones(32))
    assert np.allclose(w, 0.25)                          # all informative: capped as before
    w = recency_weights(6, 8, None, max_mass=8.0, informative=np.zeros(6))
    assert w.tolist() == [1.0] * 6                       # under the cap nothing changes


def test_the_head_on_embeddings_gives_the_single_graphs_profile(bridge):
    assert bridge.reads_history
    items = _history(8)
    alone = bridge.infer(items)                  # one call of the single graph
    chained = bridge.infer(items, bridge.encode(items))  # embeddings, then the head
    assert np.abs(alone.distribution - chained.distribution).max() < 1e-4
    assert {(e.dimension, e.item) for e in alone.evidence} == {(e.dimension, e.item) for e in chained.evidence}


def test_embeddings_do_not_depend_on_the_chunk_an_item_was_encoded_in(bridge):
    items = _history(30)
    together = bridge.encode(items)
    one_by_one = [bridge.encode([it])[0] for it in items[:5]]
    for item, a, b in zip(items, together, one_by_one):
        assert a.shape == b.shape == (len(bridge_units([item]).texts), a.shape[1])
        assert np.abs(a - b).max() < 1e-5


def test_weighted_head_matches_torch(bridge, tiny_bridge_checkpoint):
    """A 30-item history through head.onnx with recency weights, against the stock torch
    head's unit logits summed with the same weights."""
    import torch

    from edgealign.featurize import configure, tokenize
    from edgealign.training.bridge import load_bridge

    items = _history(30)
    profile = bridge.infer(items)
    model, tokenizer, cfg = load_bridge(tiny_bridge_checkpoint)
    units = bridge_units(items)
    ids, mask = tokenize(configure(tokenizer, cfg.max_length), units.texts)
    with torch.no_grad():
        x = torch.from_numpy(units.combine) @ model.embed(torch.from_numpy(ids), torch.from_numpy(mask))
        logits = model.head.item_logits(x, torch.from_numpy(units.kind))
        informative = np.zeros(len(items))  # per item, its strongest relevance to any dimension
        np.maximum.at(informative, units.item, (1 - torch.softmax(logits, -1)[..., 1]).amax(-1).numpy())
        w = recency_weights(len(items), bridge.max_items, bridge.half_life, bridge.max_mass, informative)
        w = torch.from_numpy(w[units.item])
        _, evidence = model.head.aggregate(logits, torch.from_numpy(units.sign), torch.from_numpy(units.kind))
        relevance = 1 - torch.softmax(logits, -1)[..., 1]
        a, b = torch.nn.functional.softplus(model.head.agg)
        z, m = (evidence * w[:, None]).sum(0), (relevance * w[:, None]).sum(0)
        user = torch.stack([-a * z, model.head.agg_bias - b * m, a * z], -1)
    assert np.abs(torch.softmax(user, -1).numpy() - profile.distribution).max() < 1e-4


def test_past_the_cap_relevance_is_scored_once_per_item(tiny_bridge_artifact):
    """The cap's relevance pass reads only items it has not scored; the profile is the same."""
    items = _history(30)
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as b:
        first = b.infer(items)
        fed: list[int] = []
        run = b._head.run
        b._head = type("Spy", (), {"run": lambda self, out, feed: fed.append(len(feed["row"])) or run(out, feed)})()
        again = b.infer(items)
        newer = b.infer([Comment("Plans?", "A long walk. Then tea."), *items])
    assert np.array_equal(first.distribution, again.distribution)
    assert fed[0] == sum(len(bridge_units([it]).kind) for it in items)  # the main pass only
    assert fed[1:] == [2, fed[0] + 2]  # the new item's two sentences, then the main pass
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as fresh:
        assert np.abs(fresh.infer([Comment("Plans?", "A long walk. Then tea."), *items]).distribution
                      - newer.distribution).max() < 1e-6


def test_old_items_count_and_the_profile_names_them(bridge):
    items = _history(40)
    profile = bridge.infer(items)
    assert max(e.item for e in profile.evidence) >= bridge.max_items
    newest_only = bridge.infer(items[: bridge.max_items])
    assert not np.allclose(profile.distribution, newest_only.distribution)
    per_dim: dict[int, int] = {}
    for e in profile.evidence:
        per_dim[e.dimension] = per_dim.get(e.dimension, 0) + 1
    assert max(per_dim.values()) <= 8  # the strongest items per dimension, not hundreds


def test_a_history_of_one_kind_leaves_the_other_inputs_empty(bridge):
    comments = [Comment("Day?", f"Walked {n} miles. Then slept.") for n in range(12)]
    profile = bridge.infer(comments)
    assert np.allclose(profile.distribution.sum(1), 1.0, atol=1e-5)
    assert max(e.item for e in profile.evidence) >= bridge.max_items


def test_horizon_follows_the_half_life(bridge):
    assert bridge.horizon == bridge.max_items + 319  # 32 items x log2(1000), rounded up
    bridge.half_life = None
    try:
        assert bridge.horizon is None
    finally:
        bridge.half_life = 32.0


def test_an_artifact_without_a_head_reads_the_newest_items_as_before(tiny_bridge_artifact, tmp_path):
    import json
    import shutil

    from edgealign.errors import ArtifactError

    folder = tmp_path / "old"
    shutil.copytree(tiny_bridge_artifact, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["files"]["head.onnx"], manifest["details"]["head"]
    (folder / "manifest.json").write_text(json.dumps(manifest))
    items = _history(20)
    with PreferenceBridge.load(folder, precision="fp32") as old:
        assert not old.reads_history and old.horizon == old.max_items
        with pytest.raises(ArtifactError, match="re-export"):
            old.encode(items)
        newest = old.infer(items[: old.max_items]).distribution
        assert np.array_equal(old.infer(items).distribution, newest)


# -- the store's cache ------------------------------------------------------------------------
def test_cache_round_trip_invalidation_and_ownership(store):
    store.add_user("ada")
    store.add_user("bo")
    ids = store.records.add_items("ada", [Comment("q", "One. Two."), Description("Three.")])
    other = store.records.add_item("bo", Comment("q", "Four."))
    first = {ids[0]: np.arange(8, dtype=np.float32).reshape(2, 4), ids[1]: np.ones((1, 4))}
    store.embeddings.put("ada", "k1", first)
    got = store.embeddings.get("ada", "k1", [*ids, 999])
    assert set(got) == set(ids) and np.array_equal(got[ids[0]], first[ids[0]])
    assert store.embeddings.get("ada", "k2", ids) == {}
    assert store.embeddings.get("bo", "k1", ids) == {}
    with pytest.raises(DataError, match="not one of"):
        store.embeddings.put("ada", "k1", {other: np.ones((1, 4))})
    with pytest.raises(DataError):
        store.embeddings.put("ada", "k1", {ids[0]: np.full((1, 4), np.nan)})
    store.embeddings.put("ada", "k2", {ids[0]: np.zeros((2, 4))})  # a new artifact: old rows go
    assert store.embeddings.get("ada", "k1", ids) == {}
    assert set(store.embeddings.get("ada", "k2", ids)) == {ids[0]}


def test_cache_is_sealed_and_forget_shreds_it(store):
    store.add_user("ada")
    (item,) = store.records.add_items("ada", [Comment("q", "Hello there.")])
    values = np.linspace(-1, 1, 384, dtype=np.float32)[None]
    store.embeddings.put("ada", "k1", {item: values})
    (blob,) = store._vault.db.read(lambda db: [r[0] for r in db.execute("SELECT payload FROM embedding_cache")])
    assert values.tobytes()[:64] not in blob
    store._vault.db.write(lambda db: db.execute("UPDATE embedding_cache SET cache_key = 'k2'"))
    from edgealign.errors import DecryptionError

    with pytest.raises(DecryptionError):  # the key is bound to the ciphertext
        store.embeddings.get("ada", "k2", [item])
    assert store.forget("ada")
    assert store._vault.db.read(lambda db: db.execute("SELECT count(*) FROM embedding_cache").fetchone()[0]) == 0


# -- the Personalizer ---------------------------------------------------------------------------
@pytest.fixture
def personalizer(tiny_bridge_artifact, tmp_path):
    from edgealign import Personalizer
    from edgealign.store import PersonaStore

    bridge = PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1)
    with Personalizer(PersonaStore.open(tmp_path / "persona.db", os.urandom(32)), bridge=bridge) as p:
        yield p


def test_a_new_item_costs_one_encode_and_matches_a_fresh_inference(personalizer):
    p = personalizer
    p.add_user("ada")
    p.record("ada", _history(24)[::-1])
    calls: list[int] = []
    encode = p.bridge.encode
    p.bridge.encode = lambda items: calls.append(len(items)) or encode(items)
    try:
        p.profile("ada")
        p.record_comment("ada", "Plans?", "A long walk. Then tea.")
        updated = p.profile("ada")
    finally:
        p.bridge.encode = encode
    assert calls == [24, 1]
    fresh = p.bridge.infer(p.history("ada"))
    assert np.abs(fresh.distribution - updated.distribution).max() < 1e-5
    assert p.forget("ada")
    assert p.store._vault.db.read(lambda db: db.execute("SELECT count(*) FROM embedding_cache").fetchone()[0]) == 0


# -- plain statements -----------------------------------------------------------------------------
STATEMENTS = [
    Comment("How do you like your answers?", "I keep my answers brief."),
    Comment("Any wishes for the assistant?", "Keep it short."),
    Description("I prefer factual, no-nonsense answers without jokes."),
]
UNRELATED = [Comment("What did you do today?", t) for t in (
    "Went to the market.", "Fixed the bike.", "Read the news.", "Called my sister.", "Walked to work.",
    "Cooked rice.", "Paid the bills.", "Watered the plants.", "Took the bus.", "Cleaned the kitchen.")]


def _plain_bridge():
    """The bridge named by $EDGEALIGN_BRIDGE, else the one `make demo` built, else the one
    shipped in the package, if it reads whole histories and was trained on this SDK's sentence
    units; else None."""
    from edgealign.featurize import UNITS_VERSION
    from edgealign.home import PACKAGED_BRIDGE

    for folder in (Path(os.environ.get("EDGEALIGN_BRIDGE", "/nonexistent")),
                   ROOT / ".edgealign" / "artifacts" / "bridge", PACKAGED_BRIDGE):
        try:
            bridge = PreferenceBridge.load(folder, threads=1)
        except Exception:  # absent or from another version: the test has nothing to read
            continue
        if bridge.reads_history and bridge.manifest.details.get("units_version") == UNITS_VERSION:
            return bridge
        bridge.close()
    return None


def test_plain_statements_count_in_a_longer_history():
    """Three plain statements, older than the newest ten items, make the profile concise and
    humour-averse. Needs a bridge that reads language (the demo's, the packaged one, or the
    `default` preset's through $EDGEALIGN_BRIDGE); the tiny test bridge has a random encoder
    and cannot, so without one the test skips."""
    from edgealign.preferences import SPACE

    bridge = _plain_bridge()
    if bridge is None:
        pytest.skip("no bridge that reads whole histories in this SDK's sentence units "
                    "(run `make demo`, or set EDGEALIGN_BRIDGE)")
    concise, humour = SPACE.resolve("Concise communication style")[0], SPACE.resolve("Dislikes humor")[0]
    with bridge:
        profile = bridge.infer([*UNRELATED, *STATEMENTS])  # newest first: the statements are oldest
    assert profile.values[concise] == 1.0, profile.to_text()
    assert profile.values[humour] == 0.0, profile.to_text()


def test_a_bridge_trained_on_other_sentence_units_is_named_when_loaded(tiny_bridge_artifact, tmp_path, caplog):
    import json
    import logging
    import shutil

    from edgealign.featurize import UNITS_VERSION

    assert json.loads((tiny_bridge_artifact / "manifest.json").read_text())["details"]["units_version"] == UNITS_VERSION
    folder = tmp_path / "old"
    shutil.copytree(tiny_bridge_artifact, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["details"]["units_version"]  # exported before the version was recorded
    (folder / "manifest.json").write_text(json.dumps(manifest))
    with caplog.at_level(logging.WARNING, logger="edgealign.bridge"), PreferenceBridge.load(folder, precision="fp32"):
        pass
    assert f"sentence units of version 1 and this SDK makes version {UNITS_VERSION}" in caplog.text
    assert "retrain and re-export" in caplog.text
