"""The one way a test finds ../shared (developers' and CI's tiny models and data beside the
checkout). ``EDGEALIGN_HIDE_SHARED=1`` hides it, so a developer or CI sees what a user's clone
sees: `.ci/run` runs the tests marked ``shared`` both ways."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["HIDE_ENV", "hidden", "shared_dir", "shared_file"]

HIDE_ENV = "EDGEALIGN_HIDE_SHARED"
_SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def hidden() -> bool:
    """Whether ``EDGEALIGN_HIDE_SHARED`` is set (to anything but empty or 0)."""
    return os.environ.get(HIDE_ENV, "").strip() not in ("", "0")


def shared_dir() -> Path | None:
    """../shared, or None when it is absent or hidden by ``EDGEALIGN_HIDE_SHARED``."""
    return None if hidden() or not _SHARED.is_dir() else _SHARED


def shared_file(relative: str) -> Path | None:
    """A file inside ../shared, or None when ../shared (or that file) is absent or hidden."""
    root = shared_dir()
    path = None if root is None else root / relative
    return path if path is not None and path.is_file() else None
