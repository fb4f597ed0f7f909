"""Where edgealign keeps its files on this device: one :class:`Home` owns the layout.

::

    <home>/                      0700, refused when group- or world-writable
        persona.db               the encrypted store (docs/store.md)
        persona.db.salt          passphrase salt and KDF cost (no secrets)
        artifacts/bridge/        the preference bridge (ONNX + manifest; `edgealign build`)
        artifacts/steering/      steering vectors (the bundled model's: `edgealign build`)
        artifacts/aligner/       a trained aligner (LoRA adapter + manifest), or one per method
        checkpoints/             training checkpoints (bridge, ...)
        cache/model-probes/      one verdict per model file seen, by SHA-256

``~`` is expanded here, once, and nowhere else: every caller that takes a home or a path in
it goes through :class:`Home`.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from .errors import StoreError

__all__ = ["Home", "home_dir", "build_hint", "HOME_ENV", "STORE_FILE", "BUILD_COMMAND", "PACKAGED_BRIDGE",
           "PACKAGED_STEERING"]

HOME_ENV = "EDGEALIGN_HOME"
#: The command that makes a home's preference bridge and the bundled model's steering basis
#: (what the demo builds first). Every hint about a missing bridge or basis names it.
BUILD_COMMAND = "edgealign build"
STORE_FILE = "persona.db"
#: The preference bridge shipped inside the package (package data, docs/bridge.md): a home
#: without a bridge of its own uses it.
PACKAGED_BRIDGE = Path(__file__).resolve().parent / "bridges" / "default"
#: The bundled SmolLM2's steering basis shipped inside the package (package data,
#: docs/steering.md): a home without a basis of its own steers that model with it.
PACKAGED_STEERING = Path(__file__).resolve().parent / "steering_bases" / "default"
_UNSAFE = stat.S_IWGRP | stat.S_IWOTH


def _default_root() -> Path:
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override)
    import platformdirs

    return Path(platformdirs.user_data_dir("edgealign", appauthor=False))


class Home:
    """The folder holding a device's store, artifacts, checkpoints and caches.

    ``Home()`` is ``$EDGEALIGN_HOME`` if set, else the platform's user data folder
    (``~/.local/share/edgealign`` on Linux); ``Home("~/.myapp")`` is that folder, ``~``
    expanded. Nothing is created until :meth:`create`.
    """

    def __init__(self, root: str | os.PathLike[str] | None = None) -> None:
        raw = _default_root() if root is None else Path(root)
        self.root = Path(os.path.expanduser(os.fspath(raw)))

    def __repr__(self) -> str:
        return f"Home({str(self.root)!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Home) and other.root == self.root

    def __hash__(self) -> int:
        return hash(self.root)

    @classmethod
    def shown(cls) -> "Home":
        """The default home as help text names it: rooted at the literal ``$EDGEALIGN_HOME``,
        so ``Home.shown().bridge`` reads ``$EDGEALIGN_HOME/artifacts/bridge`` and a help
        string never spells a place in the home by hand (nor shows this machine's folder)."""
        return cls(f"${HOME_ENV}")

    # -- the layout --------------------------------------------------------------------------
    @property
    def store(self) -> Path:
        """The encrypted persona store."""
        return self.root / STORE_FILE

    @property
    def salt(self) -> Path:
        """The passphrase salt beside the store."""
        return self.root / (STORE_FILE + ".salt")

    @property
    def artifacts(self) -> Path:
        return self.root / "artifacts"

    @property
    def bridge(self) -> Path:
        """Where ``edgealign build`` (or ``edgealign export bridge``) puts the preference bridge."""
        return self.artifacts / "bridge"

    @property
    def default_bridge(self) -> Path:
        """The bridge opened when none is named: the home's (:attr:`bridge`) when it holds one,
        else the one shipped in the package (:data:`PACKAGED_BRIDGE`) when this build has it,
        else :attr:`bridge` (whose absence the caller reports with :func:`build_hint`)."""
        if not (self.bridge / "manifest.json").is_file() and (PACKAGED_BRIDGE / "manifest.json").is_file():
            return PACKAGED_BRIDGE
        return self.bridge

    @property
    def steering(self) -> Path:
        """Where ``edgealign build`` puts the bundled model's steering vectors (``edgealign export
        steering`` those of another model)."""
        return self.artifacts / "steering"

    @property
    def default_steering(self) -> Path | None:
        """The steering basis used when none is named: the home's (:attr:`steering`) when that
        folder exists, else the one shipped in the package (:data:`PACKAGED_STEERING`, built
        for the bundled SmolLM2) when this build has it, else None. Whether it fits the model
        in use is checked when the model is loaded (a default that does not fit is skipped)."""
        if self.steering.is_dir():
            return self.steering
        return PACKAGED_STEERING if (PACKAGED_STEERING / "manifest.json").is_file() else None

    @property
    def aligner(self) -> Path:
        """Where ``edgealign export lora`` puts the aligner the Personalizer uses by default:
        one artifact folder, or sub-folders (``pba/``, ``ica/``) of one each."""
        return self.artifacts / "aligner"

    @property
    def checkpoints(self) -> Path:
        return self.root / "checkpoints"

    @property
    def cache(self) -> Path:
        """Things that may be deleted at any time and are rebuilt on demand."""
        return self.root / "cache"

    @property
    def model_probes(self) -> Path:
        """One verdict per model file opened in a child process, by the file's SHA-256."""
        return self.cache / "model-probes"

    # -- creating and checking ---------------------------------------------------------------
    def create(self) -> "Home":
        """Create the folder (mode 0700, owner only) if needed, then :meth:`check` it."""
        if not self.root.exists():
            self.root.parent.mkdir(parents=True, exist_ok=True)  # the home's parents are the user's own
            self.root.mkdir(mode=0o700, exist_ok=True)
            os.chmod(self.root, 0o700)  # mkdir's mode is masked by the umask
        self.check()
        return self

    def check(self) -> "Home":
        """StoreError when the home is not a folder or is writable by group or others (anyone
        who can write there can swap the store, its salt or a model under the user)."""
        try:
            mode = self.root.stat().st_mode
        except FileNotFoundError:
            return self
        if not stat.S_ISDIR(mode):
            raise StoreError(f"the edgealign home {self.root} is not a folder")
        if mode & _UNSAFE:
            raise StoreError(
                f"the edgealign home {self.root} is writable by {_who(mode)} (mode {stat.S_IMODE(mode):o}); "
                f"refusing to use it: run `chmod 700 {self.root}`"
            )
        return self

    def subdir(self, path: Path) -> Path:
        """``path`` (inside the home) created with mode 0700 if missing."""
        self.create()
        missing = []
        for folder in (path, *path.parents):
            if folder.exists():
                break
            missing.append(folder)
        for folder in reversed(missing):  # each level 0700 (mkdir's parents= would use 0777)
            folder.mkdir(mode=0o700, exist_ok=True)
            os.chmod(folder, 0o700)
        return path


def _who(mode: int) -> str:
    both = (mode & stat.S_IWGRP) and (mode & stat.S_IWOTH)
    return "its group and everyone" if both else ("its group" if mode & stat.S_IWGRP else "everyone")


def build_hint(artifact: str | os.PathLike[str] | None = None) -> str:
    """What a user runs to build the bridge and steering basis; ``--home`` is named when
    ``artifact`` lies in a home's ``artifacts/`` other than the default one."""
    home = Home()
    if artifact is not None and Path(artifact).parent.name == "artifacts":
        home = Home(Path(artifact).parent.parent)
    flag = "" if home.root.resolve() == Home().root.resolve() else f" --home {home.root}"
    return (f"run `{BUILD_COMMAND}{flag}` (minutes on a CPU; it needs the training extras: "
            "pip install 'edgealign[train,export]')")


def home_dir() -> Path:
    """The default home's folder (``Home().root``); not created here."""
    return Home().root
