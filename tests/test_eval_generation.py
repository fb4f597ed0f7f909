"""Generation figures (``edgealign eval-generation``): the counters on hand-written answers, then
the whole measurement on a real tiny GGUF and through the command."""

from __future__ import annotations

import json
import math

import pytest

from edgealign import Comment, Persona, Record, write_records
from edgealign.errors import ConfigError
from edgealign.eval.generation import (generation_metrics, humour_markers, length_ratio, marker_rate, pole_users,
                                       repeats_question, task_prompts, words)
from edgealign.eval.steering import HELDOUT_PROMPTS
from edgealign.llm import LocalLLM
from edgealign.preferences import N_DIMS

WEEKEND = "How should I spend a free weekend?"


@pytest.mark.parametrize("answer", [
    "How should I spend a free weekend? The only way to determine what to do with a free weekend is to do it.",
    "how should you spend a free weekend\nDo what you have to do.",
    "  How should I spend my free weekend?",
    "Spend a free weekend.",  # only the question's words
])
def test_answers_that_say_the_question_back_are_repeats(answer):
    assert repeats_question(WEEKEND, answer)


@pytest.mark.parametrize("answer", [
    "Go for a long walk on Saturday and see friends on Sunday.",
    "A free weekend is a gift: sleep in, then cook something new.",
    "What a treat! Spend it outside, away from screens.",
    "**Weekend ideas**\n1. A hike.\n2. A museum.",
    "",
])
def test_answers_that_answer_are_not_repeats(answer):
    assert not repeats_question(WEEKEND, answer)


def test_length_ratio_and_words():
    concise = ["Sleep in.", "Go for a walk."]  # 2 and 4 words
    detailed = ["Sleep in late, then make a slow breakfast and read.", "Walk by the river for an hour or two."]
    assert words("Go for a walk.") == 4 and words("It's fine") == 3  # it, s, fine: the counter's own words
    assert length_ratio(concise, detailed) == pytest.approx(((10 + 9) / 2) / 3)
    assert length_ratio(["", ""], detailed) is None and length_ratio([], detailed) is None


def test_humour_markers_and_their_rate():
    funny = ["Haha, a pun a day keeps the doctor away!", "Why did the chicken cross the road? A joke for you."]
    plain = ["Rest, then plan the week.", "Cook a simple meal."]
    assert humour_markers(funny[0]) == 3 and humour_markers(plain[0]) == 0  # haha, pun, !
    assert marker_rate(funny) == 1.0 and marker_rate(plain) == 0.0 and marker_rate(funny[:1] + plain) == pytest.approx(1 / 3)
    assert marker_rate([]) is None


def _user(dim: int, value: float, text: str, other: int | None = None) -> Record:
    d = [0.5] * N_DIMS
    d[dim] = value
    if other is not None:
        d[other] = 1.0
    return Record(f"Task about {text}?", "a", "b", Persona(comments=(Comment("Hi?", text),)), tuple(d))


def test_tasks_and_pole_users():
    users = [_user(73, 1.0, "both", other=16), _user(73, 1.0, "funny"), _user(73, 0.0, "serious"),
             _user(73, 1.0, "funny")]
    assert task_prompts(None, 3) == list(HELDOUT_PROMPTS[:3])
    assert task_prompts(users, 5) == ["Task about both?", "Task about funny?", "Task about serious?",
                                      "Task about both?", "Task about funny?"]  # distinct, cycled
    funny = pole_users(users, 73, +1)
    assert [p.comments[0].comment for p in funny] == ["funny", "funny", "both"]  # the one-pole users first
    assert [p.comments[0].comment for p in pole_users(users, 73, -1)] == ["serious"] and pole_users(users, 16, -1) == []


@pytest.fixture(scope="module")
def model(shared):
    with LocalLLM.open(shared / "models" / "stories260K.gguf", n_ctx=512, n_threads=1) as llm:
        yield llm


def test_generation_metrics_on_a_real_model(model):
    out = generation_metrics(model, ["none", "pba"], answers=2, max_tokens=12, show=True)
    bare = out["bare"]["answers"]
    # each answer's perplexity is the bare model's, the task alone, EOS included
    first = bare[0]
    nll = -model.score(first["task"], first["answer"], conditioning="none", adapter=False)
    n = len(model.tokenize(first["answer"], special=False)) - len(model.tokenize("", special=False)) + 1
    assert first["perplexity"] == pytest.approx(math.exp(nll / n), abs=0.01)
    none = out["modes"]["none"]
    assert none["fluency_ratio"] == 1.0 and none["n_answers"] == 8  # none reads nothing: the bare answers
    humour = out["modes"]["pba"]["dimensions"]["73"]
    assert set(humour["poles"]) == {"Likes humor", "Dislikes humor"}
    texts = [a["answer"] for a in humour["answers"]["Likes humor"]]
    assert humour["humour_rate"] == marker_rate(texts)
    short = out["modes"]["pba"]["dimensions"]["16"]
    assert short["length_ratio"] == length_ratio([a["answer"] for a in short["answers"]["Concise communication style"]],
                                                 [a["answer"] for a in short["answers"]["Detailed communication style"]])
    # the same seed at both poles of none: the same text
    assert out["modes"]["none"]["dimensions"]["16"]["answers"]["Concise communication style"] == bare
    with pytest.raises(ConfigError, match="dimensions must be among"):
        generation_metrics(model, ["pba"], dims=(0,), answers=1)


def test_ica_reads_users_at_each_pole_and_refuses_without_them(model):
    users = [_user(73, 1.0, "Ha, what a laugh."), _user(73, 0.0, "No jokes, please.")]
    out = generation_metrics(model, ["ica"], dims=(73,), answers=2, max_tokens=8, records=users)
    assert out["tasks"] == "records" and out["modes"]["ica"]["n_answers"] == 4
    with pytest.raises(ConfigError, match="no user at 'Concise communication style'"):
        generation_metrics(model, ["ica"], dims=(16,), answers=1, max_tokens=4, records=users)


def test_eval_generation_command(shared, tmp_path, capsys):
    from edgealign.cli import main

    model = str(shared / "models" / "stories260K.gguf")
    base = ["eval-generation", "--model", model, "--threads", "1", "--n-ctx", "256", "--answers", "2",
            "--max-tokens", "8"]
    assert main(base + ["--mode", "none,instruct", "--dims", "73", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["modes"]) == {"none", "instruct"} and out["model"] == "stories260K.gguf"
    assert "answers" not in out["bare"]  # only with --show
    data = tmp_path / "users.jsonl"
    write_records([_user(16, 1.0, "Short."), _user(16, 0.0, "Long, with detail.")], data)
    assert main(base + ["--mode", "pba", "--dims", "16", "--data", str(data), "--show", "--temperature", "0"]) == 0
    text = capsys.readouterr().out
    assert "--- pba | Concise communication style | Task about Short.?" in text
    assert "length ratio" in text and "fluency x" in text and "repeat the question" in text
    for bad in (["--dims", "0"], ["--dims", "x"], ["--mode", "rlhf"], ["--mode", ","]):
        with pytest.raises(SystemExit) as usage:
            main(base + bad)
        assert usage.value.code == 2
    assert "--dims" in capsys.readouterr().err
