"""edgealign: on-device personalization for the AlignX preference space.

The front door. Everything an app developer needs is importable from here; implementation
modules are private to the package. Nothing heavy is imported: no torch, no transformers,
and the native runtimes (onnxruntime, llama.cpp) only when a model is loaded.
"""

from __future__ import annotations

from .data import Record, read_records, write_records
from .errors import EdgeAlignError
from .persona import Choice, Comment, Description, Persona
from .preferences import SPACE, Dimension, PreferenceProfile, PreferenceSpace
from .personalizer import Explanation, Personalizer
from .prompts import ChatTemplate, Prompt, ica_prompt, pba_prompt, plain_prompt

__version__ = "0.1.0"

# Names whose modules load native runtimes (SQLCipher, onnxruntime, llama.cpp): imported on
# first access, so `import edgealign` stays fast and light.
_LAZY = {
    "PersonaStore": "store",
    "PreferenceBridge": "bridge",
    "LocalLLM": "llm",
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'edgealign' has no attribute {name!r}")

__all__ = [
    "Personalizer",
    "Explanation",
    "PersonaStore",
    "PreferenceBridge",
    "LocalLLM",
    "PreferenceProfile",
    "PreferenceSpace",
    "Dimension",
    "SPACE",
    "Persona",
    "Comment",
    "Choice",
    "Description",
    "Record",
    "read_records",
    "write_records",
    "Prompt",
    "ChatTemplate",
    "ica_prompt",
    "pba_prompt",
    "plain_prompt",
    "EdgeAlignError",
]
