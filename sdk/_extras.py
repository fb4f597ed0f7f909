"""Which install line brings a Python module: edgealign's extras, read from its own metadata
(pyproject.toml's ``[project.optional-dependencies]`` is the one place they are listed)."""

from __future__ import annotations

import re

__all__ = ["extra_for"]

#: Import names whose distribution is called otherwise.
_DISTRIBUTIONS = {"llama_cpp": "llama-cpp-python", "yaml": "pyyaml", "google": "protobuf", "PIL": "pillow"}
#: The extra that only gathers the others.
_UMBRELLA = "all"


def extra_for(module: str, prefer: str | None = None) -> tuple[str, str | None, str]:
    """(distribution, extra or None, the pip line) for the top-level import name ``module``:
    the extra that lists it (``prefer`` when several do), else a plain ``pip install``."""
    dist = _DISTRIBUTIONS.get(module, module).replace("_", "-").lower()
    extras = _extras().get(dist, [])
    if not extras:
        return dist, None, f"pip install {dist}"
    extra = prefer if prefer in extras else extras[0]
    return dist, extra, f"pip install 'edgealign[{extra}]'"


def _extras() -> dict[str, list[str]]:
    """Distribution -> the extras (not "all") that list it, in pyproject order."""
    from importlib import metadata

    try:
        requires = metadata.requires("edgealign") or []
    except metadata.PackageNotFoundError:  # run from a source tree: no metadata to read
        return {}
    found: dict[str, list[str]] = {}
    for line in requires:
        match = re.match(r"\s*([A-Za-z0-9_.-]+).*extra\s*==\s*[\"']([\w-]+)[\"']", line)
        if match and match[2] != _UMBRELLA:
            found.setdefault(re.sub(r"[_.]", "-", match[1]).lower(), []).append(match[2])
    return found
