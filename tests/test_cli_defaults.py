"""Defaults a user expects: the evaluations find the home's bridge, `ingest` never doubles a
history and knows a `user export` file when it sees one."""

import json
import re
import shutil

import pytest

from _cli_helpers import HISTORY, use_home
from edgealign.cli import main

PASSPHRASE = "defaults test passphrase"


@pytest.fixture()
def home(tmp_path, monkeypatch):
    """An empty home with a store key."""
    root = tmp_path / "home"
    return use_home(monkeypatch, root, PASSPHRASE)


@pytest.fixture()
def built(home, tiny_bridge_artifact):
    """That home with a bridge in its place."""
    shutil.copytree(tiny_bridge_artifact, home / "artifacts" / "bridge")
    return home


@pytest.fixture(scope="module")
def records(tmp_path_factory):
    from edgealign.data import write_records
    from edgealign.training.synth import SynthConfig, generate_records

    path = tmp_path_factory.mktemp("records") / "d.jsonl"
    write_records(generate_records(SynthConfig(users=6, seed=4, records_per_user=1)), path)
    return str(path)


def jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


# -- the home's bridge -------------------------------------------------------------------------

def test_eval_bridge_uses_the_homes_bridge(built, records, capsys):
    assert main(["eval-bridge", "--data", records, "--json"]) == 0
    out = capsys.readouterr()
    assert json.loads(out.out)["n_records"] == 6
    assert str(built / "artifacts" / "bridge") in out.err


def test_eval_bridge_without_one_names_the_flag_and_the_build(home, records, capsys):
    assert main(["eval-bridge", "--data", records]) == 1
    err = capsys.readouterr().err
    assert "--artifact DIR" in err and "`edgealign build`" in err and str(home / "artifacts" / "bridge") in err


def test_eval_from_the_bridge_uses_the_homes_bridge(built, records, tmp_path, capsys):
    pytest.importorskip("gguf")
    from edgealign.testing._tiny_gguf import tiny_gguf

    model = tiny_gguf(tmp_path / "tiny.gguf")  # a real llama file, small enough to score in a blink
    assert main(["eval", "--data", records, "--mode", "pba", "--profile-source", "bridge", "--limit", "1",
                 "--model", str(model), "--headline", "--threads", "1", "--n-ctx", "1024", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["n"] == 1


def test_eval_from_the_bridge_without_one_says_so_before_loading_a_model(home, records, capsys):
    assert main(["eval", "--data", records, "--mode", "pba", "--profile-source", "bridge"]) == 1
    err = capsys.readouterr().err
    assert "--bridge DIR" in err and "`edgealign build`" in err
    assert "loading" not in err  # no model was opened for nothing


# -- ingest --------------------------------------------------------------------------------

def _add(capsys, name="ada"):
    assert main(["user", "add", name]) == 0
    capsys.readouterr()


def _items(capsys, name="ada"):
    capsys.readouterr()
    assert main(["user", "export", name, "--json"]) == 0
    return json.loads(capsys.readouterr().out)["document"]["items"]


def test_ingesting_a_file_twice_adds_nothing_the_second_time(home, tmp_path, capsys):
    path = jsonl(tmp_path / "h.jsonl", HISTORY)
    _add(capsys)
    assert main(["ingest", "--user", "ada", path, "--json"]) == 0
    first = json.loads(capsys.readouterr().out)
    assert (first["added"], first["already_there"]) == (3, 0)
    assert main(["ingest", "--user", "ada", path]) == 0
    assert capsys.readouterr().out.startswith("ada: 0 new, 3 already there")
    assert len(_items(capsys)) == 3
    # a longer file: only what is new is added; a line repeated within the file counts once
    more = jsonl(tmp_path / "more.jsonl", HISTORY + [{"type": "comment", "prompt": "Tea?", "comment": "Green."}] * 2)
    assert main(["ingest", "--user", "ada", more, "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert (report["added"], report["already_there"]) == (1, 4)
    assert len(_items(capsys)) == 4


def test_nothing_new_leaves_an_override_in_place(home, tmp_path, capsys):
    """An ingest that adds nothing is no new history: a plain override stays."""
    path = jsonl(tmp_path / "h.jsonl", HISTORY)
    _add(capsys)
    assert main(["ingest", "--user", "ada", path]) == 0
    assert main(["override", "ada", "Likes humor"]) == 0
    assert main(["ingest", "--user", "ada", path]) == 0
    capsys.readouterr()
    assert main(["user", "export", "ada", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["document"]["overrides"]


def test_the_same_text_for_another_user_is_theirs(home, tmp_path, capsys):
    path = jsonl(tmp_path / "h.jsonl", HISTORY)
    for name in ("ada", "ben"):
        _add(capsys, name)
        assert main(["ingest", "--user", name, path, "--json"]) == 0
        assert json.loads(capsys.readouterr().out)["added"] == 3


def test_ingesting_a_user_export_names_user_import(home, tmp_path, capsys):
    path = jsonl(tmp_path / "h.jsonl", HISTORY)
    assert main(["user", "add", "ada"]) == 0
    assert main(["ingest", "--user", "ada", path]) == 0
    export = tmp_path / "ada.json"
    assert main(["user", "export", "ada", "--out", str(export)]) == 0
    capsys.readouterr()
    assert main(["ingest", "--user", "ada", str(export)]) == 2
    err = capsys.readouterr().err
    assert f"`edgealign user import {export}`" in err and "Traceback" not in err
    # pretty-printed, keys in another order: still known
    document = json.loads(export.read_text())
    export.write_text(json.dumps({"user": document["user"], "items": document["items"],
                                  "format": document["format"]}, indent=2))
    assert main(["ingest", "--user", "ada", str(export)]) == 2
    assert "user import" in capsys.readouterr().err
    assert len(_items(capsys)) == 3


# -- each log line once ------------------------------------------------------------------------

def test_each_log_line_is_printed_once(tiny_bridge_artifact, records, tmp_path):
    """A library that logs through the root logger mid-run (onnxruntime's quantizer calls
    ``logging.warning``, which installs a root handler) must not make the CLI print every
    later line twice, as the demo did after exporting its bridge. A real process: pytest's own
    handlers on the root logger would hide the bug in-process."""
    import subprocess
    import sys

    code = """
import logging, sys
import edgealign.bridge as b
load = b.PreferenceBridge.load.__func__
def noisy(cls, *args, **kwargs):  # mid-run, as onnxruntime's quantizer during the demo's export
    logging.warning("a library's warning through the root logger")
    return load(cls, *args, **kwargs)
b.PreferenceBridge.load = classmethod(noisy)
from edgealign.cli import main
sys.exit(main(sys.argv[1:]))
"""
    done = subprocess.run([sys.executable, "-c", code, "eval-bridge", "--data", records, "--artifact",
                           str(tiny_bridge_artifact), "--limit", "3"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    # a line's message, without the "==> " or "LEVEL:logger:" it is shown with
    said = [re.sub(r"^(==> |[A-Z]+:[\w.]+:)", "", line) for line in done.stderr.splitlines() if line.strip()]
    assert any("running on" in m for m in said) and any("a library's warning" in m for m in said), said
    assert len(said) == len(set(said)), said
