"""Running the server: bind, say where, serve until SIGTERM or Ctrl-C, shut down cleanly.

The socket is bound before uvicorn starts, so ``port=0`` works (the chosen port is reported)
and a client that connects at once waits in the backlog instead of being refused. On SIGTERM
uvicorn stops accepting connections and gives open requests ``shutdown_s`` to finish; then
the app's shutdown lets the worker finish or cuts it, and closes the store.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, Iterator

from .auth import Auth
from .config import ServerConfig

if TYPE_CHECKING:
    from ..protocols import ServedPersonalizer

__all__ = ["serve", "Started"]

log = logging.getLogger("edgealign.server")


@dataclass(frozen=True)
class Started:
    """Where the server listens, and the one-time sign-in URL when asked for one."""

    url: str
    sign_in_url: str | None


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (IPv6 when the host is one)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        from ..errors import ConfigError

        raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror}; choose another --port") from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def serve(personalizer: "ServedPersonalizer", config: ServerConfig, *, on_start: Callable[[Started], None] | None = None) -> None:
    """Serve ``personalizer`` until SIGTERM or Ctrl-C; it is closed on the way out."""
    try:
        import uvicorn
    except ImportError as exc:
        from ..errors import MissingDependencyError

        raise MissingDependencyError("uvicorn", "server") from exc
    from .app import create_app

    auth = Auth(personalizer.tokens)
    try:
        app = create_app(personalizer, config, auth=auth)
        sock = bind(config.host, config.port)
    except BaseException:
        personalizer.close()
        raise
    host, port = sock.getsockname()[:2]
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}"
    sign_in = f"{url}/#code={auth.new_sign_in_code()}" if config.sign_in else None
    if on_start is not None:
        on_start(Started(url, sign_in))
    server = uvicorn.Server(uvicorn.Config(
        app, log_config=None, access_log=False, lifespan="on", server_header=False,
        timeout_graceful_shutdown=max(1, int(config.shutdown_s) + 1), timeout_keep_alive=5))
    try:
        with _stop_signals_are_a_clean_stop():
            server.run(sockets=[sock])
    finally:
        sock.close()
        personalizer.close()  # already closed by the app's shutdown unless start-up failed


@contextlib.contextmanager
def _stop_signals_are_a_clean_stop() -> Iterator[None]:
    """uvicorn shuts down on SIGINT (Ctrl-C) or SIGTERM, then raises the signal again for the
    handler it found: Python's own would turn Ctrl-C into KeyboardInterrupt (exit 130 and, from
    inside uvicorn, a traceback) and SIGTERM into a kill. With these no-op handlers installed the
    process returns normally instead: exit 0, since a stop was asked for and done cleanly."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    stops = (signal.SIGINT, signal.SIGTERM)
    previous = {s: signal.signal(s, lambda signum, frame: None) for s in stops}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
