"""One prepared request per chat turn, on real components at tiny scale: the real stories260K
GGUF through llama.cpp, a real SQLCipher store, the real chat template.

A turn renders its prompt once and tokenizes it once; a chat whose history is unchanged makes
no bridge call; a user's conditioned prefix saved as a llama.cpp state gives the same logits
and tokens as evaluating it, and is never reused under another vector, aligner or profile."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest

from edgealign import Comment, Description, Persona, Personalizer
from edgealign.llm import LocalLLM
from edgealign.store import PersonaStore
from edgealign.testing import FakeBridge

TASKS = ("What should I cook tonight?", "How do I fix a flat tyre?", "Plan a rainy Sunday for me.")


@pytest.fixture(scope="module")
def stories_path(shared):
    return shared / "models" / "stories260K.gguf"


@pytest.fixture(scope="module")
def basis_dir(stories_path, tmp_path_factory):
    pytest.importorskip("gguf")
    from _steering_helpers import write_basis

    return write_basis(tmp_path_factory.mktemp("steering"), stories_path, n_embd=64, n_layer=5, layers=(1, 3))


@pytest.fixture(scope="module")
def stories(stories_path, basis_dir):
    with LocalLLM.open(stories_path, n_ctx=2048, n_threads=1, steering=basis_dir) as llm:
        yield llm


@pytest.fixture
def counted(stories, monkeypatch):
    """stories with its native tokenizer counted: (the llm, calls made so far)."""
    calls = [0]
    native = stories._llama
    tokenize = native.tokenize

    def counting(*args, **kwargs):
        calls[0] += 1
        return tokenize(*args, **kwargs)
    monkeypatch.setattr(native, "tokenize", counting)
    return stories, calls


@pytest.fixture
def personalizer(stories, tmp_path):
    store = PersonaStore.open(tmp_path / "persona.db", key=b"k" * 32)
    p = Personalizer(store, bridge=FakeBridge(), llm=stories)
    p.add_user("ada")
    p.record_comment("ada", "Weekend plans?", "Keep it short, and a joke helps.")
    p.record_description("ada", "I garden and I like brief answers.")
    yield p
    p._llm = None  # the module's model outlives this personalizer
    p.close()


@pytest.mark.parametrize("conditioning", ["none", "instruct", "pba", "ica", "instruct+steer"])
def test_a_chat_turn_renders_once_and_tokenizes_once(personalizer, counted, conditioning):
    llm, tokenized = counted
    personalizer.chat("ada", TASKS[0], conditioning=conditioning, max_tokens=2, temperature=0)  # the user's first turn
    renders, tokens, inferred = llm.template.renders, tokenized[0], personalizer.bridge.calls
    personalizer.chat("ada", TASKS[1], conditioning=conditioning, max_tokens=2, temperature=0)
    assert llm.template.renders - renders == 1  # the Jinja template ran once
    assert tokenized[0] - tokens == 1  # the prompt went through the tokenizer once
    assert personalizer.bridge.calls == inferred  # unchanged history: no bridge call


def test_the_first_turn_also_tokenizes_its_prefix_once(personalizer, counted):
    llm, tokenized = counted
    renders = llm.template.renders
    personalizer.chat("ada", "Any idea for a gift?", conditioning="instruct", max_tokens=2, temperature=0)
    assert llm.template.renders - renders == 1
    assert tokenized[0] <= 2  # the prompt, and (once per distinct prefix) its conditioned prefix alone


def test_a_profile_is_inferred_once_per_history(personalizer):
    bridge = personalizer.bridge
    personalizer.profile("ada")
    calls = bridge.calls
    for task in TASKS:
        personalizer.chat("ada", task, conditioning="pba", max_tokens=1, temperature=0)
    assert bridge.calls == calls
    personalizer.record_comment("ada", "Dinner?", "Something funny and brief.")
    personalizer.chat("ada", TASKS[0], conditioning="pba", max_tokens=1, temperature=0)
    assert bridge.calls == calls + 1  # new history: inferred again, once
    personalizer.override("ada", "Likes humor")
    assert "Likes humor" in personalizer.profile("ada").labels  # an override is part of the digest
    assert bridge.calls == calls + 1


def test_an_over_budget_prompt_fits_without_trial_renders(stories_path):
    long = " ".join(["The allotment needs water every morning in a dry summer."] * 12)
    persona = Persona(description=Description("I grow vegetables. " * 20),
                      comments=tuple(Comment(f"Question {i}?", long) for i in range(8)))
    with LocalLLM.open(stories_path, n_ctx=512, n_threads=1) as llm:
        renders = llm.template.renders
        request = llm.prepare(TASKS[0], conditioning="ica", persona=persona, max_tokens=64)
        assert len(request.ids) <= 512 - 64
        assert llm.template.renders - renders <= 3  # all items, the fitted choice (and rarely one refit)
        assert TASKS[0] in request.text and " ..." in request.text  # one item cut to fill the room


# -- prefix states -------------------------------------------------------------------------------

def _first_logits(llm: LocalLLM, request, *, warm: bool) -> np.ndarray:
    """The logits that pick the first reply token, through the prefix path (cold: evaluated
    and saved; warm: restored from the saved state)."""
    if not warm:
        llm.forget_prefixes()
    llm.reset()
    native = llm._llama
    llm._lora.use(request.adapter_file)
    llm._apply_vector(native, request.vector)
    llm._start_after_prefix(native, request)
    native.eval(list(request.ids[request.prefix:]))
    out = np.ctypeslib.as_array(native._ctx.get_logits(), shape=(native.n_vocab(),)).copy()
    llm._clear_vector(request.vector)
    return out


def test_a_warm_prefix_gives_the_cold_paths_logits_and_tokens(stories):
    request = stories.prepare(TASKS[2], conditioning="instruct", profile="Concise communication style, Likes humor",
                              max_tokens=16)
    assert request.prefix >= 8 and request.prefix < len(request.ids)
    cold = _first_logits(stories, request, warm=False)
    hits = stories.prefixes.hits
    warm = _first_logits(stories, request, warm=True)
    assert stories.prefixes.hits == hits + 1
    assert np.array_equal(cold, warm)
    stories.reset()  # the whole prompt in one evaluation, no state involved
    stories._llama._ctx.kv_cache_clear()
    stories._llama.eval(list(request.ids))
    whole = np.ctypeslib.as_array(stories._llama._ctx.get_logits(), shape=(stories._llama.n_vocab(),))
    assert int(np.argmax(whole)) == int(np.argmax(cold)) and np.allclose(whole, cold, atol=1e-3)

    stories.forget_prefixes()
    stories.reset()
    first = stories.answer(request, temperature=0)  # cold: evaluates the prefix and saves it
    stories.reset()  # as when another user's turn came between
    hits = stories.prefixes.hits
    again = stories.answer(request, temperature=0)  # warm: starts after the restored prefix
    assert stories.prefixes.hits == hits + 1 and str(first) == str(again)


def test_a_prefix_state_is_keyed_by_its_tokens_vector_and_adapter(stories):
    ask = lambda profile, strength=1.0: stories.prepare(TASKS[0], conditioning="instruct+steer", profile=profile,
                                                        strength=strength, max_tokens=8)
    a, b = ask("Concise communication style"), ask("Likes humor")
    assert a.prefix and b.prefix and a.prefix_key != b.prefix_key  # another profile: other instructions
    stronger = ask("Concise communication style", strength=2.0)
    assert stronger.ids[: stronger.prefix] == a.ids[: a.prefix] and stronger.prefix_key != a.prefix_key
    other_adapter = dataclasses.replace(a, adapter=_Aligner(Path("aligner.gguf")))
    assert other_adapter.prefix_key != a.prefix_key
    stories.forget_prefixes()
    saves, hits = stories.prefixes.saves, stories.prefixes.hits
    for request in (a, stronger, a):
        stories.reset()
        stories.answer(request, temperature=0)
    assert stories.prefixes.saves - saves == 2  # the stronger vector got its own state, never a's
    assert stories.prefixes.hits - hits == 1
    assert not np.array_equal(_first_logits(stories, a, warm=True), _first_logits(stories, stronger, warm=True))


@dataclasses.dataclass(frozen=True)
class _Aligner:
    """Only what a prefix key reads of an aligner: its file."""

    file: Path
