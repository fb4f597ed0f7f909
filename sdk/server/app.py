"""The FastAPI application: routes, limits, logging, the web page and the lifecycle.

:func:`create_app` wires an open Personalizer to the OpenAI-compatible routes and the persona
API. On shutdown it lets the generation worker finish (within the config's deadline) and then
closes the Personalizer, and with it the store.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from importlib import resources
from typing import TYPE_CHECKING, Any, AsyncIterator, Awaitable, Callable

from fastapi import FastAPI, Request
from pydantic import BaseModel
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .auth import Auth
from .config import ServerConfig
from .errors import error_response, install_handlers
from .worker import Generator

if TYPE_CHECKING:
    from ..protocols import ServedPersonalizer

__all__ = ["create_app", "conditionings_for"]

log = logging.getLogger("edgealign.server")
STATIC = resources.files("edgealign.server") / "static"
_PAGES = {"/": "index.html", "/docs": "docs.html"}
_ASSETS = ("app.js", "docs.js", "style.css")


def conditionings_for(p: "ServedPersonalizer") -> tuple[tuple[str, ...], str]:
    """The conditionings a request may name, and the default (the Personalizer's own)."""
    from .. import conditioning

    return tuple(conditioning.names()), p.default_conditioning


def create_app(personalizer: "ServedPersonalizer", config: ServerConfig | None = None, *,
               auth: Auth | None = None) -> FastAPI:
    """The server for an open ``personalizer`` (closed when the app shuts down): anything
    with :class:`~edgealign.protocols.ServedPersonalizer`'s methods, in practice a
    :class:`~edgealign.Personalizer`."""
    from . import openai_routes, persona_routes

    config = config or ServerConfig()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        await asyncio.to_thread(app.state.generator.stop, config.shutdown_s)
        personalizer.close()
        log.info("stopped; the store is closed")

    app = FastAPI(title="edgealign", version=_version(), lifespan=lifespan, docs_url=None, redoc_url=None,
                  description="A personalized, OpenAI-compatible local model server. Every /v1 route needs "
                              "'Authorization: Bearer <token>'.")
    state = app.state
    state.personalizer, state.config = personalizer, config
    state.auth = auth or Auth(personalizer.tokens)
    state.generator = Generator(personalizer, queue_size=config.queue_size)
    state.conditionings, state.default_conditioning = conditionings_for(personalizer)
    state.started = int(time.time())
    install_handlers(app)
    app.include_router(openai_routes.router)
    app.include_router(persona_routes.router)
    _page_routes(app)
    if config.cors_origins:
        from starlette.middleware.cors import CORSMiddleware

        app.add_middleware(CORSMiddleware, allow_origins=list(config.cors_origins), allow_credentials=False,
                           allow_methods=["GET", "POST", "PUT", "DELETE"], allow_headers=["Authorization", "Content-Type"])
    app.add_middleware(BodyLimit, limit=config.max_body_bytes)
    if not config.allow_remote:
        app.add_middleware(LoopbackHost)
    if config.log_requests:
        app.add_middleware(RequestLog)
    return app


class SignIn(BaseModel):
    code: str


def _page_routes(app: FastAPI) -> None:
    """The web page and the API docs (static files: no data in them, no token needed)."""
    def page(name: str) -> Callable[[], Awaitable[HTMLResponse]]:
        async def serve() -> HTMLResponse:
            return HTMLResponse(STATIC.joinpath(name).read_text(encoding="utf-8"), headers=_PAGE_HEADERS)
        return serve
    for path, name in _PAGES.items():
        app.add_api_route(path, page(name), methods=["GET"], include_in_schema=False)
    for name in _ASSETS:
        app.add_api_route(f"/static/{name}", _asset(name), methods=["GET"], include_in_schema=False)

    @app.post("/v1/session", tags=["Web page"], summary="Exchange the one-time sign-in code for a session token")
    def session(body: SignIn, request: Request) -> dict[str, str]:
        return {"token": request.app.state.auth.redeem(body.code)}

    @app.get("/v1/health", tags=["Web page"], summary="Whether the model is busy and how many requests wait")
    def health(request: Request) -> dict[str, Any]:
        request.app.state.auth.grant(request)
        gen = request.app.state.generator
        return {"status": "ok", "busy": gen.busy, "waiting": gen.waiting,
                "default_conditioning": request.app.state.default_conditioning,
                "conditionings": list(request.app.state.conditionings), "model": request.app.state.config.model_id}


#: The page loads nothing from another origin and may not be framed.
_PAGE_HEADERS = {"Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data:; "
                                            "frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
                 "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer", "Cache-Control": "no-store"}


def _asset(name: str) -> Callable[[], Awaitable[Response]]:
    media = "text/css" if name.endswith(".css") else "text/javascript"

    async def serve() -> Response:
        return Response(STATIC.joinpath(name).read_bytes(), media_type=media, headers=_PAGE_HEADERS)
    return serve


def _version() -> str:
    from .. import __version__

    return __version__


class BodyLimit:
    """413 for a body over ``limit`` bytes, by Content-Length or as it streams in."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.limit):
            return await self._too_large(scope, receive, send)
        seen, answered = 0, False

        async def counted() -> Message:
            nonlocal seen, answered
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit and not answered:
                    answered = True
                    await self._too_large(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded(message: Message) -> None:
            if not answered:  # after a 413 the app's own answer to the cut body is dropped
                await send(message)
        await self.app(scope, counted, guarded)

    def _message(self) -> str:
        return f"the request body is over the server's limit of {self.limit:,} bytes (--max-body)"

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        await error_response(413, self._message(), "request_too_large", headers={"Connection": "close"})(
            scope, receive, send)


class LoopbackHost:
    """400 for a Host header that is not this machine: a web page that rebinds its own domain
    to 127.0.0.1 (DNS rebinding) gets nothing, not even the page."""

    ALLOWED = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = dict(scope["headers"]).get(b"host", b"").decode("latin-1")
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if name.lower() not in self.ALLOWED:
                response = error_response(400, "the Host header must name this machine (127.0.0.1 or localhost)",
                                          "invalid_host")
                return await response(scope, receive, send)
        await self.app(scope, receive, send)


class RequestLog:
    """One line per request: method, route template (never a user's name), status, app, ms.
    Bodies, histories and replies are never logged."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        start, status = time.monotonic(), [0]

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            await send(message)
        try:
            await self.app(scope, receive, sending)
        finally:
            route = getattr(scope.get("route"), "path", None) or ("/static/*" if scope["path"].startswith("/static/")
                                                                  else "(no route)")
            app_name = scope.get("state", {}).get("app_name", "-")
            log.info("%s %s -> %s (%s, %.0f ms)", scope["method"], route, status[0] or "-", app_name,
                     (time.monotonic() - start) * 1000)
