"""How commands print: one JSON object for scripts (``--json``), plain text for people."""

from __future__ import annotations

import json
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ConfigError


def emit_json(obj: Any) -> None:
    """Print ``obj`` as one JSON document on stdout."""
    json.dump(obj, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def step(message: str) -> None:
    """Say what is happening now (to stderr, so stdout stays clean for data)."""
    print(f"==> {message}", file=sys.stderr, flush=True)


def write_private(path: str | os.PathLike[str], data: str | bytes) -> Path:
    """Write plaintext the user must keep safe: created mode 0600 beside ``path`` and renamed
    over it, so an existing file (whatever its mode) is replaced whole, never rewritten in
    place, and a reader never sees half a file."""
    path = Path(path)
    if path.is_dir():
        raise ConfigError(f"{path} is a folder; give a file name")
    folder = path.parent if str(path.parent) else Path(".")
    fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data.encode("utf-8") if isinstance(data, str) else data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
