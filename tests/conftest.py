"""Shared fixtures. The whole suite runs with the network off: any socket that reaches past
the loopback interface fails the test that opened it."""

from __future__ import annotations

import ipaddress
import os
import socket
from pathlib import Path

import pytest

from _shared import HIDE_ENV, hidden, shared_dir

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
# The model files the suite opens are its own or bundled: skip the first-open child-process
# probe (edgealign._probe) everywhere except the tests of the probe itself, which unset this.
os.environ.setdefault("EDGEALIGN_TRUST_MODELS", "1")

_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex
_real_getaddrinfo = socket.getaddrinfo


class NetworkBlocked(RuntimeError):
    """A test tried to reach the network."""


def _check(address) -> None:
    if isinstance(address, (str, bytes)):  # AF_UNIX
        return
    host = address[0]
    if isinstance(host, bytes):
        host = host.decode()
    try:
        if ipaddress.ip_address(host).is_loopback:
            return
    except ValueError:
        if host == "localhost":
            return
    raise NetworkBlocked(f"tests may not use the network (tried to reach {address!r})")


def _connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def _getaddrinfo(host, *args, **kwargs):
    if host not in (None, "localhost", b"localhost"):
        _check((host, 0))
    return _real_getaddrinfo(host, *args, **kwargs)


def pytest_configure(config) -> None:
    config.addinivalue_line("markers", f"shared: reads ../shared when it is there; CI runs these again with "
                                       f"{HIDE_ENV}=1, as on a user's clone")
    socket.getaddrinfo = _getaddrinfo
    socket.socket.connect = _connect  # type: ignore[method-assign]
    socket.socket.connect_ex = _connect_ex  # type: ignore[method-assign]


def pytest_collection_modifyitems(config, items) -> None:
    """Every test that takes the ``shared`` fixture is marked ``shared`` (tests that look at
    ../shared through tests/_shared.py without it mark themselves)."""
    for item in items:
        if "shared" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.shared)


@pytest.fixture(scope="session")
def shared() -> Path:
    """../shared beside the checkout; tests that need it skip cleanly on a user's clone (or
    when EDGEALIGN_HIDE_SHARED=1 hides it)."""
    root = shared_dir()
    if root is None:
        why = f"hidden by {HIDE_ENV}" if hidden() else "absent (it exists for developers and CI only)"
        pytest.skip(f"../shared is {why}")
    return root


@pytest.fixture(scope="session")
def tiny_bridge_checkpoint(tmp_path_factory) -> Path:
    """A bridge trained with the tiny preset on 40 synthetic users (seconds)."""
    pytest.importorskip("torch")
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer
    from edgealign.training.synth import SynthConfig, generate_records

    out = tmp_path_factory.mktemp("bridge") / "ckpt"
    BridgeTrainer(BridgeConfig.tiny()).fit(generate_records(SynthConfig(users=40, seed=1)), out, progress=False)
    return out


@pytest.fixture(scope="session")
def tiny_bridge_artifact(tiny_bridge_checkpoint, tmp_path_factory) -> Path:
    """That bridge exported to ONNX fp32 + int8, parity-checked."""
    from edgealign.export.onnx import export_bridge

    out = tmp_path_factory.mktemp("bridge") / "artifact"
    export_bridge(tiny_bridge_checkpoint, out, int8=True, min_agreement=0.9)
    return out


@pytest.fixture
def path(tmp_path: Path) -> Path:
    """Where a store test's database lives (its folder does not exist yet)."""
    return tmp_path / "store" / "persona.db"


@pytest.fixture
def store(path: Path):
    """An open persona store on ``path`` with the store tests' KEY."""
    from _store_helpers import KEY
    from edgealign.store import PersonaStore

    with PersonaStore.open(path, KEY) as s:
        yield s


@pytest.fixture(scope="session")
def bundled_model() -> Path:
    """The bundled SmolLM2-135M GGUF (from its pip package); skips when it is not installed."""
    from edgealign.errors import ArtifactError
    from edgealign.llm import default_model_path

    try:
        return default_model_path()
    except ArtifactError as exc:
        pytest.skip(str(exc))


@pytest.fixture
def no_packaged_steering(monkeypatch, tmp_path) -> None:
    """A build without the steering basis shipped in the package: a home with no basis of its
    own then has none (what every other model than the bundled one sees)."""
    monkeypatch.setattr("edgealign.home.PACKAGED_STEERING", tmp_path / "no-packaged-steering")
