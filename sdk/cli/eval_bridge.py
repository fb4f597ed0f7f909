"""``edgealign eval-bridge``: how well the bridge infers profiles from persona items."""

from __future__ import annotations

import argparse
import itertools

from ..commands import count, emit_json, step
from ..home import Home


def eval_bridge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE",
                        help="AlignX training or benchmark files, or synthetic JSONL")
    parser.add_argument("--artifact", default=None, metavar="DIR",
                        help=f"bridge artifact folder (default: {Home.shown().bridge}, else the one shipped in the package)")
    parser.add_argument("--precision", choices=("int8", "fp32"), default=None, help="graph to run (default int8 if present)")
    parser.add_argument("--limit", type=count(1, 10_000_000), default=None, metavar="N",
                        help="score the first N records only")
    parser.add_argument("--dims", type=_dims, default=None, metavar="D[,...]",
                        help="score these dimensions only (0-89, comma-separated), e.g. ones the bridge was trained "
                             "without (default: all)")
    parser.add_argument("--per-pole", action="store_true",
                        help="also print each pole's share found (--json always has it)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def _dims(text: str) -> list[int]:
    from ..preferences import N_DIMS

    try:
        dims = [int(d) for d in text.split(",") if d.strip()]
    except ValueError:
        dims = []
    if not dims or any(not 0 <= d < N_DIMS for d in dims):
        raise argparse.ArgumentTypeError(f"give dimension indices 0-{N_DIMS - 1}, comma-separated, got {text!r}")
    return sorted(set(dims))


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
    result = evaluate_bridge(bridge, itertools.islice(records, args.limit),
                             dims=tuple(args.dims) if args.dims else None)
    if args.json:
        emit_json(result)
        return 0
    print(f"records: {result['n_records']}   accuracy on non-neutral dimensions: {_share(result['accuracy_nonneutral'])}")
    for group, figures in result["per_group"].items():
        if figures["n"]:
            print(f"  {group:<52} {_share(figures['accuracy_nonneutral'])}  (n={figures['n']})")
    print("  by number of items: " + ", ".join(f"{k}: {_share(v)}" for k, v in result["curve"].items()))
    _print_poles(result, args.per_pole)
    return 0


def _print_poles(result: dict, every: bool) -> None:
    """The worst pole, what stays neutral, and with ``every`` each pole's figures."""
    worst = result["worst_pole"]
    if worst:
        print(f"worst pole (of those with 10+ references): {worst['label']} {worst['accuracy']:.3f} (n={worst['n']})")
    if result["neutral_kept"] is not None:
        false = ", ".join(f"{label} {v['n']}" for label, v in list(result["false_poles"].items())[:5])
        line = (f"dimensions the history says nothing about, left neutral: {result['neutral_kept']:.3f}   "
                f"false poles per record: {result['false_poles_per_record']:.2f}")
        print(line + (f"   most often: {false}" if false else ""))
    if every:
        for label, v in result["per_pole"].items():
            print(f"  {v['index']:>2} {label[:56]:<56} {v['accuracy']:.3f}  neutral {v['neutral']:.3f}  "
                  f"opposite {v['opposite']:.3f}  (n={v['n']})")


def _share(value: float | None) -> str:
    """A figure, or why there is none: no reference was non-neutral, so nothing could be found."""
    return "n/a (every reference is neutral)" if value is None else f"{value:.3f}"
