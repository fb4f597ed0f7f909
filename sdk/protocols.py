"""The seams :class:`~edgealign.Personalizer` (and the server) rely on, as typing Protocols.

:class:`~edgealign.PreferenceBridge` and :class:`~edgealign.LocalLLM` are the real
:class:`Bridge` and :class:`ChatModel`; :mod:`edgealign.testing` ships deterministic fakes
of both, so an app's tests (and the SDK's own tests of the facade) run in milliseconds
without model files. :class:`ServedPersonalizer` is what ``edgealign serve``
(:func:`edgealign.server.create_app`) needs of a :class:`~edgealign.Personalizer`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, Sequence, runtime_checkable

import numpy as np

from .persona import PersonaItem
from .preferences import PreferenceProfile
from .sampling import MAX_TOKENS, TEMPERATURE, TOP_P

if TYPE_CHECKING:  # the types the seams name; none of them is loaded to import this module
    from ._dimensions import ProfileView
    from ._stream import ChatStream, Reply
    from ._turns import TaskLike
    from .conditioning import PersonaLike, ProfileLike
    from .steering import SteeringBasis
    from .store import AppTokens

__all__ = ["Bridge", "ChatModel", "ServedPersonalizer", "Embeddings"]

#: One item's sentence embeddings: a float32 (sentences, dim) array.
Embeddings = np.ndarray[Any, np.dtype[np.float32]]


@runtime_checkable
class Bridge(Protocol):
    """Infers a preference profile from persona items."""

    max_items: int
    """Items read in full (older ones may still count, less, when ``reads_history``)."""

    @property
    def reads_history(self) -> bool:
        """Whether :meth:`infer` takes cached per-item embeddings (from :meth:`encode`)."""

    @property
    def horizon(self) -> int | None:
        """How many of the newest items :meth:`infer` reads at most (None: all)."""

    @property
    def cache_key(self) -> str:
        """Names the embeddings :meth:`encode` makes; cached ones under another key are stale."""

    def infer(self, items: Sequence[PersonaItem],
              embeddings: Sequence[Embeddings | None] | None = None) -> PreferenceProfile:
        """The profile of a user whose history is ``items``, newest first; ``embeddings[i]``
        (when given and not None) is what :meth:`encode` made of ``items[i]``."""

    def encode(self, items: Sequence[PersonaItem]) -> list[Embeddings]:
        """Per item, what :meth:`infer` may reuse instead of reading the item again."""

    def close(self) -> None: ...


@runtime_checkable
class ChatModel(Protocol):
    """Answers a task under a conditioning (see :mod:`edgealign.conditioning`)."""

    steering: SteeringBasis | None
    """The steering basis in use, or None."""

    def chat(self, task: TaskLike, *, conditioning: str = "none", profile: ProfileLike | None = None,
             persona: PersonaLike | None = None, strength: float = 1.0, max_tokens: int = MAX_TOKENS,
             temperature: float = TEMPERATURE, top_p: float = TOP_P, stop: Sequence[str] | None = None,
             seed: int | None = None, stream: bool = False, take_over: bool = False) -> Reply | ChatStream:
        """A Reply (str with token counts) or, with ``stream``, a ChatStream of text chunks."""

    def close(self) -> None: ...


class ServedPersonalizer(Protocol):
    """What ``edgealign serve`` needs of a :class:`~edgealign.Personalizer`: users and their
    history, profiles with where each value comes from, overrides, steering strength, the app
    tokens, and chat."""

    @property
    def default_conditioning(self) -> str: ...

    @property
    def tokens(self) -> AppTokens: ...

    def users(self) -> list[str]: ...
    def has_user(self, name: str) -> bool: ...
    def add_user(self, name: str) -> bool: ...
    def forget(self, user: str) -> bool: ...
    def record_comment(self, user: str, prompt: str, comment: str) -> int: ...
    def record_choice(self, user: str, prompt: str, chosen: str, rejected: str) -> int: ...
    def record_description(self, user: str, text: str) -> int: ...
    def view(self, user: str, top: int = 5) -> ProfileView: ...
    def override(self, user: str, dimension: int | str, value: float | None = None) -> None: ...
    def lock(self, user: str, dimension: int | str, value: float | None = None) -> None: ...
    def clear(self, user: str, dimension: int | str) -> bool: ...
    def strength(self, user: str) -> float: ...
    def set_strength(self, user: str, strength: float) -> None: ...

    def chat(self, user: str, task: TaskLike, *, conditioning: str | None = None, stream: bool = False,
             max_tokens: int = MAX_TOKENS, temperature: float = TEMPERATURE, top_p: float = TOP_P,
             stop: Sequence[str] | None = None, seed: int | None = None,
             take_over: bool = False) -> Reply | ChatStream: ...

    def close(self) -> None: ...
