import json

import pytest

from edgealign import Record, read_records, write_records
from edgealign.data import DEMO, DIRECTION, PAIR, UGC
from edgealign.errors import DataError, RecordError

D = [0.5] * 90


def alignx(**over):
    rec = {
        "prompt": "What should I cook tonight?",
        "chosen": "Pasta.",
        "rejected": "A seven-course tasting menu.",
        DIRECTION: [1.0] + [0.5] * 89,
        DEMO: "I am a retired teacher.",
        UGC: [{"prompt": "Best pasta?", "comment": "Carbonara, obviously.", DIRECTION: D}],
        PAIR: [{"prompt": "Dinner?", "chosen": "Soup", "rejected": "Steak"}],
        "ground_truth_persona": "ignored",
    }
    rec.update(over)
    return rec


def test_record_from_alignx_dict():
    r = Record.from_dict(alignx())
    assert r.persona.description.text == "I am a retired teacher."
    assert r.persona.comments[0].comment == "Carbonara, obviously."
    assert r.persona.comments[0].direction == tuple(D)
    assert r.persona.choices[0].direction is None
    assert r.direction[0] == 1.0 and r.profile is None
    assert len(r.persona) == 3


def test_round_trip_through_jsonl(tmp_path):
    records = [Record.from_dict(alignx(prompt=f"q{i}")) for i in range(5)]
    path = tmp_path / "r.jsonl"
    assert write_records(records, path) == 5
    assert list(read_records(path)) == records


def test_json_list_streams_in_small_chunks(tmp_path, monkeypatch):
    from edgealign import data

    path = tmp_path / "bench.json"
    path.write_text(json.dumps([alignx(prompt=f"q{i}", profile="Older") for i in range(50)], indent=1))
    real = data._stream_json_list
    monkeypatch.setattr(data, "_stream_json_list", lambda f, p: real(f, p, chunk=97))
    got = list(read_records(path))
    assert [r.prompt for r in got] == [f"q{i}" for i in range(50)]
    assert got[0].profile == "Older"


def test_parquet_shards_are_read(tmp_path):
    pa = pytest.importorskip("pyarrow")
    import pyarrow.parquet as pq

    rows = [alignx(prompt=f"q{i}") for i in range(3)]
    for r in rows:
        del r["ground_truth_persona"]
    pq.write_table(pa.Table.from_pylist(rows), tmp_path / "shard.parquet")
    got = list(read_records(tmp_path / "shard.parquet"))
    assert [r.prompt for r in got] == ["q0", "q1", "q2"]
    assert got[0].persona.comments[0].direction == tuple(D)


@pytest.mark.parametrize(
    "over, field, problem",
    [
        ({DIRECTION: [0.5] * 89}, DIRECTION, "expected 90 values, got 89"),
        ({DIRECTION: [0.3] + [0.5] * 89}, DIRECTION, "0.3 at index 0"),
        ({"prompt": None}, "prompt", "must be text, got null"),
        ({"prompt": "  "}, "prompt", "is empty"),
        ({"chosen": 3}, "chosen", "must be text, got a number"),
        ({"rejected": None}, "rejected", "must be text, got null"),
        ({UGC: "oops"}, UGC, "must be a list"),
        ({UGC: [{"prompt": "p"}]}, f"{UGC}[0].comment", "is missing"),
        ({PAIR: [{"prompt": "p", "chosen": "a", "rejected": "b", DIRECTION: [2] * 90}]},
         f"{PAIR}[0].{DIRECTION}", "not one of"),
    ],
)
def test_errors_name_the_record_and_the_field(tmp_path, over, field, problem):
    rec = alignx(**over)
    if over.get("prompt", "") is None:
        del rec["prompt"]
        problem = "is missing"
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(alignx()) + "\n\n" + json.dumps(rec) + "\n")
    with pytest.raises(RecordError) as info:
        list(read_records(path))
    err = info.value
    assert err.where == f"{path}:3" and err.field == field and problem in err.problem
    assert str(path) in str(err) and field in str(err)


def test_invalid_json_names_the_line(tmp_path):
    path = tmp_path / "bad.jsonl"
    path.write_text(json.dumps(alignx()) + "\n{not json\n")
    with pytest.raises(DataError, match=r"bad.jsonl:2: not valid JSON"):
        list(read_records(path))


def test_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="no such file"):
        list(read_records(tmp_path / "nope.jsonl"))
