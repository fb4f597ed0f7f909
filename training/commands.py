"""The commands that belong to training: ``edgealign synth`` and ``edgealign train``.

Registered through the ``edgealign.commands`` entry points (:data:`SYNTH`, :data:`TRAIN`).
``train`` has one target per method; each is a pair in :data:`TRAIN_TARGETS` (add its
options, run it). Heavy imports happen inside the run functions.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from edgealign.commands import Command, ConfigOptions, Targets, add_targets, emit_json, run_target

_log = logging.getLogger(__name__)


def _synth_options() -> ConfigOptions:
    from .synth import SynthConfig

    return ConfigOptions(SynthConfig)


def synth_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--out", required=True, metavar="FILE.jsonl", help="output JSONL file (AlignX record format)")
    parser.add_argument("--statements", metavar="DIR", default=None,
                        help="instead: users of real persona statements from DIR (anthropic-persona layout); "
                             "--users and --seed apply")
    parser.add_argument("--split", choices=("train", "test"), default="test", help="statement split (with --statements)")
    parser.add_argument("--traits", choices=("trained", "untrained"), default="trained",
                        help="with --statements: the 8 trait files the bridge trains on, or the others")
    parser.add_argument("--items", type=int, default=4, metavar="N",
                        help="statements or choices per user (with --statements, --response-users or --topic-users)")
    parser.add_argument("--response-users", choices=("train", "heldout"), default=None,
                        help="instead: users whose history is --items response-style choices (two answers to one "
                             "request, written differently), from the train or heldout prompts and phrasings; a "
                             "versioned file (a header line with the command that writes it again)")
    parser.add_argument("--topic-users", choices=("train", "heldout"), default=None,
                        help="instead: users whose history is --items topic-slant choices (the same answer slanted "
                             "to their field against another field), from the train or heldout requests, people, "
                             "topics and phrasings; a versioned file (a header line with the command that writes it "
                             "again)")
    parser.add_argument("--model-choices", choices=("train", "heldout"), default=None,
                        help="instead: a model-choice data file: the model (--model) answers the train or heldout "
                             "tasks under each pole's instruction of the style dimensions (slow: about 1.3 s per "
                             "answer on one CPU thread); --response-users reads it with --generated")
    parser.add_argument("--aligner-pairs", choices=("train", "heldout", "heldout-dims"), default=None,
                        help="instead: an aligner-pairs data file for `train ica|pba` on all 90 dimensions: pole "
                             "pairs of model-choice files, templated style users and synthetic users, profiles with "
                             "distractor labels; train, held-out tasks and phrasings, or held-out dimensions")
    parser.add_argument("--model", default=None, metavar="GGUF",
                        help="with --model-choices: a llama GGUF (default: the bundled SmolLM2-135M-Instruct)")
    parser.add_argument("--json", action="store_true", help="print a JSON summary")
    _synth_options().add_to(parser)
    _response_options().add_to(parser)
    _topic_options().add_to(parser)
    _model_choice_options().add_to(parser)
    _aligner_pair_options().add_to(parser)


def _aligner_pair_options() -> ConfigOptions:
    from .aligner_pairs import AlignerPairConfig

    return ConfigOptions(AlignerPairConfig, given=("set", "seed"), config_file=False,
                         title="AlignerPairConfig (with --aligner-pairs; --seed applies)")


def _model_choice_options() -> ConfigOptions:
    from .generated_choices import ModelChoiceConfig

    return ConfigOptions(ModelChoiceConfig, given=("seed", "split", "dims"), config_file=False,
                         title="ModelChoiceConfig (with --model-choices; --seed applies)")


def _response_options() -> ConfigOptions:
    from .response_choices import ResponseChoiceConfig

    return ConfigOptions(ResponseChoiceConfig, given=("users", "seed", "items", "split"), config_file=False,
                         title="ResponseChoiceConfig (with --response-users; --users, --seed and --items apply)")


def _topic_options() -> ConfigOptions:
    from .topic_choices import TopicChoiceConfig

    return ConfigOptions(TopicChoiceConfig, given=("users", "seed", "items", "split"), config_file=False,
                         title="TopicChoiceConfig (with --topic-users; --users, --seed and --items apply)")


def _choice_users(args: argparse.Namespace, cfg: Any, flag: str, kind: str, records: Any) -> int:
    """Write generated choice users as a versioned file, its header naming the command."""
    from .user_files import synth_command, write_user_file

    header = write_user_file(records, args.out, kind=kind, config=cfg, command=synth_command(flag, cfg, args.out))
    if args.json:
        emit_json({"records": header["records"], "seed": cfg.seed, "out": args.out})
    else:
        print(f"wrote {header['records']} records to {args.out}")
    return 0


def synth(args: argparse.Namespace) -> int:
    from edgealign.data import write_records

    cfg = _synth_options().build(args)
    if args.model_choices:
        return _model_choices(args, cfg.seed, cfg.dims)
    if args.aligner_pairs:
        return _aligner_pairs(args, cfg.seed)
    if args.topic_users:
        from .topic_choices import topic_choice_records

        topic = _topic_options().build(args, users=cfg.users, seed=cfg.seed, items=args.items, split=args.topic_users)
        return _choice_users(args, topic, "--topic-users", "topic-choices", topic_choice_records(topic))
    if args.response_users:
        from .response_choices import response_choice_records

        response = _response_options().build(args, users=cfg.users, seed=cfg.seed, items=args.items,
                                             split=args.response_users)
        return _choice_users(args, response, "--response-users", "response-choices", response_choice_records(response))
    if args.statements:
        from .statements import statement_records

        records = statement_records(args.statements, args.split, cfg.users, args.items, cfg.seed, args.traits)
    else:
        from .synth import generate_records

        records = generate_records(cfg)
    n = write_records(records, args.out)
    if args.json:
        emit_json({"records": n, "seed": cfg.seed, "out": args.out})
    else:
        print(f"wrote {n} records to {args.out}")
    return 0


def _aligner_pairs(args: argparse.Namespace, seed: int) -> int:
    import shlex
    import sys

    from .aligner_pairs import write_pair_file

    cfg = _aligner_pair_options().build(args, seed=seed, set=args.aligner_pairs)
    header = write_pair_file(cfg, args.out, shlex.join(["edgealign", *sys.argv[1:]]))
    if args.json:
        emit_json({**header, "out": args.out})
    else:
        print(f"wrote {header['records']} {cfg.set} records to {args.out} "
              f"(dropped as barely different: {sum(header['dropped_barely_differ'].values())})")
    return 0


def _model_choices(args: argparse.Namespace, seed: int, dims: tuple[int, ...] | None) -> int:
    from edgealign.llm import default_model_path

    from .generated_choices import generate_choice_file

    given = {"dims": dims} if dims is not None else {}
    cfg = _model_choice_options().build(args, seed=seed, split=args.model_choices, **given)
    model = args.model or default_model_path()
    _log.info("answering %d %s tasks under both poles of %d dimensions with %s", cfg.tasks, cfg.split,
              len(cfg.dims), model)
    header = generate_choice_file(model, args.out, cfg, progress=not args.json)
    if args.json:
        emit_json({**header, "out": args.out})
    else:
        print(f"wrote {header['pairs']} answer pairs to {args.out} ({header['dropped']} dropped)")
    return 0


# -- train ----------------------------------------------------------------------------------

def _bridge_options() -> ConfigOptions:
    from .bridge import BridgeConfig

    presets = {name: getattr(BridgeConfig, name) for name in ("tiny", "default", "gpu")}
    return ConfigOptions(BridgeConfig, presets=presets, default_preset="default", none_words={"encoder_layers": "all"})


def _bridge_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help="AlignX-format record files")
    parser.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder")
    _bridge_options().add_to(parser)


def _bridge_run(args: argparse.Namespace) -> dict[str, Any]:
    """the preference bridge (sentence encoder + anchored head) on persona items"""
    import itertools

    from edgealign.data import read_records

    from .bridge import BridgeTrainer

    cfg = _bridge_options().build(args)
    _log.info("training the preference bridge (%s preset) on %s", args.preset, ", ".join(args.data))
    records = itertools.chain.from_iterable(read_records(f) for f in args.data)
    metrics = BridgeTrainer(cfg).fit(records, args.out, progress=not args.json)
    return {"out": args.out, "preset": args.preset, **metrics}


def _aligner_options(method: str) -> ConfigOptions:
    import functools

    from .aligners import PRESETS, AlignerConfig

    presets = {name: functools.partial(AlignerConfig.preset, name) for name in PRESETS}
    return ConfigOptions(AlignerConfig, presets=presets, default_preset="smollm2-135m", fixed={"method": method})


def _aligner_arguments(parser: argparse.ArgumentParser, method: str) -> None:
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help="AlignX-format record files")
    parser.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder (Hugging Face layout)")
    parser.add_argument("--resume", action="store_true", help="continue from the last checkpoint in --out")
    _aligner_options(method).add_to(parser)


def _aligner_run(args: argparse.Namespace, method: str) -> dict[str, Any]:
    from .aligners import train_aligner

    cfg = _aligner_options(method).build(args)
    _log.info("training the %s aligner (%s preset) on %s", method.upper(), args.preset, ", ".join(args.data))
    return train_aligner(method, args.preset, args.data, args.out, resume=args.resume, progress=not args.json,
                         config=cfg)


def _ica_arguments(parser: argparse.ArgumentParser) -> None:
    _aligner_arguments(parser, "ica")


def _pba_arguments(parser: argparse.ArgumentParser) -> None:
    _aligner_arguments(parser, "pba")


def _ica_run(args: argparse.Namespace) -> dict[str, Any]:
    """the in-context aligner (ICA): DPO with the raw persona in the prompt"""
    return _aligner_run(args, "ica")


def _pba_run(args: argparse.Namespace) -> dict[str, Any]:
    """the preference-bridged aligner (PBA): DPO with the verbalised profile in the prompt"""
    return _aligner_run(args, "pba")


def _steering_options() -> ConfigOptions:
    from .steering import PRESETS, SteeringConfig

    presets = {name: getattr(SteeringConfig, name) for name in PRESETS}
    return ConfigOptions(SteeringConfig, presets=presets, default_preset="default", none_words={"dims": "all"})


def _steering_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, metavar="GGUF|DIR",
                        help="a llama GGUF (default: the bundled SmolLM2-135M-Instruct) or a Hugging Face folder "
                             "(then --gguf names the file the device runs)")
    parser.add_argument("--gguf", default=None, metavar="FILE", help="with a folder --model: the GGUF the basis is for")
    parser.add_argument("--out", required=True, metavar="DIR", help="checkpoint folder")
    _steering_options().add_to(parser)


def _steering_run(args: argparse.Namespace) -> dict[str, Any]:
    """a steering basis: per-dimension control vectors for a base model (contrastive, or DPO-trained)"""
    from edgealign.llm import default_model_path

    from .steering import build_steering

    cfg = _steering_options().build(args)
    model = args.model or default_model_path()
    _log.info("building a steering basis (%s preset, %s) for %s", args.preset, cfg.method, model)
    return build_steering(model, args.out, cfg, gguf=args.gguf, progress=not args.json)


#: target -> (add its options, run it).
TRAIN_TARGETS: Targets = {
    "bridge": (_bridge_arguments, _bridge_run),
    "ica": (_ica_arguments, _ica_run),
    "pba": (_pba_arguments, _pba_run),
    "steering": (_steering_arguments, _steering_run),
}


def train_arguments(parser: argparse.ArgumentParser) -> None:
    add_targets(parser, TRAIN_TARGETS)


def train(args: argparse.Namespace) -> int:
    return run_target(args, TRAIN_TARGETS)


#: Registered in pyproject.toml's ``edgealign.commands`` entry points.
SYNTH = Command("synth", "write seeded synthetic AlignX users and records (JSONL)", synth_arguments, synth)
TRAIN = Command("train", "train a model: bridge, ica or pba on AlignX-format data, or a steering basis",
                train_arguments, train)
