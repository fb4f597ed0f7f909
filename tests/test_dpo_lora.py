"""LoRA in the DPO loop, at tiny scale: only the adapter trains, the reference is the base with
the adapter switched off, the reference's log-probabilities are computed once per example, the
run learns, and the checkpoint folder is peft's adapter with the run's config."""

import dataclasses
import json
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")
pytest.importorskip("peft")

from edgealign.data import write_records  # noqa: E402
from edgealign.errors import ConfigError  # noqa: E402
from edgealign.preferences import PreferenceProfile  # noqa: E402
from edgealign.training import dpo, dpo_objective, dpo_reference  # noqa: E402
from edgealign.training.aligners import LORA_TARGETS, AlignerConfig, PBATrainer  # noqa: E402
from edgealign.training.models import load_base, tiny_llama, train_tiny_tokenizer  # noqa: E402
from edgealign.training.synth import SynthConfig, generate_records  # noqa: E402

pytestmark = pytest.mark.slow
LORA = dict(max_length=192, max_prompt_length=144, lora_rank=8, lora_alpha=16.0, lr=2e-2, pretrain_epochs=0.0)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    """32 records whose profile is given, so a PBA prompt is the same in every epoch."""
    path = tmp_path_factory.mktemp("lora-data") / "synth.jsonl"
    records = [dataclasses.replace(r, profile=PreferenceProfile.from_direction(r.direction).to_text())
               for r in generate_records(SynthConfig(users=16, records_per_user=2, seed=1))]
    write_records(records, path)
    return str(path)


@pytest.fixture(scope="module")
def base(data, tmp_path_factory):
    """A tiny Llama and its tokenizer saved as a Hugging Face folder: the base the adapter goes on."""
    from edgealign.data import read_records

    texts = [t for r in read_records(data) for t in (r.prompt, r.chosen, r.rejected, r.profile)]
    tokenizer = train_tiny_tokenizer(texts, 1024)
    folder = tmp_path_factory.mktemp("lora-base")
    tiny_llama(tokenizer, 0).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def run(data, base, tmp_path_factory):
    """A tiny PBA run with a LoRA adapter, counting every sequence log-probability computed."""
    calls = {"n": 0}
    original = dpo.sequence_logps

    def counted(*args, **kwargs):
        calls["n"] += 1
        return original(*args, **kwargs)

    # the policy's forwards run in the loop, the reference's in its own module
    dpo.sequence_logps = dpo_reference.sequence_logps = counted
    try:
        out = tmp_path_factory.mktemp("lora")
        trainer = PBATrainer(AlignerConfig.tiny("pba", model=base, eval_data=(data,), **LORA))
        metrics = trainer.fit([data], out, progress=False)
    finally:
        dpo.sequence_logps = dpo_reference.sequence_logps = original
    return trainer, metrics, out, calls["n"]


def _batch(trainer):
    ids = trainer.tokenizer.encode("A short answer about saving money.", add_special_tokens=False)
    prompt = trainer.tokenizer.encode("How do I save?", add_special_tokens=False)
    return dpo_objective.collate_pairs([{"prompt_ids": prompt, "chosen_ids": ids, "rejected_ids": ids[::-1]}],
                                       trainer.tokenizer.pad_token_id)


def test_lora_run_learns(run):
    _, metrics, _, _ = run
    before, after = metrics["eval_before"], metrics["eval_after"]
    assert before["loss"] == pytest.approx(math.log(2), abs=1e-5) and before["accuracy"] == 0.0  # adapter starts at 0
    assert after["loss"] < 0.6 and after["accuracy"] >= 0.75 and after["reward_margin"] > 0
    assert metrics["last_step"]["loss"] < metrics["first_step"]["loss"]
    assert metrics["step"] == metrics["total_steps"] == 8
    assert metrics["held_out"] == {"synth.jsonl": after}  # --eval-data: scored per file


def test_only_the_adapter_changes(run, base):
    trainer, _, _, _ = run
    base, _ = load_base(base)
    trained = trainer.model.get_base_model().state_dict()
    frozen = {k: v for k, v in trained.items() if "lora_" not in k}
    assert len(frozen) == len(base.state_dict())
    for name, value in base.state_dict().items():
        key = next(k for k in frozen if k.replace(".base_layer", "") == name)
        assert torch.equal(frozen[key], value), name
    lora_b = [v for k, v in trained.items() if "lora_B" in k]
    assert lora_b and all(v.abs().sum() > 0 for v in lora_b)  # initialised at 0, moved by training
    trainable = {n for n, p in trainer.model.named_parameters() if p.requires_grad}
    assert trainable and all("lora_" in n for n in trainable)
    assert {n.split(".lora_")[0].rsplit(".", 1)[-1] for n in trainable} == set(LORA_TARGETS)


def test_reference_is_the_base_with_the_adapter_disabled(run, base):
    trainer, _, _, _ = run
    base, _ = load_base(base)
    batch = _batch(trainer)
    model = trainer.model.eval()
    with torch.no_grad():
        expected = dpo_objective.sequence_logps(base.eval(), batch)
        with model.disable_adapter():
            disabled = dpo_objective.sequence_logps(model, batch)
        enabled = dpo_objective.sequence_logps(model, batch)
    assert torch.allclose(disabled, expected, atol=1e-5)
    assert not torch.allclose(enabled, expected, atol=1e-3)  # the adapter does change the policy


def test_reference_log_probs_are_computed_once_per_example(run):
    _, metrics, _, calls = run
    ref = metrics["reference"]
    # Policy forwards: 2 eval batches before, 8 steps (32 records x 2 epochs / batch 8), 2 after.
    policy_calls = 2 + 8 + 2
    assert calls == policy_calls + ref["forwards"]
    # Without the cache the reference would run as often as the policy; with it, at most once per
    # batch of epoch 0 and of the first evaluation (16 of the 32 records, another shuffle).
    assert ref["forwards"] <= 4 + 2 < policy_calls
    assert ref["cached_examples"] == 32 and ref["cache_hits"] >= 32 + 16


def test_checkpoint_is_the_adapter_and_the_cli_flags_reach_it(data, base, tmp_path, capsys):
    from edgealign.cli import main

    out = tmp_path / "pba"
    args = ["train", "pba", "--preset", "tiny", "--model", base, "--pretrain-epochs", "0", "--data", data, "--out", str(out), "--json", "--max-steps", "4", "--max-minutes", "1e-6",
            "--lora-rank", "4", "--lora-alpha", "8", "--lora-targets", "q_proj,v_proj", "--eval-records", "0",
            "--nll-weight", "0.5"]
    assert main(args) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["steps"] == 1 and result["stopped_at_time_limit"]  # the time limit ends it after one step
    for name in ("adapter_config.json", "adapter_model.safetensors", "tokenizer.json", "aligner_config.json",
                 "metrics.json", "metrics.jsonl"):
        assert (out / name).is_file(), name
    assert not (out / "model.safetensors").exists()  # the base is not copied: the adapter alone
    assert list((out / "training_state").glob("step-*/trainer_state.json"))
    adapter = json.loads((out / "adapter_config.json").read_text())
    assert adapter["r"] == 4 and adapter["lora_alpha"] == 8 and set(adapter["target_modules"]) == {"q_proj", "v_proj"}
    config = json.loads((out / "aligner_config.json").read_text())
    assert config["method"] == "pba" and config["lora_rank"] == 4 and config["lora_targets"] == ["q_proj", "v_proj"]
    assert config["nll_weight"] == 0.5
    first = json.loads((out / "metrics.jsonl").read_text().splitlines()[0])
    assert first["loss"] > 0.7 + 0.5  # log 2 (the adapter starts at the base) plus half the chosen NLL per token
    assert AlignerConfig(**{**config, "eval_data": ()}).lora_targets == ("q_proj", "v_proj")  # the dump reloads


def test_lora_settings_are_checked(data, base, tmp_path):
    with pytest.raises(ConfigError):
        AlignerConfig.tiny("pba", lora_rank=-1)
    with pytest.raises(ConfigError):
        AlignerConfig.tiny("pba", lora_rank=4, lora_targets=())
    with pytest.raises(ConfigError, match="--lora-targets"):
        PBATrainer(AlignerConfig.tiny("pba", model=base, **{**LORA, "lora_targets": ("c_attn",), "max_steps": 1})).fit(
            [data], tmp_path / "x", progress=False)
    lora = AlignerConfig.preset("smollm2-135m-lora", "pba")
    assert lora.model == "smollm2-135m" and lora.lora_rank > 0 and lora.lora_targets == LORA_TARGETS
    assert AlignerConfig.preset("smollm2-135m", "pba").lora_rank == 0  # full fine-tune stays the default
