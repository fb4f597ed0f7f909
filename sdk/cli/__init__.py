"""The ``edgealign`` command: a thin shell over the library.

Commands are registered by name and imported only when run, so ``edgealign --help`` stays
fast and the device-only install never imports the training stack. A command module defines
``<name>_arguments(parser)`` and ``<name>(args) -> int``; a command that belongs to
training or export lives in that package and is named here by its module path.

Exit codes: 0 ok, 1 runtime error, 2 usage or input error. Errors print one line, no
traceback, unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

__all__ = ["main", "COMMANDS"]

#: name -> (module, one-line help). The module is imported only when its command runs.
COMMANDS: dict[str, tuple[str, str]] = {
    # For people: the demo, then a user's life cycle.
    "demo": ("edgealign.demo.run", "run the end-to-end demo with two contrasting users"),
    "build": ("edgealign.demo.run", "build the home's preference bridge and the bundled model's steering basis"),
    "init": ("edgealign.cli.users", "create the home folder and the encrypted store; say where things live"),
    "user": ("edgealign.cli.users", "add, list, export or import the users in the store"),
    "ingest": ("edgealign.cli.users", "add a history JSONL or AlignX records' personas to a user's history"),
    "profile": ("edgealign.cli.profiles", "show a user's inferred preference profile (table, JSON or plot)"),
    "override": ("edgealign.cli.profiles", "set one of a user's dimensions until new history arrives"),
    "lock": ("edgealign.cli.profiles", "set one of a user's dimensions for good (inference never changes it)"),
    "clear": ("edgealign.cli.profiles", "remove an override or lock from one of a user's dimensions"),
    "chat": ("edgealign.cli.chat", "chat with the local model personalized for a user (streamed)"),
    "serve": ("edgealign.cli.serve", "serve personalized answers over an OpenAI-compatible API, with a local web page"),
    "token": ("edgealign.cli.tokens", "create, list or revoke the tokens apps use to reach `edgealign serve`"),
    "steer": ("edgealign.cli.steer", "show or set how hard a user's profile steers the local model (0 to 2)"),
    "forget": ("edgealign.cli.users", "erase a user and everything about them"),
    "doctor": ("edgealign.cli.doctor", "check what is installed, which models are where, and what to fix"),
    # For ML teams: data, training, export, evaluation, speed.
    "space": ("edgealign.cli.space", "show the 90-dimension preference space, or parse a profile string"),
    "synth": ("edgealign.training.commands", "write seeded synthetic AlignX users and records (JSONL)"),
    "train": ("edgealign.training.commands", "train a model: bridge, ica or pba on AlignX-format data, or a steering basis"),
    "export": ("edgealign.export.commands", "turn a checkpoint into a device artifact (ONNX bridge, GGUF model, steering vectors)"),
    "eval": ("edgealign.cli.evaluate", "alignment accuracy of a local model on AlignX records"),
    "eval-steering": ("edgealign.cli.eval_steering", "measure whether steered or instructed answers visibly follow each pole"),
    "eval-bridge": ("edgealign.cli.eval_bridge", "score the preference bridge's inferred profiles against references"),
    "bench": ("edgealign.cli.bench", "measure the SDK's speed on this machine (store, bridge, ...)"),
}


def _parser() -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="edgealign",
        description="On-device personalization: encrypted persona store, preference bridge, local LLM.",
    )
    parser.add_argument("--version", action="version", version=f"edgealign {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers = {
        name: sub.add_parser(name, help=help_, description=help_[:1].upper() + help_[1:] + ".")
        for name, (_, help_) in COMMANDS.items()
    }
    return parser, subparsers


def _function(name: str, suffix: str = ""):
    module = importlib.import_module(COMMANDS[name][0])
    return getattr(module, name.replace("-", "_") + suffix)


def _show_progress() -> None:
    """Library code reports what it is doing through ``logging`` (INFO on the ``edgealign``
    loggers); the CLI shows those lines on stderr as ``==> message``, like its own steps, and
    other libraries' warnings as ``logging`` would. One handler, on the root logger: a handler
    on ``edgealign`` alone printed every line twice once a library logged through the root
    logger (onnxruntime's quantizer calls ``logging.warning``, which installs a root handler
    when there is none)."""
    import logging

    class _Lines(logging.Handler):  # looks sys.stderr up per line: tests swap it
        def emit(self, record: logging.LogRecord) -> None:
            ours = record.name == "edgealign" or record.name.startswith("edgealign.")
            line = f"==> {record.getMessage()}" if ours else f"{record.levelname}:{record.name}:{record.getMessage()}"
            print(line, file=sys.stderr, flush=True)

    root = logging.getLogger()
    if not any(type(h).__name__ == "_Lines" for h in root.handlers):
        root.addHandler(_Lines())
    logging.getLogger("edgealign").setLevel(logging.INFO)


def _missing(exc: ModuleNotFoundError, command: str, debug: bool) -> int:
    """A command that needs an extra that is not installed: one line naming the pip install
    (the extra named like the command when several bring the module). Exit code 1."""
    from ..errors import MissingDependencyError

    if debug or not exc.name or exc.name.split(".")[0] == "edgealign":
        raise exc
    print(f"edgealign: error: {MissingDependencyError.for_module(exc.name, prefer=command)}", file=sys.stderr)
    return 1


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns the exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    _show_progress()  # first: before a command's imports could install a root log handler
    parser, subparsers = _parser()
    # The command is the first word that is not an option (the top level has only flags).
    # Its arguments are added before parsing, so that `edgealign CMD --help` lists them.
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in COMMANDS:
        try:
            _function(command, "_arguments")(subparsers[command])
        except ModuleNotFoundError as exc:
            return _missing(exc, command, debug="--debug" in argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(_function(args.command)(args) or 0)
    except KeyboardInterrupt:
        print("edgealign: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `edgealign ... | head`: the reader left; nothing to report
        sys.stderr.close()
        return 0
    except Exception as exc:  # one line for the user; the traceback only with --debug
        from ..errors import EdgeAlignError
        from ._output import exit_code, say_error

        if isinstance(exc, ModuleNotFoundError):
            return _missing(exc, args.command, debug=args.debug)
        if args.debug or not isinstance(exc, (EdgeAlignError, OSError)):
            raise
        say_error(exc)
        return exit_code(exc)
