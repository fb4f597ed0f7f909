"""What the store keeps, checked on the way in and (de)serialised to the plaintext it encrypts.

Every check runs before the first write, so bad input raises a DataError (or a
PreferenceError for a dimension or value outside the preference space) and writes nothing.
"""

from __future__ import annotations

import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass
from typing import Any, Iterable, Mapping

from ..errors import DataError, PreferenceError, StoreError
from ..persona import Choice, Comment, Description, PersonaItem, item_from_dict
from ..preferences import N_DIMS, PreferenceProfile

EXPORT_FORMAT = "edgealign.persona/1"
_JSON = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))  # reused: no per-call setup
#: The store's default bound on each text of a persona item, in UTF-8 bytes.
MAX_TEXT_BYTES = 65536
MAX_NAME_BYTES = 1024
#: The longest user name, in characters after normalisation.
MAX_NAME_CHARS = 64
#: Unicode categories refused in a user name: controls, line and paragraph separators, and
#: format characters that reorder or hide text (bidi overrides, zero-width spaces).
_CONTROL = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})
_JOINERS = "\u200c\u200d"  # zero-width (non-)joiners are part of emoji and of Persian and Indic names


@dataclass(frozen=True)
class StoredItem:
    """A persona item as stored: its id, owner, time of writing (Unix seconds) and the item."""

    id: int
    user: str
    created_at: float
    item: PersonaItem


@dataclass(frozen=True)
class Override:
    """A user's explicit setting of one dimension: 0, 0.5 or 1; ``locked`` means inference
    must never change it."""

    value: float
    locked: bool = False


def check_text(value: Any, where: str, limit: int) -> str:
    """``value`` if it is text that encodes as UTF-8 within ``limit`` bytes."""
    if not isinstance(value, str):
        raise DataError(f"{where} must be text, got {type(value).__name__}")
    try:
        size = len(value.encode("utf-8"))
    except UnicodeEncodeError as exc:
        raise DataError(f"{where} is not valid Unicode text (lone surrogate at character {exc.start})") from None
    if size > limit:
        raise DataError(f"{where} is {size:,} bytes, over the store's limit of {limit:,} bytes per text; "
                        "shorten it")
    return value


def check_user(name: Any) -> str:
    """A user name, normalised: Unicode NFC, no leading or trailing whitespace; DataError when
    it is then empty, longer than MAX_NAME_CHARS characters, or holds a control character
    (a newline, a tab, an escape...). The normalised name is the one stored and looked up, so
    ``"ivy "`` and ``"ivy"`` are one user."""
    if not isinstance(name, str):
        raise DataError(f"a user name must be text, got {type(name).__name__}")
    check_text(name, "a user name", MAX_NAME_BYTES)
    clean = unicodedata.normalize("NFC", name).strip()
    if not clean:
        raise DataError("a user name must not be empty or only whitespace")
    if len(clean) > MAX_NAME_CHARS:
        raise DataError(f"a user name may be at most {MAX_NAME_CHARS} characters, got {len(clean)}")
    bad = next((c for c in clean if unicodedata.category(c) in _CONTROL and c not in _JOINERS), None)
    if bad is not None:
        raise DataError(f"a user name must not hold control characters, got {clean!r} "
                        f"(U+{ord(bad):04X} at {clean.index(bad)})")
    return clean


#: What a *new* user name may not be. The server names a user in its URLs
#: (``/v1/users/NAME/profile``), and there a "/" (even sent as %2F: the path is decoded before
#: it is routed) splits the name, and "." or ".." (even as %2E) is a path step a browser removes.
#: Refusing these three is cleaner than routing them: a catch-all ``{name:path}`` route makes
#: ``DELETE /v1/users/ada/dimensions/5`` ambiguous with forgetting a user named
#: "ada/dimensions/5", and no encoding survives the browser. Names already stored keep working
#: everywhere but in those URLs (lookups use :func:`check_user`, so they can still be exported,
#: imported under a new name, or forgotten).
_URL_STEPS = frozenset({".", ".."})


def check_new_user(name: Any) -> str:
    """:func:`check_user` for a name about to be created: also refused when it holds "/" or is
    "." or "..", which cannot be named in the server's URLs."""
    clean = check_user(name)
    if "/" in clean or clean in _URL_STEPS:
        raise DataError(f"a user name may not hold '/' or be '.' or '..', got {clean!r}: the server puts names "
                        "in its URLs (/v1/users/NAME/...); any other printable characters are fine, up to "
                        f"{MAX_NAME_CHARS}; choose another name")
    return clean


def check_item(item: Any, where: str, limit: int) -> PersonaItem:
    """A persona item (or its dict form) whose every text fits ``limit`` bytes."""
    if isinstance(item, Mapping):
        item = item_from_dict(dict(item))
    if not isinstance(item, (Comment, Choice, Description)):
        raise DataError(f"{where} must be a Comment, Choice, Description or dict, got {type(item).__name__}")
    for field, value in item.to_dict().items():
        if field not in ("type", "direction"):
            check_text(value, f"{where}: {item.kind}.{field}", limit)
    return item


def encode_items(items: Iterable[Any], limit: int) -> list[bytes]:
    """Check every item, then return each as the UTF-8 JSON of its dict form."""
    if isinstance(items, (str, bytes, Mapping)) or not isinstance(items, Iterable):
        raise DataError(f"items must be a list of persona items, got {type(items).__name__}")
    return [encode_item(item, f"item {i}", limit) for i, item in enumerate(items)]


def encode_item(item: Any, where: str, limit: int) -> bytes:
    """``item`` checked (see :func:`check_item`) and serialised; the fast path skips the
    per-field UTF-8 sizing when no field can reach ``limit`` (4 bytes per character at most)."""
    if isinstance(item, (Comment, Choice, Description)):
        data, short = item.to_dict(), limit // 4
        for key, value in data.items():
            if key != "direction" and len(value) > short:
                break
        else:
            try:
                return _JSON.encode(data).encode("utf-8")
            except UnicodeEncodeError:
                pass  # a lone surrogate: let check_item name the field
    return item_payload(check_item(item, where, limit))


def item_payload(item: PersonaItem) -> bytes:
    """The plaintext the store encrypts for a (checked) item: its dict form as UTF-8 JSON."""
    return _JSON.encode(item.to_dict()).encode("utf-8")


def new_items(stored: Iterable[PersonaItem], items: Iterable[PersonaItem]) -> tuple[list[PersonaItem], int]:
    """(the ``items`` whose content is not among ``stored`` nor earlier in ``items``, how many
    were left out). Content is the stored plaintext (:func:`item_payload`); its digests live
    in memory for this call only, never on disk."""
    seen = {_digest(item) for item in stored}
    fresh, repeats = [], 0
    for item in items:
        digest = _digest(item)
        if digest in seen:
            repeats += 1
        else:
            seen.add(digest)
            fresh.append(item)
    return fresh, repeats


def _digest(item: PersonaItem) -> bytes:
    return hashlib.blake2b(item_payload(item), digest_size=16).digest()


def check_override(dim: Any, value: Any, locked: Any) -> tuple[int, Override]:
    if isinstance(dim, bool) or not isinstance(dim, int):
        raise DataError(f"dim must be an integer, got {type(dim).__name__}")
    if not 0 <= dim < N_DIMS:
        raise PreferenceError(f"dim {dim} is outside the preference space (0 to {N_DIMS - 1})")
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DataError(f"an override value must be a number, got {type(value).__name__}")
    if value not in (0, 0.5, 1):
        raise PreferenceError(f"override value {value!r} for dim {dim} is not one of 0, 0.5, 1")
    if not isinstance(locked, bool):
        raise DataError(f"locked must be True or False, got {type(locked).__name__}")
    return dim, Override(float(value), locked)


def check_time(value: Any, where: str) -> float:
    try:
        ok = not isinstance(value, bool) and isinstance(value, (int, float)) and math.isfinite(value)
    except OverflowError:  # an integer past any float
        ok = False
    if not ok:
        shown = repr(value) if not isinstance(value, int) or abs(value) < 10 ** 30 else "a huge integer"
        raise DataError(f"{where} must be a finite number of seconds, got {shown}")
    return float(value)


def to_json(value: Any, where: str, limit: int | None = None) -> bytes:
    """Strict JSON (no NaN, valid UTF-8) as bytes, within ``limit`` when given."""
    try:
        data = json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    except (TypeError, ValueError) as exc:
        raise DataError(f"{where} is not JSON-able: {exc}") from None
    except UnicodeEncodeError as exc:
        raise DataError(f"{where} holds text that is not valid Unicode (lone surrogate)") from exc
    if limit is not None and len(data) > limit:
        raise DataError(f"{where} is {len(data):,} bytes as JSON, over the store's limit of {limit:,}")
    return data


def from_json(raw: bytes, record: str) -> Any:
    try:
        return json.loads(raw)
    except ValueError as exc:  # authenticated, so written by a faulty program: not an attack
        raise StoreError(f"{record} holds malformed JSON") from exc


def encode_overrides(overrides: Mapping[int, Override]) -> bytes:
    return to_json({str(d): [o.value, o.locked] for d, o in sorted(overrides.items())}, "overrides")


def decode_overrides(raw: bytes, record: str) -> dict[int, Override]:
    return {int(d): Override(float(v), bool(lk)) for d, (v, lk) in from_json(raw, record).items()}


def encode_profile(profile: Any, evidence: Any, limit: int) -> bytes:
    if not isinstance(profile, PreferenceProfile):
        raise DataError(f"profile must be a PreferenceProfile, got {type(profile).__name__}")
    return to_json({"profile": profile.to_dict(), "evidence": to_json_value(evidence, limit)}, "profile")


def to_json_value(evidence: Any, limit: int) -> Any:
    """``evidence`` after a strict JSON round trip (so what is stored is what is returned)."""
    return json.loads(to_json(evidence, "evidence", limit))


def decode_profile(raw: bytes, record: str) -> tuple[PreferenceProfile, Any]:
    data = from_json(raw, record)
    return PreferenceProfile.from_dict(data["profile"]), data["evidence"]


# -- portability ---------------------------------------------------------------------------
def export_document(name: str, items: list[StoredItem], overrides: Mapping[int, Override],
                    profile: tuple[PreferenceProfile, Any] | None) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "user": name,
        "items": [{"created_at": s.created_at, "item": s.item.to_dict()} for s in reversed(items)],
        "overrides": {str(d): {"value": o.value, "locked": o.locked} for d, o in sorted(overrides.items())},
        "profile": None if profile is None else {"profile": profile[0].to_dict(), "evidence": profile[1]},
    }


@dataclass(frozen=True)
class Imported:
    """A checked export document, ready to write."""

    name: str
    items: list[tuple[float, PersonaItem]]
    overrides: dict[int, Override]
    profile: bytes | None


def parse_export(data: Any, name: str | None, limit: int) -> Imported:
    """Check a document written by ``export_user`` completely, before anything is written."""
    if not isinstance(data, Mapping) or data.get("format") != EXPORT_FORMAT:
        raise DataError(f"not an edgealign persona export (expected an object with format {EXPORT_FORMAT!r})")
    name = check_new_user(data.get("user") if name is None else name)
    rows = data.get("items", [])
    if not isinstance(rows, list):
        raise DataError("export: items must be a list")
    items = []
    for i, row in enumerate(rows):
        if not isinstance(row, Mapping):
            raise DataError(f"export: item {i} must be an object with created_at and item")
        items.append((check_time(row.get("created_at"), f"export: item {i} created_at"),
                      check_item(row.get("item"), f"export: item {i}", limit)))
    overrides = dict(_parse_override(d, o) for d, o in _mapping(data.get("overrides"), "overrides").items())
    profile = data.get("profile")
    if profile is not None:
        profile = _mapping(profile, "profile")
        try:
            parsed = PreferenceProfile.from_dict(dict(_mapping(profile.get("profile"), "profile.profile")))
        except PreferenceError as exc:
            raise DataError(f"export: profile: {exc}") from exc
        profile = encode_profile(parsed, profile.get("evidence"), limit)
    return Imported(name, items, overrides, profile)


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise DataError(f"export: {where} must be an object, got {type(value).__name__}")
    return value


def _parse_override(dim: Any, value: Any) -> tuple[int, Override]:
    try:
        index = int(dim)
    except (TypeError, ValueError):
        raise DataError(f"export: override key {dim!r} is not a dimension index") from None
    value = _mapping(value, f"overrides[{dim}]")
    return check_override(index, value.get("value"), value.get("locked", False))
