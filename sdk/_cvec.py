"""Control-vector GGUF files (llama.cpp's layout), read in Python and set on a llama.cpp context.

A control-vector file holds float32 tensors ``direction.<layer>`` of n_embd values each;
llama.cpp adds direction.il to the residual stream at the output of decoder layer il (layers
are 0-based and layer 0 has none). The reader is our own (the ``gguf`` package is an export
extra) and checks every size against the file before a float is read, so a truncated or
altered file is an ArtifactError naming it, never a crash.
"""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArtifactError, ModelError

__all__ = ["read_directions", "set_control_vector"]

_MAGIC, _F32 = b"GGUF", 0
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_NAME = re.compile(r"direction\.(\d+)$")


class _Reader:
    def __init__(self, data: bytes, path: Path) -> None:
        self.data, self.path, self.pos = data, path, 0

    def take(self, fmt: str) -> Any:
        size = struct.calcsize("<" + fmt)
        if self.pos + size > len(self.data):
            raise ArtifactError(f"{self.path} is truncated (header ends early); re-export the steering basis")
        (value,) = struct.unpack_from("<" + fmt, self.data, self.pos)
        self.pos += size
        return value

    def string(self) -> str:
        n = self.take("Q")
        if self.pos + n > len(self.data):
            raise ArtifactError(f"{self.path} is truncated (a string runs past the end)")
        raw = self.data[self.pos:self.pos + n]
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.take(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            etype, count = self.take("I"), self.take("Q")
            if count > len(self.data):
                raise ArtifactError(f"{self.path}: an array claims {count} entries; the file is corrupt")
            return [self.value(etype) for _ in range(count)]
        raise ArtifactError(f"{self.path}: unknown metadata type {vtype}; the file is corrupt")


def read_directions(path: Path, n_embd: int) -> tuple[dict[str, Any], dict[int, np.ndarray]]:
    """(metadata, layer -> float32 direction of n_embd) from one control-vector file."""
    data = path.read_bytes()
    r = _Reader(data, path)
    if data[:4] != _MAGIC:
        raise ArtifactError(f"{path} is not a GGUF control-vector file")
    r.pos = 4
    if r.take("I") not in (2, 3):
        raise ArtifactError(f"{path}: unsupported GGUF version")
    n_tensors, n_kv = r.take("Q"), r.take("Q")
    meta = {r.string(): r.value(r.take("I")) for _ in range(n_kv)}
    infos = []
    for _ in range(n_tensors):
        name, n_dims = r.string(), r.take("I")
        if not 1 <= n_dims <= 4:
            raise ArtifactError(f"{path}: tensor {name!r} claims {n_dims} dimensions; the file is corrupt")
        dims = [r.take("Q") for _ in range(n_dims)]
        infos.append((name, dims, r.take("I"), r.take("Q")))
    align = meta.get("general.alignment", 32)
    start = -(-r.pos // align) * align if isinstance(align, int) and align > 0 else r.pos
    return meta, {_layer(path, name): _tensor(data, path, name, dims, ttype, start + off, n_embd)
                  for name, dims, ttype, off in infos}


def _layer(path: Path, name: str) -> int:
    m = _NAME.match(name)
    if not m or int(m.group(1)) < 1:
        raise ArtifactError(f"{path}: tensor {name!r} is not a control-vector direction (direction.<layer >= 1>)")
    return int(m.group(1))


def _tensor(data: bytes, path: Path, name: str, dims: list[int], ttype: int, at: int, n_embd: int) -> np.ndarray:
    if ttype != _F32 or dims != [n_embd]:
        raise ArtifactError(f"{path}: {name} is type {ttype} of shape {dims}; expected float32 [{n_embd}] "
                            "(a basis for another model?)")
    if at + 4 * n_embd > len(data):
        raise ArtifactError(f"{path}: {name} runs past the end of the file (truncated); re-export the basis")
    vec = np.frombuffer(data, dtype="<f4", count=n_embd, offset=at).astype(np.float32)
    if not np.all(np.isfinite(vec)):
        raise ArtifactError(f"{path}: {name} holds NaN or infinite values; re-export the steering basis")
    return vec


def set_control_vector(llama: Any, data: np.ndarray | None, n_embd: int, layers: tuple[int, int]) -> None:
    """Set (``data``: float32 of n_embd x (n_layer - 1), from layer 1) or clear (None) the
    control vector of a ``llama_cpp.Llama``'s context. Takes effect from the next decode."""
    import ctypes

    import llama_cpp

    fn = getattr(llama_cpp, "llama_set_adapter_cvec", None) or getattr(llama_cpp, "llama_apply_adapter_cvec")
    ctx = llama._ctx.ctx
    if data is None:
        rc = fn(ctx, None, 0, n_embd, -1, -1)
    else:
        buf = np.ascontiguousarray(data, dtype=np.float32)
        rc = fn(ctx, buf.ctypes.data_as(ctypes.POINTER(ctypes.c_float)), buf.size, n_embd, layers[0], layers[1])
    if rc != 0:
        raise ModelError(f"llama.cpp refused the control vector (code {rc}); the steering basis does not fit this model")
