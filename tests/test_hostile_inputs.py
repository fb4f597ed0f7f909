"""Hostile input files, homes, stores, user names and options: each is refused with one
clear line (exit 2 for bad input, 1 for a store that will not open) and nothing is lost."""

import json
import os
import stat
from pathlib import Path

import pytest

from _cli_helpers import use_home
from edgealign.cli import main
from edgealign.data import read_history, read_records
from edgealign.errors import ArtifactError, DataError, StoreError
from edgealign.home import Home
from edgealign.store import PersonaStore, PassphraseKey

PASSPHRASE = "hostile inputs passphrase"
RECORD = {"prompt": "Plan my weekend.", "chosen": "Run, rest.", "rejected": "Everything, at length.",
          "User-Generated Content": [{"prompt": "Weekend?", "comment": "A run."}]}


@pytest.fixture()
def home(tmp_path, monkeypatch):
    root = tmp_path / "home"
    return use_home(monkeypatch, root, PASSPHRASE)


def cli(capsys, *args):
    """(exit code, stdout, stderr) of ``edgealign ARGS`` in-process."""
    try:
        code = main(list(args))
    except SystemExit as exc:  # argparse usage errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


# -- case 4: decoding errors and unreadable formats -------------------------------------------------

def test_a_non_utf8_file_is_one_line_naming_the_file_and_byte_offset(tmp_path, home, capsys):
    good = (json.dumps(RECORD) + "\n").encode()
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(good + b'{"prompt": "caf\xe9"}\n')
    offset = len(good) + len(b'{"prompt": "caf')
    for reader in (lambda p: list(read_records(p)), read_history):
        with pytest.raises(DataError, match=f"byte offset {offset}") as info:
            reader(bad)
        assert str(bad) in str(info.value) and "\n" not in str(info.value)
    code, _, err = cli(capsys, "ingest", "--user", "ivy", str(bad))
    assert code == 2 and err.count("\n") == 1 and f"byte offset {offset}" in err and "Traceback" not in err


def test_a_non_utf8_json_list_names_the_byte_offset(tmp_path):
    bad = tmp_path / "records.json"
    head = ("[" + json.dumps(RECORD) + ", ").encode()
    bad.write_bytes(head + b'{"prompt": "\xff"}]')
    with pytest.raises(DataError, match=f"byte offset {len(head) + 12}"):
        list(read_records(bad))


def test_a_text_file_named_parquet_is_a_data_error(tmp_path, home, capsys):
    pytest.importorskip("pyarrow")
    fake = tmp_path / "records.parquet"
    fake.write_text("this is not parquet\n")
    with pytest.raises(DataError, match="not a readable Parquet file"):
        list(read_records(fake))
    code, _, err = cli(capsys, "ingest", "--user", "ivy", str(fake))
    assert code == 2 and "not a readable Parquet file" in err and "Arrow" not in err.split(":")[0]


def test_training_record_counts_refuse_non_utf8_and_fake_parquet(tmp_path):
    pytest.importorskip("torch")
    from edgealign.training.aligner_data import count_records

    good = (json.dumps(RECORD) + "\n").encode()
    bad = tmp_path / "latin1.jsonl"
    bad.write_bytes(good + b'{"prompt": "caf\xe9"}\n')
    with pytest.raises(DataError, match=f"byte offset {len(good) + 15}") as info:
        count_records([str(bad)])
    assert str(bad) in str(info.value) and "\n" not in str(info.value)
    pytest.importorskip("pyarrow")
    fake = tmp_path / "records.parquet"
    fake.write_text("this is not parquet\n")
    with pytest.raises(DataError, match="not a readable Parquet file") as info:
        count_records([str(fake)])
    assert str(fake) in str(info.value) and "\n" not in str(info.value)


def test_a_non_utf8_statement_file_is_one_line(tmp_path, home, capsys):
    from edgealign.training.statements import TRAIT_DIMENSIONS

    folder = tmp_path / "persona"
    folder.mkdir()
    row = (json.dumps({"statement": "I like it.", "answer_matching_behavior": " Yes"}) + "\n").encode()
    for stem in TRAIT_DIMENSIONS:
        (folder / f"{stem}.jsonl").write_bytes(row)
    bad = folder / f"{next(iter(TRAIT_DIMENSIONS))}.jsonl"
    bad.write_bytes(row + b'{"statement": "\xff"}\n')
    code, _, err = cli(capsys, "synth", "--statements", str(folder), "--out", str(tmp_path / "out.jsonl"))
    assert code == 2 and err.count("\n") == 1 and str(bad) in err and f"byte offset {len(row) + 15}" in err
    bad.write_text('{"statement": 3}\n')
    code, _, err = cli(capsys, "synth", "--statements", str(folder), "--out", str(tmp_path / "out.jsonl"))
    assert code == 2 and err.count("\n") == 1 and f"{bad}:1" in err and "Traceback" not in err


def test_a_non_utf8_config_file_is_one_line(tmp_path, home, capsys):
    config = tmp_path / "synth.json"
    config.write_bytes(b'{"seed": 1, "x": "\xe9"}')
    code, _, err = cli(capsys, "synth", "--config", str(config), "--out", str(tmp_path / "out.jsonl"))
    assert code == 2 and err.count("\n") == 1 and str(config) in err and "byte offset 18" in err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(RECORD).encode() + b"\n")
    assert [r.prompt for r in read_records(path)] == [RECORD["prompt"]]


# -- case 6: empty inputs ------------------------------------------------------------------------

@pytest.mark.parametrize("content", ["", "\n\n  \n", "[]"])
def test_an_input_with_no_items_is_an_error(tmp_path, home, capsys, content):
    path = tmp_path / "empty.jsonl"
    path.write_text(content)
    code, _, err = cli(capsys, "ingest", "--user", "ivy", str(path))
    assert code == 2 and ("no records" in err or "no persona items" in err)


def test_records_without_persona_items_add_nothing_and_say_so(tmp_path, home, capsys):
    path = tmp_path / "bare.jsonl"
    path.write_text(json.dumps({k: RECORD[k] for k in ("prompt", "chosen", "rejected")}) + "\n")
    code, _, err = cli(capsys, "ingest", "--user", "ivy", str(path))
    assert code == 2 and "no persona items" in err


# -- case 5: the home ----------------------------------------------------------------------------

def test_tilde_is_expanded_once_where_the_home_is_resolved(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path / "user"))
    monkeypatch.chdir(tmp_path)
    home = Home("~/.myapp")
    assert home.root == tmp_path / "user" / ".myapp"
    assert home.store == home.root / "persona.db" and home.bridge == home.root / "artifacts" / "bridge"
    from edgealign import Personalizer

    with Personalizer.open("~/.myapp", PassphraseKey(PASSPHRASE)) as p:
        p.add_user("ivy")
    assert (tmp_path / "user" / ".myapp" / "persona.db").is_file()
    assert not (tmp_path / "~").exists()


def test_the_home_is_created_0700(tmp_path):
    from edgealign import Personalizer

    with Personalizer.open(tmp_path / "a" / "home", PassphraseKey(PASSPHRASE)):
        pass
    assert stat.S_IMODE((tmp_path / "a" / "home").stat().st_mode) == 0o700
    with PersonaStore.open(tmp_path / "b" / "persona.db", PassphraseKey(PASSPHRASE)):
        pass
    assert stat.S_IMODE((tmp_path / "b").stat().st_mode) == 0o700


@pytest.mark.parametrize("mode", [0o770, 0o707, 0o777])
def test_a_group_or_world_writable_home_is_refused(tmp_path, mode):
    root = tmp_path / "home"
    root.mkdir()
    os.chmod(root, mode)
    with pytest.raises(StoreError, match="chmod 700"):
        PersonaStore.open(root / "persona.db", PassphraseKey(PASSPHRASE))
    assert list(root.iterdir()) == []


def test_user_export_replaces_a_world_readable_file_with_a_0600_one(tmp_path, home, capsys):
    assert cli(capsys, "user", "add", "ivy")[0] == 0
    out = tmp_path / "ivy.json"
    out.write_text("old contents")
    os.chmod(out, 0o644)
    before = out.stat().st_ino
    code, _, err = cli(capsys, "user", "export", "ivy", "--out", str(out))
    assert code == 0, err
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert out.stat().st_ino != before  # a new file renamed into place, not the old one rewritten
    assert json.loads(out.read_text())["user"] == "ivy"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".ivy")] == []


# -- case 6: the store and user names -----------------------------------------------------------

def test_a_zero_byte_store_beside_its_salt_is_refused_and_kept(tmp_path, home, capsys):
    assert cli(capsys, "user", "add", "ivy")[0] == 0
    store = home / "persona.db"
    salt = home / "persona.db.salt"
    salt_before = salt.read_bytes()
    store.write_bytes(b"")  # what a sync tool that truncated it leaves
    for p in home.glob("persona.db-*"):
        p.unlink()
    code, out, err = cli(capsys, "user", "list")
    assert code == 1 and "0 bytes" in err and "no users yet" not in out
    assert store.stat().st_size == 0 and salt.read_bytes() == salt_before
    with pytest.raises(StoreError, match="empty"):
        PersonaStore.open(store, PassphraseKey(PASSPHRASE))
    assert store.stat().st_size == 0


def test_a_store_is_never_left_as_a_zero_byte_file(tmp_path):
    path = tmp_path / "persona.db"
    PersonaStore.open(path, PassphraseKey(PASSPHRASE)).close()
    assert path.stat().st_size > 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["persona.db", "persona.db.salt"]


@pytest.mark.parametrize("name,words", [(" ", "empty"), ("", "empty"), ("a\nb", "control"), ("a\x1b[2J", "control"),
                                        ("x" * 65, "at most 64"), ("bob\u202e", "control"), (7, "text")])
def test_unusable_user_names_are_refused(tmp_path, name, words):
    with PersonaStore.open(tmp_path / "p.db", PassphraseKey(PASSPHRASE)) as store:
        with pytest.raises(DataError, match=words):
            store.add_user(name)
        assert store.users() == []


def test_user_names_are_normalised(tmp_path, home, capsys):
    with PersonaStore.open(tmp_path / "p.db", PassphraseKey(PASSPHRASE)) as store:
        assert store.add_user("ivy ") is True
        assert store.add_user("ivy") is False and store.add_user("\tivy") is False
        assert store.has_user(" ivy") and store.users() == ["ivy"]
        assert store.add_user("Zoë") and store.has_user("Zoe\u0308")  # NFC: one user either way
    assert cli(capsys, "user", "add", " ivy ")[1].strip() == "added ivy"
    code, _, err = cli(capsys, "user", "add", " ")
    assert code == 2 and "empty" in err


# -- case 6: sampling parameters and the model given to open ----------------------------------------

@pytest.mark.parametrize("flag,value", [("--temperature", "-1"), ("--temperature", "nan"), ("--temperature", "inf"),
                                        ("--top-p", "0"), ("--top-p", "1.5"), ("--max-tokens", "0"),
                                        ("--threads", "-2")])
def test_sampling_parameters_are_range_checked(home, capsys, flag, value):
    code, _, err = cli(capsys, "chat", "ivy", "--prompt", "hi", flag, value)
    assert code == 2 and flag in err


def test_personalizer_open_checks_the_model_it_is_given(tmp_path):
    from edgealign import Personalizer

    bad = tmp_path / "bad.gguf"
    bad.write_bytes(b"GGUF" + b"\x00" * 100)
    with pytest.raises(ArtifactError, match=str(bad)):
        Personalizer.open(tmp_path / "home", PassphraseKey(PASSPHRASE), llm=bad)
