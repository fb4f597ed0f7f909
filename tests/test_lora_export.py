"""``export lora``: a peft LoRA checkpoint -> llama.cpp adapter GGUF, parity-checked against
torch + peft on a tiny real Llama, bound to its base file's SHA-256, refused when wrong."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("gguf")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from _lora_helpers import lora_checkpoint, tiny_base  # noqa: E402

from edgealign.artifacts import MANIFEST, Manifest, sha256_file  # noqa: E402
from edgealign.errors import ConfigError, ParityError  # noqa: E402


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    return tiny_base(tmp_path_factory.mktemp("base"))


@pytest.fixture(scope="module")
def checkpoint(base, tmp_path_factory):
    return lora_checkpoint(base, tmp_path_factory.mktemp("ckpt"))


@pytest.mark.parametrize("dtype", ["f32", "f16"])
def test_the_adapter_runs_in_llama_cpp_as_in_torch_and_peft(base, checkpoint, tmp_path, dtype):
    from edgealign.export.lora import export_lora

    manifest = export_lora(checkpoint, tmp_path, base=base, dtype=dtype, n_threads=1,
                           held_out={"pba": 0.9, "instruct": 0.6})
    p = manifest.metrics["parity"]
    # the adapter matters (a parity check of a no-op adapter would prove nothing)...
    assert p["adapter_effect_kl"] > 0.05 and p["adapter_effect_top1_changed"] > 0.2
    # ...and llama.cpp applies it as peft does (the F32 base: summation order only)
    assert p["effect_error"] < (0.005 if dtype == "f32" else 0.02)
    assert p["mean_kl"] < (1e-6 if dtype == "f32" else 1e-4) and p["top1_agreement"] >= 0.99
    assert p["base_type"] == "f32" and p["adapter_type"] == dtype and p["tolerance_for"] == "f32"
    d = manifest.details
    assert d["method"] == "pba" and d["rank"] == 4 and d["lora_alpha"] == 8.0 and d["adapter_type"] == dtype
    assert d["base_model_sha256"] == sha256_file(base) and d["base_model_file"] == "base.gguf"
    assert len(d["targets"]) == 7 and manifest.metrics["held_out"] == {"pba": 0.9, "instruct": 0.6}
    assert Manifest.read(tmp_path, kind="adapter").files.keys() == {"adapter.gguf"}
    assert manifest.metrics["training"]["held_out"] == {"eval.jsonl": {"accuracy": 0.5}}


def test_held_out_figures_must_name_conditionings(base, checkpoint, tmp_path):
    from edgealign.export.lora import export_lora

    with pytest.raises(ConfigError, match="unknown conditioning"):
        export_lora(checkpoint, tmp_path, base=base, n_threads=1, held_out={"eval.jsonl": 0.5})
    with pytest.raises(ConfigError, match="from 0 to 1"):
        export_lora(checkpoint, tmp_path, base=base, n_threads=1, held_out={"pba": 90})


def test_the_q_k_permutation_is_what_makes_it_agree(base, checkpoint, tmp_path, monkeypatch):
    from edgealign.export import _gguf_tensors
    from edgealign.export.lora import export_lora

    monkeypatch.setattr(_gguf_tensors, "permute_rope_rows", lambda weight, n_heads: weight)
    with pytest.raises(ParityError, match="effect error"):
        export_lora(checkpoint, tmp_path, base=base, dtype="f32", n_threads=1)
    assert not (tmp_path / MANIFEST).exists()  # no manifest vouches for a wrong file


def test_the_gguf_is_what_llama_cpp_expects(base, checkpoint, tmp_path):
    import gguf

    from edgealign.export.lora import export_lora

    export_lora(checkpoint, tmp_path, base=base, dtype="f16", n_threads=1)
    reader = gguf.GGUFReader(tmp_path / "adapter.gguf")
    fields = {k: reader.fields[k].contents() for k in ("general.type", "adapter.type", "adapter.lora.alpha",
                                                       "general.architecture")}
    assert fields == {"general.type": "adapter", "adapter.type": "lora", "adapter.lora.alpha": 8.0,
                      "general.architecture": "llama"}
    shapes = {t.name: tuple(int(n) for n in t.shape) for t in reader.tensors}
    assert len(shapes) == 2 * 2 * 7  # two layers, seven projections, A and B
    assert shapes["blk.0.attn_q.weight.lora_a"] == (64, 4) and shapes["blk.0.attn_q.weight.lora_b"] == (4, 64)
    assert shapes["blk.1.ffn_down.weight.lora_a"] == (128, 4) and shapes["blk.1.attn_k.weight.lora_b"] == (4, 32)


def test_rslora_scaling_is_carried_in_alpha(base, tmp_path):
    from edgealign.export.lora import read_lora_checkpoint

    ckpt = lora_checkpoint(base, tmp_path / "ckpt", rank=4, alpha=8.0)
    config = json.loads((ckpt / "adapter_config.json").read_text())
    config["use_rslora"] = True
    (ckpt / "adapter_config.json").write_text(json.dumps(config))
    assert read_lora_checkpoint(ckpt).scaling * 4 == pytest.approx(8.0 * 2)  # alpha / sqrt(r), times r


@pytest.mark.parametrize("key,value,message", [
    ("use_dora", True, "DoRA"), ("bias", "all", "biases"), ("modules_to_save", ["lm_head"], "extra modules"),
    ("peft_type", "IA3", "only LoRA"),
])
def test_what_llama_cpp_cannot_run_is_refused(base, checkpoint, tmp_path, key, value, message):
    import shutil

    from edgealign.export.lora import export_lora

    ckpt = tmp_path / "ckpt"
    shutil.copytree(checkpoint, ckpt)
    config = json.loads((ckpt / "adapter_config.json").read_text())
    config[key] = value
    (ckpt / "adapter_config.json").write_text(json.dumps(config))
    with pytest.raises(ConfigError, match=message):
        export_lora(ckpt, tmp_path / "out", base=base)


def test_a_base_must_be_named_for_a_model_that_is_not_a_gguf(checkpoint, tmp_path):
    import shutil

    from edgealign.export.lora import export_lora

    ckpt = tmp_path / "ckpt"
    shutil.copytree(checkpoint, ckpt)
    (ckpt / "aligner_config.json").write_text(json.dumps({"method": "pba", "model": "tiny"}))
    with pytest.raises(ConfigError, match="--base FILE"):
        export_lora(ckpt, tmp_path / "out")


def test_cli_export_lora_json(base, checkpoint, tmp_path, capsys):
    from edgealign.cli import main

    held = tmp_path / "held.json"
    held.write_text(json.dumps({"pba": 0.8, "pba+steer": 0.85, "instruct+steer": 0.7}))
    recipe = {"figures": {"held-out style users": {"pba": 0.8}}, "commands": ["edgealign train pba --preset tiny"]}
    (tmp_path / "figures.json").write_text(json.dumps(recipe))
    out = tmp_path / "artifact"
    assert main(["export", "lora", str(checkpoint), "--out", str(out), "--base", str(base), "--held-out", str(held),
                 "--figures", str(tmp_path / "figures.json"), "--threads", "1", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["files"] == ["adapter.gguf"] and result["method"] == "pba" and result["rank"] == 4
    assert result["held_out"]["pba+steer"] == 0.85 and result["parity"]["top1_agreement"] >= 0.99
    assert sorted(p.name for p in out.iterdir()) == ["adapter.gguf", MANIFEST]
    details = Manifest.read(out, kind="adapter").details
    command = details["export_command"]
    assert command.startswith(f"edgealign export lora {checkpoint} --out {out}") and f"--base {base}" in command
    assert details["recipe"] == recipe  # what it measured and what trains it again travel with the adapter
    (tmp_path / "bad.json").write_text(json.dumps({"commands": "edgealign train"}))
    assert main(["export", "lora", str(checkpoint), "--out", str(tmp_path / "x"), "--base", str(base),
                 "--figures", str(tmp_path / "bad.json")]) != 0
