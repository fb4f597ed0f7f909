"""``edgealign token create|list|revoke``: which app may reach which users through ``edgealign serve``."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any

from ..commands import emit_json
from ._user import opened

if TYPE_CHECKING:
    from ..store import AppTokens


def token_arguments(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="action", metavar="ACTION", required=True)
    create = sub.add_parser("create", help="issue a token for an app (shown once; only its hash is kept)")
    create.add_argument("app", metavar="APP", help="the app's name (letters, digits, . _ -)")
    reach = create.add_mutually_exclusive_group(required=True)
    reach.add_argument("--users", metavar="A,B", help="the users it reaches (they must exist)")
    reach.add_argument("--all-users", action="store_true", help="every user, now and later")
    sub.add_parser("list", help="apps holding a token and the users each reaches")
    revoke = sub.add_parser("revoke", help="delete an app's token (at once, even while the server runs)")
    revoke.add_argument("app", metavar="APP")
    for p in sub.choices.values():
        p.add_argument("--json", action="store_true", help="print one JSON object")


def token(args: argparse.Namespace) -> int:
    with opened() as p:
        report = _ACTIONS[args.action](p.tokens, args)
    if args.json:
        emit_json(report)
    elif args.action == "list":
        rows = [f"{t['app']:<24} {'all users' if t['all_users'] else ', '.join(t['users']) or '(users gone)'}"
                for t in report["tokens"]]
        print("\n".join(rows) or "no tokens; create one with `edgealign token create APP --users NAME`")
    else:
        print(report["message"])
    return 0


def _create(tokens: "AppTokens", args: argparse.Namespace) -> dict[str, Any]:
    from ..errors import ConfigError

    users = [u for u in (args.users or "").split(",") if u.strip()]
    if not users and not args.all_users:  # `--users ""` or `--users ,`
        raise ConfigError(f"--users {args.users!r} names no user; give the users the token reaches "
                          "(--users A,B) or let it reach every user (--all-users)")
    secret = tokens.create(args.app, users, all_users=args.all_users)
    reach = "all users" if args.all_users else ", ".join(users)
    return {"app": args.app, "token": secret, "all_users": args.all_users, "users": users,
            "message": f"token for {args.app} ({reach}); shown once, keep it secret:\n{secret}"}


def _list(tokens: "AppTokens", args: argparse.Namespace) -> dict[str, Any]:
    return {"tokens": [{"app": t.app, "all_users": t.all_users, "users": list(t.users), "created_at": t.created_at}
                       for t in tokens.apps()]}


def _revoke(tokens: "AppTokens", args: argparse.Namespace) -> dict[str, Any]:
    revoked = tokens.revoke(args.app)
    return {"app": args.app, "revoked": revoked,
            "message": f"revoked the token of {args.app}" if revoked else f"{args.app} had no token"}


_ACTIONS = {"create": _create, "list": _list, "revoke": _revoke}
