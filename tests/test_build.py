"""`edgealign build`: what a pip user runs where a clone runs `make demo`. Every hint about a
missing bridge or steering basis names it, and it is a command the parser has."""

import ast
import json
import re
import shutil
import stat
from pathlib import Path

import pytest

from _cli_helpers import use_home
from edgealign.cli import commands, main
from edgealign.cli._reference import parsers
from edgealign.errors import ArtifactError
from edgealign.home import BUILD_COMMAND, build_hint

ROOT = Path(__file__).resolve().parents[1]
PASSPHRASE = "build test passphrase"


@pytest.fixture()
def empty_home(tmp_path, monkeypatch):
    """A home with a store key and nothing built."""
    root = tmp_path / "home"
    return use_home(monkeypatch, root, PASSPHRASE)


def _parsed(hint: str):
    """The build command a hint names, parsed by the CLI's own parser."""
    named = re.findall(r"`(edgealign [^`]*)`", hint)
    assert named, hint
    words = named[0].split()
    assert words[:2] == BUILD_COMMAND.split() and words[1] in commands()
    return parsers()[words[1]].parse_args(words[2:])


def test_the_hint_names_a_command_the_parser_has(empty_home, tmp_path):
    assert _parsed(build_hint()).home is None
    assert _parsed(build_hint(empty_home / "artifacts" / "bridge")).home is None  # the default home
    other = tmp_path / "other"
    assert _parsed(build_hint(other / "artifacts" / "steering")).home == str(other)


def test_no_message_sends_a_user_to_the_makefile():
    """Strings the code can print (not docstrings) never say `make demo`: a pip user has no Makefile."""
    found = []
    for folder in ("sdk", "training", "export", "demo"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text())
            docs = {id(n.body[0].value) for n in ast.walk(tree)
                    if isinstance(n, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef))
                    and n.body and isinstance(n.body[0], ast.Expr) and isinstance(n.body[0].value, ast.Constant)}
            found += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(tree)
                      if isinstance(n, ast.Constant) and isinstance(n.value, str) and "make demo" in n.value
                      and id(n) not in docs]
    assert not found


def test_init_doctor_and_open_name_the_build_command(empty_home, capsys):
    from edgealign import Personalizer

    assert main(["init"]) == 0
    bridge_line = next(line for line in capsys.readouterr().out.splitlines() if line.startswith("bridge:"))
    assert "missing" in bridge_line and f"`{BUILD_COMMAND}`" in bridge_line
    assert main(["doctor", "--json"]) == 0
    todo = json.loads(capsys.readouterr().out)["todo"]
    assert any(f"`{BUILD_COMMAND}`" in t for t in todo) and not any("make demo" in t for t in todo)
    with Personalizer.open(n_threads=1) as p:
        with pytest.raises(ArtifactError, match=f"`{BUILD_COMMAND}`") as info:
            p.bridge
    assert "make demo" not in str(info.value)
    _parsed(str(info.value))


def test_chat_without_a_bridge_names_the_build_command(empty_home, capsys):
    assert main(["user", "add", "ada"]) == 0
    capsys.readouterr()
    assert main(["chat", "ada", "--prompt", "Hello?", "--max-tokens", "2", "--threads", "1"]) == 1
    err = capsys.readouterr().err
    assert f"`{BUILD_COMMAND}`" in err and "make demo" not in err, err


def test_steer_without_a_basis_names_the_build_command(no_packaged_steering, empty_home, tiny_bridge_artifact, capsys):
    shutil.copytree(tiny_bridge_artifact, empty_home / "artifacts" / "bridge")
    assert main(["user", "add", "ada"]) == 0
    assert main(["steer", "ada"]) == 0
    out = capsys.readouterr().out
    assert "no steering basis" in out and f"`{BUILD_COMMAND}`" in out, out


def test_build_makes_both_artifacts_through_the_demos_code(no_packaged_steering, tmp_path, monkeypatch, capsys):
    """`edgealign build` runs builds.build_home, the demo's first step (the training itself is
    tested in test_cli.py and test_steering_build.py): the home is made 0700 first, then the
    bridge and the bundled model's basis, each into the home's place for it."""
    import edgealign.demo.builds as builds
    import edgealign.export.steering as export_steering
    from edgealign.home import Home
    from edgealign.llm import default_model_path

    calls = []

    def bridge(home, say, *, progress):
        calls.append(("bridge", Path(home), progress, stat.S_IMODE(Path(home).stat().st_mode)))
        return Home(home).bridge

    def steering(model, folder, config, *, progress):
        calls.append(("steering", Path(folder), progress))
        assert Path(model) == default_model_path()

    monkeypatch.setattr(builds, "ensure_bridge", bridge)
    monkeypatch.setattr(export_steering, "ensure_steering", steering)
    home = tmp_path / "fresh"
    assert main(["build", "--home", str(home), "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out == {"home": str(home), "bridge": str(home / "artifacts" / "bridge"),
                   "steering": str(home / "artifacts" / "steering")}
    assert calls[0] == ("bridge", home, False, 0o700)
    assert calls[1] == ("steering", home / "artifacts" / "steering", False)
    # without --json: progress bars on, the two paths printed
    assert main(["build", "--home", str(home)]) == 0
    assert calls[2][2] is True and "steering:" in capsys.readouterr().out


def test_steering_without_a_basis_names_the_build_command(no_packaged_steering, empty_home, tiny_bridge_artifact,
                                                          capsys):
    from edgealign.llm import missing_basis

    assert f"`{BUILD_COMMAND}`" in str(missing_basis("steer", "model.gguf"))
    shutil.copytree(tiny_bridge_artifact, empty_home / "artifacts" / "bridge")
    assert main(["user", "add", "ada"]) == 0
    capsys.readouterr()
    assert main(["chat", "ada", "--prompt", "Hello?", "--conditioning", "steer", "--max-tokens", "2"]) == 2
    err = capsys.readouterr().err
    assert f"`{BUILD_COMMAND}`" in err and "--steering DIR" in err, err
