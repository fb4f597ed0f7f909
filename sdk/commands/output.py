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


def exit_code(exc: BaseException) -> int:
    """The one mapping of errors to exit codes: 2 for bad input (a value, a file or a path the
    user gave: missing, the wrong kind, malformed), 1 for a runtime failure."""
    from ..errors import DataError, PreferenceError, PromptError, UnknownUserError

    bad_input = (ConfigError, DataError, PreferenceError, PromptError, UnknownUserError,
                 FileNotFoundError, NotADirectoryError, IsADirectoryError, FileExistsError)
    return 2 if isinstance(exc, bad_input) else 1


def say_error(exc: BaseException) -> None:
    """One line on stderr; an OSError says which path and what is wrong, not its errno."""
    text = str(exc)
    if isinstance(exc, OSError) and exc.strerror:
        where = f"{exc.filename}: " if exc.filename is not None else ""
        text = f"{where}{exc.strerror[:1].lower()}{exc.strerror[1:]}"
    print(f"edgealign: error: {text}", file=sys.stderr)


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
    check_folder(folder, path)
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")  # mode 0600
    except OSError as exc:  # the temporary file is ours: name the file the user chose
        raise ConfigError(f"cannot write {path} ({exc.strerror.lower() if exc.strerror else exc})") from None
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


def check_folder(folder: Path, path: Path | None = None) -> None:
    """ConfigError unless ``folder`` (where ``path`` goes, when given) is an existing folder:
    the message names what the user typed, never a file of ours inside it."""
    what = f"cannot write {path}: " if path is not None else ""
    if not folder.exists():
        raise ConfigError(f"{what}the folder {folder} does not exist; create it first or choose another")
    if not folder.is_dir():
        raise ConfigError(f"{what}{folder} is a file, not a folder")
