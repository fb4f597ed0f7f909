"""The bundled model's steering basis shipped in the package: what it holds, that a home
without a basis of its own finds it (Personalizer.open, doctor, the demo's build step), and
that any other model is left unsteered without a warning."""

import logging
import os
import tomllib
from pathlib import Path

import pytest

from _steering_helpers import write_basis
from edgealign._model_choice import basis_for
from edgealign.artifacts import Manifest
from edgealign.home import PACKAGED_STEERING, Home
from edgealign.steering import SteeringBasis

ROOT = Path(__file__).resolve().parents[1]
shipped = pytest.mark.skipif(not (PACKAGED_STEERING / "manifest.json").is_file(), reason="this build ships no basis")


def test_pyproject_ships_the_packaged_basis():
    data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["edgealign"]
    assert "steering_bases/*/*" in data
    assert PACKAGED_STEERING == ROOT / "sdk" / "steering_bases" / "default"


@shipped
def test_the_shipped_basis_is_small_verified_and_says_how_it_was_made(bundled_model):
    manifest = Manifest.read(PACKAGED_STEERING, "steering", verify=True)
    assert sum(os.path.getsize(PACKAGED_STEERING / f) for f in manifest.files) / 1e6 < 2
    assert manifest.details["base_model_file"] == bundled_model.name
    assert any(c.startswith("edgealign train steering") for c in manifest.metrics["commands"])
    assert manifest.metrics["figures"]  # what a replacement must beat
    basis = SteeringBasis.load(PACKAGED_STEERING, model=bundled_model)  # bound to this very file
    assert {16, 73} <= basis.steerable  # concise/detailed and humour, the demo's poles


@shipped
def test_it_is_the_preset_the_demo_would_build(bundled_model):
    pytest.importorskip("torch")
    from edgealign.export.steering import steering_fits
    from edgealign.training.steering import SteeringConfig

    assert steering_fits(PACKAGED_STEERING, bundled_model, SteeringConfig.demo())
    assert not steering_fits(PACKAGED_STEERING, bundled_model, SteeringConfig.default())


def test_the_homes_basis_wins_else_the_packages(tmp_path, monkeypatch):
    package = tmp_path / "package"
    monkeypatch.setattr("edgealign.home.PACKAGED_STEERING", package)
    home = Home(tmp_path / "home")
    assert home.default_steering is None                  # neither
    (tmp_path / "model.gguf").write_bytes(b"not read: the basis is only bound to its digest")
    write_basis(package, tmp_path / "model.gguf")
    assert home.default_steering == package               # the package's
    home.steering.mkdir(parents=True)
    assert home.default_steering == home.steering         # the home's folder, even empty: it is reported there


def test_a_default_basis_for_another_model_is_skipped_the_packages_quietly(tmp_path, monkeypatch, caplog):
    from edgealign.testing._tiny_gguf import tiny_gguf

    built_for, other = tiny_gguf(tmp_path / "a.gguf"), tmp_path / "b.gguf"
    other.write_bytes(built_for.read_bytes() + b"\0" * 32)  # another file: another SHA-256
    package, mine = write_basis(tmp_path / "package", built_for, n_embd=32, n_layer=2, layers=(1, 1)), tmp_path / "mine"
    write_basis(mine, built_for, n_embd=32, n_layer=2, layers=(1, 1))
    monkeypatch.setattr("edgealign.home.PACKAGED_STEERING", package.resolve())
    assert basis_for(package, True, built_for) is not None
    with caplog.at_level(logging.INFO, logger="edgealign.personalizer"):
        assert basis_for(package, True, other) is None
        assert basis_for(mine, True, other) is None
    levels = [(r.levelno, "mine" in r.getMessage()) for r in caplog.records]
    assert levels == [(logging.INFO, False), (logging.WARNING, True)]
    with pytest.raises(Exception, match="was built for"):
        basis_for(package, False, other)                   # named explicitly: refused


@shipped
def test_a_fresh_home_steers_the_bundled_model_with_it(bundled_model, tmp_path):
    from _cli_helpers import fresh_default
    from edgealign import Personalizer

    with Personalizer.open(tmp_path / "home", os.urandom(32)) as p:
        basis = p.steering_basis()
        assert basis is not None and basis.folder == PACKAGED_STEERING
        assert p.default_conditioning == fresh_default() and fresh_default().endswith("+steer")


@shipped
def test_the_demos_build_step_uses_it_in_a_fresh_home(bundled_model, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    import edgealign.demo.builds as builds
    import edgealign.export.steering as export_steering

    def never(*args, **kwargs):
        raise AssertionError("a fresh home builds no basis when the package ships one")

    monkeypatch.setattr(export_steering, "ensure_steering", never)
    said: list[str] = []
    assert builds.ensure_steering_basis(tmp_path / "home", said.append, progress=False) == PACKAGED_STEERING
    assert "shipped in the package" in said[0]
