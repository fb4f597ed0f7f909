import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from edgealign import SPACE, PreferenceProfile, PreferenceSpace
from edgealign.errors import EdgeAlignError, PreferenceError, ProfileParseError

N = len(SPACE)


def direction(**values: float) -> list[float]:
    out = [0.5] * N
    for key, v in values.items():
        out[int(key.lstrip("d"))] = v
    return out


# -- the space -----------------------------------------------------------------------------

def test_space_has_90_dimensions_in_five_groups():
    assert N == 90
    assert len(SPACE.groups) == 5
    sizes = {g: len(SPACE.group_indices(g)) for g in SPACE.groups}
    assert sizes["Interests"] == 43 and sizes["Core Psychological Needs"] == 21
    assert sum(sizes.values()) == 90


def test_packaged_space_matches_the_shared_file(shared):
    theirs = PreferenceSpace.load(str(shared / "alignx" / "preference_space.json"))
    assert theirs.dimensions == SPACE.dimensions
    assert theirs.version == SPACE.version


def test_space_version_is_a_content_hash(tmp_path):
    data = {"dimensions": [vars(d) | {"extra": 1} for d in SPACE]}
    data["dimensions"][3]["positive_label"] = "Very outgoing"
    path = tmp_path / "space.json"
    path.write_text(json.dumps(data))
    assert PreferenceSpace.load(str(path)).version != SPACE.version


# -- directions -------------------------------------------------------------------------------

def test_resolve_takes_an_index_with_a_value_or_a_label():
    label = SPACE[16].positive_label
    assert SPACE.resolve(16, 1) == (16, 1.0)
    assert SPACE.resolve("16", 0.5) == (16, 0.5)
    assert SPACE.resolve(label.upper()) == (16, 1.0)
    assert SPACE.resolve(SPACE[16].negative_label) == (16, 0.0)
    assert SPACE.resolve(16, needs_value=False) == (16, None)


@pytest.mark.parametrize("dim, value, fragment", [
    (90, 1.0, "index 0..89"), (-1, 1.0, "index 0..89"), (True, 1.0, "index 0..89"),
    ("no such label", None, "neither"), (16, None, "needs a value"), (16, 0.3, "needs a value"),
])
def test_resolve_says_what_is_wrong(dim, value, fragment):
    with pytest.raises(PreferenceError, match=fragment):
        SPACE.resolve(dim, value)


def test_resolve_refuses_a_label_with_the_other_value():
    with pytest.raises(PreferenceError, match="already says its value"):
        SPACE.resolve(SPACE[16].positive_label, 0.0)


def test_from_direction_round_trips_and_is_certain():
    d = direction(d0=0.0, d73=1.0)
    p = PreferenceProfile.from_direction(d)
    assert p.direction == d
    assert p.distribution[73].tolist() == [0.0, 0.0, 1.0]
    assert p.distribution[0].tolist() == [1.0, 0.0, 0.0]
    assert p.distribution[1].tolist() == [0.0, 1.0, 0.0]
    assert np.all(p.confidence == 1.0)


@pytest.mark.parametrize(
    "bad, fragment",
    [
        ([0.5] * 89, "expected 90 values, got 89"),
        ([0.5] * 89 + [0.7], "0.7 at index 89"),
        ("Older", "expected a list"),
        ([None] * 90, "None at index 0"),
    ],
)
def test_bad_directions_say_what_is_wrong(bad, fragment):
    with pytest.raises(PreferenceError, match=fragment.replace("(", r"\(")) as info:
        PreferenceProfile.from_direction(bad)
    assert isinstance(info.value, EdgeAlignError)


def test_profile_arrays_are_read_only():
    p = PreferenceProfile.neutral()
    with pytest.raises(ValueError):
        p.values[0] = 1.0


# -- docs/method.md §4 ---------------------------------------------------------------------------

def test_aggregate_thresholds_are_inclusive():
    # means: d2 = 3/5 = 0.6 -> 1; d3 = 2/5 = 0.4 -> 0; d4 = 0.7 -> 1; d5 = 0.5 -> neutral
    rows = [
        direction(d2=1, d3=1, d4=1, d5=1),
        direction(d2=1, d3=1, d4=1, d5=0),
        direction(d2=1, d3=0, d4=0.5, d5=0.5),
        direction(d2=0, d3=0, d4=0.5, d5=0.5),
        direction(d2=0, d3=0, d4=0.5, d5=0.5),
    ]
    p = PreferenceProfile.aggregate(rows)
    assert p.values[2] == 1.0 and p.values[3] == 0.0 and p.values[4] == 1.0 and p.values[5] == 0.5
    assert p.to_text() == "High Neuroticism, Low Extraversion, High Openness"
    # distribution is the share of items at each pole
    assert p.distribution[2].tolist() == pytest.approx([0.4, 0.0, 0.6])
    assert p.confidence[2] == pytest.approx(0.6)


def test_aggregate_just_inside_the_thresholds_stays_neutral():
    # d7 mean 0.55 (< 0.6), d8 mean 0.45 (> 0.4), d9 mean 1 so the fallback does not fire
    rows = [direction(d7=1, d8=0, d9=1)] + [direction(d7=0.5, d8=0.5, d9=1)] * 9
    p = PreferenceProfile.aggregate(rows)
    assert p.values[7] == 0.5 and p.values[8] == 0.5 and p.values[9] == 1.0


def test_fallback_picks_argmax_when_it_is_closer_to_the_pole():
    # d10 mean 0.55, every other 0.5: nothing passes a threshold; 1 - 0.55 < 0.5 -> argmax to 1
    rows = [direction(d10=1)] * 2 + [direction(d10=0)] + [direction()] * 7
    p = PreferenceProfile.aggregate(rows)
    assert p.non_neutral() == [(SPACE[10], 1.0)]


def test_fallback_picks_argmin_otherwise():
    rows = [direction(d20=0)] * 2 + [direction(d20=1)] + [direction()] * 7  # d20 mean 0.45
    p = PreferenceProfile.aggregate(rows)
    assert p.non_neutral() == [(SPACE[20], 0.0)]


def test_fallback_sets_every_tied_dimension():
    rows = [direction(d30=1, d31=1)] + [direction()] * 9  # both means 0.55: a tied argmax
    p = PreferenceProfile.aggregate(rows)
    assert [(d.index, v) for d, v in p.non_neutral()] == [(30, 1.0), (31, 1.0)]


def test_fallback_with_every_item_neutral_marks_all_dimensions_negative():
    # M = u = 0.5, 1 - M < u is false: the argmin, i.e. every dimension, goes to 0.
    p = PreferenceProfile.aggregate([direction()])
    assert p.direction == [0.0] * N


def test_aggregate_of_nothing_is_an_error():
    with pytest.raises(PreferenceError, match="at least one"):
        PreferenceProfile.aggregate([])


# -- verbalise and parse ----------------------------------------------------------------------

def test_to_text_is_in_index_order():
    p = PreferenceProfile.from_direction(direction(d73=1, d0=0, d4=1))
    assert p.to_text() == "Older, High Openness, Likes humor"


def test_labels_with_commas_and_substrings_parse_whole():
    text = (
        "Dislikes humor, Prefers avoidance, mediation, compromise to handle conflict, "
        "Prefers deep interaction (discussing interests, emotional topics, etc.), "
        "Likes a certain form of creative expression (e.g., art, writing, music)"
    )
    p = PreferenceProfile.from_text(text)
    assert [(d.index, v) for d, v in p.non_neutral()] == [(14, 0.0), (15, 0.0), (22, 1.0), (73, 0.0)]


def test_from_text_accepts_any_order_and_loose_separators():
    p = PreferenceProfile.from_text("likes humor ,Older")
    assert p.to_text() == "Older, Likes humor"
    assert PreferenceProfile.from_text("  ").direction == [0.5] * N


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("Older, Likes jazz", "character 7: 'Likes jazz'"),
        ("Older,, Young", "no known preference label"),
        ("Older, Young", "both poles"),
        ("Older,", "character 0"),
    ],
)
def test_from_text_rejects_unknown_text(text, fragment):
    with pytest.raises(ProfileParseError, match=fragment):
        PreferenceProfile.from_text(text)


poles = st.dictionaries(st.integers(0, N - 1), st.sampled_from([0.0, 1.0]), max_size=N)


@settings(max_examples=300, deadline=None)
@given(poles)
def test_text_round_trip_is_exact_for_any_subset_and_poles(chosen):
    p = PreferenceProfile.from_direction([chosen.get(i, 0.5) for i in range(N)])
    assert PreferenceProfile.from_text(p.to_text()) == p


@settings(max_examples=100, deadline=None)
@given(st.lists(st.lists(st.sampled_from([0.0, 0.5, 1.0]), min_size=N, max_size=N), min_size=1, max_size=8))
def test_aggregate_always_yields_a_parseable_non_empty_profile(rows):
    p = PreferenceProfile.aggregate(rows)
    assert p.non_neutral(), "docs/method.md §4's fallback guarantees at least one preference"
    assert PreferenceProfile.from_text(p.to_text()).direction == p.direction
    assert np.allclose(p.distribution.sum(axis=1), 1.0)


def test_dict_round_trip_and_space_check():
    p = PreferenceProfile.aggregate([direction(d1=1, d2=0), direction(d1=1, d2=0.5)])
    q = PreferenceProfile.from_dict(json.loads(json.dumps(p.to_dict())))
    assert q == p
    with pytest.raises(PreferenceError, match="re-infer"):
        PreferenceProfile.from_dict({**p.to_dict(), "space_version": "0000"})


def test_soft_distribution_defaults():
    dist = np.full((N, 3), [0.2, 0.5, 0.3])
    dist[5] = [0.1, 0.2, 0.7]
    p = PreferenceProfile(dist)
    assert p.values[5] == 1.0 and p.values[0] == 0.5
    assert p.confidence[5] == pytest.approx(0.7)
    with pytest.raises(PreferenceError, match="sum to 1"):
        PreferenceProfile(np.full((N, 3), 0.5))
