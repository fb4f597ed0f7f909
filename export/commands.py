"""The commands that belong to export: ``edgealign export TARGET`` and ``edgealign bench bridge``.

Registered through the ``edgealign.commands`` entry points (:data:`EXPORT`,
:data:`BENCH_BRIDGE`). Targets live in :data:`EXPORT_TARGETS`; each checks its artifact
against its source and refuses (ParityError) before calling it done.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from edgealign.commands import Command, Target, Targets, add_targets, count, number, run_target, step
from edgealign.errors import ConfigError


def _defaults(function: Any) -> dict[str, Any]:
    """A function's keyword defaults: the options show and use them, never a copy."""
    import inspect

    return {n: p.default for n, p in inspect.signature(function).parameters.items() if p.default is not p.empty}


def _bridge_arguments(parser: argparse.ArgumentParser) -> None:
    from .onnx import MAX_TOLERANCE, MIN_AGREEMENT_FLOOR, export_bridge

    d = _defaults(export_bridge)
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="bridge checkpoint folder (from edgealign train bridge)")
    parser.add_argument("--out", required=True, metavar="DIR", help="artifact folder to write")
    parser.add_argument("--int8", action="store_true", help="also quantize to int8 (dynamic, per-channel)")
    parser.add_argument("--static", action="store_true",
                        help="also write the fixed-shape QDQ int8 encoder graph that NPU providers take")
    parser.add_argument("--static-texts", type=count(1, 4096), default=d["static_texts"], metavar="N",
                        help=f"sentences per call of the fixed-shape graph (default {d['static_texts']})")
    parser.add_argument("--tolerance", type=number(0.0, MAX_TOLERANCE, low_open=True), default=d["tolerance"],
                        metavar="X", help=f"fp32 parity: max |user logit| difference, over 0 up to {MAX_TOLERANCE:g} "
                                          f"(default {d['tolerance']})")
    parser.add_argument("--min-agreement", type=number(MIN_AGREEMENT_FLOOR, 1.0), default=d["min_agreement"],
                        metavar="X", help=f"int8 parity: least argmax agreement, {MIN_AGREEMENT_FLOOR:g} to 1 "
                                          f"(default {d['min_agreement']})")
    parser.add_argument("--package", metavar="DIR", default=None,
                        help="also copy the int8 graph, head and tokenizer into DIR with a manifest of its figures "
                             "(the bridge shipped in the package: sdk/bridges/default; needs --int8)")
    parser.add_argument("--figures", metavar="FILE.json", default=None,
                        help="with --package: a JSON object with `figures` (held-out figures measured through the "
                             "SDK, what a replacement must beat) and `commands` (what rebuilds it, data included)")


def _bridge_run(args: argparse.Namespace) -> dict[str, Any]:
    """the preference bridge to ONNX (fp32, optionally int8), parity-checked against torch"""
    from .onnx import export_bridge

    extras = ", ".join(name for name, on in (("int8", args.int8), ("static int8", args.static)) if on)
    step(f"exporting the bridge in {args.checkpoint} to ONNX{f' ({extras})' if extras else ''}")
    if args.package and not args.int8:
        raise ConfigError("--package ships the int8 graph: add --int8")
    notes = _figures_file(args.figures) if args.figures else {}
    manifest = export_bridge(args.checkpoint, args.out, int8=args.int8, static=args.static,
                             static_texts=args.static_texts, tolerance=args.tolerance,
                             min_agreement=args.min_agreement)
    out = {"out": args.out, "files": sorted(manifest.files), **manifest.metrics}
    if args.package:
        from .onnx import package_bridge

        packaged = package_bridge(args.out, args.package, figures=notes.get("figures"), commands=notes.get("commands"))
        step(f"packaged the int8 bridge into {args.package} ({packaged.metrics['size_mb']} MB)")
        out["package"] = args.package
    return out


def _figures_file(path: str) -> dict[str, Any]:
    """The --figures file: a JSON object with `figures` (an object) and `commands` (a list of strings)."""
    import json

    try:
        notes = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise ConfigError(f"--figures {path}: not a readable JSON file ({exc})") from None
    commands = notes.get("commands", []) if isinstance(notes, dict) else None
    if not (isinstance(notes, dict) and isinstance(notes.get("figures", {}), dict) and isinstance(commands, list)
            and all(isinstance(c, str) for c in commands)):
        raise ConfigError(f"--figures {path}: expected {{\"figures\": {{...}}, \"commands\": [\"...\"]}}")
    return notes


def _gguf_arguments(parser: argparse.ArgumentParser) -> None:
    from edgealign.training.hf import PRE_TOKENIZERS

    from .gguf import export_gguf

    d = _defaults(export_gguf)
    quants = ",".join(d["quants"])
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="Hugging Face Llama checkpoint folder (save_pretrained)")
    parser.add_argument("--out", required=True, metavar="DIR", help="artifact folder to write")
    parser.add_argument("--quant", default=quants, metavar="TYPES",
                        help=f"comma-separated files to ship: f32, f16, q8_0, q4_k_m (default {quants})")
    parser.add_argument("--base", choices=("f32", "f16"), default=d["base"],
                        help=f"precision converted to first (default {d['base']})")
    parser.add_argument("--pre", default=d["pre"], choices=list(PRE_TOKENIZERS),
                        help="llama.cpp pre-tokenizer of a byte-level BPE vocabulary, when detecting it from "
                             "tokenizer.json is not enough (default: detected)")
    parser.add_argument("--threads", type=int, default=d["n_threads"], metavar="N",
                        help=f"llama.cpp threads (default {d['n_threads']})")


def _gguf_run(args: argparse.Namespace) -> dict[str, Any]:
    """a Llama checkpoint to GGUF (F32/F16, Q8_0, Q4_K_M), parity-checked against transformers"""
    from .gguf import export_gguf

    quants = [q for q in args.quant.split(",") if q.strip()]
    manifest = export_gguf(args.checkpoint, args.out, quants, base=args.base, pre=args.pre, n_threads=args.threads)
    parity = manifest.metrics["parity"]
    flat = {f"{q}_{k}": v for q, figures in parity.items() for k, v in figures.items() if k not in ("quant", "n_prompts")}
    return {"out": args.out, "files": sorted(manifest.files), **flat, "parity": parity}


def _steering_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("checkpoint", metavar="CHECKPOINT", help="steering checkpoint folder (from edgealign train steering)")
    parser.add_argument("--out", required=True, metavar="DIR", help="artifact folder to write")
    parser.add_argument("--figures", metavar="FILE.json", default=None,
                        help="a JSON object with `figures` (held-out figures measured with the basis through the "
                             "SDK, what a replacement must beat) and `commands` (what rebuilds it), kept in the "
                             "manifest (for the basis shipped in the package: sdk/steering_bases/default)")


def _steering_run(args: argparse.Namespace) -> dict[str, Any]:
    """a steering basis to llama.cpp control-vector GGUFs, one per dimension, each read back and checked"""
    from .steering import export_steering

    notes = _figures_file(args.figures) if args.figures else {}
    manifest = export_steering(args.checkpoint, args.out, figures=notes.get("figures"), commands=notes.get("commands"))
    d = manifest.details
    return {"out": args.out, "files": len(manifest.files), "method": d["method"], "layers": f"{d['layers'][0]}-{d['layers'][1]}",
            "scale": d["scale"], "base_model_file": d["base_model_file"], "export_s": manifest.metrics["export_s"]}


def _lora_arguments(parser: argparse.ArgumentParser) -> None:
    from .lora import ADAPTER_TYPES, export_lora

    d = _defaults(export_lora)
    parser.add_argument("checkpoint", metavar="CHECKPOINT",
                        help="LoRA checkpoint folder (from edgealign train ... --lora-rank N: peft's save_pretrained)")
    parser.add_argument("--out", required=True, metavar="DIR", help="artifact folder to write (adapter.gguf, manifest.json)")
    parser.add_argument("--base", default=None, metavar="FILE",
                        help="the GGUF model file the adapter runs on and is bound to (default: the bundled SmolLM2 "
                             "for a checkpoint of smollm2-135m)")
    parser.add_argument("--dtype", choices=ADAPTER_TYPES, default=d["dtype"],
                        help=f"adapter tensor type (default {d['dtype']})")
    parser.add_argument("--held-out", default=None, metavar="FILE",
                        help="JSON of held-out accuracy per conditioning ({\"pba\": 0.9, \"instruct+steer\": 0.7}); "
                             "the device's default conditioning follows it (default: none recorded)")
    parser.add_argument("--figures", metavar="FILE.json", default=None,
                        help="a JSON object with `figures` (every held-out figure measured through the SDK, what a "
                             "replacement must beat) and `commands` (what trains it again, data included), kept in "
                             "the manifest (for the aligner shipped in the package)")
    parser.add_argument("--generation", metavar="FILE.json", default=None,
                        help="what `edgealign eval-generation --adapter DIR --json` printed for this aligner: its "
                             "fluency, length and humour figures go in the manifest, and a conditioning whose "
                             "answers are not fluent on every pole is never the device's default")
    parser.add_argument("--threads", type=int, default=d["n_threads"], metavar="N",
                        help=f"llama.cpp threads for the parity check (default {d['n_threads']})")


def _lora_run(args: argparse.Namespace) -> dict[str, Any]:
    """a LoRA checkpoint to a llama.cpp adapter GGUF bound to its base file, parity-checked against torch + peft"""
    import json
    from pathlib import Path

    from .lora import export_lora

    def read(flag: str, path: str | None) -> Any:
        if not path:
            return None
        try:
            return json.loads(Path(path).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"{flag} {path}: not a readable JSON file ({exc})") from None

    held_out, generation = read("--held-out", args.held_out), read("--generation", args.generation)
    notes = _figures_file(args.figures) if args.figures else None
    step(f"exporting the LoRA adapter in {args.checkpoint} to GGUF ({args.dtype})")
    command = " ".join(["edgealign export lora", args.checkpoint, "--out", args.out, "--dtype", args.dtype,
                        *(["--base", args.base] if args.base else []),
                        *(["--held-out", args.held_out] if args.held_out else []),
                        *(["--figures", args.figures] if args.figures else []),
                        *(["--generation", args.generation] if args.generation else [])])
    manifest = export_lora(args.checkpoint, args.out, base=args.base, dtype=args.dtype, held_out=held_out,
                           n_threads=args.threads, command=command, recipe=notes, generation=generation)
    d, m = manifest.details, manifest.metrics
    return {"out": args.out, "files": sorted(manifest.files), "method": d["method"], "rank": d["rank"],
            "base_model_file": d["base_model_file"], "size_bytes": m["size_bytes"], "parity": m["parity"],
            "held_out": m.get("held_out", {}), "generation": m.get("generation", {})}


#: target -> (add its options, run it).
EXPORT_TARGETS: Targets = {
    "bridge": (_bridge_arguments, _bridge_run),
    "gguf": (_gguf_arguments, _gguf_run),
    "lora": (_lora_arguments, _lora_run),
    "steering": (_steering_arguments, _steering_run),
}


def export_arguments(parser: argparse.ArgumentParser) -> None:
    add_targets(parser, EXPORT_TARGETS)


def export(args: argparse.Namespace) -> int:
    """Run the chosen target; a failed export removes the folder it created."""
    checkpoint, out = Path(args.checkpoint), Path(args.out)
    if not checkpoint.is_dir():  # every target: exit 2 before any model loads
        raise ConfigError(f"CHECKPOINT {checkpoint}: {'is a file, not a folder' if checkpoint.exists() else 'no such folder'}"
                          f"; {_CHECKPOINT_FROM.get(args.target, 'pass a checkpoint folder')}")
    if out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out} is a file; name a folder (it is created if missing)")
    created = not out.exists()
    try:
        return run_target(args, EXPORT_TARGETS)
    except BaseException:
        if created and out.is_dir():  # a failed export leaves no half-written folder behind
            shutil.rmtree(out, ignore_errors=True)
        raise


#: target -> where its CHECKPOINT comes from, for the message when it is not a folder.
_CHECKPOINT_FROM = {
    "bridge": "pass the folder `edgealign train bridge --out DIR` wrote",
    "gguf": "pass a Hugging Face checkpoint folder (save_pretrained)",
    "lora": "pass the LoRA checkpoint folder the trainer wrote (peft's save_pretrained)",
    "steering": "pass the folder `edgealign train steering --out DIR` wrote",
}


# -- bench bridge ---------------------------------------------------------------------------

def _bench_bridge_arguments(parser: argparse.ArgumentParser) -> None:
    from edgealign.home import Home

    shown = Home.shown()
    parser.add_argument("--checkpoint", default=None, metavar="DIR",
                        help=f"torch checkpoint (default: {shown.checkpoints / 'bridge'})")
    parser.add_argument("--artifact", default=None, metavar="DIR",
                        help=f"exported artifact with an int8 graph (default: {shown.bridge}, else the one shipped in the package)")
    parser.add_argument("--users", type=count(1, 100_000), default=40, metavar="N",
                        help="synthetic users of 8 items (default 40)")
    parser.add_argument("--provider", default=None, metavar="NAME",
                        help="also run both graphs (packed and static) on this execution provider, optionally "
                             "with a device type, e.g. OpenVINOExecutionProvider:CPU or openvino:npu "
                             "(default: the CPU provider only)")


def _bench_bridge_run(args: argparse.Namespace) -> dict[str, Any]:
    """the exported bridge (ONNX fp32, int8, static) against its torch source, one thread"""
    from edgealign.bridge import default_bridge_path
    from edgealign.home import Home

    from .bench import bench_bridge

    checkpoint = args.checkpoint or Home().checkpoints / "bridge"
    artifact = args.artifact or default_bridge_path()
    on = f" (and on {args.provider})" if args.provider else ""
    step(f"benchmarking the bridge: torch {checkpoint} against ONNX {artifact}{on}")
    return bench_bridge(checkpoint, artifact, users=args.users, provider=args.provider)


#: Registered in pyproject.toml's ``edgealign.commands`` entry points.
EXPORT = Command("export", "turn a checkpoint into a device artifact (ONNX bridge, GGUF model, steering vectors)",
                 export_arguments, export)
BENCH_BRIDGE = Target("bench", "bridge", _bench_bridge_arguments, _bench_bridge_run)
