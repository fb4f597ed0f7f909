"""Steering vectors trained with the DPO objective, the model frozen (``method="trained"``).

The only parameters are, per trained dimension, one vector per steered layer, started from
the contrastive (CAA) vectors. A pair is a training task answered under each pole's
instruction by the model itself (:func:`.contrastive.generate_pairs`); a user at the
positive pole chooses the positive answer and is steered by ``+v``, a user at the negative
pole chooses the other and is steered by ``-v``. Policy: the steered model on the plain
prompt; reference: the same model unsteered (its log-probabilities are computed once).
"""

from __future__ import annotations

import logging
import random
import time
from typing import Any, Sequence

import numpy as np
import torch

from .contrastive import Pair, chat_template, generate_pairs, tasks
from ._steering_eval import HeldOut, _example, score, steered
from .dpo_objective import collate_pairs, dpo_loss, sequence_logps

__all__ = ["train_vectors", "training_pairs"]

log = logging.getLogger(__name__)


def _examples(tokenizer: Any, pairs: Sequence[Any], index: dict[int, int]) -> list[dict[str, Any]]:
    """One example per pair and sign; empty or identical answers carry no preference and are dropped."""
    template, out = chat_template(tokenizer), []
    for p in pairs:
        if not p.positive or not p.negative or p.positive == p.negative:
            continue
        for sign in (1, -1):
            chosen, rejected = p.chosen_rejected(sign)
            out.append({**_example(tokenizer, template, p.task, chosen, rejected), "k": index[p.dim], "sign": sign})
    return out


def _reference(model: Any, examples: list[dict[str, Any]], pad: int, size: int) -> torch.Tensor:
    """(N, 2) unsteered log p of (chosen, rejected) per example."""
    refs = []
    with torch.inference_mode():
        for i in range(0, len(examples), size):
            chunk = examples[i: i + size]
            chosen, rejected = sequence_logps(model, collate_pairs(chunk, pad)).chunk(2)
            refs.append(torch.stack([chosen, rejected], 1))
    return torch.cat(refs)


def training_pairs(model: Any, tokenizer: Any, dims: Sequence[int], cfg: Any) -> list[Pair]:
    """The model's own answers to ``cfg.pair_tasks`` training tasks under both poles of each dimension."""
    return generate_pairs(model, tokenizer, dims, tasks("train", cfg.pair_tasks, cfg.seed + 2), seed=cfg.seed + 2,
                          max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size)


def train_vectors(model: Any, tokenizer: Any, vectors: np.ndarray, dims: tuple[int, ...], layers: tuple[int, int],
                  scale: float, data: HeldOut | None, cfg: Any, *, pairs: Sequence[Pair] | None = None,
                  progress: bool = True) -> tuple[np.ndarray, dict[str, Any]]:
    """DPO on the vectors of ``cfg.trained_dims`` at ``layers`` (inclusive); returns the new
    (dims, n_layer, n_embd) vectors at scale 1 and the metrics, held-out scores beside CAA's.
    ``pairs`` (else generated here, :func:`training_pairs`) are the training data; without
    ``data`` the held-out scores are left out."""
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    trained = tuple(cfg.trained_dims or dims)
    index = {d: k for k, d in enumerate(trained)}
    if pairs is None:
        pairs = training_pairs(model, tokenizer, trained, cfg)
    pad = tokenizer.pad_token_id or 0
    examples = _examples(tokenizer, pairs, index)
    if not examples:
        raise RuntimeError("every generated pair was empty or identical; raise max_new_tokens")
    reference = _reference(model, examples, pad, cfg.batch_size)
    t_data = time.perf_counter()
    il = list(range(layers[0], layers[1] + 1))
    rows = [dims.index(d) for d in trained]
    norms = np.linalg.norm(vectors[rows][:, il], axis=-1, keepdims=True)  # (T, L, 1): layer norm at scale 1
    unit = torch.tensor(vectors[rows][:, il] / np.maximum(norms, 1e-12), dtype=torch.float32, requires_grad=True)
    size = torch.tensor(norms * scale, dtype=torch.float32)  # what weight 1 adds per layer
    opt = torch.optim.Adam([unit], lr=cfg.lr)
    rng, losses, step_s = random.Random(cfg.seed), [], []
    for _ in tqdm(range(cfg.steps), desc="dpo steering", disable=not progress):
        t = time.perf_counter()
        batch_idx = rng.sample(range(len(examples)), min(cfg.pairs_per_step, len(examples)))
        chunk = [examples[i] for i in batch_idx]
        k = torch.tensor([e["k"] for e in chunk])
        sign = torch.tensor([float(e["sign"]) for e in chunk])[:, None]
        applied = unit[k] * size[k] * sign[:, :, None]  # (B, L, E)
        applied = torch.cat([applied, applied])  # chosen rows, then rejected rows
        with steered(model, {layer: applied[:, j, None] for j, layer in enumerate(il)}), \
                torch.autocast("cpu", dtype=torch.bfloat16, enabled=cfg.bf16):
            policy = sequence_logps(model, collate_pairs(chunk, pad))
        ref = reference[batch_idx].T.reshape(-1)  # chosen rows, then rejected rows
        loss, _, _ = dpo_loss(policy.float(), ref, cfg.beta)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(float(loss.detach()))
        step_s.append(time.perf_counter() - t)
    t_train = time.perf_counter()
    out = vectors.copy()
    learned = (unit.detach() * torch.tensor(norms, dtype=torch.float32)).numpy()
    for j, row in enumerate(rows):
        out[row, il] = learned[j]
    heldout, caa = _compare(model, data, vectors, out, dims, il, scale) if data is not None else (None, None)
    metrics = {"dims": len(trained), "pairs": len(examples), "steps": cfg.steps, "bf16": cfg.bf16,
               "step_s": round(float(np.median(step_s)), 3), "loss_first": round(float(np.mean(losses[:10])), 4),
               "loss_last": round(float(np.mean(losses[-10:])), 4), "data_s": round(t_data - t0, 1),
               "train_s": round(t_train - t_data, 1), "heldout": heldout, "caa_same_dims": caa}
    if heldout is not None:
        log.info("trained steering: held-out accuracy %.3f (CAA %.3f), %.2f s/step", heldout["accuracy"],
                 caa["accuracy"], metrics["step_s"])
    return out, metrics


def _compare(model: Any, data: HeldOut, before: np.ndarray, after: np.ndarray, dims: tuple[int, ...],
             il: list[int], scale: float) -> tuple[dict[str, Any], dict[str, Any]]:
    """Held-out scores of the trained and of the CAA vectors, on the same data and layers."""
    def per_dim(v: np.ndarray) -> dict[int, dict[int, torch.Tensor]]:
        return {d: {layer: torch.from_numpy(v[dims.index(d), layer]) for layer in il} for d in data.batches}

    return score(model, data, per_dim(after), scale).as_dict(), score(model, data, per_dim(before), scale).as_dict()
