"""The shared DPO loop on the tiny preset: it learns (ICA and PBA), writes an HF checkpoint the
exporter can read, resumes exactly, and repeats itself for a seed."""

import json
import math

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("accelerate")

from edgealign.data import write_records  # noqa: E402
from edgealign.errors import ConfigError  # noqa: E402
from edgealign.prompts import CHATML  # noqa: E402
from edgealign.training import dpo, dpo_objective  # noqa: E402
from edgealign.training.aligners import AlignerConfig, ICATrainer, PBATrainer  # noqa: E402
from edgealign.training.models import tiny_llama, train_tiny_tokenizer  # noqa: E402
from edgealign.training.synth import SynthConfig, generate_records  # noqa: E402

pytestmark = pytest.mark.slow
FAST = dict(max_length=192, max_prompt_length=144)  # the tiny preset, shorter still for the suite


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    path = tmp_path_factory.mktemp("dpo") / "synth.jsonl"
    write_records(generate_records(SynthConfig(users=16, records_per_user=2, seed=1)), path)
    return str(path)


@pytest.fixture(scope="module")
def ica_run(data, tmp_path_factory):
    out = tmp_path_factory.mktemp("ica")
    trainer = ICATrainer(AlignerConfig.tiny("ica", **FAST))
    return trainer, trainer.fit([data], out, progress=False), out


def test_ica_tiny_learns_the_training_pairs(ica_run):
    _, metrics, _ = ica_run
    before, after = metrics["eval_before"], metrics["eval_after"]
    assert before["loss"] == pytest.approx(math.log(2), abs=1e-5) and before["accuracy"] == 0.0  # policy == reference
    assert after["loss"] < 0.6 and after["accuracy"] >= 0.75 and after["reward_margin"] > 0
    assert metrics["last_step"]["loss"] < metrics["first_step"]["loss"]
    assert metrics["step"] == metrics["total_steps"] == 8  # 32 records / batch 8 x 2 epochs


def test_checkpoint_is_a_hugging_face_folder_the_exporter_can_read(ica_run):
    from transformers import AutoModelForCausalLM, AutoTokenizer

    trainer, metrics, out = ica_run
    for name in ("config.json", "model.safetensors", "tokenizer.json", "metrics.json", "metrics.jsonl",
                 "aligner_config.json"):
        assert (out / name).is_file(), name
    assert list((out / "training_state").glob("step-*/trainer_state.json"))
    assert json.loads((out / "metrics.json").read_text())["step"] == 8
    log = [json.loads(line) for line in (out / "metrics.jsonl").read_text().splitlines()]
    assert {"loss", "reward_margin", "accuracy", "lr", "tokens_per_s"} <= set(log[-1])
    tokenizer = AutoTokenizer.from_pretrained(out)
    assert tokenizer.chat_template == CHATML and tokenizer.eos_token == "<|im_end|>"
    model = AutoModelForCausalLM.from_pretrained(out).eval()
    ids = torch.tensor([tokenizer.encode("Hello there", add_special_tokens=False)])
    with torch.no_grad():
        assert torch.allclose(model(ids).logits, trainer.model.eval()(ids).logits, atol=1e-5)


def test_pba_tiny_learns_through_the_cli(data, tmp_path, capsys):
    from edgealign.cli import main

    out = tmp_path / "pba"
    assert main(["train", "pba", "--preset", "tiny", "--data", data, "--out", str(out), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["method"] == "pba" and result["steps"] == 8
    assert result["eval_after"]["loss"] < 0.6 and result["eval_after"]["accuracy"] >= 0.75
    assert (out / "model.safetensors").is_file()


def _weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def test_resume_continues_exactly_and_a_seed_repeats_the_run(data, tmp_path, monkeypatch):
    # Two pretraining passes, not the preset's 16: the run goes through pretraining before its
    # steps as the preset's does, in a fraction of the time; nothing here needs it to learn.
    cfg = AlignerConfig.tiny("pba", max_length=128, max_prompt_length=96, micro_batch_size=4, global_batch_size=4,
                             max_steps=4, save_every=2, eval_records=0, pretrain_epochs=2.0)
    straight = PBATrainer(cfg)
    straight.fit([data], tmp_path / "a", progress=False)
    want = _weights(straight.model)

    real_step, calls = dpo._Run.step, []

    def crash_on_third(self, group):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt("simulated crash after the step-2 checkpoint")
        return real_step(self, group)

    monkeypatch.setattr(dpo._Run, "step", crash_on_third)
    with pytest.raises(KeyboardInterrupt):
        PBATrainer(cfg).fit([data], tmp_path / "c", progress=False)
    monkeypatch.setattr(dpo._Run, "step", real_step)
    resumed = PBATrainer(cfg)
    metrics = resumed.fit([data], tmp_path / "c", resume=True, progress=False)
    assert metrics["step"] == 4
    # Steps 1-2 rerun from scratch and 3-4 resumed land on the same weights: the seed repeats
    # the run and the resume loses nothing (model, optimizer, schedule, place in the data).
    got = _weights(resumed.model)
    assert all(torch.allclose(want[k], v, atol=1e-6) for k, v in got.items())
    losses = lambda d: [json.loads(x)["loss"] for x in (tmp_path / d / "metrics.jsonl").read_text().splitlines()]
    assert losses("c") == pytest.approx(losses("a"), abs=1e-6)


def test_sequence_logps_match_a_naive_full_softmax():
    tok = train_tiny_tokenizer(["the cat sat on the mat", "a dog ran"] * 20, vocab_size=300)
    model = tiny_llama(tok, seed=3).eval()
    examples = [{"prompt_ids": [5, 6, 7, 8], "chosen_ids": [9, 10, 2], "rejected_ids": [11, 2]},
                {"prompt_ids": [5, 6], "chosen_ids": [12, 13, 14, 2], "rejected_ids": [2]}]
    batch = dpo.collate_pairs(examples, tok.pad_token_id)
    assert batch["input_ids"].shape == (4, 7) and batch["response_mask"].sum() == 3 + 4 + 2 + 1
    with torch.no_grad():
        fast = dpo.sequence_logps(model, batch, chunk=3)
        logp = torch.log_softmax(model(batch["input_ids"], attention_mask=batch["attention_mask"]).logits, -1)
    naive = torch.zeros(4)
    for row in range(4):
        for t in batch["response_mask"][row].nonzero().flatten().tolist():
            naive[row] += logp[row, t - 1, batch["input_ids"][row, t]]
    assert torch.allclose(fast, naive, atol=1e-4)


def test_half_precision_chunks_recompute_to_the_same_values_and_gradients():
    logits = torch.randn(2, 5, 50, dtype=torch.bfloat16, requires_grad=True)
    targets = torch.randint(0, 50, (2, 5))
    chunked = dpo_objective._token_logps(logits, targets, chunk=3)
    chunked.sum().backward()
    grad = logits.grad.clone()
    logits.grad = None
    plain = torch.log_softmax(logits.float(), -1).gather(-1, targets[..., None]).squeeze(-1)
    plain.sum().backward()
    assert torch.allclose(chunked, plain) and torch.allclose(grad.float(), logits.grad.float(), atol=1e-2)


def test_dpo_loss_is_log2_at_the_reference_and_rewards_follow_spec6():
    loss, chosen, rejected = dpo.dpo_loss(torch.tensor([-1.0, -2.0, -3.0, -4.0]), torch.tensor([-1.0, -2.0, -3.0, -4.0]), 0.1)
    assert loss.item() == pytest.approx(math.log(2)) and not chosen.any() and not rejected.any()
    _, chosen, rejected = dpo.dpo_loss(torch.tensor([-1.0, -5.0]), torch.tensor([-2.0, -4.0]), 0.1)
    assert chosen.item() == pytest.approx(0.1) and rejected.item() == pytest.approx(-0.1)


def test_the_nll_term_adds_the_chosen_answers_mean_token_nll():
    policy, reference = torch.tensor([-6.0, -2.0, -9.0, -4.0]), torch.tensor([-6.0, -2.0, -9.0, -4.0])
    lengths = torch.tensor([3, 2, 5, 1])  # chosen rows first: -6 over 3 tokens, -2 over 2
    loss, chosen, _ = dpo.dpo_loss(policy, reference, 0.1, nll_weight=0.5, lengths=lengths)
    assert loss.item() == pytest.approx(math.log(2) + 0.5 * (2.0 + 1.0) / 2) and not chosen.any()
    with pytest.raises(ValueError):
        dpo.dpo_loss(policy, reference, 0.1, nll_weight=0.5)
    with pytest.raises(ConfigError):
        AlignerConfig(method="pba", nll_weight=-1.0)


def test_presets_and_validation():
    ref = AlignerConfig.preset("llama-3.1-8b", "ica")
    assert (ref.beta, ref.lr, ref.global_batch_size, ref.epochs, ref.max_length, ref.warmup_ratio, ref.mixed_precision) == (
        0.1, 5e-7, 128, 1, 8192, 0.1, "bf16")
    assert AlignerConfig.preset("smollm2-135m", "pba").model == "smollm2-135m"  # loading it needs edgealign.training.hf
    assert AlignerConfig.tiny("ica", lr=1e-4).lr == 1e-4
    for bad in (dict(method="sft"), dict(method="ica", max_prompt_length=4096, max_length=2048),
                dict(method="ica", micro_batch_size=3, global_batch_size=8)):
        with pytest.raises(ConfigError):
            AlignerConfig(**bad)
    with pytest.raises(ConfigError):
        PBATrainer(AlignerConfig.tiny("ica"))
    with pytest.raises(ConfigError):
        AlignerConfig.preset("gpt-5", "ica")


def test_benchmark_speedups_compute_the_same_log_probs():
    """Packing and the fused CE of the GPU benchmark change speed, not the numbers."""
    from edgealign.training import bench_dpo as b

    policy, _ = b.build("tiny", 64, "sdpa", "cpu", torch.float32)
    pairs = b._pairs(2, 32, 2048, torch.Generator().manual_seed(1))
    kwargs, targets, resp = b._padded_inputs(pairs, "cpu")
    with torch.no_grad():
        want = b._sequence_sums(b._logps(policy, kwargs, targets, resp, False), None, 4)
        assert torch.allclose(b._sequence_sums(b._logps(policy, kwargs, targets, resp, True), None, 4), want, atol=1e-4)
        kwargs, targets, resp, sid = b._packed_inputs(pairs, 64, "sdpa", "cpu", torch.float32)
        for fused in (False, True):
            assert torch.allclose(b._sequence_sums(b._logps(policy, kwargs, targets, resp, fused), sid, 4), want, atol=1e-4)
