"""Seconds per pair of a LoRA DPO step on the CPU, fp32 against bf16 autocast, side by side (not a test).

    python -m edgealign.training.bench_lora --data training/data/aligner_pairs_train.jsonl \\
        --threads 2 --rounds 3 --json

The bundled SmolLM2-135M-Instruct (dequantized, :func:`.hf.load_gguf_as_hf`) with the
``smollm2-135m-lora`` preset's adapter, real PBA examples of ``--data`` encoded as the trainer
encodes them. Each round times, for fp32 and then bf16 autocast on the same micro-batch: the
reference forward (the adapter disabled, no gradient: what the cache saves after the first
epoch) and the policy step (forward, backward, optimizer step). The two precisions alternate
within each round, so load from other processes falls on both alike; the first round is a
warm-up and is not counted.
"""

from __future__ import annotations

import argparse
import itertools
import json
import random
import statistics
import time
from typing import Any

import torch

__all__ = ["bench", "main"]


def _examples(path: str, tokenizer: Any, cfg: Any, n: int) -> list[dict[str, Any]]:
    from edgealign.data import read_records

    from .aligner_data import PairEncoder

    encoder = PairEncoder(tokenizer, cfg.method, max_length=cfg.max_length, max_prompt_length=cfg.max_prompt_length)
    out = []
    for i, record in enumerate(itertools.islice(read_records(path), 4 * n)):
        example = encoder.encode(record, random.Random(i))
        if example is not None:
            out.append(example)
        if len(out) == n:
            break
    return out


def _time(fn: Any) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Per precision: reference forward and policy step, seconds per pair (medians over rounds)."""
    from edgealign.llm import default_model_path

    from .aligners import AlignerConfig, _with_lora
    from .dpo_objective import collate_pairs, dpo_loss, sequence_logps
    from .hf import load_gguf_as_hf

    torch.set_num_threads(args.threads)
    cfg = AlignerConfig.preset("smollm2-135m-lora", "pba", **({"max_length": args.max_length} if args.max_length else {}))
    model, tokenizer = load_gguf_as_hf(default_model_path())
    model.config.use_cache = False
    policy = _with_lora(model, cfg)
    policy.train()
    optimizer = torch.optim.AdamW([p for p in policy.parameters() if p.requires_grad], lr=1e-6)
    examples = _examples(args.data, tokenizer, cfg, args.pairs)
    batch = collate_pairs(examples, tokenizer.pad_token_id)

    def reference() -> torch.Tensor:
        with torch.no_grad(), policy.disable_adapter():
            return sequence_logps(policy, batch, cfg.logits_chunk)

    def step(ref: torch.Tensor) -> None:
        loss = dpo_loss(sequence_logps(policy, batch, cfg.logits_chunk), ref, cfg.beta)[0]
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)

    times: dict[str, dict[str, list[float]]] = {p: {"reference": [], "policy": []} for p in ("fp32", "bf16")}
    for r in range(args.rounds + 1):
        for precision in ("fp32", "bf16"):
            with torch.autocast("cpu", dtype=torch.bfloat16, enabled=precision == "bf16"):
                ref_s = _time(lambda: reference())
                ref = reference().float()
                pol_s = _time(lambda: step(ref))
            if r:  # round 0 warms both paths up
                times[precision]["reference"].append(ref_s / len(examples))
                times[precision]["policy"].append(pol_s / len(examples))
    tokens = int(batch["attention_mask"].sum()) // 2
    out: dict[str, Any] = {"pairs_per_step": len(examples), "tokens_per_pair": tokens / len(examples),
                           "max_length": cfg.max_length, "threads": args.threads, "rounds": args.rounds,
                           "lora_rank": cfg.lora_rank}
    for precision, parts in times.items():
        ref, pol = statistics.median(parts["reference"]), statistics.median(parts["policy"])
        out[precision] = {"reference_s_per_pair": ref, "policy_s_per_pair": pol, "uncached_s_per_pair": ref + pol}
    out["bf16_speedup_policy"] = out["fp32"]["policy_s_per_pair"] / out["bf16"]["policy_s_per_pair"]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, metavar="FILE", help="AlignX records (an aligner-pairs file)")
    parser.add_argument("--pairs", type=int, default=4, help="pairs per micro-batch")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds (after one warm-up round)")
    parser.add_argument("--threads", type=int, default=2, help="torch threads")
    parser.add_argument("--max-length", type=int, default=None, help="override the preset's max_length")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = bench(args)
    print(json.dumps(result) if args.json else "\n".join(f"{k:<22} {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
