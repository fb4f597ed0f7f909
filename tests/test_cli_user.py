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

from _cli_helpers import HISTORY, fresh_default, use_home
from edgealign import Personalizer
from edgealign.cli import main

PASSPHRASE = "cli test passphrase"


@pytest.fixture()
def home(tmp_path, monkeypatch, tiny_bridge_artifact):
    root = tmp_path / "home"
    shutil.copytree(tiny_bridge_artifact, root / "artifacts" / "bridge")
    return use_home(monkeypatch, root, PASSPHRASE)


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
    assert set(data["dimensions"][0]) == {"index", "group", "name", "value", "label", "positive", "negative",
                                          "confidence", "source"}
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
    # Nothing of the home's own: the packaged basis steers (instruct+steer), or the shipped aligner
    # answers where its figures rank it higher.
    assert reply["conditioning"] == fresh_default() and isinstance(reply["reply"], str) and reply["reply"]
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


def test_doctor_names_the_aligner_and_the_default_chat_answers_with(home, capsys):
    from edgealign._adapter import packaged_aligners
    from edgealign.home import PACKAGED_STEERING

    report = run(capsys, "doctor", "--json")
    assert report["default_conditioning"] == fresh_default()  # the home has no basis: the package's, if shipped
    if (PACKAGED_STEERING / "manifest.json").is_file():
        assert report["steering"] == {"path": str(PACKAGED_STEERING), "source": "package", "ok": True, "problem": None}
        assert report["default_conditioning"].endswith("+steer")
    assert [(r["path"], r["ok"]) for r in report["aligners"]] == [(str(f), True) for f in packaged_aligners()]
    assert report["default_conditioning"] not in report["passed_over"]
    text = run(capsys, "doctor")
    assert f"default: {report['default_conditioning']} " in text
    assert all(f"not {name}: " in text and "x the bare model's perplexity" in text for name in report["passed_over"])


def test_doctor_reports_a_broken_home_aligner_and_the_default_without_it(home, capsys):
    from edgealign._adapter import packaged_aligners
    from edgealign.home import PACKAGED_STEERING, Home

    if not packaged_aligners():
        pytest.skip("this build ships no aligner to copy")
    mine = Home().aligner
    shutil.copytree(packaged_aligners()[0], mine)
    with open(mine / "adapter.gguf", "r+b") as f:
        f.truncate(1000)
    report = run(capsys, "doctor", "--json")
    [row] = report["aligners"]  # the home's aligner hides the packaged ones, as it does for chat
    assert row["source"] == "home" and not row["ok"] and "adapter.gguf" in row["problem"]
    steered = (PACKAGED_STEERING / "manifest.json").is_file()  # no aligner left: the untuned default
    assert report["default_conditioning"] == ("instruct+steer" if steered else "instruct") and report["passed_over"] == {}
    assert any(str(mine) in t and "export lora" in t for t in report["todo"])


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


def err_of(capsys, *args, code=2):
    """main(args) fails with ``code`` (a usage error exits from argparse); what it said on stderr."""
    try:
        rc = main(list(args))
    except SystemExit as exc:  # argparse's usage error
        rc = exc.code
    assert rc == code
    err = capsys.readouterr().err
    assert "Traceback" not in err and "got None" not in err and "Errno" not in err, err
    return err


def test_a_folder_given_as_a_history_file_is_named_a_folder(ada, tmp_path, capsys):
    (tmp_path / "notes").mkdir()
    err = err_of(capsys, "ingest", "--user", "ada", str(tmp_path / "notes"))
    assert "is a folder, not a file" in err and "no such file" not in err


def test_plaintext_outputs_into_a_missing_folder_name_that_folder(ada, tmp_path, capsys):
    missing = tmp_path / "missing" / "dir"
    for args in (["user", "export", "ada", "--out", str(missing / "x.json")],
                 ["profile", "ada", "--plot", str(missing / "x.png")]):
        err = err_of(capsys, *args)
        assert f"the folder {missing} does not exist" in err and ".tmp" not in err, err
    assert not (tmp_path / "missing").exists()


def test_token_create_with_no_user_names_the_flags(ada, capsys):
    for users in ("", ",", " , "):
        err = err_of(capsys, "token", "create", "app", "--users", users)
        assert "--users A,B" in err and "--all-users" in err and "all_users=True" not in err, err
    assert run(capsys, "token", "list", "--json")["tokens"] == []


def test_chat_temperature_has_one_range_for_parser_library_and_server(ada, capsys):
    from edgealign.llm import TEMPERATURE_MAX
    from edgealign.server.openai_routes import ChatRequest

    assert TEMPERATURE_MAX == 2
    err = err_of(capsys, "chat", "ada", "--prompt", "hi", "--temperature", "3")
    assert "--temperature" in err and "to 2" in err
    with pytest.raises(SystemExit):
        main(["chat", "--help"])
    assert "at most 2 " in capsys.readouterr().out.replace("\n", " ").replace("  ", " ")
    fields = ChatRequest.model_fields["temperature"].metadata
    assert any(getattr(m, "le", None) == TEMPERATURE_MAX for m in fields)
    run(capsys, "chat", "ada", "--prompt", "hi", "--temperature", "2", "--max-tokens", "2", "--threads", "1")


def test_chat_steering_without_a_basis_names_flags_and_commands(no_packaged_steering, ada, capsys):
    err = err_of(capsys, "chat", "ada", "--prompt", "hi", "--conditioning", "steer", "--threads", "1")
    assert "--steering DIR" in err and "`edgealign train steering" in err and "`edgealign export steering" in err
    assert "steering=DIR" not in err and "--conditioning instruct" in err


def test_chat_context_overflow_names_flags_chat_has(ada, capsys):
    err = err_of(capsys, "chat", "ada", "--prompt", "word " * 200, "--mode", "none", "--n-ctx", "128",
                 "--max-tokens", "64", "--threads", "1")
    assert "--n-ctx 128" in err and "--max-tokens 64" in err and "raise the context size" not in err, err


def test_steer_strength_0_says_steering_is_off(ada, bundled_model, capsys):
    from _steering_helpers import write_basis

    from pathlib import Path

    write_basis(Path(os.environ["EDGEALIGN_HOME"]) / "artifacts" / "steering", bundled_model)
    run(capsys, "lock", "ada", "Concise communication style")
    assert "Concise communication style" in run(capsys, "steer", "ada")
    out = run(capsys, "steer", "ada", "--strength", "0")
    assert "steering is off" in out and "nothing in the profile is steerable" not in out, out
    for bad in ("nan", "-1", "3"):
        assert "--strength" in err_of(capsys, "steer", "ada", "--strength", bad)
