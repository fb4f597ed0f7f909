"""A GGUF file checked in Python before llama.cpp sees a byte of it.

llama.cpp trusts its input: a truncated file, a vocab-only file or an architecture it was
not built for can crash the process instead of raising. So the header is read here first:
magic, version, every metadata key, every tensor's type, shape and offset, and the file must
be long enough to hold the last tensor's data. The reader is our own (a few dozen lines)
because the ``gguf`` package is an export extra, not a device dependency, and its reader
builds an array per vocabulary entry (seconds for a 49k-token vocabulary).
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path
from typing import Any

from ._gguf_hparams import check_hparams
from ._gguf_info import GGUFInfo
from .errors import ArtifactError

__all__ = ["GGUFInfo", "SUPPORTED_ARCHITECTURES", "check_gguf", "read_gguf", "check_adapter"]

MAGIC = b"GGUF"
VERSIONS = (2, 3)  # version 1 (32-bit lengths) is refused by llama.cpp itself
#: Architectures this SDK hands to llama.cpp. llama (Llama 2/3.x, SmolLM2, Mistral) is tested;
#: the others are llama.cpp architectures with the same chat and scoring path.
SUPPORTED_ARCHITECTURES = frozenset({"llama", "qwen2", "qwen3", "gemma2", "gemma3", "phi3", "granite"})
_DEFAULT_ALIGNMENT = 32

# Metadata value types (GGUF spec): type id -> struct format of a scalar.
_SCALARS = {0: "B", 1: "b", 2: "H", 3: "h", 4: "I", 5: "i", 6: "f", 7: "?", 10: "Q", 11: "q", 12: "d"}
_STRING, _ARRAY = 8, 9
_U64 = struct.Struct("<Q")

# ggml tensor type id -> (elements per block, bytes per block). Used when the gguf package
# is absent; with it, its complete table is used instead.
_FALLBACK_SIZES = {
    0: (1, 4), 1: (1, 2), 2: (32, 18), 3: (32, 20), 6: (32, 22), 7: (32, 24), 8: (32, 34),
    9: (32, 40), 10: (256, 84), 11: (256, 110), 12: (256, 144), 13: (256, 176), 14: (256, 210),
    15: (256, 292), 20: (32, 18), 23: (256, 136), 24: (1, 1), 25: (1, 2), 26: (1, 4),
    27: (1, 8), 28: (1, 8), 30: (1, 2),
}


class _Truncated(Exception):
    pass


class _Cursor:
    """Reads little-endian GGUF values from a buffer, raising _Truncated past its end."""

    def __init__(self, buf: Any, size: int) -> None:
        self.buf, self.size, self.pos = buf, size, 0
        self.vocabulary: frozenset[bytes] = frozenset()

    def take(self, fmt: str) -> Any:
        n = struct.calcsize(fmt)
        if self.pos + n > self.size:
            raise _Truncated
        (value,) = struct.unpack_from("<" + fmt, self.buf, self.pos)
        self.pos += n
        return value

    def string(self) -> str:
        n = self.take("Q")
        if self.pos + n > self.size:
            raise _Truncated
        raw = bytes(self.buf[self.pos:self.pos + n])
        self.pos += n
        return raw.decode("utf-8", errors="replace")

    def skip(self, n: int) -> None:
        if self.pos + n > self.size:
            raise _Truncated
        self.pos += n

    def value(self, vtype: int) -> Any:
        if vtype in _SCALARS:
            return self.take(_SCALARS[vtype])
        if vtype == _STRING:
            return self.string()
        if vtype == _ARRAY:
            return self.array()[1]
        raise ValueError(f"unknown metadata value type {vtype}")

    def array(self, unique: bool = False) -> tuple[int, int]:
        """Skips an array, returning its element type and length (arrays are vocabularies:
        their values are not needed here). ``unique``: ValueError when two strings repeat
        (llama.cpp asserts that a vocabulary's tokens are distinct)."""
        etype, count = self.take("I"), self.take("Q")
        if etype in _SCALARS:
            self.skip(count * struct.calcsize(_SCALARS[etype]))
        elif etype == _STRING:
            start = self.pos
            self._skip_strings(count)
            if unique:
                self.vocabulary = self._check_unique(start, count)
        elif etype == _ARRAY:
            raise ValueError("an array of arrays")  # llama.cpp refuses nested arrays too
        else:
            raise ValueError(f"unknown array element type {etype}")
        return etype, count


    def _check_unique(self, start: int, count: int) -> frozenset[bytes]:
        # One copy of the region, then bytes slices into a set: ~3 us a token on one core.
        data, unpack, pos = bytes(self.buf[start:self.pos]), _U64.unpack_from, 0
        seen: set[bytes] = set()
        add = seen.add
        for _ in range(count):
            n = unpack(data, pos)[0]
            pos += 8
            token = data[pos:pos + n]
            add(token.partition(b"\0")[0] if b"\0" in token else token)  # llama.cpp reads C strings
            pos += n
        if len(seen) != count:
            raise ValueError(f"{count - len(seen)} repeated strings in the vocabulary (as C strings: "
                             "a token with a NUL byte ends there)")
        return frozenset(seen)

    def _skip_strings(self, count: int) -> None:
        # A tight loop: a vocabulary holds ~100k strings and this runs on every load.
        unpack, buf, pos = _U64.unpack_from, self.buf, self.pos
        try:
            for _ in range(count):
                pos += 8 + unpack(buf, pos)[0]
        except struct.error:
            raise _Truncated from None
        if pos > self.size:
            raise _Truncated
        self.pos = pos


def _type_sizes() -> dict[int, tuple[int, int]]:
    try:
        from gguf.constants import GGML_QUANT_SIZES
    except ImportError:
        return _FALLBACK_SIZES
    return {int(t): (int(b), int(s)) for t, (b, s) in GGML_QUANT_SIZES.items()}


def _parse(cur: _Cursor, path: Path, vocabulary: bool = True) -> GGUFInfo:
    if bytes(cur.buf[:4]) != MAGIC:
        raise ArtifactError(f"{path} is not a GGUF file (it does not start with the bytes 'GGUF')")
    cur.pos = 4
    version = cur.take("I")
    if version not in VERSIONS:
        raise ArtifactError(f"{path}: GGUF version {version} is not supported (this SDK reads {VERSIONS})")
    n_tensors, n_kv = cur.take("Q"), cur.take("Q")
    metadata: dict[str, Any] = {}
    arrays: dict[str, tuple[int, int]] = {}
    types: dict[str, int] = {}
    for _ in range(n_kv):
        key = cur.string()
        if key in metadata:
            raise ArtifactError(f"{path}: metadata key {key!r} appears twice; the file is corrupt")
        vtype = types[key] = cur.take("I")
        if vtype == _ARRAY:
            arrays[key] = cur.array(unique=vocabulary and key == "tokenizer.ggml.tokens")
            metadata[key] = arrays[key][1]
        else:
            metadata[key] = cur.value(vtype)
    sizes, end = _type_sizes(), 0
    tensors = [_tensor_info(cur, path) for _ in range(n_tensors)]
    alignment = metadata.get("general.alignment", _DEFAULT_ALIGNMENT)
    if not isinstance(alignment, int) or isinstance(alignment, bool) or alignment <= 0 or alignment & (alignment - 1):
        raise ArtifactError(f"{path}: general.alignment is {alignment!r}, not a power of two; the file is corrupt")
    data_start = -(-cur.pos // alignment) * alignment
    for name, dims, ttype, offset in tensors:
        if ttype not in sizes:
            raise ArtifactError(f"{path}: tensor {name!r} has unknown type {ttype}; the file is corrupt or too new")
        block, nbytes = sizes[ttype]
        elements = 1
        for d in dims:
            elements *= d
        end = max(end, data_start + offset + elements // block * nbytes)
    arch = metadata.get("general.architecture")
    shapes = {name: (tuple(dims), ttype) for name, dims, ttype, _ in tensors}
    if len(shapes) != len(tensors):
        raise ArtifactError(f"{path}: two tensors share a name; the file is corrupt")
    return GGUFInfo(path, version, arch if isinstance(arch, str) else "", n_tensors, max(end, data_start),
                    metadata, arrays, shapes, cur.vocabulary, types)


_MAX_ELEMENTS = 1 << 40  # no tensor a device can hold comes near this


def _tensor_info(cur: _Cursor, path: Path) -> tuple[str, list[int], int, int]:
    name = cur.string()
    n_dims = cur.take("I")
    if not 1 <= n_dims <= 4:
        raise ArtifactError(f"{path}: tensor {name!r} claims {n_dims} dimensions (1 to 4); the file is corrupt")
    dims = [cur.take("Q") for _ in range(n_dims)]
    elements = 1
    for d in dims:
        if d == 0:
            raise ArtifactError(f"{path}: tensor {name!r} has an empty dimension {dims}; the file is corrupt")
        elements *= d
        if elements > _MAX_ELEMENTS:
            raise ArtifactError(f"{path}: tensor {name!r} claims {dims} elements; the file is corrupt")
    return name, dims, cur.take("I"), cur.take("Q")


def read_gguf(path: str | os.PathLike[str], *, vocabulary: bool = True) -> GGUFInfo:
    """Parse the header of a GGUF file; ArtifactError if it is missing, truncated or corrupt."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: no such model file")
    size = path.stat().st_size
    if size < 24:
        raise ArtifactError(f"{path} is truncated ({size} bytes): not even a GGUF header fits")
    with open(path, "rb") as f, mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as buf:
        cur = _Cursor(buf, size)
        try:
            info = _parse(cur, path, vocabulary)
        except _Truncated:
            raise ArtifactError(
                f"{path} is truncated: its header runs past the end of the file ({size} bytes); "
                "download or export it again"
            ) from None
        except (ValueError, OverflowError, MemoryError) as exc:
            raise ArtifactError(f"{path}: corrupt GGUF header ({exc})") from None
    return info


def check_gguf(path: str | os.PathLike[str], *, vocabulary: bool = True) -> GGUFInfo:
    """Read a GGUF header and refuse what llama.cpp could crash on or this SDK cannot run:
    a truncated file, a file without tensors (vocab-only), an unsupported architecture, and
    any hyper-parameter llama.cpp would trust (see :mod:`edgealign._gguf_hparams`).

    ``vocabulary`` False skips reading every token (distinct tokens, SentencePiece byte
    tokens: about 0.2 s for a 49k vocabulary here), for a file whose child-process probe
    already passed with the full check."""
    info = read_gguf(path, vocabulary=vocabulary)
    if info.n_tensors == 0:
        raise ArtifactError(
            f"{info.path} holds no tensors (a vocab-only GGUF?): it has a tokenizer but no weights to run"
        )
    if not info.architecture:
        raise ArtifactError(f"{info.path} does not say its architecture (general.architecture is missing)")
    if info.architecture not in SUPPORTED_ARCHITECTURES:
        raise ArtifactError(
            f"{info.path}: architecture {info.architecture!r} is not supported; "
            f"this SDK runs {', '.join(sorted(SUPPORTED_ARCHITECTURES))}"
        )
    size = info.path.stat().st_size
    if size < info.data_end:
        raise ArtifactError(
            f"{info.path} is truncated: its tensors need {info.data_end:,} bytes but the file has {size:,}; "
            "download or export it again"
        )
    check_hparams(info)
    return info


# -- LoRA adapters ---------------------------------------------------------------------------------

_STRING_KEYS = ("general.type", "general.architecture", "adapter.type")
_F32 = 6
_ADAPTER_TENSOR_TYPES = {0: "F32", 1: "F16", 30: "BF16"}
_ALORA_TOKENS = "adapter.alora.invocation_tokens"


def check_adapter(path: str | os.PathLike[str], model: GGUFInfo) -> GGUFInfo:
    """Read a LoRA adapter GGUF and refuse what llama.cpp's ``llama_adapter_lora_init`` could
    crash on or would reject for ``model`` (the base file's header): keys of the wrong type
    (llama.cpp asserts their type), a file that is not a LoRA adapter, another architecture,
    an unpaired or unknown tensor, a tensor absent from the base or of the wrong shape, a
    type other than F32/F16/BF16, and truncation. ArtifactError naming the file and cause."""
    info = read_gguf(path, vocabulary=False)
    where = info.path
    for key in _STRING_KEYS:
        if info.types.get(key) != _STRING:
            raise ArtifactError(f"{where}: {key} is missing or not a string; not a LoRA adapter GGUF")
    if info.metadata["general.type"] != "adapter" or info.metadata["adapter.type"] != "lora":
        raise ArtifactError(f"{where} is a {info.metadata['general.type']!r}/{info.metadata['adapter.type']!r} file, "
                            "not a LoRA adapter; export one with `edgealign export lora`")
    alpha = info.metadata.get("adapter.lora.alpha")
    if info.types.get("adapter.lora.alpha") != _F32 or not (isinstance(alpha, float) and alpha == alpha and
                                                            abs(alpha) < 1e6):
        raise ArtifactError(f"{where}: adapter.lora.alpha is {alpha!r}, not a finite float32")
    if _ALORA_TOKENS in info.types and info.arrays.get(_ALORA_TOKENS, (None,))[0] != 4:
        raise ArtifactError(f"{where}: {_ALORA_TOKENS} is not an array of uint32")
    if info.architecture != model.architecture:
        raise ArtifactError(f"{where} was made for a {info.architecture!r} model; {model.path.name} is "
                            f"{model.architecture!r}")
    _check_adapter_tensors(info, model)
    size = where.stat().st_size
    if size < info.data_end:
        raise ArtifactError(f"{where} is truncated: its tensors need {info.data_end:,} bytes but the file has "
                            f"{size:,}; export it again")
    return info


def _check_adapter_tensors(info: GGUFInfo, model: GGUFInfo) -> None:
    where = info.path
    pairs: dict[str, dict[str, tuple[int, ...]]] = {}
    for name, (shape, ttype) in info.tensors.items():
        base, dot, part = name.rpartition(".")
        if name.endswith("_norm.weight"):
            continue  # llama.cpp skips norm vectors in adapters
        if part not in ("lora_a", "lora_b") or not dot:
            raise ArtifactError(f"{where}: tensor {name!r} is neither a LoRA A nor B matrix")
        if ttype not in _ADAPTER_TENSOR_TYPES or len(shape) != 2:
            raise ArtifactError(f"{where}: tensor {name!r} is {len(shape)}-D of type {ttype}; LoRA tensors are "
                                f"matrices of {', '.join(_ADAPTER_TENSOR_TYPES.values())}")
        pairs.setdefault(base, {})[part] = shape
    if not pairs:
        raise ArtifactError(f"{where} holds no LoRA tensors")
    for base, parts in pairs.items():
        if len(parts) != 2:
            raise ArtifactError(f"{where}: the LoRA pair of {base!r} lacks its {'B' if 'lora_a' in parts else 'A'} matrix")
        target = model.tensors.get(base)
        if target is None or base.endswith("token_embd.weight"):
            raise ArtifactError(f"{where}: {base!r} is not a tensor of {model.path.name} this SDK adapts; "
                                "the adapter was made for another model")
        a, b, t = parts["lora_a"], parts["lora_b"], target[0]
        # GGUF shapes are innermost first: A is (in, rank), B (rank, out), the base (in, out).
        if len(t) != 2 or a[0] != t[0] or b[1] != t[1] or a[1] != b[0]:
            raise ArtifactError(f"{where}: {base!r} has LoRA shapes A {a}, B {b} for a base tensor {t}; the adapter "
                                f"was made for another model than {model.path.name}")
