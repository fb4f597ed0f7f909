"""docs/cli.md's option lists, generated from the parsers so the reference cannot fall behind.

    python -m edgealign.cli._reference docs/cli.md          # rewrite the generated blocks
    python -m edgealign.cli._reference --check docs/cli.md  # exit 1 when a block is stale

A generated block sits between ``<!-- options: COMMAND [TARGET] -->`` and ``<!-- /options -->``
and lists every option of that parser with its help. The prose around it is written by hand;
tests/test_docs.py checks that every option of every command appears in the file.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

__all__ = ["parsers", "render_options", "update"]

_BLOCK = re.compile(r"(<!-- options: (?P<name>[\w -]+?) -->\n)(?P<body>.*?)(<!-- /options -->)", re.S)


def parsers() -> dict[str, argparse.ArgumentParser]:
    """``"COMMAND"`` or ``"COMMAND TARGET"`` -> its parser, built as ``edgealign COMMAND --help`` builds it."""
    from . import _parser, commands

    table = commands()
    _, subparsers = _parser(table)
    found: dict[str, argparse.ArgumentParser] = {}
    for name, parser in subparsers.items():
        table[name].arguments(parser)
        found[name] = parser
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                found.update({f"{name} {target}": sub for target, sub in action.choices.items()})
    return found


def render_options(parser: argparse.ArgumentParser) -> str:
    """One Markdown bullet per option: its form and its help."""
    lines = []
    for action in parser._actions:
        if not action.option_strings or action.help == argparse.SUPPRESS or "-h" in action.option_strings:
            continue
        lines.append(f"- `{_form(action)}`: {(action.help or '').replace('%%', '%')}")
    return "\n".join(lines) + "\n"


def update(text: str) -> str:
    """``text`` with every generated block rewritten from the current parsers."""
    built = parsers()

    def block(match: re.Match) -> str:
        name = match["name"].strip()
        if name not in built:
            raise KeyError(f"docs/cli.md names an options block for {name!r}, which is no command")
        return match.group(1) + render_options(built[name]) + match.group(4)

    return _BLOCK.sub(block, text)


def _form(action: argparse.Action) -> str:
    if isinstance(action, argparse.BooleanOptionalAction):
        return " | ".join(action.option_strings)
    flag = max(action.option_strings, key=len)
    if action.nargs == 0:
        return flag
    if action.metavar is not None:
        metavar = action.metavar
    elif action.choices is not None:
        metavar = "{" + ",".join(map(str, action.choices)) + "}"
    else:
        metavar = action.dest.upper()
    return f"{flag} {metavar}" + (" ..." if action.nargs in ("+", "*") else "")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgealign.cli._reference")
    parser.add_argument("file", help="the CLI reference (docs/cli.md)")
    parser.add_argument("--check", action="store_true", help="only check; exit 1 when a block is stale")
    args = parser.parse_args(argv)
    path = Path(args.file)
    text = path.read_text(encoding="utf-8")
    new = update(text)
    if args.check:
        if new != text:
            print(f"{path}: generated option lists are stale; run python -m edgealign.cli._reference {path}")
            return 1
        return 0
    path.write_text(new, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
