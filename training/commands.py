"""CLI commands that belong to training: ``edgealign synth`` (and later ``train``)."""

from __future__ import annotations

import argparse


def synth_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=100, help="number of users (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same file")
    parser.add_argument("--records-per-user", type=int, default=4, help="records per user (default 4)")
    parser.add_argument("--out", required=True, help="output JSONL file (AlignX record format)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def synth(args: argparse.Namespace) -> int:
    from edgealign.cli._output import emit_json
    from edgealign.data import write_records

    from .synth import SynthConfig, generate_records

    cfg = SynthConfig(users=args.users, seed=args.seed, records_per_user=args.records_per_user)
    n = write_records(generate_records(cfg), args.out)
    if args.json:
        emit_json({"records": n, "users": cfg.users, "seed": cfg.seed, "out": args.out})
    else:
        print(f"wrote {n} records for {cfg.users} synthetic users to {args.out}")
    return 0
