"""Fakes for testing code built on edgealign, without model files (``edgealign.testing``).

    from edgealign import Personalizer
    from edgealign.store import PersonaStore
    from edgealign.testing import FakeBridge, FakeLLM

    store = PersonaStore.open(tmp_path / "persona.db", key=b"k" * 32)
    p = Personalizer(store, bridge=FakeBridge(), llm=FakeLLM())
    p.add_user("ada")
    p.record_comment("ada", "Plans?", "Keep it short, please.")
    assert p.profile("ada").labels == ["Concise communication style"]
    assert "Keep the answer short." in p.chat("ada", "Hi?", conditioning="instruct")

Both fakes honour the same contracts as the real objects (:mod:`edgealign.protocols`): the
fake model goes through the real conditioning registry, returns the real Reply / ChatStream
types and holds the model while a stream is open, exactly as :class:`~edgealign.LocalLLM`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterator, Sequence

import numpy as np

from .. import conditioning as _cond
from .._stream import ChatStream, Gate, Reply, until_stop
from .._turns import split_messages
from ..conditioning import UserInfo
from ..llm import check_sampling, missing_basis
from ..persona import PersonaItem
from ..preferences import SPACE, Evidence, PreferenceProfile
from ..sampling import MAX_TOKENS, TEMPERATURE, TOP_P

__all__ = ["FakeBridge", "FakeLLM", "DEFAULT_RULES"]

#: keyword (lower case) -> (dimension index, direction 0 or 1): what FakeBridge "reads".
DEFAULT_RULES: dict[str, tuple[int, float]] = {
    "short": (SPACE.resolve("Concise communication style")[0], SPACE.resolve("Concise communication style")[1]),
    "brief": (SPACE.resolve("Concise communication style")[0], SPACE.resolve("Concise communication style")[1]),
    "joke": (SPACE.resolve("Likes humor")[0], SPACE.resolve("Likes humor")[1]),
    "funny": (SPACE.resolve("Likes humor")[0], SPACE.resolve("Likes humor")[1]),
    "serious": (SPACE.resolve("Dislikes humor")[0], SPACE.resolve("Dislikes humor")[1]),
}


def _text(item: PersonaItem) -> str:
    return " ".join(str(getattr(item, f, "")) for f in ("prompt", "comment", "chosen", "text")).lower()


@dataclass
class FakeBridge:
    """A deterministic bridge: an item containing a rule's keyword moves that dimension.

    Confidence grows with the number of items that agree (0.6, 0.8, 0.9, ...). ``calls``
    counts :meth:`infer` calls. Implements :class:`edgealign.protocols.Bridge`."""

    rules: dict[str, tuple[int, float]] = field(default_factory=lambda: dict(DEFAULT_RULES))
    max_items: int = 8
    calls: int = 0
    reads_history = False
    horizon = None
    cache_key = "fake"

    def infer(self, items: Sequence[PersonaItem], embeddings: Sequence[Any] | None = None) -> PreferenceProfile:
        self.calls += 1
        votes = np.zeros(len(SPACE))
        evidence = []
        for n, item in enumerate(items):
            text = _text(item)
            for word, (dim, value) in self.rules.items():
                if word in text:
                    sign = 1.0 if value > 0.5 else -1.0
                    votes[dim] += sign
                    evidence.append(Evidence(dimension=dim, item=n, weight=sign))
        dist = np.tile([0.0, 1.0, 0.0], (len(SPACE), 1))
        for dim in map(int, np.flatnonzero(votes)):
            conf = 1.0 - 0.4 / (2 ** (abs(votes[dim]) - 1))
            pole = 2 if votes[dim] > 0 else 0
            dist[dim] = [(1 - conf) / 2] * 3
            dist[dim, pole] = conf
        return PreferenceProfile(dist, evidence=evidence)

    def encode(self, items: Sequence[PersonaItem]) -> list[Any]:
        return [None for _ in items]

    def close(self) -> None:
        pass


class FakeLLM:
    """A deterministic chat model: the reply names the conditioning and echoes what it was
    conditioned on, e.g. ``"[instruct] Keep the answer short. | Hi?"``. ``calls`` records
    every chat's arguments; ``steering`` may be set to any object with ``weights()``; without
    one, a steering conditioning (``steer``, ``instruct+steer``...) is refused as the real model
    refuses it.
    Implements :class:`edgealign.protocols.ChatModel`, including stream ownership."""

    def __init__(self, *, steering: Any = None, n_ctx: int = 2048) -> None:
        self.steering = steering
        self.n_ctx = n_ctx
        self.calls: list[dict[str, Any]] = []
        self._gate = Gate("the fake model")

    def reply_text(self, task: Any, conditioning: str, info: UserInfo) -> str:
        c = _cond.get(conditioning)
        c.check(info)
        text, _, _ = split_messages(task)
        prompt = c.build(text, info, None, None, None)
        extra = prompt.system.split(". ", 1)[1] if c.name.startswith("instruct") and ". " in prompt.system else ""
        if c.name.startswith("pba"):
            extra = info.profile_object().to_text()
        if c.name.startswith("ica"):
            extra = f"{len(info.items())} items"
        return f"[{c.name}] {extra} | {text}".replace("  ", " ")

    def chat(self, task: Any, *, conditioning: str = "none", profile: Any = None, persona: Any = None,
             strength: float = 1.0, max_tokens: int = MAX_TOKENS, temperature: float = TEMPERATURE, top_p: float = TOP_P,
             stop: Sequence[str] | None = None, seed: int | None = None, stream: bool = False,
             take_over: bool = False) -> Reply | ChatStream:
        check_sampling(max_tokens=max_tokens, temperature=temperature, top_p=top_p)
        if _cond.get(conditioning).steers and self.steering is None:  # as LocalLLM refuses it
            raise missing_basis(_cond.get(conditioning).name, "the fake model")
        self.calls.append(dict(task=task, conditioning=conditioning, profile=profile, persona=persona,
                               strength=strength, max_tokens=max_tokens, stream=stream))
        words = self.reply_text(task, conditioning, UserInfo(profile, persona)).split(" ")

        def chunks(out: ChatStream) -> Iterator[str]:
            def pieces() -> Iterator[str]:
                for n, word in enumerate(words[:max_tokens]):
                    out.completion_tokens += 1
                    yield word if n == 0 else " " + word
            return until_stop(pieces(), list(stop or ()), out, max_tokens=max_tokens)

        out = ChatStream(self._gate, chunks, prompt_tokens=len(str(task).split()), take_over=take_over)
        if stream:
            return out
        with out:
            return Reply.of("".join(out), out)

    def close(self) -> None:
        pass
