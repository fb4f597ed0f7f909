"""``edgealign space``: the preference space, and profile strings in and out of it."""

from __future__ import annotations

import argparse

from ..preferences import SPACE, PreferenceProfile
from ..commands import emit_json


def space_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--parse", metavar="TEXT", help="parse a profile string such as 'Older, Likes humor'")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def space(args: argparse.Namespace) -> int:
    if args.parse is not None:
        profile = PreferenceProfile.from_text(args.parse)
        if args.json:
            emit_json({"direction": profile.direction, "labels": profile.labels, "text": profile.to_text()})
        else:
            for dim, value in profile.non_neutral():
                print(f"{dim.index:>3}  {dim.label(value)}")
        return 0
    if args.json:
        emit_json({"version": SPACE.version, "dimensions": [vars(d) for d in SPACE]})
        return 0
    for group in SPACE.groups:
        print(group)
        for i in SPACE.group_indices(group):
            d = SPACE[i]
            print(f"  {i:>3}  {d.positive_label}  /  {d.negative_label}")
    print(f"preference space version {SPACE.version}, {len(SPACE)} dimensions")
    return 0
