"""Topic-slant choice users: the same answer slanted to the user's field against another field."""

import random
import re

import pytest

from edgealign.errors import ConfigError
from edgealign.training import _topic_phrases as bank
from edgealign.training._synth_phrases import TOPICS
from edgealign.training.response_choices import INTEREST_DIMS, _part
from edgealign.training.topic_choices import (
    BENCHMARK_FIELDS, TopicChoiceConfig, _people, _topics, fields, slanted_pair, topic_choice_records,
)


def _dicts(cfg):
    return [r.to_dict() for r in topic_choice_records(cfg)]


def _mark(phrase):
    """The longest literal piece of a template (between its {slots})."""
    return max(re.split(r"\{\w\}", phrase), key=len).strip()


def test_every_interest_dimension_is_a_field_and_the_benchmark_fields_exist():
    dims = {d for f in fields().values() for d in f}
    assert dims == set(INTEREST_DIMS)
    assert set(BENCHMARK_FIELDS) <= set(fields())
    assert fields()["academic"] == (47, 48, 65) and fields()["business"] == (58, 69)
    for name in fields():
        for split in ("train", "heldout"):
            assert _people(name, split) and _topics(name, split), (name, split)


def test_deterministic_per_seed_and_per_user():
    cfg = TopicChoiceConfig(users=20, seed=3)
    assert _dicts(cfg) == _dicts(cfg)
    assert _dicts(TopicChoiceConfig(users=20, seed=4)) != _dicts(cfg)
    assert _dicts(TopicChoiceConfig(users=5, seed=3)) == _dicts(cfg)[:5]


@pytest.mark.parametrize("split", ["train", "heldout"])
def test_polarity_the_chosen_answer_leans_to_a_liked_field_and_away_from_a_disliked_one(split):
    cfg = TopicChoiceConfig(users=120, seed=1, split=split, dislike_share=0.5)
    by_dims = {dims: name for name, dims in fields().items()}
    seen = set()
    for record in topic_choice_records(cfg):
        dims = tuple(i for i, v in enumerate(record.direction) if v != 0.5)
        values = {record.direction[d] for d in dims}
        assert len(values) == 1 and dims in by_dims
        field, value = by_dims[dims], values.pop()
        seen.add(value)
        marks = [m.lower() for m in (*_people(field, split), *_topics(field, split))]
        assert len(record.persona.choices) == cfg.items
        for choice in record.persona.choices:
            assert choice.direction == record.direction
            slanted, other = (choice.chosen, choice.rejected) if value == 1.0 else (choice.rejected, choice.chosen)
            assert any(m in slanted.lower() for m in marks), (field, slanted)
            assert not any(p.lower() in other.lower() for p in _people(field, split)), (field, other)
    assert seen == {0.0, 1.0}


def test_both_answers_give_the_same_advice():
    """Only the slant differs: every content sentence of one answer is in the other."""
    from edgealign.training._response_phrases import CONTENT

    rng = random.Random(2)
    for _ in range(50):
        _, a, b = slanted_pair(rng, "academic", "entertainment", "train")
        shared = [c.split("{s}")[0] for c in CONTENT if c.split("{s}")[0] and c.split("{s}")[0] in a]
        assert shared and all(s in b for s in shared)
        assert a != b


def test_heldout_users_share_no_request_person_topic_or_phrasing_with_training():
    train = list(topic_choice_records(TopicChoiceConfig(users=300, seed=0)))
    held = list(topic_choice_records(TopicChoiceConfig(users=100, seed=0, split="heldout")))
    prompts = lambda rs: {c.prompt for r in rs for c in r.persona.choices} | {r.prompt for r in rs}  # noqa: E731
    assert not prompts(train) & prompts(held)
    train_text = " ".join(c.chosen + " " + c.rejected for r in train for c in r.persona.choices).lower()
    for phrase in (*_part(bank.ASIDES, "heldout"), *_part(bank.FRAMES, "heldout")):
        assert _mark(phrase).lower() not in train_text, phrase
    for key, people in bank.PEOPLE.items():
        for person in _part(people, "heldout"):
            assert not set(_part(people, "train")) & {person}
            assert person.lower() not in train_text, person
    for d in INTEREST_DIMS:
        assert not set(_part(TOPICS[d], "train")) & set(_part(TOPICS[d], "heldout"))
        for topic in _part(TOPICS[d], "heldout"):
            assert topic.lower() not in train_text, topic


def test_fields_limit_users_and_rivals_and_bad_configs_are_refused():
    cfg = TopicChoiceConfig(users=40, seed=5, fields=BENCHMARK_FIELDS)
    allowed = {d for f in BENCHMARK_FIELDS for d in fields()[f]}
    for record in topic_choice_records(cfg):
        assert {i for i, v in enumerate(record.direction) if v != 0.5} <= allowed
        for choice in record.persona.choices:  # the rival is a benchmark field too
            text = (choice.chosen + choice.rejected).lower()
            marks = [m.lower() for f in BENCHMARK_FIELDS for m in (*_people(f, "train"), *_topics(f, "train"))]
            assert sum(m in text for m in marks) >= 2
    with pytest.raises(ConfigError, match="unknown field"):
        TopicChoiceConfig(fields=("astrology",))
    with pytest.raises(ConfigError, match="two fields"):
        TopicChoiceConfig(fields=("academic", "science"))
    with pytest.raises(ConfigError):
        TopicChoiceConfig(split="test")
    with pytest.raises(ConfigError):
        TopicChoiceConfig(dislike_share=1.5)


def test_synth_topic_users_writes_a_versioned_file_that_record_readers_read(tmp_path):
    from edgealign.cli import main
    from edgealign.data import read_records
    from edgealign.training.user_files import read_header

    out = tmp_path / "topic.jsonl"
    assert main(["synth", "--topic-users", "heldout", "--users", "6", "--seed", "7", "--fields",
                 "academic,business,entertainment,reading", "--out", str(out)]) == 0
    header = read_header(out)
    assert header["kind"] == "topic-choices" and header["records"] == 6
    assert header["config"]["split"] == "heldout" and header["config"]["fields"] == list(BENCHMARK_FIELDS)
    assert "--topic-users heldout" in header["command"]
    records = list(read_records(out))
    expected = list(topic_choice_records(TopicChoiceConfig(users=6, seed=7, split="heldout", fields=BENCHMARK_FIELDS)))
    assert [r.to_dict() for r in records] == [r.to_dict() for r in expected]
    assert main(["synth", "--topic-users", "train", "--fields", "astrology", "--out", str(out)]) != 0
