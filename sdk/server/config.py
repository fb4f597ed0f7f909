"""The server's settings: one frozen dataclass, checked when it is made."""

from __future__ import annotations

import ipaddress
import math
from dataclasses import dataclass, field

from ..errors import ConfigError
from ..sampling import MAX_TOKENS

__all__ = ["ServerConfig", "is_loopback"]

#: The default request-body limit: 1 MiB (a chat request or a persona write is a few KiB).
MAX_BODY_BYTES = 1 << 20
#: The ranges ``edgealign serve`` checks its flags against while parsing, and this class again
#: for callers from Python: one place for each bound.
MIN_BODY, MAX_BODY = 1024, 1 << 30
MAX_QUEUE = 100_000
MAX_SHUTDOWN_S = 3600.0
#: The model's context in tokens (llama.cpp's n_ctx): prompt, history and reply together.
MIN_CTX, DEFAULT_CTX, MAX_CTX = 16, 2048, 131_072


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1 or ``localhost``)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass(frozen=True, kw_only=True)
class ServerConfig:
    """How ``edgealign serve`` listens and what it allows."""

    host: str = "127.0.0.1"
    """Address to bind. Anything but loopback needs ``allow_remote``."""
    port: int = 8088
    """TCP port; 0 picks a free one (the address is printed)."""
    allow_remote: bool = False
    """Allow a non-loopback ``host``: anyone who can reach it and holds a token reads and
    writes the users that token reaches, in plain HTTP."""
    cors_origins: tuple[str, ...] = ()
    """Browser origins allowed to call the API from their pages (none by default)."""
    max_body_bytes: int = MAX_BODY_BYTES
    """Request bodies over this answer 413."""
    queue_size: int = 32
    """Chat requests that may wait for the model; past this a request gets 429."""
    shutdown_s: float = 10.0
    """On SIGTERM, how long in-flight requests get to finish before they are cut."""
    model_id: str = "edgealign"
    """The model name ``/v1/models`` lists and requests must name."""
    sign_in: bool = False
    """Print a one-time sign-in URL for the local web page."""
    n_ctx: int = DEFAULT_CTX
    """The model's context in tokens (``--n-ctx``), named when a request does not fit it."""
    default_max_tokens: int = MAX_TOKENS
    """``max_tokens`` when a request gives none."""
    log_requests: bool = True
    """One log line per request: method, route template, status, app, milliseconds (no bodies, no names)."""
    extra: dict[str, str] = field(default_factory=dict)
    """Free-form facts shown on start (model file, bridge folder)."""

    def __post_init__(self) -> None:
        if not is_loopback(self.host) and not self.allow_remote:
            raise ConfigError(
                f"--host {self.host} would put the server on the network: anyone who can reach it and holds "
                "a token reads and changes the personal data that token reaches, over unencrypted HTTP. "
                "Keep the default 127.0.0.1, or pass --allow-remote if you mean it")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"--port must be 0..65535, got {self.port}")
        for name, value, low, high in (("max body bytes", self.max_body_bytes, MIN_BODY, MAX_BODY),
                                       ("queue size", self.queue_size, 1, MAX_QUEUE),
                                       ("context (n_ctx)", self.n_ctx, MIN_CTX, MAX_CTX),
                                       ("default max tokens", self.default_max_tokens, 1, self.n_ctx - 1)):
            if not low <= value <= high:
                raise ConfigError(f"the {name} must be from {low:,} to {high:,}, got {value}")
        if not (math.isfinite(self.shutdown_s) and 0 <= self.shutdown_s <= MAX_SHUTDOWN_S):
            raise ConfigError(f"the shutdown deadline must be from 0 to {MAX_SHUTDOWN_S:g} seconds, "
                              f"got {self.shutdown_s}")
        for origin in self.cors_origins:
            if origin == "*" or not origin.startswith(("http://", "https://")):
                raise ConfigError(f"--cors-origin takes one exact origin such as http://localhost:3000, got {origin!r}")
