"""Every pole of every dimension has its instruction, description and style flag, and a
profile becomes a few instruction lines, strongest first."""

import json
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pytest

from edgealign import poles
from edgealign.errors import ConfigError, PreferenceError
from edgealign.preferences import N_DIMS, SPACE, PreferenceProfile

ROOT = Path(__file__).resolve().parents[1]
DATA = json.loads(resources.files("edgealign").joinpath("pole_text.json").read_text("utf-8"))
POLE_LABELS = [(d, pole, getattr(d, f"{pole}_label")) for d in SPACE for pole in ("negative", "positive")]
CONCISE, HUMOR, AGREEABLE, AGE, SCIENCE, SPORTS = 16, 73, 5, 0, 47, 56


# -- the file ------------------------------------------------------------------------------

def test_file_is_for_this_space_and_names_every_dimension_once():
    assert DATA["space_version"] == SPACE.version
    assert set(DATA) == {"space_version"} | {d.name for d in SPACE}


@pytest.mark.parametrize("dim,pole,label", POLE_LABELS, ids=[f"{d.index}-{p}" for d, p, _ in POLE_LABELS])
def test_each_pole_has_all_three_fields_within_limits(dim, pole, label):
    entry = DATA[dim.name][pole]
    assert set(entry) == {"instruction", "description", "style"}
    text, about, style = entry["instruction"], entry["description"], entry["style"]
    assert isinstance(style, bool)
    for s in (text, about):
        assert isinstance(s, str) and s == s.strip() and s and "\n" not in s
    assert len(text) <= 90 and text[0].isupper() and text.endswith(".")
    assert 20 <= len(about) <= 220
    assert label.casefold() not in about.casefold(), "describe the pole in other words than its label"


def test_the_two_poles_of_a_dimension_differ():
    for d in SPACE:
        neg, pos = DATA[d.name]["negative"], DATA[d.name]["positive"]
        assert neg["instruction"] != pos["instruction"], d.name
        assert neg["description"] != pos["description"], d.name


def test_no_instruction_or_description_is_used_twice():
    for field in ("instruction", "description"):
        texts = [DATA[d.name][p][field].casefold() for d in SPACE for p in ("negative", "positive")]
        assert len(set(texts)) == len(texts) == 2 * N_DIMS, field


def test_style_flags_mark_how_an_answer_is_written_not_topics_or_demographics():
    for index in (CONCISE, HUMOR, AGREEABLE):
        assert poles.is_style(index, +1) and poles.is_style(index, -1)
    interests = [i for i in SPACE.group_indices("Interests") if i != HUMOR]
    assert not any(poles.is_style(i) for i in interests + [AGE, 1])
    assert set(poles.style_dimensions()) >= {CONCISE, HUMOR, AGREEABLE}
    assert len(poles.style_dimensions()) < N_DIMS // 3


def test_file_ships_as_package_data():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    assert "pole_text.json" in cfg["package-data"]["edgealign"]


# -- the accessors -----------------------------------------------------------------------------

def test_a_pole_can_be_named_by_index_name_label_or_dimension():
    short = "Keep the answer short."
    dim = SPACE[CONCISE]
    assert poles.instruction(CONCISE, +1) == short
    assert poles.instruction(str(CONCISE), 1) == short
    assert poles.instruction(dim, +1) == short
    assert poles.instruction(dim.name, +1) == short
    assert poles.instruction(dim.name.upper(), +1) == short
    assert poles.instruction(dim.positive_label, +1) == short
    assert poles.instruction(CONCISE, -1) == "Answer thoroughly, with detail."
    assert poles.description(CONCISE, +1) == DATA[dim.name]["positive"]["description"]
    assert poles.is_style(dim.negative_label) is True


@pytest.mark.parametrize("dim,sign", [(CONCISE, 0), (CONCISE, 2), (CONCISE, True), (CONCISE, None),
                                      (90, 1), (-1, 1), ("no such dimension", 1),
                                      ("Concise communication style", -1)])
def test_bad_references_say_what_to_give(dim, sign):
    with pytest.raises(PreferenceError):
        poles.instruction(dim, sign)


# -- instruct_lines ------------------------------------------------------------------------

def profile_with(**poles_by_dim: tuple[int, float]) -> PreferenceProfile:
    """A profile where d<i>=(sign, confidence) puts that probability on the pole and splits
    the rest between neutral and the other pole; every other dimension is surely neutral."""
    dist = np.tile([0.0, 1.0, 0.0], (N_DIMS, 1))
    for key, (sign, confidence) in poles_by_dim.items():
        rest = (1.0 - confidence) / 2
        row = [rest, rest, rest]
        row[2 if sign > 0 else 0] = confidence
        dist[int(key.lstrip("d"))] = row
    return PreferenceProfile(dist)


def test_neutral_profile_gives_no_lines():
    assert poles.instruct_lines(PreferenceProfile.neutral()) == []


def test_lines_come_strongest_first_and_are_capped():
    profile = profile_with(d16=(+1, 0.7), d73=(-1, 0.95), d47=(+1, 0.8), d56=(-1, 0.6), d5=(+1, 0.9))
    lines = poles.instruct_lines(profile, cap=10)
    assert lines == [poles.instruction(HUMOR, -1), poles.instruction(AGREEABLE, +1),
                     poles.instruction(SCIENCE, +1), poles.instruction(CONCISE, +1),
                     poles.instruction(SPORTS, -1)]
    assert poles.instruct_lines(profile) == lines[:4]
    assert poles.instruct_lines(profile, cap=2) == lines[:2]
    assert poles.instruct_lines(profile, cap=0) == []


def test_unconfident_dimensions_are_left_out():
    profile = profile_with(d16=(+1, 0.9), d73=(+1, 0.55), d47=(+1, 0.45))
    assert poles.instruct_lines(profile) == [poles.instruction(CONCISE, +1), poles.instruction(HUMOR, +1)]
    assert poles.instruct_lines(profile, min_confidence=0.6) == [poles.instruction(CONCISE, +1)]
    assert poles.instruct_lines(profile, min_confidence=0.0)[-1] == poles.instruction(SCIENCE, +1)


def test_a_given_profile_puts_style_poles_first_among_equals():
    profile = PreferenceProfile.from_text(
        "Older, Male, Concise communication style, Likes science, Likes sports, Dislikes humor")
    assert poles.instruct_lines(profile, cap=3) == [
        poles.instruction(CONCISE, +1), poles.instruction(HUMOR, -1), poles.instruction(AGE, -1)]


@pytest.mark.parametrize("kw", [{"cap": -1}, {"cap": 1.5}, {"min_confidence": 1.5}, {"min_confidence": -0.1}])
def test_bad_options_are_refused(kw):
    with pytest.raises(ConfigError):
        poles.instruct_lines(PreferenceProfile.neutral(), **kw)
