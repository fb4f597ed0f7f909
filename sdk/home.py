"""Where edgealign keeps its files on this device."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["home_dir", "HOME_ENV"]

HOME_ENV = "EDGEALIGN_HOME"


def home_dir() -> Path:
    """``$EDGEALIGN_HOME`` if set, else the platform's user data directory for edgealign
    (``~/.local/share/edgealign`` on Linux). Not created here: whoever writes creates it."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("edgealign", appauthor=False))
