"""AlignX records: validation, streaming readers and a JSONL writer (docs/method.md §3).

Training records and benchmark records share one :class:`Record` type. Readers stream, so a
1.3M-record file never has to fit in memory, and every malformed field raises a
:class:`~edgealign.errors.RecordError` naming the record and the field. Unknown fields are
ignored, as the benchmark files carry extras.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from .errors import DataError, MissingDependencyError, PreferenceError, RecordError
from .persona import Choice, Comment, Description, Persona, PersonaItem, _json_kind, item_from_dict
from .preferences import SPACE

__all__ = ["Record", "read_records", "read_lines", "read_text", "opens_json_list", "write_records", "read_history", "history_format", "require_file", "UGC", "PAIR", "DEMO", "DIRECTION"]

UGC = "User-Generated Content"
PAIR = "Pair-wise Comparative Feedback"
DEMO = "Demographic Information"
#: edgealign's extension (AlignX has none): the direction a description expresses, known for
#: synthetic users; readers that do not know it ignore it.
DEMO_DIRECTION = "Demographic Direction"
DIRECTION = "Preference Direction"


@dataclass(frozen=True)
class Record:
    """One AlignX example: a task ``prompt``, the user's ``chosen`` and ``rejected`` replies,
    the user's persona, and (when known) their direction and verbalised ``profile``."""

    prompt: str
    chosen: str
    rejected: str
    persona: Persona = Persona()
    direction: tuple[float, ...] | None = None
    profile: str | None = None
    user_id: str | None = None

    @classmethod
    def from_dict(cls, data: Any, where: str = "record") -> "Record":
        """Validate an AlignX dict; errors name ``where`` and the field."""
        if not isinstance(data, dict):
            raise RecordError(where, "<record>", f"expected an object, got {_json_kind(data)}")
        texts = {k: _text(data, k, where) for k in ("prompt", "chosen", "rejected")}
        if not texts["prompt"].strip():
            raise RecordError(where, "prompt", "is empty")
        return cls(
            **texts,
            persona=Persona(
                comments=tuple(_items(data, UGC, where, Comment, ("prompt", "comment"))),
                choices=tuple(_items(data, PAIR, where, Choice, ("prompt", "chosen", "rejected"))),
                description=_description(data, where),
            ),
            direction=_direction(data.get(DIRECTION), where, DIRECTION),
            profile=_optional_text(data, "profile", where),
            user_id=_optional_text(data, "user_id", where),
        )

    def to_dict(self) -> dict[str, Any]:
        """The AlignX layout (persona directions included), ready for JSON."""
        out: dict[str, Any] = {"prompt": self.prompt, "chosen": self.chosen, "rejected": self.rejected}
        if self.direction is not None:
            out[DIRECTION] = list(self.direction)
        out[DEMO] = self.persona.description.text if self.persona.description else ""
        if self.persona.description and self.persona.description.direction is not None:
            out[DEMO_DIRECTION] = list(self.persona.description.direction)
        out[UGC] = [_alignx_item(c, ("prompt", "comment")) for c in self.persona.comments]
        out[PAIR] = [_alignx_item(c, ("prompt", "chosen", "rejected")) for c in self.persona.choices]
        if self.profile is not None:
            out["profile"] = self.profile
        if self.user_id is not None:
            out["user_id"] = self.user_id
        return out


def _alignx_item(item: Comment | Choice, names: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {n: getattr(item, n) for n in names}
    if item.direction is not None:
        out[DIRECTION] = list(item.direction)
    return out


def _text(data: dict, key: str, where: str) -> str:
    if key not in data:
        raise RecordError(where, key, "is missing")
    if not isinstance(data[key], str):
        raise RecordError(where, key, f"must be text, got {_json_kind(data[key])}")
    return data[key]


def _optional_text(data: dict, key: str, where: str) -> str | None:
    return None if data.get(key) is None else _text(data, key, where)


def _direction(value: Any, where: str, field: str) -> tuple[float, ...] | None:
    if value is None:
        return None
    if hasattr(value, "tolist"):  # parquet gives numpy arrays
        value = value.tolist()
    try:
        return tuple(float(v) for v in SPACE.check_direction(value, "direction"))
    except PreferenceError as exc:
        raise RecordError(where, field, str(exc).removeprefix("direction: ")) from None


def _description(data: dict, where: str) -> Description | None:
    text = _optional_text(data, DEMO, where)
    if not text or not text.strip():
        return None
    return Description(text, _direction(data.get(DEMO_DIRECTION), where, DEMO_DIRECTION))


def _items(data: dict, key: str, where: str, cls: type, names: tuple[str, ...]) -> Iterator[Any]:
    raw = data.get(key)
    if raw is None:
        return
    if hasattr(raw, "tolist"):
        raw = raw.tolist()
    if not isinstance(raw, list):
        raise RecordError(where, key, f"must be a list, got {_json_kind(raw)}")
    for i, item in enumerate(raw):
        field = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise RecordError(where, field, f"must be an object, got {_json_kind(item)}")
        texts = {n: _text(item, n, where) if n in item else _missing(where, f"{field}.{n}") for n in names}
        yield cls(**texts, direction=_direction(item.get(DIRECTION), where, f"{field}.{DIRECTION}"))


def _missing(where: str, field: str) -> str:
    raise RecordError(where, field, "is missing")


# -- readers ------------------------------------------------------------------------------

def read_records(path: str | os.PathLike[str]) -> Iterator[Record]:
    """Stream validated records from a .jsonl, .json (list or JSONL) or .parquet file.

    DataError, one line naming the file and the place (line, record or byte offset), for a
    file that is missing, not UTF-8, not JSON, not Parquet, or holds no records at all."""
    return (record for _, record in _located_records(path))


def _located_records(path: str | os.PathLike[str]) -> Iterator[tuple[str, Record]]:
    """(where, record) for each record of ``path``: where is "FILE:LINE", "FILE: record N"..."""
    path = require_file(path)
    if path.suffix == ".parquet":
        raws: Iterable[tuple[str, Any]] = _parquet_rows(path)
    else:
        raws = _json_rows(path)
    n = 0
    for where, raw in raws:
        yield where, Record.from_dict(raw, where)
        n += 1
    if not n:
        raise DataError(f"{path}: holds no records (the file is empty or only blank lines)")


def require_file(path: str | os.PathLike[str]) -> Path:
    """``path`` as a Path when it is a file; DataError saying what it is otherwise."""
    path = Path(path)
    if path.is_dir():
        raise DataError(f"{path}: is a folder, not a file; name a file in it")
    if not path.is_file():
        raise DataError(f"{path}: {'not a regular file' if path.exists() else 'no such file'}")
    return path


class _Utf8:
    """A UTF-8 file read as text, decoded strictly: ``utf-8-sig`` drops a leading BOM, and a
    DataError names the byte offset of the first byte that is not UTF-8. The one reader behind
    :func:`read_lines`, :func:`read_text` and the JSON-array reader."""

    def __init__(self, path: Path) -> None:
        import codecs

        self.path, self._fed = path, 0
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        try:
            self.file = open(path, "rb")
        except OSError as exc:
            raise DataError(f"{path}: cannot be read ({exc.strerror})") from None

    def __enter__(self) -> "_Utf8":
        return self

    def __exit__(self, *exc: object) -> None:
        self.file.close()

    def decode(self, raw: bytes, where: str = "", final: bool = False) -> str:
        """The text of the next ``raw`` bytes of the file (``final``: the last of them)."""
        self._fed += len(raw)
        try:
            return self._decoder.decode(raw, final)
        except UnicodeDecodeError as exc:  # exc.object is the tail of what was fed: find its start
            at, bad = self._fed - len(exc.object) + exc.start, exc.object[exc.start:exc.start + 4]
            raise DataError(f"{self.path}{where}: not UTF-8 text (byte offset {at}: {bad!r}); "
                            "save the file as UTF-8") from None

    def read(self, n: int) -> str:
        """Up to ``n`` bytes' text: at least one character unless at the end of the file."""
        while True:
            raw = self.file.read(n)
            text = self.decode(raw, final=not raw)
            if text or not raw:
                return text


def read_lines(path: str | os.PathLike[str]) -> Iterator[tuple[int, str]]:
    """(line number, text) for each line of a UTF-8 text file (a leading BOM is skipped);
    a DataError naming the line and byte offset at the first byte that is not UTF-8."""
    with _Utf8(Path(path)) as f:
        lineno = 0
        for lineno, raw in enumerate(f.file, 1):
            yield lineno, f.decode(raw, f":{lineno}")
        f.decode(b"", f":{lineno}", final=True)  # a character cut off by the end of the file


def read_text(path: str | os.PathLike[str], limit: int | None = None) -> str:
    """A whole UTF-8 text file (a leading BOM is skipped); DataError naming the byte offset
    of the first byte that is not UTF-8, or when it is longer than ``limit`` bytes."""
    with _Utf8(Path(path)) as f:
        raw = f.file.read() if limit is None else f.file.read(limit + 1)
        if limit is not None and len(raw) > limit:
            raise DataError(f"{path}: over {limit:,} bytes; is it the right file?")
        return f.decode(raw, final=True)


def opens_json_list(path: str | os.PathLike[str]) -> bool:
    """Whether the first non-blank text of a UTF-8 file (a leading BOM skipped) opens a JSON list."""
    with _Utf8(Path(path)) as f:
        head = f.read(1)
        while head.isspace():
            head = f.read(1)
    return head == "["


def _json_rows(path: Path) -> Iterator[tuple[str, Any]]:
    if opens_json_list(path):
        with _Utf8(path) as f:
            for i, obj in enumerate(_stream_json_list(f, path)):
                yield f"{path}: record {i}", obj
        return
    for lineno, line in read_lines(path):
        if line.strip():
            obj = _loads(line, f"{path}:{lineno}")
            if lineno == 1 and is_header(obj):
                continue  # a versioned data file's header (e.g. `edgealign synth --aligner-pairs`)
            yield f"{path}:{lineno}", obj


def is_header(obj: Any) -> bool:
    """Whether a JSONL file's first object is a data file's header: a ``format`` and no record fields."""
    return isinstance(obj, dict) and isinstance(obj.get("format"), str) and "prompt" not in obj


def _loads(text: str, where: str) -> Any:
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise DataError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
    except RecursionError:
        raise DataError(f"{where}: JSON nested too deeply") from None


def _stream_json_list(f: _Utf8, path: Path, chunk: int = 1 << 20) -> Iterator[Any]:
    """Decode a top-level JSON list one element at a time with the standard library's decoder,
    holding about one element (at least one chunk) in memory. An element cut off by the end of
    the buffer is decoded again once the buffer has doubled, so a large one costs linear time.
    (Not ijson: measured in docs/architecture.md, it made reading records 2.3x slower, and its
    element builder grows with the square of the nesting depth.)"""
    decoder = json.JSONDecoder()
    buf, pos, eof = f.read(chunk).lstrip()[1:], 0, False
    while True:
        while pos < len(buf) and (buf[pos].isspace() or buf[pos] == ","):
            pos += 1
        if pos < len(buf) and buf[pos] == "]":
            return
        try:
            obj, end = decoder.raw_decode(buf, pos)
        except json.JSONDecodeError as exc:
            if eof:
                raise DataError(f"{path}: not a valid JSON list ({exc.msg})") from None
            more = f.read(max(chunk, len(buf) - pos))
            buf, pos, eof = buf[pos:] + more, 0, not more
            continue
        except RecursionError:
            raise DataError(f"{path}: JSON nested too deeply") from None
        yield obj
        pos = end


def _parquet_rows(path: Path) -> Iterator[tuple[str, Any]]:
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("pyarrow", "train") from None
    n = 0
    try:
        batches = pq.ParquetFile(path).iter_batches(batch_size=1024)
        for batch in batches:
            rows = batch.to_pylist()
            for row in rows:
                yield f"{path}: row {n}", row
                n += 1
    except (pyarrow.ArrowException, OSError, ValueError, TypeError) as exc:
        problem = " ".join(str(exc).split())[:200]
        raise DataError(f"{path}: not a readable Parquet file{f' (at row {n})' if n else ''}: {problem}") from None


def write_records(records: Iterable[Record], path: str | os.PathLike[str]) -> int:
    """Write records as AlignX JSONL; returns how many were written."""
    n = 0
    with open(path, "w", encoding="utf-8") as f:
        for record in records:
            f.write(json.dumps(record.to_dict(), ensure_ascii=False) + "\n")
            n += 1
    return n


# -- history files --------------------------------------------------------------------------

def history_format(path: str | os.PathLike[str]) -> str:
    """"history" when the first non-blank line of ``path`` is a JSON object with a "type" (a
    history JSONL), else "alignx" (AlignX records: .jsonl, .json or .parquet)."""
    path = Path(path)
    if path.suffix == ".parquet":
        return "alignx"
    first = next((line for _, line in read_lines(path) if line.strip()), "")
    try:
        return "history" if isinstance(obj := json.loads(first), dict) and "type" in obj else "alignx"
    except (ValueError, RecursionError):
        return "alignx"


def read_history(path: str | os.PathLike[str], max_text_bytes: int | None = None) -> list[PersonaItem]:
    """Every persona item of a history file, all validated before the caller stores any: a
    history JSONL (one item a line: ``{"type": "comment", "prompt": ..., "comment": ...}``,
    ``{"type": "choice", "prompt": ..., "chosen": ..., "rejected": ...}``, ``{"type":
    "description", "text": ...}``) or AlignX records (their persona items, deduplicated, in
    order). Every text must be valid Unicode within ``max_text_bytes`` UTF-8 bytes (default:
    the store's bound). A DataError names the file and the line or record, and the field."""
    from .store._records import MAX_TEXT_BYTES

    path = require_file(path)
    if history_format(path) == "history":
        found = list(_history_lines(path))
    else:
        first: dict[PersonaItem, str] = {}  # each item once, where it first appears
        for where, record in _located_records(path):
            for item in record.persona.items():
                first.setdefault(item, where)
        found = [(where, item) for item, where in first.items()]
    if not found:
        raise DataError(f"{path}: holds no persona items (its records have no comments, choices or description)")
    for where, item in found:
        _check_texts(item, where, MAX_TEXT_BYTES if max_text_bytes is None else max_text_bytes)
    return [item for _, item in found]


def _check_texts(item: PersonaItem, where: str, limit: int) -> None:
    """What the store would refuse in ``item``, said where the file holds it."""
    from .store._records import check_text

    for field, value in item.to_dict().items():
        if field not in ("type", "direction"):
            name = "the description" if isinstance(item, Description) else f'the {item.kind}\'s "{field}"'
            check_text(value, f"{where}: {name}", limit)


def _history_lines(path: Path) -> Iterator[tuple[str, PersonaItem]]:
    for lineno, line in read_lines(path):
        if not line.strip():
            continue
        try:
            yield f"{path}:{lineno}", item_from_dict(json.loads(line))
        except ValueError as exc:  # JSONDecodeError and DataError are both ValueErrors
            problem = f"not valid JSON ({exc.msg})" if isinstance(exc, json.JSONDecodeError) else str(exc)
            raise DataError(f"{path}:{lineno}: {problem}") from None
        except RecursionError:
            raise DataError(f"{path}:{lineno}: JSON nested too deeply") from None
