"""Commands with targets (``bench store``, ``train bridge``, ``export gguf``): one pattern.

A target is a pair (add its options, run it -> result dict); the run function's docstring's
first line is its help. The command prints the result as JSON or as aligned lines.
"""

from __future__ import annotations

import argparse
from typing import Any, Callable

from .output import emit_json

AddArgs = Callable[[argparse.ArgumentParser], None]
Run = Callable[[argparse.Namespace], dict[str, Any]]
Targets = dict[str, tuple[AddArgs, Run]]


def add_targets(parser: argparse.ArgumentParser, targets: Targets) -> None:
    """One sub-command per target, each with its own options and ``--json``."""
    sub = parser.add_subparsers(dest="target", metavar="TARGET", required=True)
    for name, (add_args, run) in targets.items():
        target = sub.add_parser(name, help=(run.__doc__ or name).strip().splitlines()[0])
        add_args(target)
        if not any("--json" in a.option_strings for a in target._actions):
            target.add_argument("--json", action="store_true", help="print one JSON object")


def run_target(args: argparse.Namespace, targets: Targets) -> int:
    """Run the chosen target and print what it returns."""
    result = targets[args.target][1](args)
    if args.json:
        emit_json(result)
        return 0
    shown = {k: v for k, v in result.items() if not isinstance(v, (dict, list))}
    width = max((len(k) for k in shown), default=0)
    for key, value in shown.items():
        print(f"{key:<{width}}  {_fmt(value)}")
    return 0


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.3f}"
    return f"{value:,}" if isinstance(value, int) and not isinstance(value, bool) else str(value)
