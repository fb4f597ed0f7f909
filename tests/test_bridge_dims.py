"""Bridge training on dimensions without data, and what it says about items that say nothing."""

import json
import random

import numpy as np
import pytest

from edgealign import Comment
from edgealign.featurize import KIND_CHOICE, KIND_DESCRIPTION, bridge_units, configure, tokenize

torch = pytest.importorskip("torch")

from edgealign.training._bridge_data import examples_from_records  # noqa: E402
from edgealign.training.bridge import BridgeConfig, BridgeTrainer, load_bridge  # noqa: E402
from edgealign.training.response_choices import ResponseChoiceConfig, answer_pair, response_choice_records  # noqa: E402
from edgealign.training.synth import SynthConfig, generate_records  # noqa: E402

HELD = (16, 73)


def _records():
    yield from generate_records(SynthConfig(users=30, seed=5, response_choices=0.5))
    yield from response_choice_records(ResponseChoiceConfig(users=30, seed=5, neutral_share=0.2))


def test_holding_dimensions_out_drops_every_item_that_expresses_them():
    full = examples_from_records(_records())
    held = examples_from_records(_records(), holdout=HELD)
    assert any((ex.target[list(HELD)] != 1).any() for ex in full)
    assert held and len(held) <= len(full)
    for ex in held:
        assert (ex.target[list(HELD)] == 1).all()
        assert all(t is None or (t[list(HELD)] == 1).all() for t in ex.item_targets)
    assert sum(len(ex.items) for ex in held) < sum(len(ex.items) for ex in full)


@pytest.fixture(scope="module")
def held_out(tmp_path_factory):
    out = tmp_path_factory.mktemp("bridge-held") / "ckpt"
    # Calibration off: a handful of tiny validation users cannot set the evidence gain.
    cfg = BridgeConfig.tiny(holdout_dims=HELD, dim_dropout=0.5, unseen_neutral_offset=0.5, neutral_floor=None)
    metrics = BridgeTrainer(cfg).fit(_records(), out, progress=False)
    return out, metrics


def test_dimensions_without_data_get_the_head_that_dimension_dropout_trained(held_out):
    out, metrics = held_out
    model, _, cfg = load_bridge(out)
    head = model.head
    assert cfg.holdout_dims == HELD and metrics["unseen_dims"] >= len(HELD)
    assert cfg.unseen_raw_space  # the default: read in the encoder's own space, choices muted
    start = head.unseen(torch.ones(90, dtype=torch.bool))[0] @ torch.linalg.inv(head.proj.mean(0))
    for d in HELD:
        assert torch.allclose(head.anchors[:, d], cfg.unseen_gain * start[:, d], atol=1e-5)
        assert torch.allclose(head.bias[:, 1, d], torch.tensor([0.5, 0.5 + head._MUTE, 0.5]))
        assert (head.bias[:, [0, 2], d] != head.shared_bias[:, [0, 2], 0]).all(), "pole lines from the sentences"
        assert head.agg_bias[d] == head.shared_agg_bias
    trained = [d for d in (5, 14, 45, 46) if not torch.equal(head.bias[:, :, d], head.shared_bias[:, :, 0])]
    assert trained, "dimensions with data keep their own biases"
    # the shared values moved: dropped dimensions trained them
    assert not torch.equal(head.shared_bias[:, :, 0], torch.tensor([[0.0, 2.0, 0.0]] * 3))
    assert json.loads((out / "config.json").read_text())["holdout_dims"] == list(HELD)


def _moved_head():
    """A head of 16-d anchors whose projections moved off the identity, dimensions 3 and 7 unseen."""
    from edgealign.training.bridge_model import BridgeHead

    torch.manual_seed(0)
    head = BridgeHead(torch.randn(90, 16), torch.randn(90, 16))
    with torch.no_grad():
        head.proj.copy_(torch.eye(16) + 0.1 * torch.randn(3, 16, 16))
    unseen = torch.zeros(90, dtype=torch.bool)
    unseen[[3, 7]] = True
    return head, unseen


def test_raw_space_anchors_score_the_unprojected_sentence():
    head, unseen = _moved_head()
    start = head.unseen(unseen)[0]
    bias = head.bias.detach().clone()
    head.reset_unseen(unseen, raw_space=True)
    x = torch.randn(5, 16)
    mean = x @ head.proj.mean(0).T
    assert torch.allclose(mean @ head.anchors[:, [3, 7]].transpose(1, 2), x @ start[:, [3, 7]].transpose(1, 2), atol=1e-4)
    assert torch.equal(head.anchors[:, 5], start[:, 5])
    # a choice sentence says nothing about an unseen dimension: its relevance is ~0
    logits = head.item_logits(x, torch.full((5,), KIND_CHOICE))
    p_neutral = torch.softmax(logits, -1)[:, [3, 7], 1]
    assert (p_neutral > 1 - 1e-6).all() and torch.equal(head.bias[KIND_DESCRIPTION], bias[KIND_DESCRIPTION])


def test_unseen_poles_count_only_sentences_past_the_training_line():
    from edgealign.training.bridge_model import BridgeHead

    torch.manual_seed(1)
    head = BridgeHead(torch.nn.functional.normalize(torch.randn(90, 16), dim=-1),
                      torch.nn.functional.normalize(torch.randn(90, 16), dim=-1))
    unseen = torch.zeros(90, dtype=torch.bool)
    unseen[[3, 7]] = True
    x = torch.nn.functional.normalize(torch.randn(4000, 16), dim=-1)
    kind = torch.tensor([KIND_DESCRIPTION, 0] * 2000)
    head.reset_unseen(unseen, raw_space=True, sample=(x, kind), quantile=0.75, gain=2.0)
    logits = head.item_logits(x, kind)[:, [3, 7]]                      # (N, 2, 3)
    past = (logits[..., [0, 2]] > logits[..., 1:2]).float().mean()
    assert abs(float(past) - 0.25) < 0.01  # a quarter of the training sentences pass each pole's line


def test_anchors_start_from_labels_and_descriptions():
    from edgealign.training.bridge_model import pole_texts

    rows = pole_texts(1)
    assert len(rows) == 90 and all(label and len(text) > len(label) for label, text in rows)
    assert pole_texts(-1, "label")[16] == "Detailed communication style"


def _profile_values(model, tokenizer, items):
    units = bridge_units(items)
    ids, mask = tokenize(configure(tokenizer, 32), units.texts)
    with torch.no_grad():
        _, user, _ = model(torch.from_numpy(ids), torch.from_numpy(mask), torch.from_numpy(units.combine),
                           torch.from_numpy(units.sign), torch.from_numpy(units.kind))
    return user.argmax(-1).numpy()


def test_items_that_say_nothing_leave_dimensions_neutral(held_out):
    model, tokenizer, _ = load_bridge(held_out[0])
    filler = [Comment("Any plans?", "We talked about this at dinner the other night. Anyway, that is my two cents.")]
    values = _profile_values(model, tokenizer, filler)
    assert np.mean(values == 1) >= 0.95, np.nonzero(values != 1)
    rng = random.Random(0)
    alike = [answer_pair(rng, {}) for _ in range(4)]  # two answers written alike: no preference shown
    from edgealign.persona import Choice

    choices = [Choice(p, c, r) for p, c, r in alike]
    values = _profile_values(model, tokenizer, choices)
    assert np.mean(values == 1) >= 0.95, np.nonzero(values != 1)


def test_choice_evidence_carries_its_own_gain_in_torch_and_in_the_head_graph():
    from edgealign.bridge import head_feed
    from edgealign.export._bridge_graphs import HeadGraph
    from edgealign.training.bridge_model import BridgeHead

    torch.manual_seed(2)
    head = BridgeHead(torch.nn.functional.normalize(torch.randn(90, 16), dim=-1),
                      torch.nn.functional.normalize(torch.randn(90, 16), dim=-1)).eval()
    x = torch.nn.functional.normalize(torch.randn(4, 16), dim=-1)
    kind = torch.tensor([KIND_CHOICE, KIND_CHOICE, 0, KIND_DESCRIPTION])
    sign = torch.tensor([1.0, -1.0, 1.0, 1.0])
    with torch.no_grad():
        logits = head.item_logits(x, kind)
        _, before = head.aggregate(logits, sign, kind)
        head.kind_gain[KIND_CHOICE] = 2.0
        user, after = head.aggregate(logits, sign, kind)
        assert torch.allclose(after[:2], 2 * before[:2]) and torch.equal(after[2:], before[2:])
        feed = head_feed(x.numpy(), np.arange(4), sign.numpy(), kind.numpy(), np.ones(4))
        graph_user = HeadGraph(head)(*(torch.from_numpy(feed[k]) for k in feed))[1]
    assert torch.allclose(graph_user, user, atol=1e-5)


def test_the_regulariser_leaves_out_the_anchors_reset_every_epoch():
    head, unseen = _moved_head()
    before = head.drift(unseen).item()
    sample = (torch.randn(400, 16), torch.tensor([KIND_DESCRIPTION, 0] * 200))
    head.reset_unseen(unseen, raw_space=True, sample=sample, gain=2.0)
    # the overwritten anchors moved far from their start, yet the loss does not count them
    assert head.drift().item() > before + 1.0
    assert head.drift(unseen).item() == pytest.approx(before)
