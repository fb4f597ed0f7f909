"""Generation through one worker thread per loaded model, fed by a bounded queue.

llama.cpp contexts are not thread-safe and one CPU model answers one request at a time
anyway, so every chat request becomes a :class:`ChatJob` that the single worker runs in
arrival order. Past ``queue_size`` waiting jobs, :meth:`Generator.submit` answers 429 with
a Retry-After estimate. A job whose client went away is cancelled: the worker closes its
stream (which stops generation and frees the model) before the next token, and skips it if
it has not started. Events reach the asyncio side through ``call_soon_threadsafe``.
"""

from __future__ import annotations

import asyncio
import collections
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .errors import APIError

if TYPE_CHECKING:
    from .._stream import ChatStream
    from ..protocols import ServedPersonalizer

__all__ = ["ChatJob", "Generator"]

log = logging.getLogger(__name__)


@dataclass
class ChatJob:
    """One chat request: what to call, and the channel its chunks come back on."""

    user: str
    messages: list[dict[str, str]]
    options: dict[str, Any]
    """conditioning, max_tokens, temperature, top_p, stop, seed."""
    before: "Callable[[ServedPersonalizer], None] | None" = None
    """Run with the Personalizer in the worker before generating (recording the turn)."""
    loop: asyncio.AbstractEventLoop = field(default_factory=asyncio.get_running_loop)
    events: "asyncio.Queue[tuple[str, Any]]" = field(default_factory=asyncio.Queue)
    cancelled: threading.Event = field(default_factory=threading.Event)
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str | None = None

    def emit(self, kind: str, value: Any = None) -> None:
        """From the worker thread: hand one event to the request's coroutine."""
        try:
            self.loop.call_soon_threadsafe(self.events.put_nowait, (kind, value))
        except RuntimeError:  # the loop is gone (shutdown): nobody is listening
            pass

    def cancel(self) -> None:
        self.cancelled.set()


class Generator:
    """The one worker that runs :class:`ChatJob` s against a Personalizer."""

    def __init__(self, personalizer: "ServedPersonalizer", *, queue_size: int = 32) -> None:
        self._p = personalizer
        self._size = queue_size
        self._jobs: collections.deque[ChatJob] = collections.deque()
        self._cv = threading.Condition()
        self._busy: ChatJob | None = None
        self._closing = self._stopped = False
        self._mean_s = 1.0
        self._thread = threading.Thread(target=self._loop, name="edgealign-generate", daemon=True)
        self._thread.start()

    @property
    def waiting(self) -> int:
        """Jobs in the queue (not counting the one running)."""
        with self._cv:
            return len(self._jobs)

    @property
    def busy(self) -> bool:
        with self._cv:
            return self._busy is not None

    def submit(self, job: ChatJob) -> None:
        """Queue ``job``; 429 (with Retry-After) when the queue is full, 503 when shutting down."""
        with self._cv:
            if self._closing:
                raise APIError(503, "the server is shutting down; retry against the next one", "shutting_down")
            if len(self._jobs) >= self._size:
                wait = max(1, min(120, math.ceil(self._mean_s * (len(self._jobs) + 1))))
                raise APIError(429, f"the model is busy with {len(self._jobs)} waiting requests; retry in {wait} s",
                               "queue_full", headers={"Retry-After": str(wait)})
            self._jobs.append(job)
            self._cv.notify_all()

    def _loop(self) -> None:
        while True:
            with self._cv:
                while not self._jobs and not self._stopped:
                    self._cv.wait()
                if not self._jobs:
                    return
                job = self._busy = self._jobs.popleft()
            start = time.monotonic()
            try:
                self._run(job)
            finally:
                with self._cv:
                    self._busy = None
                    self._mean_s = 0.8 * self._mean_s + 0.2 * (time.monotonic() - start)
                    self._cv.notify_all()

    def _run(self, job: ChatJob) -> None:
        if job.cancelled.is_set():
            job.emit("error", APIError(499, "cancelled", "cancelled"))
            return
        stream: ChatStream | None = None
        try:
            if job.before is not None:
                job.before(self._p)
            stream = open_stream(self._p, job)
            for chunk in stream:
                if job.cancelled.is_set():
                    break
                if chunk:
                    job.emit("chunk", chunk)
        except BaseException as exc:  # reported to the request; the worker lives on
            job.emit("error", exc)
            return
        finally:
            if stream is not None:
                stream.close()  # stops generation at once if the client left
        if job.cancelled.is_set():
            job.emit("error", APIError(499, "cancelled", "cancelled"))
            return
        prompt, completion = stream.prompt_tokens, stream.completion_tokens
        job.usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
        job.finish_reason = stream.finish_reason or "stop"
        job.emit("done")

    def stop(self, deadline_s: float) -> None:
        """Refuse new jobs, let queued and running ones finish for up to ``deadline_s``, cancel
        what is left, and end the worker."""
        end = time.monotonic() + deadline_s
        with self._cv:
            self._closing = True
            while (self._jobs or self._busy is not None) and (left := end - time.monotonic()) > 0:
                self._cv.wait(left)
            for job in self._jobs:
                job.cancel()
                job.emit("error", APIError(503, "the server is shutting down", "shutting_down"))
            self._jobs.clear()
            if self._busy is not None:
                log.warning("shutdown deadline passed: cutting the reply in progress")
                self._busy.cancel()
            self._stopped = True
            self._cv.notify_all()
        self._thread.join(timeout=30)


def open_stream(p: "ServedPersonalizer", job: ChatJob) -> "ChatStream":
    """``p.chat(..., stream=True)``: a ChatStream (text chunks, then token counts and the
    finish reason; ``close()`` stops generation)."""
    from .._stream import ChatStream

    o = job.options
    stream = p.chat(job.user, job.messages, conditioning=o["conditioning"], stream=True, max_tokens=o["max_tokens"],
                    temperature=o["temperature"], top_p=o["top_p"], stop=o["stop"], seed=o["seed"])
    if not isinstance(stream, ChatStream):  # a Personalizer streams when asked; anything else is a bug
        raise TypeError(f"chat(stream=True) returned {type(stream).__name__}, not a ChatStream")
    return stream
