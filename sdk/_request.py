"""A prepared request: one chat turn worked out once, then decoded.

:func:`prepare` resolves everything a turn needs before the model runs: the conditioning
(the object, resolved once), the user's profile and persona, the steering vector, the
trained aligner, the prompt fitted to the context, rendered once through the model's chat
template and tokenized once, and where the conditioned prefix (the system message with its
instructions, every token before the task) ends. :class:`~edgealign.llm.LocalLLM` decodes a
:class:`PreparedRequest` as it is; nothing downstream looks a name up again.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Hashable, Protocol, Sequence, runtime_checkable

from . import conditioning as _cond
from ._turns import TaskLike, fit_turns, split_messages
from .conditioning import Conditioning, PersonaLike, ProfileLike, UserInfo
from .errors import ConfigError
from .prompts import Prompt
from .sampling import MAX_TOKENS, TEMPERATURE, TOP_P

if TYPE_CHECKING:
    import numpy as np

    from ._adapter import Adapter
    from ._stream import ChatStream, Reply
    from .llm import LocalLLM

__all__ = ["PreparedRequest", "Preparer", "prepare", "render_prompt"]

#: A conditioned prefix shorter than this is evaluated each time rather than restored.
MIN_PREFIX_TOKENS = 8


@dataclass(frozen=True, eq=False)
class PreparedRequest:
    """One turn, ready to decode: built once by :meth:`LocalLLM.prepare
    <edgealign.llm.LocalLLM.prepare>` and handed to :meth:`LocalLLM.answer
    <edgealign.llm.LocalLLM.answer>`."""

    conditioning: Conditioning
    """The conditioning, resolved."""
    info: UserInfo
    """The user's profile and / or persona items it reads."""
    strength: float
    """How hard the profile steers (0 to 2)."""
    vector: "np.ndarray | None"
    """The control vector set while decoding, or None."""
    vector_key: str | None
    """A digest of :attr:`vector` (None without one)."""
    adapter: "Adapter | None"
    """The trained aligner answering through, or None for the bare model."""
    prompt: Prompt
    """The conditioned system instruction and user turn, before the chat template."""
    text: str
    """The rendered prompt: exactly what the model reads."""
    ids: tuple[int, ...]
    """Its token ids."""
    prefix: int
    """How many leading ids do not depend on the task: the conditioned prefix (the system
    message with its instructions) that a saved state may stand in for; 0 when too short."""
    max_tokens: int
    """Room left for the reply."""
    notes: tuple[str, ...] = ()
    """What the conditioning did not do, e.g. a profile with nothing to steer."""

    @property
    def adapter_file(self) -> Path | None:
        return None if self.adapter is None else self.adapter.file

    @property
    def cache_key(self) -> Hashable:
        """Equal exactly when two requests condition the model alike (the same prompt inputs,
        steering vector and aligner): the prompt cache is kept across such requests only."""
        return _cond.cache_key(self.conditioning, self.info, self.vector_key), self.adapter_file

    @property
    def prefix_key(self) -> Hashable:
        """What a saved prefix state depends on: its tokens, the vector and the aligner."""
        return tuple(self.ids[: self.prefix]), self.vector_key, self.adapter_file


@runtime_checkable
class Preparer(Protocol):
    """A chat model that prepares a request once and decodes it (:class:`~edgealign.llm.LocalLLM`)."""

    def prepare(self, task: TaskLike, *, conditioning: str | Conditioning = "none", profile: ProfileLike | None = None,
                persona: PersonaLike | None = None, strength: float = 1.0, max_tokens: int = MAX_TOKENS,
                adapter: bool = True) -> PreparedRequest: ...

    def answer(self, request: PreparedRequest, *, temperature: float = TEMPERATURE, top_p: float = TOP_P,
               stop: Sequence[str] | None = None, seed: int | None = None, stream: bool = False,
               take_over: bool = False) -> "Reply | ChatStream": ...


def render_prompt(llm: "LocalLLM", task: TaskLike, c: Conditioning, info: UserInfo,
                  reply_tokens: int) -> tuple[Prompt, str]:
    """The conditioned prompt and its rendered text, fitted to ``n_ctx - reply_tokens``."""
    if not 0 < reply_tokens < llm.n_ctx:
        raise ConfigError(f"room for the reply must be 1..{llm.n_ctx - 1} tokens, got {reply_tokens}")
    c.check(info)
    text, system, turns = split_messages(task)
    budget = llm.n_ctx - reply_tokens
    return fit_turns(lambda tpl: c.build(text, info, budget, llm.count_tokens, tpl), llm.template, system, turns)


def prepare(llm: "LocalLLM", task: TaskLike, c: Conditioning, info: UserInfo, *, strength: float,
            max_tokens: int, adapter: bool) -> PreparedRequest:
    """Everything one turn needs, each worked out once (see :class:`PreparedRequest`)."""
    from .steering import SteeringBasis

    prompt, text = render_prompt(llm, task, c, info, max_tokens)
    vector = llm.steering_vector(c, info.profile, strength)
    ids = tuple(llm.tokenize(text))
    return PreparedRequest(
        conditioning=c, info=info, strength=strength, vector=vector, vector_key=SteeringBasis.key(vector),
        adapter=llm.adapter_for(c) if adapter else None, prompt=prompt, text=text, ids=ids,
        prefix=_prefix_length(llm, text, prompt, ids), max_tokens=max_tokens, notes=_notes(c, vector))


def _notes(c: Conditioning, vector: Any) -> tuple[str, ...]:
    if c.steers and vector is None:
        return (f"nothing in the profile is steerable; answered as {c.name.replace('+steer', '') if '+' in c.name else 'none'}",)
    return ()


def _prefix_length(llm: "LocalLLM", text: str, prompt: Prompt, ids: Sequence[int]) -> int:
    """How many of ``ids`` come before the user's turn: the tokens of the rendered text up
    to the task, as the whole text tokenizes them (a prefix tokenized alone may merge
    differently at its end, so only the tokens both agree on count)."""
    at = text.rfind(prompt.user)
    if at <= 0:
        return 0
    head = llm.prefix_ids(text[:at])
    n = 0
    for a, b in zip(head, ids):
        if a != b:
            break
        n += 1
    n = min(n, len(ids) - 1)  # at least one token is always evaluated: it makes the first logits
    return n if n >= MIN_PREFIX_TOKENS else 0
