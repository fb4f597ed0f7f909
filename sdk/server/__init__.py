"""``edgealign serve``: a personalized, OpenAI-compatible server on this device.

Apps that speak the OpenAI chat API point ``base_url`` at it and name the person in the
standard ``user`` field; the answer is conditioned on that person's encrypted history and
inferred profile. The same server offers a persona API (record history, read the profile
with its evidence, override or lock a dimension, forget a user) and a small local web page
for the person whose data it is. Every API request needs a bearer token
(``edgealign token create``), and a token reaches only its users. See docs/server.md.

Needs the ``server`` extra (FastAPI, uvicorn, sse-starlette); importing this package does not
import them, :func:`create_app` and :func:`serve` do.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .config import ServerConfig, is_loopback

if TYPE_CHECKING:
    from ..protocols import ServedPersonalizer

__all__ = ["ServerConfig", "create_app", "serve", "is_loopback"]


def _require() -> None:
    from ..errors import MissingDependencyError

    for module in ("fastapi", "uvicorn", "sse_starlette"):
        try:
            __import__(module)
        except ImportError as exc:
            raise MissingDependencyError(module, "server") from exc


def create_app(personalizer: "ServedPersonalizer", config: ServerConfig | None = None, **kw: Any) -> Any:
    """The FastAPI app for an open Personalizer (see :mod:`edgealign.server.app`)."""
    _require()
    from .app import create_app as _create

    return _create(personalizer, config, **kw)


def serve(personalizer: "ServedPersonalizer", config: ServerConfig, **kw: Any) -> None:
    """Serve until SIGTERM or Ctrl-C (see :mod:`edgealign.server.run`)."""
    _require()
    from .run import serve as _serve

    _serve(personalizer, config, **kw)
