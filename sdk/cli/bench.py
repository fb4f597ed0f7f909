"""``edgealign bench TARGET``: speed on this machine, beside a baseline measured in the same run.

Each target is a pair of functions in :data:`TARGETS`: one adds its options, one runs it and
returns the result dict. The library does the measuring; this module parses and prints.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ._args import count
from ._output import step
from ._targets import Targets, add_targets, run_target
from .serve import bench_serve_arguments, bench_serve_run


def _store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=count(1, 10_000_000), default=10_000, metavar="N",
                        help="persona items to write and read (default 10000)")
    parser.add_argument("--dir", default=None, metavar="DIR",
                        help="where the temporary stores go (default: the system temp dir)")


def _store_run(args: argparse.Namespace) -> dict[str, Any]:
    """the encrypted persona store against plain sqlite-utils (insert, read, load one user)"""
    from ..errors import ConfigError
    from ..bench.store import bench_store

    from ._output import check_folder

    if args.dir is not None:  # before the benchmark: our temporary folder inside is not the user's path
        try:
            check_folder(Path(args.dir))
        except ConfigError as exc:
            raise ConfigError(f"--dir: {exc}") from None
    step(f"benchmarking the encrypted store against plain sqlite-utils with {args.n:,} items")
    return bench_store(args.n, directory=args.dir, progress=True)


def _bridge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--checkpoint", default=None, metavar="DIR",
                        help="torch checkpoint (default: $EDGEALIGN_HOME/checkpoints/bridge)")
    parser.add_argument("--artifact", default=None, metavar="DIR",
                        help="exported artifact with an int8 graph (default: $EDGEALIGN_HOME/artifacts/bridge)")
    parser.add_argument("--users", type=count(1, 100_000), default=40, metavar="N",
                        help="synthetic users of 8 items (default 40)")
    parser.add_argument("--provider", default=None, metavar="NAME",
                        help="also run both graphs (packed and static) on this execution provider, optionally "
                             "with a device type, e.g. OpenVINOExecutionProvider:CPU or openvino:npu "
                             "(default: the CPU provider only)")


def _bridge_run(args: argparse.Namespace) -> dict[str, Any]:
    """the exported bridge (ONNX fp32, int8, static) against its torch source, one thread"""
    import importlib

    from ..bridge import default_bridge_path
    from ..home import Home

    # The torch side needs the export extra: reached by name, like the CLI's training
    # commands, so the device package itself never imports it.
    bench = importlib.import_module("edgealign.export.bench")
    checkpoint = args.checkpoint or Home().checkpoints / "bridge"
    artifact = args.artifact or default_bridge_path()
    on = f" (and on {args.provider})" if args.provider else ""
    step(f"benchmarking the bridge: torch {checkpoint} against ONNX {artifact}{on}")
    return bench.bench_bridge(checkpoint, artifact, users=args.users, provider=args.provider)


def _llm_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, metavar="GGUF", help="the model (default: the bundled SmolLM2)")
    parser.add_argument("--bridge", default=None, metavar="DIR",
                        help="bridge artifact to hold in memory too (default: the demo's, if built)")
    parser.add_argument("--steering", default=None, metavar="DIR",
                        help="steering basis for the model: adds the steer conditioning and decode_ratio_steer "
                             "(default: $EDGEALIGN_HOME/artifacts/steering when it exists)")
    parser.add_argument("--adapter", default=None, metavar="DIR",
                        help="trained aligner (LoRA adapter folder) for the model: adds decode_ratio_adapter, "
                             "ttft_ms_adapter and adapter_switch_ms (default: the home's, else the packaged one)")
    parser.add_argument("--threads", type=count(1, 1024), default=1, metavar="N", help="llama.cpp threads (default 1)")
    parser.add_argument("--rounds", type=count(1, 1000), default=3, metavar="N", help="repeats per figure (default 3)")


def _llm_run(args: argparse.Namespace) -> dict[str, Any]:
    """the local LLM: load, time to first token per conditioning, decode against raw llama-cpp-python, memory"""
    from ..bench.llm import bench_llm

    step(f"benchmarking {args.model or 'the bundled model'} with {args.threads} thread(s)")
    from ..home import Home

    steering = args.steering or (Home().steering if Home().steering.is_dir() else None)
    return bench_llm(args.model, bridge=args.bridge, steering=steering, adapter=args.adapter, n_threads=args.threads,
                     rounds=args.rounds)


#: target name -> (add its arguments, run it).
TARGETS: Targets = {
    "store": (_store_arguments, _store_run),
    "llm": (_llm_arguments, _llm_run),
    "serve": (bench_serve_arguments, bench_serve_run),
    "bridge": (_bridge_arguments, _bridge_run),
}


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    add_targets(parser, TARGETS)


def bench(args: argparse.Namespace) -> int:
    return run_target(args, TARGETS)
