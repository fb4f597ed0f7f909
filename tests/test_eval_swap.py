"""Matched against swapped persona (``alignment_accuracy(swap=True)``, ``edgealign eval --swap``):
each record scored again with the persona of another user in the file at the opposite pole."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from edgealign import Comment, Persona, Record, read_records, write_records
from edgealign.eval.alignment import alignment_accuracy, swap_partners
from edgealign.llm import LocalLLM
from edgealign.preferences import N_DIMS

HUMOR, CONCISE, OLDER = 73, 16, 0
HELDOUT = Path(__file__).resolve().parents[1] / "training" / "data"


def direction(**poles: float) -> tuple[float, ...]:
    values = [0.5] * N_DIMS
    for name, value in poles.items():
        values[{"humor": HUMOR, "concise": CONCISE, "age": OLDER}[name]] = value
    return tuple(values)


def user(text: str, d: tuple[float, ...], profile: str | None = None, prompt: str = "Tell me about a frog.") -> Record:
    persona = Persona(comments=(Comment("A cat?", text, d),))
    return Record(prompt, "The frog told a silly joke.", "The frog sat.", persona, d, profile=profile)


FUNNY = user("Ha, cats are hilarious.", direction(humor=1.0), "Likes humor")
SERIOUS = user("Cats are animals.", direction(humor=0.0), "Dislikes humor")
FUNNY_SHORT = user("Ha. Cats.", direction(humor=1.0, concise=1.0), "Likes humor, Concise communication style")
SERIOUS_LONG = user("Cats, as a rule, are animals that...", direction(humor=0.0, concise=0.0),
                    "Dislikes humor, Detailed communication style")
SERIOUS_SHORT = user("Cats.", direction(humor=0.0, concise=1.0), "Dislikes humor, Concise communication style")
YOUNG = user("Cats are cool.", direction(age=1.0), "Young")
NO_DIRECTION = Record("Tell me about a frog.", "A frog.", "The frog.", Persona(comments=(Comment("Hi?", "Hi."),)))


def _opposes(record: Record, partner: Record) -> bool:
    mine = {d: v for d, v in enumerate(record.direction) if v != 0.5}
    agree = any(partner.direction[d] == v for d, v in mine.items())
    return not agree and any(partner.direction[d] == 1.0 - v for d, v in mine.items())


def test_partners_are_users_at_the_opposite_pole():
    records = [FUNNY, FUNNY_SHORT, SERIOUS_SHORT, SERIOUS, SERIOUS_LONG, YOUNG, NO_DIRECTION]
    partners = swap_partners(records)
    # the user opposite on every target dimension wins over one opposite on some
    assert partners[1] == 4  # funny+short -> serious+long, not serious+short (agrees on short)
    assert partners[4] == 1
    # one target dimension: the opposite single-pole user before one with another dimension set
    assert partners[0] == 3 and partners[3] == 0
    assert partners[2] == 0  # no funny+long user: the funny one (opposite on humour, agreeing nowhere)
    assert partners[5] is None and partners[6] is None  # no older user; no direction at all
    for i, p in enumerate(partners):
        if p is not None:
            assert p != i and _opposes(records[i], records[p])


def test_partners_in_the_held_out_files_are_opposite():
    for name in ("aligner_pairs_heldout.jsonl", "aligner_pairs_heldout_dims.jsonl"):
        records = list(read_records(HELDOUT / name))
        partners = swap_partners(records)
        assert all(p is not None and _opposes(records[i], records[p]) for i, p in enumerate(partners)), name
        for i, p in enumerate(partners):  # a one-pole user is swapped with a one-pole user at the other pole
            mine = [d for d, v in enumerate(records[i].direction) if v != 0.5]
            if len(mine) == 1 and records[i].user_id.split("-")[-2] == "pole":
                theirs = [d for d, v in enumerate(records[p].direction) if v != 0.5]
                assert theirs == mine and records[p].direction[mine[0]] == 1.0 - records[i].direction[mine[0]]


@pytest.fixture(scope="module")
def model(shared):
    with LocalLLM.open(shared / "models" / "stories260K.gguf", n_ctx=512, n_threads=1) as llm:
        yield llm


def _wins(llm, record: Record, **kw) -> bool:
    reward = lambda y: llm.score(record.prompt, y, **kw) - llm.score(record.prompt, y)
    return reward(record.chosen) > reward(record.rejected)


@pytest.mark.parametrize("mode", ["ica", "pba", "instruct"])
def test_swapped_accuracy_reads_the_partners_persona(model, mode):
    records = [FUNNY, SERIOUS, FUNNY_SHORT, SERIOUS_LONG, YOUNG]
    out = alignment_accuracy(records, model, mode=mode, sweep=(), controllability=False, swap=True)
    partners = swap_partners(records)
    reads = (lambda r: {"persona": list(r.persona.items())}) if mode == "ica" else (lambda r: {"profile": r.profile})
    matched = [_wins(model, r, conditioning=mode, **reads(r)) for r, p in zip(records, partners) if p is not None]
    swapped = [_wins(model, r, conditioning=mode, **reads(records[p])) for r, p in zip(records, partners)
               if p is not None]
    swap = out["swap"]
    assert swap["n"] == 4 and swap["partners"] == {"all_opposite": 4, "none": 1}  # the young user has no partner
    assert out["swapped_accuracy"] == pytest.approx(sum(swapped) / 4)
    assert swap["matched_accuracy"] == pytest.approx(sum(matched) / 4)
    assert out["swap_gap"] == pytest.approx((sum(matched) - sum(swapped)) / 4)
    assert out["n"] == 5 and out["profile_sources_used"] == ({"given": 5} if mode != "ica" else {})


def test_without_swap_nothing_is_added(model):
    out = alignment_accuracy([FUNNY, SERIOUS], model, mode="ica", sweep=())
    assert "swap" not in out and "swapped_accuracy" not in out


def test_limit_scores_the_first_records_with_partners_from_the_whole_file(model):
    out = alignment_accuracy([FUNNY, YOUNG, SERIOUS], model, mode="pba", sweep=(), swap=True, limit=1)
    assert out["n"] == 1 and out["swap"]["n"] == 1 and out["swap"]["partners"] == {"all_opposite": 1}


def test_none_reads_no_persona_so_its_gap_is_zero(model, shared):
    with LocalLLM.open(shared / "models" / "stories260K.gguf", n_ctx=512, n_threads=1) as ref:
        out = alignment_accuracy([FUNNY, SERIOUS, YOUNG], model, ref, mode="none", swap=True)
    assert out["swap_gap"] == 0.0 and out["swapped_accuracy"] == out["swap"]["matched_accuracy"]
    assert "by construction" in out["swap"]["note"]


def test_eval_swap_command_text_and_json(shared, tmp_path, capsys):
    from edgealign.cli import main

    data = tmp_path / "records.jsonl"
    write_records([FUNNY, SERIOUS, FUNNY_SHORT, SERIOUS_LONG], data)
    base = ["eval", "--data", str(data), "--model", str(shared / "models" / "stories260K.gguf"),
            "--threads", "1", "--n-ctx", "512", "--headline", "--swap"]
    assert main(base + ["--mode", "pba", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["swap"]["n"] == 4 and out["swap_gap"] == pytest.approx(out["accuracy"] - out["swapped_accuracy"])
    assert main(base + ["--mode", "ica", "--limit", "2"]) == 0
    text = capsys.readouterr().out
    assert "swapped_accuracy" in text and "swap_gap" in text and "all_opposite" in text
