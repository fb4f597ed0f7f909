"""``edgealign bench TARGET``: speed on this machine, beside a baseline measured in the same run.

Each target is a pair of functions in :data:`TARGETS`: one adds its options, one runs it and
returns the result dict. The library does the measuring; this module parses and prints.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

from ._output import emit_json, step

AddArgs = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], dict[str, Any]]


def _store_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--n", type=int, default=10_000, metavar="N",
                        help="persona items to write and read (default 10000)")
    parser.add_argument("--dir", default=None, metavar="DIR",
                        help="where the temporary stores go (default: the system temp dir)")


def _store_run(args: argparse.Namespace) -> dict[str, Any]:
    """the encrypted persona store against plain sqlite-utils (insert, read, load one user)"""
    from ..errors import ConfigError
    from ..store.bench import bench_store

    if args.n < 1:
        raise ConfigError(f"--n must be at least 1, got {args.n}")
    step(f"benchmarking the encrypted store against plain sqlite-utils with {args.n:,} items")
    return bench_store(args.n, directory=args.dir, progress=True)


#: target name -> (add its arguments, run it). Other targets (e.g. "bridge") join here.
TARGETS: dict[str, tuple[AddArgs, Run]] = {
    "store": (_store_arguments, _store_run),
}


def bench_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    for name, (add_args, run) in TARGETS.items():
        target = sub.add_parser(name, help=(run.__doc__ or f"benchmark {name}").strip().splitlines()[0])
        add_args(target)
        target.add_argument("--json", action="store_true", help="print one JSON object")


def bench(args: argparse.Namespace) -> int:
    result = TARGETS[args.target][1](args)
    if args.json:
        emit_json(result)
        return 0
    width = max(len(k) for k in result)
    for key, value in result.items():
        print(f"{key:<{width}}  {_fmt(value)}")
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) else str(value)
