"""The seams :class:`~edgealign.Personalizer` (and the server) rely on, as typing Protocols.

:class:`~edgealign.PreferenceBridge` and :class:`~edgealign.LocalLLM` are the real ones;
:mod:`edgealign.testing` ships deterministic fakes of both, so an app's tests (and the SDK's
own tests of the facade) run in milliseconds without model files.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence, runtime_checkable

from .persona import PersonaItem
from .preferences import PreferenceProfile

__all__ = ["Bridge", "ChatModel"]


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

    def infer(self, items: Sequence[PersonaItem], embeddings: Sequence[Any] | None = None) -> PreferenceProfile:
        """The profile of a user whose history is ``items``, newest first."""

    def encode(self, items: Sequence[PersonaItem]) -> list[Any]:
        """Per item, what :meth:`infer` may reuse instead of reading the item again."""

    def close(self) -> None: ...


@runtime_checkable
class ChatModel(Protocol):
    """Answers a task under a conditioning (see :mod:`edgealign.conditioning`)."""

    steering: Any
    """The steering basis in use, or None."""

    def chat(self, task: Any, *, conditioning: str = "none", profile: Any = None, persona: Any = None,
             strength: float = 1.0, max_tokens: int = 256, temperature: float = 0.7, top_p: float = 0.95,
             stop: Sequence[str] | None = None, seed: int | None = None, stream: bool = False,
             take_over: bool = False) -> Any:
        """A Reply (str with token counts) or, with ``stream``, a ChatStream of text chunks."""

    def close(self) -> None: ...
