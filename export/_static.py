"""The bridge's fixed-shape int8 graph for NPUs (``edgealign export bridge --static``).

``bridge.static.int8.onnx`` is the encoder alone (:class:`~._static_bert.StaticEncoder`):
(texts, tokens) ids and mask in, (texts, D) sentence embeddings out, traced at one shape with
no dynamic axis and checked to hold no NonZero, CumSum or symbolic dimension; the head graph
(``head.onnx``, fp32, on the CPU) makes the profile. It is int8 in QDQ form
(QuantizeLinear/DequantizeLinear pairs around the linear layers and the word embeddings,
which NPU providers fuse into integer kernels): weights per output channel (int8, symmetric),
activations uint8 with static scales calibrated on held-out synthetic users. The FFN output
projections stay fp32 (on a MiniLM bridge, argmax agreement with torch 0.983 with them in
int8, 0.996 without; see docs/architecture.md); the other linear layers are smoothed first
(:mod:`._smooth`), as for the dynamic int8 graph.

Checked before the manifest is written, on the CPU provider: the fp32 trace (not shipped)
within the fp32 tolerance of torch, and the int8 graph's per-dimension argmax agreement with
torch at least ``min_agreement``, both through the head graph, as the device runs them.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from edgealign._static_graph import STATIC_INPUTS, STATIC_OUTPUT, embed_static, static_batches
from edgealign.errors import ArtifactError, ParityError

__all__ = ["STATIC", "STATIC_TEXTS", "FORBIDDEN_OPS", "export_static", "check_static"]

STATIC = "bridge.static.int8.onnx"
#: Sentences per call of the fixed-shape graph. A profile of 8 items has 20-40 sentences.
STATIC_TEXTS = 16
#: Ops NPU providers refuse or run on the CPU: data-dependent shapes and scans.
FORBIDDEN_OPS = frozenset({"NonZero", "CumSum", "Loop", "If", "Scan", "Unique", "Compress", "NonMaxSuppression",
                           "DynamicQuantizeLinear", "MatMulInteger", "ConvInteger"})
#: SmoothQuant strength for the linear layers before static quantization.
STATIC_SMOOTH_ALPHA = 0.8


def export_static(model: Any, calibration: list[dict[str, np.ndarray]], feeds: list[dict[str, np.ndarray]],
                  refs: list[np.ndarray], out: Path, head: Path, *, tokens: int, texts: int = STATIC_TEXTS,
                  tolerance: float, min_agreement: float) -> dict[str, Any]:
    """Write ``out / STATIC`` for ``model`` at (``texts``, ``tokens``); its parity figures and
    details. ``calibration`` and ``feeds`` are single-graph feeds of different users, ``refs``
    torch's user logits for ``feeds``."""
    shape = (texts, tokens)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "static.onnx"
        _trace(model, shape, fp32)
        check_static(fp32, shape)
        traced = _parity(refs, fp32, head, feeds, shape)
        if traced["max_abs_diff"] > tolerance:
            raise ParityError(f"{STATIC} (fp32 trace): user logits differ from torch by "
                              f"{traced['max_abs_diff']:.2e} > {tolerance:.0e}")
        _quantize(fp32, out / STATIC, calibration, shape)
    check_static(out / STATIC, shape)
    figures = _parity(refs, out / STATIC, head, feeds, shape)
    if figures["argmax_agreement"] < min_agreement:
        (out / STATIC).unlink()
        raise ParityError(f"{STATIC}: per-dimension argmax agrees with torch on {figures['argmax_agreement']:.3f} "
                          f"< {min_agreement}; export without --static or retrain")
    details = {"file": STATIC, "shape": list(shape), "inputs": list(STATIC_INPUTS), "outputs": [STATIC_OUTPUT],
               "quantization": "QDQ: int8 per-channel symmetric weights, uint8 activations, static scales"}
    return {"details": details, "parity": figures, "parity_fp32_trace": traced}


def check_static(path: Path, shape: tuple[int, int]) -> None:
    """Raise ArtifactError unless every tensor of the graph at ``path`` has a fixed shape and
    no node is one of :data:`FORBIDDEN_OPS`."""
    import onnx

    model = onnx.shape_inference.infer_shapes(onnx.load(str(path)), strict_mode=True)
    ops = sorted({n.op_type for n in model.graph.node} & FORBIDDEN_OPS)
    if ops:
        raise ArtifactError(f"{path.name} holds {ops}, which NPU providers do not take; the trace changed")
    graph = model.graph
    dynamic = [v.name for v in [*graph.input, *graph.output, *graph.value_info]
               if v.type.HasField("tensor_type")
               and not all(d.HasField("dim_value") for d in v.type.tensor_type.shape.dim)]
    untyped = {o for n in graph.node for o in n.output} - {v.name for v in [*graph.output, *graph.value_info]} - {""}
    if dynamic or untyped:
        raise ArtifactError(f"{path.name}: tensors without a fixed shape: {sorted([*dynamic, *untyped])[:5]}")
    inputs = {v.name: [d.dim_value for d in v.type.tensor_type.shape.dim] for v in graph.input}
    if inputs != {name: list(shape) for name in STATIC_INPUTS}:
        raise ArtifactError(f"{path.name}: inputs {inputs}, not {list(STATIC_INPUTS)} of {list(shape)}")


def _trace(model: Any, shape: tuple[int, int], path: Path) -> None:
    import torch

    from ._static_bert import StaticEncoder

    args = (torch.ones(shape, dtype=torch.int64), torch.ones(shape, dtype=torch.int64))
    torch.onnx.export(StaticEncoder(model), args, str(path), input_names=list(STATIC_INPUTS),
                      output_names=[STATIC_OUTPUT], opset_version=17, do_constant_folding=True, dynamo=False)


class _Reader:
    """onnxruntime's CalibrationDataReader over fixed-shape feeds."""

    def __init__(self, feeds: list[dict[str, np.ndarray]]) -> None:
        self._feeds: Iterator[dict[str, np.ndarray]] = iter(feeds)

    def get_next(self) -> dict[str, np.ndarray] | None:
        return next(self._feeds, None)


def _quantize(src: Path, dst: Path, calibration: list[dict[str, np.ndarray]], shape: tuple[int, int]) -> None:
    import onnx
    from onnxruntime.quantization import CalibrationMethod, QuantFormat, QuantType, quantize_static

    from ._smooth import linear_nodes, smooth_linear_inputs

    batches = [b for f in calibration for b in static_batches(f["input_ids"], f["attention_mask"], shape)]
    model = onnx.load(str(src))
    weights = {i.name: i for i in model.graph.initializer}
    # The FFN output projections (the linear layers that narrow, 4D -> D) stay fp32: their
    # input, the GELU's output, has outlier channels one static scale cannot cover.
    narrowing = frozenset(n.name for n in linear_nodes(model) if weights[n.input[1]].dims[0] > weights[n.input[1]].dims[1])
    smooth_linear_inputs(model, batches, STATIC_SMOOTH_ALPHA, skip=narrowing)
    weights = {i.name: i for i in model.graph.initializer}
    tables = [n.name for n in model.graph.node if n.op_type == "Gather" and n.input[0] in weights
              and len(weights[n.input[0]].dims) == 2]
    targets = [n.name for n in linear_nodes(model) if n.name not in narrowing] + tables
    with tempfile.TemporaryDirectory() as tmp:
        smoothed = Path(tmp) / "smoothed.onnx"
        onnx.save(model, str(smoothed))
        quantize_static(str(smoothed), str(dst), _Reader(batches), quant_format=QuantFormat.QDQ,
                        activation_type=QuantType.QUInt8, weight_type=QuantType.QInt8, per_channel=True,
                        nodes_to_quantize=targets, calibrate_method=CalibrationMethod.MinMax,
                        extra_options={"WeightSymmetric": True, "ActivationSymmetric": False})
    quantized = onnx.load(str(dst))
    _gather_then_dequantize(quantized)
    onnx.save(quantized, str(dst))


def _gather_then_dequantize(model: Any) -> None:
    """Rewrite DequantizeLinear(table) -> Gather(ids) as Gather(table, ids) -> DequantizeLinear:
    the same values (one scale for the whole table), but only the rows the call reads are
    dequantized. As quantize_static writes it, the CPU provider dequantized the whole
    (30522, 384) word-embedding table on every call."""
    import onnx

    weights = {i.name: i for i in model.graph.initializer}
    producer = {o: n for n in model.graph.node for o in n.output}
    for gather in [n for n in model.graph.node if n.op_type == "Gather"]:
        dq = producer.get(gather.input[0])
        if dq is None or dq.op_type != "DequantizeLinear" or not all(i in weights for i in dq.input[1:]) \
                or any(len(weights[i].dims) for i in dq.input[1:]):
            continue  # not a per-tensor dequantized constant table
        rows, out = f"{gather.name}_quantized_rows", gather.output[0]
        gather.input[0], gather.output[0] = dq.input[0], rows
        dq.input[0], dq.output[0] = rows, out
        nodes = [n for n in model.graph.node if n is not dq]
        nodes.insert(nodes.index(gather) + 1, dq)
        del model.graph.node[:]
        model.graph.node.extend(nodes)
    onnx.checker.check_model(model)


def _parity(refs: list[np.ndarray], path: Path, head: Path, feeds: list[dict[str, np.ndarray]],
            shape: tuple[int, int]) -> dict[str, float]:
    """The graph at ``path`` through the head graph against torch (``refs``), on the CPU provider."""
    import onnxruntime as ort

    from ._bridge_parity import head_feed_for, parity_figures

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    head_session = ort.InferenceSession(str(head), providers=["CPUExecutionProvider"])
    pairs = []
    for ref, feed in zip(refs, feeds):
        embeddings = embed_static(session, feed["input_ids"], feed["attention_mask"], shape)
        pairs.append((ref, head_session.run(["user_logits"], head_feed_for(feed, embeddings, head_session))[0]))
    return parity_figures(pairs)
