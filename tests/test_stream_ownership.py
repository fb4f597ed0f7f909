"""One llama.cpp context, one reply at a time: a second request while a stream is open waits
(another thread), is refused (same thread) or takes the model over (same thread, asked for),
and two replies are never mixed."""

from __future__ import annotations

import threading
import time

import pytest

from edgealign.errors import ModelError
from edgealign.llm import LocalLLM

A, B = "Name three fruits.", "Write one line about the sea."


@pytest.fixture(scope="module")
def llm(bundled_model):
    with LocalLLM.open(bundled_model, n_ctx=512, n_threads=1) as m:
        yield m


@pytest.fixture(scope="module")
def solo(llm):
    """Each prompt's greedy answer when nothing else runs."""
    return {q: str(llm.chat(q, max_tokens=16, temperature=0)) for q in (A, B)}


def test_alternating_streams_in_one_thread_are_refused_not_mixed(llm, solo):
    first = llm.chat(A, max_tokens=16, temperature=0, stream=True)
    head = next(first)
    with pytest.raises(ModelError, match="still open in this thread"):
        llm.chat(B, max_tokens=16, temperature=0, stream=True)
    assert head + "".join(first) == solo[A]  # the open stream is untouched by the refusal
    assert llm.chat(B, max_tokens=16, temperature=0) == solo[B]  # exhausted: the model is free


def test_take_over_ends_the_earlier_stream_with_an_error(llm, solo):
    first = llm.chat(A, max_tokens=16, temperature=0, stream=True)
    next(first)
    second = llm.chat(B, max_tokens=16, temperature=0, stream=True, take_over=True)
    with pytest.raises(ModelError, match="interrupted"):
        next(first)
    assert "".join(second) == solo[B]
    with pytest.raises(StopIteration):
        next(first)


def test_another_thread_waits_until_the_stream_is_closed(llm, solo):
    first = llm.chat(A, max_tokens=16, temperature=0, stream=True)
    head = next(first)
    got: dict[str, str] = {}
    waiter = threading.Thread(target=lambda: got.setdefault("b", str(llm.chat(B, max_tokens=16, temperature=0))))
    waiter.start()
    time.sleep(0.3)
    assert waiter.is_alive() and not got  # waiting, not interleaving with the open stream
    assert head + "".join(first) == solo[A]
    waiter.join(timeout=60)
    assert got["b"] == solo[B]


def test_closing_a_stream_frees_the_model_at_once(llm, solo):
    with llm.chat(A, max_tokens=16, temperature=0, stream=True) as first:
        next(first)
    assert first.finish_reason is None  # closed before it ended
    assert llm.chat(B, max_tokens=16, temperature=0) == solo[B]


def test_reply_counts_tokens_and_says_why_it_stopped(llm):
    reply = llm.chat(A, max_tokens=5, temperature=0)
    assert reply.completion_tokens == 5 and reply.finish_reason == "length" and reply.prompt_tokens > 5
    stream = llm.chat(A, max_tokens=5, temperature=0, stream=True)
    assert "".join(stream) == reply and stream.completion_tokens == 5
    cut = llm.chat(A, max_tokens=16, temperature=0, stop=[reply[2:6]])
    assert cut == reply[:2] and cut.finish_reason == "stop"


def test_two_personalizer_streams_in_one_thread_never_mix(llm, solo, tmp_path):
    """An asyncio server's pattern: two replies opened, then read alternately in one thread."""
    from edgealign import Personalizer
    from edgealign.store import PersonaStore
    from edgealign.testing import FakeBridge

    with PersonaStore.open(tmp_path / "persona.db", key=b"k" * 32) as store:
        p = Personalizer(store, bridge=FakeBridge(), llm=llm)
        p.add_user("ada")
        first = p.chat("ada", A, conditioning="none", max_tokens=16, temperature=0, stream=True)
        with pytest.raises(ModelError, match="still open"):
            p.chat("ada", B, conditioning="none", max_tokens=16, temperature=0, stream=True)
        assert "".join(first) == solo[A]

