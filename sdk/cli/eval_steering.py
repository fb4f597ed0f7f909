"""``edgealign eval-steering``: do steered (or instructed) answers visibly follow a pole?"""

from __future__ import annotations

import argparse
from typing import Any

from ..steering import MAX_STRENGTH
from ..commands import count, number, emit_json, step
from ..home import Home
from ._artifacts import steering_dir, steering_help


def eval_steering_arguments(parser: argparse.ArgumentParser) -> None:
    add = parser.add_argument
    add("--model", default=None, metavar="GGUF", help="the model (default: the bundled SmolLM2)")
    add("--steering", default=None, metavar="DIR",
        help=steering_help("steering basis for the model"))
    add("--conditioning", default="steer", metavar="NAME",
        help="what generation is measured under: steer (default), instruct, instruct+steer, ...")
    add("--answers", type=count(1, 100_000), default=40, metavar="N", help="answers per pole and dimension (default 40)")
    add("--max-tokens", type=count(1, 1 << 16), default=96, metavar="N", help="longest answer (default 96)")
    add("--strength", type=number(0.0, MAX_STRENGTH), default=1.0, metavar="X",
        help=f"steering strength, 0 to {MAX_STRENGTH:g} (default 1)")
    add("--skip-composition", action="store_true", help="only the generation figures")
    add("--threads", type=count(1, 1024), default=None, metavar="N", help="llama.cpp threads (default: its choice)")
    add("--json", action="store_true", help="print one JSON object")


def eval_steering(args: argparse.Namespace) -> int:
    from ..conditioning import get
    from ..eval.steering import composition_effect, generation_effect
    from ..home import Home
    from ..llm import LocalLLM

    steers = get(args.conditioning).steers or not args.skip_composition
    basis = str(steering_dir(args.steering, args.model) or Home().steering) if steers else None
    with LocalLLM.open(args.model, n_ctx=2048, n_threads=args.threads, steering=basis) as llm:
        result: dict[str, Any] = {"model": llm.path.name, "generation": generation_effect(
            llm, get(args.conditioning).name, answers=args.answers, max_tokens=args.max_tokens,
            strength=args.strength, progress=step)}
        if not args.skip_composition:
            result["composition"] = composition_effect(llm, progress=step)
    if args.json:
        emit_json(result)
        return 0
    for dim, row in result["generation"]["dimensions"].items():
        print(f"{dim:>3} {row['counted']:<15} -: {row['negative_pole']:<7} +: {row['positive_pole']:<7} "
              f"ratio {row['ratio']}  fluency x{row['fluency_ratio']}")
    for cap, rows in result.get("composition", {}).get("by_cap", {}).items():
        print(f"composition (cap {cap}): " + ", ".join(f"{k}: {r['kept']}" for k, r in rows.items()))
    return 0
