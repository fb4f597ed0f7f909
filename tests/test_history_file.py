"""edgealign.data.read_history: the file an app is handed, read whole before anything is stored."""

import json

import pytest

from edgealign.data import Record, history_format, read_history, write_records
from edgealign.errors import DataError
from edgealign.persona import Choice, Comment, Description, Persona


def test_a_history_jsonl_gives_its_items_in_order(tmp_path):
    path = tmp_path / "h.jsonl"
    lines = [{"type": "description", "text": "I teach."}, {"type": "comment", "prompt": "p", "comment": "c"},
             {"type": "choice", "prompt": "q", "chosen": "a", "rejected": "b"}]
    path.write_text("\n".join(json.dumps(x) for x in lines) + "\n\n")
    assert history_format(path) == "history"
    assert read_history(path) == [Description("I teach."), Comment("p", "c"), Choice("q", "a", "b")]


def test_alignx_records_give_their_personas_deduplicated(tmp_path):
    shared = Comment("p", "c")
    records = [Record("t1", "a", "b", Persona(comments=(shared,))),
               Record("t2", "a", "b", Persona(comments=(shared, Comment("p2", "c2"))))]
    write_records(records, tmp_path / "r.jsonl")
    assert history_format(tmp_path / "r.jsonl") == "alignx"
    assert read_history(tmp_path / "r.jsonl") == [shared, Comment("p2", "c2")]


def test_a_bad_line_names_the_file_and_line(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text('{"type": "comment", "prompt": "p", "comment": "c"}\n{"type": "comment", "prompt": "p"\n')
    with pytest.raises(DataError, match=r"h\.jsonl:2: not valid JSON"):
        read_history(path)
    with pytest.raises(DataError, match="no such file"):
        read_history(tmp_path / "missing.jsonl")
