"""Response-style choices: two answers to one request that differ in how they are written."""

import random

import pytest

from edgealign.errors import ConfigError
from edgealign.persona import Choice
from edgealign.training import _response_phrases as bank
from edgealign.training.response_choices import (
    INTEREST_DIMS, STYLE_DIMS, ResponseChoiceConfig, _part, answer_pair, response_choice_records,
)
from edgealign.training.synth import SynthConfig, generate_records


def _mark(phrase):
    """The longest literal piece of a phrase (between its {slots}), to find it in an answer."""
    import re

    return max(re.split(r"\{\w\}", phrase), key=len)[:30]


def _pairs(dims, n=60, split="train", seed=0):
    rng = random.Random(seed)
    return [answer_pair(rng, dims, split) for _ in range(n)]


def test_the_generator_is_deterministic_for_a_seed():
    cfg = ResponseChoiceConfig(users=20, seed=3)
    assert [r.to_dict() for r in response_choice_records(cfg)] == [r.to_dict() for r in response_choice_records(cfg)]
    other = [r.to_dict() for r in response_choice_records(ResponseChoiceConfig(users=20, seed=4))]
    assert other != [r.to_dict() for r in response_choice_records(cfg)]


def test_concise_answers_are_shorter_than_detailed_ones():
    pairs = _pairs({16: 1})
    assert all(len(chosen.split()) < len(rejected.split()) for _, chosen, rejected in pairs)


@pytest.mark.parametrize("key, dim", [("humour", 73), ("friendly", 5), ("expert", 46), ("cautious", 40)])
def test_a_pole_writes_its_own_sentences_and_the_other_pole_does_not(key, dim):
    positive = set(_part(bank.STYLE[key][0], "train"))
    shows = lambda text: any(_mark(p) in text for p in positive)  # noqa: E731
    pairs = _pairs({dim: 1})
    assert all(shows(chosen) for _, chosen, _ in pairs)
    assert not any(shows(rejected) for _, _, rejected in pairs)


def test_register_structure_and_topic_differ_between_the_poles():
    casual = _pairs({14: 1})
    assert all(any(m in c for m in ("just", "Tbh", "Easiest", "Yeah", "biggie", "Kinda", "Lol", "Chill", "like,",
                                    "Lowkey", "gonna"))
               for _, c, _ in casual)
    assert all(any(m in r.lower() for m in ("advisable", "recommended", "prudent", "sensible", "encouraged", "wise",
                                            "accordingly", "do well", "advised", "ought", "accordance")) for _, _, r in casual)
    structured = _pairs({45: 1})
    assert all("\n" in c and "\n" not in r for _, c, r in structured)
    sports = _pairs({56: 1})
    topics = _part(bank.STYLE["slant"][0], "train")
    assert all(any(_mark(t) in c for t in topics) for _, c, _ in sports)


def test_heldout_prompts_and_phrasings_never_appear_in_training():
    train = {r.prompt for r in response_choice_records(ResponseChoiceConfig(users=200))}
    train |= {c.prompt for r in response_choice_records(ResponseChoiceConfig(users=200)) for c in r.persona.choices}
    held = {c.prompt for r in response_choice_records(ResponseChoiceConfig(users=50, split="heldout"))
            for c in r.persona.choices}
    assert held and not train & held
    for side in (0, 1):
        for key, poles in bank.STYLE.items():
            assert not set(_part(poles[side], "train")) & set(_part(poles[side], "heldout")), key


def test_items_carry_only_the_dimensions_they_show_and_users_cover_theirs():
    for record in response_choice_records(ResponseChoiceConfig(users=30, items=4, seed=1)):
        user = {i for i, v in enumerate(record.direction) if v != 0.5}
        assert user and user <= set(STYLE_DIMS) | set(INTEREST_DIMS)
        shown = set()
        for choice in record.persona.choices:
            dims = {i for i, v in enumerate(choice.direction) if v != 0.5}
            assert dims <= user and all(choice.direction[d] == record.direction[d] for d in dims)
            shown |= dims
        assert shown == user


def test_neutral_choices_have_a_neutral_direction():
    records = list(response_choice_records(ResponseChoiceConfig(users=30, neutral_share=0.5)))
    neutral = [c for r in records for c in r.persona.choices if set(c.direction) == {0.5}]
    assert neutral and all(c.chosen != c.rejected for c in neutral)


def test_bad_configs_are_config_errors():
    with pytest.raises(ConfigError):
        ResponseChoiceConfig(split="test")
    with pytest.raises(ConfigError):
        ResponseChoiceConfig(max_dims=0)
    with pytest.raises(ConfigError):
        SynthConfig(response_choices=1.5)


def test_synthetic_users_can_choose_between_answers():
    plain = [r.to_dict() for r in generate_records(SynthConfig(users=5, seed=2))]
    assert plain == [r.to_dict() for r in generate_records(SynthConfig(users=5, seed=2, response_choices=0.0))]
    prompts = {p.replace("{s}", s) for p in bank.PROMPTS for s in bank.SUBJECTS}
    records = list(generate_records(SynthConfig(users=30, seed=2, response_choices=1.0)))
    choices = [c for r in records for c in r.persona.choices]
    answers = [c for c in choices if c.prompt in prompts]
    assert len(answers) > len(choices) // 3
    assert all(isinstance(c, Choice) and set(c.direction) != {0.5} for c in answers)


def test_users_may_say_how_they_want_answers_written():
    from edgealign.training._user_phrases import ANSWER_PREFERENCES

    cfg = ResponseChoiceConfig(users=40, seed=5, items=6, statement_share=0.5, interest_share=0.0, split="heldout")
    said = described = 0
    for record in response_choice_records(cfg):
        for comment in record.persona.comments:
            dims = [d for d, v in enumerate(comment.direction) if v != 0.5]
            assert len(dims) == 1 and record.direction[dims[0]] == comment.direction[dims[0]]
            positive, negative = ANSWER_PREFERENCES[dims[0]]
            pole = positive if record.direction[dims[0]] == 1.0 else negative
            assert comment.comment in _part(pole, "heldout")
            said += 1
        if record.persona.description is not None:
            d = record.persona.description
            assert all(v == 0.5 or v == record.direction[i] for i, v in enumerate(d.direction))
            described += 1
    assert said > 20 and described > 5
    with pytest.raises(ConfigError):
        ResponseChoiceConfig(statement_share=1.5)


def test_everyday_remarks_are_neutral_and_not_the_plain_statement_tests_own():
    from edgealign.training._user_phrases import MUNDANE

    cfg = ResponseChoiceConfig(users=30, seed=2, items=6, mundane_share=0.5)
    remarks = [c for r in response_choice_records(cfg) for c in r.persona.comments]
    assert len(remarks) > 30 and all(set(c.direction) == {0.5} and c.comment in _part(MUNDANE, "train")
                                     for c in remarks)
    from test_bridge_history import UNRELATED

    assert not {c.comment for c in UNRELATED} & set(MUNDANE) and len(set(MUNDANE)) == len(MUNDANE)
