"""Control-vector GGUF files (llama.cpp's layout), read in Python and set on a llama.cpp context.

A control-vector file holds float32 tensors ``direction.<layer>`` of n_embd values each;
llama.cpp adds direction.il to the residual stream at the output of decoder layer il (layers
are 0-based and layer 0 has none). The header is read with the SDK's own GGUF reader
(:mod:`edgealign._gguf_check`; the ``gguf`` package is an export extra), and every size is
checked against the file before a float is read, so a truncated or altered file is an
ArtifactError naming it, never a crash.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import numpy as np

from .errors import ArtifactError, ModelError

__all__ = ["read_directions", "set_control_vector"]

_MAGIC, _F32 = b"GGUF", 0
_NAME = re.compile(r"direction\.(\d+)$")


def read_directions(path: Path, n_embd: int) -> tuple[dict[str, Any], dict[int, np.ndarray]]:
    """(metadata, layer -> float32 direction of n_embd) from one control-vector file."""
    from ._gguf_check import _Cursor, _tensor_info, _Truncated  # the same header reader as models

    data = path.read_bytes()
    if data[:4] != _MAGIC:
        raise ArtifactError(f"{path} is not a GGUF control-vector file")
    cur = _Cursor(data, len(data))
    cur.pos = 4
    try:
        if cur.take("I") not in (2, 3):
            raise ArtifactError(f"{path}: unsupported GGUF version")
        n_tensors, n_kv = cur.take("Q"), cur.take("Q")
        meta = {}
        for _ in range(n_kv):
            key = cur.string()
            meta[key] = cur.value(cur.take("I"))
        infos = [_tensor_info(cur, path) for _ in range(n_tensors)]
    except _Truncated:
        raise ArtifactError(f"{path} is truncated (header ends early); re-export the steering basis") from None
    except ValueError as exc:
        raise ArtifactError(f"{path}: {exc}; the file is corrupt") from None
    align = meta.get("general.alignment", 32)
    start = -(-cur.pos // align) * align if isinstance(align, int) and align > 0 else cur.pos
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
