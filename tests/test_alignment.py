"""Alignment accuracy's bookkeeping (docs/method.md §6) on tiny records, scored by a real tiny Llama."""

from __future__ import annotations

import pytest

from edgealign import Choice, Comment, Description, Persona, PreferenceProfile, Record
from edgealign.eval.alignment import alignment_accuracy
from edgealign.errors import ConfigError
from edgealign.llm import LocalLLM
from edgealign.preferences import N_DIMS

HUMOR, CONCISE = 73, 16


def direction(**poles: float) -> tuple[float, ...]:
    values = [0.5] * N_DIMS
    for name, value in poles.items():
        values[{"humor": HUMOR, "concise": CONCISE}[name]] = value
    return tuple(values)


FUNNY = direction(humor=1.0)
PERSONA4 = Persona(
    comments=(Comment("A cat?", "Ha, cats are funny.", FUNNY), Comment("A dog?", "Dogs make me laugh.", FUNNY)),
    choices=(Choice("A joke?", "Yes, a silly one!", "No jokes.", FUNNY),),
    description=Description("I love a good laugh."),
)
RECORDS = [
    Record("Tell me about a frog.", "The frog told a silly joke and laughed.", "The frog sat.", PERSONA4, FUNNY),
    Record("Tell me about a bird.", "A bird.", "The bird sang a funny song all day long.", PERSONA4, FUNNY),
    Record("Tell me about a fish.", "The fish was calm.", "The fish was glum.",
           Persona(comments=(Comment("A fish?", "Fish are funny.", FUNNY),)), FUNNY, profile="Likes humor"),
]


@pytest.fixture(scope="module")
def model(shared):
    with LocalLLM.open(shared / "models" / "stories260K.gguf", n_ctx=512, n_threads=1) as llm:
        yield llm


def reward(llm, record, y, **kw):
    return 0.1 * (llm.score(record.prompt, y, **kw) - llm.score(record.prompt, y))


def test_reference_is_policy_scores_the_zero_shot_conditioning_gain(model):
    out = alignment_accuracy(RECORDS, model, mode="ica", controllability=False)
    expected = [reward(model, r, r.chosen, conditioning="ica", persona=r.persona)
                > reward(model, r, r.rejected, conditioning="ica", persona=r.persona) for r in RECORDS]
    empty = [reward(model, r, r.chosen, conditioning="ica", persona=[])
             > reward(model, r, r.rejected, conditioning="ica", persona=[]) for r in RECORDS]
    assert out["n"] == 3 and out["accuracy"] == pytest.approx(sum(expected) / 3)
    assert out["no_persona_accuracy"] == pytest.approx(sum(empty) / 3)
    assert out["reference"].startswith("same model")


def test_ties_are_wrong(model, shared):
    tie = Record("Tell me about a tree.", "The tree grew.", "The tree grew.", PERSONA4)
    assert alignment_accuracy([tie], model, mode="ica", sweep=())["accuracy"] == 0.0
    # two separate models on the same prompt: every reward is exactly 0, so nothing is correct
    with LocalLLM.open(shared / "models" / "stories260K.gguf", n_ctx=512, n_threads=1) as twin:
        out = alignment_accuracy(RECORDS, model, twin, mode="base")
    assert out["accuracy"] == 0.0 and out["ties"] == 3 and out["reference"].startswith("separate")
    assert out["no_persona_accuracy"] == out["accuracy"] and out["sweep"] == {} and out["controllability"] is None


def test_length_baseline_and_limit(model):
    out = alignment_accuracy(RECORDS, model, mode="ica", sweep=(), limit=2)
    assert out["n"] == 2 and out["length_baseline_accuracy"] == 0.5  # longer chosen in record 0 only
    out = alignment_accuracy(RECORDS, model, mode="ica", sweep=())
    assert out["length_baseline_accuracy"] == pytest.approx(1 / 3)  # equal lengths lose too


def test_sweep_over_persona_sizes(model):
    out = alignment_accuracy(RECORDS, model, mode="ica")
    assert set(out["sweep"]) == {"0", "1", "2", "4"}
    assert [out["sweep"][k]["n"] for k in ("0", "1", "2", "4")] == [3, 3, 2, 2]  # record 2 has one item
    assert out["sweep"]["0"]["accuracy"] == out["no_persona_accuracy"]


def test_pba_profiles_and_controllability(model):
    out = alignment_accuracy(RECORDS, model, mode="pba")
    assert out["profile_sources_used"] == {"directions": 2, "given": 1}
    control = out["controllability"]
    assert control["n"] == 3 and 0.0 <= control["flipped_accuracy"] <= 1.0 and 0.0 <= control["flip_rate"] <= 1.0
    assert set(out["sweep"]) == {"0", "1", "2", "4"}


def test_bridge_profile_source_uses_the_bridge(model):
    class HumorBridge:  # the duck type alignment_accuracy needs: infer(items) -> profile
        def infer(self, items):
            return PreferenceProfile.from_text("Likes humor")

    out = alignment_accuracy(RECORDS[:1], model, mode="pba", profile_source="bridge", bridge=HumorBridge(), sweep=())
    assert out["profile_sources_used"] == {"bridge": 1}
    with pytest.raises(ConfigError, match="needs a bridge"):
        alignment_accuracy(RECORDS, model, mode="pba", profile_source="bridge")


def test_each_prompt_response_pair_is_scored_once(model):
    alignment_accuracy(RECORDS, model, mode="ica")
    scored = len(model._memo)
    alignment_accuracy(RECORDS, model, mode="ica")
    assert len(model._memo) == scored


def test_base_mode_needs_two_models(model):
    with pytest.raises(ConfigError, match="separate reference"):
        alignment_accuracy(RECORDS, model, mode="base")
    with pytest.raises(ConfigError, match="unknown conditioning"):
        alignment_accuracy(RECORDS, model, mode="rlhf")


def test_eval_command_prints_one_json_object(shared, tmp_path, capsys):
    import json

    from edgealign import write_records
    from edgealign.cli import main

    data = tmp_path / "records.jsonl"
    write_records(RECORDS, data)
    model = str(shared / "models" / "stories260K.gguf")
    assert main(["eval", "--data", str(data), "--mode", "ica", "--model", model,
                 "--threads", "1", "--n-ctx", "512", "--limit", "2", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 2 and {"accuracy", "length_baseline_accuracy", "no_persona_accuracy"} <= set(out)
    assert out["sweep"] and out["controllability"] is None  # ica has no profile to flip
    assert main(["eval", "--data", str(data), "--mode", "pba", "--model", model, "--threads", "1",
                 "--n-ctx", "512", "--limit", "2", "--headline", "--json"]) == 0
    quick = json.loads(capsys.readouterr().out)
    assert quick["n"] == 2 and quick["sweep"] == {} and quick["controllability"] == {"n": 0, "flipped_accuracy": None,
                                                                                     "flip_rate": None}
    assert main(["eval", "--data", str(data), "--mode", "base", "--model", model, "--n-ctx", "512"]) == 2
