"""``edgealign steer``: how hard a user's profile steers the local model."""

from __future__ import annotations

import argparse
import shlex

from ..steering import MAX_STRENGTH
from ..commands import number, emit_json
from ..home import Home
from ._artifacts import steering_help
from ._user import opened, require_user


def steer_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--strength", type=number(0.0, MAX_STRENGTH), default=None, metavar="X",
                        help=f"0 (off) to {MAX_STRENGTH:g} (double); 1 is the default. Without it: show the strength "
                             "and what steers")
    parser.add_argument("--steering", default=None, metavar="DIR",
                        help=steering_help("steering basis built for the model"))
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def steer(args: argparse.Namespace) -> int:
    from ..artifacts import how_to_build
    from ..home import Home

    basis_dir = args.steering or Home().steering
    with opened(steering=args.steering) as p:
        require_user(p, args.name)
        if args.strength is not None:
            p.set_strength(args.name, args.strength)
        strength = p.strength(args.name)
        rows = [(e.label, e.steer) for e in p.explain(args.name, top=len(p.profile(args.name).non_neutral()))
                if e.steer is not None]
        has_basis = p.steering_basis() is not None
    if args.json:
        emit_json({"user": args.name, "strength": strength, "basis": has_basis,
                   "steers": [{"label": label, "weight": round(w, 4)} for label, w in rows]})
        return 0
    print(f"{args.name}: steering strength {strength:g}")
    if not has_basis:
        print(f"no steering basis for this model: answers are not steered; {how_to_build('steering', basis_dir)}")
    for label, weight in rows:
        print(f"  {weight:+.2f}  {label}")
    if has_basis and not strength:
        print(f"  steering is off (strength 0): answers are not steered; `edgealign steer {shlex.quote(args.name)} "
              "--strength 1` turns it back on")
    elif has_basis and not rows:
        print("  nothing in the profile is steerable yet: answers are not steered")
    return 0
