"""Versioned files of generated users: a header line (format, version, the command that wrote
the file, the generator's settings, the number of users), then AlignX records.

Record readers (:func:`edgealign.data.read_records`) skip the header, so ``train bridge`` and
``eval-bridge`` read such a file as it is; the header says how to write it again.
"""

from __future__ import annotations

import json
import os
import shlex
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, Iterable

from edgealign.data import Record

__all__ = ["FORMAT", "VERSION", "write_user_file", "write_with_header", "read_header", "synth_command"]

FORMAT = "edgealign-users"
VERSION = 1


def write_user_file(records: Iterable[Record], out: str | os.PathLike[str], *, kind: str, command: str,
                    config: Any) -> dict[str, Any]:
    """Write ``records`` to ``out`` after a header naming ``kind`` (e.g. "topic-choices"), the
    ``command`` and ``config`` (a dataclass) that made them; returns the header."""
    rows = [json.dumps(r.to_dict(), ensure_ascii=False) for r in records]
    header = {"format": FORMAT, "version": VERSION, "kind": kind, "command": command, "config": asdict(config),
              "records": len(rows)}
    return write_with_header(out, header, rows)


def write_with_header(out: str | os.PathLike[str], header: dict[str, Any], rows: Iterable[str]) -> dict[str, Any]:
    """Write ``header`` as the first line, then ``rows`` (JSON lines), through a temporary file
    renamed into place, so a reader never sees half a file; returns the header."""
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, sort_keys=True) + "\n")
        for row in rows:
            f.write(row + "\n")
    tmp.replace(path)
    return header


def synth_command(flag: str, config: Any, out: str | os.PathLike[str]) -> str:
    """The ``edgealign synth`` command that writes ``config``'s users again: ``flag`` (e.g.
    "--topic-users") with the config's split, then every other field as its option."""
    words = ["edgealign", "synth", flag, config.split]
    for f in fields(config):
        if f.name == "split":
            continue
        value, option = getattr(config, f.name), "--" + f.name.replace("_", "-")
        if isinstance(value, bool):
            words.append(option if value else "--no-" + option[2:])
        elif isinstance(value, (tuple, list)):
            if value:
                words += [option, ",".join(map(str, value))]
        else:
            words += [option, "none" if value is None else str(value)]
    return shlex.join([*words, "--out", str(out)])


def read_header(path: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The header of a user file, or None when its first line is a record."""
    with open(path, encoding="utf-8") as f:
        first = f.readline()
    try:
        obj = json.loads(first)
    except ValueError:
        return None
    return obj if isinstance(obj, dict) and obj.get("format") == FORMAT else None
