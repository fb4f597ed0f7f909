"""Aligner-pairs data files: pole pairs become one record per pole, profiles carry distractors,
held-out dimensions never reach training, barely different pairs are dropped, and every
record reader skips the header; the shipped files keep their split."""

import json

import pytest

from edgealign.data import read_records
from edgealign.errors import ConfigError
from edgealign.preferences import SPACE, PreferenceProfile
from edgealign.training.aligner_data import count_records
from edgealign.training.aligner_pairs import (
    FORMAT, HELDOUT_DIMS, AlignerPairConfig, answer_distance, non_answer, write_pair_file,
)
from edgealign.training.generated_choices import FORMAT as CHOICES, VERSION

_DATA = __import__("pathlib").Path(__file__).parent.parent / "training" / "data"


def _choice_file(path, split, pairs):
    header = {"format": CHOICES, "version": VERSION, "config": {"split": split}, "pairs": len(pairs), "dropped": 0}
    lines = [json.dumps(header)] + [json.dumps({"dim": d, "task": t, "positive": p, "negative": n})
                                    for d, t, p, n in pairs]
    path.write_text("\n".join(lines) + "\n")
    return str(path)


def _labels(record):
    return {(i, v) for i, v in enumerate(PreferenceProfile.from_text(record.profile).values) if v != 0.5}


def test_pole_pairs_make_one_record_per_pole_with_distractors(tmp_path):
    pairs = [(16, "Tell me about saving money.", "Save a tenth.", "Saving money starts with a budget that lists "
              "every expense, then a standing transfer on payday, then a review each month of what changed."),
             (3, "Tell me about a long flight.", "Bring a book and say hi.", "Keep to yourself, headphones on."),
             (73, "Tell me about cooking dinner for friends.", "Same words here.", "Same words here.")]
    src = _choice_file(tmp_path / "choices.jsonl", "train", pairs)
    cfg = AlignerPairConfig(set="train", pole_choices=(src,), style_users=0, synth_users=0)
    header = write_pair_file(cfg, tmp_path / "train.jsonl", "edgealign synth --aligner-pairs train")
    assert header["format"] == FORMAT and header["heldout_dims"] == list(HELDOUT_DIMS)
    assert header["dropped_barely_differ"] == {"pole": 2}  # the identical pair, both poles
    records = list(read_records(tmp_path / "train.jsonl"))  # the header line is skipped
    assert count_records([str(tmp_path / "train.jsonl")]) == len(records) == 2  # dim 3 is held out
    by_pole = {r.direction[16]: r for r in records}
    assert by_pole[1.0].chosen == "Save a tenth." and by_pole[0.0].rejected == "Save a tenth."
    for r in records:
        labels = _labels(r)
        assert (16, r.direction[16]) in labels and 2 <= len(labels) - 1 <= 5  # target + distractors
        assert not {d for d, _ in labels} & set(HELDOUT_DIMS)
        assert r.persona.comments and r.persona.description is not None  # ICA reads a history


def test_sets_keep_dimensions_and_splits_apart(tmp_path):
    pairs = [(3, "Any tips on baking bread?", "Chat with everyone at the bakery!", "Quietly follow the recipe.")]
    src = _choice_file(tmp_path / "h.jsonl", "heldout", pairs)
    cfg = AlignerPairConfig(set="heldout-dims", pole_choices=(src,), style_users=0, synth_users=20)
    write_pair_file(cfg, tmp_path / "dims.jsonl", "cmd")
    records = list(read_records(tmp_path / "dims.jsonl"))
    assert records and all({i for i, v in enumerate(r.direction) if v != 0.5} <= set(HELDOUT_DIMS) for r in records)
    with pytest.raises(ConfigError, match="heldout tasks"):
        write_pair_file(AlignerPairConfig(set="train", pole_choices=(src,)), tmp_path / "x.jsonl", "cmd")
    with pytest.raises(ConfigError):
        AlignerPairConfig(set="dev")


def test_answer_distance_measures_word_changes():
    assert answer_distance("a b c d", "a b c d") == 0.0
    assert answer_distance("a b c d", "e f g h") == 1.0
    assert 0 < answer_distance("a b c d", "a b c e") < 0.3


@pytest.mark.parametrize("name", ["aligner_pairs_train.jsonl", "aligner_pairs_heldout.jsonl",
                                  "aligner_pairs_heldout_dims.jsonl"])
def test_shipped_files_keep_their_split(name):
    path = _DATA / name
    header = json.loads(path.open(encoding="utf-8").readline())
    assert header["format"] == FORMAT and header["command"].startswith("edgealign synth --aligner-pairs")
    records = list(read_records(path))
    assert len(records) == header["records"] and path.stat().st_size < 8_000_000
    touched = {i for r in records for i, v in enumerate(r.direction) if v != 0.5}
    named = {i for r in records for i, _ in _labels(r)}
    if header["set"] == "heldout-dims":
        assert touched == set(HELDOUT_DIMS)
    else:
        assert not (touched | named) & set(HELDOUT_DIMS)  # held-out labels appear nowhere, not even as distractors
    if header["set"] == "train":
        poles = {(d, r.direction[d]) for r in records if r.user_id.startswith("train-pole") for d in touched
                 if r.direction[d] != 0.5}
        assert len(poles) == 2 * (len(SPACE) - len(HELDOUT_DIMS))  # every pole of every training dimension


def test_mirrored_files_pair_every_record_with_the_opposite_user(tmp_path):
    pairs = [(16, "Tell me about saving money.", "Save a tenth.", "Saving money starts with a budget that lists "
              "every expense, then a standing transfer on payday, then a review each month.")]
    src = _choice_file(tmp_path / "choices.jsonl", "train", pairs)
    cfg = AlignerPairConfig(set="train", pole_choices=(src,), style_users=6, synth_users=4, mirror=True)
    write_pair_file(cfg, tmp_path / "m.jsonl", "cmd")
    records = list(read_records(tmp_path / "m.jsonl"))
    assert len(records) % 2 == 0 and len(records) >= 10
    for a, b in zip(records[::2], records[1::2]):  # a record and its mirror are neighbours
        assert (a.prompt, a.chosen, a.rejected) == (b.prompt, b.rejected, b.chosen)
        moved = [d for d, v in enumerate(a.direction) if v != 0.5]
        assert moved and [d for d, v in enumerate(b.direction) if v != 0.5] == moved
        assert all(b.direction[d] == 1.0 - a.direction[d] for d in moved)
        assert a.profile != b.profile and a.user_id != b.user_id
    unmirrored = AlignerPairConfig(set="train", pole_choices=(src,), style_users=6, synth_users=4)
    write_pair_file(unmirrored, tmp_path / "u.jsonl", "cmd")
    assert len(list(read_records(tmp_path / "u.jsonl"))) < len(records)  # users come once without --mirror


def test_non_answers_are_named_and_their_pairs_dropped_whole(tmp_path):
    task = "How do I get started with saving money?"
    assert non_answer(task, "*laughs*") == "short"
    assert non_answer(task, "How do I get started with saving money?") == "repeat"
    assert non_answer(task, "*A* *pre*sum*b*ry*t*s*s*s*t*d*y*n*t*n*s*r*d*x*n*t") == "fragments"
    assert non_answer(task, "Save more. " * 8) == "loop"
    assert non_answer(task, "Move a tenth of each pay into savings the day it arrives.") is None
    good = "Saving money starts with a budget that lists every expense, then a transfer on payday."
    pairs = [(16, task, "Put a tenth aside on payday.", good), (5, task, "*Serving coffee* " * 6, good)]
    src = _choice_file(tmp_path / "choices.jsonl", "train", pairs)
    cfg = AlignerPairConfig(set="train", pole_choices=(src,), style_users=0, synth_users=0, mirror=True,
                            drop_non_answers=True)
    header = write_pair_file(cfg, tmp_path / "clean.jsonl", "cmd")
    assert header["dropped_non_answers"] == {"pole:loop": 1}
    assert {r.direction.index(1.0) if 1.0 in r.direction else r.direction.index(0.0)
            for r in read_records(tmp_path / "clean.jsonl")} == {16}  # both poles of the loop's pair went
    kept = write_pair_file(AlignerPairConfig(set="train", pole_choices=(src,), style_users=0, synth_users=0,
                                             mirror=True), tmp_path / "all.jsonl", "cmd")
    assert "dropped_non_answers" not in kept and kept["records"] == 4
