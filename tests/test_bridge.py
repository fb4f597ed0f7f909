"""The preference bridge end to end at tiny scale: train -> export -> load -> infer."""

import json
import logging
import shutil

import numpy as np
import pytest

from edgealign import Choice, Comment, Description, PreferenceProfile
from edgealign.artifacts import Manifest
from edgealign.bridge import PreferenceBridge
from edgealign.errors import ArtifactError, ConfigError, ParityError
from edgealign.featurize import bridge_units

pytest.importorskip("torch")


@pytest.fixture(scope="module")
def checkpoint(tiny_bridge_checkpoint):
    return tiny_bridge_checkpoint


@pytest.fixture(scope="module")
def artifact(tiny_bridge_artifact):
    return tiny_bridge_artifact


ITEMS = [
    Description("I am a retired teacher. Jokes are the best part of my day."),
    Comment("Best pizza?", "Anything with anchovies. Short answer, sorry."),
    Choice("Weekend plans?", "A long hike. Then a nap.", "A museum tour. Then a nap."),
]


def test_units_split_sentences_and_drop_what_a_choice_shares():
    units = bridge_units(ITEMS)
    assert units.texts == ["I am a retired teacher.", "Jokes are the best part of my day.",
                           "Anything with anchovies.", "Short answer, sorry.", "A long hike.", "A museum tour."]
    assert units.sign.tolist() == [1, 1, 1, 1, 1, -1]
    assert units.kind.tolist() == [2, 2, 0, 0, 1, 1]
    assert units.item.tolist() == [0, 0, 1, 1, 2, 2]
    assert (units.combine.sum(1) == 1).all()


def test_tokenize_one_by_one_gives_the_batch_ids(artifact):
    """A profile's sentences are encoded one at a time, a large batch at once: the same ids,
    truncation and padding either way."""
    from tokenizers import Tokenizer

    from edgealign import featurize

    tokenizer = featurize.configure(Tokenizer.from_file(str(artifact / "tokenizer.json")), 12)
    texts = ["Hi.", "A long hike in the hills, then a nap and some tea with a friend or two.", "Jokes are the best."]
    ids, mask = featurize.tokenize(tokenizer, texts)
    batch = tokenizer.encode_batch(texts)
    assert ids.dtype == mask.dtype == np.int64 and ids.shape == (3, 12)
    assert ids.tolist() == [e.ids for e in batch] and mask.tolist() == [e.attention_mask for e in batch]
    many = texts * (featurize._ONE_BY_ONE // 3 + 1)  # past the limit: one batch call
    assert np.array_equal(featurize.tokenize(tokenizer, many)[0], np.concatenate([ids] * (len(many) // 3)))


def test_training_is_deterministic_for_a_seed(checkpoint, tmp_path):
    from safetensors.numpy import load_file

    from edgealign.training.bridge import BridgeConfig, BridgeTrainer
    from edgealign.training.synth import SynthConfig, generate_records

    BridgeTrainer(BridgeConfig.tiny()).fit(generate_records(SynthConfig(users=40, seed=1)), tmp_path, progress=False)
    a, b = load_file(checkpoint / "head.safetensors"), load_file(tmp_path / "head.safetensors")
    assert all(np.array_equal(a[k], b[k]) for k in a)
    metrics = json.loads((checkpoint / "metrics.json").read_text())
    assert {"accuracy_nonneutral", "macro_f1", "ece", "per_group", "per_dimension"} <= set(metrics)
    per_dim = metrics["per_dimension"]
    assert sum(d["n"] for d in per_dim.values()) == metrics["n_nonneutral"]
    assert all(0 <= d["accuracy_nonneutral"] <= 1 for d in per_dim.values())


def test_fine_tuning_features_match_the_frozen_lookup_and_the_encoder_learns(tmp_path):
    """The `gpu` preset's path on the CPU: one encoder call per batch gives each user the
    features the frozen path looks up, and training moves the encoder's layers but not its
    word embeddings (unless asked)."""
    import torch
    from safetensors.torch import load_file

    from edgealign.training._bridge_data import Featurizer, examples_from_records
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer, _build
    from edgealign.training.synth import SynthConfig, generate_records

    records = list(generate_records(SynthConfig(users=12, seed=3)))
    examples = examples_from_records(records)[:6]
    frozen, tuned = BridgeConfig.tiny(), BridgeConfig.tiny(freeze_encoder=False, memory_per_pole=0)
    model, tokenizer = _build(frozen)
    lookup = Featurizer(model, tokenizer, frozen, examples, progress=False).batch(examples)
    live = Featurizer(model, tokenizer, tuned, examples, progress=False).batch(examples)
    with torch.no_grad():
        assert torch.allclose(lookup["x"], live["x"], atol=1e-5)
    assert torch.equal(lookup["sign"], live["sign"]) and torch.equal(lookup["kind"], live["kind"])

    BridgeTrainer(tuned).fit(records, tmp_path, progress=False)
    start = model.encoder.state_dict()
    after = load_file(tmp_path / "encoder" / "model.safetensors")
    moved = [k for k, v in after.items() if k in start and not torch.equal(v, start[k])]
    assert any(k.startswith("encoder.layer.") for k in moved), "fine-tuning left the encoder's layers untouched"
    assert "embeddings.word_embeddings.weight" in after and "embeddings.word_embeddings.weight" not in moved


def test_export_writes_a_verified_manifest(artifact):
    manifest = Manifest.read(artifact, "bridge")
    assert set(manifest.files) == {"bridge.onnx", "bridge.int8.onnx", "head.onnx", "head_units.onnx", "tokenizer.json"}
    parity = manifest.metrics["parity"]
    for graph in ("bridge.onnx", "head.onnx<-bridge.onnx", "head.onnx weighted"):
        assert parity[graph]["max_abs_diff"] < 2e-3
    for graph in ("bridge.int8.onnx", "head.onnx<-bridge.int8.onnx"):
        assert parity[graph]["argmax_agreement"] >= 0.9


@pytest.mark.parametrize("precision", ["fp32", "int8"])
def test_device_inference_matches_torch(artifact, checkpoint, precision):
    import torch

    from edgealign.training.bridge import load_bridge

    bridge = PreferenceBridge.load(artifact, precision=precision, threads=1)
    profile = bridge.infer(ITEMS)
    assert isinstance(profile, PreferenceProfile)
    assert np.allclose(profile.distribution.sum(1), 1.0, atol=1e-5)
    assert all(0 <= e.item < len(ITEMS) for e in profile.evidence)
    model, tokenizer, cfg = load_bridge(checkpoint)
    from edgealign.featurize import configure, tokenize

    units = bridge_units(ITEMS)
    ids, mask = tokenize(configure(tokenizer, cfg.max_length), units.texts)
    with torch.no_grad():
        ref = model(*(torch.from_numpy(a) for a in (ids, mask, units.combine, units.sign, units.kind)))[1]
    ref_probs = torch.softmax(ref, -1).numpy()
    tol = 1e-4 if precision == "fp32" else 0.25
    assert np.abs(ref_probs - profile.distribution).max() < tol


def test_no_items_give_a_neutral_profile_without_confidence(artifact):
    profile = PreferenceBridge.load(artifact).infer([])
    assert profile.non_neutral() == [] and profile.confidence.max() == 0


def test_parity_failure_stops_the_export(checkpoint, tmp_path):
    from edgealign.export.onnx import export_bridge

    with pytest.raises(ParityError, match="differ from torch"):
        export_bridge(checkpoint, tmp_path, tolerance=0.0)
    assert not (tmp_path / "manifest.json").exists()


def _copy(artifact, tmp_path):
    dst = tmp_path / "copy"
    shutil.copytree(artifact, dst)
    return dst


def _rewrite_manifest(folder, **changes):
    data = json.loads((folder / "manifest.json").read_text())
    data.update(changes)
    (folder / "manifest.json").write_text(json.dumps(data))


@pytest.mark.parametrize(
    "damage, message",
    [
        (lambda f: (f / "manifest.json").unlink(), "no manifest.json"),
        (lambda f: (f / "bridge.int8.onnx").write_bytes((f / "bridge.int8.onnx").read_bytes()[:1000]), "does not match its manifest hash"),
        (lambda f: (f / "tokenizer.json").unlink(), "tokenizer.json is missing"),
        (lambda f: _rewrite_manifest(f, space_version="0123456789abcdef"), "made for preference space"),
        (lambda f: _rewrite_manifest(f, n_dims=91), "91 dimensions"),
        (lambda f: _rewrite_manifest(f, format_version=99), "artifact format 99"),
        (lambda f: _rewrite_manifest(f, kind="llm"), "holds a 'llm' artifact"),
        (lambda f: (f / "manifest.json").write_text("{not json"), "not a valid manifest"),
    ],
)
def test_bad_artifacts_give_clear_errors(artifact, tmp_path, damage, message):
    folder = _copy(artifact, tmp_path)
    damage(folder)
    with pytest.raises(ArtifactError, match=message):
        PreferenceBridge.load(folder)


def test_a_corrupt_graph_with_a_matching_hash_is_still_an_artifact_error(artifact, tmp_path):
    folder = _copy(artifact, tmp_path)
    (folder / "bridge.int8.onnx").write_bytes(b"\x08\x07garbage" * 100)
    manifest = Manifest.read(folder, "bridge", verify=False)
    Manifest.for_files(folder, "bridge", list(manifest.files), details=manifest.details).write(folder)
    with pytest.raises(ArtifactError, match="not a loadable ONNX graph"):
        PreferenceBridge.load(folder)


def test_unknown_precision_is_a_config_error(artifact, tmp_path):
    folder = _copy(artifact, tmp_path)
    manifest = Manifest.read(folder, "bridge")
    details = {**manifest.details, "graphs": {"fp32": "bridge.onnx"}}
    Manifest(kind="bridge", files=manifest.files, details=details).write(folder)
    with pytest.raises(ConfigError, match="not 'int8'"):
        PreferenceBridge.load(folder, precision="int8")


def test_providers_fall_back_to_the_cpu_and_say_so(artifact, caplog):
    with caplog.at_level(logging.INFO, logger="edgealign.bridge"):
        bridge = PreferenceBridge.load(artifact, providers=["CUDAExecutionProvider", "QNNExecutionProvider"])
    assert bridge.providers == ["CPUExecutionProvider"]
    assert "running on CPUExecutionProvider" in caplog.text


def test_cli_train_export_eval(tmp_path):
    from edgealign.cli import main

    data = tmp_path / "users.jsonl"
    assert main(["synth", "--users", "30", "--seed", "3", "--out", str(data)]) == 0
    ckpt, art = tmp_path / "ckpt", tmp_path / "art"
    assert main(["train", "bridge", "--preset", "tiny", "--data", str(data), "--out", str(ckpt), "--json"]) == 0
    assert main(["export", "bridge", str(ckpt), "--out", str(art), "--json"]) == 0
    assert main(["eval-bridge", "--data", str(data), "--artifact", str(art), "--limit", "20", "--json"]) == 0


def test_eval_bridge_reports_curve_and_groups(artifact, tmp_path, capsys):
    from edgealign.cli import main
    from edgealign.data import write_records
    from edgealign.training.synth import SynthConfig, generate_records

    write_records(generate_records(SynthConfig(users=10, seed=9, records_per_user=1)), tmp_path / "d.jsonl")
    capsys.readouterr()
    assert main(["eval-bridge", "--data", str(tmp_path / "d.jsonl"), "--artifact", str(artifact), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_records"] == 10 and 0 <= result["accuracy_nonneutral"] <= 1
    assert set(result["curve"]) <= {"1", "2", "4", "8"} and "1" in result["curve"]
    assert "Interests" in result["per_group"] and "label_aggregate_accuracy_nonneutral" in result


def test_parity_limits_that_check_nothing_are_refused_and_the_limits_used_are_recorded(checkpoint, artifact, tmp_path):
    from edgealign.export.onnx import export_bridge

    assert Manifest.read(artifact, "bridge").metrics["parity_limits"] == {"tolerance": 2e-3, "min_agreement": 0.9}
    for bad in ({"tolerance": float("nan")}, {"tolerance": -1.0}, {"tolerance": 10.0}, {"min_agreement": -1.0},
                {"min_agreement": float("nan")}, {"min_agreement": 0.2}):
        with pytest.raises(ConfigError, match="parity tolerance|int8 agreement"):
            export_bridge(checkpoint, tmp_path / "out", **bad)
        assert not (tmp_path / "out").exists(), bad


def test_eval_bridge_on_all_neutral_references_reports_no_accuracy(artifact, tmp_path, capsys):
    from edgealign.cli import main
    from edgealign.data import Record, write_records
    from edgealign.persona import Persona

    neutral = Record("t", "a", "b", Persona(comments=(Comment("Plans?", "A nap."),)), direction=(0.5,) * 90)
    write_records([neutral] * 3, tmp_path / "neutral.jsonl")
    capsys.readouterr()
    args = ["eval-bridge", "--data", str(tmp_path / "neutral.jsonl"), "--artifact", str(artifact)]
    assert main([*args, "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["n_nonneutral"] == 0 and result["accuracy_nonneutral"] is None
    assert all(v is None for v in result["curve"].values())
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "0.000" not in out and "n/a" in out
