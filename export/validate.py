"""Parity: a GGUF must predict what its Hugging Face source predicts, token for token.

The HF tokenizer encodes a few held-out prompts; the GGUF's own tokenizer must give the same
ids, and those same ids go through both models, so every position is compared like for like.
Per position we compare the log-softmax over the whole vocabulary (largest absolute gap),
the KL divergence from the source, and whether the most likely next token agrees.
"""

from __future__ import annotations

import contextlib
import io
import logging
import os
from dataclasses import asdict, dataclass
from typing import Any, Sequence

import numpy as np

from edgealign.errors import ArtifactError, ConfigError, ParityError

__all__ = ["Tolerance", "TOLERANCES", "HELD_OUT_PROMPTS", "Reference", "reference", "load_reference", "check_parity"]


@dataclass(frozen=True)
class Tolerance:
    """How far a GGUF may drift from its source; all three bounds must hold."""

    max_abs_logprob: float
    """Largest |log p_hf - log p_gguf| over every position and vocabulary entry (nats)."""
    max_mean_kl: float
    """Mean over positions of KL(p_hf || p_gguf) (nats)."""
    min_top1: float
    """Share of positions whose most likely next token is the same (0..1)."""

    def __post_init__(self) -> None:
        if self.max_abs_logprob < 0 or self.max_mean_kl < 0 or not 0 <= self.min_top1 <= 1:
            raise ConfigError(f"invalid parity tolerance {self}: bounds must be >= 0 and min_top1 within 0..1")


#: Per storage type, from measurements on the test llama (n_embd 64) and SmolLM2-135M, listed
#: in docs/export.md. Each bound leaves 3-10x headroom over the worst figure measured (top-1:
#: about 5-10 points), while a conversion with unpermuted q/k rows measured KL ~0.1 and top-1
#: ~0.38 on the same test llama, at every type. F32 differs from torch only by summation order.
TOLERANCES: dict[str, Tolerance] = {
    "f32": Tolerance(max_abs_logprob=2e-3, max_mean_kl=1e-6, min_top1=0.99),
    "f16": Tolerance(max_abs_logprob=0.25, max_mean_kl=1e-3, min_top1=0.97),
    "q8_0": Tolerance(max_abs_logprob=5.0, max_mean_kl=0.03, min_top1=0.9),
    "q4_k_m": Tolerance(max_abs_logprob=16.0, max_mean_kl=0.25, min_top1=0.7),
}

#: Short texts no training set of ours contains: prose, digits, code, accents, a question.
HELD_OUT_PROMPTS: tuple[str, ...] = (
    "The lighthouse keeper counted 1,204 ships that winter, and wrote each name in a green ledger.",
    "def mean(xs):\n    return sum(xs) / len(xs)  # 3.5 for [1, 6]\n",
    "Crème brûlée, naïve café owners, and a 12% tip: what would you order first?",
    "Why do cats sleep so much during the day?",
)


@dataclass(frozen=True)
class Reference:
    """The source model's view of the held-out prompts: their ids and log-probabilities."""

    prompts: tuple[str, ...]
    ids: tuple[tuple[int, ...], ...]
    logprobs: tuple[np.ndarray, ...]  # (len(ids), n_vocab) float32 each
    chat_template: str | None


def reference(model: Any, tokenizer: Any, prompts: Sequence[str] | None = None) -> Reference:
    """Run the HF model once on ``prompts`` (default: held-out texts and a chat turn)."""
    import torch

    texts = tuple(prompts) if prompts is not None else HELD_OUT_PROMPTS + _chat_prompt(tokenizer)
    ids = tuple(tuple(int(i) for i in tokenizer(t)["input_ids"]) for t in texts)
    model.eval()
    out = []
    with torch.no_grad():
        for seq in ids:
            logits = model(torch.tensor([seq])).logits[0].float()
            out.append(torch.log_softmax(logits, dim=-1).numpy())
    return Reference(texts, ids, tuple(out), _template(tokenizer))


def load_reference(checkpoint: str | os.PathLike[str], prompts: Sequence[str] | None = None) -> Reference:
    """:func:`reference` of a ``save_pretrained`` folder, its model loaded in float32."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    try:
        model = AutoModelForCausalLM.from_pretrained(checkpoint, dtype=torch.float32)
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    except (OSError, ValueError) as exc:
        raise ArtifactError(f"transformers cannot load {os.fspath(checkpoint)}: {exc}") from exc
    return reference(model, tokenizer, prompts)


def _template(tokenizer: Any) -> str | None:
    template = getattr(tokenizer, "chat_template", None)
    return template.get("default") if isinstance(template, dict) else template


def _chat_prompt(tokenizer: Any) -> tuple[str, ...]:
    """The first turn of a chat, so special tokens and the template are checked too."""
    from edgealign.prompts import ChatTemplate, plain_prompt

    template = _template(tokenizer)
    if not template:
        return ()
    chat = ChatTemplate(template, bos_token=tokenizer.bos_token or "", eos_token=tokenizer.eos_token or "")
    return (chat.render(plain_prompt("Name three uses for a paperclip.")),)


def check_parity(
    gguf_path: str | os.PathLike[str],
    ref: Reference,
    quant: str,
    *,
    tolerance: Tolerance | None = None,
    n_threads: int = 2,
) -> dict[str, Any]:
    """Compare a GGUF with ``ref``; return the figures, or raise ParityError naming them.

    ``quant`` picks the tolerance from :data:`TOLERANCES` unless ``tolerance`` is given.
    """
    tol = tolerance or TOLERANCES.get(quant)
    if tol is None:
        raise ConfigError(f"no parity tolerance for {quant!r}; pass one or use {', '.join(TOLERANCES)}")
    llm = _load(gguf_path, max(len(s) for s in ref.ids), n_threads)
    try:
        _check_tokenizer(llm, ref, gguf_path)
        gguf_lp = [_gguf_logprobs(llm, seq) for seq in ref.ids]
    finally:
        llm.close()
    figures = {"quant": quant, **_compare(ref.logprobs, gguf_lp)}
    failed = _failures(figures, tol)
    if failed:
        raise ParityError(
            f"{os.fspath(gguf_path)} disagrees with its source past the {quant} tolerance: {'; '.join(failed)} "
            f"(figures {figures}, tolerance {asdict(tol)}); the conversion is wrong or the type too coarse"
        )
    return figures


def _load(path: str | os.PathLike[str], longest: int, n_threads: int) -> Any:
    import llama_cpp

    n_ctx = max(64, -(-(longest + 1) // 64) * 64)
    try:
        # An F32 KV cache: the default F16 cache would blur the F32 check by ~1e-3 nats.
        return llama_cpp.Llama(
            model_path=os.fspath(path), n_ctx=n_ctx, n_batch=n_ctx, logits_all=True,
            n_threads=n_threads, n_threads_batch=n_threads, verbose=False,
            type_k=llama_cpp.GGML_TYPE_F32, type_v=llama_cpp.GGML_TYPE_F32,
        )
    except (ValueError, RuntimeError) as exc:
        raise ArtifactError(f"llama.cpp cannot load {os.fspath(path)}: {_load_error(path) or exc}") from exc


def _load_error(path: str | os.PathLike[str]) -> str:
    """llama.cpp's own reason, which a quiet load swallows: load again, verbosely, into a buffer."""
    import llama_cpp

    logger = logging.getLogger("llama-cpp-python")
    level, buffer = logger.level, io.StringIO()
    try:
        with contextlib.redirect_stderr(buffer):
            llama_cpp.Llama(model_path=os.fspath(path), n_ctx=64, n_threads=1, verbose=True)
    except (ValueError, RuntimeError):
        pass
    finally:
        logger.setLevel(level)
    return "; ".join(line.strip() for line in buffer.getvalue().splitlines() if "error" in line.lower())


def _check_tokenizer(llm: Any, ref: Reference, path: str | os.PathLike[str]) -> None:
    for text, ids in zip(ref.prompts, ref.ids):
        got = tuple(llm.tokenize(text.encode("utf-8"), add_bos=True, special=True))
        if got != ids:
            raise ParityError(
                f"{os.fspath(path)}: its tokenizer splits {text[:40]!r}... into {list(got)[:24]}, the source's "
                f"into {list(ids)[:24]}; the pre-tokenizer or special tokens were not carried over"
            )
    if ref.chat_template and llm.metadata.get("tokenizer.chat_template") != ref.chat_template:
        raise ParityError(f"{os.fspath(path)}: the chat template differs from the source tokenizer's")


def _gguf_logprobs(llm: Any, ids: Sequence[int]) -> np.ndarray:
    llm.reset()
    llm.eval(list(ids))
    logits = np.asarray(llm.scores[: len(ids)], dtype=np.float64)
    logits -= logits.max(axis=-1, keepdims=True)
    return logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))


def _compare(source: Sequence[np.ndarray], exported: Sequence[np.ndarray]) -> dict[str, Any]:
    a = np.concatenate([np.asarray(x, dtype=np.float64) for x in source])
    # Renormalise in float64: a float32 log-softmax sums to 1 only within ~1e-6, which
    # would swamp the KL of an exact F32 conversion.
    a -= np.log(np.exp(a).sum(axis=-1, keepdims=True))
    b = np.concatenate(list(exported))
    kl = (np.exp(a) * (a - b)).sum(axis=-1)
    return {
        "n_prompts": len(source),
        "n_tokens": int(a.shape[0]),
        "max_abs_logprob": float(np.abs(a - b).max()),
        "mean_kl": float(max(kl.mean(), 0.0)),
        "top1_agreement": float((a.argmax(-1) == b.argmax(-1)).mean()),
    }


def _failures(figures: dict[str, Any], tol: Tolerance) -> list[str]:
    failed = []
    if figures["max_abs_logprob"] > tol.max_abs_logprob:
        failed.append(f"max |dlogp| {figures['max_abs_logprob']:.4g} > {tol.max_abs_logprob}")
    if figures["mean_kl"] > tol.max_mean_kl:
        failed.append(f"mean KL {figures['mean_kl']:.4g} > {tol.max_mean_kl}")
    if figures["top1_agreement"] < tol.min_top1:
        failed.append(f"top-1 agreement {figures['top1_agreement']:.3f} < {tol.min_top1}")
    return failed
