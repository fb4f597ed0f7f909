"""Who may use a model's context now, and the objects a chat returns.

One llama.cpp context answers one request at a time, and a streamed reply holds it until the
stream is exhausted or closed. :class:`Gate` decides what a second request does meanwhile:

- from another thread: it waits until the stream ends (a server's worker, a UI thread);
- from the same thread (two generators consumed alternately, as an asyncio loop would): it
  raises ModelError, unless it asks to ``take_over``: then the earlier stream is closed and
  its next pull raises ModelError. Never do two replies share the context: that mixed them.
"""

from __future__ import annotations

import threading
from typing import Callable, Iterable, Iterator, Sequence

from .errors import ModelError

__all__ = ["Gate", "Reply", "ChatStream", "StopFilter", "until_stop"]


class Gate:
    """Ownership of one native context: at most one holder at a time."""

    def __init__(self, name: str) -> None:
        self._name = name
        self._cond = threading.Condition()
        self._holder: object | None = None
        self._thread: int | None = None

    def acquire(self, holder: object, *, take_over: bool = False) -> None:
        me = threading.get_ident()
        with self._cond:
            while self._holder is not None:
                if self._thread == me:
                    if not take_over or not isinstance(self._holder, ChatStream):
                        raise ModelError(
                            f"a streamed reply from {self._name} is still open in this thread; read it to the "
                            "end or close() it before the next request (or pass take_over=True to end it)"
                        )
                    earlier = self._holder
                    self._holder = None
                    earlier._preempt()
                else:
                    self._cond.wait()
            self._holder, self._thread = holder, me

    def release(self, holder: object) -> None:
        with self._cond:
            if self._holder is holder:
                self._holder, self._thread = None, None
                self._cond.notify_all()

    @property
    def busy(self) -> bool:
        return self._holder is not None


class Reply(str):
    """A whole reply: the text, plus token counts and why generation stopped."""

    prompt_tokens: int
    completion_tokens: int
    finish_reason: str
    """"stop" (end of turn or a stop string) or "length" (max_tokens reached)."""
    notes: tuple[str, ...]
    """What the conditioning did not do, e.g. a profile with nothing to steer."""

    @classmethod
    def of(cls, text: str, stream: "ChatStream") -> "Reply":
        out = cls(text)
        out.prompt_tokens, out.completion_tokens = stream.prompt_tokens, stream.completion_tokens
        out.finish_reason, out.notes = stream.finish_reason or "stop", stream.notes
        return out


class ChatStream:
    """A streamed reply: iterate for text chunks. It holds the model until it is exhausted or
    closed (``close()``, ``with``, or garbage collection); ``close()`` stops generation at once."""

    def __init__(self, gate: Gate, chunks: Callable[["ChatStream"], Iterator[str]], *, prompt_tokens: int,
                 notes: Sequence[str] = (), on_end: Callable[[], None] = lambda: None,
                 take_over: bool = False) -> None:
        self.prompt_tokens = prompt_tokens
        self.completion_tokens = 0
        self.finish_reason: str | None = None
        self.notes = tuple(notes)
        self._gate, self._on_end = gate, on_end
        self._preempted = self._done = False
        gate.acquire(self, take_over=take_over)
        try:
            self._chunks = chunks(self)
        except BaseException:
            self._finish()
            raise

    def __iter__(self) -> "ChatStream":
        return self

    def __next__(self) -> str:
        if self._preempted:
            self._preempted = False
            raise ModelError("this reply was interrupted: a newer request took the model over before it was read")
        if self._done:
            raise StopIteration
        try:
            return next(self._chunks)
        except BaseException:
            self._finish()
            raise

    def _preempt(self) -> None:
        """Called by the gate when a newer request in this thread takes the model."""
        self._close_chunks()
        self._done = self._preempted = True

    def _finish(self) -> None:
        if not self._done:
            self._close_chunks()
            self._done = True
            self._gate.release(self)

    def _close_chunks(self) -> None:
        chunks = getattr(self, "_chunks", None)
        try:
            if chunks is not None:
                chunks.close()
        finally:
            self._on_end()

    def close(self) -> None:
        """Stop generating and free the model; safe to call twice."""
        self._finish()

    def __enter__(self) -> "ChatStream":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:  # an abandoned stream must not hold the model forever
        try:
            self._finish()
        except Exception:
            pass


class StopFilter:
    """Cuts a stream of text at the first of ``stops``, holding back only what could still
    become one (so chunks reach the reader as early as possible)."""

    def __init__(self, stops: Sequence[str]) -> None:
        self.stops = [s for s in stops if s]
        self._hold = max((len(s) for s in self.stops), default=1) - 1
        self._buf = ""
        self.hit = False

    def feed(self, text: str) -> str:
        """The text that is safe to emit now; sets ``hit`` when a stop string appeared."""
        if not self.stops:
            return text
        self._buf += text
        cut = min((i for i in (self._buf.find(s) for s in self.stops) if i >= 0), default=-1)
        if cut >= 0:
            out, self._buf, self.hit = self._buf[:cut], "", True
            return out
        keep = len(self._buf) - self._hold
        out, self._buf = (self._buf[:keep], self._buf[keep:]) if keep > 0 else ("", self._buf)
        return out

    def flush(self) -> str:
        out, self._buf = self._buf, ""
        return out


def until_stop(pieces: Iterable[str], stop: Sequence[str], out: ChatStream, *, max_tokens: int) -> Iterator[str]:
    """``pieces`` of a reply up to the first ``stop`` string, setting ``out.finish_reason``:
    "stop" at a stop string or the end of the turn, "length" when ``max_tokens`` were made."""
    stops = StopFilter(stop)
    for chunk in pieces:
        piece = stops.feed(chunk)
        if piece:
            yield piece
        if stops.hit:
            out.finish_reason = "stop"
            return
    tail = stops.flush()
    if tail:
        yield tail
    out.finish_reason = "length" if out.completion_tokens >= max_tokens else "stop"
