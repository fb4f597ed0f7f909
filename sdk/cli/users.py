"""``edgealign init``, ``user add|list|export|import``, ``ingest`` and ``forget``: the people
in the encrypted store and their history."""

from __future__ import annotations

import argparse
import json
import sys
from typing import TYPE_CHECKING, Any

from ..errors import ConfigError, DataError
from ..commands import emit_json, step, write_private
from ..data import history_format, read_history
from ._user import describe_key_source, locations, opened, require_user

if TYPE_CHECKING:
    from ..personalizer import Personalizer


def _json_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


# -- init ----------------------------------------------------------------------------------

def init_arguments(parser: argparse.ArgumentParser) -> None:
    _json_flag(parser)


def init(args: argparse.Namespace) -> int:
    from ..home import build_hint
    from ..store.keys import default_key_source

    source = describe_key_source(default_key_source())  # KeyUnavailableError names every option
    with opened() as p:
        info = {**locations(), "key_source": source, "users": len(p.users())}
    if args.json:
        emit_json(info)
        return 0
    print(f"home:    {info['home']}\nstore:   {info['store']} (encrypted; key: {source})")
    print(f"bridge:  {info['bridge']}" + ("" if info["bridge_present"] else f" (missing: {build_hint(info['bridge'])})"))
    print(f"model:   {info['model'] or 'missing: `edgealign doctor` says how to install it'}")
    print(f"users:   {info['users']}" + ("" if info["users"] else "; add one with `edgealign user add NAME`"))
    return 0


# -- user ----------------------------------------------------------------------------------

def user_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    add = sub.add_parser("add", help="create a user (nothing happens if they exist)")
    add.add_argument("name", metavar="NAME")
    listing = sub.add_parser("list", help="list the users in the store")
    export = sub.add_parser("export", help="write everything stored about a user as JSON (plaintext!)")
    export.add_argument("name", metavar="NAME")
    export.add_argument("--out", metavar="FILE", help="write to FILE (mode 600) instead of stdout")
    imp = sub.add_parser("import", help="create a user from a `user export` file")
    imp.add_argument("file", metavar="FILE")
    imp.add_argument("--as", dest="as_name", metavar="NAME", help="import under another name")
    for p in (add, listing, export, imp):
        _json_flag(p)


def user(args: argparse.Namespace) -> int:
    with opened() as p:
        report = _USER_ACTIONS[args.action](p, args)
    if args.json:
        emit_json(report)
    elif args.action == "list":
        print("\n".join(report["users"]) or "no users yet; add one with `edgealign user add NAME`")
    elif args.action != "export" or args.out:
        print(report["message"])
    return 0


def _add(p: "Personalizer", args: argparse.Namespace) -> dict[str, Any]:
    from ..store._records import check_user

    name = check_user(args.name)  # the stored form: stripped, NFC; DataError (exit 2) if unusable
    created = p.add_user(name)
    return {"user": name, "created": created, "message": f"{'added' if created else 'already exists:'} {name}"}


def _list(p: "Personalizer", args: argparse.Namespace) -> dict[str, Any]:
    return {"users": p.users()}


def _export(p: "Personalizer", args: argparse.Namespace) -> dict[str, Any]:
    document = p.export_user(require_user(p, args.name))
    if not args.out:
        if not args.json:
            emit_json(document)
        return {"user": args.name, "document": document}
    write_private(args.out, json.dumps(document, ensure_ascii=False))
    step(f"{args.out} holds {args.name}'s history in plaintext: keep it safe, delete it when done")
    return {"user": args.name, "file": args.out, "message": f"exported {args.name} to {args.out}"}


def _import(p: "Personalizer", args: argparse.Namespace) -> dict[str, Any]:
    from ..data import read_text

    text = read_text(args.file, limit=1 << 30)  # DataError naming the byte offset when not UTF-8
    try:
        document = json.loads(text)
    except (ValueError, RecursionError) as exc:
        problem = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
        raise DataError(f"{args.file}: not a `user export` file (not valid JSON: {problem})") from None
    try:
        name = p.import_user(document, args.as_name)
    except DataError as exc:
        if "already exists" not in str(exc):
            raise
        raise DataError(f"{exc.args[0].split(';')[0]}; import them under another name with "
                        "`edgealign user import FILE --as NAME`, or `edgealign forget` them first") from None
    return {"user": name, "file": args.file, "message": f"imported {name} from {args.file}"}


_USER_ACTIONS = {"add": _add, "list": _list, "export": _export, "import": _import}


# -- ingest --------------------------------------------------------------------------------

def ingest_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--user", required=True, metavar="NAME", help="whose history this is")
    parser.add_argument("file", metavar="FILE",
                        help="a history JSONL ({\"type\": \"comment\"|\"choice\"|\"description\", ...} "
                             "per line) or AlignX records (.jsonl, .json, .parquet); items already in the "
                             "user's history are skipped")
    _json_flag(parser)


def ingest(args: argparse.Namespace) -> int:
    from ..store._records import new_items

    _refuse_export(args.file)
    items = read_history(args.file)  # everything is validated before the store opens
    kind = history_format(args.file)
    with opened() as p:
        user = require_user(p, args.user)
        # Ingesting a file again adds nothing: items already in the history are skipped.
        fresh, repeats = new_items(p.history(user), items)
        added = len(p.record(user, fresh)) if fresh else 0
    if args.json:
        emit_json({"user": args.user, "file": args.file, "format": kind, "added": added, "already_there": repeats})
    else:
        source = "history lines" if kind == "history" else "AlignX records' personas"
        print(f"{args.user}: {added} new, {repeats} already there (from {args.file}, {source})")
    return 0


def _refuse_export(path: str) -> None:
    """DataError when ``path`` is a `user export` document: it is restored with `user import`,
    not read as a history. The whole file is parsed only when its start names the format."""
    from ..data import read_text
    from ..store._records import EXPORT_FORMAT

    try:
        with open(path, "rb") as f:
            head = f.read(1 << 16)
    except OSError:
        return  # read_history says what is wrong with the path
    if b'"format"' not in head or EXPORT_FORMAT.encode() not in head:
        return
    try:
        document = json.loads(read_text(path, limit=1 << 30))
    except (ValueError, RecursionError, DataError):
        return
    if isinstance(document, dict) and document.get("format") == EXPORT_FORMAT:
        raise DataError(f"{path} is a `user export` file (a user's whole record), not a history: restore it "
                        f"with `edgealign user import {path}` (--as NAME to give the user another name)")


# -- forget --------------------------------------------------------------------------------

def forget_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    _json_flag(parser)


def forget(args: argparse.Namespace) -> int:
    with opened() as p:
        require_user(p, args.name)
        if not (args.yes or _confirmed(args.name)):
            print("edgealign: not confirmed; nothing was erased", file=sys.stderr)
            return 1
        p.forget(args.name)
    if args.json:
        emit_json({"user": args.name, "forgotten": True})
    else:
        print(f"forgot {args.name}: their key is destroyed and every record erased")
    return 0


def _confirmed(name: str) -> bool:
    if not sys.stdin.isatty():
        raise ConfigError(f"refusing to forget {name!r} without confirmation: no terminal to ask on; pass --yes")
    try:
        return input(f"This erases {name!r} and everything about them. Type the user's name to confirm: ") == name
    except EOFError:
        return False
