"""Style contrasts between a chosen and a rejected answer, on answer pairs written for the test."""

import random

import numpy as np
import pytest

from edgealign._style import N_STYLE, STYLE_FEATURES, style_contrast, style_contrasts, text_style

SHORT = "Run three times a week and rest in between."
LONG = ("Running three times a week is a good start, because your body needs time to adapt. Begin with easy "
        "runs of twenty minutes, then add five minutes every week. In addition, rest between runs: muscles "
        "and tendons get stronger while you recover, not while you run. For example, run on Monday, "
        "Wednesday and Saturday, and walk on the other days.")
CHILD = "Plants are like little kitchens. They take in sun and water and make their own food. It is easy and fun!"
EXPERT = ("Photosynthesis converts electromagnetic radiation into chemical energy: chlorophyll-mediated "
          "photochemistry drives the electron transport chain, generating ATP and NADPH for carbon fixation "
          "in the Calvin-Benson cycle, whose rate-limiting carboxylation is catalysed by RuBisCO.")
WARM = ("Great question, and I'm so glad you asked! Thank you for sharing this. Start with a small pot of "
        "basil by the window. Good luck, and enjoy it!")
COLD = "Obviously, put basil by the window. Stop overthinking it. Figure the rest out yourself."
PLAIN = "Use a timer. Work for twenty-five minutes, then take a five-minute break."
JOKE = ("Use a timer. Work for twenty-five minutes, then take a five-minute break. Why did the tomato "
        "turn red? It saw the salad dressing. Haha, that's the Pomodoro joke, sorry!")
LIST = "Three steps:\n1. Preheat the oven.\n2. Mix the flour and water.\n3. Bake for forty minutes."
PROSE = "Preheat the oven, and mix the flour and water, and bake it for forty minutes or so."
HEDGED = "It might help to stretch, perhaps in the morning, though it depends on you and results usually vary."
DIRECT = "Stretch in the morning. It works."
CAREFUL = "Be careful: check with a doctor first, warm up, and stop if anything hurts. Safety comes first."
YOU = "You can do this: set your alarm and put your phone away before you sleep."
IMPERSONAL = "Setting an alarm and putting the phone away before sleeping can work."
CASUAL = "Yeah, honestly just grab a notebook, it's no biggie, tbh it's kinda fun."
FORMAL = "It is advisable to acquire a notebook; furthermore, one should ensure that entries are made daily."


def value(chosen, rejected, name):
    return float(style_contrast(chosen, rejected)[STYLE_FEATURES.index(name)])


def test_names_shape_and_type():
    assert len(STYLE_FEATURES) == len(set(STYLE_FEATURES)) == N_STYLE
    v = style_contrast(SHORT, LONG)
    assert v.shape == (N_STYLE,) and v.dtype == np.float32
    assert text_style(SHORT).shape == (N_STYLE,)


def test_a_contrast_is_antisymmetric_zero_for_twins_and_finite_for_any_text():
    for a, b in ((SHORT, LONG), (WARM, COLD), (LIST, PROSE), ("", JOKE), ("🙂🙂", "42 %"), ("   \n", "?!")):
        assert np.array_equal(style_contrast(a, b), -style_contrast(b, a))
        assert np.all(np.isfinite(style_contrast(a, b)))
    assert not style_contrast(WARM, WARM).any()
    assert not style_contrast("", "").any()


def test_deterministic_and_of_order_one_on_everyday_answers():
    pairs = [(SHORT, LONG), (CHILD, EXPERT), (WARM, COLD), (JOKE, PLAIN), (LIST, PROSE), (CASUAL, FORMAL)]
    first, again = style_contrasts(pairs), style_contrasts(pairs)
    assert first.shape == (len(pairs), N_STYLE) and np.array_equal(first, again)
    assert np.abs(first).max() < 6
    assert style_contrasts([]).shape == (0, N_STYLE)


def test_a_shorter_chosen_answer_gives_a_negative_length_contrast():
    assert value(SHORT, LONG, "length") < -1
    assert value(LONG, SHORT, "length") > 1
    assert value(LONG, SHORT, "explanation") > 0 and value(LONG, SHORT, "sentences") > 0


def test_reading_level_separates_a_childs_answer_from_an_experts():
    for name in ("word_length", "syllables", "long_words", "reading_grade", "nominalisations"):
        assert value(CHILD, EXPERT, name) < 0, name
        assert value(EXPERT, CHILD, name) > 0, name
    assert value(CHILD, EXPERT, "analogy") > 0


def test_politeness_warmth_and_rudeness():
    assert value(WARM, COLD, "warmth") > 0 and value(WARM, COLD, "politeness") > 0
    assert value(WARM, COLD, "rudeness") < 0 and value(WARM, COLD, "exclamations") > 0
    assert value(COLD, WARM, "rudeness") > 0


def test_a_joke_gives_a_humour_contrast():
    assert value(JOKE, PLAIN, "humour") > 0
    assert value(PLAIN, JOKE, "humour") < 0
    assert value(JOKE, PLAIN, "questions") > 0


def test_lists_and_structure():
    assert value(LIST, PROSE, "list_items") > 1 and value(LIST, PROSE, "line_breaks") > 1
    assert value(LIST, PROSE, "ordinals") > 0
    assert value(PROSE, LIST, "sentence_length") > 0  # one long sentence against four short ones


def test_hedging_caution_person_and_register():
    assert value(HEDGED, DIRECT, "hedging") > 1
    assert value(CAREFUL, DIRECT, "caution") > 1
    assert value(YOU, IMPERSONAL, "second_person") > 1
    assert value(CASUAL, FORMAL, "casual") > 1 and value(CASUAL, FORMAL, "contractions") > 0
    assert value(FORMAL, CASUAL, "formal") > 1


@pytest.mark.parametrize("dim", [16, 5, 73, 46, 14, 45, 40])
def test_a_linear_map_learnt_on_train_phrasings_finds_the_pole_on_heldout_ones(dim):
    """How the contrasts bear on a dimension is learnt, not written in: a ridge fit on pairs of
    the train phrasings (and their mirror images) names the chosen pole of held-out pairs."""
    from edgealign.training.response_choices import answer_pair

    def contrasts(split):
        rng = random.Random(1)
        return style_contrasts(answer_pair(rng, {dim: 1}, split)[1:] for _ in range(100))

    train = contrasts("train")
    x, y = np.concatenate([train, -train]), np.r_[np.ones(len(train)), -np.ones(len(train))]
    w = np.linalg.solve(x.T @ x + np.eye(N_STYLE), x.T @ y)
    assert (train @ w > 0).mean() >= 0.95
    assert (contrasts("heldout") @ w > 0).mean() >= 0.75


@pytest.mark.parametrize("text", ["Ünïcödé façade naïve café.", "e.g. 3.5 kg, i.e. a lot...", "a" * 5000,
                                  "word " * 3000, "\t\r\n", "don't won't can't y'all"])
def test_odd_texts(text):
    v = text_style(text)
    assert np.all(np.isfinite(v))
