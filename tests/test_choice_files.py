"""Versioned files of choice users: the header's command writes the same file again; model
answers from several files (temperatures) are pooled; the shipped files are what they say."""

import json
import shlex
from pathlib import Path

import pytest

from edgealign.cli import main
from edgealign.data import read_records
from edgealign.errors import ConfigError
from edgealign.training.contrastive import Pair
from edgealign.training.generated_choices import FORMAT, VERSION, _write
from edgealign.training.response_choices import ResponseChoiceConfig, response_choice_records
from edgealign.training.user_files import read_header

DATA = Path(__file__).resolve().parents[1] / "training" / "data"


def _choice_file(path, dim, temperature, split="train"):
    pairs = [Pair(dim, f"Task {dim}-{temperature}-{i}.", f"Positive {dim} at {temperature} number {i}.",
                  f"Negative {dim} at {temperature} number {i}.") for i in range(5)]
    header = {"format": FORMAT, "version": VERSION, "model": "m.gguf", "model_sha256": "0" * 64,
              "config": {"split": split, "temperature": temperature}, "pairs": len(pairs), "dropped": 0}
    _write(path, header, pairs)
    return pairs


@pytest.mark.parametrize("args", [
    ["--topic-users", "heldout", "--users", "5", "--seed", "2", "--fields", "academic,business,sports"],
    ["--response-users", "train", "--users", "5", "--seed", "2", "--neutral-share", "0.2", "--statement-share", "0.3"],
])
def test_the_headers_command_writes_the_same_file_again(tmp_path, monkeypatch, args):
    monkeypatch.chdir(tmp_path)
    assert main(["synth", *args, "--out", "a.jsonl"]) == 0
    command = shlex.split(read_header("a.jsonl")["command"])
    assert command[:2] == ["edgealign", "synth"] and command[-2:] == ["--out", "a.jsonl"]
    assert main([*command[1:-1], "b.jsonl"]) == 0
    assert Path("a.jsonl").read_text().splitlines()[1:] == Path("b.jsonl").read_text().splitlines()[1:]
    assert len(list(read_records("a.jsonl"))) == 5


def test_model_answers_from_several_files_are_pooled(tmp_path):
    warm = _choice_file(tmp_path / "t07.jsonl", 73, 0.7)
    hot = _choice_file(tmp_path / "t13.jsonl", 73, 1.3)
    other = _choice_file(tmp_path / "t10.jsonl", 16, 1.0)
    files = ",".join(str(tmp_path / f) for f in ("t07.jsonl", "t13.jsonl", "t10.jsonl"))
    cfg = ResponseChoiceConfig(users=60, seed=3, generated=files, generated_share=1.0, interest_share=0.0)
    drawn = {c.prompt for r in response_choice_records(cfg) for c in r.persona.choices}
    assert drawn & {p.task for p in warm} and drawn & {p.task for p in hot} and drawn & {p.task for p in other}
    _choice_file(tmp_path / "held.jsonl", 5, 1.0, split="heldout")
    with pytest.raises(ConfigError, match="held.jsonl"):
        list(response_choice_records(ResponseChoiceConfig(users=2, generated=f"{files},{tmp_path / 'held.jsonl'}")))


@pytest.mark.parametrize("name", sorted(p.name for p in DATA.glob("*_users_*.jsonl")))
def test_shipped_user_files_are_what_their_headers_say(name):
    path = DATA / name
    header = read_header(path)
    assert header and header["command"].startswith("edgealign synth ")
    assert f"--out training/data/{name}" in header["command"]
    split = "heldout" if "heldout" in name else "train"
    assert header["config"]["split"] == split
    records = list(read_records(path))
    assert len(records) == header["records"] == header["config"]["users"]
    assert all(r.persona.choices and r.direction for r in records)
    assert len({r.user_id for r in records}) == len(records)
    with path.open() as f:
        assert json.loads(f.readline())["kind"] in ("topic-choices", "response-choices")
