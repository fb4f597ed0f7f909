"""Errors in OpenAI's JSON shape, so OpenAI clients raise their usual exceptions::

    {"error": {"message": "...", "type": "invalid_request_error", "param": null, "code": "..."}}

400 BadRequestError, 401 AuthenticationError, 403 PermissionDeniedError, 404 NotFoundError,
413 (body too large), 429 RateLimitError (with Retry-After), 500/503 InternalServerError.
Messages name the problem and never echo personal data.
"""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from ..errors import ConfigError, DataError, PreferenceError, PromptError, UnknownUserError

__all__ = ["APIError", "error_body", "error_response", "install_handlers", "FORBIDDEN", "UNAUTHORIZED",
           "SLASHED_NAME"]

log = logging.getLogger(__name__)

_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 403: "permission_error",
          404: "invalid_request_error", 405: "invalid_request_error", 413: "invalid_request_error",
          429: "rate_limit_error", 500: "server_error", 501: "server_error", 503: "server_error"}


class APIError(Exception):
    """An error answered as OpenAI answers it."""

    def __init__(self, status: int, message: str, code: str | None = None, *, param: str | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.headers = headers or {}


#: What a token that does not reach a user gets, whether or not that user exists.
FORBIDDEN = (403, "this token does not reach that user", "user_not_allowed")
UNAUTHORIZED = (401, "a valid token is needed: send 'Authorization: Bearer <token>' "
                     "(`edgealign token create APP` makes one)", "invalid_api_key")


def error_body(status: int, message: str, code: str | None = None, param: str | None = None) -> dict[str, Any]:
    return {"error": {"message": message, "type": _TYPES.get(status, "invalid_request_error"),
                      "param": param, "code": code}}


def error_response(status: int, message: str, code: str | None = None, *, param: str | None = None,
                   headers: dict[str, str] | None = None) -> JSONResponse:
    return JSONResponse(error_body(status, message, code, param), status_code=status, headers=headers)


def as_api_error(exc: BaseException) -> APIError:
    """The library's errors as HTTP answers: bad input 400, a missing user 404, else 500."""
    if isinstance(exc, APIError):
        return exc
    if isinstance(exc, PromptError):
        return APIError(400, str(exc), "context_length_exceeded", param="messages")
    if isinstance(exc, UnknownUserError):
        return APIError(404, "no such user", "user_not_found", param="user")
    if isinstance(exc, (ConfigError, DataError, PreferenceError)):
        return APIError(400, str(exc), "invalid_value")
    log.error("internal error: %s", type(exc).__name__, exc_info=(type(exc), exc, exc.__traceback__))
    return APIError(500, "the server failed to answer this request; its log says why", "internal_error")


def install_handlers(app: Any) -> None:
    """Answer every error (ours, FastAPI's validation, Starlette's 404/405) in OpenAI's shape."""
    from fastapi.exceptions import RequestValidationError

    async def api_error(request: Request, exc: Exception) -> JSONResponse:
        e = as_api_error(exc)
        return error_response(e.status, e.message, e.code, param=e.param, headers=e.headers)

    async def invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        return error_response(400, _describe(exc.errors()), "invalid_request", param=_param(exc.errors()))

    async def http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code)
        message = str(exc.detail)
        if exc.status_code == 404 and request.url.path.startswith("/v1/users/"):
            message = _NO_USER_ROUTE
        return error_response(exc.status_code, message, code, headers=getattr(exc, "headers", None))

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(StarletteHTTPException, http)
    app.add_exception_handler(Exception, api_error)
    for cls in (APIError, PromptError, UnknownUserError, ConfigError, DataError, PreferenceError):
        app.add_exception_handler(cls, api_error)


#: Why a /v1/users/... path can fail to reach a user: a name holding '/', which new names may not
#: (older stores may hold one), and how to give that user a name a URL can hold.
SLASHED_NAME = ("a user name holding '/' cannot be named in a URL, not even as %2F: `edgealign user export NAME "
                "--out FILE`, then `edgealign user import FILE --as NEWNAME` and `edgealign forget NAME`, gives them "
                "one the server can reach")
_NO_USER_ROUTE = f"no such route under /v1/users/NAME/; {SLASHED_NAME}"


def _describe(errors: Any) -> str:
    """FastAPI's validation errors as one sentence, without echoing the input values."""
    parts = []
    for e in list(errors)[:3]:
        where = ".".join(str(x) for x in e.get("loc", ()) if x != "body") or "body"
        if e.get("type") == "json_invalid":
            parts.append("the body is not valid JSON")
        else:
            parts.append(f"{where}: {e.get('msg', 'invalid')}")
    return "; ".join(parts) or "the request is invalid"


def _param(errors: Any) -> str | None:
    for e in errors:
        if e.get("type") == "json_invalid":
            return None
        loc = [str(x) for x in e.get("loc", ()) if x != "body"]
        if loc:
            return ".".join(loc)
    return None
