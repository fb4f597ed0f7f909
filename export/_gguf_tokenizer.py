"""A Hugging Face fast tokenizer described in GGUF's terms (``tokenizer.ggml.*``).

Two families, as llama.cpp knows them:

* byte-level BPE (GPT-2, Llama 3, SmolLM2): GGUF model ``"gpt2"`` with tokens, types,
  merges and a named pre-tokenizer (llama.cpp hard-codes each pre-tokenizer's regexes, so
  the name must match what the HF tokenizer splits on);
* SentencePiece (Llama 1/2, Mistral): GGUF model ``"llama"`` with tokens, scores and types;
  llama.cpp merges the highest-scoring adjacent pair first, so a BPE piece scores minus its
  merge rank and a Unigram piece keeps its log-probability.

Everything is read from the fast tokenizer's own JSON, the same object the parity check
tokenizes with, so there is one source of truth. The merges come through ``gguf``'s own
reader (``gguf.vocab.SpecialVocab``, which writes a space inside a piece as llama.cpp's
converter does); special-token ids and whether BOS/EOS are added are taken from the loaded
tokenizer instead, the second observed by encoding, since config flags can disagree with
what the tokenizer does and the parity check compares what it does.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from edgealign.errors import ArtifactError, ConfigError
from edgealign.training.hf import PRE_TOKENIZERS

# What decides how text is split; offsets and the like do not matter to llama.cpp.
_SPLITTING_KEYS = {"type", "pretokenizers", "individual_digits", "use_regex", "add_prefix_space", "pattern",
                   "behavior", "invert"}
_BYTE_PIECE = re.compile(r"<0x[0-9A-Fa-f]{2}>")
_ADDED_SCORE = -1000.0  # what llama.cpp's converter gives added pieces: never a merge candidate


@dataclass(frozen=True)
class TokenizerMeta:
    """The ``tokenizer.ggml.*`` facts of one tokenizer."""

    model: str  # "gpt2" (byte-level BPE) or "llama" (SentencePiece)
    pre: str | None  # llama.cpp pre-tokenizer name, byte-level BPE only
    tokens: list[str]
    types: list[int]  # gguf.TokenType values
    scores: list[float] | None  # SentencePiece only
    merges: list[str]  # byte-level BPE only
    special_ids: dict[str, int]  # bos, eos, unk, pad -> id
    add_bos: bool
    add_eos: bool
    add_space_prefix: bool | None  # SentencePiece only
    chat_template: str | None


def describe_tokenizer(tokenizer: Any, folder: str | Path, n_vocab: int, pre: str | None = None) -> TokenizerMeta:
    """Describe a transformers fast tokenizer, loaded from the checkpoint ``folder``, for a model
    whose embedding has ``n_vocab`` rows."""
    if not getattr(tokenizer, "is_fast", False):
        raise ConfigError("the checkpoint's tokenizer has no tokenizer.json; save a fast tokenizer with it")
    spec = json.loads(tokenizer.backend_tokenizer.to_str())
    model = spec["model"]
    byte_level = model["type"] == "BPE" and not model.get("byte_fallback") and "ByteLevel" in json.dumps(
        [spec.get("pre_tokenizer"), spec.get("decoder")]
    )
    if not byte_level and model["type"] not in ("BPE", "Unigram"):
        raise ConfigError(f"tokenizer model {model['type']!r} is not supported for GGUF (byte-level BPE or SentencePiece)")
    tokens, types, scores = _vocab(spec, tokenizer, n_vocab, byte_level)
    add_bos, add_eos = _adds_specials(tokenizer)
    template = tokenizer.chat_template
    if isinstance(template, dict):  # several named templates: llama.cpp reads the default one
        template = template.get("default")
    return TokenizerMeta(
        model="gpt2" if byte_level else "llama",
        pre=(pre or detect_pre(spec.get("pre_tokenizer"))) if byte_level else None,
        tokens=tokens,
        types=types,
        scores=None if byte_level else scores,
        merges=_merges(folder) if byte_level else [],
        special_ids=_special_ids(tokenizer),
        add_bos=add_bos,
        add_eos=add_eos,
        add_space_prefix=None if byte_level else _adds_space_prefix(spec),
        chat_template=template,
    )


def detect_pre(pre_tokenizer: dict[str, Any] | None) -> str:
    """The llama.cpp pre-tokenizer that splits like ``pre_tokenizer``; "gpt-2" when unknown.

    An unknown split is caught afterwards: the parity check compares token ids.
    """
    seen = _splitting(pre_tokenizer)
    for name, candidate in PRE_TOKENIZERS.items():
        if _splitting(candidate) == seen:
            return name
    return "gpt-2"


def _splitting(node: Any) -> Any:
    if isinstance(node, dict):
        node = {k: _splitting(v) for k, v in node.items() if k in _SPLITTING_KEYS}
        if node.get("type") == "Sequence" and len(node.get("pretokenizers", [])) == 1:
            return node["pretokenizers"][0]
        return node
    if isinstance(node, list):
        return [_splitting(v) for v in node]
    return node


def _vocab(spec: dict[str, Any], tokenizer: Any, n_vocab: int, byte_level: bool) -> tuple[list[str], list[int], list[float]]:
    import gguf

    model = spec["model"]
    pieces: dict[int, tuple[str, float]] = {}
    if model["type"] == "Unigram":
        pieces = {i: (piece, float(score)) for i, (piece, score) in enumerate(model["vocab"])}
    else:
        ranks = {"".join(_merge_pair(m)): r for r, m in reversed(list(enumerate(model.get("merges", []))))}
        pieces = {i: (piece, -float(ranks.get(piece, 0))) for piece, i in model["vocab"].items()}
    size = max([*pieces, *(t["id"] for t in spec.get("added_tokens", []))], default=-1) + 1
    if size > n_vocab:
        raise ArtifactError(f"the tokenizer has {size} ids but the model's embedding only {n_vocab} rows")
    tokens = [f"[PAD{i}]" for i in range(n_vocab)]  # ids past the tokenizer: padding rows
    types = [gguf.TokenType.UNUSED] * n_vocab
    scores = [_ADDED_SCORE] * n_vocab
    for i, (piece, score) in pieces.items():
        tokens[i], scores[i] = piece, score
        types[i] = gguf.TokenType.BYTE if not byte_level and _BYTE_PIECE.fullmatch(piece) else gguf.TokenType.NORMAL
    if not byte_level and tokenizer.unk_token_id is not None:
        types[tokenizer.unk_token_id] = gguf.TokenType.UNKNOWN
    for added in spec.get("added_tokens", []):
        i = added["id"]
        tokens[i], scores[i] = added["content"], _ADDED_SCORE
        types[i] = gguf.TokenType.CONTROL if added.get("special") else gguf.TokenType.USER_DEFINED
    return tokens, [int(t) for t in types], scores


def _merge_pair(merge: str | list[str]) -> tuple[str, str]:
    if isinstance(merge, str):
        left, right = merge.split(" ", 1)
        return left, right
    return merge[0], merge[1]


def _merges(folder: str | Path) -> list[str]:
    """GGUF's "left right" merges, read by gguf's own reader from the folder's tokenizer.json."""
    from gguf.vocab import SpecialVocab

    return SpecialVocab(Path(folder), load_merges=True).merges


def _special_ids(tokenizer: Any) -> dict[str, int]:
    ids = {kind: getattr(tokenizer, f"{kind}_token_id", None) for kind in ("bos", "eos", "unk", "pad")}
    return {kind: int(i) for kind, i in ids.items() if i is not None}


def _adds_specials(tokenizer: Any) -> tuple[bool, bool]:
    """Whether encoding prepends BOS / appends EOS, observed rather than read from config flags."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    bos, eos = tokenizer.bos_token_id, tokenizer.eos_token_id
    add_bos = len(full) > len(plain) and bos is not None and full[0] == bos
    add_eos = len(full) > len(plain) and eos is not None and full[-1] == eos != (plain or [None])[-1]
    return add_bos, add_eos


def _adds_space_prefix(spec: dict[str, Any]) -> bool:
    text = json.dumps([spec.get("normalizer"), spec.get("pre_tokenizer")])
    prepends = '"Prepend"' in text or '"prepend_scheme": "first"' in text or '"prepend_scheme": "always"' in text
    return prepends or ('"add_prefix_space": true' in text and '"Metaspace"' in text)


def write_tokenizer(writer: Any, meta: TokenizerMeta) -> None:
    """Add the ``tokenizer.ggml.*`` and ``tokenizer.chat_template`` keys to a GGUFWriter."""
    writer.add_tokenizer_model(meta.model)
    if meta.pre is not None:
        writer.add_tokenizer_pre(meta.pre)
    writer.add_token_list(meta.tokens)
    writer.add_token_types(meta.types)
    if meta.scores is not None:
        writer.add_token_scores(meta.scores)
    if meta.merges:
        writer.add_token_merges(meta.merges)
    for kind, token_id in meta.special_ids.items():
        getattr(writer, f"add_{kind}_token_id")(token_id)
    writer.add_add_bos_token(meta.add_bos)
    writer.add_add_eos_token(meta.add_eos)
    if meta.add_space_prefix is not None:
        writer.add_add_space_prefix(meta.add_space_prefix)
    if meta.chat_template:
        writer.add_chat_template(meta.chat_template)
