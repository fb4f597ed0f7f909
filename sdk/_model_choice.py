"""What the Personalizer loads beside the store, and what it answers with when not told.

The checks :meth:`Personalizer.open <edgealign.Personalizer.open>` makes on what it was given
by path, where its trained aligners and steering basis come from, and the default
conditioning (docs/llm.md, "The default follows the measurements"). Kept apart from the facade
so that it reads as the users, history and chat it offers.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any, Sequence

from .errors import ArtifactError, ConfigError

if TYPE_CHECKING:
    from ._adapter import Adapter
    from .home import Home
    from .steering import SteeringBasis

__all__ = ["UNTUNED_STEERED", "UNTUNED_PROMPT", "default_conditioning", "aligner_method"]

_log = logging.getLogger("edgealign.personalizer")

#: The default conditionings for an untuned model, with and without a steering basis.
UNTUNED_STEERED, UNTUNED_PROMPT = "instruct+steer", "instruct"


def default_conditioning(method: str | None, steered: bool, adapters: Sequence["Adapter"]) -> str:
    """A merged aligner model's ``method``; else the conditioning the ``adapters``' held-out
    figures rank best among those usable here; else the untuned default."""
    if method:
        return method
    fallback = UNTUNED_STEERED if steered else UNTUNED_PROMPT
    if not adapters:
        return fallback
    from ._adapter import choose

    return choose(adapters, steered, fallback)[0]


def aligner_method(llm_path: Path | None) -> str | None:
    """"pba" or "ica" when the model is an exported aligner whose manifest says so."""
    if llm_path is None or not Path(llm_path).is_dir():
        return None
    from .artifacts import Manifest

    method = Manifest.read(llm_path, kind="llm", verify=False).details.get("method")
    return method if method in ("pba", "ica") else None


def aligner_folders(aligner: Any, home: "Home | None", llm_path: Path | None) -> Any:
    """The aligner folders to load: those given to open(), else the default ones."""
    if aligner is not None:
        return aligner or None
    from ._adapter import default_aligners
    from ._model_file import _resolve
    from ._probe import validate_model

    return default_aligners(home, validate_model(_resolve(llm_path), home=home)) or None


def may_have_aligners(aligner: Any, home: "Home | None") -> bool:
    """Whether any aligner can be found for a model not loaded yet, without loading it."""
    if aligner is False:
        return False
    if aligner is not None:
        return True
    from ._adapter import aligner_folders as found, packaged_aligners
    from .home import Home

    where = home if isinstance(home, Home) else Home(home)
    return bool(found(where.aligner) or packaged_aligners())


def basis_for(steering: Any, defaulted: bool, model: Path) -> "SteeringBasis | None":
    """The steering basis for ``model``: refused loudly when one was named for another model,
    skipped with a warning when only the home's default does not fit it, and quietly (an
    info line) when the package's, built for the bundled SmolLM2, does not."""
    from .home import PACKAGED_STEERING
    from .steering import SteeringBasis

    if steering is None or not isinstance(steering, (str, os.PathLike)):
        return steering
    try:
        return SteeringBasis.load(steering, model=model)
    except ArtifactError as exc:
        if not defaulted:
            raise
        packaged = Path(steering).resolve() == PACKAGED_STEERING
        (_log.info if packaged else _log.warning)("not steering: %s", exc)
        return None


def check_aligner(aligner: Any, llm_path: Path | None, llm: Any, home: Any) -> None:
    """Check aligner folders named by path against the model, before anything is opened."""
    from ._adapter import load_adapters
    from ._model_file import _resolve
    from ._probe import validate_model

    if llm is not None and llm_path is None:
        raise ConfigError("an aligner goes with the model it is loaded on: open the model with "
                          "LocalLLM.open(path, adapter=FOLDER) and pass that, or pass the model's path as llm=")
    load_adapters(aligner, validate_model(_resolve(llm_path), home=home), home)


def check_given(paths: dict[str, Path], home: Any) -> None:
    """Check a bridge, model or steering basis named by path before anything is opened."""
    from .artifacts import Manifest

    if "bridge" in paths:
        Manifest.read(paths["bridge"], kind="bridge")
    if "steering" in paths:
        Manifest.read(paths["steering"], kind="steering")
    if "llm" in paths:  # the header checks and, for a file not seen before, the child-process probe
        from ._model_file import _resolve
        from ._probe import validate_model

        validate_model(_resolve(paths["llm"]), home=home)


def given_paths(home: "Home", bridge: Any, llm: Any, steering: Any, aligner: Any) -> dict[str, Path]:
    """What :meth:`Personalizer.open <edgealign.Personalizer.open>` was given by path
    ("bridge", "llm", "steering"), each checked (and aligners named by path against the model)
    before anything is opened."""
    paths = {name: Path(v).expanduser() for name, v in (("bridge", bridge), ("llm", llm), ("steering", steering))
             if isinstance(v, (str, os.PathLike))}
    check_given(paths, home)
    if aligner not in (None, False):
        check_aligner(aligner, paths.get("llm"), llm, home)
    return paths
