"""A steering basis end to end at tiny scale: build (CAA, and DPO-trained) -> export -> the files.

The model is a 2-layer llama built here and converted to GGUF (the path the bundled model
takes: GGUF -> transformers), and stories260K from ../shared when it is there. The device
side (loading the artifact, steered generation) is tested with the SDK.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("transformers")
gguf = pytest.importorskip("gguf")

from edgealign.artifacts import MANIFEST, Manifest, sha256_file  # noqa: E402
from edgealign.errors import ArtifactError, ConfigError, ParityError  # noqa: E402

DIMS = (0, 16, 73)


@pytest.fixture(scope="module")
def tiny_gguf(tmp_path_factory):
    """A 2-layer, 64-wide llama with a ChatML byte-level BPE, as an F32 GGUF."""
    from test_gguf_export import _byte_level_tokenizer, _save_llama

    from edgealign.export.gguf import convert_to_gguf

    tokenizer = _byte_level_tokenizer()
    folder = tmp_path_factory.mktemp("steer_model")
    ckpt = _save_llama(folder / "ckpt", tokenizer, vocab_size=512, tie_word_embeddings=True,
                       pad_token_id=tokenizer.pad_token_id)
    convert_to_gguf(ckpt, folder / "tiny.gguf", dtype="f32")
    return folder / "tiny.gguf"


@pytest.fixture(scope="module")
def built(tiny_gguf, tmp_path_factory):
    from edgealign.export.steering import export_steering
    from edgealign.training.steering import SteeringConfig, build_steering

    root = tmp_path_factory.mktemp("steer")
    metrics = build_steering(tiny_gguf, root / "ckpt", SteeringConfig.tiny(dims=DIMS), progress=False)
    manifest = export_steering(root / "ckpt", root / "artifact")
    return root, metrics, manifest


def test_checkpoint_holds_normalised_directions(built):
    from edgealign.training.steering import load_checkpoint

    root, metrics, _ = built
    ckpt = load_checkpoint(root / "ckpt")
    assert ckpt.dims == DIMS and ckpt.vectors.shape == (3, 2, 64) and ckpt.method == "caa"
    assert not ckpt.vectors[:, 0].any()  # llama.cpp has no direction.0
    norms = json.loads((root / "ckpt" / "steering.json").read_text())
    assert norms["sweep"] and {"accuracy", "ppl_ratio", "layers", "scale"} <= set(norms["sweep"][0])
    np.testing.assert_allclose(np.linalg.norm(ckpt.vectors[:, 1], axis=-1),
                               np.load(root / "ckpt" / "directions.npz")["layer_norms"][1], rtol=1e-4)
    assert metrics["layers"] == [1, 1] and metrics["dims"] == 3


def test_export_writes_control_vectors_bound_to_the_model(built, tiny_gguf):
    root, _, manifest = built
    art = root / "artifact"
    assert sorted(manifest.files) == ["dim_00.gguf", "dim_16.gguf", "dim_73.gguf"]
    again = Manifest.read(art, "steering")  # hashes verified
    d = again.details
    assert (d["base_model_sha256"], d["base_model_file"]) == (sha256_file(tiny_gguf), "tiny.gguf")
    assert (d["n_embd"], d["n_layer"], d["layers"], d["dimensions"]) == (64, 2, [1, 1], list(DIMS))
    assert d["method"] == "caa" and d["scale"] > 0 and d["normalization"]
    reader = gguf.GGUFReader(art / "dim_16.gguf")
    assert reader.fields["general.architecture"].contents() == "controlvector"
    assert reader.fields["controlvector.model_hint"].contents() == "llama"
    assert reader.fields["controlvector.layer_count"].contents() == 1
    (tensor,) = reader.tensors
    assert tensor.name == "direction.1" and tensor.tensor_type == gguf.GGMLQuantizationType.F32
    assert list(tensor.shape) == [64] and np.abs(tensor.data).sum() > 0


def test_a_file_that_does_not_read_back_leaves_no_manifest(built, tmp_path, monkeypatch):
    from edgealign.export import steering

    root, _, _ = built
    real = steering._write_file

    def corrupt(path, tensors, hint):
        real(path, {k: v + 1e-3 for k, v in tensors.items()}, hint)

    monkeypatch.setattr(steering, "_write_file", corrupt)
    with pytest.raises(ParityError, match="differ"):
        steering.export_steering(root / "ckpt", tmp_path / "art")
    assert not (tmp_path / "art" / MANIFEST).exists()


def test_bad_inputs_say_what_to_do(tmp_path):
    from edgealign.training.steering import SteeringConfig, build_steering, load_checkpoint

    with pytest.raises(ArtifactError, match="train steering"):
        load_checkpoint(tmp_path)
    with pytest.raises(ArtifactError, match="does not exist"):
        build_steering(tmp_path / "missing.gguf", tmp_path / "out", SteeringConfig.tiny())
    with pytest.raises(ConfigError, match="--gguf"):
        build_steering(tmp_path, tmp_path / "out", SteeringConfig.tiny())
    with pytest.raises(ConfigError, match="layer_ranges"):
        SteeringConfig(layer_ranges=("0.5-0.2",))
    with pytest.raises(ConfigError, match="sweep_dims"):
        SteeringConfig(dims=(1, 2))


def test_cli_trained_basis_and_export(tiny_gguf, tmp_path, capsys):
    from edgealign.cli import main

    assert main(["train", "steering", "--model", str(tiny_gguf), "--out", str(tmp_path / "ckpt"), "--preset", "tiny",
                 "--method", "trained", "--dims", "16,73", "--json"]) == 0
    trained = json.loads(capsys.readouterr().out)
    assert trained["dims"] == 2 and trained["method"] in ("caa", "trained")
    info = json.loads((tmp_path / "ckpt" / "steering.json").read_text())
    dpo = info["metrics"]["trained"]
    assert dpo["steps"] == 4 and dpo["step_s"] > 0 and {"accuracy", "ppl_ratio"} <= set(dpo["heldout"])
    assert main(["export", "steering", str(tmp_path / "ckpt"), "--out", str(tmp_path / "art"), "--json"]) == 0
    exported = json.loads(capsys.readouterr().out)
    assert exported["files"] == 2 and Manifest.read(tmp_path / "art", "steering").details["method"] == trained["method"]


def test_stories260k_basis(shared, tmp_path):
    from edgealign.export.steering import export_steering
    from edgealign.training.steering import SteeringConfig, build_steering

    model = shared / "models" / "stories260K.gguf"
    build_steering(model, tmp_path / "ckpt", SteeringConfig.tiny(dims=(16, 73)), progress=False)
    d = export_steering(tmp_path / "ckpt", tmp_path / "art").details
    assert (d["n_embd"], d["n_layer"], d["base_model_sha256"]) == (64, 5, sha256_file(model))
    names = {t.name for t in gguf.GGUFReader(tmp_path / "art" / "dim_16.gguf").tensors}
    assert names == {f"direction.{il}" for il in range(1, 5)}


def test_demo_preset_builds_without_a_sweep_and_is_reused(tiny_gguf, tmp_path, monkeypatch):
    from edgealign.export import steering
    from edgealign.poles import style_dimensions
    from edgealign.training.steering import SteeringConfig

    cfg = SteeringConfig.demo(train_tasks=1)
    first = steering.ensure_steering(tiny_gguf, tmp_path / "steering", cfg, progress=False)
    assert first.details["dimensions"] == list(style_dimensions()) and first.metrics["sweep"] == []
    monkeypatch.setattr(steering, "build_steering", lambda *a, **k: pytest.fail("rebuilt a cached basis"))
    again = steering.ensure_steering(tiny_gguf, tmp_path / "steering", cfg, progress=False)
    assert again.files == first.files


def test_the_built_basis_loads_on_the_device_and_steers(built, tiny_gguf):
    """build -> export -> load -> steered generation differs from unsteered."""
    from edgealign import PreferenceProfile
    from edgealign.llm import LocalLLM

    root, _, _ = built
    humour = PreferenceProfile.from_text("Likes humor")
    with LocalLLM.open(tiny_gguf, n_ctx=128, n_threads=1, steering=root / "artifact") as llm:
        assert llm.steering.steerable == set(DIMS)
        plain = llm.chat("Tell me a story.", max_tokens=12, temperature=0)
        steered = llm.chat("Tell me a story.", conditioning="steer", profile=humour, strength=2.0,
                           max_tokens=12, temperature=0)
        assert llm.chat("Tell me a story.", max_tokens=12, temperature=0) == plain
        assert str(steered) != str(plain), "a 2x humour vector did not change a single greedy token"
