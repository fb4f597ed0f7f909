"""The CLI names only what exists: `chat --model` and `profile --bridge` exist, an artifact
folder without a manifest suggests commands that exist, and every message the code can
print names only existing commands and flags, never a Python parameter."""

import argparse
import ast
import re
from pathlib import Path

import pytest

from edgealign.artifacts import Manifest
from edgealign.cli import COMMANDS, _function, _parser, main
from edgealign.errors import ArtifactError

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("sdk", "training", "export", "demo")
SKIP = ("sdk/testing/",)  # developer tools with their own command lines


def command_tree() -> dict[tuple[str, ...], set[str]]:
    """Every command path (("user", "export"), ...) and its flags."""
    parser, subparsers = _parser()
    for name in COMMANDS:
        _function(name, "_arguments")(subparsers[name])
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
