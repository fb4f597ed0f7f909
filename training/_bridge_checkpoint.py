"""A bridge checkpoint folder: config.json, head.safetensors, encoder/, metrics.json."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING

from edgealign.errors import DataError

if TYPE_CHECKING:
    from .bridge import BridgeConfig

__all__ = ["save_checkpoint", "load_checkpoint"]


def save_checkpoint(model, tokenizer, cfg: BridgeConfig, metrics: dict, out: Path) -> None:  # noqa: ANN001
    """config.json, head.safetensors, encoder/ (weights + tokenizer.json), metrics.json."""
    from safetensors.torch import save_file

    out.mkdir(parents=True, exist_ok=True)
    (out / "config.json").write_text(json.dumps(asdict(cfg), indent=2))
    save_file({k: v.detach().cpu().contiguous() for k, v in model.head.state_dict().items()}, out / "head.safetensors")
    if not (out / "encoder").is_dir() or not cfg.freeze_encoder:
        model.encoder.save_pretrained(out / "encoder", safe_serialization=True)
        tokenizer.save(str(out / "encoder" / "tokenizer.json"))
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))


def load_checkpoint(folder: str | Path):  # -> (BridgeModel, tokenizer, dict)
    """Rebuild a trained bridge from its checkpoint folder (CPU, eval mode); its config as the
    JSON dict (``edgealign.training.bridge.load_bridge`` makes it a BridgeConfig)."""
    import torch
    from safetensors.torch import load_file

    from .bridge_model import BridgeHead, BridgeModel
    from .encoders import load_encoder

    folder = Path(folder)
    if not (folder / "config.json").is_file() or not (folder / "head.safetensors").is_file():
        raise DataError(f"{folder} is not a bridge checkpoint (config.json and head.safetensors expected)")
    cfg = json.loads((folder / "config.json").read_text())
    encoder, tokenizer = load_encoder(str(folder / "encoder"))
    state = load_file(folder / "head.safetensors")
    n_dims, dim = state["anchors"].shape[1:]
    slots = state["memory_valid"].shape[-1] if "memory_valid" in state else 0
    neutral = state["memory_neutral"].shape[0] if "memory_neutral" in state else 0
    n_style = state["style_map"].shape[0] if "style_map" in state else 0
    head = BridgeHead(torch.zeros(n_dims, dim), torch.zeros(n_dims, dim), slots, neutral, n_style=n_style)
    # Older checkpoints lack shared_* (before dimension dropout), kind_gain (ones before it)
    # and memory* (no example memory: the head has no slots).
    result = head.load_state_dict(state, strict=False)
    if result.unexpected_keys or any(not k.startswith(("shared_", "memory")) and k != "kind_gain"
                                     for k in result.missing_keys):
        raise DataError(f"{folder}/head.safetensors does not match the bridge head: missing "
                        f"{result.missing_keys}, unexpected {result.unexpected_keys}")
    return BridgeModel(encoder, head).eval(), tokenizer, cfg
