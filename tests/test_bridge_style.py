"""Style contrasts in the bridge's head: a tiny bridge trained on response-choice users learns
from how the chosen answer is written; its export takes the contrasts as an input, matches
torch, and refuses another style version; a head without style still loads as before."""

import json
import shutil

import numpy as np
import pytest

from edgealign import Choice, Comment
from edgealign._head_feed import unit_styles
from edgealign._style import N_STYLE, STYLE_FEATURES, STYLE_VERSION, style_contrast
from edgealign.artifacts import Manifest
from edgealign.bridge import HEAD_INPUTS, PreferenceBridge
from edgealign.errors import ArtifactError
from edgealign.featurize import bridge_units
from edgealign.preferences import SPACE

pytest.importorskip("torch")

CONCISE_DETAILED = 16
# Answers written for this test (not from the training templates): the same advice, short
# and long. A Choice is (prompt, chosen, rejected).
PAIRS = [
    ("How do I keep my bike from being stolen?", "Use a U-lock through the frame.",
     "Theft is common in cities, so a few layers of protection help. Lock the frame, not only a wheel, "
     "to something fixed. A U-lock resists bolt cutters far better than a cable does. Register the serial "
     "number, because police recover many bikes but cannot trace their owners."),
    ("Should I water succulents every day?", "No, once the soil is dry.",
     "Succulents store water in their leaves, which is why they cope with drought so well. Watering daily "
     "keeps the roots wet, and wet roots rot within weeks. Wait until the soil has dried out completely, "
     "then water deeply, and in winter water even less often than that."),
    ("What is a good way to start running?", "Run slowly, three times a week.",
     "Most beginners start too fast and give up when everything hurts. Alternate a minute of jogging with "
     "two of walking, three days a week, and add a little each week. Good shoes matter more than any "
     "gadget, and rest days are when your legs actually get stronger."),
]


def test_concise_pole_is_what_this_test_expects():
    dim = SPACE[CONCISE_DETAILED]
    assert "Concise" in dim.positive_label and "Detailed" in dim.negative_label


def test_style_rows_ride_on_a_choices_first_unit_with_its_sign():
    items = [Comment("Hi?", "I like short answers."), Choice(*PAIRS[0]), Choice("Q?", "Same.", "Same. No thanks.")]
    units = bridge_units(items)
    rows = unit_styles(items, units)
    assert rows.shape == (len(units.sign), N_STYLE) and rows.dtype == np.float32
    first = int(np.flatnonzero(units.item == 1)[0])
    assert units.sign[first] == 1
    np.testing.assert_array_equal(rows[first], style_contrast(PAIRS[0][1], PAIRS[0][2]))
    others = np.ones(len(rows), dtype=bool)
    others[first] = False
    assert not rows[others & (units.item != 2)].any()  # comments and later sentences: zeros
    # The third choice's chosen reply shares its only sentence: its first unit is the rejected
    # reply's (sign -1), carrying that reply's contrast, so sign * row is still chosen - rejected.
    third = int(np.flatnonzero(units.item == 2)[0])
    assert units.sign[third] == -1
    np.testing.assert_allclose(units.sign[third] * rows[third], style_contrast("Same.", "Same. No thanks."))


@pytest.fixture(scope="module")
def style_checkpoint(tmp_path_factory):
    """A tiny bridge with style contrasts, trained on response-choice users (seconds)."""
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer
    from edgealign.training.response_choices import ResponseChoiceConfig, response_choice_records

    records = response_choice_records(ResponseChoiceConfig(users=200, seed=0, items=4, statement_share=0.2,
                                                           mundane_share=0.15))
    out = tmp_path_factory.mktemp("style") / "ckpt"
    BridgeTrainer(BridgeConfig.tiny(style_contrasts=True)).fit(records, out, progress=False)
    return out


@pytest.fixture(scope="module")
def style_artifact(style_checkpoint, tmp_path_factory):
    from edgealign.export.onnx import export_bridge

    out = tmp_path_factory.mktemp("style") / "artifact"
    export_bridge(style_checkpoint, out, int8=True, static=True, min_agreement=0.9)
    return out


def _concise_minus_detailed(profile):
    p = profile.distribution[CONCISE_DETAILED]
    return float(p[2] - p[0])


def test_an_untrained_style_map_changes_nothing():
    import torch

    from edgealign.training.bridge_model import BridgeHead

    neg, pos = torch.randn(90, 8), torch.randn(90, 8)
    plain, styled = BridgeHead(neg, pos), BridgeHead(neg, pos, n_style=N_STYLE)
    x, kind, sign = torch.randn(5, 8), torch.tensor([1, 1, 0, 2, 1]), torch.tensor([1.0, -1, 1, 1, 1])
    style = torch.randn(5, N_STYLE)
    logits = plain.item_logits(x, kind)
    a, _ = plain.aggregate(logits, sign, kind)
    b, _ = styled.aggregate(logits, sign, kind, style=style)
    torch.testing.assert_close(a, b)


def test_the_head_learns_that_a_shorter_chosen_answer_means_concise(style_checkpoint):
    """Torch head: the learnt map reads length as concise vs detailed, and a profile of
    shorter-chosen answers leans concise, longer-chosen detailed, by style alone."""
    import torch

    from edgealign.training.bridge import load_bridge

    model, _, cfg = load_bridge(style_checkpoint)
    assert cfg.style_contrasts and model.head.n_style == N_STYLE
    mapped = (model.head.style_gain * model.head.style_map).detach()[:, CONCISE_DETAILED]
    assert mapped[STYLE_FEATURES.index("length")] < 0  # a longer chosen answer: detailed (negative pole)
    short = torch.from_numpy(np.stack([style_contrast(c, r) for _, c, r in PAIRS]))
    assert (model.head.style_evidence(short)[:, CONCISE_DETAILED] > 0).all()
    assert (model.head.style_evidence(-short)[:, CONCISE_DETAILED] < 0).all()


def test_profiles_of_short_and_long_choices_move_concise_detailed(style_artifact):
    with PreferenceBridge.load(style_artifact) as bridge:
        assert bridge.reads_style
        concise = bridge.infer([Choice(q, short, long) for q, short, long in PAIRS])
        detailed = bridge.infer([Choice(q, long, short) for q, short, long in PAIRS])
    assert _concise_minus_detailed(concise) > 0.2
    assert _concise_minus_detailed(detailed) < -0.2
    assert concise.values[CONCISE_DETAILED] == 1.0 and detailed.values[CONCISE_DETAILED] == 0.0
    # The style's evidence is reported with the choice it came from.
    assert any(e.dimension == CONCISE_DETAILED and e.item == 0 and e.weight > 0 for e in concise.evidence)


def test_export_records_the_style_input_and_matches_torch_with_it(style_artifact):
    import onnxruntime as ort

    manifest = Manifest.read(style_artifact, "bridge")
    head = manifest.details["head"]
    assert head["inputs"] == list(HEAD_INPUTS)  # the base inputs: tools that check them still see a head
    assert head["style"] == {"input": "style", "version": STYLE_VERSION, "features": N_STYLE}
    session = ort.InferenceSession(str(style_artifact / "head.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()] == [*HEAD_INPUTS, "style"]
    parity = manifest.metrics["parity"]
    assert parity["head.onnx weighted"]["max_abs_diff"] < 1e-3  # with the choices' style rows
    assert parity["head.onnx weighted"]["argmax_agreement"] == 1.0


def test_head_graph_with_style_matches_the_torch_head(style_checkpoint, style_artifact):
    """The graph against torch on these choices, style rows in: user logits and evidence."""
    import onnxruntime as ort
    import torch

    from edgealign.bridge import head_feed
    from edgealign.training.bridge import load_bridge

    model, _, _ = load_bridge(style_checkpoint)
    items = [Choice(q, s, lg) for q, s, lg in PAIRS] + [Choice(q, lg, s) for q, s, lg in PAIRS[:1]]
    units = bridge_units(items)
    style = unit_styles(items, units)
    x = torch.randn(len(units.texts), model.head.anchors.shape[-1], generator=torch.Generator().manual_seed(0))
    x = torch.nn.functional.normalize(x, dim=-1)
    with torch.no_grad():
        logits = model.head.item_logits(x[torch.from_numpy(units.text)], torch.from_numpy(units.kind))
        ref, ref_evidence = model.head.aggregate(logits, torch.from_numpy(units.sign), torch.from_numpy(units.kind),
                                                 style=torch.from_numpy(style))
    session = ort.InferenceSession(str(style_artifact / "head.onnx"), providers=["CPUExecutionProvider"])
    feed = head_feed(x.numpy(), units.text, units.sign, units.kind, np.ones(len(units.sign), np.float32), style)
    user, evidence = session.run(["user_logits", "evidence"], feed)
    np.testing.assert_allclose(user, ref.numpy(), atol=1e-4)
    np.testing.assert_allclose(evidence, ref_evidence.numpy(), atol=1e-4)
    without = session.run(["user_logits"], {**feed, "style": np.zeros_like(style)})[0]
    assert np.abs(without - user).max() > 1e-2  # the input is really read


def test_the_single_graph_reads_style_in_one_call(style_artifact):
    """A style artifact exported by this version profiles a few items in one call of its single
    graph, style rows in, as its head does from cached embeddings."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(style_artifact / "bridge.int8.onnx"), providers=["CPUExecutionProvider"])
    assert [i.name for i in session.get_inputs()][-1] == "style"
    items = [Choice(q, s, lg) for q, s, lg in PAIRS]
    with PreferenceBridge.load(style_artifact) as bridge:
        through_head = bridge.infer(items, bridge.encode(items))
        head, bridge._head = bridge._head, None  # the single path must not need it
        try:
            single = bridge.infer(items)
        finally:
            bridge._head = head
    np.testing.assert_allclose(single.distribution, through_head.distribution, atol=1e-4)
    assert _concise_minus_detailed(single) > 0.2  # the short chosen answers' style is read


def test_static_graph_path_reads_style_too(style_artifact):
    with PreferenceBridge.load(style_artifact, graph="static") as bridge:
        assert bridge.graph == "static" and bridge.reads_style
        concise = bridge.infer([Choice(q, short, long) for q, short, long in PAIRS])
        detailed = bridge.infer([Choice(q, long, short) for q, short, long in PAIRS])
    assert _concise_minus_detailed(concise) > 0.2 > -0.2 > _concise_minus_detailed(detailed)


def test_a_bridge_without_style_loads_and_infers_as_before(tiny_bridge_artifact):
    """An artifact exported without style: no style in its manifest or head graph, and a
    profile of a few items is still one call of the single graph, the same as its head's."""
    import onnxruntime as ort

    manifest = Manifest.read(tiny_bridge_artifact, "bridge")
    assert "style" not in manifest.details["head"]
    with PreferenceBridge.load(tiny_bridge_artifact) as bridge:
        assert bridge.reads_history and not bridge.reads_style
        items = [Choice(q, s, lg) for q, s, lg in PAIRS]
        single = bridge.infer(items)
        units = bridge_units(items)
        session = ort.InferenceSession(str(tiny_bridge_artifact / "bridge.int8.onnx"), providers=["CPUExecutionProvider"])
        feed = bridge._feed(units)
        expected = session.run(["user_logits"], feed)[0]
    z = np.exp(expected - expected.max(-1, keepdims=True))
    np.testing.assert_allclose(single.distribution, z / z.sum(-1, keepdims=True), atol=1e-6)


def _rewrite_head_style(folder, **style):
    data = json.loads((folder / "manifest.json").read_text())
    data["details"]["head"]["style"] = {**data["details"]["head"]["style"], **style}
    (folder / "manifest.json").write_text(json.dumps(data))


def test_another_style_version_is_refused(style_artifact, tmp_path):
    folder = tmp_path / "art"
    shutil.copytree(style_artifact, folder)
    _rewrite_head_style(folder, version=STYLE_VERSION + 1)
    with pytest.raises(ArtifactError, match=f"style contrasts of version {STYLE_VERSION + 1}.*retrain"):
        PreferenceBridge.load(folder)
    _rewrite_head_style(folder, version=STYLE_VERSION, features=N_STYLE - 1)
    with pytest.raises(ArtifactError, match="style contrasts"):
        PreferenceBridge.load(folder)


def test_a_manifest_claiming_style_for_a_head_without_the_input_is_refused(tiny_bridge_artifact, tmp_path):
    folder = tmp_path / "art"
    shutil.copytree(tiny_bridge_artifact, folder)
    data = json.loads((folder / "manifest.json").read_text())
    data["details"]["head"]["style"] = {"input": "style", "version": STYLE_VERSION, "features": N_STYLE}
    (folder / "manifest.json").write_text(json.dumps(data))
    with pytest.raises(ArtifactError, match="no 'style' input; re-export"):
        PreferenceBridge.load(folder)
