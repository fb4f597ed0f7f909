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
