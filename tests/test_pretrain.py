"""The tiny base's causal-LM stage: it reads only what users wrote, learns, and gives a base
that aligners start from (and resume onto)."""

import json

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("transformers")

from edgealign.data import write_records  # noqa: E402
from edgealign.errors import ConfigError  # noqa: E402
from edgealign.training.aligners import BASE_DIR, AlignerConfig, PBATrainer, pretrain_base  # noqa: E402
from edgealign.training.pretrain import PretrainSettings, user_documents  # noqa: E402
from edgealign.training.synth import SynthConfig, generate_records  # noqa: E402

pytestmark = pytest.mark.slow
SHORT = dict(max_length=128, max_prompt_length=96, max_steps=2, eval_records=0)


@pytest.fixture(scope="module")
def records():
    return list(generate_records(SynthConfig(users=12, records_per_user=2, seed=4)))


def test_documents_hold_what_each_user_wrote_and_no_reply_or_choice(records):
    docs = user_documents(records)
    assert len(docs) == 12
    written = {c.comment for r in records for c in r.persona.comments}
    written |= {r.persona.description.text for r in records}
    assert {t for d in docs for t in d} == written
    unpaired = {t for r in records for t in (r.chosen, r.rejected)}
    unpaired |= {t for r in records for c in r.persona.choices for t in (c.chosen, c.rejected)}
    assert not unpaired & written


def test_pretrain_base_learns_and_aligners_start_from_it(records, tmp_path):
    data = tmp_path / "users.jsonl"
    write_records(records, data)
    cfg = AlignerConfig.tiny("pba", **SHORT)
    folder = pretrain_base(cfg, [data], tmp_path / "base")
    stage = json.loads((folder / "pretrain.json").read_text())
    assert folder == tmp_path / "base" / BASE_DIR and stage["documents"] == 12
    assert stage["steps"] > 0 and stage["loss_last"] < stage["loss_first"] - 1  # a few steps on 12 users
    trainer = PBATrainer(AlignerConfig.tiny("pba", model=str(folder), pretrain_epochs=0, **SHORT))
    metrics = trainer.fit([data], tmp_path / "pba", progress=False)
    assert metrics["step"] == 2 and "pretrain" not in metrics
    from transformers import AutoModelForCausalLM

    base = AutoModelForCausalLM.from_pretrained(folder)
    assert all(torch.equal(a, b) for a, b in zip(base.state_dict().values(), trainer.reference.state_dict().values()))


def test_pretraining_is_for_the_tiny_model_only():
    with pytest.raises(ConfigError):
        AlignerConfig.tiny("ica", model="some/hf-model")
    with pytest.raises(ConfigError):
        pretrain_base(AlignerConfig.tiny("ica", pretrain_epochs=0), ["x.jsonl"], "out")
    with pytest.raises(ConfigError):
        PretrainSettings(epochs=-1)
