"""The per-user commands (init, user, ingest, profile, override/lock/clear, chat, forget,
doctor), in-process on a temporary home with the tiny bridge, plus a few real processes
for exit codes and one-line errors."""

import io
import json
import os
import shutil
import subprocess
import sys

import pytest

from edgealign import Personalizer
from edgealign.cli import main

PASSPHRASE = "cli test passphrase"
HISTORY = [
    {"type": "description", "text": "I keep things short and I love a good pun."},
    {"type": "comment", "prompt": "Weekend plans?", "comment": "Run. Lab. Done."},
    {"type": "choice", "prompt": "Plans?", "chosen": "A hike.", "rejected": "A long museum tour with many stops."},
]


@pytest.fixture()
def home(tmp_path, monkeypatch, tiny_bridge_artifact):
    root = tmp_path / "home"
    shutil.copytree(tiny_bridge_artifact, root / "artifacts" / "bridge")
    monkeypatch.setenv("EDGEALIGN_HOME", str(root))
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", PASSPHRASE)
    monkeypatch.delenv("EDGEALIGN_PASSPHRASE_FILE", raising=False)
    return root


def run(capsys, *args, code=0):
    """main(args) in-process; its parsed --json output (or text)."""
    assert main(list(args)) == code, capsys.readouterr().err
    out = capsys.readouterr().out
    return json.loads(out) if "--json" in args else out


def jsonl(path, rows):
    path.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    return str(path)


@pytest.fixture()
def ada(home, tmp_path, capsys):
    run(capsys, "user", "add", "ada")
    assert run(capsys, "ingest", "--user", "ada", jsonl(tmp_path / "h.jsonl", HISTORY), "--json")["added"] == 3
    return "ada"


def test_init_says_where_things_live(home, capsys):
    info = run(capsys, "init", "--json")
    assert info["home"] == str(home) and (home / "persona.db").is_file()
    assert info["bridge_present"] and info["model"] and "EDGEALIGN_PASSPHRASE" in info["key_source"]
    assert "store:" in run(capsys, "init")


def test_user_add_list_export_import_round_trip(ada, tmp_path, capsys):
    assert run(capsys, "user", "add", "ada", "--json")["created"] is False
    out = tmp_path / "ada.json"
    run(capsys, "user", "export", "ada", "--out", str(out))
    assert oct(out.stat().st_mode & 0o777) == "0o600"
    assert run(capsys, "user", "import", str(out), "--as", "ada2", "--json")["user"] == "ada2"
    assert run(capsys, "user", "list", "--json")["users"] == ["ada", "ada2"]
    again = run(capsys, "user", "export", "ada2", "--json")["document"]
    assert len(again["items"]) == len(json.loads(out.read_text())["items"]) == 3
    run(capsys, "user", "import", str(out), code=2)  # ada exists already


def test_ingest_alignx_records_deduplicates_persona_items(home, tmp_path, capsys):
    from edgealign import Comment, Description, Persona, Record, write_records

    shared = Comment("Pizza?", "Anchovies, always.")
    records = [Record("q1", "a", "b", Persona(comments=(shared,), description=Description("Short answers."))),
               Record("q2", "a", "b", Persona(comments=(shared, Comment("Tea?", "Green."))))]
    write_records(records, tmp_path / "alignx.jsonl")
    run(capsys, "user", "add", "ben")
    report = run(capsys, "ingest", "--user", "ben", str(tmp_path / "alignx.jsonl"), "--json")
    assert report == {"user": "ben", "file": str(tmp_path / "alignx.jsonl"), "format": "alignx", "added": 3,
                      "already_there": 0}


def test_a_bad_ingest_line_names_it_and_writes_nothing(ada, tmp_path, capsys):
    bad = jsonl(tmp_path / "bad.jsonl", [HISTORY[1], {"type": "comment", "prompt": "no comment"}])
    assert main(["ingest", "--user", "ada", bad]) == 2
    assert f"{bad}:2: comment item lacks comment" in capsys.readouterr().err
    assert len(run(capsys, "user", "export", "ada", "--json")["document"]["items"]) == 3


def test_profile_json_and_plot(ada, tmp_path, capsys):
    data = run(capsys, "profile", "ada", "--json", "--plot", str(tmp_path / "p.png"))
    assert data["items"] == 3 and len(data["dimensions"]) == 90
    assert set(data["dimensions"][0]) == {"index", "group", "name", "value", "label", "confidence", "source"}
    assert (tmp_path / "p.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    table = run(capsys, "profile", "ada")
    assert "Demographics & Dispositional Traits" in table and "inferred" in table


def test_override_lock_clear_show_in_the_profile(ada, capsys):
    run(capsys, "override", "ada", "73", "0")
    run(capsys, "lock", "ada", "Concise communication style")
    dims = run(capsys, "profile", "ada", "--json")["dimensions"]
    assert (dims[73]["value"], dims[73]["source"]) == (0.0, "override")
    assert (dims[16]["value"], dims[16]["source"], dims[16]["confidence"]) == (1.0, "locked", 1.0)
    assert run(capsys, "clear", "ada", "Concise communication style", "--json")["changed"] is True
    assert run(capsys, "clear", "ada", "16", "--json")["changed"] is False
    dims = run(capsys, "profile", "ada", "--json")["dimensions"]
    assert dims[16]["source"] == "inferred" and dims[73]["source"] == "override"
    for bad in (["lock", "ada", "Likes jazz"], ["override", "ada", "90", "1"], ["override", "ada", "16"],
                ["override", "ada", "16", "2"], ["lock", "ada", "Concise communication style", "0"]):
        assert main(bad) == 2, bad


def test_chat_one_shot_and_interactive(ada, capsys, monkeypatch):
    common = ["--max-tokens", "4", "--temperature", "0", "--threads", "1"]
    reply = run(capsys, "chat", "ada", "--prompt", "Plans for Sunday?", "--json", *common)
    assert reply["conditioning"] == "instruct" and isinstance(reply["reply"], str) and reply["reply"]
    asked, real = [], Personalizer.chat
    monkeypatch.setattr(Personalizer, "chat", lambda self, user, task, **kw: asked.append(task) or real(self, user, task, **kw))
    monkeypatch.setattr(sys, "stdin", io.StringIO("Hello there\n\n/quit\nnot answered\n"))
    assert run(capsys, "chat", "ada", "--mode", "none", *common).strip()
    assert asked == ["Hello there"]


def test_forget(ada, capsys):
    assert main(["forget", "ada"]) == 2  # pytest's stdin is no terminal, and no --yes
    assert run(capsys, "forget", "ada", "--yes", "--json") == {"user": "ada", "forgotten": True}
    assert run(capsys, "user", "list", "--json")["users"] == []
    assert main(["forget", "ada", "--yes"]) == 2


def test_doctor_json(home, capsys):
    report = run(capsys, "doctor", "--json")
    assert {"edgealign", "packages", "onnxruntime_providers", "cpu", "model", "bridge", "key_source",
            "home", "store", "todo"} <= set(report)
    assert report["packages"]["sqlcipher3"]["sqlcipher"] and "CPUExecutionProvider" in report["onnxruntime_providers"]
    assert report["model"]["ok"] and report["bridge"]["ok"] and report["key_source"]["source"]
    assert report["todo"] == ["create the store: `edgealign init`"]


def test_bad_input_in_a_real_process_is_one_line_and_exit_2(ada, tmp_path):
    bad = jsonl(tmp_path / "bad.jsonl", [{"type": "opinion", "text": "?"}])
    cases = {
        ("profile", "nobody"): "no user 'nobody'",
        ("lock", "ada", "Likes jazz"): "'Likes jazz' is neither",
        ("ingest", "--user", "ada", bad): f"{bad}:1:",
        ("ingest", "--user", "ada", str(tmp_path / "missing.jsonl")): "no such file",
        ("forget", "ada"): "pass --yes",
    }
    for args, message in cases.items():
        out = subprocess.run([sys.executable, "-m", "edgealign.cli", *args], capture_output=True, text=True,
                             stdin=subprocess.DEVNULL, env=dict(os.environ), timeout=120)
        assert out.returncode == 2, (args, out.stderr)
        assert out.stderr.startswith("edgealign: error: ") and message in out.stderr, (args, out.stderr)
        assert len(out.stderr.strip().splitlines()) == 1 and "Traceback" not in out.stderr
