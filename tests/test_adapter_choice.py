"""Which conditioning the device answers with by default, from the aligners' recorded figures,
and the generation figures an export records for that choice."""

from types import SimpleNamespace

import pytest

from edgealign._adapter import FLUENCY_LIMIT, choose
from edgealign.errors import ConfigError


def _aligner(held_out, generation=None, method="pba"):
    return SimpleNamespace(method=method, held_out=held_out, generation=generation or {})


def test_the_best_held_out_figure_wins_among_what_is_usable():
    a = _aligner({"pba": 0.62, "pba+steer": 0.70, "instruct": 0.51, "instruct+steer": 0.59})
    assert choose([a], True, "instruct+steer")[0] == "pba+steer"
    assert choose([a], False, "instruct")[0] == "pba"  # no steering basis: the +steer figures do not count
    assert choose([], False, "instruct")[0] == "instruct"


def test_an_aligner_whose_answers_are_not_fluent_on_a_pole_is_not_the_default():
    unfluent = {"pba": {"fluency_ratio": 1.16, "worst_pole_fluency_ratio": FLUENCY_LIMIT + 1.5}}
    a = _aligner({"pba": 0.62, "instruct": 0.51, "instruct+steer": 0.59}, unfluent)
    assert choose([a], False, "instruct")[0] == "instruct"  # more accurate, but writes fragments at one pole
    assert choose([a], True, "instruct+steer")[0] == "instruct+steer"
    fluent = {"pba": {"worst_pole_fluency_ratio": FLUENCY_LIMIT - 0.1}}
    assert choose([_aligner(a.held_out, fluent)], False, "instruct")[0] == "pba"
    alone = _aligner({}, unfluent)  # no held-out figure at all: its own method only when fluent
    assert choose([alone], False, "instruct")[0] == "instruct"
    assert choose([_aligner({})], False, "instruct")[0] == "pba"


def _report(concise_ppl, aligner="DIR"):
    pole = lambda ppl, **kw: {"mean": 10.0, "repeats": 0, "truncated": 0, "perplexity": ppl, **kw}
    return {"answers": 5, "bare": {"perplexity": 4.0, "repeats": 0},
            "modes": {"none": {"aligner": None, "fluency_ratio": 1.0, "repeats": 0, "dimensions": {}},
                      "pba": {"aligner": aligner, "fluency_ratio": 1.2, "repeats": 1, "dimensions": {
                          "16": {"length_ratio": 3.0, "poles": {"Concise": pole(concise_ppl), "Detailed": pole(4.4)}},
                          "73": {"ratio": None, "poles": {"Likes humor": pole(4.0, rate=0.4),
                                                          "Dislikes humor": pole(4.0, rate=0.0)}}}}}}


def test_an_export_sums_up_the_generation_report_of_its_method():
    pytest.importorskip("gguf")
    from edgealign.export.lora import generation_summary

    got = generation_summary(_report(10.0), "pba")
    assert set(got) == {"pba"}  # `none` answered without an aligner
    assert got["pba"]["worst_pole"] == "Concise" and got["pba"]["worst_pole_fluency_ratio"] == 2.5
    assert got["pba"]["length_ratio"] == 3.0 and got["pba"]["repeats"] == 1 and got["pba"]["answers_per_pole"] == 5
    assert got["pba"]["marker_rates"] == {"Likes humor": 0.4, "Dislikes humor": 0.0}
    with pytest.raises(ConfigError, match="--mode ica --adapter"):
        generation_summary(_report(10.0), "ica")  # measured through a pba aligner, not this ica one
    with pytest.raises(ConfigError, match="eval-generation --json"):
        generation_summary({"modes": []}, "pba")
