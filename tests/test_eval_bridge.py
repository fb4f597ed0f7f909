"""eval-bridge's per-pole figures and what stays neutral, on hand-made predictions and through the CLI."""

import json

import numpy as np
import pytest

from edgealign.eval.bridge import direction_metrics, evaluate_bridge
from edgealign.persona import Choice, Comment, Persona
from edgealign.preferences import N_DIMS, SPACE, PreferenceProfile
from edgealign.data import Record

CONCISE, HUMOUR = 16, 73


def _rows(*cells):
    """Directions (all neutral) with the given {dim: value} set per row."""
    out = np.full((len(cells), N_DIMS), 0.5)
    for row, values in zip(out, cells):
        for d, v in values.items():
            row[d] = v
    return out


def test_per_pole_counts_each_direction_of_a_dimension_apart():
    ref = _rows({CONCISE: 1.0}, {CONCISE: 1.0}, {CONCISE: 0.0}, {CONCISE: 0.0}, {CONCISE: 0.0}, {HUMOUR: 1.0})
    pred = _rows({CONCISE: 1.0}, {CONCISE: 1.0}, {CONCISE: 0.0}, {}, {CONCISE: 1.0}, {HUMOUR: 1.0})
    poles = direction_metrics(pred, ref, min_pole_n=1)["per_pole"]
    concise, detailed = SPACE[CONCISE].positive_label, SPACE[CONCISE].negative_label
    assert poles[concise] == {"index": CONCISE, "pole": "positive", "n": 2, "accuracy": 1.0, "neutral": 0.0,
                              "opposite": 0.0}
    assert poles[detailed]["n"] == 3 and poles[detailed]["pole"] == "negative"
    assert poles[detailed]["accuracy"] == pytest.approx(1 / 3)
    assert poles[detailed]["neutral"] == pytest.approx(1 / 3) and poles[detailed]["opposite"] == pytest.approx(1 / 3)
    assert SPACE[HUMOUR].negative_label not in poles  # no reference at that pole: no figure
    worst = direction_metrics(pred, ref, min_pole_n=1)["worst_pole"]
    assert worst["label"] == detailed
    assert direction_metrics(pred, ref, min_pole_n=3)["worst_pole"]["label"] == detailed
    assert direction_metrics(pred, ref, min_pole_n=4)["worst_pole"] is None


def test_neutral_kept_counts_only_dimensions_the_history_says_nothing_about():
    ref = _rows({CONCISE: 1.0}, {HUMOUR: 0.0})
    pred = _rows({CONCISE: 1.0, 5: 0.0, 51: 1.0}, {HUMOUR: 0.0})
    out = direction_metrics(pred, ref)
    quiet = 2 * N_DIMS - 2
    assert out["neutral_kept"] == pytest.approx(1 - 2 / quiet)
    assert out["false_poles_per_record"] == 1.0 and out["records_all_quiet_kept"] == 0.5
    assert set(out["false_poles"]) == {SPACE[5].negative_label, SPACE[51].positive_label}
    # a dimension the history names is not quiet, whatever the reference says
    mentioned = np.ones((2, N_DIMS), dtype=bool)
    mentioned[0, 5] = False
    assert direction_metrics(pred, ref, quiet=mentioned)["false_poles_per_record"] == 0.5


def test_scored_dimensions_limit_every_figure():
    ref = _rows({CONCISE: 1.0, HUMOUR: 1.0})
    pred = _rows({CONCISE: 1.0, 51: 1.0})
    mask = np.zeros((1, N_DIMS), dtype=bool)
    mask[:, HUMOUR] = True
    out = direction_metrics(pred, ref, scored=mask)
    assert out["accuracy_nonneutral"] == 0.0 and list(out["per_pole"]) == [SPACE[HUMOUR].positive_label]
    assert out["neutral_kept"] is None and out["false_poles"] == {}
    assert direction_metrics(pred, ref)["accuracy_nonneutral"] == 0.5


class _LabelBridge:
    """A bridge that reads each item's own direction: what a perfect bridge would say."""

    def infer(self, items):
        directions = [i.direction for i in items if i.direction is not None]
        return PreferenceProfile.aggregate(directions)


def _record(user_dims, items):
    direction = [0.5] * N_DIMS
    for d, v in user_dims.items():
        direction[d] = v
    return Record(prompt="p", chosen="a", rejected="b", persona=Persona(comments=tuple(items)),
                  direction=tuple(direction))


def _comment(dims):
    direction = [0.5] * N_DIMS
    for d, v in dims.items():
        direction[d] = v
    return Comment("post", "text", tuple(direction))


def test_evaluate_bridge_takes_quiet_dimensions_from_the_items_and_limits_to_dims():
    # the user is concise and humorous, but their items only ever say concise
    records = [_record({CONCISE: 1.0, HUMOUR: 1.0}, [_comment({CONCISE: 1.0}), _comment({CONCISE: 1.0})])] * 3
    out = evaluate_bridge(_LabelBridge(), records)
    assert out["per_pole"][SPACE[CONCISE].positive_label]["accuracy"] == 1.0
    assert out["per_pole"][SPACE[HUMOUR].positive_label]["neutral"] == 1.0
    assert out["neutral_kept"] == 1.0 and out["false_poles_per_record"] == 0.0
    only = evaluate_bridge(_LabelBridge(), records, dims=(HUMOUR,))
    assert only["accuracy_nonneutral"] == 0.0 and only["dims"] == [HUMOUR]
    assert only["curve"]["1"] == 0.0


def test_cli_json_has_per_pole_figures_and_dims(tiny_bridge_artifact, tmp_path, capsys):
    from edgealign.cli import main
    from edgealign.data import write_records
    from edgealign.training.response_choices import ResponseChoiceConfig, response_choice_records

    data = tmp_path / "rc.jsonl"
    write_records(response_choice_records(ResponseChoiceConfig(users=12, seed=2, split="heldout")), data)
    capsys.readouterr()
    assert main(["eval-bridge", "--data", str(data), "--artifact", str(tiny_bridge_artifact), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["per_pole"] and {"neutral_kept", "false_poles_per_record", "worst_pole"} <= set(result)
    assert all({"index", "pole", "n", "accuracy", "neutral", "opposite"} <= set(v) for v in result["per_pole"].values())
    assert main(["eval-bridge", "--data", str(data), "--artifact", str(tiny_bridge_artifact), "--dims", "16,73",
                 "--per-pole"]) == 0
    text = capsys.readouterr().out
    assert "left neutral" in text and all(int(line.split()[0]) in (16, 73)
                                          for line in text.splitlines() if line.startswith("  ") and "(n=" in line
                                          and line.split()[0].isdigit())
    with pytest.raises(SystemExit):
        main(["eval-bridge", "--data", str(data), "--artifact", str(tiny_bridge_artifact), "--dims", "90"])
