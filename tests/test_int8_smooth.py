"""The int8 bridge graph: smoothed linear layers compute the same function, and the layer the
export keeps in fp32 is found by name in the traced graph (a rename fails the export)."""

import numpy as np
import pytest

pytest.importorskip("torch")
onnx = pytest.importorskip("onnx")
ort = pytest.importorskip("onnxruntime")


@pytest.fixture(scope="module")
def feeds(tiny_bridge_checkpoint):
    from edgealign.export.onnx import CALIBRATION_SEED, parity_inputs
    from edgealign.featurize import configure
    from edgealign.training.bridge import load_bridge

    _, tokenizer, cfg = load_bridge(tiny_bridge_checkpoint)
    return parity_inputs(configure(tokenizer, cfg.max_length), n_users=6, seed=CALIBRATION_SEED)


@pytest.fixture(scope="module")
def fp32_graph(tiny_bridge_checkpoint, tmp_path_factory):
    from edgealign.export.onnx import export_bridge

    out = tmp_path_factory.mktemp("smooth")
    export_bridge(tiny_bridge_checkpoint, out, int8=False)
    return out / "bridge.onnx"


@pytest.fixture(scope="module")
def int8_graph(fp32_graph, feeds):
    from edgealign.export.onnx import _quantize

    _quantize(fp32_graph, fp32_graph.with_name("bridge.int8.onnx"), feeds)
    return fp32_graph.with_name("bridge.int8.onnx")


def _logits(model, feeds):
    session = ort.InferenceSession(model.SerializeToString(), providers=["CPUExecutionProvider"])
    return [session.run(["user_logits"], f)[0] for f in feeds]


def test_smoothing_every_encoder_linear_keeps_the_fp32_outputs(fp32_graph, feeds):
    from edgealign.export._smooth import linear_nodes, smooth_linear_inputs

    model = onnx.load(str(fp32_graph))
    before = _logits(model, feeds)
    linears = [n.name for n in linear_nodes(model, "/encoder/")]
    smoothed = smooth_linear_inputs(model, feeds, 0.8, prefix="/encoder/", skip=frozenset(linears[:1]))
    assert len(linears) == 4 * 2  # qkv, attention output, FFN in and out; the tiny BERT has 2 layers
    assert smoothed == linears[1:]
    assert sum(n.op_type == "Mul" and n.name.endswith("_Smooth") for n in model.graph.node) == len(smoothed)
    for want, got in zip(before, _logits(model, feeds)):
        np.testing.assert_allclose(got, want, atol=1e-4)


def test_the_int8_graph_keeps_layer_0_ffn_output_and_the_head_in_fp32(int8_graph):
    from edgealign.export.onnx import FP32_LINEARS

    graph = onnx.load(str(int8_graph)).graph
    floats = {i.name for i in graph.initializer if i.data_type == onnx.TensorProto.FLOAT}
    kept = [n for n in graph.node if n.op_type in ("MatMul", "Gemm") and n.input[1] in floats
            and any(suffix in n.input[1] for suffix in FP32_LINEARS)]
    assert len(kept) == len(FP32_LINEARS)
    integer = [n.name for n in graph.node if n.op_type == "MatMulInteger"]
    assert len(integer) == 4 * 2 - len(kept) and all(name.startswith("/encoder/") for name in integer)  # the head stays fp32


def test_a_renamed_fp32_layer_fails_the_export(fp32_graph, feeds, tmp_path, monkeypatch):
    from edgealign.errors import ArtifactError
    from edgealign.export import onnx as export_onnx

    monkeypatch.setattr(export_onnx, "FP32_LINEARS", ("encoder.layer.0.renamed.weight",))
    with pytest.raises(ArtifactError, match="FP32_LINEARS"):
        export_onnx._quantize(fp32_graph, tmp_path / "bridge.int8.onnx", feeds)
