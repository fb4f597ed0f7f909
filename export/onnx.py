"""The preference bridge to ONNX: one graph (encoder + head + aggregation) and the head
alone, parity-checked.

``export_bridge(checkpoint, out)`` writes ``bridge.onnx`` (fp32) and, with ``int8``,
``bridge.int8.onnx`` (dynamic int8 quantization of the MatMul weights, per channel since
per-tensor scales lose too much on MiniLM, and of the embedding tables, which are most of the
bytes; the encoder's linear layers smoothed first, see :func:`_quantize`),
plus the tokenizer and a manifest. A BERT encoder is traced through
:class:`~edgealign.export._packed_bert.PackedBert`: the graph keeps the (T, L) inputs but runs
its linear layers on the real tokens only (a quarter of a user's batch is padding) and masks
attention with a finite fill that keeps onnxruntime's softmax out of slow denormal floats;
together 1.6x faster on one CPU thread than the stock trace. Before the manifest is
written, every graph is run with onnxruntime on held-out synthetic users and compared with
the torch model (the stock encoder); past the tolerance the export fails with
:class:`ParityError` and no manifest exists, so the SDK never loads it.

For whole histories (see :mod:`edgealign.bridge`) the single graph also returns its sentence
embeddings, and ``head.onnx`` (fp32, see :mod:`~edgealign.export._bridge_graphs`) maps
embeddings to the same outputs, split in two with ``head_units.onnx`` as the device runs it
(:mod:`edgealign._head_split`). The chain, each single graph's embeddings through the head,
is parity-checked against torch with the same tolerances as the single graph, and so is the
head on 40-item histories with the device's recency weights (``head.onnx weighted``).

With ``static`` (``--static``) it also writes ``bridge.static.int8.onnx``, the encoder alone
at fixed shapes in QDQ int8 for NPU providers (:mod:`~edgealign.export._static`), checked
through the head graph against torch with the int8 agreement goal.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np

from edgealign.artifacts import BRIDGE_INPUTS, BRIDGE_OUTPUTS, Manifest
from edgealign._head_feed import STYLE_INPUT, unit_styles
from edgealign._style import STYLE_VERSION
from edgealign._head_split import SplitHead
from edgealign.bridge import (EMBEDDINGS, HEAD, HEAD_INPUTS, HEAD_OUTPUTS, HEAD_UNITS, HEAD_UNITS_INPUTS,
                              SENTENCE_SCORES, head_feed)
from edgealign.errors import ArtifactError, ConfigError, ParityError
from edgealign.featurize import MAX_SENTENCES, bridge_units, configure, tokenize

from ._bridge_parity import head_feed_for as _head_feed
from ._bridge_parity import parity_figures as _figures
from ._static import STATIC_TEXTS

__all__ = ["export_bridge", "package_bridge", "parity_inputs", "FP32", "INT8", "PACKAGE_FILES"]

FP32, INT8 = "bridge.onnx", "bridge.int8.onnx"
#: Max |user logit| difference allowed for fp32, and the least argmax agreement for int8.
FP32_MAX_ABS = 2e-3
INT8_MIN_AGREEMENT = 0.97
#: How far a caller may loosen those limits: past them the parity check would check nothing.
MAX_TOLERANCE = 1.0
MIN_AGREEMENT_FLOOR = 0.5
#: SmoothQuant strength for the encoder's linear layers before int8 (see :func:`_quantize`).
SMOOTH_ALPHA = 0.8
CALIBRATION_SEED = 424241  # synthetic users the smoothing is calibrated on (parity uses others)
#: Weights (name suffixes) of the linear layers the int8 graph keeps in fp32. Layer 0's FFN
#: output was (agreement 0.9922 -> 0.9961 on a three-layer encoder) until the default became
#: two layers: there every linear layer in int8 agrees with fp32 on 0.997 of dimensions, and
#: that fp32 layer alone had cost 12% of the int8 graph's time (docs/performance.md).
FP32_LINEARS: tuple[str, ...] = ()


def parity_inputs(tokenizer: Any, n_users: int = 24, seed: int = 424242,
                  style: bool = False) -> list[dict[str, np.ndarray]]:
    """Graph feeds for held-out synthetic users (unseen seed and phrasing), 1 to 8 items each;
    with ``style`` (a head that reads style contrasts) half their items are choices between
    answers and each feed holds the units' style rows too."""
    from edgealign.training.synth import SynthConfig, generate_users

    config = SynthConfig(users=n_users, seed=seed, phrasing="heldout", response_choices=0.5 if style else 0.0)
    feeds = []
    for i, user in enumerate(generate_users(config)):
        items = list(user.persona.items())[: 1 + i % 8]
        units = bridge_units(items)
        ids, mask = tokenize(tokenizer, units.texts)
        feed = {"input_ids": ids, "attention_mask": mask, "combine": units.combine, "sign": units.sign,
                "kind": units.kind}
        feeds.append({**feed, STYLE_INPUT: unit_styles(items, units)} if style else feed)
    return feeds


def _torch_outputs(model: Any, feed: dict[str, np.ndarray]) -> np.ndarray:
    import torch

    with torch.no_grad():
        args = [torch.from_numpy(feed[name]) for name in (*BRIDGE_INPUTS, STYLE_INPUT) if name in feed]
        return model(*args)[1].numpy()  # user logits (90, 3)


def _export_graph(model: Any, feed: dict[str, np.ndarray], path: Path) -> None:
    import torch

    from ._bridge_graphs import WithEmbeddings
    from ._packed_bert import packed_encoder

    inputs = [*BRIDGE_INPUTS, *([STYLE_INPUT] if model.head.n_style else [])]  # a style head reads style here too
    dynamic = {"input_ids": {0: "texts", 1: "tokens"}, "attention_mask": {0: "texts", 1: "tokens"},
               "combine": {0: "units", 1: "texts"}, "sign": {0: "units"}, "kind": {0: "units"},
               STYLE_INPUT: {0: "units"}, "unit_logits": {0: "units"}, "evidence": {0: "units"}, EMBEDDINGS: {0: "texts"}}
    args = tuple(torch.from_numpy(feed[name]) for name in inputs)
    with packed_encoder(model):  # the graph skips padding; the torch reference does not
        torch.onnx.export(WithEmbeddings(model).eval(), args, str(path), input_names=inputs,
                          output_names=[*BRIDGE_OUTPUTS, EMBEDDINGS], dynamic_axes=dynamic, opset_version=17,
                          dynamo=False)


def _export_head(model: Any, feed: dict[str, np.ndarray], out: Path) -> None:
    """``head.onnx`` (the whole head, with each sentence's scores as a fourth output) and
    ``head_units.onnx`` (the head from those scores on)."""
    import torch

    from ._bridge_graphs import HeadGraph

    with torch.no_grad():
        embeddings = model.embed(torch.from_numpy(feed["input_ids"]), torch.from_numpy(feed["attention_mask"]))
    example = _head_feed(feed, embeddings.numpy())
    inputs = [*HEAD_INPUTS, *([STYLE_INPUT] if model.head.n_style else [])]
    if model.head.n_style:  # any values: the trace keeps the input
        example[STYLE_INPUT] = np.ones((len(example["sign"]), model.head.n_style), dtype=np.float32)
    dynamic = {"comment_embeddings": {0: "comment_texts"}, "choice_embeddings": {0: "choice_texts"},
               "description_embeddings": {0: "description_texts"}, "row": {0: "units"}, "sign": {0: "units"},
               "kind": {0: "units"}, "weight": {0: "units"}, "unit_logits": {0: "units"}, "evidence": {0: "units"},
               SENTENCE_SCORES: {0: "texts"}, **({STYLE_INPUT: {0: "units"}} if model.head.n_style else {})}
    graph = HeadGraph(model.head).eval()
    args = tuple(torch.from_numpy(example[name]) for name in inputs)
    torch.onnx.export(graph, args, str(out / HEAD), input_names=inputs, output_names=[*HEAD_OUTPUTS, SENTENCE_SCORES],
                      dynamic_axes=dynamic, opset_version=17, dynamo=False)
    with torch.no_grad():
        scores = graph.sentence_scores(*args[:3])
    tail = [*HEAD_UNITS_INPUTS, *([STYLE_INPUT] if model.head.n_style else [])]
    torch.onnx.export(graph.units, (scores, *args[3:]), str(out / HEAD_UNITS), input_names=tail,
                      output_names=list(HEAD_OUTPUTS), opset_version=17, dynamo=False,
                      dynamic_axes={k: v for k, v in dynamic.items() if k in (*tail, *HEAD_OUTPUTS)})


def _split_head(out: Path) -> SplitHead:
    """The exported head as the device runs it: two graphs, each sentence scored once."""
    import onnxruntime as ort

    cpu = ["CPUExecutionProvider"]
    return SplitHead(ort.InferenceSession(str(out / HEAD), providers=cpu),
                     ort.InferenceSession(str(out / HEAD_UNITS), providers=cpu))


def _quantize(src: Path, dst: Path, calibration: list[dict[str, np.ndarray]]) -> None:
    """``src`` to int8: the encoder's linear layers smoothed (:mod:`._smooth`, alpha
    :data:`SMOOTH_ALPHA`, calibrated on ``calibration``), then dynamic quantization of the
    MatMul weights per channel and of the embedding tables, but :data:`FP32_LINEARS` and the
    head (1.4 MB of matrices, no measurable time; its bias table, 3 KB, quantized per tensor
    flipped a tenth of the tiny test bridge's dimensions).

    Measured on the 2026-11-30 checkpoint with `edgealign bench bridge` (40 users x 90
    dimensions, argmax agreement with torch): plain int8 0.9897; smoothed 0.992-0.994
    (varies with the calibration users) for +0.4 ms; smoothed with layer 0's FFN output in
    fp32 0.9953 (0.9947-0.9964 over five calibration sets) for ~3 ms; and the head in fp32,
    as here, 0.9961 (300 other users: 0.9911 -> 0.9959; two other checkpoints 0.9861 ->
    0.9950 and 0.9933 -> 0.9983). A per-layer ablation found the FFN output projections the
    sensitive layers (an outlier channel in their input); each costs ~2.5 ms in fp32, and
    layer 0's gained the most once smoothed. Not kept: fp32 word embeddings (no gain, +35
    MB), reduce_range (worse), symmetric activations or asymmetric weights (within noise),
    all three FFN outputs in fp32 (0.9953, +8 ms)."""
    import onnx
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from ._smooth import linear_nodes, smooth_linear_inputs

    model = onnx.load(str(src))
    keep = [n.name for n in linear_nodes(model, "/encoder/") if FP32_LINEARS and n.input[1].endswith(FP32_LINEARS)]
    if any("encoder.layer." in i.name for i in model.graph.initializer) and len(keep) != len(FP32_LINEARS):
        raise ArtifactError(f"{src}: found {keep} for the linear layers {FP32_LINEARS} that int8 keeps in fp32; "
                            "the traced graph's names changed: update FP32_LINEARS in export/onnx.py")
    smooth_linear_inputs(model, calibration, SMOOTH_ALPHA, prefix="/encoder/", skip=frozenset(keep))
    head = [n.name for n in model.graph.node if not n.name.startswith("/encoder/")]
    # onnxruntime turns each Gemm into a MatMul named "<gemm>_MatMul" before quantizing
    quantize_dynamic(model, str(dst), per_channel=True, weight_type=QuantType.QInt8, op_types_to_quantize=["MatMul", "Gather"],
                     nodes_to_exclude=[*head, *keep, *(f"{name}_MatMul" for name in keep)])
    quantized = {n.name: n.op_type for n in onnx.load(str(dst), load_external_data=False).graph.node}
    if any(quantized.get(name, quantized.get(f"{name}_MatMul")) not in ("Gemm", "MatMul") for name in keep):
        raise ArtifactError(f"{dst}: onnxruntime quantized {keep} anyway; update the exclusion in export/onnx.py")


def _parity(refs: list[np.ndarray], path: Path, head: SplitHead, feeds: list[dict[str, np.ndarray]]) -> dict[str, dict[str, float]]:
    """The graph at ``path`` against torch's user logits ``refs``, alone and through the head (its embeddings in)."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    alone: list[tuple[np.ndarray, np.ndarray]] = []
    chained: list[tuple[np.ndarray, np.ndarray]] = []
    for ref, feed in zip(refs, feeds):
        got, embeddings = session.run(["user_logits", EMBEDDINGS], feed)
        alone.append((ref, got))
        chained.append((ref, head.run(["user_logits"], _head_feed(feed, embeddings, head))[0]))
    return {"alone": _figures(alone), "with_head": _figures(chained)}


def _weighted_parity(model: Any, tokenizer: Any, head: SplitHead, max_items: int, n_users: int = 4,
                     seed: int = 424243) -> dict[str, float]:
    """The head on 40-item histories with the device's recency weights, against the torch
    head's unit logits summed with the same weights (the single graph never weighs units);
    with the choices' style rows for a head that reads them."""
    import torch

    from edgealign.bridge import HALF_LIFE, MAX_MASS, recency_weights
    from edgealign.training.synth import SynthConfig, generate_users

    pairs = []
    for user in generate_users(SynthConfig(users=n_users, seed=seed, history=24, phrasing="heldout")):
        items = list(user.persona.items())[:40]
        units = bridge_units(items)
        ids, mask = tokenize(tokenizer, units.texts)
        w = recency_weights(len(items), max_items, HALF_LIFE, MAX_MASS)[units.item].astype(np.float32)
        style = unit_styles(items, units) if model.head.n_style else None
        with torch.no_grad():
            emb = model.embed(torch.from_numpy(ids), torch.from_numpy(mask))
            logits = model.head.item_logits(emb[torch.from_numpy(units.text)], torch.from_numpy(units.kind))
            _, evidence = model.head.aggregate(logits, torch.from_numpy(units.sign), torch.from_numpy(units.kind),
                                               style=None if style is None else torch.from_numpy(style))
            relevance = 1 - torch.softmax(logits, -1)[..., 1]
            a, b = torch.nn.functional.softplus(model.head.agg)
            z, m = (evidence * torch.from_numpy(w)[:, None]).sum(0), (relevance * torch.from_numpy(w)[:, None]).sum(0)
            ref = torch.stack([-a * z, model.head.agg_bias - b * m, a * z], -1).numpy()
        feed = head_feed(emb.numpy(), units.text, units.sign, units.kind, w, style)
        pairs.append((ref, head.run(["user_logits"], feed)[0]))
    return _figures(pairs)


def _style_details(head: Any) -> dict[str, Any]:
    if not head.n_style:
        return {}
    return {"style": {"input": STYLE_INPUT, "version": STYLE_VERSION, "features": head.n_style}}


def _check(name: str, figures: dict[str, float], tolerance: float, min_agreement: float) -> None:
    graph = name.split("<-")[-1]  # "head.onnx<-bridge.onnx": the head on that graph's embeddings
    if graph == FP32 and figures["max_abs_diff"] > tolerance:
        raise ParityError(f"{name}: user logits differ from torch by {figures['max_abs_diff']:.2e} > {tolerance:.0e}")
    if graph == INT8 and figures["argmax_agreement"] < min_agreement:
        raise ParityError(
            f"{name}: per-dimension argmax agrees with torch on {figures['argmax_agreement']:.3f} < {min_agreement}; "
            "export without --int8 or retrain"
        )


def check_limits(tolerance: float, min_agreement: float) -> None:
    """ConfigError when the limits would switch the parity check off: a ``tolerance`` that is
    not a number from 0 to MAX_TOLERANCE, a ``min_agreement`` that is not a finite number of at
    least MIN_AGREEMENT_FLOOR (NaN passes every comparison's negation). A stricter limit than
    can be met (tolerance 0, agreement over 1) stays allowed: it can only refuse."""
    import math

    from edgealign.errors import ConfigError

    if not (isinstance(tolerance, (int, float)) and math.isfinite(tolerance) and 0 <= tolerance <= MAX_TOLERANCE):
        raise ConfigError(f"the parity tolerance must be from 0 to {MAX_TOLERANCE:g}, got {tolerance!r}")
    if not (isinstance(min_agreement, (int, float)) and math.isfinite(min_agreement)
            and min_agreement >= MIN_AGREEMENT_FLOOR):
        raise ConfigError(f"the least int8 agreement must be at least {MIN_AGREEMENT_FLOOR:g}, got {min_agreement!r}")


def export_bridge(checkpoint: str | Path, out: str | Path, *, int8: bool = False, static: bool = False,
                  static_texts: int = STATIC_TEXTS, tolerance: float = FP32_MAX_ABS,
                  min_agreement: float = INT8_MIN_AGREEMENT) -> Manifest:
    """Export, check parity, then write the manifest; raises ParityError past the tolerance.
    ``static`` adds the fixed-shape QDQ int8 graph for NPUs (:mod:`._static`), ``static_texts``
    sentences by the tokenizer's max_length tokens per call."""
    from edgealign.training.bridge import load_bridge

    check_limits(tolerance, min_agreement)
    if static and not (isinstance(static_texts, int) and static_texts >= 1):
        raise ConfigError(f"the static graph needs at least 1 sentence per call (--static-texts), got {static_texts!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)  # an old manifest must not vouch for new files
    model, tokenizer, cfg = load_bridge(checkpoint)
    style = bool(model.head.n_style)
    feeds = parity_inputs(configure(tokenizer, cfg.max_length), style=style)
    largest = max(feeds, key=lambda f: f["combine"].shape[0])
    _export_graph(model, largest, out / FP32)
    _export_head(model, largest, out)
    head = _split_head(out)
    files, parity = [FP32], {}
    refs = [_torch_outputs(model, feed) for feed in feeds]  # once: each graph is compared with them
    if int8:
        _quantize(out / FP32, out / INT8, parity_inputs(tokenizer, seed=CALIBRATION_SEED, style=style))
        files.append(INT8)
    for name in list(files):
        figures = _parity(refs, out / name, head, feeds)
        parity[name], parity[f"{HEAD}<-{name}"] = figures["alone"], figures["with_head"]
        _check(name, parity[name], tolerance, min_agreement)
        _check(f"{HEAD}<-{name}", parity[f"{HEAD}<-{name}"], tolerance, min_agreement)
    parity[f"{HEAD} weighted"] = _weighted_parity(model, tokenizer, head, cfg.max_items)
    _check(f"{HEAD} weighted<-{FP32}", parity[f"{HEAD} weighted"], tolerance, min_agreement)
    static_details = {}
    if static:
        from ._static import STATIC, export_static

        figures = export_static(model, parity_inputs(tokenizer, seed=CALIBRATION_SEED, style=style), feeds, refs, out, out / HEAD,
                                tokens=cfg.max_length, texts=static_texts, tolerance=tolerance,
                                min_agreement=min_agreement)
        parity[f"{HEAD}<-{STATIC}"], parity[f"{HEAD}<-{STATIC} fp32 trace"] = figures["parity"], figures["parity_fp32_trace"]
        static_details, files = {"static": figures["details"]}, [*files, STATIC]
    files += [HEAD, HEAD_UNITS]
    shutil.copy(Path(checkpoint) / "encoder" / "tokenizer.json", out / "tokenizer.json")
    metrics_file = Path(checkpoint) / "metrics.json"
    trained = json.loads(metrics_file.read_text()) if metrics_file.is_file() else {}
    manifest = Manifest.for_files(
        out, "bridge", [*files, "tokenizer.json"],
        details={"encoder": cfg.encoder, "encoder_layers": model.encoder.config.num_hidden_layers,
                 "max_length": cfg.max_length, "max_items": cfg.max_items, "max_sentences": MAX_SENTENCES,
                 # The sentence split the head was trained on; checkpoints from before it was
                 # recorded split as version 1 (negations read as written).
                 "units_version": int(trained.get("units_version", 1)),
                 "inputs": list(BRIDGE_INPUTS), "outputs": [*BRIDGE_OUTPUTS, EMBEDDINGS],
                 # inputs: the base inputs every head takes; a head that reads style contrasts
                 # takes "style" besides, recorded with the definition it was trained on.
                 "head": {"file": HEAD, "inputs": list(HEAD_INPUTS), "outputs": list(HEAD_OUTPUTS),
                          "dim": int(model.head.anchors.shape[-1]), **_style_details(model.head),
                          "units": {"file": HEAD_UNITS, "inputs": list(HEAD_UNITS_INPUTS)}},
                 "graphs": {"fp32": FP32, **({"int8": INT8} if int8 else {})}, **static_details},
        metrics={"parity": parity, "parity_limits": {"tolerance": tolerance, "min_agreement": min_agreement},
                 "training": {k: v for k, v in trained.items() if k not in ("per_group", "per_dimension")}},
    )
    manifest.write(out)
    return manifest


#: What a bridge shipped in the package holds (the int8 graph, the head's two graphs, the tokenizer), and
#: the most it may weigh together.
PACKAGE_FILES = (INT8, HEAD, HEAD_UNITS, "tokenizer.json")
PACKAGE_MAX_MB = 30.0


def package_bridge(artifact: str | Path, out: str | Path, *, figures: dict[str, Any] | None = None,
                   commands: list[str] | None = None) -> Manifest:
    """Copy the int8 graph, the head's two graphs and the tokenizer of an exported ``artifact`` into ``out``
    (the package's ``sdk/bridges/default``) with a manifest of those files only: the
    artifact's details and its parity and training figures, plus ``figures`` (held-out figures
    measured through the SDK: what a bridge must beat to replace it) and ``commands`` (what
    rebuilds it). ArtifactError when the artifact has no int8 graph or weighs more than
    :data:`PACKAGE_MAX_MB`."""
    artifact, out = Path(artifact), Path(out)
    source = Manifest.read(artifact, "bridge")
    if source.details.get("graphs", {}).get("int8") != INT8 or not {HEAD, HEAD_UNITS} <= set(source.files):
        raise ArtifactError(f"{artifact}: a packaged bridge needs the int8 graph and the head's two graphs; "
                            "export it with `edgealign export bridge CHECKPOINT --int8`")
    size = sum((artifact / f).stat().st_size for f in PACKAGE_FILES) / 1e6
    if size > PACKAGE_MAX_MB:
        raise ArtifactError(f"{artifact}: the int8 graph, head and tokenizer weigh {size:.1f} MB, over the "
                            f"package's {PACKAGE_MAX_MB:g} MB")
    out.mkdir(parents=True, exist_ok=True)
    (out / "manifest.json").unlink(missing_ok=True)
    for name in PACKAGE_FILES:
        shutil.copy(artifact / name, out / name)
    details = {k: v for k, v in source.details.items() if k != "static"}
    details["graphs"] = {"int8": INT8}
    metrics = {**source.metrics, "size_mb": round(size, 2), "figures": figures or {}, "commands": commands or []}
    manifest = Manifest.for_files(out, "bridge", list(PACKAGE_FILES), details=details, metrics=metrics)
    manifest.write(out)
    return manifest
