"""GGUF -> Hugging Face: a quantized llama GGUF as a trainable transformers model and tokenizer.

transformers dequantizes the weights itself (``from_pretrained(..., gguf_file=...)``). Its
tokenizer conversion gets a byte-level BPE GGUF such as SmolLM2's wrong in ways that matter
for training and for the trip back to GGUF: it drops the pre-tokenizer's digit splitting,
turns on byte fallback, adds a BOS the model never saw and takes the wrong EOS. So for
byte-level BPE ("gpt2") vocabularies the tokenizer is rebuilt here from the GGUF's own
``tokenizer.ggml.*`` keys, the same facts llama.cpp tokenizes with.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from edgealign.errors import ArtifactError, ConfigError

__all__ = ["load_gguf_as_hf", "PRE_TOKENIZERS"]

#: GGUF pre-tokenizer name -> the HF pre_tokenizer that splits text the same way.
PRE_TOKENIZERS: dict[str, dict[str, Any]] = {
    "gpt-2": {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
    "smollm": {
        "type": "Sequence",
        "pretokenizers": [
            {"type": "Digits", "individual_digits": True},
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": True},
        ],
    },
    "llama-bpe": {
        "type": "Sequence",
        "pretokenizers": [
            {
                "type": "Split",
                "pattern": {
                    "Regex": "(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\\r\\n\\p{L}\\p{N}]?\\p{L}+|\\p{N}{1,3}| ?[^\\s\\p{L}\\p{N}]+"
                    "[\\r\\n]*|\\s*[\\r\\n]+|\\s+(?!\\S)|\\s+"
                },
                "behavior": "Isolated",
                "invert": False,
            },
            {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True, "use_regex": False},
        ],
    },
}


def load_gguf_as_hf(path: str | os.PathLike[str]) -> tuple[Any, Any]:
    """Load a llama GGUF as ``(LlamaForCausalLM in float32, PreTrainedTokenizerFast)``.

    Both are ready to train and to ``save_pretrained``: the tokenizer encodes exactly as
    llama.cpp does on the GGUF, carries its chat template and its BOS/EOS/PAD/UNK tokens,
    and the model's config and generation config name the same ids.
    """
    import torch
    from transformers import AutoModelForCausalLM

    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path} does not exist")
    keys = _read_keys(path)
    tokenizer = _tokenizer(path, keys)
    try:
        # The tokenizer decides the special ids (an id past the vocabulary means none), so the
        # config's pad id follows it rather than the file's raw value.
        model = AutoModelForCausalLM.from_pretrained(path.parent, gguf_file=path.name, dtype=torch.float32,
                                                     pad_token_id=tokenizer.pad_token_id)
    except (OSError, ValueError, KeyError) as exc:
        raise ArtifactError(f"transformers cannot load {path}: {exc}") from exc
    _as_plain_model(model)
    _align_special_ids(model, tokenizer)
    return model, tokenizer


def _as_plain_model(model: Any) -> None:
    """The weights are dequantized to float32 already, but transformers 5 keeps the GGUF as
    the model's quantization, which ``save_pretrained`` refuses and a reload would follow:
    drop it, so the model trains and saves like any float checkpoint."""
    model.hf_quantizer = None
    for holder in (model, model.config):
        if getattr(holder, "quantization_config", None) is not None:
            delattr(holder, "quantization_config")
    model.is_quantized = False


def _read_keys(path: Path) -> dict[str, Any]:
    """The tokenizer keys and the architecture of a GGUF, as Python values."""
    import gguf

    try:
        reader = gguf.GGUFReader(path)
    except (ValueError, OSError) as exc:
        raise ArtifactError(f"{path} is not a readable GGUF file: {exc}") from exc
    keys = {k: f.contents() for k, f in reader.fields.items() if k.startswith(("tokenizer.", "general.arch"))}
    if keys.get("general.architecture") != "llama":
        raise ConfigError(f"{path}: architecture {keys.get('general.architecture')!r}; only llama GGUFs load here")
    return keys


def _tokenizer(path: Path, keys: dict[str, Any]) -> Any:
    from transformers import AutoTokenizer, PreTrainedTokenizerFast

    n_vocab = len(keys.get("tokenizer.ggml.tokens") or ())
    # An id past the vocabulary means "none" (stories260K writes 2**32 - 1 as its padding id).
    ids = {kind: i for kind, name in (("bos", "bos"), ("eos", "eos"), ("pad", "padding"), ("unk", "unknown"))
           if isinstance(i := keys.get(f"tokenizer.ggml.{name}_token_id"), int) and 0 <= i < n_vocab}
    if keys.get("tokenizer.ggml.model") == "gpt2":
        backend = _byte_level_bpe(keys)
        tokens = keys["tokenizer.ggml.tokens"]
        tokenizer = PreTrainedTokenizerFast(
            tokenizer_object=backend,
            clean_up_tokenization_spaces=False,
            **{f"{kind}_token": tokens[i] for kind, i in ids.items() if i is not None},
        )
    else:  # SentencePiece vocabularies: transformers' own conversion, special tokens re-set
        tokenizer = AutoTokenizer.from_pretrained(path.parent, gguf_file=path.name)
        tokens = keys["tokenizer.ggml.tokens"]
        tokenizer.add_special_tokens({f"{k}_token": tokens[i] for k, i in ids.items() if i is not None})
    tokenizer.chat_template = keys.get("tokenizer.chat_template")
    return tokenizer


def _byte_level_bpe(keys: dict[str, Any]) -> Any:
    """A ``tokenizers.Tokenizer`` equal to llama.cpp's view of a "gpt2" GGUF vocabulary."""
    import gguf
    from tokenizers import Tokenizer


    pre = keys.get("tokenizer.ggml.pre", "gpt-2")
    if pre not in PRE_TOKENIZERS:
        raise ConfigError(f"GGUF pre-tokenizer {pre!r} has no HF equivalent here; known: {', '.join(PRE_TOKENIZERS)}")
    tokens, types = keys["tokenizer.ggml.tokens"], keys["tokenizer.ggml.token_type"]
    added = [
        {"id": i, "content": t, "single_word": False, "lstrip": False, "rstrip": False, "normalized": False,
         "special": types[i] == gguf.TokenType.CONTROL}
        for i, t in enumerate(tokens) if types[i] in (gguf.TokenType.CONTROL, gguf.TokenType.USER_DEFINED)
    ]
    spec = {
        "version": "1.0", "truncation": None, "padding": None, "added_tokens": added, "normalizer": None,
        "pre_tokenizer": PRE_TOKENIZERS[pre],
        "post_processor": _post_processor(keys),
        "decoder": {"type": "ByteLevel", "add_prefix_space": True, "trim_offsets": True, "use_regex": True},
        "model": {
            "type": "BPE", "dropout": None, "unk_token": None, "continuing_subword_prefix": None,
            "end_of_word_suffix": None, "fuse_unk": False, "byte_fallback": False,
            "ignore_merges": pre == "llama-bpe",  # llama.cpp takes a whole-word match first for Llama 3
            "vocab": {t: i for i, t in enumerate(tokens)},
            "merges": list(keys.get("tokenizer.ggml.merges", [])),
        },
    }
    return Tokenizer.from_str(json.dumps(spec))


def _post_processor(keys: dict[str, Any]) -> dict[str, Any] | None:
    """BOS/EOS added on encode exactly when the GGUF says llama.cpp adds them."""
    tokens = keys["tokenizer.ggml.tokens"]
    added = {
        kind: int(keys[f"tokenizer.ggml.{kind}_token_id"])
        for kind in ("bos", "eos")
        if keys.get(f"tokenizer.ggml.add_{kind}_token") and keys.get(f"tokenizer.ggml.{kind}_token_id") is not None
    }
    if not added:
        return None

    def template(sequence: str, type_id: int) -> list[dict[str, Any]]:
        body = [{"Sequence": {"id": sequence, "type_id": type_id}}]
        bos = [{"SpecialToken": {"id": tokens[added["bos"]], "type_id": type_id}}] if "bos" in added else []
        eos = [{"SpecialToken": {"id": tokens[added["eos"]], "type_id": type_id}}] if "eos" in added else []
        return bos + body + eos

    specials = {tokens[i]: {"id": tokens[i], "ids": [i], "tokens": [tokens[i]]} for i in added.values()}
    return {"type": "TemplateProcessing", "single": template("A", 0), "pair": template("A", 0) + template("B", 1),
            "special_tokens": specials}


def _align_special_ids(model: Any, tokenizer: Any) -> None:
    """Make config and generation config name the tokenizer's BOS/EOS/PAD (generation stops on EOS)."""
    for kind in ("bos", "eos", "pad"):
        token_id = getattr(tokenizer, f"{kind}_token_id")
        setattr(model.config, f"{kind}_token_id", token_id)
        if model.generation_config is not None:
            setattr(model.generation_config, f"{kind}_token_id", token_id)
