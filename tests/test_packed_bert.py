"""The bridge graph skips padding (export/_packed_bert.py): same embeddings as the stock encoder."""

import numpy as np
import pytest

from edgealign import Choice, Comment, Description
from edgealign.artifacts import BRIDGE_INPUTS
from edgealign.featurize import bridge_units, configure, tokenize

pytest.importorskip("torch")

# One short sentence, then texts whose lengths differ a lot (and one past max_length), so
# most positions of the (T, L) batch are padding.
USERS = [
    [Comment("Hi?", "Yes.")],
    [Description("Ok. " + "I like long walks along the river every single morning before work " * 3),
     Choice("Tea?", "Green tea please.", "No."), Comment("Why?", "Because.")],
]


def _feeds(tokenizer, max_length):
    configure(tokenizer, max_length)
    feeds = []
    for items in USERS:
        units = bridge_units(items)
        ids, mask = tokenize(tokenizer, units.texts)
        feeds.append({"input_ids": ids, "attention_mask": mask, "combine": units.combine,
                      "sign": units.sign, "kind": units.kind})
    return feeds


@pytest.fixture(scope="module")
def bridge(tiny_bridge_checkpoint):
    from edgealign.training.bridge import load_bridge

    model, tokenizer, cfg = load_bridge(tiny_bridge_checkpoint)
    return model, _feeds(tokenizer, cfg.max_length)


def test_packed_encoder_gives_the_stock_embeddings_and_is_put_back(bridge):
    import torch

    from edgealign.export._packed_bert import PackedBert, packed_encoder

    model, feeds = bridge
    stock = model.encoder
    assert any((f["attention_mask"] == 0).mean() > 0.5 for f in feeds)
    for feed in feeds:
        ids, mask = torch.from_numpy(feed["input_ids"]), torch.from_numpy(feed["attention_mask"])
        with torch.no_grad():
            ref = model.embed(ids, mask)
            with packed_encoder(model) as packed:
                assert packed and isinstance(model.encoder, PackedBert)
                got = model.embed(ids, mask)
        assert torch.allclose(ref, got, atol=1e-5)
    assert model.encoder is stock


def test_exported_graph_matches_torch_for_any_number_and_length_of_texts(bridge, tiny_bridge_artifact):
    import onnxruntime as ort
    import torch

    model, feeds = bridge
    session = ort.InferenceSession(str(tiny_bridge_artifact / "bridge.onnx"), providers=["CPUExecutionProvider"])
    for feed in feeds:
        with torch.no_grad():
            ref = model(*(torch.from_numpy(feed[name]) for name in BRIDGE_INPUTS))[1].numpy()
        got = session.run(["user_logits"], feed)[0]
        assert np.abs(ref - got).max() < 1e-4


def test_an_encoder_that_is_not_bert_is_exported_as_it_is():
    from torch import nn

    from edgealign.export._packed_bert import packed_encoder

    model = nn.Module()
    model.encoder = nn.Linear(2, 2)
    with packed_encoder(model) as packed:
        assert not packed and isinstance(model.encoder, nn.Linear)
