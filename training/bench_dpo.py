"""Benchmark one DPO step: tokens/s and MFU for a model size and sequence length (not a test).

    python -m edgealign.training.bench_dpo --size 270m --seq 1024 --batch 8 --json
    python -m edgealign.training.bench_dpo --size 270m --seq 1024 --batch 8 --packing --fused-ce \\
        --compile --attn flash_attention_2 --json

A step is what the trainer does per micro-batch: the frozen reference's forward (no grad)
and the policy's forward and backward over B chosen and B rejected sequences of random
tokens (lengths drawn in [seq/2, seq], the second half of each a response), bf16 autocast
on a GPU. The speed-ups, each a flag so their effect can be measured:

* ``--packing``: padding-free batching. The 2B sequences are packed into rows of ``--seq``
  tokens with positions restarting per sequence (flash_attention_2 reads the boundaries
  from ``position_ids``; sdpa and eager get a block-diagonal causal mask), so no FLOP is
  spent on padding.
* ``--fused-ce``: the vocabulary projection and log-softmax run only on response tokens,
  in chunks recomputed in backward (no (tokens, V) fp32 tensor is kept); the baseline is a
  full ``log_softmax`` over every position, as a plain HF loop does.
* ``--compile``: ``torch.compile`` of both models.
* ``--attn``: ``sdpa`` (default), ``flash_attention_2`` (when flash-attn is installed) or ``eager``.

MFU counts model FLOPs per real (non-padding) token as in PaLM's appendix: 6N for the
policy's forward and backward plus 2N for the reference's forward (N = parameters doing
matmuls, the tied LM head included), plus causal attention 6*L*d*S (policy) and 2*L*d*S
(reference), S the token's sequence length; divided by the device's dense bf16 peak (``--peak-tflops``,
detected for A100/H100/H200). The baseline to beat, a plain eager bf16 HF loop on an H200:
MFU 0.28 at 270M and 0.40 at 1B parameters, sequence 1024.

Measured once on an H200 (docs/training.md, "GPU speed"): bf16 autocast and sdpa ran at
270m and 1b; --compile did not finish within 100 s there and flash_attention_2 was not
installed, so those two paths are still unmeasured on a GPU.
"""

from __future__ import annotations

import argparse
import copy
import json
import time
from typing import Any

import torch

from edgealign.training.dpo_objective import collate_pairs, dpo_loss

__all__ = ["SIZES", "build", "bench", "main"]

#: name -> LlamaConfig fields (tied embeddings throughout; vocab sizes of the real families).
SIZES: dict[str, dict[str, int]] = {
    "tiny": dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2,
                 intermediate_size=256, vocab_size=2048),
    "135m": dict(hidden_size=576, num_hidden_layers=30, num_attention_heads=9, num_key_value_heads=3,
                 intermediate_size=1536, vocab_size=49152),  # SmolLM2-135M
    "270m": dict(hidden_size=1024, num_hidden_layers=20, num_attention_heads=16, num_key_value_heads=4,
                 intermediate_size=2816, vocab_size=49152),
    "1b": dict(hidden_size=2048, num_hidden_layers=16, num_attention_heads=32, num_key_value_heads=8,
               intermediate_size=8192, vocab_size=128256),  # Llama-3.2-1B
}
_PEAK_BF16_TFLOPS = {"H200": 989.0, "H100": 989.0, "A100": 312.0}


def build(size: str, seq: int, attn: str, device: str, dtype: torch.dtype) -> tuple[Any, Any]:
    """(policy, reference): a random Llama of ``size`` and its frozen copy."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(**SIZES[size], max_position_embeddings=max(seq, 1024), tie_word_embeddings=True)
    config._attn_implementation = attn  # set on the config: works in transformers 4.57 and 5
    torch.manual_seed(0)
    policy = LlamaForCausalLM(config).to(device=device, dtype=dtype)
    policy.config.use_cache = False
    reference = copy.deepcopy(policy).requires_grad_(False).eval()
    return policy, reference


def _pairs(batch: int, seq: int, vocab: int, gen: torch.Generator) -> list[dict[str, list[int]]]:
    """B pairs; every sequence is a prompt and a response, each half of a length in [seq/2, seq]."""
    out = []
    for _ in range(batch):
        lengths = torch.randint(seq // 2, seq + 1, (2,), generator=gen).tolist()
        prompt = torch.randint(3, vocab, (min(lengths) // 2,), generator=gen).tolist()
        out.append({"prompt_ids": prompt, **{k: torch.randint(3, vocab, (n - len(prompt),), generator=gen).tolist()
                                             for k, n in zip(("chosen_ids", "rejected_ids"), lengths)}})
    return out


def _padded_inputs(pairs: list[dict], device: str) -> tuple[dict[str, Any], torch.Tensor, torch.Tensor]:
    """(model kwargs, targets (R, L), response mask (R, L)) for right-padded rows."""
    b = {k: v.to(device) for k, v in collate_pairs(pairs, 0).items()}
    return {"input_ids": b["input_ids"], "attention_mask": b["attention_mask"]}, b["input_ids"], b["response_mask"]


def _packed_inputs(pairs: list[dict], seq: int, attn: str, device: str, dtype: torch.dtype) -> tuple[dict, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sequences packed first-fit into rows of ``seq`` tokens: (model kwargs, targets (R, seq),
    response mask (R, seq), sequence id (R, seq), -1 on the tail)."""
    seqs = [(e["prompt_ids"], e[k]) for k in ("chosen_ids", "rejected_ids") for e in pairs]
    rows: list[list[int]] = []
    for i, (p, r) in sorted(enumerate(seqs), key=lambda t: -len(t[1][0]) - len(t[1][1])):
        fit = next((row for row in rows if sum(len(seqs[j][0]) + len(seqs[j][1]) for j in row) + len(p) + len(r) <= seq), None)
        rows.append([i]) if fit is None else fit.append(i)
    ids, pos, resp, sid = (torch.zeros(len(rows), seq, dtype=torch.long) for _ in range(4))
    sid -= 1
    for r, row in enumerate(rows):
        at = 0
        for i in row:
            p, c = seqs[i]
            n = len(p) + len(c)
            ids[r, at: at + n] = torch.tensor(p + c)
            pos[r, at: at + n] = torch.arange(n)
            resp[r, at + len(p): at + n] = 1
            sid[r, at: at + n] = i
            at += n
    kwargs: dict[str, Any] = {"input_ids": ids.to(device), "position_ids": pos.to(device)}
    if attn != "flash_attention_2":  # flash-attn finds the boundaries in position_ids itself
        same = (sid[:, :, None] == sid[:, None, :]) & (sid[:, :, None] >= 0)
        causal = same & torch.ones(seq, seq, dtype=torch.bool).tril()
        kwargs["attention_mask"] = torch.zeros(causal.shape, dtype=dtype).masked_fill(~causal, float("-inf"))[:, None].to(device)
    return kwargs, ids.to(device), resp.bool().to(device), sid.to(device)


def _logps(model: Any, kwargs: dict, targets: torch.Tensor, resp: torch.Tensor, fused: bool) -> torch.Tensor:
    """Per-row sums of response-token log-probs: (R,) for padded rows, tokens flattened for packed."""
    if not fused:
        logits = model(**kwargs).logits[:, :-1].float()  # (R, L-1, V): the plain HF way
        token = torch.log_softmax(logits, -1).gather(-1, targets[:, 1:, None]).squeeze(-1)
        return token * resp[:, 1:]
    hidden = model.model(**kwargs).last_hidden_state[:, :-1]  # (R, L-1, d)
    where = resp[:, 1:]
    h, t = hidden[where], targets[:, 1:][where]  # (n_resp, d), (n_resp,): response tokens only
    head = model.get_output_embeddings().weight
    out = torch.zeros(where.shape, dtype=torch.float32, device=h.device)
    parts = [torch.utils.checkpoint.checkpoint(_chunk, h[i: i + 4096], t[i: i + 4096], head, use_reentrant=False)
             for i in range(0, h.shape[0], 4096)]
    out[where] = torch.cat(parts)
    return out


def _chunk(h: torch.Tensor, t: torch.Tensor, head: torch.Tensor) -> torch.Tensor:
    logits = (h @ head.T).float()  # (n, V), freed after the chunk: recomputed in backward
    return logits.gather(-1, t[:, None]).squeeze(-1) - torch.logsumexp(logits, -1)


def _sequence_sums(token: torch.Tensor, sid: torch.Tensor | None, n: int) -> torch.Tensor:
    if sid is None:
        return token.sum(-1)
    return torch.zeros(n, device=token.device).index_add(0, sid[:, 1:].clamp(min=0).flatten(), token.flatten())


def _flops_per_step(model: Any, pairs: list[dict]) -> float:
    cfg = model.config
    n = sum(p.numel() for p in model.parameters())  # tied: the embedding is the LM head's matmul
    lengths = [len(e["prompt_ids"]) + len(e[k]) for e in pairs for k in ("chosen_ids", "rejected_ids")]
    tokens, ctx = sum(lengths), sum(x * x for x in lengths) / (2 * max(1, sum(lengths)))  # causal: mean context L/2
    attn = 2 * cfg.num_hidden_layers * cfg.hidden_size * ctx * 2  # QK^T and AV, 2 FLOPs per MAC
    return tokens * ((6 * n + 3 * attn) + (2 * n + attn))


def bench(args: argparse.Namespace) -> dict[str, Any]:
    """Time ``args.steps`` DPO steps after ``args.warmup``; tokens/s over real tokens and MFU."""
    cuda = torch.cuda.is_available() and not args.cpu
    device, dtype = ("cuda", torch.bfloat16) if cuda else ("cpu", torch.float32)
    policy, reference = build(args.size, args.seq, args.attn, device, torch.float32)
    reference.to(dtype)
    if args.compile:  # the decoder stacks, so the fused-CE path (model.model) is compiled too
        policy.model, reference.model = torch.compile(policy.model), torch.compile(reference.model)
    optimizer = torch.optim.AdamW(policy.parameters(), lr=1e-6, fused=cuda)
    gen = torch.Generator().manual_seed(0)
    batches = [_pairs(args.batch, args.seq, policy.config.vocab_size, gen) for _ in range(args.warmup + args.steps)]
    times = []
    for i, pairs in enumerate(batches):
        if cuda:
            torch.cuda.synchronize()
        start = time.perf_counter()
        _step(policy, reference, optimizer, pairs, args, device, dtype)
        if cuda:
            torch.cuda.synchronize()
        if i >= args.warmup:
            times.append(time.perf_counter() - start)
    return _report(args, policy, batches[args.warmup:], times, device)


def _step(policy: Any, reference: Any, optimizer: Any, pairs: list[dict], args: argparse.Namespace,
          device: str, dtype: torch.dtype) -> None:
    n = 2 * len(pairs)
    if args.packing:
        kwargs, targets, resp, sid = _packed_inputs(pairs, args.seq, args.attn, device, dtype)
    else:
        (kwargs, targets, resp), sid = _padded_inputs(pairs, device), None
    with torch.autocast(device_type=device, dtype=dtype, enabled=device == "cuda"):
        with torch.no_grad():
            ref = _sequence_sums(_logps(reference, kwargs, targets, resp, args.fused_ce), sid, n)
        pol = _sequence_sums(_logps(policy, kwargs, targets, resp, args.fused_ce), sid, n)
        loss = dpo_loss(pol, ref, 0.1)[0]
    loss.backward()
    optimizer.step()
    optimizer.zero_grad(set_to_none=True)


def _report(args: argparse.Namespace, policy: Any, batches: list, times: list[float], device: str) -> dict[str, Any]:
    real_tokens = sum(len(e["prompt_ids"]) * 2 + len(e["chosen_ids"]) + len(e["rejected_ids"]) for b in batches for e in b)
    flops = sum(_flops_per_step(policy, b) for b in batches)
    name = torch.cuda.get_device_name() if device == "cuda" else "cpu"
    peak = args.peak_tflops or next((v for k, v in _PEAK_BF16_TFLOPS.items() if k in name), None)
    seconds = sum(times)
    out = {"device": name, "size": args.size, "params": sum(p.numel() for p in policy.parameters()),
           "seq": args.seq, "batch_pairs": args.batch, "packing": args.packing, "fused_ce": args.fused_ce,
           "compile": args.compile, "attn": args.attn, "step_ms": 1000 * seconds / len(times),
           "tokens_per_s": real_tokens / seconds, "tflops": flops / seconds / 1e12,
           "mfu": flops / seconds / (peak * 1e12) if peak and device == "cuda" else None}
    if device == "cuda":
        out["peak_mem_gib"] = torch.cuda.max_memory_allocated() / 2**30
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="tiny")
    parser.add_argument("--seq", type=int, default=256, help="sequence length (packed row length with --packing)")
    parser.add_argument("--batch", type=int, default=4, help="pairs per step (2x sequences)")
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--warmup", type=int, default=2)
    parser.add_argument("--packing", action="store_true", help="padding-free packed rows")
    parser.add_argument("--fused-ce", action="store_true", help="chunked log-softmax on response tokens only")
    parser.add_argument("--compile", action="store_true", help="torch.compile both models")
    parser.add_argument("--attn", default="sdpa", choices=("sdpa", "flash_attention_2", "eager"))
    parser.add_argument("--peak-tflops", type=float, default=None, help="device dense bf16 peak (default: detected)")
    parser.add_argument("--cpu", action="store_true", help="run on the CPU even when a GPU is present")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = bench(args)
    if result["device"] == "cpu":
        print("note: on a CPU the MFU is meaningless (no bf16 peak to compare with); tokens/s only", flush=True)
    print(json.dumps(result) if args.json else "\n".join(f"{k:<14} {v}" for k, v in result.items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
