"""The DPO objective on sequence log-probabilities: batches, per-sequence log p, the loss.

Shared by the training loop (:mod:`.dpo`) and its benchmark (:mod:`.bench_dpo`). A sequence's
log-probability is the sum over its response tokens plus EOS, prompt and padding masked, the
quantity docs/method.md §6's metric compares.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

__all__ = ["collate_pairs", "sequence_logps", "dpo_loss"]


def collate_pairs(examples: list[dict[str, Any]], pad_id: int) -> dict[str, torch.Tensor]:
    """Right-padded rows: chosen sequences first, then rejected. input_ids, attention_mask and
    response_mask (True on response tokens and EOS) all (2B, L)."""
    rows = [(e["prompt_ids"], e[k]) for k in ("chosen_ids", "rejected_ids") for e in examples]
    width = max(len(p) + len(r) for p, r in rows)
    ids = torch.full((len(rows), width), pad_id, dtype=torch.long)
    attention = torch.zeros((len(rows), width), dtype=torch.long)
    response = torch.zeros((len(rows), width), dtype=torch.bool)
    for i, (p, r) in enumerate(rows):
        ids[i, : len(p) + len(r)] = torch.tensor(p + r, dtype=torch.long)
        attention[i, : len(p) + len(r)] = 1
        response[i, len(p): len(p) + len(r)] = True
    return {"input_ids": ids, "attention_mask": attention, "response_mask": response}


def sequence_logps(model: Any, batch: dict[str, torch.Tensor], chunk: int = 4096) -> torch.Tensor:
    """Sum of log p(token) over each row's response tokens: (2B,).

    Only the logits from the first response column on are computed (``logits_to_keep``), so
    long ICA prompts cost no vocabulary projection."""
    ids, mask = batch["input_ids"], batch["response_mask"]
    first = int(mask.float().argmax(1).min())  # earliest response column over rows (>= 1)
    keep = ids.shape[1] - first + 1  # the last `keep` positions; the final one predicts nothing
    out = model(input_ids=ids, attention_mask=batch["attention_mask"], use_cache=False, logits_to_keep=keep)
    logits = out.logits[:, -keep:-1]  # (2B, L - first, V): position t predicts column t + 1
    token = _token_logps(logits, ids[:, first:], chunk)  # (2B, L - first)
    return (token * mask[:, first:]).sum(-1)


def _token_logps(logits: torch.Tensor, targets: torch.Tensor, chunk: int) -> torch.Tensor:
    """log_softmax(logits)[target] in fp32, chunked over tokens. For half-precision logits each
    chunk is recomputed in backward, so no fp32 (tokens, V) tensor is ever kept."""
    flat, tgt = logits.reshape(-1, logits.shape[-1]), targets.reshape(-1)
    recompute = torch.is_grad_enabled() and logits.dtype != torch.float32
    parts = []
    for i in range(0, flat.shape[0], chunk):
        args = (flat[i: i + chunk], tgt[i: i + chunk])
        if recompute:
            parts.append(torch.utils.checkpoint.checkpoint(_chunk_logps, *args, use_reentrant=False))
        else:
            parts.append(_chunk_logps(*args))
    return torch.cat(parts).view(targets.shape)


def _chunk_logps(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    logits = logits.float()  # (n, V)
    return logits.gather(-1, targets[:, None]).squeeze(-1) - torch.logsumexp(logits, -1)


def dpo_loss(policy: torch.Tensor, reference: torch.Tensor, beta: float, *, nll_weight: float = 0.0,
             lengths: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Sigmoid DPO over (2B,) sequence log-probs, chosen rows first: (loss, chosen rewards (B,),
    rejected rewards (B,)), rewards as docs/method.md §6: beta * (log pi - log pi_ref).

    ``nll_weight`` > 0 adds that much of the chosen answers' mean negative log-likelihood per
    response token (``lengths``: response tokens per row, chosen rows first), as RPO does: DPO
    alone only asks the chosen answer to gain on the rejected one, and both can lose
    likelihood to text neither of them is, which a small model then writes."""
    rewards = beta * (policy - reference)
    chosen, rejected = rewards.chunk(2)
    loss = -F.logsigmoid(chosen - rejected).mean()
    if nll_weight:
        if lengths is None:
            raise ValueError("nll_weight needs the response lengths")
        n_chosen = lengths.chunk(2)[0].clamp(min=1).to(policy.dtype)
        loss = loss + nll_weight * (-policy.chunk(2)[0] / n_chosen).mean()
    return loss, chosen.detach(), rejected.detach()
