"""``edgealign eval``: alignment accuracy of a local GGUF model on AlignX records (docs/method.md §6)."""

from __future__ import annotations

import argparse
import re
from contextlib import ExitStack
from typing import Any

from ..conditioning import get, names
from ..commands import count, number, emit_json, step
from ..home import Home
from ._artifacts import steering_help

#: What --headline leaves out of the evaluation: the sweep and the controllability check.
_HEADLINE: dict[str, Any] = {"sweep": (), "controllability": False}


def _conditioning(text: str) -> str:
    from ..errors import ConfigError

    try:
        return get(text).name
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _steering(folder: str | None, given_model: str | None, model):  # noqa: ANN001, ANN202
    """The basis named by --steering, else the default one (refused if built for another model)."""
    from ..home import Home
    from ..steering import SteeringBasis
    from ._artifacts import steering_dir

    return SteeringBasis.load(steering_dir(folder, given_model) or Home().steering, model=model)


def eval_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--data", required=True, metavar="FILE", help="AlignX records (.json, .jsonl or .parquet)")
    add("--mode", required=True, type=_conditioning, metavar="CONDITIONING",
        help=f"how the policy is conditioned: {', '.join(names())} ('base' is an old name of 'none')")
    add("--steering", default=None, metavar="DIR",
        help=steering_help("steering basis for the policy"))
    add("--model", default=None, metavar="GGUF", help="the policy (default: the bundled SmolLM2)")
    add("--adapter", default=None, metavar="DIR",
        help="trained aligner (LoRA adapter folder, edgealign export lora) for the policy: the pba or ica mode its "
             "manifest names answers through it (default: none, the untuned model)")
    add("--ref", default=None, metavar="GGUF",
        help="the reference (default: the policy itself, scored without the persona)")
    add("--profile-source", default="given", choices=("given", "directions", "bridge"),
        help="where PBA profiles start: the record's text, its directions, or the bridge (default given)")
    add("--bridge", default=None, metavar="DIR",
        help=f"preference-bridge artifact folder for --profile-source bridge (default: {Home.shown().bridge}, else the one shipped in the package)")
    add("--limit", type=count(1, 10_000_000), default=None, metavar="N", help="score the first N records only")
    add("--items", type=count(1, 1 << 16), default=None, metavar="N", help="at most N persona items per record")
    add("--beta", type=number(0.0, 100.0, low_open=True), default=0.1, metavar="B",
        help="DPO beta of the reward (default 0.1)")
    add("--threads", type=count(1, 1024), default=None, metavar="N", help="llama.cpp threads (default: its choice)")
    add("--n-ctx", type=count(16, 1 << 17), default=2048, metavar="N", help="context size in tokens (default 2048)")
    add("--headline", action="store_true",
        help="the accuracy only: skip the persona-size sweep and the controllability check (about 5x faster)")
    add("--swap", action="store_true",
        help="score every record a second time with the persona of another user in the file at the opposite "
             "pole (swapped_accuracy, swap_gap = matched - swapped; 0 by construction for --mode none)")
    add("--json", action="store_true", help="print one JSON object")


def eval(args: argparse.Namespace) -> int:  # noqa: A001 - the command's name
    from ..eval.alignment import alignment_accuracy, load_bridge
    from ..data import read_records, require_file
    from ..errors import PromptError
    from ..llm import LocalLLM
    from ._artifacts import home_bridge

    require_file(args.data)  # before any model loads
    # The home's bridge when none is named; a missing one is said before any model loads.
    bridge_dir = home_bridge(args.bridge, "--bridge") if args.profile_source == "bridge" else args.bridge
    with ExitStack() as stack:
        opened = lambda path: stack.enter_context(LocalLLM.open(path, n_ctx=args.n_ctx, n_threads=args.threads))
        step(f"loading {args.model or 'the bundled model'}")
        policy = stack.enter_context(LocalLLM.open(args.model, n_ctx=args.n_ctx, n_threads=args.threads,
                                                   adapter=args.adapter))
        policy.steering = _steering(args.steering, args.model, policy.path) if get(args.mode).steers else None
        reference = policy if args.ref is None or args.ref == args.model else opened(args.ref)
        bridge = load_bridge(str(bridge_dir)) if bridge_dir else None
        step(f"scoring {args.data} in mode {args.mode}")
        try:
            result = alignment_accuracy(
                read_records(args.data), policy, reference, mode=args.mode, profile_source=args.profile_source,
                bridge=bridge, beta=args.beta, limit=args.limit, items=args.items, progress=True,
                swap=args.swap, **(_HEADLINE if args.headline else {}),
            )
        except PromptError as exc:  # the context is a flag here: name it, not the library's n_ctx
            what = re.split(r"; (?:raise the context size|open the model with a larger n_ctx)", str(exc))[0]
            raise PromptError(f"{what}; pass a larger --n-ctx (now {args.n_ctx}) or fewer --items") from None
        if policy.adapters:
            result["policy_adapter"] = {m: str(a.folder) for m, a in policy.adapters.items()}
    if args.json:
        emit_json(result)
    else:
        keys = ("n", "accuracy", "length_baseline_accuracy", "no_persona_accuracy", "reference")
        for key in keys + (("swapped_accuracy", "swap_gap") if args.swap else ()):
            print(f"{key:<25} {result[key]}")
        if args.swap:
            print(f"{'swap partners':<25} {result['swap']['partners']} ({result['swap']['note']})")
    return 0
