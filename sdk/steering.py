"""Steering: a user's profile as one control vector on the local model's residual stream.

A *steering basis* is an artifact built server-side for one base model (``edgealign train
steering`` then ``edgealign export steering``; docs/steering.md): per preference dimension a
direction per layer, pointing towards the dimension's positive pole, in llama.cpp's
control-vector layout (``dim_NN.gguf``, tensors ``direction.<layer>``). On the device a
profile becomes one vector::

    v = scale * sum_d  a_d * u_d          a_d = (2 * value_d - 1) * confidence_d * strength

over the profile's non-neutral dimensions, then, per layer, capped at ``cap`` times the norm
of the strongest single dimension's contribution, so that composing many dimensions does not
blow up the residual stream (docs/steering.md measures the choice). The vector costs no
prompt tokens; :class:`~edgealign.llm.LocalLLM` sets it before decoding and clears it after.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._cvec import read_directions
from .artifacts import Manifest, remembered_sha256
from .errors import ArtifactError, ConfigError
from .preferences import SPACE, PreferenceProfile

__all__ = ["SteeringBasis", "SteeringDetails", "check_strength", "MAX_STRENGTH", "file_name"]

MAX_STRENGTH = 2.0
#: Per layer, the composed vector's norm is at most this many times the strongest single
#: dimension's contribution (docs/steering.md, "Composition").
COMPOSE_CAP = 2.0


def file_name(dimension: int) -> str:
    """The control-vector file of one dimension inside a basis folder."""
    return f"dim_{dimension:02d}.gguf"


def check_strength(strength: float) -> float:
    """A per-user steering strength: a number from 0 (off) to 2 (double); 1 is the default."""
    try:
        value = float(strength)
    except (TypeError, ValueError):
        raise ConfigError(f"steering strength must be a number from 0 to {MAX_STRENGTH:g}, got {strength!r}") from None
    if not 0.0 <= value <= MAX_STRENGTH:  # also refuses NaN
        raise ConfigError(f"steering strength must be from 0 to {MAX_STRENGTH:g}, got {strength!r}")
    return value


@dataclass(frozen=True)
class SteeringDetails:
    """What a steering manifest's ``details`` bind: the model it was built for and how to apply it."""

    base_model_sha256: str
    base_model_file: str
    n_embd: int
    n_layer: int
    layers: tuple[int, int]
    """First and last layer (inclusive, llama.cpp numbering) the vectors act on."""
    method: str
    """"caa" (contrastive activation addition) or "trained" (DPO-trained vectors)."""
    scale: float
    """Multiplier per unit of weight, chosen on a held-out sweep."""
    dimensions: tuple[int, ...]
    normalization: str = ""
    """How the directions were scaled per layer (for people; the device applies ``scale``)."""
    model_hint: str = ""
    """The base model's architecture, as llama.cpp's control-vector files name it."""

    def to_dict(self) -> dict[str, Any]:
        """The manifest's ``details``: JSON types only."""
        return {**asdict(self), "layers": list(self.layers), "dimensions": list(self.dimensions)}

    @classmethod
    def from_manifest(cls, folder: Path, details: dict[str, Any]) -> "SteeringDetails":
        try:
            out = cls(str(details["base_model_sha256"]), str(details.get("base_model_file", "")),
                      int(details["n_embd"]), int(details["n_layer"]),
                      (int(details["layers"][0]), int(details["layers"][1])), str(details.get("method", "caa")),
                      float(details["scale"]), tuple(int(d) for d in details["dimensions"]),
                      str(details.get("normalization", "")), str(details.get("model_hint", "")))
        except (KeyError, TypeError, ValueError, IndexError) as exc:
            raise ArtifactError(f"{folder}: the steering manifest's details are incomplete ({exc!r}); "
                                "re-export it with `edgealign export steering`") from None
        if out.n_embd < 1 or out.n_layer < 2 or not 1 <= out.layers[0] <= out.layers[1] < out.n_layer:
            raise ArtifactError(f"{folder}: n_embd {out.n_embd}, n_layer {out.n_layer}, layers {out.layers} "
                                "do not fit together; re-export the basis")
        if not np.isfinite(out.scale) or out.scale <= 0 or any(not 0 <= d < len(SPACE) for d in out.dimensions):
            raise ArtifactError(f"{folder}: scale {out.scale} or a dimension index is out of range")
        return out


class SteeringBasis:
    """Per-dimension control vectors for one base model. Load with :meth:`load`."""

    def __init__(self, folder: Path, details: SteeringDetails, directions: np.ndarray) -> None:
        self.folder = folder
        self.details = details
        self._directions = directions  # (90, n_layer - 1, n_embd): row il - 1 is direction.il
        self._norms = np.linalg.norm(directions, axis=2)  # (90, n_layer - 1)
        self.steerable = frozenset(int(d) for d in np.flatnonzero(self._norms.sum(axis=1) > 0))
        """The dimensions that have a non-zero direction."""

    @classmethod
    def load(cls, folder: str | os.PathLike[str], *, model: str | os.PathLike[str] | None = None) -> "SteeringBasis":
        """Read and check a basis folder; with ``model``, refuse it unless it was built for that
        GGUF file (its SHA-256, n_embd and n_layer). ArtifactError naming the file or value."""
        folder = Path(folder).expanduser()
        manifest = Manifest.read(folder, kind="steering")
        details = SteeringDetails.from_manifest(folder, manifest.details)
        if model is not None:
            _check_model(folder, details, Path(model))
        directions = np.zeros((len(SPACE), details.n_layer - 1, details.n_embd), dtype=np.float32)
        for dim in details.dimensions:
            name = file_name(dim)
            if name not in manifest.files:
                raise ArtifactError(f"{folder}: {name} is not listed in the manifest; re-export the basis")
            _, layers = read_directions(folder / name, details.n_embd)
            for il, vec in layers.items():
                if il >= details.n_layer:
                    raise ArtifactError(f"{folder / name}: direction.{il} is past the model's {details.n_layer} layers")
                directions[dim, il - 1] = vec
        return cls(folder, details, directions)

    def weights(self, profile: PreferenceProfile, strength: float = 1.0) -> dict[int, float]:
        """Dimension -> signed weight a_d (> 0 towards the positive pole) for each dimension that
        steers; empty when the profile has no steerable dimension or the strength is 0."""
        strength = check_strength(strength)
        out = {}
        for dim, value in profile.non_neutral():
            if dim.index in self.steerable:
                w = (2.0 * value - 1.0) * float(profile.confidence[dim.index]) * strength
                if w:
                    out[dim.index] = w
        return out

    def vector(self, profile: PreferenceProfile, strength: float = 1.0) -> np.ndarray | None:
        """The control vector for ``profile`` (float32, n_embd x (n_layer - 1), layer 1 first,
        as llama.cpp takes it), or None when nothing steers."""
        return self.compose(self.weights(profile, strength))

    def compose(self, weights: dict[int, float], cap: float | None = COMPOSE_CAP) -> np.ndarray | None:
        """Sum ``weights``' directions at the basis's scale; per layer, the norm is capped at
        ``cap`` times the largest single contribution (None: plain sum)."""
        if not weights:
            return None
        dims = np.fromiter(weights, dtype=int)
        w = np.fromiter(weights.values(), dtype=np.float32)
        total = np.tensordot(w, self._directions[dims], axes=1)  # (n_layer - 1, n_embd)
        if cap is not None and len(dims) > 1:
            single = (np.abs(w)[:, None] * self._norms[dims]).max(axis=0)  # (n_layer - 1,)
            norm = np.linalg.norm(total, axis=1)
            limit = cap * single
            shrink = np.where(norm > limit, limit / np.maximum(norm, 1e-12), 1.0)
            total *= shrink[:, None].astype(np.float32)
        return (total * np.float32(self.details.scale)).astype(np.float32).reshape(-1)

    @staticmethod
    def key(vector: np.ndarray | None) -> str | None:
        """A short digest of a control vector, for prompt-cache keys."""
        return None if vector is None else hashlib.sha256(vector.tobytes()).hexdigest()[:16]

    def __repr__(self) -> str:
        d = self.details
        return f"SteeringBasis({self.folder.name!r}, {d.method}, {len(self.steerable)} dimensions, layers {d.layers})"


def _check_model(folder: Path, details: SteeringDetails, model: Path) -> None:
    from ._gguf_check import read_gguf

    info = read_gguf(model)
    arch = info.architecture
    n_embd, n_layer = info.metadata.get(f"{arch}.embedding_length"), info.metadata.get(f"{arch}.block_count")
    if (n_embd, n_layer) != (details.n_embd, details.n_layer):
        raise ArtifactError(
            f"{folder} was built for a model with n_embd {details.n_embd} and {details.n_layer} layers; "
            f"{model.name} has n_embd {n_embd} and {n_layer} layers. Build a basis for it with "
            "`edgealign train steering --model FILE` and `edgealign export steering`"
        )
    if remembered_sha256(model) != details.base_model_sha256:
        raise ArtifactError(
            f"{folder} was built for {details.base_model_file or 'another model file'} "
            f"(sha256 {details.base_model_sha256[:12]}...), not {model.name}; build a basis for this model with "
            "`edgealign train steering --model FILE` and `edgealign export steering`"
        )
