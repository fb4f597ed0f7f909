"""Where a command finds an artifact it was not given: the home's, else an error that names
the flag and the command that builds one."""

from __future__ import annotations

from pathlib import Path

from ..artifacts import MANIFEST
from ..errors import ArtifactError


def home_bridge(given: str | None, flag: str) -> Path:
    """The bridge folder ``flag`` named, else the home's (``$EDGEALIGN_HOME/artifacts/bridge``),
    else the one shipped in the package; ArtifactError naming ``flag`` and the build command
    when none of them is there."""
    from ..home import Home, build_hint

    if given:
        return Path(given)
    folder = Home().default_bridge
    if not (folder / MANIFEST).is_file():
        raise ArtifactError(f"no preference bridge in the home ({folder}): pass {flag} DIR, or {build_hint(folder)}")
    return folder


def steering_dir(given: str | None, model: str | None) -> Path | None:
    """The steering basis folder ``--steering`` named, else the home's default
    (:attr:`Home.default_steering <edgealign.home.Home.default_steering>`): the home's basis,
    else the one shipped in the package, which is taken only for the bundled model
    (``model`` None), the one it was built for. None when there is none."""
    from ..home import PACKAGED_STEERING, Home

    if given:
        return Path(given)
    folder = Home().default_steering
    return None if folder == PACKAGED_STEERING and model is not None else folder


def steering_help(what: str) -> str:
    """A ``--steering`` flag's help: ``what`` it is for, and the same default in every command."""
    from ..home import Home

    return (f"{what} (default: {Home.shown().steering} when it exists, else the basis shipped in the package "
            "for the bundled SmolLM2)")
