"""Parity of a LoRA adapter GGUF: llama.cpp (base file + adapter) against torch + peft.

Both sides run the same weights: torch loads the base GGUF dequantized
(:func:`edgealign.training.hf.load_gguf_as_hf`, as the trainer does) and applies the peft
checkpoint; llama.cpp runs the base file and the exported adapter. Every held-out prompt
(:data:`.validate.HELD_OUT_PROMPTS` and a chat turn) goes through both with and without the
adapter, so three things are measured:

- the adapted model against its source: mean KL and top-1 agreement;
- the base file alone the same way, the drift the base file's own type causes (a quantized
  file multiplies in 8-bit activations, which torch does not); the adapted model's KL less
  this is the drift the adapter adds (``excess_kl``);
- the adapter's effect, Δ = log p(with) - log p(without), on both sides: the error
  E_p|Δ_llama.cpp - Δ_torch| / E_p|Δ_torch| (p the source's distribution, so tokens of
  negligible probability do not dominate). On an F32 or F16 base this isolates the adapter
  exactly; on a quantized base the activations' rounding differs with and without the
  adapter, so Δ carries that noise and only ``excess_kl`` is bounded there.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from edgealign.errors import ConfigError, ParityError

__all__ = ["LoraTolerance", "LORA_TOLERANCES", "check_lora_parity"]


@dataclass(frozen=True)
class LoraTolerance:
    """How far base + adapter through llama.cpp may drift from torch + peft; all bounds must hold."""

    max_mean_kl: float
    """Mean over positions of KL(torch+peft || llama.cpp with the adapter) (nats)."""
    min_top1: float
    """Share of positions whose most likely next token is the same (0..1)."""
    max_excess_kl: float
    """mean KL of the adapted model less the base file's own: the drift the adapter adds."""
    max_effect_error: float | None = None
    """E_p|Δ_llama.cpp - Δ_torch| / E_p|Δ_torch|, the adapter's effect's relative error (None:
    not bounded, for quantized bases whose rounding noise Δ carries)."""

    def __post_init__(self) -> None:
        if min(self.max_mean_kl, self.max_excess_kl, self.max_effect_error or 0) < 0 or not 0 <= self.min_top1 <= 1:
            raise ConfigError(f"invalid LoRA parity tolerance {self}")


#: Per base file type (the adapter F16 or F32), from measurements on the test llama (F32) and
#: on SmolLM2-135M Q4_1 with a rank-16 adapter (docs/export.md), with wide headroom. On the test
#: llama an adapter without the q/k permutation of B misses every bound (tested).
LORA_TOLERANCES: dict[str, LoraTolerance] = {
    "f32": LoraTolerance(max_mean_kl=1e-4, min_top1=0.98, max_excess_kl=1e-4, max_effect_error=0.02),
    "f16": LoraTolerance(max_mean_kl=2e-3, min_top1=0.97, max_excess_kl=1e-3, max_effect_error=0.05),
    "q8_0": LoraTolerance(max_mean_kl=0.03, min_top1=0.9, max_excess_kl=0.005),
    "q4": LoraTolerance(max_mean_kl=0.1, min_top1=0.8, max_excess_kl=0.01),
}


def tolerance_for(base_type: str) -> tuple[str, LoraTolerance]:
    """The bound for a base file type: its own, else the 4-bit one (the loosest)."""
    key = base_type if base_type in LORA_TOLERANCES else "q4"
    return key, LORA_TOLERANCES[key]


def _torch_side(checkpoint: Path, base: Path) -> tuple[Any, Any, Any]:
    """(reference without the adapter, reference with it, tokenizer)."""
    from peft import PeftModel

    from edgealign.training.hf import load_gguf_as_hf

    from .validate import reference

    model, tokenizer = load_gguf_as_hf(base)
    model = PeftModel.from_pretrained(model, os.fspath(checkpoint))
    with model.disable_adapter():
        bare = reference(model, tokenizer)
    adapted = reference(model, tokenizer)
    return bare, adapted, tokenizer


def _llama_side(base: Path, adapter: Path, ref: Any, n_threads: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    from edgealign._llama import load_adapter, set_adapter

    from .validate import _check_tokenizer, _gguf_logprobs, _load

    llm = _load(base, max(len(s) for s in ref.ids), n_threads)
    try:
        _check_tokenizer(llm, ref, base)
        bare = [_gguf_logprobs(llm, seq) for seq in ref.ids]
        set_adapter(llm, load_adapter(llm, adapter))
        adapted = [_gguf_logprobs(llm, seq) for seq in ref.ids]
    finally:
        llm.close()
    return bare, adapted


def _normalised(rows: Sequence[np.ndarray]) -> np.ndarray:
    a = np.concatenate([np.asarray(x, dtype=np.float64) for x in rows])
    return a - np.log(np.exp(a).sum(axis=-1, keepdims=True))


def _kl(p_log: np.ndarray, q_log: np.ndarray) -> float:
    return float(max((np.exp(p_log) * (p_log - q_log)).sum(axis=-1).mean(), 0.0))


def _figures(t_bare: np.ndarray, t_lora: np.ndarray, l_bare: np.ndarray, l_lora: np.ndarray) -> dict[str, Any]:
    p = np.exp(t_lora)
    effect = (p * np.abs(t_lora - t_bare)).sum(-1).mean()
    miss = (p * np.abs((l_lora - l_bare) - (t_lora - t_bare))).sum(-1).mean()
    return {
        "n_tokens": int(t_lora.shape[0]),
        "mean_kl": _kl(t_lora, l_lora),
        "top1_agreement": float((t_lora.argmax(-1) == l_lora.argmax(-1)).mean()),
        "max_abs_logprob": float(np.abs(t_lora - l_lora).max()),
        "base_mean_kl": _kl(t_bare, l_bare),
        "base_top1_agreement": float((t_bare.argmax(-1) == l_bare.argmax(-1)).mean()),
        "adapter_effect_kl": _kl(t_lora, t_bare),
        "adapter_effect_top1_changed": float((t_lora.argmax(-1) != t_bare.argmax(-1)).mean()),
        "excess_kl": _kl(t_lora, l_lora) - _kl(t_bare, l_bare),
        # An adapter that changes nothing (B = 0) has nothing to get wrong but what llama.cpp adds.
        "effect_error": float(miss / effect) if effect > 1e-6 else float(miss),
    }


def check_lora_parity(checkpoint: str | os.PathLike[str], base: str | os.PathLike[str],
                      adapter: str | os.PathLike[str], *, base_type: str, adapter_type: str,
                      n_threads: int = 2, tolerance: LoraTolerance | None = None) -> dict[str, Any]:
    """Compare ``base`` + ``adapter`` through llama.cpp with ``base`` dequantized + the peft
    ``checkpoint`` through torch; the figures, or ParityError naming them."""
    key, default = tolerance_for(base_type)
    tol = tolerance or default
    t_bare, t_lora, _ = _torch_side(Path(checkpoint), Path(base))
    l_bare, l_lora = _llama_side(Path(base), Path(adapter), t_lora, n_threads)
    figures = {"base_type": base_type, "adapter_type": adapter_type, "tolerance_for": key,
               "tolerance": asdict(tol), "n_prompts": len(t_lora.ids),
               **_figures(_normalised(t_bare.logprobs), _normalised(t_lora.logprobs),
                          _normalised(l_bare), _normalised(l_lora))}
    effect_bound = tol.max_effect_error
    failed = [f"{name} {figures[k]:.4g} {op} {bound}" for name, k, op, bound, bad in (
        ("mean KL", "mean_kl", ">", tol.max_mean_kl, figures["mean_kl"] > tol.max_mean_kl),
        ("top-1 agreement", "top1_agreement", "<", tol.min_top1, figures["top1_agreement"] < tol.min_top1),
        ("excess KL", "excess_kl", ">", tol.max_excess_kl, figures["excess_kl"] > tol.max_excess_kl),
        ("effect error", "effect_error", ">", effect_bound,
         effect_bound is not None and figures["effect_error"] > effect_bound),
    ) if bad]
    if failed:
        raise ParityError(f"{os.fspath(adapter)} on {Path(base).name} disagrees with torch + peft past the {key} "
                          f"tolerance: {'; '.join(failed)} (figures {figures}); the conversion is wrong")
    return figures
