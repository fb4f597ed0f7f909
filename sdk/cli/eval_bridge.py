"""``edgealign eval-bridge``: how well the bridge infers profiles from persona items."""

from __future__ import annotations

import argparse
import itertools

from ..commands import count, emit_json, step


def eval_bridge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE",
                        help="AlignX training or benchmark files, or synthetic JSONL")
    parser.add_argument("--artifact", default=None, metavar="DIR",
                        help="bridge artifact folder (default: $EDGEALIGN_HOME/artifacts/bridge)")
    parser.add_argument("--precision", choices=("int8", "fp32"), default=None, help="graph to run (default int8 if present)")
    parser.add_argument("--limit", type=count(1, 10_000_000), default=None, metavar="N",
                        help="score the first N records only")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def eval_bridge(args: argparse.Namespace) -> int:
    from ..bridge import PreferenceBridge
    from ..data import read_records, require_file
    from ..eval.bridge import evaluate_bridge
    from ._artifacts import home_bridge

    for f in args.data:  # before the bridge loads
        require_file(f)
    folder = home_bridge(args.artifact, "--artifact")
    bridge = PreferenceBridge.load(folder, precision=args.precision)
    records = itertools.chain.from_iterable(read_records(f) for f in args.data)
    step(f"scoring the bridge in {folder} on {', '.join(args.data)}")
    result = evaluate_bridge(bridge, itertools.islice(records, args.limit))
    if args.json:
        emit_json(result)
        return 0
    print(f"records: {result['n_records']}   accuracy on non-neutral dimensions: {_share(result['accuracy_nonneutral'])}")
    for group, figures in result["per_group"].items():
        if figures["n"]:
            print(f"  {group:<52} {_share(figures['accuracy_nonneutral'])}  (n={figures['n']})")
    print("  by number of items: " + ", ".join(f"{k}: {_share(v)}" for k, v in result["curve"].items()))
    return 0


def _share(value: float | None) -> str:
    """A figure, or why there is none: no reference was non-neutral, so nothing could be found."""
    return "n/a (every reference is neutral)" if value is None else f"{value:.3f}"
