"""Trained aligners on the device: LoRA adapter artifacts, checked against the model they run on.

An aligner artifact is a folder holding ``adapter.gguf`` and ``manifest.json`` (kind
``adapter``, written by ``edgealign export lora``). Its manifest names the method (``pba`` or
``ica``: the conditioning that uses it), the training and parity figures, and the SHA-256 of
the one base model file it was exported for. Before llama.cpp reads a byte of it the folder
is checked: the manifest and the file's hash, the base file's SHA-256 (an adapter for
another model is refused), and the adapter's GGUF header against the base file's tensors
(:func:`edgealign._gguf_check.check_adapter`). Then, as a model file is, it is first loaded
on its model in a short-lived child process that decodes a few tokens through it
(:func:`probe_adapter`; the verdict kept in the home by both files' SHA-256, skipped for
trusted files). Every refusal is an ArtifactError.

Where aligners are found, first to last: the folder given (``adapter=`` / ``aligner=``), the
home's ``artifacts/aligner`` (one artifact, or one per method in sub-folders), and the
aligners shipped in this package (``edgealign/aligners/<name>/``) for the model they were
exported for.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Sequence

from ._gguf_check import GGUFInfo, check_adapter
from .artifacts import MANIFEST, Manifest
from .errors import ArtifactError, ConfigError

__all__ = ["Adapter", "METHODS", "FLUENCY_LIMIT", "load_adapters", "check_folder", "not_fluent", "aligner_folders", "packaged_aligners", "model_digest"]

#: The conditionings an adapter can serve: the prompt it was trained on.
METHODS = ("pba", "ica")
#: A conditioning answered through an aligner is the default only if its answers stay fluent
#: on every pole measured: their perplexity under the bare model at most this many times the
#: bare model's own answers' (the fluency goal of ``edgealign eval-generation``). An aligner
#: can win on held-out choices while writing fragments at one pole.
FLUENCY_LIMIT = 1.3
PACKAGED = Path(__file__).parent / "aligners"


@dataclass(frozen=True)
class Adapter:
    """One checked aligner artifact."""

    folder: Path
    file: Path
    """The adapter GGUF."""
    method: str
    """"pba" or "ica": the conditioning that answers through it."""
    manifest: Manifest

    @property
    def held_out(self) -> dict[str, float]:
        """Accuracy on held-out users per conditioning, as recorded at export (may be empty)."""
        figures = self.manifest.metrics.get("held_out")
        return {k: float(v) for k, v in figures.items() if isinstance(v, (int, float))} \
            if isinstance(figures, dict) else {}

    @property
    def generation(self) -> dict[str, dict[str, Any]]:
        """Generation figures per conditioning answered through it, as recorded at export (may
        be empty): ``worst_pole_fluency_ratio``, ``fluency_ratio``, ``repeats``, ..."""
        figures = self.manifest.metrics.get("generation")
        return {k: v for k, v in figures.items() if isinstance(v, dict)} if isinstance(figures, dict) else {}

    def __repr__(self) -> str:
        return f"Adapter({self.method!r}, {str(self.folder)!r})"


def aligner_folders(path: str | os.PathLike[str]) -> list[Path]:
    """The artifact folders at ``path``: itself when it holds a manifest, else its sub-folders
    that do (sorted); empty when there are none."""
    path = Path(path)
    if (path / MANIFEST).is_file():
        return [path]
    if not path.is_dir():
        return []
    return sorted(p for p in path.iterdir() if (p / MANIFEST).is_file())


def packaged_aligners() -> list[Path]:
    """The aligner artifacts shipped inside this package (none in a build without them)."""
    return aligner_folders(PACKAGED)


def model_digest(path: Path, home: Any = None) -> str:
    """The model file's SHA-256, remembered in the home by the file's size and time (one read)."""
    from ._probe import _digest
    from .home import Home

    home = home if isinstance(home, Home) else Home(home)
    try:
        return _digest(home, path) or ""
    except OSError as exc:
        raise ArtifactError(f"{path}: cannot read the model file ({exc})") from None


def bound_to(folder: Path, model: GGUFInfo, home: Any = None, digest: str | None = None) -> Manifest:
    """The folder's manifest when it is an aligner for ``model``; ArtifactError otherwise."""
    if folder.is_file():
        raise ConfigError(f"{folder} is a file; pass the aligner's folder (adapter.gguf with its manifest.json)")
    manifest = Manifest.read(folder, kind="adapter")
    want = manifest.details.get("base_model_sha256")
    if not isinstance(want, str) or want != (digest or model_digest(model.path, home)):
        made_for = manifest.details.get("base_model_file", "another file")
        raise ArtifactError(f"{folder} was exported for {made_for} (SHA-256 {str(want)[:12]}...), not for "
                            f"{model.path.name}; export it again with `edgealign export lora CKPT --base "
                            f"{model.path}` or open the model it was made for")
    return manifest


def probe_adapter(file: Path, model: GGUFInfo, home: Any = None, trust: bool | None = None) -> None:
    """Load ``file`` on ``model`` in a child process first (see :mod:`edgealign._probe`): a crash
    there refuses the adapter with an ArtifactError instead of killing this process."""
    from . import _probe
    from .home import Home

    if _probe._trusted(trust):
        return
    home = home if isinstance(home, Home) else Home(home)
    cache = home.model_probes / f"adapter-{model_digest(model.path, home)}-{model_digest(file, home)}-{_probe._runtime()}.json"
    verdict = _probe._read(cache)
    if verdict is None:
        verdict = _probe._run_child(model.path, _probe.PROBE_TIMEOUT_S, adapter=file)
        if verdict.get("cache", True):
            _probe._write(home, cache, verdict)
    if not verdict["ok"]:
        raise ArtifactError(f"{file}: {verdict['cause']}; the adapter is refused (it was loaded in a child process "
                            "first, so this process is unharmed)")


def load_adapter(folder: str | os.PathLike[str], model: GGUFInfo, home: Any = None,
                 trust: bool | None = None) -> Adapter:
    """Check the aligner artifact ``folder`` for ``model``; an :class:`Adapter` or ArtifactError."""
    adapter = check_folder(folder, model, home)
    probe_adapter(adapter.file, model, home, trust)
    return adapter


def check_folder(folder: str | os.PathLike[str], model: GGUFInfo, home: Any = None,
                 digest: str | None = None) -> Adapter:
    """Every check :func:`load_adapter` makes but the child-process probe; ``digest``: the
    model file's SHA-256 when the caller has it (else read, and remembered in the home)."""
    folder = Path(folder).expanduser()
    manifest = bound_to(folder, model, home, digest)
    ggufs = [n for n in manifest.files if n.endswith(".gguf")]
    if len(ggufs) != 1:
        raise ArtifactError(f"{folder}: its manifest lists {len(ggufs)} GGUF files; an aligner holds one")
    method = manifest.details.get("method")
    if method not in METHODS:
        raise ArtifactError(f"{folder}: its manifest names method {method!r}; an aligner is {' or '.join(METHODS)}")
    check_adapter(folder / ggufs[0], model)
    return Adapter(folder, folder / ggufs[0], method, manifest)


def load_adapters(given: Any, model: GGUFInfo, home: Any = None, trust: bool | None = None) -> dict[str, Adapter]:
    """method -> Adapter for ``given``: None (none), a folder (an artifact, or a folder of
    them), or a list of folders. ConfigError when two serve the same method."""
    if given is None or given is False:
        return {}
    folders: Iterable[Any] = [given] if isinstance(given, (str, os.PathLike)) else given
    out: dict[str, Adapter] = {}
    for folder in folders:
        found = aligner_folders(Path(folder).expanduser()) or [Path(folder).expanduser()]
        for f in found:  # a folder without a manifest: Manifest.read says what to build
            adapter = load_adapter(f, model, home, trust)
            if adapter.method in out:
                raise ConfigError(f"two aligners for {adapter.method!r}: {out[adapter.method].folder} and {f}; "
                                  "pass one per method")
            out[adapter.method] = adapter
    return out


def default_aligners(home: Any, model: GGUFInfo, digest: str | None = None) -> list[Path]:
    """The aligners used when none is named: the home's ``artifacts/aligner`` when it has
    any, else the packaged ones exported for ``model`` (the others are skipped quietly: a
    packaged aligner for the bundled model says nothing about another model). ``digest``:
    the model file's SHA-256 when the caller has it."""
    from .home import Home

    where = home if isinstance(home, Home) else Home(home)
    own = aligner_folders(where.aligner)
    if own:
        return own
    found = []
    for folder in packaged_aligners():
        try:
            want = Manifest.read(folder, kind="adapter", verify=False).details.get("base_model_sha256")
        except ArtifactError:
            continue
        digest = digest or model_digest(model.path, where)
        if want == digest:
            found.append(folder)
    return found


def choose(adapters: Sequence[Adapter], steering: bool, fallback: str) -> tuple[str, dict[str, float]]:
    """The conditioning with the best held-out accuracy among those usable here (an
    adapter's method, with ``+steer`` when a steering basis is loaded, and the untuned
    ``instruct``/``instruct+steer``), from the adapters' manifests, leaving out a conditioning
    whose recorded answers are not fluent on every pole (:data:`FLUENCY_LIMIT`); the first
    adapter's own method when none records a usable figure (``fallback`` when it is left out
    or there is no adapter).
    Returns (name, the figures it was chosen from)."""
    usable = {"instruct"} | ({"instruct+steer"} if steering else set())
    figures: dict[str, float] = {}
    for a in adapters:
        usable |= {a.method} | ({f"{a.method}+steer"} if steering else set())
        figures.update(a.held_out)
    usable -= set(not_fluent(adapters))
    candidates = {k: v for k, v in figures.items() if k in usable}
    if not candidates:
        return (adapters[0].method if adapters and adapters[0].method in usable else fallback), figures
    return max(sorted(candidates), key=lambda k: candidates[k]), figures


def not_fluent(adapters: Sequence[Adapter]) -> dict[str, dict[str, Any]]:
    """The conditionings answered through ``adapters`` that are never the default, each with
    its recorded generation figures: answers above :data:`FLUENCY_LIMIT` at some pole."""
    out: dict[str, dict[str, Any]] = {}
    for a in adapters:
        for name, g in a.generation.items():
            worst = g.get("worst_pole_fluency_ratio")
            if isinstance(worst, (int, float)) and worst > FLUENCY_LIMIT:
                out[name] = g
    return out
