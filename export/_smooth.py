"""Smoothing a graph's linear layers before dynamic int8 quantization (SmoothQuant).

onnxruntime's dynamic quantization gives an activation one uint8 scale per call, across
all its channels. MiniLM's activations have a few outlier channels: the input of each
layer's FFN reaches 28-30 in one channel where the median |x| is 0.3, so the step (range /
255, about 0.15) is half a typical value. As in SmoothQuant (Xiao et al., 2023), a linear
layer ``X W`` becomes ``(X / s) (s W)``, per input channel j
``s_j = max|X_j| ** alpha / max|W_j| ** (1 - alpha)``: the same function in fp32, with the
outliers' range moved into the weights, which are quantized per output channel. Each
smoothed layer gains one elementwise ``Mul`` on its input. ``max|X_j|`` is measured by
running the graph on calibration feeds. Only the copy that is quantized is smoothed; the
fp32 graph a device may load is untouched.
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["linear_nodes", "smooth_linear_inputs"]


def linear_nodes(model: Any, prefix: str = "") -> list[Any]:
    """The nodes of ``model`` (an onnx ModelProto) named ``prefix...`` that multiply an
    input by a constant 2-D weight: a Gemm (not transposing its input) or a MatMul."""
    weights = {i.name: i for i in model.graph.initializer}
    found = []
    for node in model.graph.node:
        if not node.name.startswith(prefix) or len(node.input) < 2 or node.input[1] not in weights:
            continue
        trans_a = any(a.name == "transA" and a.i for a in node.attribute)
        if (node.op_type == "Gemm" and not trans_a) or (node.op_type == "MatMul" and len(weights[node.input[1]].dims) == 2):
            found.append(node)
    return found


def smooth_linear_inputs(model: Any, feeds: list[dict[str, np.ndarray]], alpha: float, prefix: str = "",
                         skip: frozenset[str] = frozenset()) -> list[str]:
    """Smooth, in place, the :func:`linear_nodes` of ``model`` under ``prefix`` but those in
    ``skip``, calibrated on ``feeds``; the smoothed nodes' names."""
    from onnx import numpy_helper

    targets = [n for n in linear_nodes(model, prefix) if n.name not in skip]
    amax = _input_absmax(model, feeds, sorted({n.input[0] for n in targets}))
    weights = {i.name: i for i in model.graph.initializer}
    added, muls = [], {}
    for node in targets:
        w = numpy_helper.to_array(weights[node.input[1]])
        trans_b = node.op_type == "Gemm" and any(a.name == "transB" and a.i for a in node.attribute)
        w_in = w.T if trans_b else w  # (in, out)
        s = (np.maximum(amax[node.input[0]], 1e-5) ** alpha / np.maximum(np.abs(w_in).max(1), 1e-5) ** (1 - alpha))
        s = s.astype(np.float32)
        w_in = w_in * s[:, None]
        added += [numpy_helper.from_array((w_in.T if trans_b else w_in).astype(np.float32), f"{node.name}_smoothed_weight"),
                  numpy_helper.from_array((1 / s).astype(np.float32), f"{node.name}_smooth_scale")]
        muls[node.name] = _mul(node)
        node.input[1] = f"{node.name}_smoothed_weight"
    nodes = [m for n in model.graph.node for m in ((muls[n.name], n) if n.name in muls else (n,))]
    del model.graph.node[:]
    model.graph.node.extend(nodes)
    model.graph.initializer.extend(added)
    used = {name for n in model.graph.node for name in n.input}
    kept = [i for i in model.graph.initializer if i.name in used]
    del model.graph.initializer[:]
    model.graph.initializer.extend(kept)
    return [n.name for n in targets]


def _mul(node: Any) -> Any:
    """The Mul that scales ``node``'s input by its smoothing scale (rewires ``node``)."""
    from onnx import helper

    scaled = f"{node.name}_smoothed_input"
    mul = helper.make_node("Mul", [node.input[0], f"{node.name}_smooth_scale"], [scaled], name=f"{node.name}_Smooth")
    node.input[0] = scaled
    return mul


def _input_absmax(model: Any, feeds: list[dict[str, np.ndarray]], names: list[str]) -> dict[str, np.ndarray]:
    """Per last-axis channel, the largest |value| each tensor in ``names`` takes on ``feeds``."""
    import onnx
    import onnxruntime as ort

    probe = onnx.ModelProto()
    probe.CopyFrom(model)
    probe.graph.output.extend(onnx.helper.make_tensor_value_info(n, onnx.TensorProto.FLOAT, None) for n in names)
    session = ort.InferenceSession(probe.SerializeToString(), providers=["CPUExecutionProvider"])
    amax: dict[str, np.ndarray] = {}
    for feed in feeds:
        for name, x in zip(names, session.run(names, feed)):
            a = np.abs(x.reshape(-1, x.shape[-1])).max(0)
            amax[name] = np.maximum(amax[name], a) if name in amax else a
    return amax
