"""Who may call the server: bearer tokens, checked on every API request.

App tokens live hashed in the encrypted store (``edgealign token create``) and are looked up
per request, so ``token revoke`` takes effect at once, even while the server runs. The local
web page signs in with a one-time code printed by ``edgealign serve --open``: the code is
exchanged once for a session token that reaches every user and lives in this process's memory
only (it dies with the server).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import threading
from starlette.requests import Request

from ..store._tokens import TOKEN_PREFIX, AppTokens, TokenGrant
from .errors import FORBIDDEN, UNAUTHORIZED, APIError

__all__ = ["Auth", "PAGE_APP"]

#: The app name of web-page sessions in logs.
PAGE_APP = "web-page"


def _digest(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8")).digest()


class Auth:
    """Token checks against the store's app ``tokens`` plus the web page's in-memory sessions."""

    def __init__(self, tokens: AppTokens) -> None:
        self._tokens = tokens
        self._lock = threading.Lock()
        self._sessions: list[bytes] = []
        self._code: bytes | None = None

    # -- the web page's sign-in ------------------------------------------------------------
    def new_sign_in_code(self) -> str:
        """A fresh one-time code (any earlier unused one stops working)."""
        code = secrets.token_urlsafe(24)
        with self._lock:
            self._code = _digest(code)
        return code

    def redeem(self, code: str) -> str:
        """A session token for the one-time ``code``; 401 if it is wrong or used."""
        digest = _digest(code) if isinstance(code, str) else b""
        with self._lock:
            if self._code is None or not hmac.compare_digest(self._code, digest):
                raise APIError(401, "this sign-in link is used or wrong; restart `edgealign serve --open` "
                                    "for a new one, or paste an app token", "invalid_sign_in_code")
            self._code = None
            token = TOKEN_PREFIX + "page_" + secrets.token_urlsafe(32)
            self._sessions.append(_digest(token))
        return token

    # -- per request -------------------------------------------------------------------------
    def grant(self, request: Request) -> TokenGrant:
        """What the request's bearer token grants; 401 when it has none that is live."""
        header = request.headers.get("authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise APIError(*UNAUTHORIZED)
        digest = _digest(token)
        with self._lock:
            sessions = list(self._sessions)
        if any(hmac.compare_digest(s, digest) for s in sessions):
            grant = TokenGrant(PAGE_APP, True, frozenset())
        else:
            found = self._tokens.authenticate(token)
            if found is None:
                raise APIError(*UNAUTHORIZED)
            grant = found
        request.state.app_name = grant.app
        return grant

    def require_user(self, grant: TokenGrant, user: str) -> None:
        """403 unless ``grant`` reaches ``user``; the same 403 whether or not they exist."""
        if not self._tokens.reaches(grant, user):
            raise APIError(*FORBIDDEN, param="user")

    def visible(self, grant: TokenGrant, users: list[str]) -> list[str]:
        """The subset of ``users`` that ``grant`` reaches."""
        return users if grant.all_users else [u for u in users if self._tokens.reaches(grant, u)]
