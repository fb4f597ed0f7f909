"""The DPO reference's log-probabilities: one forward per example, cached for every later use."""

from __future__ import annotations

from typing import Any

import torch

from .dpo_objective import sequence_logps

__all__ = ["Reference"]


class Reference:
    """The DPO reference's sequence log-probabilities, computed once per example and cached.

    ``model`` is a frozen copy of the base; None means ``policy`` is a peft model whose
    adapter is switched off for the reference's forward. The cache key is the example's
    record index and a digest of its token ids, so an example seen again (a later epoch, the
    evaluation after training) reuses its value, and a record whose prompt was sampled
    differently (ICA's persona items) is computed anew."""

    def __init__(self, acc: Any, policy: Any, model: Any | None, chunk: int) -> None:
        self.acc, self.policy, self.model, self.chunk = acc, policy, model, chunk
        self.cache: dict[tuple[int, int], torch.Tensor] = {}
        self.forwards = 0
        """Reference forwards run (one per batch with an example not in the cache)."""
        self.hits = 0
        """Examples whose value came from the cache."""

    @staticmethod
    def key(example: dict[str, Any]) -> tuple[int, int]:
        ids = (tuple(example["prompt_ids"]), tuple(example["chosen_ids"]), tuple(example["rejected_ids"]))
        return int(example.get("index", -1)), hash(ids)

    def logps(self, micro: list[dict[str, Any]], batch: dict[str, torch.Tensor]) -> torch.Tensor:
        """(2B,) reference log-probabilities of ``batch`` (chosen rows, then rejected)."""
        keys = [self.key(e) for e in micro]
        if all(k in self.cache for k in keys):
            self.hits += len(keys)
            pairs = torch.stack([self.cache[k] for k in keys])  # (B, 2)
            return torch.cat([pairs[:, 0], pairs[:, 1]]).to(self.acc.device)
        with torch.no_grad():
            values = self._forward(batch).float()
        self.forwards += 1
        chosen, rejected = values.chunk(2)
        for i, k in enumerate(keys):
            self.cache[k] = torch.stack([chosen[i], rejected[i]]).detach()
        return values

    def _forward(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.model is not None:
            return sequence_logps(self.model, batch, self.chunk)
        with self.acc.unwrap_model(self.policy).disable_adapter():
            return sequence_logps(self.policy, batch, self.chunk)
