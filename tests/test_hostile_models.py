"""Hostile model files: one metadata value changed must not kill the process (llama.cpp
aborts on ``block_count = 0`` while loading and on an epsilon of NaN at the first decode);
what the checks miss is contained by the child-process probe, whose verdict is cached.

The model is stories260K from ../shared when it is there, else the bundled SmolLM2; every
hostile value is derived from the model actually opened, so a value that happens to be the
file's own never makes a case pass or fail."""

import math
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from _shared import shared_file

from edgealign import _probe
from edgealign._gguf_check import check_gguf
from edgealign.errors import ArtifactError
from edgealign.testing._mutate import gguf_layout

pytestmark = pytest.mark.shared  # the model differs with and without ../shared


@pytest.fixture(scope="module")
def model() -> Path:
    """The tiny stories260K beside the checkout, else the bundled SmolLM2."""
    stories = shared_file("models/stories260K.gguf")
    if stories is not None:
        return stories
    from edgealign.llm import default_model_path

    return default_model_path()


def patched(model: Path, out: Path, key: str, value, fmt: str | None = None) -> Path:
    """A copy of ``model`` with the scalar metadata ``key`` set to ``value`` (same type)."""
    data = bytearray(model.read_bytes())
    found = [(t, at) for k, t, at in gguf_layout(bytes(data))["scalars"] if k == key]
    assert found, f"{model} has no {key}"
    vtype, at = found[0]
    fmt = fmt or {4: "I", 5: "i", 6: "f", 10: "Q", 12: "d"}[vtype]
    data[at:at + struct.calcsize(fmt)] = struct.pack("<" + fmt, value)
    out.write_bytes(bytes(data))
    return out


def in_child(code: str, *args: str, env=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, timeout=300,
                          env=env)


OPEN_AND_CHAT = """
import sys
from edgealign.errors import EdgeAlignError
from edgealign.llm import LocalLLM
try:
    with LocalLLM.open(sys.argv[1], n_ctx=64, n_threads=1) as llm:
        print("".join(llm.complete("Once upon a time", max_tokens=2, temperature=0)))
except EdgeAlignError as exc:
    print(f"{type(exc).__name__}: {exc}", file=sys.stderr)
    sys.exit(1)
"""


@pytest.mark.parametrize("key,value", [("llama.block_count", 0),
                                       ("llama.attention.layer_norm_rms_epsilon", math.nan)])
def test_the_two_reproducers_are_refused_without_a_crash(model, tmp_path, key, value):
    arch = check_gguf(model).architecture
    bad = patched(model, tmp_path / "bad.gguf", key.replace("llama.", f"{arch}."), value)
    with pytest.raises(ArtifactError, match=key.split(".", 1)[1]) as info:
        check_gguf(bad)
    assert str(bad) in str(info.value)
    # LocalLLM.open then one decode, in a process of its own: refused with rc 1, not SIGABRT
    done = in_child(OPEN_AND_CHAT, str(bad))
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "ArtifactError" in done.stderr and str(bad) in done.stderr


def test_eval_with_a_bad_model_is_a_one_line_error(model, tmp_path):
    bad = patched(model, tmp_path / "bad.gguf", f"{check_gguf(model).architecture}.block_count", 0)
    data = tmp_path / "d.jsonl"
    data.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n')
    done = subprocess.run([sys.executable, "-m", "edgealign.cli", "eval", "--model", str(bad), "--data", str(data),
                           "--mode", "base"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "block_count" in done.stderr and "Traceback" not in done.stderr


def _not_a_divisor(n: int) -> int:
    """The smallest count above 1 that does not divide ``n`` (so n % k != 0)."""
    return next(k for k in range(2, n + 2) if n % k)


#: suffix -> (the hostile value, given the file's own integer counts; words the refusal holds)
HOSTILE = {
    "attention.head_count=0": ("attention.head_count", lambda c: 0, "head_count"),
    "head_count_kv-not-a-divisor": ("attention.head_count_kv",
                                    lambda c: _not_a_divisor(c["attention.head_count"]), "multiple"),
    "context_length=0": ("context_length", lambda c: 0, "context_length"),
    "embedding_length=0": ("embedding_length", lambda c: 0, "embedding_length"),
    # one block fewer than the tensors hold (one more, for a one-block model)
    "block_count-off-by-one": ("block_count", lambda c: c["block_count"] - 1 or 2, "block_count"),
    "epsilon=inf": ("attention.layer_norm_rms_epsilon", lambda c: math.inf, "finite"),
    "epsilon=-1": ("attention.layer_norm_rms_epsilon", lambda c: -1.0, "outside"),
}


@pytest.mark.parametrize("case", HOSTILE)
def test_hyper_parameters_llama_cpp_trusts_are_checked(model, tmp_path, case):
    suffix, hostile, words = HOSTILE[case]
    info = check_gguf(model)
    arch = info.architecture
    own = {k.split(".", 1)[1]: v for k, v in info.metadata.items() if k.startswith(arch + ".")}
    value = hostile(own)
    assert own.get(suffix) != value, f"{model.name} already has {arch}.{suffix} = {value}: not a hostile value"
    bad = patched(model, tmp_path / "bad.gguf", f"{arch}.{suffix}", value)
    with pytest.raises(ArtifactError, match=words):
        check_gguf(bad)


def test_special_token_ids_must_be_in_the_vocabulary(model, tmp_path):
    bad = patched(model, tmp_path / "bad.gguf", "tokenizer.ggml.bos_token_id", 10 ** 6)
    with pytest.raises(ArtifactError, match="bos_token_id"):
        check_gguf(bad)


def test_a_sound_file_passes(model):
    info = check_gguf(model)
    assert info.tensors and "tokenizer.ggml.tokens" in info.arrays


# -- the child-process probe ---------------------------------------------------------------------

@pytest.fixture()
def crashing_child(monkeypatch):
    """The probe's child replaced by one that aborts like a GGML_ASSERT."""
    calls = []

    def command(path):
        calls.append(path)
        return [sys.executable, "-c", "import os, sys; print('GGML_ASSERT(eps >= 0.0f) failed', file=sys.stderr); "
                                      "sys.stderr.flush(); os.abort()"]
    monkeypatch.setattr(_probe, "_command", command)
    monkeypatch.delenv(_probe.TRUST_ENV, raising=False)
    return calls


def test_a_file_that_crashes_the_child_is_refused_and_remembered(model, tmp_path, crashing_child, monkeypatch):
    home = tmp_path / "home"
    with pytest.raises(ArtifactError, match="SIGABRT") as info:
        _probe.validate_model(model, home=home)
    assert str(model) in str(info.value) and "GGML_ASSERT" in str(info.value)
    assert len(crashing_child) == 1
    # the verdict is cached by the file's hash: no second child, same refusal
    with pytest.raises(ArtifactError, match="SIGABRT"):
        _probe.validate_model(model, home=home)
    assert len(crashing_child) == 1
    assert list((home / "cache" / "model-probes").glob("*.json"))


def test_a_trusted_file_skips_the_probe(model, tmp_path, crashing_child, monkeypatch):
    assert _probe.validate_model(model, home=tmp_path / "h1", trust=True).architecture
    monkeypatch.setenv(_probe.TRUST_ENV, "1")
    assert _probe.validate_model(model, home=tmp_path / "h2").architecture
    assert crashing_child == []


def test_an_overrun_is_refused_but_not_remembered(model, tmp_path, monkeypatch):
    monkeypatch.setattr(_probe, "_command", lambda path: [sys.executable, "-c", "import time; time.sleep(60)"])
    monkeypatch.delenv(_probe.TRUST_ENV, raising=False)
    with pytest.raises(ArtifactError, match="within 1 s"):
        _probe.probe_model(model, home=tmp_path, timeout=1)
    assert not list((tmp_path / "cache" / "model-probes").glob("*-p*.json"))


def test_the_real_probe_passes_a_sound_model_once(model, tmp_path, monkeypatch):
    monkeypatch.delenv(_probe.TRUST_ENV, raising=False)
    verdict = _probe.probe_model(model, home=tmp_path)
    assert verdict["ok"] is True
    assert _probe.cached_verdict(model, home=tmp_path)["ok"] is True
    mode = (tmp_path / "cache" / "model-probes").stat().st_mode & 0o777
    assert mode == 0o700


def test_a_model_not_seen_before_is_probed_once_per_home(tmp_path, monkeypatch):
    """LocalLLM.open runs the child-process probe for an unknown file and keeps its verdict."""
    monkeypatch.delenv(_probe.TRUST_ENV, raising=False)
    from edgealign.llm import LocalLLM, default_model_path

    path = default_model_path()
    assert _probe.cached_verdict(path, home=tmp_path) is None
    with LocalLLM.open(path, n_ctx=64, n_threads=1, home=tmp_path):
        pass
    assert _probe.cached_verdict(path, home=tmp_path)["ok"]
