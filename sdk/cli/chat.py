"""``edgealign chat``: talk to the local model as a user, one-shot or interactively, streamed."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from ..conditioning import names
from ..sampling import MAX_TOKENS, MAX_TOKENS_MAX, TEMPERATURE, TEMPERATURE_MAX, TOP_P, TOP_P_MAX
from ..commands import count, number, emit_json, step
from ..home import Home
from ._artifacts import steering_help
from ._user import opened, require_user


def chat_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--prompt", metavar="TEXT", help="answer TEXT and exit (default: read lines from stdin "
                                                         "until EOF or /quit)")
    parser.add_argument("--conditioning", "--mode", dest="conditioning", default=None, type=_conditioning,
                        metavar="NAME", help=f"how the answer is personalized: {', '.join(names())} (default: "
                        "instruct+steer with a steering basis, else instruct; an exported aligner's own pba or ica)")
    parser.add_argument("--steering", default=None, metavar="DIR",
                        help=steering_help("steering basis built for the model"))
    parser.add_argument("--model", default=None, metavar="GGUF",
                        help="the local model: a GGUF file or an exported aligner folder (default: the bundled SmolLM2)")
    parser.add_argument("--top-p", type=number(0.0, TOP_P_MAX, low_open=True), default=TOP_P, metavar="P",
                        help=f"nucleus sampling, over 0 up to {TOP_P_MAX:g} (default {TOP_P})")
    parser.add_argument("--seed", type=int, default=None, metavar="N", help="sampling seed, for repeatable answers")
    parser.add_argument("--max-tokens", type=count(1, MAX_TOKENS_MAX), default=MAX_TOKENS, metavar="N",
                        help=f"longest reply in tokens (default {MAX_TOKENS})")
    parser.add_argument("--temperature", type=number(0.0, TEMPERATURE_MAX), default=TEMPERATURE, metavar="T",
                        help=f"0 is greedy, at most {TEMPERATURE_MAX:g} (default {TEMPERATURE})")
    parser.add_argument("--threads", type=count(1, 1024), default=None, metavar="N", help="CPU threads for the model")
    parser.add_argument("--n-ctx", type=count(16, 1 << 17), default=2048, metavar="N",
                        help="context size in tokens: prompt, history and reply (default 2048)")
    parser.add_argument("--json", action="store_true", help="with --prompt: print one JSON object, not a stream")


def chat(args: argparse.Namespace) -> int:
    with opened(n_threads=args.threads, n_ctx=args.n_ctx, steering=args.steering, llm=args.model) as p:
        require_user(p, args.name)
        _require_basis(p, args.conditioning or p.default_conditioning)
        if args.prompt is not None:
            reply = _answer(p, args, args.prompt, echo=not args.json)
            if args.json:
                emit_json({"user": args.name, "conditioning": args.conditioning or p.default_conditioning,
                           "prompt": args.prompt, "reply": reply})
            return 0
        interactive = sys.stdin.isatty()
        if interactive:
            step(f"chatting as {args.name} ({args.conditioning or p.default_conditioning}); /quit or Ctrl-D ends")
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
    from ..errors import PromptError

    try:
        chunks = p.chat(args.name, task, conditioning=args.conditioning, stream=True, max_tokens=args.max_tokens,
                        temperature=args.temperature, top_p=args.top_p, seed=args.seed)
    except PromptError as exc:
        if "budget" not in str(exc):
            raise
        # The prompt's budget is the context less the reply's room: both are flags here.
        what = str(exc).split("; raise the context size")[0]
        raise PromptError(f"{what} (--n-ctx {args.n_ctx} less --max-tokens {args.max_tokens}); pass a larger "
                          "--n-ctx, a smaller --max-tokens or a shorter prompt") from None
    reply = []
    for chunk in chunks:
        reply.append(chunk)
        if echo:
            print(chunk, end="", flush=True)
    if echo:
        print(flush=True)
    return "".join(reply)


def _require_basis(p: Any, conditioning: str) -> None:
    """ConfigError, in flags, when ``conditioning`` steers and the model has no steering basis."""
    from ..conditioning import get
    from ..errors import ConfigError
    from ..home import build_hint

    if get(conditioning).steers and p.steering_basis() is None:
        raise ConfigError(f"--conditioning {conditioning} needs a steering basis built for the model: for the bundled "
                          f"model, {build_hint()}; for another, pass one with --steering DIR "
                          "(`edgealign train steering --out CKPT`, then `edgealign export steering CKPT --out DIR`, "
                          "builds it); or choose --conditioning instruct")


def _conditioning(text: str) -> str:
    from ..conditioning import get
    from ..errors import ConfigError

    try:
        return get(text).name
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
