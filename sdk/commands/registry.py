"""Commands that register themselves: the ``edgealign.commands`` entry points.

A package that brings commands declares them in its ``pyproject.toml``; the ``edgealign``
command finds them through the installed metadata, so it never names the package that
brings them::

    [project.entry-points."edgealign.commands"]
    train = "edgealign.training.commands:TRAIN"        # a Command: `edgealign train`
    bench-bridge = "edgealign.export.commands:BENCH_BRIDGE"  # a Target: `edgealign bench bridge`

An entry point names a :class:`Command` (a new subcommand) or a :class:`Target` (one more
target of a command that has targets, such as ``bench``). Its module is imported when the
command line is parsed, so it imports only the kit and what its options need; what a command
runs (torch, a trainer) is imported inside its ``run`` function.
"""

from __future__ import annotations

import argparse
import functools
import logging
from dataclasses import dataclass
from typing import Any, Callable, NoReturn

from .targets import AddArgs, Run

__all__ = ["ENTRY_POINT_GROUP", "Command", "Target", "Plugins", "plugins"]

#: The entry-point group the ``edgealign`` command reads.
ENTRY_POINT_GROUP = "edgealign.commands"

_log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Command:
    """One ``edgealign`` subcommand."""

    name: str
    """What the user types: ``edgealign NAME``."""
    help: str
    """Its one line in ``edgealign --help`` (lower case, no full stop)."""
    arguments: Callable[[argparse.ArgumentParser], None]
    """Adds its options to its parser (called only when it runs or its help is asked for)."""
    run: Callable[[argparse.Namespace], int | None]
    """Runs it; returns the exit code (None is 0)."""
    for_people: bool = False
    """Listed among the everyday commands in ``edgealign --help``, else among the ML team's."""


@dataclass(frozen=True)
class Target:
    """One more target of a command with targets (``edgealign COMMAND NAME``)."""

    command: str
    """The command it extends, e.g. ``bench``."""
    name: str
    """The target's name."""
    arguments: AddArgs
    """Adds its options to its parser."""
    run: Run
    """Runs it and returns the result dict the command prints; its docstring's first line is its help."""


@dataclass(frozen=True)
class Plugins:
    """What the installed packages register."""

    commands: tuple[Command, ...] = ()
    targets: tuple[Target, ...] = ()

    def targets_of(self, command: str) -> dict[str, tuple[AddArgs, Run]]:
        """``command``'s registered targets, in the form :func:`~edgealign.commands.add_targets` takes."""
        return {t.name: (t.arguments, t.run) for t in self.targets if t.command == command}


@functools.lru_cache(maxsize=1)
def plugins() -> Plugins:
    """The commands and targets the installed packages register (read once per process).

    An entry point whose module needs a package that is not installed becomes a command that
    says which install brings it when it runs; one that fails otherwise is skipped with a
    warning, so a broken plugin never stops the other commands."""
    from importlib import metadata

    commands: list[Command] = []
    targets: list[Target] = []
    for entry in metadata.entry_points(group=ENTRY_POINT_GROUP):
        try:
            found = entry.load()
        except ModuleNotFoundError as exc:
            commands.append(_unavailable(entry.name, exc))
            continue
        except Exception as exc:  # a third party's bug must not stop `edgealign`
            _log.warning("the command %s (%s) does not load (%s: %s); skipping it",
                         entry.name, entry.value, type(exc).__name__, exc)
            continue
        if isinstance(found, Command):
            commands.append(found)
        elif isinstance(found, Target):
            targets.append(found)
        else:
            _log.warning("the command entry point %s (%s) is a %s, not a Command or Target; skipping it",
                         entry.name, entry.value, type(found).__name__)
    return Plugins(tuple(commands), tuple(targets))


def _unavailable(name: str, exc: ModuleNotFoundError) -> Command:
    """A registered command whose module cannot be imported: listed, and running it (or asking
    for its help) raises the ModuleNotFoundError, which the CLI turns into the install line."""
    def fail(*_: Any) -> NoReturn:
        raise exc

    return Command(name, f"(needs {exc.name}, which is not installed)", fail, fail)
