"""The ``edgealign`` command: a thin shell over the library.

The sdk's own commands are listed here by module and imported only when run, so ``edgealign
--help`` stays fast and the device-only install never imports the training stack. A command
module defines ``<name>_arguments(parser)`` and ``<name>(args) -> int``. Commands that belong
to training, export or the demo register themselves through the ``edgealign.commands``
entry points (:mod:`edgealign.commands`); this package never names them.

Exit codes: 0 ok, 1 runtime error, 2 usage or input error. Errors print one line, no
traceback, unless ``--debug`` is given.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Any, Callable, Sequence

from ..commands import Command, plugins

__all__ = ["main", "commands"]

#: The sdk's own commands: name -> (module, one-line help, listed for people). Each module is
#: imported only when its command runs.
_OWN: dict[str, tuple[str, str, bool]] = {
    # For people: a user's life cycle (the demo and `build` register themselves).
    "init": ("edgealign.cli.users", "create the home folder and the encrypted store; say where things live", True),
    "user": ("edgealign.cli.users", "add, list, export or import the users in the store", True),
    "ingest": ("edgealign.cli.users", "add a history JSONL or AlignX records' personas to a user's history", True),
    "profile": ("edgealign.cli.profiles", "show a user's inferred preference profile (table, JSON or plot)", True),
    "override": ("edgealign.cli.profiles", "set one of a user's dimensions until new history arrives", True),
    "lock": ("edgealign.cli.profiles", "set one of a user's dimensions for good (inference never changes it)", True),
    "clear": ("edgealign.cli.profiles", "remove an override or lock from one of a user's dimensions", True),
    "chat": ("edgealign.cli.chat", "chat with the local model personalized for a user (streamed)", True),
    "serve": ("edgealign.cli.serve", "serve personalized answers over an OpenAI-compatible API, with a local web page", True),
    "token": ("edgealign.cli.tokens", "create, list or revoke the tokens apps use to reach `edgealign serve`", True),
    "steer": ("edgealign.cli.steer", "show or set how hard a user's profile steers the local model (0 to 2)", True),
    "forget": ("edgealign.cli.users", "erase a user and everything about them", True),
    "doctor": ("edgealign.cli.doctor", "check what is installed, which models are where, and what to fix", True),
    # For ML teams: data and evaluation, speed (synth, train and export register themselves).
    "space": ("edgealign.cli.space", "show the 90-dimension preference space, or parse a profile string", False),
    "eval": ("edgealign.cli.evaluate", "alignment accuracy of a local model on AlignX records", False),
    "eval-steering": ("edgealign.cli.eval_steering", "measure whether steered or instructed answers visibly follow each pole", False),
    "eval-generation": ("edgealign.cli.eval_generation", "answers under each pole: length ratio, humour markers, fluency, repeated questions", False),
    "eval-bridge": ("edgealign.cli.eval_bridge", "score the preference bridge's inferred profiles against references", False),
    "bench": ("edgealign.cli.bench", "measure the SDK's speed on this machine (store, bridge, ...)", False),
}


def commands() -> dict[str, Command]:
    """Every command by name, in ``edgealign --help``'s order: the everyday ones, then the ML
    team's; in each, the sdk's own before those the installed packages register. A registered
    command never replaces one of the sdk's."""
    found = {name: _own(name, module, help_, people) for name, (module, help_, people) in _OWN.items()}
    for command in plugins().commands:
        found.setdefault(command.name, command)
    return {c.name: c for people in (True, False) for c in found.values() if c.for_people == people}


def _own(name: str, module: str, help_: str, for_people: bool) -> Command:
    def function(suffix: str) -> Callable[..., Any]:
        return getattr(importlib.import_module(module), name.replace("-", "_") + suffix)

    return Command(name, help_, lambda parser: function("_arguments")(parser), lambda args: function("")(args),
                   for_people)


def _parser(table: dict[str, Command] | None = None) -> tuple[argparse.ArgumentParser, dict[str, argparse.ArgumentParser]]:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="edgealign",
        description="On-device personalization: encrypted persona store, preference bridge, local LLM.",
    )
    parser.add_argument("--version", action="version", version=f"edgealign {__version__}")
    parser.add_argument("--debug", action="store_true", help="show tracebacks on errors")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    subparsers = {
        name: sub.add_parser(name, help=c.help, description=c.help[:1].upper() + c.help[1:] + ".")
        for name, c in (commands() if table is None else table).items()
    }
    return parser, subparsers


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
    table = commands()
    parser, subparsers = _parser(table)
    # The command is the first word that is not an option (the top level has only flags).
    # Its arguments are added before parsing, so that `edgealign CMD --help` lists them.
    command = next((a for a in argv if not a.startswith("-")), None)
    if command in table:
        try:
            table[command].arguments(subparsers[command])
        except ModuleNotFoundError as exc:
            return _missing(exc, command, debug="--debug" in argv)
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    try:
        return int(table[args.command].run(args) or 0)
    except KeyboardInterrupt:
        print("edgealign: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `edgealign ... | head`: the reader left; nothing to report
        sys.stderr.close()
        return 0
    except Exception as exc:  # one line for the user; the traceback only with --debug
        from ..errors import EdgeAlignError
        from ..commands import exit_code, say_error

        if isinstance(exc, ModuleNotFoundError):
            return _missing(exc, args.command, debug=args.debug)
        if args.debug or not isinstance(exc, (EdgeAlignError, OSError)):
            raise
        say_error(exc)
        return exit_code(exc)
