"""The preference bridge shipped in the package: what it holds, and that a home without a
bridge of its own finds it (Personalizer.open, the CLI, the demo's build step)."""

import json
import os
import tomllib
from pathlib import Path

import pytest

from edgealign._head_split import SplitHead
from edgealign.artifacts import Manifest
from edgealign.bridge import PreferenceBridge
from edgealign.home import PACKAGED_BRIDGE, Home

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture()
def packaged(tiny_bridge_artifact, tmp_path, monkeypatch):
    """The tiny test bridge packaged the way the shipped one is, standing in for it."""
    pytest.importorskip("torch")
    from edgealign.export.onnx import PACKAGE_FILES, package_bridge

    folder = tmp_path / "package" / "bridges" / "default"
    manifest = package_bridge(tiny_bridge_artifact, folder, figures={"synthetic, 8 items": 0.5},
                              commands=["edgealign train bridge ...", "edgealign export bridge ..."])
    assert sorted(manifest.files) == sorted(PACKAGE_FILES) and sorted(p.name for p in folder.iterdir()) == sorted(
        [*PACKAGE_FILES, "manifest.json"])
    monkeypatch.setattr("edgealign.home.PACKAGED_BRIDGE", folder)
    monkeypatch.setenv("EDGEALIGN_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", "correct horse battery staple")
    monkeypatch.delenv("EDGEALIGN_PASSPHRASE_FILE", raising=False)
    return folder


def test_a_home_without_a_bridge_uses_the_packaged_one(packaged, tmp_path):
    from edgealign import Comment, Personalizer
    from edgealign.bridge import default_bridge_path
    from edgealign.cli._artifacts import home_bridge

    assert Home().default_bridge == packaged == default_bridge_path() == home_bridge(None, "--artifact")
    with Personalizer.open(n_threads=1) as p:
        assert p.bridge.folder == packaged and p.bridge.reads_history
        p.add_user("ada")
        p.record("ada", [Comment("Answers?", "Keep it short, please.")])
        assert p.profile("ada").distribution.shape == (90, 3)


def test_the_homes_own_bridge_wins(packaged, tiny_bridge_artifact):
    import shutil

    shutil.copytree(tiny_bridge_artifact, Home().bridge)
    assert Home().default_bridge == Home().bridge


def test_the_demo_uses_the_packaged_bridge_without_training(packaged, tmp_path):
    from edgealign.demo.builds import ensure_bridge

    said = []
    assert ensure_bridge(tmp_path / "home", said.append) == packaged
    assert said == [f"Using the preference bridge shipped in the package ({packaged})"]
    assert not (Home(tmp_path / "home").checkpoints / "bridge").exists()


def test_packaging_refuses_an_artifact_without_an_int8_graph(tiny_bridge_checkpoint, tmp_path):
    from edgealign.errors import ArtifactError
    from edgealign.export.onnx import export_bridge, package_bridge

    export_bridge(tiny_bridge_checkpoint, tmp_path / "fp32")
    with pytest.raises(ArtifactError, match="--int8"):
        package_bridge(tmp_path / "fp32", tmp_path / "out")


def test_pyproject_ships_the_packaged_bridge():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["edgealign"]
    assert "bridges/*/*" in data
    assert PACKAGED_BRIDGE == ROOT / "sdk" / "bridges" / "default"


@pytest.mark.skipif(not (PACKAGED_BRIDGE / "manifest.json").is_file(), reason="this build ships no bridge")
def test_the_shipped_bridge_is_small_verified_and_says_how_it_was_made():
    manifest = Manifest.read(PACKAGED_BRIDGE, "bridge", verify=True)
    size = sum(os.path.getsize(PACKAGED_BRIDGE / f) for f in manifest.files) / 1e6
    assert size <= 30
    assert manifest.details["graphs"] == {"int8": "bridge.int8.onnx"}
    assert manifest.metrics["figures"] and any("edgealign train bridge" in c for c in manifest.metrics["commands"])
    from edgealign import Comment

    with PreferenceBridge.load(PACKAGED_BRIDGE, threads=1) as bridge:
        assert bridge.reads_history and isinstance(bridge._head, SplitHead)  # each sentence scored once
        profile = bridge.infer([Comment("How should I answer?", "Keep it short, please. No essays.")])
    assert profile.distribution.shape == (90, 3)
    json.dumps(manifest.metrics)  # plain JSON figures


def test_export_package_needs_int8_and_a_valid_figures_file(tiny_bridge_checkpoint, tmp_path, capsys):
    from edgealign.cli import main

    base = ["export", "bridge", str(tiny_bridge_checkpoint), "--out", str(tmp_path / "art"), "--package",
            str(tmp_path / "pkg")]
    assert main(base) == 2 and "--int8" in capsys.readouterr().err  # a usage error
    (tmp_path / "figures.json").write_text('["not an object"]')
    assert main([*base, "--int8", "--figures", str(tmp_path / "figures.json")]) == 2
    assert "--figures" in capsys.readouterr().err and not (tmp_path / "art" / "manifest.json").exists()
