"""The CLI names only what exists: `chat --model` and `profile --bridge` exist, an artifact
folder without a manifest suggests commands that exist, and every message the code can
print names only existing commands and flags, never a Python parameter."""

import argparse
import ast
import re
from pathlib import Path

import pytest

from edgealign.artifacts import Manifest
from edgealign.cli import _parser, commands, main
from edgealign.errors import ArtifactError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sdk", "training", "export", "demo")
SKIP = ("sdk/testing/",)  # developer tools with their own command lines


def command_tree() -> dict[tuple[str, ...], set[str]]:
    """Every command path (("user", "export"), ...) and its flags."""
    parser, subparsers = _parser()
    for name, command in commands().items():
        command.arguments(subparsers[name])
    tree: dict[tuple[str, ...], set[str]] = {}

    def walk(p: argparse.ArgumentParser, path: tuple[str, ...], inherited: set[str]) -> None:
        flags = inherited | {s for a in p._actions for s in a.option_strings}
        tree[path] = flags
        for action in p._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub, child in action.choices.items():
                    walk(child, path + (sub,), flags - {"-h", "--help"} | {"-h", "--help"})
    walk(parser, (), set())
    return tree


TREE = command_tree()
ALL_FLAGS = set().union(*TREE.values())


def messages() -> list[tuple[str, int, str]]:
    """(file, line, text) of every message a user can see: raised errors, lines printed to
    stderr, argparse errors and doctor's to-do items, f-string holes as {}."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if str(path.relative_to(ROOT)).startswith(SKIP):
                continue
            tree = ast.parse(path.read_text("utf-8"))
            for node in tree.body:  # module constants that messages quote, such as the key options
                if isinstance(node, ast.Assign) and all(isinstance(t, ast.Name) and t.id.isupper() for t in node.targets):
                    text = _literal(node.value)
                    if text and " " in text:
                        found.append((str(path.relative_to(ROOT)), node.lineno, text))
            for node in ast.walk(tree):
                for arg in _message_args(node):
                    text = _literal(arg)
                    if text:
                        found.append((str(path.relative_to(ROOT)), node.lineno, text))
    return found


def _message_args(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
        return list(node.exc.args)
    if isinstance(node, ast.Call):
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
        owner = getattr(getattr(node.func, "value", None), "id", "")
        if name in ("error", "step") or (name == "append" and owner == "todo"):
            return list(node.args)
        if name == "print" and any(k.arg == "file" for k in node.keywords):
            return list(node.args)
    return []


def _literal(node: ast.AST) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value if isinstance(v, ast.Constant) else "{}" for v in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _literal(node.left) + _literal(node.right)
    return ""


MESSAGES = messages()


def test_the_walk_finds_the_messages():
    assert len(MESSAGES) > 200
    assert any("edgealign user list" in text for _, _, text in MESSAGES)


def _commands_named(text: str) -> list[tuple[tuple[str, ...], list[str]]]:
    """Each `edgealign ...` in backticks: its command path and the flags it names."""
    out = []
    for span in re.findall(r"`edgealign ([^`]*)`", text):
        words = span.split()
        path: tuple[str, ...] = ()
        while words and (path + (words[0],)) in TREE:
            path += (words.pop(0),)
        out.append((path, [w.split("=")[0] for w in words if w.startswith("--")]))
    return out


@pytest.mark.parametrize("where,line,text", MESSAGES, ids=lambda v: v if isinstance(v, str) and "/" in v else "")
def test_each_message_names_only_commands_and_flags_that_exist(where, line, text):
    for path, flags in _commands_named(text):
        assert path, f"{where}:{line}: names a command that does not exist: {text!r}"
        unknown = [f for f in flags if f not in TREE[path]]
        assert not unknown, f"{where}:{line}: `edgealign {' '.join(path)}` has no {unknown}: {text!r}"
    outside = re.sub(r"`[^`]*`|pip install [^;,)]*", "", text)
    for flag in re.findall(r"(?<![\w-])--[a-z][a-z0-9-]*", outside):
        assert flag in ALL_FLAGS, f"{where}:{line}: no command has {flag}: {text!r}"
    python = re.findall(r"\b[a-z_]+=(?:\.\.\.|<)", outside)
    assert not python, f"{where}:{line}: names a Python parameter ({python}) where a user reads it: {text!r}"


def test_the_manifest_hint_names_real_commands_for_each_kind(tmp_path):
    for kind, words in (("bridge", ["train bridge", "export bridge"]), ("llm", ["export gguf"]),
                        ("steering", ["train steering", "export steering"])):
        with pytest.raises(ArtifactError) as info:
            Manifest.read(tmp_path, kind)
        text = str(info.value)
        assert all(f"`edgealign {w}`" in text for w in words), text
        assert "train llm" not in text and "export llm" not in text
        for path, _ in _commands_named(text):
            assert path in TREE


@pytest.mark.parametrize("command,flag", [("chat", "--model"), ("profile", "--bridge")])
def test_the_missing_flags_exist(command, flag):
    assert flag in TREE[(command,)]


def test_chat_model_and_profile_bridge_are_used(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("EDGEALIGN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", "cli passphrase")
    assert main(["user", "add", "ivy"]) == 0
    bad = tmp_path / "nothing.gguf"
    bad.write_bytes(b"not a model")
    assert main(["chat", "ivy", "--prompt", "hi", "--model", str(bad)]) == 1
    assert str(bad) in capsys.readouterr().err
    assert main(["profile", "ivy", "--bridge", str(tmp_path / "nowhere")]) == 1
    err = capsys.readouterr().err
    assert "nowhere" in err and "`edgealign train bridge`" in err


def _fails(capsys, *args: str) -> tuple[int, str]:
    """main(args) in-process: its exit code (argparse's usage errors included) and stderr."""
    try:
        code = main(list(args))
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert "Traceback" not in err and "Errno" not in err and "got None" not in err, err
    return code, err


def test_a_missing_checkpoint_is_the_same_input_error_for_every_export(tmp_path, capsys):
    for target in ("bridge", "gguf", "steering"):
        out = tmp_path / f"out-{target}"
        code, err = _fails(capsys, "export", target, str(tmp_path / "missing"), "--out", str(out))
        assert code == 2 and f"CHECKPOINT {tmp_path / 'missing'}: no such folder" in err, (target, err)
        assert not out.exists(), "a failed export leaves no --out folder behind"


def test_a_failed_export_removes_the_out_folder_it_created(tmp_path, capsys):
    (tmp_path / "not-a-checkpoint").mkdir()
    code, err = _fails(capsys, "export", "bridge", str(tmp_path / "not-a-checkpoint"), "--out", str(tmp_path / "new"))
    assert code == 2 and "not a bridge checkpoint" in err and not (tmp_path / "new").exists()
    (tmp_path / "kept").mkdir()
    (tmp_path / "kept" / "mine.txt").write_text("the user's")
    _fails(capsys, "export", "bridge", str(tmp_path / "not-a-checkpoint"), "--out", str(tmp_path / "kept"))
    assert (tmp_path / "kept" / "mine.txt").read_text() == "the user's", "a folder that was there stays"


def test_export_bridge_options_are_checked_while_parsing(tmp_path, capsys):
    (tmp_path / "ckpt").mkdir()
    (tmp_path / "file").write_text("")
    for args, flag in ((["--tolerance", "nan"], "--tolerance"), (["--tolerance", "0"], "--tolerance"),
                       (["--min-agreement", "-1"], "--min-agreement"), (["--min-agreement", "nan"], "--min-agreement")):
        code, err = _fails(capsys, "export", "bridge", str(tmp_path / "ckpt"), "--out", str(tmp_path / "o"),
                           *args)
        assert code == 2 and flag in err, (args, err)
    code, err = _fails(capsys, "export", "bridge", str(tmp_path / "ckpt"), "--out", str(tmp_path / "file"))
    assert code == 2 and f"--out {tmp_path / 'file'} is a file" in err and "File exists" not in err


def test_bench_store_dir_that_is_no_folder_is_said_so(tmp_path, capsys):
    (tmp_path / "file").write_text("")
    code, err = _fails(capsys, "bench", "store", "--n", "10", "--dir", str(tmp_path / "file"))
    assert code == 2 and "--dir" in err and "is a file, not a folder" in err and "edgealign-bench" not in err
    code, err = _fails(capsys, "bench", "store", "--n", "10", "--dir", str(tmp_path / "missing" / "x"))
    assert code == 2 and "does not exist" in err and "edgealign-bench" not in err


def test_eval_limits_and_data_are_checked_before_any_model_loads(tmp_path, capsys, monkeypatch):
    from edgealign.bridge import PreferenceBridge
    from edgealign.llm import LocalLLM

    def never(*args, **kwargs):
        raise AssertionError("a model was loaded before the input was checked")

    monkeypatch.setattr(PreferenceBridge, "load", never)
    monkeypatch.setattr(LocalLLM, "open", never)
    (tmp_path / "d.jsonl").write_text("{}\n")
    for limit in ("-1", "0", "x"):
        code, err = _fails(capsys, "eval-bridge", "--data", str(tmp_path / "d.jsonl"), "--limit", limit)
        assert code == 2 and "--limit" in err, err
        code, err = _fails(capsys, "eval", "--data", str(tmp_path / "d.jsonl"), "--mode", "none", "--limit", limit)
        assert code == 2 and "--limit" in err, err
    for command in (["eval-bridge"], ["eval", "--mode", "none"]):
        code, err = _fails(capsys, *command, "--data", str(tmp_path / "missing.jsonl"))
        assert code == 2 and "missing.jsonl: no such file" in err, err
        code, err = _fails(capsys, *command, "--data", str(tmp_path))
        assert code == 2 and "is a folder, not a file" in err, err


def test_one_mapping_from_errors_to_exit_codes():
    from edgealign.commands import exit_code
    from edgealign.errors import ArtifactError, ConfigError, DataError, ModelError

    for exc in (ConfigError("x"), DataError("x"), FileNotFoundError(2, "x"), NotADirectoryError(20, "x"),
                IsADirectoryError(21, "x"), FileExistsError(17, "x")):
        assert exit_code(exc) == 2, exc
    for exc in (ArtifactError("x"), ModelError("x"), PermissionError(13, "x"), OSError(5, "x")):
        assert exit_code(exc) == 1, exc


def test_an_os_error_is_said_without_its_errno(capsys):
    from edgealign.commands import say_error

    say_error(NotADirectoryError(20, "Not a directory", "some/file"))
    assert capsys.readouterr().err == "edgealign: error: some/file: not a directory\n"


@pytest.mark.parametrize("command", ["train", "export"])
def test_train_and_export_help_list_steering(command, capsys):
    with pytest.raises(SystemExit):
        main([command, "--help"])
    description = capsys.readouterr().out.split("positional arguments")[0]
    assert "steering" in description, description


def test_no_message_says_got_none(tmp_path, monkeypatch, capsys):
    from edgealign.errors import EdgeAlignError
    from edgealign.llm import check_sampling

    for kw in ({"max_tokens": None}, {"temperature": None}, {"top_p": None}):
        with pytest.raises(EdgeAlignError) as info:
            check_sampling(**{"max_tokens": 8, "temperature": 0.7, "top_p": 0.9, **kw})
        assert "got None" not in str(info.value)
    monkeypatch.setenv("EDGEALIGN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", "cli passphrase")
    assert main(["user", "add", "ivy"]) == 0
    code, err = _fails(capsys, "override", "ivy", "16")
    assert code == 2 and "needs a value" in err


@pytest.mark.parametrize("args", [["--strength", "nan"], ["--strength", "3"], ["--answers", "0"],
                                  ["--max-tokens", "-1"], ["--threads", "0"]])
def test_eval_steering_numbers_are_checked_while_parsing(args, capsys, monkeypatch):
    from edgealign.llm import LocalLLM

    monkeypatch.setattr(LocalLLM, "open", lambda *a, **k: (_ for _ in ()).throw(AssertionError("loaded")))
    code, err = _fails(capsys, "eval-steering", *args)
    assert code == 2 and args[0] in err, err


@pytest.mark.parametrize("args", [
    ["eval", "--data", "d.jsonl", "--mode", "none", "--n-ctx", "0"],
    ["eval", "--data", "d.jsonl", "--mode", "none", "--threads", "0"],
    ["eval", "--data", "d.jsonl", "--mode", "none", "--beta", "nan"],
    ["bench", "store", "--n", "0"], ["bench", "bridge", "--users", "0"],
    ["bench", "llm", "--rounds", "0"], ["bench", "llm", "--threads", "0"],
])
def test_eval_and_bench_numbers_are_usage_errors_in_flags(args, capsys):
    code, err = _fails(capsys, *args)
    flag = next(a for a in args if a.startswith("--") and a not in ("--data", "--mode"))
    assert code == 2 and f"argument {flag}" in err and "n_ctx" not in err and "n_threads" not in err, err


def test_eval_context_overflow_names_the_flag_eval_has(tmp_path, capsys, monkeypatch):
    import json

    monkeypatch.setenv("EDGEALIGN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EDGEALIGN_TRUST_MODELS", "1")
    record = {"prompt": "Tell me about " + "the weather " * 30, "chosen": "Sunny. " * 10, "rejected": "Rain. " * 10,
              "profile": "Older, Likes humor"}
    (tmp_path / "long.jsonl").write_text(json.dumps(record) + "\n")
    code, err = _fails(capsys, "eval", "--data", str(tmp_path / "long.jsonl"), "--mode", "instruct", "--n-ctx", "64",
                       "--headline", "--threads", "1")
    assert code == 2 and "--n-ctx (now 64)" in err and "n_ctx" not in err.replace("--n-ctx", ""), err
