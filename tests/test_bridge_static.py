"""The bridge's fixed-shape QDQ int8 graph (export bridge --static) on the CPU provider and
through a second real execution provider, OpenVINO's plugin (its CPU device).

`make test` installs onnxruntime-ep-openvino (the [npu] extra, in [all]). Where it is
missing the OpenVINO tests fail, saying how to install it; EDGEALIGN_SKIP_OPENVINO=1 turns
that into a skip (for a platform without its wheels: Linux x86_64 and Windows x64 only).
"""

import json
import os
import platform

import numpy as np
import pytest

from edgealign import Choice, Comment, Description
from edgealign.artifacts import Manifest
from edgealign.bridge import PreferenceBridge
from edgealign.errors import ConfigError, ParityError

pytest.importorskip("torch")

STATIC = "bridge.static.int8.onnx"
ITEMS = [
    Description("I am a retired teacher. Jokes are the best part of my day. I never read the news."),
    Comment("Best pizza?", "Anything with anchovies. Short answer, sorry."),
    Choice("Weekend plans?", "A long hike. Then a nap.", "A museum tour. Then a nap."),
    Comment("Any tips for a first trip abroad?", "Plan every hour ahead. I hate surprises. Pack light."),
] * 3  # more sentences than one call of the static graph takes
OPENVINO = "OpenVINOExecutionProvider"


@pytest.fixture(scope="module")
def artifact(tiny_bridge_checkpoint, tmp_path_factory):
    """The tiny bridge exported with the fixed-shape graph (4 sentences a call, to exercise batching)."""
    from edgealign.export.onnx import export_bridge

    out = tmp_path_factory.mktemp("static") / "artifact"
    export_bridge(tiny_bridge_checkpoint, out, int8=True, static=True, static_texts=4, min_agreement=0.9)
    return out


@pytest.fixture(scope="module")
def openvino_cpu():
    """OpenVINO's CPU device as onnxruntime lists it once the plugin is registered."""
    from edgealign._providers import devices

    supported = (platform.system(), platform.machine()) in (("Linux", "x86_64"), ("Windows", "AMD64"))
    try:
        import onnxruntime_ep_openvino  # noqa: F401
    except ImportError:
        if os.environ.get("EDGEALIGN_SKIP_OPENVINO") == "1" or not supported:
            pytest.skip("onnxruntime-ep-openvino is not installed (EDGEALIGN_SKIP_OPENVINO=1 or no wheel here)")
        pytest.fail("onnxruntime-ep-openvino is missing: `pip install -c constraints.txt -e '.[npu]'` "
                    "(make test installs it), or set EDGEALIGN_SKIP_OPENVINO=1 to skip these tests")
    found = [d for d in devices() if d.provider == OPENVINO and d.kind == "CPU"]
    assert found, f"OpenVINO lists no CPU device: {[d.label for d in devices()]}"
    return found[0]


def test_static_graph_has_fixed_shapes_no_data_dependent_ops_and_qdq_int8(artifact):
    import onnx

    model = onnx.shape_inference.infer_shapes(onnx.load(str(artifact / STATIC)), strict_mode=True)
    ops = {n.op_type for n in model.graph.node}
    assert not ops & {"NonZero", "CumSum", "Loop", "If", "Scan", "DynamicQuantizeLinear", "MatMulInteger"}
    assert {"QuantizeLinear", "DequantizeLinear"} <= ops
    eight_bit = (onnx.TensorProto.INT8, onnx.TensorProto.UINT8)
    int8_weights = [i.name for i in model.graph.initializer if i.data_type in eight_bit and len(i.dims) == 2]
    assert len(int8_weights) == 5 * 2 + 1  # 5 of 6 linear layers in each of 2 encoder layers, the word embeddings
    fp32 = [list(i.dims) for i in model.graph.initializer if i.data_type == onnx.TensorProto.FLOAT and len(i.dims) == 2]
    assert sorted(fp32) == [[32, 32], [64, 32], [64, 32]]  # the folded positions, and the FFN outputs (by design)
    tensors = [*model.graph.input, *model.graph.output, *model.graph.value_info]
    assert {o for n in model.graph.node for o in n.output} <= {v.name for v in tensors}
    for v in tensors:
        dims = v.type.tensor_type.shape.dim
        assert all(d.HasField("dim_value") for d in dims), f"{v.name} has a symbolic dimension"
    shape = Manifest.read(artifact, "bridge").details["static"]["shape"]
    assert shape == [4, 32]  # static_texts x the tiny preset's max_length
    assert all([d.dim_value for d in i.type.tensor_type.shape.dim] == shape for i in model.graph.input)


def test_manifest_records_the_static_graph_and_its_parity(artifact):
    manifest = Manifest.read(artifact, "bridge", verify=True)
    assert STATIC in manifest.files
    static = manifest.details["static"]
    assert static["file"] == STATIC and static["inputs"] == ["input_ids", "attention_mask"]
    parity = manifest.metrics["parity"]
    assert parity[f"head.onnx<-{STATIC} fp32 trace"]["max_abs_diff"] < 2e-3
    assert parity[f"head.onnx<-{STATIC}"]["argmax_agreement"] >= 0.9


def test_static_parity_failure_stops_the_export(tiny_bridge_checkpoint, tmp_path):
    from edgealign.export.onnx import export_bridge

    with pytest.raises(ParityError, match=STATIC):
        export_bridge(tiny_bridge_checkpoint, tmp_path, static=True, min_agreement=1.01)
    assert not (tmp_path / "manifest.json").exists() and not (tmp_path / STATIC).exists()


def test_a_static_graph_of_no_sentences_is_refused_before_anything_is_written(tiny_bridge_checkpoint, tmp_path):
    from edgealign.export.onnx import export_bridge

    with pytest.raises(ConfigError, match="--static-texts"):
        export_bridge(tiny_bridge_checkpoint, tmp_path / "out", static=True, static_texts=0)
    assert not (tmp_path / "out").exists()


def test_static_graph_on_the_cpu_gives_the_packed_graphs_profile(artifact):
    packed = PreferenceBridge.load(artifact, precision="fp32", providers=["cpu"], threads=1)
    static = PreferenceBridge.load(artifact, providers=["cpu"], graph="static", threads=1)
    assert (packed.graph, static.graph) == ("packed", "static")
    assert static.providers == ["CPUExecutionProvider"]
    a, b = packed.infer(ITEMS), static.infer(ITEMS)
    assert np.abs(a.distribution - b.distribution).max() < 0.1
    assert (a.distribution.argmax(-1) == b.distribution.argmax(-1)).mean() >= 0.9
    assert {(e.dimension, e.item) for e in b.evidence} and static.cache_key != packed.cache_key


def test_the_static_graph_needs_the_export_flag(tiny_bridge_artifact):
    with pytest.raises(ConfigError, match="--static"):
        PreferenceBridge.load(tiny_bridge_artifact, graph="static")
    with pytest.raises(ConfigError, match="graph must be"):
        PreferenceBridge.load(tiny_bridge_artifact, graph="dynamic")


def _node_providers(session) -> set[str]:
    """Providers the profile says ran the graph's nodes (every node event of one run)."""
    path = session.end_profiling()
    with open(path) as f:
        events = json.load(f)
    os.unlink(path)
    return {e["args"]["provider"] for e in events if e.get("cat") == "Node" and "provider" in e.get("args", {})}


def test_openvino_runs_the_whole_static_graph_with_the_cpu_providers_profile(artifact, openvino_cpu, tmp_path):
    import onnxruntime as ort

    from edgealign._static_graph import static_batches

    # No node may fall back to the CPU provider: onnxruntime refuses the session if one would...
    options = ort.SessionOptions()
    options.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
    options.enable_profiling = True
    options.profile_file_prefix = str(tmp_path / "ov")
    options.add_provider_for_devices([openvino_cpu.handle], {})
    session = ort.InferenceSession(str(artifact / STATIC), options)
    assert session.get_providers()[0] == OPENVINO
    ids = np.ones((3, 5), dtype=np.int64)
    session.run(None, static_batches(ids, ids, (4, 32))[0])
    # ...and the profile of a run says so, node by node.
    assert _node_providers(session) == {OPENVINO}

    cpu = PreferenceBridge.load(artifact, providers=["cpu"], graph="static", threads=1)
    ov = PreferenceBridge.load(artifact, providers=[f"{OPENVINO}:CPU"], threads=1)
    assert (ov.graph, ov.choice.label, ov.providers[0]) == ("static", f"{OPENVINO}:CPU", OPENVINO)
    a, b = cpu.infer(ITEMS), ov.infer(ITEMS)
    assert np.abs(a.distribution - b.distribution).max() < 0.05
    assert (a.distribution.argmax(-1) == b.distribution.argmax(-1)).mean() >= 0.97


def test_provider_override_by_environment(artifact, openvino_cpu, monkeypatch):
    monkeypatch.setenv("EDGEALIGN_BRIDGE_PROVIDER", "openvino:cpu")
    assert PreferenceBridge.load(artifact).choice.label == f"{OPENVINO}:CPU"
    # providers= beats the environment; the CPU provider runs the packed graph
    bridge = PreferenceBridge.load(artifact, providers=["cpu"])
    assert (bridge.choice.label, bridge.graph) == ("CPUExecutionProvider", "packed")


def test_a_device_that_refuses_the_graph_hands_over_to_the_cpu(artifact, openvino_cpu, monkeypatch, caplog):
    import logging

    import onnxruntime as ort

    import edgealign.bridge

    def refused(path, choice, threads, **kw):  # the real plugin, given a setting its CPU device refuses
        options = ort.SessionOptions()
        options.add_provider_for_devices([choice.device.handle], {"load_config": json.dumps({"CPU": {"NO_SUCH": "1"}})})
        return ort.InferenceSession(str(path), options)

    monkeypatch.setattr(edgealign.bridge, "open_session", refused)
    with caplog.at_level(logging.INFO, logger="edgealign.bridge"):
        bridge = PreferenceBridge.load(artifact, providers=["openvino:cpu"])
    assert (bridge.choice.label, bridge.graph, bridge.providers) == ("CPUExecutionProvider", "packed", ["CPUExecutionProvider"])
    assert "falling back to the CPU" in caplog.text and "running on CPUExecutionProvider (packed graph)" in caplog.text
    assert bridge.infer(ITEMS).non_neutral() is not None
