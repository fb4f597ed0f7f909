"""How commands print: one JSON object for scripts (``--json``), plain text for people."""

from __future__ import annotations

import json
import sys
from typing import Any


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one JSON document on stdout."""
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def step(message: str) -> None:
    """Say what is happening now (to stderr, so stdout stays clean for data)."""
    print(f"==> {message}", file=sys.stderr, flush=True)
