"""Tiny real LoRA aligners for the tests: a tiny Llama as an F32 GGUF (the base file), loaded
back dequantized as the trainer loads SmolLM2, wrapped by peft with its B matrices perturbed so
the adapter changes the model, saved as a LoRA checkpoint, and exported by ``export lora``."""

from __future__ import annotations

import json
from pathlib import Path

PROFILE = "Concise communication style"
TASK = "What should I do on a rainy day?"
TARGETS = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]
TEXTS = [f"The {w} {v} the {o} at {n} o'clock." for n in range(12)
         for w, v, o in (("cat", "watches", "river"), ("old sailor", "paints", "boats"), ("robot", "counts", "stars"))]


def tiny_base(folder: Path, seed: int = 0, hidden: int = 64) -> Path:
    """An F32 GGUF of a random tiny Llama (2 layers, 4 heads, 2 KV heads) with a ChatML tokenizer."""
    from edgealign.export.gguf import convert_to_gguf
    from edgealign.training.models import tiny_llama, train_tiny_tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    tokenizer = train_tiny_tokenizer(TEXTS, vocab_size=400)
    model = tiny_llama(tokenizer, seed=seed, hidden_size=hidden, num_hidden_layers=2, intermediate_size=2 * hidden,
                       max_position_embeddings=256, initializer_range=0.1)
    hf = folder / "hf"
    model.save_pretrained(hf)
    tokenizer.save_pretrained(hf)
    return Path(convert_to_gguf(hf, folder / "base.gguf", dtype="f32") and folder / "base.gguf")


def lora_checkpoint(base: Path, folder: Path, *, method: str = "pba", rank: int = 4, alpha: float = 8.0,
                    scale: float = 0.3, seed: int = 0) -> Path:
    """A peft LoRA checkpoint on ``base`` (dequantized), as the trainer writes one."""
    import torch
    from peft import LoraConfig, get_peft_model

    from edgealign.training.hf import load_gguf_as_hf

    model, tokenizer = load_gguf_as_hf(base)
    model = get_peft_model(model, LoraConfig(r=rank, lora_alpha=alpha, target_modules=TARGETS, lora_dropout=0.0))
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, param in model.named_parameters():
            if "lora_B" in name:
                param.copy_(torch.randn(param.shape, generator=gen) * scale)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    config = {"method": method, "model": str(base), "lora_rank": rank, "lora_alpha": alpha, "lora_targets": TARGETS}
    (folder / "aligner_config.json").write_text(json.dumps(config))
    # the trainer's own held-out DPO figures, per data file: kept as training metrics, not read
    # as the device's per-conditioning accuracies
    (folder / "metrics.json").write_text(json.dumps({"steps": 0, "held_out": {"eval.jsonl": {"accuracy": 0.5}}}))
    return folder


def exported_aligner(base: Path, root: Path, *, method: str = "pba", seed: int = 0,
                     held_out: dict[str, float] | None = None) -> Path:
    """``root/<method>``: a LoRA checkpoint on ``base`` exported by ``export lora`` (f16)."""
    from edgealign.export.lora import export_lora

    ckpt = lora_checkpoint(base, root / f"ckpt-{method}", method=method, seed=seed)
    export_lora(ckpt, root / method, base=base, dtype="f16", n_threads=1, held_out=held_out)
    return root / method


def greedy(llm, conditioning: str, **kw) -> str:
    """12 greedy tokens for TASK under ``conditioning`` with what it reads (a light import: the
    switching test runs it in child processes too)."""
    info: dict = {"profile": PROFILE} if conditioning.startswith(("pba", "instruct")) else {}
    if conditioning.startswith("ica"):
        from edgealign.persona import Comment

        info = {"persona": [Comment("Plans?", "Short answers, please. And a joke.")]}
    text = str(llm.chat(TASK, conditioning=conditioning, max_tokens=12, temperature=0, **info, **kw))
    native = llm._native()  # the ids the context evaluated: a tiny random model's text may not decode
    return text + "|" + ",".join(str(int(t)) for t in native.input_ids[: native.n_tokens][-16:])
