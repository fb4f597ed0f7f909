"""The hyper-parameters of a GGUF file, checked before llama.cpp trusts them.

llama.cpp reads a model's counts and constants from the file's metadata and asserts on them
deep inside the load or the first decode: ``block_count = 0`` aborts the process while
loading, an epsilon of NaN passes the load and aborts at the first token
(``GGML_ASSERT(eps >= 0.0f)``), a head count of zero divides by zero. Every value llama.cpp
uses to size or index something is checked here: counts positive, within what a device
model can have and consistent with each other and with the tensor shapes; floats finite and
in range; token ids inside the vocabulary. What still escapes is contained by the child-
process probe (:mod:`edgealign._probe`).
"""

from __future__ import annotations

import math
import re
from typing import Any

from ._gguf_info import GGUFInfo
from .errors import ArtifactError

__all__ = ["check_hparams"]

#: key suffix (after "<arch>.") -> (least, most) for the integer hyper-parameters llama.cpp
#: sizes tensors and loops with. Bounds are far past any model a device runs.
_COUNTS = {
    "block_count": (1, 512),  # LLAMA_MAX_LAYERS
    "context_length": (1, 1 << 24),
    "embedding_length": (1, 1 << 16),
    "feed_forward_length": (1, 1 << 20),
    "attention.head_count": (1, 1024),
    "attention.head_count_kv": (1, 1024),
    "attention.key_length": (1, 4096),
    "attention.value_length": (1, 4096),
    "rope.dimension_count": (1, 4096),
    "expert_count": (0, 512),
    "expert_used_count": (0, 512),
    "attention.sliding_window": (0, 1 << 24),
    "vocab_size": (1, 1 << 24),
}
_REQUIRED = ("block_count", "context_length", "embedding_length", "attention.head_count")
#: key suffix -> (least, most), both inclusive, for float hyper-parameters.
_FLOATS = {
    "attention.layer_norm_rms_epsilon": (0.0, 1.0),
    "attention.layer_norm_epsilon": (0.0, 1.0),
    "rope.freq_base": (1e-6, 1e12),
    "rope.scaling.factor": (0.0, 1e6),
    "rope.scaling.attn_factor": (0.0, 1e6),
    "rope.scaling.yarn_log_multiplier": (0.0, 1e6),
    "attn_logit_softcapping": (0.0, 1e6),
    "final_logit_softcapping": (0.0, 1e6),
    "attention.scale": (0.0, 1e6),
    "embedding_scale": (0.0, 1e6),
    "residual_scale": (0.0, 1e6),
    "logit_scale": (0.0, 1e6),
}
_TOKEN_IDS = ("bos", "eos", "eot", "eom", "unknown", "separator", "seperator", "padding", "cls", "mask",
              "prefix", "suffix", "middle", "fim_pre", "fim_suf", "fim_mid", "fim_pad", "fim_rep", "fim_sep")
#: Arrays that hold one entry per vocabulary token (llama.cpp indexes them by token id).
_NO_TOKEN = (-1, 0xFFFFFFFF)  # LLAMA_TOKEN_NULL, as int32 or uint32: "no such token"
_PER_TOKEN = ("tokenizer.ggml.scores", "tokenizer.ggml.token_type")
_BLOCK = re.compile(r"blk\.(\d+)\.")


def _fail(info: GGUFInfo, what: str) -> ArtifactError:
    return ArtifactError(f"{info.path}: {what}; llama.cpp would crash or misbehave on it, so it is refused "
                         "(re-export or download the model again)")


def _int(info: GGUFInfo, key: str, low: int, high: int) -> int | None:
    value = info.metadata.get(key)
    if value is None:
        return None
    if key in info.arrays:  # per-layer values (some architectures): each entry is not read here
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise _fail(info, f"{key} is {value!r}, not an integer")
    if not low <= value <= high:
        raise _fail(info, f"{key} = {value} is outside {low}..{high}")
    return value


def _floats(info: GGUFInfo, arch: str) -> None:
    for key, value in info.metadata.items():
        if isinstance(value, float) and not math.isfinite(value):
            raise _fail(info, f"{key} = {value} is not a finite number")
    for suffix, (low, high) in _FLOATS.items():
        value = info.metadata.get(f"{arch}.{suffix}")
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise _fail(info, f"{arch}.{suffix} is {value!r}, not a number")
        if not low <= value <= high:
            raise _fail(info, f"{arch}.{suffix} = {value} is outside {low:g}..{high:g}")


def _counts(info: GGUFInfo, arch: str) -> dict[str, int]:
    for suffix in _REQUIRED:
        if f"{arch}.{suffix}" not in info.metadata:
            raise _fail(info, f"{arch}.{suffix} is missing")
    found = {s: _int(info, f"{arch}.{s}", lo, hi) for s, (lo, hi) in _COUNTS.items()}
    counts = {s: v for s, v in found.items() if v is not None}
    n_embd, n_head = counts["embedding_length"], counts.get("attention.head_count")
    n_head_kv = counts.get("attention.head_count_kv", n_head)
    if n_head and n_head_kv and n_head % n_head_kv:
        raise _fail(info, f"{arch}.attention.head_count = {n_head} is not a multiple of head_count_kv = {n_head_kv}")
    head_dim = counts.get("attention.key_length")
    if n_head and head_dim is None:
        if n_embd % n_head:
            raise _fail(info, f"{arch}.embedding_length = {n_embd} is not a multiple of head_count = {n_head}")
        head_dim = n_embd // n_head
    n_rot = counts.get("rope.dimension_count")
    if n_rot is not None and head_dim is not None and (n_rot > head_dim or n_rot % 2):
        raise _fail(info, f"{arch}.rope.dimension_count = {n_rot} does not fit a head of {head_dim} "
                          "(it must be even and at most the head size)")
    experts, used = counts.get("expert_count", 0), counts.get("expert_used_count", 0)
    if used > experts or (experts and not used):
        raise _fail(info, f"{arch}.expert_used_count = {used} does not fit expert_count = {experts}")
    return counts


def _vocabulary(info: GGUFInfo) -> int | None:
    tokens = info.arrays.get("tokenizer.ggml.tokens")
    model = info.metadata.get("tokenizer.ggml.model")
    if tokens is None:
        if model in (None, "none", "no_vocab"):
            return None
        raise _fail(info, "tokenizer.ggml.tokens is missing")
    etype, n_vocab = tokens
    if etype != 8 or n_vocab < 1 or n_vocab > (1 << 24):
        raise _fail(info, f"tokenizer.ggml.tokens holds {n_vocab} entries of type {etype}, not 1..16M strings")
    for key in _PER_TOKEN:
        if key in info.arrays and info.arrays[key][1] != n_vocab:
            raise _fail(info, f"{key} has {info.arrays[key][1]} entries for {n_vocab} tokens")
        if key in info.metadata and key not in info.arrays:
            raise _fail(info, f"{key} is not an array")
    _byte_tokens(info, model)
    for name in _TOKEN_IDS:
        key = f"tokenizer.ggml.{name}_token_id"
        value = info.metadata.get(key)
        if value is None or (type(value) is int and value in _NO_TOKEN):
            continue
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < n_vocab:
            raise _fail(info, f"{key} = {value!r} is not a token of the {n_vocab}-token vocabulary")
    return n_vocab


def _byte_tokens(info: GGUFInfo, model: Any) -> None:
    """A SentencePiece ("llama") vocabulary falls back to a token per byte (<0x00>..<0xFF>)
    for text it cannot spell, and llama.cpp aborts (std::out_of_range) when that byte's token
    is missing. (Byte-level BPE skips a missing byte instead.)"""
    if not info.vocabulary or model != "llama":
        return
    wanted = [f"<0x{b:02X}>" for b in range(256)]
    missing = [w for w in wanted if w.encode("utf-8") not in info.vocabulary]
    if missing:
        raise _fail(info, f"the {model} vocabulary lacks {len(missing)} of its 256 byte tokens "
                          f"(first {missing[0]!r}); text with those bytes could not be tokenized")


def _shapes(info: GGUFInfo, counts: dict[str, int], n_vocab: int | None) -> None:
    blocks = {int(m.group(1)) for name in info.tensors if (m := _BLOCK.match(name))}
    n_layer = counts["block_count"]
    if blocks and (max(blocks) >= n_layer or len(blocks) != n_layer):
        raise _fail(info, f"block_count = {n_layer} but the file holds tensors for {len(blocks)} blocks "
                          f"(0..{max(blocks)})")
    n_embd = counts["embedding_length"]
    embd = info.tensors.get("token_embd.weight")
    if embd is not None:
        dims = embd[0]
        if dims[0] != n_embd or (n_vocab is not None and len(dims) > 1 and dims[1] != n_vocab):
            raise _fail(info, f"token_embd.weight has shape {list(dims)}, expected [{n_embd}, {n_vocab}]")
    for name, (dims, ttype) in info.tensors.items():
        if len(dims) == 1 and ttype != 0:  # converters keep vectors in F32; ggml's add/mul want it
            raise _fail(info, f"{name} is a vector of ggml type {ttype}, not F32")
        if name.endswith(("attn_norm.weight", "ffn_norm.weight")) or name == "output_norm.weight":
            if dims[0] != n_embd:
                raise _fail(info, f"{name} has shape {list(dims)}, expected [{n_embd}]")


def check_hparams(info: GGUFInfo) -> None:
    """ArtifactError naming the file and the value when any hyper-parameter llama.cpp trusts
    is missing, out of range, not finite or inconsistent with the others or the tensors."""
    arch = info.architecture
    _floats(info, arch)
    counts = _counts(info, arch)
    n_vocab = _vocabulary(info)
    vocab_size = counts.get("vocab_size")
    if vocab_size is not None and n_vocab is not None and vocab_size != n_vocab:
        raise _fail(info, f"{arch}.vocab_size = {vocab_size} but the vocabulary holds {n_vocab} tokens")
    _shapes(info, counts, n_vocab)


def describe(info: GGUFInfo) -> dict[str, Any]:
    """The checked hyper-parameters, for `edgealign doctor`."""
    arch = info.architecture
    return {s: info.metadata[f"{arch}.{s}"] for s in _COUNTS if f"{arch}.{s}" in info.metadata}
