"""Weights of a Llama checkpoint, renamed and laid out the way llama.cpp reads them.

Tensors are streamed one at a time from the safetensors files (a plan first, for the GGUF
header, then the data), so converting a model never holds more than one tensor in memory
beside the one being written.
"""

from __future__ import annotations

import json
import math
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

import numpy as np

from edgealign.errors import ArtifactError, ConfigError

# Buffers that transformers may have saved and llama.cpp recomputes itself.
_SKIPPED_SUFFIXES = (".rotary_emb.inv_freq",)


@dataclass(frozen=True)
class TensorPlan:
    """One tensor of the GGUF: where it comes from and how it is stored."""

    hf_name: str
    gguf_name: str
    shape: tuple[int, ...]
    dtype: Any  # numpy dtype written (float32 or float16)
    file: Path | None  # None for tensors computed here (rope_freqs)


def checkpoint_files(folder: Path) -> list[Path]:
    """The safetensors files of a ``save_pretrained`` folder (one file or an index of shards)."""
    single = folder / "model.safetensors"
    index = folder / "model.safetensors.index.json"
    if single.is_file():
        return [single]
    if index.is_file():
        shards = sorted(set(json.loads(index.read_text())["weight_map"].values()))
        return [folder / s for s in shards]
    raise ConfigError(
        f"{folder} holds no model.safetensors; save the checkpoint with "
        "model.save_pretrained(folder, safe_serialization=True)"
    )


def plan_tensors(folder: Path, config: dict[str, Any], *, f16: bool) -> list[TensorPlan]:
    """Every tensor to write, in file order, with GGUF names and output dtypes."""
    import gguf
    from safetensors import safe_open

    tmap = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, config["num_hidden_layers"])
    tied = bool(config.get("tie_word_embeddings", False))
    plans: list[TensorPlan] = []
    for file in checkpoint_files(folder):
        with safe_open(str(file), framework="pt") as f:
            for name in f.keys():
                if name.endswith(_SKIPPED_SUFFIXES) or (tied and name == "lm_head.weight"):
                    continue  # a tied head is the embedding: llama.cpp reuses token_embd
                gguf_name = tmap.get_name(name, try_suffixes=(".weight", ".bias"))
                if gguf_name is None:
                    raise ArtifactError(f"{file.name}: tensor {name!r} has no llama.cpp name; not a plain Llama?")
                shape = tuple(f.get_slice(name).get_shape())
                # Norms stay float32 in F16 files: llama.cpp expects them so.
                dtype = np.float16 if f16 and len(shape) > 1 else np.float32
                plans.append(TensorPlan(name, gguf_name, shape, np.dtype(dtype), file))
    extra = _rope_freqs_plan(config)
    _check_complete(plans, config, tied)
    return plans + ([extra] if extra else [])


def _check_complete(plans: list[TensorPlan], config: dict[str, Any], tied: bool) -> None:
    names = {p.gguf_name for p in plans}
    if "token_embd.weight" not in names:
        raise ArtifactError("the checkpoint has no token embedding (model.embed_tokens.weight)")
    if not tied and "output.weight" not in names:
        raise ArtifactError("the checkpoint has no lm_head.weight and does not tie it to the embedding")


def read_tensors(plans: list[TensorPlan], config: dict[str, Any], *, permute_qk: bool = True) -> Iterator[np.ndarray]:
    """The data of ``plans``, in order, converted for llama.cpp."""
    from safetensors import safe_open

    n_head = config["num_attention_heads"]
    n_kv = config.get("num_key_value_heads") or n_head
    with ExitStack() as stack:
        opened: dict[Path, Any] = {}
        for plan in plans:
            if plan.file is None:
                yield rope_freqs(config).astype(plan.dtype)
                continue
            if plan.file not in opened:
                opened[plan.file] = stack.enter_context(safe_open(str(plan.file), framework="pt"))
            # via torch: numpy has no bfloat16, the usual dtype of saved checkpoints
            data = opened[plan.file].get_tensor(plan.hf_name).float().numpy()
            if permute_qk and plan.gguf_name.endswith("attn_q.weight"):
                data = permute_rope_rows(data, n_head)
            elif permute_qk and plan.gguf_name.endswith("attn_k.weight"):
                data = permute_rope_rows(data, n_kv)
            yield np.ascontiguousarray(data, dtype=plan.dtype)


def permute_rope_rows(weight: np.ndarray, n_heads: int) -> np.ndarray:
    """Reorder q/k projection rows from HF's rotate-half RoPE to GGML's interleaved pairs.

    HF splits each head's dimensions into two halves (x[:d/2], x[d/2:]); GGML rotates
    adjacent pairs (x[2i], x[2i+1]). Interleaving the halves makes both rotate the same.
    """
    rows = weight.shape[0]
    return (
        weight.reshape(n_heads, 2, rows // n_heads // 2, *weight.shape[1:])
        .swapaxes(1, 2)
        .reshape(weight.shape)
    )


def _rope_freqs_plan(config: dict[str, Any]) -> TensorPlan | None:
    scaling = config.get("rope_scaling") or {}
    if scaling.get("rope_type", scaling.get("type")) != "llama3":
        return None
    n = head_dim(config) // 2
    return TensorPlan("<computed>", "rope_freqs.weight", (n,), np.dtype(np.float32), None)


def head_dim(config: dict[str, Any]) -> int:
    """Per-head width: explicit in newer configs, else hidden_size / heads."""
    return int(config.get("head_dim") or config["hidden_size"] // config["num_attention_heads"])


def rope_freqs(config: dict[str, Any]) -> np.ndarray:
    """Llama 3.1's per-frequency RoPE divisors, as transformers' "llama3" rope computes them.

    llama.cpp divides each rotation frequency by this factor: 1 for short wavelengths,
    ``factor`` for long ones, and a smooth blend between the two thresholds.
    """
    s = config["rope_scaling"]
    base, dim = float(config.get("rope_theta", 10000.0)), head_dim(config)
    factor, low, high = float(s["factor"]), float(s["low_freq_factor"]), float(s["high_freq_factor"])
    old_ctx = float(s["original_max_position_embeddings"])
    out = []
    for i in range(0, dim, 2):
        wavelen = 2 * math.pi * base ** (i / dim)
        if wavelen < old_ctx / high:
            out.append(1.0)
        elif wavelen > old_ctx / low:
            out.append(factor)
        else:
            smooth = (old_ctx / wavelen - low) / (high - low)
            out.append(1.0 / ((1 - smooth) / factor + smooth))
    return np.asarray(out, dtype=np.float32)
