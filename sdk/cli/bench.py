"""``edgealign bench TARGET``: speed on this machine, beside a baseline measured in the same run.

Each target is a pair of functions in :data:`TARGETS`: one adds its options, one runs it and
returns the result dict. The library does the measuring; this module parses and prints.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from ..commands import Targets, add_targets, count, plugins, run_target, step
from ..home import Home
from ._artifacts import steering_dir, steering_help
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

    from ..commands import check_folder

    if args.dir is not None:  # before the benchmark: our temporary folder inside is not the user's path
        try:
            check_folder(Path(args.dir))
        except ConfigError as exc:
            raise ConfigError(f"--dir: {exc}") from None
    step(f"benchmarking the encrypted store against plain sqlite-utils with {args.n:,} items")
    return bench_store(args.n, directory=args.dir, progress=True)


def _llm_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, metavar="GGUF", help="the model (default: the bundled SmolLM2)")
    parser.add_argument("--bridge", default=None, metavar="DIR",
                        help="bridge artifact to hold in memory too (default: the demo's, if built)")
    parser.add_argument("--steering", default=None, metavar="DIR",
                        help=steering_help("steering basis for the model: adds the steer conditioning and "
                                           "decode_ratio_steer"))
    parser.add_argument("--adapter", default=None, metavar="DIR",
                        help="trained aligner (LoRA adapter folder) for the model: adds decode_ratio_adapter, "
                             "ttft_ms_adapter and adapter_switch_ms (default: the home's, else the packaged one)")
    parser.add_argument("--threads", type=count(1, 1024), default=1, metavar="N", help="llama.cpp threads (default 1)")
    parser.add_argument("--rounds", type=count(1, 1000), default=3, metavar="N", help="repeats per figure (default 3)")


def _llm_run(args: argparse.Namespace) -> dict[str, Any]:
    """the local LLM: load, time to first token per conditioning, decode against raw llama-cpp-python, memory"""
    from ..bench.llm import bench_llm

    step(f"benchmarking {args.model or 'the bundled model'} with {args.threads} thread(s)")
    steering = steering_dir(args.steering, args.model)
    return bench_llm(args.model, bridge=args.bridge, steering=steering, adapter=args.adapter, n_threads=args.threads,
                     rounds=args.rounds)


#: target name -> (add its arguments, run it).
TARGETS: Targets = {
    "store": (_store_arguments, _store_run),
    "llm": (_llm_arguments, _llm_run),
    "serve": (bench_serve_arguments, bench_serve_run),
}


def _targets() -> Targets:
    """The sdk's targets, then those the installed packages register (export's ``bridge``,
    which needs the torch side)."""
    registered = plugins().targets_of("bench")
    return {**TARGETS, **{name: t for name, t in registered.items() if name not in TARGETS}}


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    add_targets(parser, _targets())


def bench(args: argparse.Namespace) -> int:
    return run_target(args, _targets())
