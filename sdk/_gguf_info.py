"""What the header of a GGUF file says (:class:`GGUFInfo`): read by :mod:`edgealign._gguf_check`,
whose hyper-parameter checks (:mod:`edgealign._gguf_hparams`) and callers take it. A module of
its own so that the reader and the checks it calls import it without importing each other."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

__all__ = ["GGUFInfo"]


@dataclass(frozen=True)
class GGUFInfo:
    """What the header of a GGUF file says."""

    path: Path
    version: int
    architecture: str
    n_tensors: int
    data_end: int
    """Byte offset just past the last tensor's data: the least size of a whole file."""
    metadata: dict[str, Any] = field(default_factory=dict)
    """Scalar and string values; arrays are summarised by their length."""
    arrays: dict[str, tuple[int, int]] = field(default_factory=dict)
    """Array-valued keys: key -> (element type id, length)."""
    tensors: dict[str, tuple[tuple[int, ...], int]] = field(default_factory=dict)
    """Tensor name -> (shape as GGUF stores it, innermost first; ggml type id)."""
    vocabulary: frozenset[bytes] = field(default_factory=frozenset, repr=False, compare=False)
    """The distinct token texts, as llama.cpp reads them (up to a NUL byte)."""
    types: dict[str, int] = field(default_factory=dict, repr=False, compare=False)
    """Metadata key -> GGUF value type id (llama.cpp asserts a key's type where it reads one)."""
