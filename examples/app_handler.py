"""Embedding edgealign in an app: a small JSON web handler on the standard library.

    export EDGEALIGN_PASSPHRASE='choose a long passphrase'
    python examples/app_handler.py --home ~/.myapp --port 8765

    curl -s localhost:8765/history -d '{"user": "ada", "type": "comment",
         "prompt": "Weekend plans?", "comment": "A long run, then the lab. Keep it short."}'
    curl -s localhost:8765/answer -d '{"user": "ada", "question": "How should I spend a free weekend?"}'

One Personalizer is opened when the app starts and closed when it stops; a request is a few
lines from JSON in to a personalized answer out (see ``answer`` below). The server listens
on 127.0.0.1 only: the store holds personal history, so it is not put on the network.
``--serve-once N`` handles N requests and exits (for CI); ``--history USER FILE`` first adds a
history file (``edgealign.data.read_history``: a history JSONL or AlignX records) to a user.

    POST /answer   {"user": ..., "question": ..., "conditioning": "instruct"|"pba"|"ica"|"none"|...}
                   -> {"user", "answer", "conditioning", "profile": [top labels]}
    POST /history  {"user": ..., "type": "comment"|"choice"|"description", ...the item's fields}
                   -> {"user", "id", "items"}   (the user is created on first use)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path
from typing import Any, Callable

from edgealign import EdgeAlignError, Personalizer
from edgealign.errors import ConfigError, DataError, PreferenceError, UnknownUserError
from edgealign.data import read_history
from edgealign.persona import item_from_dict
from edgealign.bridge import default_bridge_path
from edgealign.store import PassphraseKey

Route = Callable[[Personalizer, dict[str, Any]], dict[str, Any]]


class BadRequest(ValueError):
    """The request body is not what the route expects (answered with 400)."""


def field(body: dict[str, Any], name: str) -> str:
    """A required text field of the request body."""
    value = body.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadRequest(f"{name!r} must be a non-empty string")
    return value


def answer(p: Personalizer, body: dict[str, Any], max_tokens: int = 128) -> dict[str, Any]:
    """POST /answer: the user's question answered under their profile."""
    user, question = field(body, "user"), field(body, "question")
    conditioning = body.get("conditioning") or p.default_conditioning
    reply = p.chat(user, question, conditioning=conditioning, max_tokens=max_tokens)
    top = [e.label for e in p.explain(user, top=3)]
    return {"user": user, "answer": str(reply), "conditioning": conditioning, "profile": top}


def history(p: Personalizer, body: dict[str, Any]) -> dict[str, Any]:
    """POST /history: one comment, choice or description added to the user's history."""
    user = field(body, "user")
    item = item_from_dict({k: v for k, v in body.items() if k != "user"})
    p.add_user(user)  # False when they exist already: fine
    item_id = p.record(user, [item])[0]
    return {"user": user, "id": item_id, "items": len(p.history(user))}


def make_handler(p: Personalizer, routes: dict[str, Route]) -> type[BaseHTTPRequestHandler]:
    """A request handler class bound to one open Personalizer."""

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            """Route the request; answer JSON, errors as {"error": message}."""
            route = routes.get(self.path)
            if route is None:
                return self.reply(404, {"error": f"no route {self.path}; use {', '.join(routes)}"})
            try:
                self.reply(200, route(p, self.body()))
            except UnknownUserError as exc:
                self.reply(404, {"error": str(exc)})
            except (BadRequest, ConfigError, DataError, PreferenceError) as exc:  # the caller's input
                self.reply(400, {"error": str(exc)})
            except EdgeAlignError as exc:  # ours (a missing model, a damaged store): said plainly
                self.reply(500, {"error": str(exc)})

        def body(self) -> dict[str, Any]:
            """The request's JSON object."""
            size = int(self.headers.get("Content-Length") or 0)
            try:
                data = json.loads(self.rfile.read(size) or b"{}")
            except ValueError as exc:
                raise BadRequest(f"the body is not JSON ({exc})") from None
            if not isinstance(data, dict):
                raise BadRequest("the body must be a JSON object")
            return data

        def reply(self, status: int, payload: dict[str, Any]) -> None:
            """Send ``payload`` as JSON with ``status``."""
            data = json.dumps(payload).encode("utf-8")
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """One line per request on stderr."""
            # Request lines only; bodies hold personal history and are never logged.
            print(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", file=sys.stderr)

    return Handler


def open_key(env: str) -> PassphraseKey:
    """The store's key from a passphrase in ``$env``; the passphrase is never printed or kept."""
    passphrase = os.environ.get(env)
    if not passphrase:
        raise SystemExit(f"app_handler: set {env} to the passphrase of the app's store")
    return PassphraseKey(passphrase, origin=f"${env}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; every flag has a default that works after `make demo`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="store folder (default $EDGEALIGN_HOME)")
    parser.add_argument("--bridge", type=Path, default=None,
                        help="bridge artifact (default: the one `make demo` built in $EDGEALIGN_HOME/artifacts/bridge)")
    parser.add_argument("--model", type=Path, default=None, help="GGUF model (default the bundled SmolLM2)")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: any free port)")
    parser.add_argument("--max-tokens", type=int, default=128, help="longest answer in tokens (default 128)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for the models (default 1)")
    parser.add_argument("--serve-once", type=int, default=None, metavar="N", help="handle N requests, then exit")
    parser.add_argument("--history", nargs=2, action="append", default=[], metavar=("USER", "FILE"),
                        help="before serving, add a history JSONL or AlignX records file to USER's history")
    parser.add_argument("--passphrase-env", default="EDGEALIGN_PASSPHRASE", metavar="VAR",
                        help="environment variable holding the passphrase (default EDGEALIGN_PASSPHRASE)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Open the Personalizer, serve, close it on the way out."""
    args = parse_args(argv)
    key = open_key(args.passphrase_env)
    routes: dict[str, Route] = {
        "/answer": lambda p, body: answer(p, body, args.max_tokens),
        "/history": history,
    }
    try:
        # Opened once for the life of the app, closed on the way out (even on Ctrl-C).
        with Personalizer.open(args.home, key, bridge=args.bridge or default_bridge_path(),
                               llm=args.model, n_threads=args.threads) as p:
            for user, file in args.history:  # a file an app was handed: validated whole, then stored
                p.add_user(user)
                p.record(user, read_history(file))
            serve(make_handler(p, routes), args.port, args.serve_once)
    except EdgeAlignError as exc:  # e.g. the wrong passphrase for an existing store
        print(f"app_handler: {exc}", file=sys.stderr)
        return 1
    print("closed", flush=True)
    return 0


def serve(handler: type[BaseHTTPRequestHandler], port: int, requests: int | None) -> None:
    """Listen on loopback; forever, or for ``requests`` requests. A plain HTTPServer answers
    one request at a time, as the local model does anyway."""
    with HTTPServer(("127.0.0.1", port), handler) as server:
        host, bound = server.server_address[:2]
        print(f"listening on http://{host}:{bound}", flush=True)
        try:
            if requests is None:
                server.serve_forever()
            for _ in range(requests or 0):
                server.handle_request()
        except KeyboardInterrupt:
            pass


if __name__ == "__main__":
    sys.exit(main())
