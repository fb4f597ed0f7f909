import json
import subprocess
import sys

import pytest

from edgealign.cli import commands, main

COMMANDS = commands()


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "edgealign.cli", *args], capture_output=True, text=True, timeout=300)


def test_help_lists_every_command_without_importing_what_they_run():
    """`edgealign --help` imports the registered commands' modules (their declarations) and
    nothing they run: no torch, no llama.cpp, no other module of training, export or the demo."""
    code = "import sys; from edgealign.cli import main\ntry: main(['--help'])\nexcept SystemExit: pass\n" \
           "print(sorted(m for m in sys.modules if m.startswith(('edgealign.training', 'edgealign.export', " \
           "'edgealign.demo', 'torch', 'transformers', 'llama_cpp'))))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    from importlib import metadata

    declared = {e.value.split(":")[0] for e in metadata.entry_points(group="edgealign.commands")}
    packages = {m.rsplit(".", 1)[0] for m in declared}
    assert json.loads(out.stdout.strip().splitlines()[-1].replace("'", '"')) == sorted(declared | packages)
    for name in COMMANDS:
        assert name in out.stdout


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_help(name, capsys):
    with pytest.raises(SystemExit) as info:
        main([name, "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "usage: edgealign" in out
    own = {"bench": "store", "space": "--parse", "synth": "--users"}.get(name, "--")
    assert own in out.split("options:")[-1] or own in out, f"{name} --help lists its own options"


def test_space_json(capsys):
    assert main(["space", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert len(data["dimensions"]) == 90 and data["version"]
    assert main(["space", "--parse", "Older, Likes humor", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["labels"] == ["Older", "Likes humor"]


def test_bad_input_is_one_line_and_exit_2():
    out = cli("space", "--parse", "Older, Likes jazz")
    assert out.returncode == 2
    assert out.stderr.startswith("edgealign: error: no known preference label") and "Traceback" not in out.stderr
    assert len(out.stderr.strip().splitlines()) == 1


def test_debug_shows_the_traceback():
    out = cli("--debug", "space", "--parse", "Likes jazz")
    assert out.returncode == 1 and "Traceback" in out.stderr


def test_usage_error_is_exit_2():
    assert cli("synth").returncode == 2
    assert cli().returncode == 2


def test_synth_writes_valid_alignx_records(tmp_path):
    from edgealign import read_records

    out = cli("synth", "--users", "3", "--records-per-user", "2", "--seed", "7", "--out", str(tmp_path / "s.jsonl"), "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["records"] == 6
    records = list(read_records(tmp_path / "s.jsonl"))
    assert len(records) == 6 and all(r.direction and len(r.persona) for r in records)


def test_demo_runs_on_a_built_bridge(tmp_path, tiny_bridge_artifact, capsys):
    import shutil

    from edgealign.llm import default_model_path
    from _steering_helpers import write_basis

    shutil.copytree(tiny_bridge_artifact, tmp_path / "artifacts" / "bridge")
    basis = write_basis(tmp_path / "basis", default_model_path())
    assert main(["demo", "--home", str(tmp_path), "--steering", str(basis), "--max-tokens", "4", "--threads", "1",
                 "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data["profiles"]) == {"ada", "ben"}
    # each user answered plainly, with labels, and with the default (instruct+steer: a basis is given)
    assert len(data["answers"]) == 6 and all(isinstance(a, str) for a in data["answers"].values())
    assert any("instruct+steer, the default" in title for title in data["answers"])
    assert data["where"]["bridge"] == str(tmp_path / "artifacts" / "bridge")
    assert open(data["where"]["store"], "rb").read(16) != b"SQLite format 3\x00"


def test_a_bridge_artifact_without_a_head_graph_is_rebuilt(tmp_path, tiny_bridge_artifact):
    import shutil

    from edgealign.demo.builds import _usable

    folder = tmp_path / "bridge"
    shutil.copytree(tiny_bridge_artifact, folder)
    assert _usable(folder)
    manifest = json.loads((folder / "manifest.json").read_text())
    del manifest["details"]["head"]  # as exported before the bridge read whole histories
    (folder / "manifest.json").write_text(json.dumps(manifest))
    assert not _usable(folder)


def test_ensure_bridge_builds_once_then_reuses(tmp_path):
    from edgealign.demo.builds import ensure_bridge
    from edgealign.training.bridge import BridgeConfig

    said = []
    first = ensure_bridge(tmp_path, said.append, users=20, config=BridgeConfig.tiny(), progress=False, min_agreement=0.5)
    stamp = (first / "manifest.json").stat().st_mtime_ns
    again = ensure_bridge(tmp_path, said.append, users=20, config=BridgeConfig.tiny(), progress=False)
    assert again == first and (first / "manifest.json").stat().st_mtime_ns == stamp
    assert any("training one" in s for s in said) and said[-1].startswith("Using the preference bridge")
    # a bridge from before the response-choice training (no choice gain) is built again
    manifest = json.loads((first / "manifest.json").read_text())
    del manifest["metrics"]["training"]["choice_gain"]
    (first / "manifest.json").write_text(json.dumps(manifest))
    before = len(said)
    ensure_bridge(tmp_path, said.append, users=20, config=BridgeConfig.tiny(), progress=False, min_agreement=0.5)
    assert any("response-choice training" in s for s in said[before:])
    assert "choice_gain" in json.loads((first / "manifest.json").read_text())["metrics"]["training"]
