"""The bridge head's example memory: which sentences it stores, that training reads it
cross-fitted, and that both exported graphs score it as the torch head does."""

import numpy as np
import pytest

pytest.importorskip("torch")


def _examples(records):
    from edgealign.training._bridge_data import examples_from_records

    return examples_from_records(records)


def test_memory_stores_consistent_sentences_by_pole_and_filler_as_small_talk():
    import torch

    from edgealign.training._bridge_data import Featurizer
    from edgealign.training._bridge_memory import build_memory
    from edgealign.training.bridge import BridgeConfig, _build
    from edgealign.training.synth import SynthConfig, generate_records

    cfg = BridgeConfig.tiny()
    model, tokenizer = _build(cfg)
    train = _examples(generate_records(SynthConfig(users=40, seed=1)))
    feats = Featurizer(model, tokenizer, cfg, train, progress=False)
    counts = build_memory(model, feats, train, slots=4, n_neutral=8)
    head = model.head
    assert counts["memory_examples"] > 100 and counts["memory_small_talk"] > 0
    assert head.memory.dtype == torch.float16 and head.memory.shape == (2 * 90 * 4, head.anchors.shape[-1])
    assert int((head.memory_valid.amax(-1) > 0).sum()) == counts["memory_poles"] > 20
    # a stored slot holds a unit vector (an example or a normalised centroid); an empty one zeros
    norms = head.memory.float().norm(dim=-1).reshape(2, 90, 4)
    assert torch.allclose(norms[head.memory_valid > 0], torch.ones(1), atol=1e-2)
    assert (norms[head.memory_valid == 0] == 0).all()
    # every cache row has cross-fitted scores; a pole without examples scores 0
    assert feats.memory.shape == (len(feats.cache), 2, 90)
    assert (feats.memory[:, head.memory_valid.amax(-1) == 0] == 0).all()


def test_training_reads_the_memory_of_the_other_fold():
    """A stored sentence scored against the full memory finds itself (similarity 1); the
    cross-fitted score it trains on comes from the other fold, so it is lower."""
    from edgealign.training._bridge_data import Featurizer
    from edgealign.training._bridge_memory import build_memory
    from edgealign.training.bridge import BridgeConfig, _build
    from edgealign.training.synth import SynthConfig, generate_records

    cfg = BridgeConfig.tiny()
    model, tokenizer = _build(cfg)
    train = _examples(generate_records(SynthConfig(users=40, seed=1)))
    feats = Featurizer(model, tokenizer, cfg, train, progress=False)
    build_memory(model, feats, train, slots=64, n_neutral=8)  # slots >= examples: every example stored
    full = model.head.memory_scores(feats.table)
    own = full.amax(dim=(1, 2))
    assert float((feats.memory.amax(dim=(1, 2)) < own - 1e-4).float().mean()) > 0.5


def test_both_graphs_score_the_memory_as_the_torch_head(tiny_bridge_checkpoint, tiny_bridge_artifact):
    import onnxruntime as ort
    import torch

    from edgealign.bridge import HEAD, head_feed
    from edgealign.featurize import KIND_CHOICE, KIND_COMMENT
    from edgealign.training.bridge import load_bridge

    model, _, _ = load_bridge(tiny_bridge_checkpoint)
    head = model.head
    assert head.has_memory and float(head.memory_gain.abs().min()) > 0
    # Sentences at stored examples: the memory decides their poles, so parity must cover it.
    stored = head.memory.float()[head.memory_valid.reshape(-1) > 0][:12]
    x = torch.nn.functional.normalize(stored + 0.05 * torch.randn_like(stored), dim=-1)
    kind = torch.tensor([KIND_COMMENT, KIND_CHOICE] * 6)
    sign = torch.tensor([1.0, -1.0] * 6)
    with torch.no_grad():
        units = head.item_logits(x, kind)
        ref, _ = head.aggregate(units, sign, kind)
        without = head.item_logits(x, kind, memory=torch.zeros(len(x), 2, 90))
    assert float((units - without).abs().max()) > 0.5  # the memory moves these sentences
    session = ort.InferenceSession(str(tiny_bridge_artifact / HEAD), providers=["CPUExecutionProvider"])
    feed = head_feed(x.numpy(), np.arange(len(x)), sign.numpy(), kind.numpy(), np.ones(len(x), dtype=np.float32))
    got_units, got = session.run(["unit_logits", "user_logits"], feed)
    assert np.abs(got - ref.numpy()).max() < 1e-4
    assert np.abs(got_units - units.numpy()).max() < 1e-4


def test_a_checkpoint_without_memory_still_loads_and_exports(tmp_path):
    from edgealign.bridge import PreferenceBridge
    from edgealign.export.onnx import export_bridge
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer, load_bridge
    from edgealign.training.synth import SynthConfig, generate_records

    BridgeTrainer(BridgeConfig.tiny(memory_per_pole=0, epochs=1)).fit(
        generate_records(SynthConfig(users=20, seed=2)), tmp_path / "ckpt", progress=False)
    model, _, _ = load_bridge(tmp_path / "ckpt")
    assert not model.head.has_memory
    export_bridge(tmp_path / "ckpt", tmp_path / "art", min_agreement=0.5)
    assert PreferenceBridge.load(tmp_path / "art").infer([]).confidence.max() == 0


def test_memory_needs_a_frozen_encoder():
    from edgealign.errors import ConfigError
    from edgealign.training.bridge import BridgeConfig

    with pytest.raises(ConfigError, match="--memory-per-pole 0"):
        BridgeConfig.tiny(freeze_encoder=False)
    assert BridgeConfig.gpu().memory_per_pole == 0
