"""``edgealign chat``: talk to the local model as a user, one-shot or interactively, streamed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ._output import emit_json, step
from ._user import opened, require_user


def chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--prompt", metavar="TEXT", help="answer TEXT and exit (default: read lines from stdin "
                                                         "until EOF or /quit)")
    parser.add_argument("--mode", choices=("pba", "ica", "none"), default="pba",
                        help="condition on the profile (pba, default), the newest history (ica) or nothing")
    parser.add_argument("--max-tokens", type=int, default=256, metavar="N", help="longest reply (default 256)")
    parser.add_argument("--temperature", type=float, default=0.7, metavar="T", help="0 is greedy (default 0.7)")
    parser.add_argument("--threads", type=int, default=None, metavar="N", help="CPU threads for the model")
    parser.add_argument("--json", action="store_true", help="with --prompt: print one JSON object, not a stream")


def chat(args: argparse.Namespace) -> int:
    with opened(n_threads=args.threads) as p:
        require_user(p, args.name)
        if args.prompt is not None:
            reply = _answer(p, args, args.prompt, echo=not args.json)
            if args.json:
                emit_json({"user": args.name, "mode": args.mode, "prompt": args.prompt, "reply": reply})
            return 0
        interactive = sys.stdin.isatty()
        if interactive:
            step(f"chatting as {args.name} ({args.mode}); /quit or Ctrl-D ends")
        while (line := _read(interactive)) is not None:
            if line.strip() == "/quit":
                break
            if line.strip():
                _answer(p, args, line.strip(), echo=True)
    return 0


def _read(interactive: bool) -> str | None:
    """The next line, or None at end of input."""
    try:
        return input("> ") if interactive else next(iter(sys.stdin.readline, ""), None)
    except EOFError:
        return None


def _answer(p: Any, args: argparse.Namespace, task: str, *, echo: bool) -> str:
    """Stream the reply to stdout as it is generated (with ``echo``) and return it whole."""
    chunks = p.chat(args.name, task, mode=args.mode, stream=True, max_tokens=args.max_tokens,
                    temperature=args.temperature)
    reply = []
    for chunk in chunks:
        reply.append(chunk)
        if echo:
            print(chunk, end="", flush=True)
    if echo:
        print(flush=True)
    return "".join(reply)
