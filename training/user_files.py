"""Versioned files of generated users: a header line (format, version, the command that wrote
the file, the generator's settings, the number of users), then AlignX records.

Record readers (:func:`edgealign.data.read_records`) skip the header, so ``train bridge`` and
``eval-bridge`` read such a file as it is; the header says how to write it again.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict
from pathlib import Path
from typing import Any, Iterable

from edgealign.data import Record

__all__ = ["FORMAT", "VERSION", "write_user_file", "read_header"]

FORMAT = "edgealign-users"
VERSION = 1


def write_user_file(records: Iterable[Record], out: str | os.PathLike[str], *, kind: str, command: str,
                    config: Any) -> dict[str, Any]:
    """Write ``records`` to ``out`` after a header naming ``kind`` (e.g. "topic-choices"), the
    ``command`` and ``config`` (a dataclass) that made them; returns the header."""
    rows = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    header = {"format": FORMAT, "version": VERSION, "kind": kind, "command": command, "config": asdict(config),
              "records": len(rows)}
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, sort_keys=True) + "\n")
        for row in rows:
            f.write(row + "\n")
    tmp.replace(path)
    return header


def read_header(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The header of a user file, or None when its first line is a record."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    try:
        obj = json.loads(first)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and obj.get("format") == FORMAT else None
