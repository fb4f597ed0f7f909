"""CLI commands that belong to training: ``edgealign synth`` and ``edgealign train``.

``train`` has one target per method; each is a pair in :data:`TRAIN_TARGETS` (add its
options, run it). Heavy imports happen inside the run functions.
"""

from __future__ import annotations

import argparse
from typing import Any

from edgealign.cli._targets import Targets, add_targets, run_target


def synth_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--users", type=int, default=100, help="number of users (default 100)")
    parser.add_argument("--seed", type=int, default=0, help="seed; the same seed gives the same file")
    parser.add_argument("--records-per-user", type=int, default=4, help="records per user (default 4)")
    parser.add_argument("--persona-items", type=int, default=None, metavar="K",
                        help="exactly K persona items per record (default: AlignX's random 0-4 comments and choices)")
    parser.add_argument("--phrasing", choices=("all", "train", "heldout"), default="all",
                        help="write with all trait phrasings, or only the train / held-out share")
    parser.add_argument("--statements", metavar="DIR", default=None,
                        help="instead: users of real persona statements from DIR (anthropic-persona layout)")
    parser.add_argument("--split", choices=("train", "test"), default="test", help="statement split (with --statements)")
    parser.add_argument("--items", type=int, default=4, help="statements per user (with --statements)")
    parser.add_argument("--out", required=True, help="output JSONL file (AlignX record format)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")


def synth(args: argparse.Namespace) -> int:
    from edgealign.cli._output import emit_json
    from edgealign.data import write_records

    if args.statements:
        from .statements import statement_records

        records = statement_records(args.statements, args.split, args.users, args.items, args.seed)
    else:
        from .synth import SynthConfig, generate_records

        cfg = SynthConfig(users=args.users, seed=args.seed, records_per_user=args.records_per_user,
                          phrasing=args.phrasing, persona_items=args.persona_items)
        records = generate_records(cfg)
    n = write_records(records, args.out)
    if args.json:
        emit_json({"records": n, "seed": args.seed, "out": args.out})
    else:
        print(f"wrote {n} records to {args.out}")
    return 0


# -- train ----------------------------------------------------------------------------------

def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="default", help="configuration preset: tiny, default or gpu")
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help="AlignX-format record files")
    parser.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder")
    parser.add_argument("--seed", type=int, default=None, help="override the preset's seed")
    parser.add_argument("--epochs", type=int, default=None, help="override the preset's epochs")


def _bridge_arguments(parser: argparse.ArgumentParser) -> None:
    _common(parser)
    parser.add_argument("--encoder", default=None, metavar="NAME",
                        help="sentence encoder: minilm (bundled), tiny, or a local Hugging Face encoder folder")
    parser.add_argument("--encoder-layers", default=None, type=_layers, metavar="N",
                        help="keep the encoder's first N layers, or 'all' "
                             "(default: the preset's: 3 for default, all for tiny and gpu)")


def _layers(value: str) -> int | str:
    if value == "all":
        return value
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of layers or 'all', got {value!r}") from None


def _bridge_run(args: argparse.Namespace) -> dict[str, Any]:
    """the preference bridge (sentence encoder + anchored head) on persona items"""
    import itertools

    from edgealign.cli._output import step
    from edgealign.data import read_records

    from .bridge import BridgeConfig, BridgeTrainer

    overrides = {k: v for k, v in (("seed", args.seed), ("epochs", args.epochs), ("encoder", args.encoder),
                                   ("encoder_layers", args.encoder_layers)) if v is not None}
    if overrides.get("encoder_layers") == "all":
        overrides["encoder_layers"] = None
    cfg = BridgeConfig.preset(args.preset, **overrides)
    step(f"training the preference bridge ({args.preset} preset) on {', '.join(args.data)}")
    records = itertools.chain.from_iterable(read_records(f) for f in args.data)
    metrics = BridgeTrainer(cfg).fit(records, args.out, progress=not args.json)
    return {"out": args.out, "preset": args.preset, **metrics}


def _aligner_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--preset", default="smollm2-135m", choices=("tiny", "smollm2-135m", "llama-3.1-8b"),
                        help="configuration preset (default smollm2-135m)")
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help="AlignX-format record files")
    parser.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder (Hugging Face layout)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    for flag, kind in (("--seed", int), ("--epochs", int), ("--max-steps", int), ("--lr", float)):
        parser.add_argument(flag, type=kind, default=None, help=f"override the preset's {flag[2:]}")


def _aligner_run(args: argparse.Namespace, method: str) -> dict[str, Any]:
    from edgealign.cli._output import step

    from .aligners import train_aligner

    step(f"training the {method.upper()} aligner ({args.preset} preset) on {', '.join(args.data)}")
    overrides = {"seed": args.seed, "epochs": args.epochs, "max_steps": args.max_steps, "lr": args.lr}
    return train_aligner(method, args.preset, args.data, args.out, resume=args.resume, progress=not args.json,
                         **overrides)


def _ica_run(args: argparse.Namespace) -> dict[str, Any]:
    """the in-context aligner (ICA): DPO with the raw persona in the prompt"""
    return _aligner_run(args, "ica")


def _pba_run(args: argparse.Namespace) -> dict[str, Any]:
    """the preference-bridged aligner (PBA): DPO with the verbalised profile in the prompt"""
    return _aligner_run(args, "pba")


#: target -> (add its options, run it).
TRAIN_TARGETS: Targets = {
    "bridge": (_bridge_arguments, _bridge_run),
    "ica": (_aligner_arguments, _ica_run),
    "pba": (_aligner_arguments, _pba_run),
}


def train_arguments(parser: argparse.ArgumentParser) -> None:
    add_targets(parser, TRAIN_TARGETS)


def train(args: argparse.Namespace) -> int:
    return run_target(args, TRAIN_TARGETS)
