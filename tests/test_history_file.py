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


def test_a_folder_is_named_a_folder_not_a_missing_file(tmp_path):
    (tmp_path / "notes").mkdir()
    with pytest.raises(DataError, match="is a folder, not a file") as info:
        read_history(tmp_path / "notes")
    assert "no such file" not in str(info.value)


@pytest.mark.parametrize("text, problem", [("x" * 70_000, "70,000 bytes, over the store's limit"),
                                           ("\ud800", "not valid Unicode text")])
def test_what_the_store_refuses_is_named_by_file_line_and_field(tmp_path, text, problem):
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps({"type": "description", "text": "I teach."}) + "\n"
                    + json.dumps({"type": "comment", "prompt": "p", "comment": text}) + "\n")
    with pytest.raises(DataError) as info:
        read_history(path)
    message = str(info.value)
    assert message.startswith(f'{path}:2: the comment\'s "comment"') and problem in message, message
    assert "item " not in message and "comment.comment" not in message


def test_a_record_file_names_the_record_line_too(tmp_path):
    path = tmp_path / "r.jsonl"
    write_records([Record("t1", "a", "b", Persona(comments=(Comment("p", "c"),))),
                   Record("t2", "a", "b", Persona(description=Description("y" * 70_000)))], path)
    with pytest.raises(DataError, match=rf"r\.jsonl:2: the description is 70,000 bytes"):
        read_history(path)


def test_json_values_are_named_in_json_words(tmp_path):
    path = tmp_path / "h.jsonl"
    path.write_text(json.dumps({"type": "comment", "prompt": "p", "comment": None}) + "\n")
    with pytest.raises(DataError, match="comment must be text, got null") as info:
        read_history(path)
    assert "got None" not in str(info.value)
