"""Response-style choices written by a model: the data file, and users drawn from it.

The generation runs stories260K from ../shared (a tiny real llama trained elsewhere) at a
few tokens per answer; the file format, the split check and the users need no model.
"""

from __future__ import annotations

import json

import pytest

from edgealign.errors import ConfigError, DataError
from edgealign.training.contrastive import Pair
from edgealign.training.generated_choices import (
    FORMAT, VERSION, ModelChoiceConfig, _write, clean_answer, generate_choice_file, read_choice_file,
)
from edgealign.training.response_choices import ResponseChoiceConfig, response_choice_records


def _file(tmp_path, split="train"):
    pairs = [Pair(73, f"Tell me about topic {i}.", f"Joke number {i}. Ha!", f"Plain answer {i}.") for i in range(6)]
    pairs += [Pair(16, f"Explain thing {i}.", "Do it.", f"Here is a long answer about thing {i}. " * 3)
              for i in range(6)]
    header = {"format": FORMAT, "version": VERSION, "model": "m.gguf", "model_sha256": "0" * 64,
              "config": {"split": split}, "pairs": len(pairs), "dropped": 0}
    _write(tmp_path / f"{split}.jsonl", header, pairs)
    return tmp_path / f"{split}.jsonl", pairs


def test_a_cut_off_answer_ends_at_its_last_full_sentence():
    assert clean_answer("  Start small. Then build up over time and") == "Start small."
    assert clean_answer("No sentence ends here") == "No sentence ends here"
    assert clean_answer("Is that all? Yes (mostly).") == "Is that all? Yes (mostly)."


def test_the_file_reads_back_and_refuses_what_is_not_one(tmp_path):
    path, pairs = _file(tmp_path)
    data = read_choice_file(path)
    assert data.split == "train" and data.pairs == tuple(pairs)
    assert sorted(data.by_dim()) == [16, 73]
    records = tmp_path / "records.jsonl"
    records.write_text(json.dumps({"prompt": "x"}) + "\n")
    with pytest.raises(DataError, match="--model-choices"):
        read_choice_file(records)
    header, *rest = path.read_text().splitlines()
    path.write_text("\n".join([json.dumps({**json.loads(header), "version": VERSION + 1}), *rest]))
    with pytest.raises(DataError, match="version"):
        read_choice_file(path)


def test_users_draw_the_models_pairs_with_only_that_dimension_as_direction(tmp_path):
    path, pairs = _file(tmp_path)
    cfg = ResponseChoiceConfig(users=30, seed=1, items=4, generated=str(path), generated_share=1.0,
                               interest_share=0.0)
    texts = {p.positive for p in pairs} | {p.negative for p in pairs}
    drawn = 0
    for record in response_choice_records(cfg):
        for choice in record.persona.choices:
            if choice.chosen in texts:
                drawn += 1
                dims = [d for d, v in enumerate(choice.direction) if v != 0.5]
                assert len(dims) == 1 and dims[0] in (16, 73)
                want = record.direction[dims[0]]
                pair = next(p for p in pairs if p.task == choice.prompt)
                assert choice.chosen == (pair.positive if want == 1.0 else pair.negative)
                assert choice.rejected == (pair.negative if want == 1.0 else pair.positive)
    assert drawn > 10
    same = ResponseChoiceConfig(users=30, seed=1, items=4, generated=str(path), generated_share=1.0, interest_share=0.0)
    assert [r.to_dict() for r in response_choice_records(same)] == [r.to_dict() for r in response_choice_records(cfg)]


def test_a_file_of_the_other_split_is_refused(tmp_path):
    path, _ = _file(tmp_path, split="heldout")
    with pytest.raises(ConfigError, match="--model-choices train"):
        list(response_choice_records(ResponseChoiceConfig(users=2, generated=str(path))))


def test_bad_generation_configs_are_config_errors():
    for bad in ({"split": "test"}, {"tasks": 0}, {"temperature": 3.0}, {"dims": (90,)}):
        with pytest.raises(ConfigError):
            ModelChoiceConfig(**bad)


@pytest.mark.slow
def test_a_real_model_answers_under_each_pole_deterministically(shared, tmp_path):
    model = shared / "models" / "stories260K.gguf"
    cfg = ModelChoiceConfig(tasks=3, dims=(73, 16), max_new_tokens=12, seed=2)
    header = generate_choice_file(model, tmp_path / "a.jsonl", cfg, progress=False)
    generate_choice_file(model, tmp_path / "b.jsonl", cfg, progress=False)
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    data = read_choice_file(tmp_path / "a.jsonl")
    assert header["pairs"] == len(data.pairs) and header["pairs"] + header["dropped"] == 6
    assert data.header["config"]["max_new_tokens"] == 12 and len(data.header["model_sha256"]) == 64
    for pair in data.pairs:
        assert pair.positive and pair.negative and pair.positive != pair.negative
        if pair.dim == 16:  # kept only where the concise answer really is shorter
            assert len(pair.positive) < len(pair.negative)


@pytest.mark.slow
def test_cli_writes_a_model_choice_file(shared, tmp_path, capsys):
    from edgealign.cli import main

    out = tmp_path / "choices.jsonl"
    rc = main(["synth", "--model-choices", "heldout", "--model", str(shared / "models" / "stories260K.gguf"),
               "--tasks", "2", "--max-new-tokens", "8", "--out", str(out), "--json"])
    assert rc == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["config"]["split"] == "heldout" and read_choice_file(out).split == "heldout"


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_the_shipped_files_are_the_bundled_models_answers(split):
    from edgealign.training.contrastive import tasks
    from edgealign.training.generated_choices import MODEL_CHOICES

    data = read_choice_file(MODEL_CHOICES[split])
    cfg = data.header["config"]
    assert data.split == split and data.header["model"] == "SmolLM2-135M-Instruct.Q4_1.gguf"
    assert len(data.pairs) == data.header["pairs"] and data.header["pairs"] + data.header["dropped"] == \
        cfg["tasks"] * len(cfg["dims"])
    assert {p.task for p in data.pairs} <= set(tasks(split, cfg["tasks"], cfg["seed"]))
    by_dim = data.by_dim()
    assert set(by_dim) == set(cfg["dims"]) and min(len(v) for v in by_dim.values()) >= cfg["tasks"] // 4
    concise = by_dim[16]
    assert all(len(p.positive) < len(p.negative) for p in concise)  # the poles really differ in length
    from edgealign.artifacts import sha256_file
    from edgealign.llm import default_model_path

    assert data.header["model_sha256"] == sha256_file(default_model_path())


def test_train_and_heldout_files_share_no_task():
    from edgealign.training.generated_choices import MODEL_CHOICES

    train, heldout = (read_choice_file(MODEL_CHOICES[s]) for s in ("train", "heldout"))
    assert not {p.task for p in train.pairs} & {p.task for p in heldout.pairs}
    assert train.header["config"]["temperature"] != heldout.header["config"]["temperature"]
