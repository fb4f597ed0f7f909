"""Negated statements become signed units: the clause without its negation, counted against."""

import pytest

from edgealign import Choice, Comment, Description
from edgealign._negation import signed_clauses
from edgealign.featurize import KIND_COMMENT, KIND_DESCRIPTION, bridge_units


@pytest.mark.parametrize("sentence, expected", [
    ("I don't like jokes in answers.", [("I do like jokes in answers.", -1)]),
    ("I do not enjoy parties.", [("I do enjoy parties.", -1)]),
    ("I won't read long answers.", [("I will read long answers.", -1)]),
    ("I cannot stand small talk.", [("I can stand small talk.", -1)]),
    ("I am never on time.", [("I am on time.", -1)]),
    ("No jokes, please.", [("jokes, please.", -1)]),
    ("I have no patience for long answers.", [("I have patience for long answers.", -1)]),
    ("I don’t like surprises.", [("I do like surprises.", -1)]),  # a typographic apostrophe
])
def test_a_negated_clause_is_read_without_its_negation_and_counts_against(sentence, expected):
    assert signed_clauses(sentence) == expected


def test_the_object_of_without_counts_against_and_the_rest_for():
    assert signed_clauses("I prefer factual, no-nonsense answers without jokes.") == [
        ("I prefer factual, no-nonsense answers.", 1), ("jokes", -1)]
    assert signed_clauses("I like short answers rather than long essays.") == [
        ("I like short answers.", 1), ("long essays", -1)]
    assert signed_clauses("Tea instead of coffee, always.") == [("Tea, always.", 1), ("coffee", -1)]


def test_a_negation_reaches_back_only_to_the_nearest_conjunction():
    assert signed_clauses("I am quiet and don't talk much.") == [("I am quiet", 1), ("do talk much.", -1)]
    assert signed_clauses("I'm not a social person and am not comfortable around people.") == [
        ("I'm a social person and am comfortable around people.", -1)]  # forward: to the clause's end
    assert signed_clauses("Honestly, I don't like jokes.") == [("I do like jokes.", -1)]


def test_each_clause_keeps_its_own_sign():
    assert signed_clauses("I am not a morning person; I sleep late.") == [
        ("I am a morning person", -1), ("I sleep late.", 1)]
    assert signed_clauses("I don't watch films, but I love music.") == [("I do watch films", -1), ("I love music.", 1)]


@pytest.mark.parametrize("sentence", [
    "I keep my answers brief.",
    "I prefer factual, no-nonsense answers.",   # "no-" in a compound negates nothing
    "No, I like long answers.",                 # an interjection
    "No one explains things like my aunt.",
    "I can't wait for the summer.",             # idioms whose negation is none
    "I can't get enough of jazz.",
    "Not only films: books too.",
    "Don't you love a long walk?",              # a question states nothing
])
def test_what_negates_nothing_is_left_as_it_is(sentence):
    assert signed_clauses(sentence) == [(sentence, 1)]


def test_only_what_users_say_of_themselves_is_rewritten():
    units = bridge_units([
        Comment("Any wishes?", "Keep it short. No jokes, please."),
        Description("I don't like surprises."),
        Choice("Plans?", "Don't worry, it will be fine.", "It will be fine."),
    ])
    assert units.texts == ["Keep it short.", "jokes, please.", "I do like surprises.", "Don't worry, it will be fine.",
                           "It will be fine."]
    assert units.sign.tolist() == [1, -1, -1, 1, -1]
    assert units.kind.tolist()[:3] == [KIND_COMMENT, KIND_COMMENT, KIND_DESCRIPTION]
