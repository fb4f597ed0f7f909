"""The contract between export/ and the device: an artifact folder and its manifest.

An artifact is a folder holding model files and ``manifest.json``. The manifest records the
format version, the kind of model, the preference-space version it was trained on, the
names of the graph's inputs and outputs, a SHA-256 per file, and the training metrics. The
SDK refuses an artifact whose format, space or hashes do not match, before any native
runtime sees a byte of it.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .errors import ArtifactError
from .preferences import SPACE

__all__ = ["FORMAT_VERSION", "MANIFEST", "Manifest", "BRIDGE_INPUTS", "BRIDGE_OUTPUTS", "sha256_file", "remembered_sha256", "how_to_build"]

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
#: What to run when a folder holds no manifest, per artifact kind.
_HOW_TO_BUILD = {
    "bridge": "or train your own with `edgealign train bridge` and `edgealign export bridge`",
    "llm": "export one with `edgealign export gguf`, or pass a .gguf file",
    "adapter": "export one with `edgealign export lora CHECKPOINT --out DIR`",
    "steering": "for another model, `edgealign train steering` (with --model FILE) and `edgealign export steering`",
}


def how_to_build(kind: str, folder: Path) -> str:
    """What to run when ``folder`` holds no ``kind`` artifact ("bridge", "llm", "steering");
    for a bridge or a steering basis, the home's build comes first."""
    from .home import build_hint

    rest = _HOW_TO_BUILD.get(kind, "")
    return f"{build_hint(folder)}; {rest}" if kind in ("bridge", "steering") else rest


#: The bridge graph, for one user: T distinct sentences of L tokens read as U units (see
#: edgealign.featurize). input_ids, attention_mask: int64 (T, L); combine: float32 (U, T),
#: one 1 per row selecting the unit's text; sign: float32 (U,), -1 for a rejected reply's
#: sentence; kind: int64 (U,), comment 0 / choice 1 / description 2.
BRIDGE_INPUTS = ("input_ids", "attention_mask", "combine", "sign", "kind")
#: unit_logits: float32 (U, 90, 3); user_logits: float32 (90, 3); evidence: float32 (U, 90),
#: signed, > 0 towards the positive pole.
BRIDGE_OUTPUTS = ("unit_logits", "user_logits", "evidence")


def sha256_file(path: str | os.PathLike[str]) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


_HASHES: dict[tuple[str, int, int], str] = {}


def remembered_sha256(path: Path) -> str:
    """:func:`sha256_file` of a model file, remembered per (path, size, mtime) for this
    process: checking a steering basis and an aligner against the same model reads it once."""
    st = path.stat()
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns)
    if key not in _HASHES:
        _HASHES[key] = sha256_file(path)
    return _HASHES[key]


@dataclass(frozen=True)
class Manifest:
    """What an artifact folder holds and what it was made from."""

    kind: str
    """"bridge" (ONNX preference bridge) or "llm" (GGUF causal LM)."""
    files: dict[str, str]
    """File name (relative to the folder) -> SHA-256."""
    format_version: int = FORMAT_VERSION
    space_version: str = SPACE.version
    n_dims: int = len(SPACE)
    details: dict[str, Any] = field(default_factory=dict)
    """Kind-specific facts: encoder, max_length, quantization, IO names, architecture..."""
    metrics: dict[str, Any] = field(default_factory=dict)
    """Training and parity figures, for people; the SDK does not read them."""

    def write(self, folder: str | os.PathLike[str]) -> Path:
        path = Path(folder) / MANIFEST
        path.write_text(json.dumps(asdict(self), indent=2, sort_keys=True) + "\n", encoding="utf-8")
        return path

    @classmethod
    def for_files(cls, folder: str | os.PathLike[str], kind: str, names: list[str], **kw: Any) -> "Manifest":
        """A manifest hashing ``names`` inside ``folder``."""
        return cls(kind=kind, files={n: sha256_file(Path(folder) / n) for n in names}, **kw)

    @classmethod
    def read(cls, folder: str | os.PathLike[str], kind: str, verify: bool = True) -> "Manifest":
        """Read and check a manifest: format, kind, preference space and (``verify``) hashes."""
        folder = Path(folder)
        path = folder / MANIFEST
        if not path.is_file():
            raise ArtifactError(f"{folder} is not an edgealign {kind} artifact (no {MANIFEST}); {how_to_build(kind, folder)}"
                                .rstrip("; "))
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            manifest = cls(**data)
            manifest._check_types()
        except (ValueError, TypeError, RecursionError) as exc:
            problem = " ".join(str(exc).split())[:200]
            raise ArtifactError(f"{path} is not a valid manifest ({problem}); re-export the artifact") from None
        manifest._check(folder, kind, verify)
        return manifest

    def _check_types(self) -> None:
        """TypeError naming the first field whose JSON type is wrong."""
        fields = {"kind": str, "files": dict, "format_version": int, "space_version": str, "n_dims": int,
                  "details": dict, "metrics": dict}
        for name, kind in fields.items():
            value = getattr(self, name)
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"{name} must be {kind.__name__}, got {type(value).__name__}")
        for name, digest in self.files.items():
            if not isinstance(digest, str) or not name or Path(name).is_absolute() or ".." in Path(name).parts:
                raise TypeError(f"files: {name!r} is not a file name inside the folder with a hash")

    def _check(self, folder: Path, kind: str, verify: bool) -> None:
        if self.format_version != FORMAT_VERSION:
            raise ArtifactError(
                f"{folder}: artifact format {self.format_version}, this SDK reads format {FORMAT_VERSION}; "
                "re-export it with this version of edgealign"
            )
        if self.kind != kind:
            raise ArtifactError(f"{folder}: holds a {self.kind!r} artifact, expected {kind!r}")
        if self.space_version != SPACE.version or self.n_dims != len(SPACE):
            raise ArtifactError(
                f"{folder}: made for preference space {self.space_version} ({self.n_dims} dimensions), "
                f"this SDK uses {SPACE.version} ({len(SPACE)}); retrain or re-export for this space"
            )
        for name, digest in self.files.items():
            path = folder / name
            if not path.is_file():
                raise ArtifactError(f"{folder}: {name} is missing; copy the whole artifact folder")
            if verify and sha256_file(path) != digest:
                raise ArtifactError(f"{folder}: {name} does not match its manifest hash (corrupt or altered)")
