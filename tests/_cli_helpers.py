"""What the CLI tests share: a small history file's items, and a home whose store key comes from
the environment, as a user's shell would set it."""

from __future__ import annotations

from pathlib import Path

import pytest

__all__ = ["HISTORY", "use_home"]

HISTORY = [
    {"type": "description", "text": "I keep things short and I love a good pun."},
    {"type": "comment", "prompt": "Weekend plans?", "comment": "Run. Lab. Done."},
    {"type": "choice", "prompt": "Plans?", "chosen": "A hike.", "rejected": "A long museum tour with many stops."},
]


def use_home(monkeypatch: pytest.MonkeyPatch, root: Path, passphrase: str) -> Path:
    """Point $EDGEALIGN_HOME at ``root`` with ``passphrase`` as the store key (no key file).
    The home sees a build of the package without the bridge it ships (a home without a bridge
    then has none, which is what these tests need to say so); test_bridge_packaged.py covers it."""
    monkeypatch.setattr("edgealign.home.PACKAGED_BRIDGE", root / "no-packaged-bridge")
    monkeypatch.setenv("EDGEALIGN_HOME", str(root))
    monkeypatch.setenv("EDGEALIGN_PASSPHRASE", passphrase)
    monkeypatch.delenv("EDGEALIGN_PASSPHRASE_FILE", raising=False)
    return root


def shipped_default(steered: bool = False) -> str:
    """The bundled model's default conditioning in a home without a steering basis (``steered``:
    with one), as ``edgealign._adapter.choose`` ranks the aligners shipped in the package (their
    manifests' held-out and generation figures) against ``instruct`` (``instruct+steer``)."""
    from types import SimpleNamespace

    from edgealign._adapter import choose, packaged_aligners
    from edgealign.artifacts import Manifest

    shipped = [Manifest.read(folder, kind="adapter") for folder in packaged_aligners()]
    adapters = [SimpleNamespace(method=m.details["method"], held_out=m.metrics.get("held_out") or {},
                                generation=m.metrics.get("generation") or {}) for m in shipped]
    return choose(adapters, steered, "instruct+steer" if steered else "instruct")[0]


def fresh_default() -> str:
    """The bundled model's default conditioning in a home with nothing of its own: steered
    when this build ships the bundled model's steering basis (edgealign.home.PACKAGED_STEERING)."""
    from edgealign.home import PACKAGED_STEERING

    return shipped_default(steered=(PACKAGED_STEERING / "manifest.json").is_file())
