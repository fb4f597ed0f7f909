"""GGUF quantization with llama.cpp's own quantizer (``llama_model_quantize``).

k-quants (Q4_K_M) work on blocks of 256 values; a tensor whose rows are shorter (the small
models of the tests, n_embd 64) is quantized by llama.cpp with a fallback type (Q5_0 /
Q8_0 blocks of 32) instead, per tensor, so every size of llama converts.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from edgealign.errors import ArtifactError, ConfigError

__all__ = ["QUANT_TYPES", "quantize"]

#: Names accepted by :func:`quantize` and ``--quant`` -> llama.cpp ftype constant name.
QUANT_TYPES: dict[str, str] = {
    "f32": "LLAMA_FTYPE_ALL_F32",
    "f16": "LLAMA_FTYPE_MOSTLY_F16",
    "q8_0": "LLAMA_FTYPE_MOSTLY_Q8_0",
    "q4_k_m": "LLAMA_FTYPE_MOSTLY_Q4_K_M",
}


def quantize(src_gguf: str | os.PathLike[str], dst_gguf: str | os.PathLike[str], qtype: str, *, n_threads: int = 2) -> Path:
    """Write ``dst_gguf``, a copy of the F32/F16 ``src_gguf`` quantized to ``qtype``.

    ``qtype`` is one of :data:`QUANT_TYPES`. Raises ConfigError for an unknown type and
    ArtifactError, with llama.cpp's reason, when it refuses the file (no partial output).
    """
    import llama_cpp

    if qtype not in QUANT_TYPES:
        raise ConfigError(f"unknown quantization {qtype!r}; choose from {', '.join(QUANT_TYPES)}")
    src, dst = Path(src_gguf), Path(dst_gguf)
    if not src.is_file():
        raise ArtifactError(f"{src} does not exist; convert the checkpoint first")
    params = llama_cpp.llama_model_quantize_default_params()
    params.ftype = getattr(llama_cpp, QUANT_TYPES[qtype])
    params.nthread = max(1, n_threads)
    with _native_stderr() as log:
        rc = llama_cpp.llama_model_quantize(str(src).encode(), str(dst).encode(), params)
    if rc != 0:
        dst.unlink(missing_ok=True)
        reason = "; ".join(line for line in log() if "error" in line.lower() or "failed" in line.lower())
        raise ArtifactError(f"llama.cpp could not quantize {src.name} to {qtype}: {reason or f'code {rc}'}")
    return dst


@contextmanager
def _native_stderr() -> Iterator:
    """Collect what llama.cpp prints while quantizing (a line per tensor, fallback warnings).

    It writes to file descriptor 2 from C as well as through the Python logger, so the
    descriptor itself is pointed at a temporary file. Yields a function returning the lines.
    """
    logger = logging.getLogger("llama-cpp-python")
    level = logger.level
    logger.setLevel(logging.ERROR)
    sys.stderr.flush()
    saved = os.dup(2)
    with tempfile.TemporaryFile(mode="w+b") as sink:
        os.dup2(sink.fileno(), 2)
        lines: list[str] = []
        try:
            yield lambda: lines
        finally:
            sys.stderr.flush()
            os.dup2(saved, 2)
            os.close(saved)
            logger.setLevel(level)
            sink.seek(0)
            lines.extend(sink.read().decode("utf-8", "replace").splitlines())
