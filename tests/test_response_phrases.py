"""The hand-written banks behind response-style choices and stated answer preferences."""

import re
from collections import Counter

import pytest

from edgealign.training import _response_phrases as bank
from edgealign.training import _user_phrases as wishes
from edgealign.training.response_choices import STYLE_DIMS, _part

#: (bank, side) -> the fewest entries it needs so the held-out third is not a handful.
MINIMUM = {("humour", 0): 48, ("friendly", 0): 48, ("friendly", 1): 48, ("cautious", 0): 24, ("cautious", 1): 24,
           ("expert", 0): 24, ("expert", 1): 24}
#: The slots each bank may use (see the module's docstring and response_choices).
SLOTS = {"casual": {"{c}"}, "structured": {"{c}", "{n}", "{w}", "{o}"}, "slant": {"{t}"}}
#: tests/test_bridge_history.py's plain statements: the bridge must infer them, not recall them.
PLAIN_STATEMENTS = ("I keep my answers brief.", "Keep it short.", "I prefer factual, no-nonsense answers without jokes.")
BANNED = ("brief", "short", "no-nonsense", "without jokes")


def _sides():
    return [(key, side, poles[side]) for key, poles in bank.STYLE.items() for side in (0, 1) if poles[side]]


def _preferences():
    return [(dim, sign, poles[sign]) for dim, poles in wishes.ANSWER_PREFERENCES.items() for sign in (0, 1)]


def _norm(text):
    return " ".join(re.findall(r"[a-z0-9']+", text.lower()))


def _grams(text, k=4):
    words = _norm(text.replace("{s}", "").replace("{S}", "")).split()
    return {tuple(words[i:i + k]) for i in range(len(words) - k + 1)}


@pytest.mark.parametrize("key, side, phrases", _sides())
def test_style_banks_have_no_duplicates_and_enough_entries(key, side, phrases):
    assert len({p.strip().lower() for p in phrases}) == len(phrases), key
    assert len(phrases) >= MINIMUM.get((key, side), 12), (key, side)


@pytest.mark.parametrize("key, side, phrases", _sides())
def test_style_banks_use_only_their_slots(key, side, phrases):
    allowed = SLOTS.get(key, {"{s}", "{S}"})
    used = {slot for p in phrases for slot in re.findall(r"\{[^}]*\}", p)}
    assert used <= allowed, (key, side, used - allowed)


def test_prompts_and_content_use_only_the_subject_slot():
    for text in (*bank.PROMPTS, *bank.CONTENT):
        assert set(re.findall(r"\{[^}]*\}", text)) <= {"{s}"}, text


@pytest.mark.parametrize("key, side", sorted(MINIMUM))
def test_expanded_banks_hold_out_their_phrasing(key, side):
    """The held-out third shares no four-word run with the training two thirds."""
    phrases = bank.STYLE[key][side]
    train = set().union(*map(_grams, _part(phrases, "train")))
    for phrase in _part(phrases, "heldout"):
        assert not _grams(phrase) & train, phrase


@pytest.mark.parametrize("key, side", [("humour", 0), ("friendly", 0), ("friendly", 1)])
def test_no_single_word_marks_a_tone(key, side):
    phrases = bank.STYLE[key][side]
    counts = Counter(w for p in phrases for w in set(_norm(p).split()) if len(w) > 4)
    word, n = counts.most_common(1)[0]
    assert n <= len(phrases) // 5, (key, side, word, n)


def test_answer_preferences_cover_the_style_dimensions():
    assert set(wishes.ANSWER_PREFERENCES) == set(STYLE_DIMS)
    for dim, (positive, negative) in wishes.ANSWER_PREFERENCES.items():
        assert not set(map(_norm, positive)) & set(map(_norm, negative)), dim


@pytest.mark.parametrize("dim, sign, sentences", _preferences())
def test_answer_preferences_are_distinct_plain_sentences(dim, sign, sentences):
    assert len(sentences) >= 24 and len(set(map(_norm, sentences))) == len(sentences), (dim, sign)
    for sentence in sentences:
        assert "{" not in sentence and "}" not in sentence, sentence
        assert sentence[:1].isupper() and sentence.rstrip()[-1] in ".!?", sentence


@pytest.mark.parametrize("dim, sign, sentences", _preferences())
def test_answer_preferences_hold_out_their_phrasing(dim, sign, sentences):
    train = _part(sentences, "train")
    held = _part(sentences, "heldout")
    assert train and held and not set(map(_norm, train)) & set(map(_norm, held))
    grams = set().union(*map(_grams, train))
    for sentence in held:
        assert not _grams(sentence) & grams, (dim, sign, sentence)


def test_answer_preferences_leave_the_plain_statements_unseen():
    """The plain-statements test of the bridge measures generalisation, not memory."""
    everything = [s for _, _, sentences in _preferences() for s in sentences]
    plain = {_norm(s) for s in PLAIN_STATEMENTS}
    for sentence in everything:
        assert _norm(sentence) not in plain, sentence
        assert not any(word in sentence.lower() for word in BANNED), sentence


def test_the_held_out_wishes_share_no_sentence_with_the_banks():
    """training/data/wishes_heldout.jsonl (users of two wishes, written apart from these banks)
    measures how the bridge reads wishes it never saw: none may be in a bank."""
    from pathlib import Path

    from edgealign.data import read_records

    records = list(read_records(Path(wishes.__file__).parent / "data" / "wishes_heldout.jsonl"))
    banks = {_norm(s) for _, _, sentences in _preferences() for s in sentences}
    assert len(records) >= 200
    for record in records:
        dims = [d for d, v in enumerate(record.direction) if v != 0.5]
        assert len(dims) == 1 and dims[0] in STYLE_DIMS
        for item in record.persona.items():
            assert _norm(item.comment) not in banks, item.comment


@pytest.mark.parametrize("dim", sorted(wishes.ANSWER_PREFERENCES))
def test_joined_wishes_keep_each_banks_split(dim):
    for side in (0, 1):
        first, more = wishes._FIRST_WISHES[dim][side], wishes._MORE[dim][side]
        joined = wishes.ANSWER_PREFERENCES[dim][side]
        assert _part(joined, "train") == _part(first, "train") + _part(more, "train")
        assert _part(joined, "heldout") == _part(first, "heldout") + _part(more, "heldout")
