"""A steering checkpoint -> llama.cpp control-vector GGUFs and a manifest (``kind="steering"``).

One file per dimension, ``dim_{index:02d}.gguf``, in llama.cpp's control-vector layout:
``general.architecture = "controlvector"``, ``controlvector.model_hint`` = the base model's
architecture, ``controlvector.layer_count`` = the number of direction tensors, and tensors
``direction.{il}`` (float32, n_embd) for every il in 1..n_layer-1, added by llama.cpp to the
output of decoder layer il. Layers outside the chosen range are written as zeros, so every
file holds the same n_layer-1 tensors and composes with any other by plain addition. A
vector points towards the positive pole at weight 1; the device adds ``w * scale`` times it
(``scale`` in the manifest). Every file is read back and compared with the checkpoint
before the manifest is written: a folder without ``manifest.json`` is not an artifact.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import time
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from edgealign.artifacts import MANIFEST, Manifest
from edgealign.errors import ArtifactError, ParityError
from edgealign.steering import SteeringDetails, file_name
from edgealign.training.steering import SteeringCheckpoint, SteeringConfig, build_steering, load_checkpoint

__all__ = ["export_steering", "ensure_steering", "steering_fits", "expected_tensors"]

log = logging.getLogger(__name__)

ARCH = "controlvector"


def expected_tensors(ckpt: SteeringCheckpoint, row: int) -> dict[str, np.ndarray]:
    """direction.il -> the vector written for the checkpoint's ``row`` (zeros outside the layers)."""
    start, end = ckpt.layers
    n_layer, n_embd = ckpt.vectors.shape[1:]
    zero = np.zeros(n_embd, dtype=np.float32)
    return {f"direction.{il}": (ckpt.vectors[row, il] if start <= il <= end else zero).astype(np.float32)
            for il in range(1, n_layer)}


def _write_file(path: Path, tensors: dict[str, np.ndarray], hint: str) -> None:
    import gguf

    writer = gguf.GGUFWriter(str(path), ARCH)
    writer.add_string(f"{ARCH}.model_hint", hint)
    writer.add_uint32(f"{ARCH}.layer_count", len(tensors))
    for name, vec in tensors.items():
        writer.add_tensor(name, vec)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()


def _check_file(path: Path, tensors: dict[str, np.ndarray], hint: str) -> None:
    """Parity: the file reads back with the same keys and bit-identical vectors."""
    import gguf

    try:
        reader = gguf.GGUFReader(path)
        fields = {k: reader.fields[k].contents() for k in
                  ("general.architecture", f"{ARCH}.model_hint", f"{ARCH}.layer_count")}
        read = {t.name: np.asarray(t.data, dtype=np.float32).reshape(-1) for t in reader.tensors}
    except (KeyError, ValueError, OSError) as exc:
        raise ParityError(f"{path} does not read back as a control vector ({exc})") from exc
    if fields != {"general.architecture": ARCH, f"{ARCH}.model_hint": hint, f"{ARCH}.layer_count": len(tensors)}:
        raise ParityError(f"{path}: header {fields} differs from what was written")
    if set(read) != set(tensors) or any(not np.array_equal(read[n], v) for n, v in tensors.items()):
        raise ParityError(f"{path}: tensors differ from the checkpoint after the round trip")


def export_steering(checkpoint: str | os.PathLike[str], out: str | os.PathLike[str], *,
                    figures: dict[str, Any] | None = None, commands: list[str] | None = None) -> Manifest:
    """Write the control-vector files of ``checkpoint`` into ``out``, check each, then the
    manifest; ``figures`` (held-out figures measured with the basis) and ``commands`` (what
    rebuilds it) go in its metrics when given, as for the basis shipped in the package."""
    t0 = time.perf_counter()
    ckpt = load_checkpoint(checkpoint)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # until every file is checked, this is no artifact
    for stale in out.glob("dim_*.gguf"):
        stale.unlink()
    hint = ckpt.base_model["architecture"]
    names = []
    for row, dim in enumerate(ckpt.dims):
        path, tensors = out / file_name(dim), expected_tensors(ckpt, row)
        _write_file(path, tensors, hint)
        _check_file(path, tensors, hint)
        names.append(path.name)
    details = SteeringDetails(
        base_model_sha256=ckpt.base_model["sha256"], base_model_file=ckpt.base_model["file"],
        n_embd=ckpt.base_model["n_embd"], n_layer=ckpt.base_model["n_layer"], layers=ckpt.layers,
        method=ckpt.method, scale=ckpt.scale, dimensions=ckpt.dims,
        normalization=ckpt.info.get("normalization", ""), model_hint=hint)
    metrics = {**{k: ckpt.info.get(k) for k in ("config", "sweep", "metrics", "timings")},
               "config_fingerprint": _fingerprint(ckpt.info.get("config", {})), "export_s": round(time.perf_counter() - t0, 2),
               "parity": "bit-identical read-back", **({"figures": figures} if figures else {}),
               **({"commands": commands} if commands else {})}
    manifest = Manifest.for_files(out, "steering", names, details=details.to_dict(), metrics=metrics)
    manifest.write(out)
    log.info("steering artifact: %d files in %s", len(names), out)
    return manifest


def ensure_steering(model: str | os.PathLike[str], artifact: str | os.PathLike[str],
                    config: SteeringConfig | None = None, *, progress: bool = True) -> Manifest:
    """The steering artifact for the GGUF ``model`` in ``artifact``: reused when its manifest
    binds this model's sha256 (and, for a config given, was built with it), else built and
    exported there (its checkpoint in ``artifact``/../steering-checkpoint)."""
    artifact = Path(artifact)
    cfg = config or SteeringConfig.default()
    if steering_fits(artifact, model, cfg):
        return Manifest.read(artifact, "steering")
    ckpt = artifact.parent / f"{artifact.name}-checkpoint"
    build_steering(model, ckpt, cfg, progress=progress)
    return export_steering(ckpt, artifact)


def steering_fits(artifact: str | os.PathLike[str], model: str | os.PathLike[str],
                  config: SteeringConfig | None = None) -> bool:
    """Whether ``artifact`` is a steering artifact bound to the GGUF ``model`` (its sha256) and
    built with ``config`` (default: the ``default`` preset)."""
    from edgealign.artifacts import remembered_sha256

    try:
        manifest = Manifest.read(artifact, "steering")
    except ArtifactError:
        return False
    same_config = manifest.metrics.get("config_fingerprint") == _fingerprint(asdict(config or SteeringConfig.default()))
    return same_config and manifest.details.get("base_model_sha256") == remembered_sha256(Path(model))


def _fingerprint(config: dict[str, Any]) -> str:
    """A short hash of a SteeringConfig as a dict (tuples and lists hash alike)."""
    return hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()[:16]
