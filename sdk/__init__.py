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
from .prompts import ChatTemplate, Prompt, ica_prompt, pba_prompt, plain_prompt

__version__ = "0.1.0"

__all__ = [
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
