"""``edgealign serve``: the personalized OpenAI-compatible server (see docs/server.md)."""

from __future__ import annotations

import argparse
from typing import Any

from ..server.config import (DEFAULT_CTX, MAX_BODY, MAX_CTX, MAX_QUEUE, MAX_SHUTDOWN_S, MIN_BODY,
                             MIN_CTX)
from ..commands import count, number, step
from ..home import Home
from ._artifacts import steering_help


def serve_arguments(parser: argparse.ArgumentParser) -> None:
    # Every number is range-checked while parsing (a usage error, exit 2), so a bad value never
    # waits for the model to load, and never gets past "listening" to fail later.
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)")
    parser.add_argument("--port", type=count(0, 65535), default=8088,
                        help="TCP port (default 8088; 0 picks a free one)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a --host other than loopback (anyone who reaches it with a token reads that "
                             "token's users, over plain HTTP)")
    parser.add_argument("--model", metavar="GGUF", help="the local model (default: the bundled SmolLM2)")
    parser.add_argument("--bridge", metavar="DIR", help=f"bridge artifact (default: {Home.shown().bridge}, else the one shipped in the package)")
    parser.add_argument("--steering", metavar="DIR",
                        help=steering_help("steering basis for the model"))
    parser.add_argument("--threads", type=count(1, 1024), metavar="N",
                        help="CPU threads for the model, 1 to 1024 (default: llama.cpp's)")
    parser.add_argument("--n-ctx", type=count(MIN_CTX, MAX_CTX), default=DEFAULT_CTX, metavar="N",
                        help=f"the model's context: prompt, history and reply together, {MIN_CTX} to {MAX_CTX:,} "
                             f"(default {DEFAULT_CTX})")
    parser.add_argument("--cors-origin", action="append", default=[], metavar="ORIGIN",
                        help="let pages from ORIGIN (e.g. http://localhost:3000) call the API; repeatable; "
                             "default none")
    parser.add_argument("--max-body", type=count(MIN_BODY, MAX_BODY), default=1 << 20, metavar="BYTES",
                        help=f"largest request body, {MIN_BODY} to {MAX_BODY:,}; larger ones get 413 (default 1 MiB)")
    parser.add_argument("--queue", type=count(1, MAX_QUEUE), default=32, metavar="N",
                        help=f"chat requests that may wait for the model, 1 to {MAX_QUEUE:,}; more get 429 "
                             "(default 32)")
    parser.add_argument("--shutdown-deadline", type=number(0, MAX_SHUTDOWN_S), default=10.0, metavar="S",
                        help=f"on Ctrl-C or SIGTERM, seconds in-flight requests get to finish, 0 to {MAX_SHUTDOWN_S:g} "
                             "(default 10)")
    parser.add_argument("--open", action="store_true", help="print a one-time sign-in URL for the local web page")


def config_from(args: argparse.Namespace, model_id: str) -> Any:
    """The ServerConfig the arguments describe."""
    from ..server import ServerConfig

    return ServerConfig(host=args.host, port=args.port, allow_remote=args.allow_remote,
                        cors_origins=tuple(args.cors_origin), max_body_bytes=args.max_body, queue_size=args.queue,
                        shutdown_s=args.shutdown_deadline, model_id=model_id, sign_in=args.open,
                        n_ctx=args.n_ctx)


def serve(args: argparse.Namespace) -> int:
    from pathlib import Path

    from ..llm import default_model_path
    from ..personalizer import Personalizer

    model = Path(args.model) if args.model else default_model_path()
    config = config_from(args, model.name.removesuffix(".gguf"))  # checks --host before anything opens
    extra = {"steering": args.steering} if args.steering else {}
    p = Personalizer.open(llm=model, bridge=args.bridge, n_threads=args.threads, n_ctx=args.n_ctx, **extra)
    try:
        step(f"loading {model.name} and the preference bridge")
        p.llm, p.bridge  # noqa: B018 -- load now: a missing model fails here, not on the first request
    except BaseException:
        p.close()
        raise
    run_server(p, config)
    return 0


def run_server(p: Any, config: Any) -> None:
    """Serve the open Personalizer ``p`` (closed on the way out), announcing where."""
    from ..server import is_loopback, serve as run

    if not is_loopback(config.host):
        step(f"WARNING: listening on {config.host}, not loopback (--allow-remote): anyone who can reach this port "
             "and holds a token reads and changes that token's users, over unencrypted HTTP")
    run(p, config, on_start=_announce)


def _announce(started: Any) -> None:
    print(f"listening on {started.url}", flush=True)
    if started.sign_in_url:
        print(f"sign in (one-time link, this machine only): {started.sign_in_url}", flush=True)
    step("every API request needs a token (`edgealign token create APP --users NAME,...` or "
         "`edgealign token create APP --all-users`); Ctrl-C or SIGTERM stops")


# -- `edgealign bench serve` (registered in cli/bench.py's TARGETS) --------------------------------

def bench_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--model", default=None, metavar="GGUF", help="the model (default: the bundled SmolLM2)")
    parser.add_argument("--bridge", default=None, metavar="DIR",
                        help=f"bridge artifact (default: {Home.shown().bridge}, as `edgealign build` makes)")
    parser.add_argument("--threads", type=int, default=1, metavar="N", help="llama.cpp threads (default 1)")
    parser.add_argument("--clients", type=int, default=8, metavar="N", help="concurrent chat clients (default 8)")
    parser.add_argument("--requests", type=int, default=10, metavar="N", help="chat requests per client (default 10)")
    parser.add_argument("--writes", type=int, default=125, metavar="N",
                        help="persona writes per client, 8 clients at once (default 125)")


def bench_serve_run(args: argparse.Namespace) -> dict[str, Any]:
    """the server against the Personalizer called directly: latency, throughput ratio, lost writes"""
    from ..bench.serve import bench_serve
    from ..errors import ConfigError

    if min(args.clients, args.requests, args.writes) < 1:
        raise ConfigError("--clients, --requests and --writes must be at least 1")
    step(f"benchmarking edgealign serve: {args.clients} clients x {args.requests} chats, then the same calls "
         f"directly; {args.writes} persona writes x 8 clients")
    return bench_serve(args.model, bridge=args.bridge, n_threads=args.threads, clients=args.clients,
                       requests=args.requests, writes=args.writes)
