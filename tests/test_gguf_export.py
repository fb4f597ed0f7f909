"""HF -> GGUF export on tiny llamas built here: conversion, quantization, parity, manifest, CLI."""

from __future__ import annotations

import functools
import json
import random
from pathlib import Path

import pytest

pytest.importorskip("gguf")
pytest.importorskip("transformers")

from edgealign.artifacts import MANIFEST, Manifest  # noqa: E402
from edgealign.errors import ConfigError, ParityError  # noqa: E402

CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)


def _sentences(n: int = 300) -> list[str]:
    rng = random.Random(0)
    who = ["the cat", "a dog", "my neighbour", "the old sailor", "our teacher", "a small robot", "the river"]
    does = ["likes", "reads", "paints", "watches", "remembers", "counts", "follows"]
    what = ["green apples", "long stories", "the stars", "12 boats", "quiet mornings", "code in python", "café menus"]
    return [f"{rng.choice(who).capitalize()} {rng.choice(does)} {rng.choice(what)} ({rng.randint(0, 999)})."
            for _ in range(n)]


def _byte_level_tokenizer():
    """A GPT-2 style byte-level BPE with ChatML specials; BOS added on encode."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tk = Tokenizer(models.BPE())
    tk.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tk.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=480, special_tokens=["<|endoftext|>", "<|im_start|>", "<|im_end|>"],
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tk.train_from_iterator(_sentences(), trainer)
    tk.post_processor = processors.TemplateProcessing(single="<|endoftext|> $A", special_tokens=[("<|endoftext|>", 0)])
    return PreTrainedTokenizerFast(tokenizer_object=tk, bos_token="<|endoftext|>", eos_token="<|im_end|>",
                                   pad_token="<|im_end|>", chat_template=CHATML)


def _sentencepiece_tokenizer():
    """A Llama-2 style SentencePiece BPE (▁ for spaces, <0xNN> byte fallback), as tokenizer.json."""
    from tokenizers import Tokenizer, decoders, models, normalizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    byte_pieces = [f"<0x{i:02X}>" for i in range(256)]
    tk = Tokenizer(models.BPE(unk_token="<unk>", byte_fallback=True, fuse_unk=True))
    tk.normalizer = normalizers.Sequence([normalizers.Prepend("▁"), normalizers.Replace(" ", "▁")])
    tk.decoder = decoders.Sequence([decoders.Replace("▁", " "), decoders.ByteFallback(), decoders.Fuse(),
                                    decoders.Strip(" ", 1, 0)])
    trainer = trainers.BpeTrainer(vocab_size=420, special_tokens=["<unk>", "<s>", "</s>", *byte_pieces],
                                  show_progress=False)
    tk.train_from_iterator(_sentences(), trainer)
    tk.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    spec = json.loads(tk.to_str())  # byte pieces are plain vocabulary in Llama tokenizers
    spec["added_tokens"] = [a for a in spec["added_tokens"] if not a["content"].startswith("<0x")]
    return PreTrainedTokenizerFast(tokenizer_object=Tokenizer.from_str(json.dumps(spec)),
                                   bos_token="<s>", eos_token="</s>", unk_token="<unk>")


def _save_llama(folder: Path, tokenizer, **config) -> Path:
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(0)
    # initializer_range 0.1: peaked enough that top-1 agreement means something, unlike 0.02
    base = dict(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                num_key_value_heads=2, max_position_embeddings=256, rms_norm_eps=1e-5, initializer_range=0.1,
                bos_token_id=tokenizer.bos_token_id, eos_token_id=tokenizer.eos_token_id)
    LlamaForCausalLM(LlamaConfig(**{**base, **config})).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory) -> Path:
    """SmolLM2-shaped: tied embeddings, grouped-query attention, 512 rows for a 480-token vocabulary."""
    tokenizer = _byte_level_tokenizer()
    return _save_llama(tmp_path_factory.mktemp("tiny") / "ckpt", tokenizer, vocab_size=512, tie_word_embeddings=True,
                       pad_token_id=tokenizer.pad_token_id)


@pytest.fixture(scope="module")
def exported(checkpoint, tmp_path_factory) -> tuple[Path, Manifest]:
    from edgealign.export.gguf import export_gguf

    out = tmp_path_factory.mktemp("gguf")
    return out, export_gguf(checkpoint, out, quants=("f32", "q8_0", "q4_k_m"))


@pytest.fixture(scope="module")
def reference(checkpoint):
    from edgealign.export.validate import load_reference

    return load_reference(checkpoint)


def test_export_writes_checked_files_and_a_manifest(exported, checkpoint):
    from edgealign.export.validate import TOLERANCES

    out, manifest = exported
    assert sorted(manifest.files) == ["model-f32.gguf", "model-q4_k_m.gguf", "model-q8_0.gguf"]
    assert Manifest.read(out, "llm").files == manifest.files  # hashes verified
    d = manifest.details
    assert (d["architecture"], d["n_embd"], d["n_layer"], d["n_head_kv"], d["n_vocab"]) == ("llama", 64, 2, 2, 512)
    assert d["quantization"]["model-q4_k_m.gguf"] == "q4_k_m" and len(d["base_model_sha256"]) == 64
    assert d["tokenizer"] == {"model": "gpt2", "pre": "gpt-2", "add_bos": True}
    for quant, figures in manifest.metrics["parity"].items():
        tol = TOLERANCES[quant]
        assert figures["mean_kl"] <= tol.max_mean_kl and figures["top1_agreement"] >= tol.min_top1
    assert manifest.metrics["parity"]["f32"]["max_abs_logprob"] < 1e-4


def test_gguf_metadata_tied_head_and_fallback_quantization(exported):
    import gguf

    out, _ = exported
    f32 = gguf.GGUFReader(out / "model-f32.gguf")
    names = {t.name for t in f32.tensors}
    assert "output.weight" not in names and len(names) == 2 + 2 * 9  # tied head: llama.cpp reuses token_embd
    assert f32.fields["tokenizer.chat_template"].contents() == CHATML
    assert f32.fields["tokenizer.ggml.tokens"].contents()[511] == "[PAD511]"  # rows past the vocabulary
    # n_embd 64 is below the 256-value k-quant block: llama.cpp falls back per tensor.
    q4 = {t.tensor_type.name for t in gguf.GGUFReader(out / "model-q4_k_m.gguf").tensors}
    assert {"Q5_0", "F32"} <= q4


def test_unpermuted_qk_rows_fail_parity_and_leave_no_manifest(checkpoint, tmp_path, monkeypatch):
    import edgealign.export.gguf as gguf_export

    (tmp_path / MANIFEST).write_text("{}")  # a stale manifest from an earlier export
    broken = functools.partial(gguf_export.convert_to_gguf, _permute_qk=False)
    monkeypatch.setattr(gguf_export, "convert_to_gguf", broken)
    with pytest.raises(ParityError, match="f32 tolerance"):
        gguf_export.export_gguf(checkpoint, tmp_path, quants=("q8_0",))
    assert not (tmp_path / MANIFEST).exists()


@pytest.mark.parametrize("quant", ["q8_0", "q4_k_m"])
def test_unpermuted_qk_rows_fail_every_quantized_tolerance(checkpoint, reference, tmp_path, quant):
    from edgealign.export.gguf import convert_to_gguf
    from edgealign.export.quantize import quantize
    from edgealign.export.validate import check_parity

    convert_to_gguf(checkpoint, tmp_path / "bad.gguf", _permute_qk=False)
    quantize(tmp_path / "bad.gguf", tmp_path / f"bad-{quant}.gguf", quant)
    with pytest.raises(ParityError, match=quant):
        check_parity(tmp_path / f"bad-{quant}.gguf", reference, quant)


def test_a_wrong_pre_tokenizer_is_caught_by_the_token_check(checkpoint, reference, tmp_path):
    from edgealign.export.gguf import convert_to_gguf
    from edgealign.export.validate import check_parity

    convert_to_gguf(checkpoint, tmp_path / "m.gguf", pre="smollm")  # splits digits the source merges
    with pytest.raises(ParityError, match="tokenizer splits"):
        check_parity(tmp_path / "m.gguf", reference, "f32")


def test_sentencepiece_vocabulary_untied_head_and_llama3_rope(tmp_path):
    from edgealign.export.gguf import convert_to_gguf
    from edgealign.export.validate import check_parity, load_reference

    rope = {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0, "high_freq_factor": 4.0,
            "original_max_position_embeddings": 32}
    ckpt = _save_llama(tmp_path / "spm", _sentencepiece_tokenizer(), vocab_size=448, tie_word_embeddings=False,
                       num_key_value_heads=4, rope_scaling=rope, rope_theta=500000.0)
    facts = convert_to_gguf(ckpt, tmp_path / "spm.gguf")
    assert facts["tokenizer"] == {"model": "llama", "pre": None, "add_bos": True}
    figures = check_parity(tmp_path / "spm.gguf", load_reference(ckpt), "f32")
    assert figures["max_abs_logprob"] < 1e-4


def test_configuration_errors(checkpoint, tmp_path):
    from edgealign.export.gguf import export_gguf
    from edgealign.export.quantize import quantize
    from edgealign.export.validate import Tolerance

    with pytest.raises(ConfigError, match="q3_k"):
        export_gguf(checkpoint, tmp_path, quants=("q3_k",))
    with pytest.raises(ConfigError, match="no config.json"):
        export_gguf(tmp_path, tmp_path / "out", quants=("q8_0",))
    with pytest.raises(ConfigError, match="unknown quantization"):
        quantize(tmp_path / "a.gguf", tmp_path / "b.gguf", "q2")
    with pytest.raises(ConfigError):
        Tolerance(max_abs_logprob=1.0, max_mean_kl=0.1, min_top1=1.5)


def test_cli_export_gguf_json(checkpoint, tmp_path, capsys):
    from edgealign.cli import main

    out = tmp_path / "artifact"
    assert main(["export", "gguf", str(checkpoint), "--out", str(out), "--quant", "q8_0", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files"] == ["model-q8_0.gguf"] and set(result["parity"]) == {"f32", "q8_0"}
    assert result["q8_0_top1_agreement"] >= 0.9
    assert sorted(p.name for p in out.iterdir()) == [MANIFEST, "model-q8_0.gguf"]  # the F32 base is not shipped
