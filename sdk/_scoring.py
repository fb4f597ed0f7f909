"""Scoring on the local LLM: log p(response | prompt), docs/method.md §6.

A mixin of :class:`~edgealign.llm.LocalLLM`, kept apart from chat: scoring runs on a second
llama.cpp context that keeps every position's logits (:class:`~edgealign._llama.Scorer`),
created on the first score, and remembers each (prompt, response, vector, aligner) it scored.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from ._turns import TaskLike
from .conditioning import Conditioning, PersonaLike, ProfileLike

if TYPE_CHECKING:
    from ._adapter import Adapter

__all__ = ["Scoring", "vector_key"]

_MEMO_SIZE = 20_000  # scored (prompt, response) pairs kept per model


class Scoring:
    """``logprob`` and ``score`` for :class:`~edgealign.llm.LocalLLM` (which provides the
    native model, the scorer context, the gate, tokenizing, rendering and steering)."""

    _memo: dict[tuple[Any, ...], float]
    _scorer: Any
    _gate: Any
    if TYPE_CHECKING:  # provided by LocalLLM
        def _native(self) -> Any: ...
        def _apply_vector(self, llama: Any, vector: Any) -> None: ...
        def tokenize(self, text: str, *, special: bool = True) -> list[int]: ...
        def render(self, task: TaskLike, *, conditioning: str | Conditioning = "none",
                   profile: ProfileLike | None = None, persona: PersonaLike | None = None,
                   reply_tokens: int = 256) -> str: ...
        def steering_vector(self, conditioning: str | Conditioning, profile: ProfileLike | None,
                            strength: float = 1.0) -> Any: ...
        def adapter_for(self, conditioning: str | Conditioning) -> "Adapter | None": ...

    def logprob(self, prompt_text: str, response: str, *, vector: Any = None, adapter: "Adapter | None" = None) -> float:
        """log p(response + EOS | prompt_text): the sum over the response's tokens and EOS
        (docs/method.md §6). ``prompt_text`` is a rendered prompt (see :meth:`render`);
        ``vector`` a control vector from :meth:`steering_vector` to score under, ``adapter`` one
        of :attr:`adapters` (see :meth:`adapter_for`).

        The prompt and the response are tokenized separately (the response without BOS) and
        their ids concatenated, so the boundary is exactly where the reply starts, as in
        training. Each (prompt, response, vector) is scored once and remembered.
        """
        key = (prompt_text, response, vector_key(vector), _file(adapter))
        if key not in self._memo:
            if len(self._memo) >= _MEMO_SIZE:
                self._memo.pop(next(iter(self._memo)))
            llama = self._native()
            reply = llama.tokenize(response.encode("utf-8"), add_bos=False, special=False) + [llama.token_eos()]
            self._gate.acquire(self._scorer)
            try:
                self._scorer.steer(key[2], lambda native: self._apply_vector(native, vector))
                self._scorer.adapt(key[3])
                self._memo[key] = self._scorer.logprob(self.tokenize(prompt_text), reply)
            finally:
                self._gate.release(self._scorer)
        return self._memo[key]

    def score(
        self,
        task: TaskLike,
        response: str,
        *,
        conditioning: str | Conditioning = "none",
        profile: ProfileLike | None = None,
        persona: PersonaLike | None = None,
        strength: float = 1.0,
        adapter: bool = True,
    ) -> float:
        """log p(response | task under conditioning): :meth:`render` then :meth:`logprob` (with
        the conditioning's steering vector and, unless ``adapter`` is False, its trained
        aligner), leaving room in the context for the response."""
        room = len(self._native().tokenize(response.encode("utf-8"), add_bos=False, special=False)) + 1
        text = self.render(task, conditioning=conditioning, profile=profile, persona=persona, reply_tokens=room)
        return self.logprob(text, response, vector=self.steering_vector(conditioning, profile, strength),
                            adapter=self.adapter_for(conditioning) if adapter else None)



def _file(adapter: "Adapter | None") -> Path | None:
    return None if adapter is None else adapter.file


def vector_key(vector: Any) -> str | None:
    """A digest of a control vector (None for none), as prompt-cache keys use it."""
    from .steering import SteeringBasis

    return SteeringBasis.key(vector)
