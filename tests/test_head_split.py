"""The bridge head in two graphs (edgealign._head_split): the same outputs as the whole head,
each sentence scored against the example memory once per loaded bridge, and older artifacts
(the whole head only) still read."""

import json
import shutil

import numpy as np
import onnxruntime as ort
import pytest

from edgealign import Comment
from edgealign import _head_split
from edgealign._head_feed import rows_per_item
from edgealign._head_split import HEAD_UNITS, SplitHead
from edgealign.bridge import HEAD, PreferenceBridge, head_feed
from edgealign.errors import ArtifactError
from edgealign.featurize import bridge_units

pytest.importorskip("torch")


def _history(n: int, seed: int = 11) -> list:
    from edgealign.training.synth import SynthConfig, generate_users

    user = next(generate_users(SynthConfig(users=1, seed=seed, history=n)))
    return list(user.persona.items())[:n]


def _feed(bridge: PreferenceBridge, items: list, rng: np.random.Generator) -> dict[str, np.ndarray]:
    units = bridge_units(items)
    table = np.zeros((len(units.texts), bridge._dim()), dtype=np.float32)
    for rows, e in zip(rows_per_item(units, len(items)), bridge.encode(items)):
        table[rows] = e
    return head_feed(table, units.text, units.sign, units.kind, rng.random(len(units.sign), dtype=np.float32))


class _Counting:
    """A session that records how many sentences each call scores."""

    def __init__(self, session) -> None:
        self.session, self.rows = session, []

    def run(self, outputs, feed):
        self.rows.append(len(feed["row"]))
        return self.session.run(outputs, feed)


def test_the_split_head_gives_the_whole_heads_outputs(tiny_bridge_artifact):
    manifest = json.loads((tiny_bridge_artifact / "manifest.json").read_text())
    assert HEAD_UNITS in manifest["files"] and manifest["details"]["head"]["units"]["file"] == HEAD_UNITS
    whole = ort.InferenceSession(str(tiny_bridge_artifact / HEAD), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    names = ["unit_logits", "user_logits", "evidence"]
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as bridge:
        assert isinstance(bridge._head, SplitHead)
        for seed in (1, 2, 3):
            feed = _feed(bridge, _history(30, seed), rng)
            for _ in range(2):  # scored, then from the memo
                for got, ref in zip(bridge._head.run(names, feed), whole.run(names, feed)):
                    assert np.abs(got - ref).max() < 1e-5


def test_an_update_scores_only_the_new_items_sentences(tiny_bridge_artifact):
    items = _history(40)
    new = Comment("Plans?", "A long walk. Then tea.")
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as bridge:
        spy = bridge._head.head = _Counting(bridge._head.head)
        cached = bridge.encode(items)
        first = bridge.infer(items, cached)
        units = bridge_units(items)
        assert sum(spy.rows) == len(set(zip(units.text.tolist(), units.kind.tolist())))  # each (sentence, kind) once
        spy.rows.clear()
        assert np.array_equal(bridge.infer(items, cached).distribution, first.distribution)
        assert spy.rows == []                                     # all from the memo
        updated = bridge.infer([new, *items], [*bridge.encode([new]), *cached])
        assert spy.rows == [2]                                    # the new item's two sentences
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as fresh:
        assert np.abs(fresh.infer([new, *items]).distribution - updated.distribution).max() < 1e-5


def test_the_memo_starts_over_when_full(tiny_bridge_artifact, monkeypatch):
    monkeypatch.setattr(_head_split, "_MEMO_SENTENCES", 16)
    items = _history(30)
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as bridge:
        ref = bridge.infer(items[:2]).distribution
        for n in range(3, 12):
            bridge.infer(items[:n])
            assert len(bridge._head._memo) <= max(16, len(bridge_units(items[:n]).texts))
        assert np.abs(bridge.infer(items[:2]).distribution - ref).max() < 1e-6


def _copy(artifact, tmp_path, edit) -> object:
    folder = tmp_path / "art"
    shutil.copytree(artifact, folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    edit(manifest)
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return folder


def test_an_artifact_with_the_whole_head_only_still_reads_histories(tiny_bridge_artifact, tmp_path):
    def whole_only(manifest):
        del manifest["files"][HEAD_UNITS], manifest["details"]["head"]["units"]

    items = _history(20)
    with PreferenceBridge.load(tiny_bridge_artifact, precision="fp32", threads=1) as split:
        ref = split.infer(items).distribution
    with PreferenceBridge.load(_copy(tiny_bridge_artifact, tmp_path, whole_only), precision="fp32") as old:
        assert old.reads_history and not isinstance(old._head, SplitHead)
        assert np.abs(old.infer(items).distribution - ref).max() < 1e-5


def test_a_split_head_this_sdk_cannot_feed_is_refused(tiny_bridge_artifact, tmp_path):
    def other_inputs(manifest):
        manifest["details"]["head"]["units"]["inputs"] = ["scores", "row"]

    with pytest.raises(ArtifactError, match="re-export"):
        PreferenceBridge.load(_copy(tiny_bridge_artifact, tmp_path, other_inputs))
