"""A steering basis for a base model: per preference dimension, one direction per decoder layer.

    cfg = SteeringConfig.default()
    build_steering("SmolLM2-135M-Instruct.Q4_1.gguf", "ckpt/steering", cfg)   # this module
    export_steering("ckpt/steering", "artifacts/steering")                      # edgealign.export.steering

Contrastive activation addition (``method="caa"``): for every dimension and many training
tasks (:mod:`.contrastive`), the model reads the same task under the positive pole's
instruction and under the negative pole's; the mean difference of the residual stream over
the last prompt tokens, per decoder layer, is that layer's direction. Each direction is then
scaled to the layer's mean residual norm (the raw differences grow about tenfold after the
middle layers), so one ``scale`` means the same at every layer: steering with weight w adds
``w * scale * (layer norm)`` along the direction at every chosen layer. The layers and the
scale are chosen on a held-out sweep (:mod:`._steering_eval`): held-out tasks and templates,
scored by alignment accuracy against the unsteered model, under a fluency cap.

``method="trained"`` starts from those vectors and optimizes them, and only them, with the
DPO objective on pole-instruction answer pairs, the model frozen (:mod:`._steering_dpo`).

The checkpoint folder holds ``directions.npz`` (``vectors``: (dims, n_layer, n_embd) float32,
index il = llama.cpp's ``direction.il``, row 0 unused and zero; ``dims``; ``layer_norms``;
``raw_norms``) and ``steering.json`` (the config, the base model it is bound to, the chosen
layers and scale, the sweep, timings).
"""

from __future__ import annotations

import json
import logging
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np

from edgealign.artifacts import sha256_file
from edgealign.errors import ArtifactError, ConfigError
from edgealign.preferences import SPACE

__all__ = ["SteeringConfig", "SteeringCheckpoint", "build_steering", "load_checkpoint", "METHODS",
           "VECTORS", "CONFIG"]

log = logging.getLogger(__name__)

METHODS = ("caa", "trained")
PRESETS = ("tiny", "default", "demo")
#: The default sweep's choice for the bundled SmolLM2-135M (as a depth fraction) and its scale.
DEMO_LAYERS, DEMO_SCALE = "0.3-0.8", 0.01
VECTORS, CONFIG = "directions.npz", "steering.json"
_NORMALIZATION = ("per layer, each direction is the unit mean difference times that layer's mean residual-stream "
                  "norm at the read positions (the last prompt tokens); the device adds w * scale * vector")


@dataclass(frozen=True, kw_only=True)
class SteeringConfig:
    """Everything that decides a steering basis."""

    method: Literal["caa", "trained"] = "caa"
    """"caa" (contrastive activation addition) or "trained" (CAA, then DPO on the vectors;
    kept only when it scores better on the held-out sweep data, or as well at no more
    fluency cost)."""
    dims: tuple[int, ...] | None = None
    """Dimensions to build (None: all 90)."""
    train_tasks: int = 6
    """Training tasks per dimension; each is read under both poles' instructions."""
    last_tokens: int = 4
    """Prompt tokens whose residual stream is averaged: the chat template's hand-over to the
    assistant, after the model has read the instruction and before it answers."""
    sweep_dims: tuple[int, ...] = (16, 73, 5, 3)
    """Dimensions the sweep scores on (style ones whose effect shows in any answer):
    concise/detailed, humour, agreeableness, extraversion."""
    heldout_tasks: int = 3
    """Held-out tasks per sweep dimension (held-out templates and topics)."""
    layer_ranges: tuple[str, ...] = ("0.1-0.4", "0.2-0.6", "0.3-0.8")
    """Candidate layer ranges as fractions of the depth, "start-end" (end excluded); mapped to
    direction indices 1..n_layer-1."""
    scales: tuple[float, ...] = (0.01, 0.02, 0.04)
    """Candidate multipliers per unit weight, in units of the layer's mean residual norm (the
    raw mean differences are about 0.05 of it; the vector is added at every chosen layer)."""
    max_ppl_ratio: float = 1.5
    """The sweep keeps the most accurate setting whose plain-answer perplexity, steered at
    weight 1, stays within this ratio of the unsteered one (the least costly one if none does)."""
    max_new_tokens: int = 32
    """Tokens per generated held-out or training answer."""
    batch_size: int = 32
    bf16: bool = True
    """Autocast the frozen model to bfloat16 where precision matters little: reading the
    residual stream and the DPO steps (the vectors stay fp32). Sweep scores run in fp32."""
    seed: int = 0
    # -- method "trained" -------------------------------------------------------------------
    trained_dims: tuple[int, ...] | None = None
    """Dimensions the DPO stage trains (None: all built ones); others keep their CAA vectors."""
    pair_tasks: int = 8
    """Training tasks per trained dimension answered under both poles (DPO pairs)."""
    steps: int = 200
    """Optimizer steps."""
    pairs_per_step: int = 4
    lr: float = 1e-3
    """Adam learning rate on the vectors, each parameterized as a unit direction per layer
    times its CAA size (the layer norm times the scale). On 4 dimensions x 16 examples, 100
    steps at 3e-3 overfit (held-out 0.625 against CAA's 0.708); 25 steps at 1e-3 tied CAA."""
    beta: float = 0.1
    """DPO temperature."""

    def __post_init__(self) -> None:
        if self.method not in METHODS:
            raise ConfigError(f"method must be one of {', '.join(METHODS)}, got {self.method!r}")
        for name in ("dims", "sweep_dims", "trained_dims"):
            bad = [d for d in getattr(self, name) or () if not 0 <= d < len(SPACE)]
            if bad:
                raise ConfigError(f"{name}: {bad} are not dimension indices 0..{len(SPACE) - 1}")
        if min(self.train_tasks, self.last_tokens, self.heldout_tasks, self.max_new_tokens, self.batch_size,
               self.pair_tasks, self.steps, self.pairs_per_step) < 1:
            raise ConfigError("task, token, batch and step counts must be >= 1")
        if not self.layer_ranges or any(not 0 <= a < b <= 1 for a, b in self.fractions):
            raise ConfigError(f"layer_ranges must be fractions 'start-end' with 0 <= start < end <= 1, "
                              f"got {self.layer_ranges}")
        if not self.scales or min(self.scales) <= 0 or self.max_ppl_ratio < 1:
            raise ConfigError("scales must be > 0 and max_ppl_ratio >= 1")
        if not set(self.sweep_dims) <= set(self.built_dims):
            raise ConfigError("sweep_dims must be among the built dims")

    @property
    def fractions(self) -> list[tuple[float, float]]:
        """layer_ranges as (start, end) numbers."""
        try:
            return [(float(a), float(b)) for a, b in (r.split("-") for r in self.layer_ranges)]
        except ValueError:
            raise ConfigError(f"layer_ranges must look like '0.1-0.4', got {self.layer_ranges}") from None

    @property
    def built_dims(self) -> tuple[int, ...]:
        return tuple(range(len(SPACE))) if self.dims is None else tuple(self.dims)

    @classmethod
    def tiny(cls, **kw: Any) -> "SteeringConfig":
        """Seconds on a tiny model: two tasks per dimension, a two-point sweep, a few DPO steps."""
        return cls(**{"train_tasks": 2, "sweep_dims": (16, 73), "heldout_tasks": 2, "layer_ranges": ("0-1",),
                      "scales": (0.01, 0.04), "max_new_tokens": 8, "pair_tasks": 2, "steps": 4, "pairs_per_step": 2,
                      "trained_dims": (16, 73), **kw})

    @classmethod
    def default(cls, **kw: Any) -> "SteeringConfig":
        """All 90 dimensions of the bundled model in minutes on a 2-core CPU."""
        return cls(**kw)

    @classmethod
    def demo(cls, **kw: Any) -> "SteeringConfig":
        """What ``make demo`` builds in about a minute: the style dimensions only (those whose
        effect shows in any answer, ``edgealign.poles.style_dimensions``), four tasks each, at
        the layers and scale the default preset's sweep chose for the bundled model (no sweep)."""
        from edgealign.poles import style_dimensions

        return cls(**{"dims": style_dimensions(), "train_tasks": 4, "sweep_dims": (16, 73),
                      "layer_ranges": (DEMO_LAYERS,), "scales": (DEMO_SCALE,), **kw})

    @classmethod
    def preset(cls, name: str, **kw: Any) -> "SteeringConfig":
        if name not in PRESETS:
            raise ConfigError(f"unknown steering preset {name!r}; choose {', '.join(PRESETS)}")
        return getattr(cls, name)(**kw)


@dataclass(frozen=True)
class SteeringCheckpoint:
    """A built basis as the exporter reads it."""

    vectors: np.ndarray
    """(len(dims), n_layer, n_embd) float32 at scale 1; row il = direction.il, row 0 zero."""
    dims: tuple[int, ...]
    layers: tuple[int, int]
    """[il_start, il_end], inclusive: the layers the device steers (the others are zeroed on export)."""
    scale: float
    method: str
    base_model: dict[str, Any]
    """file, sha256, architecture, n_embd, n_layer."""
    info: dict[str, Any] = field(default_factory=dict)
    """The rest of steering.json: config, sweep, timings."""


# -- build ----------------------------------------------------------------------------------

def build_steering(model: str | os.PathLike[str], out: str | os.PathLike[str],
                   config: SteeringConfig | None = None, *, gguf: str | os.PathLike[str] | None = None,
                   progress: bool = True) -> dict[str, Any]:
    """Build a basis for ``model`` (a llama GGUF, or a Hugging Face folder with ``gguf`` naming
    the file it runs as on the device) into the checkpoint folder ``out``; returns the metrics."""
    from . import contrastive
    from ._steering_eval import held_out

    cfg = config or SteeringConfig.default()
    t0, cpu0 = time.perf_counter(), time.process_time()
    hf, tokenizer, base = _load(Path(model), None if gguf is None else Path(gguf))
    hf.eval().requires_grad_(False)
    t_loaded = time.perf_counter()
    n_layer = base["n_layer"]
    dims = cfg.built_dims
    log.info("reading %d dimensions x %d tasks x 2 poles", len(dims), cfg.train_tasks)
    train = contrastive.tasks("train", cfg.train_tasks, cfg.seed)
    prompts = [contrastive.pole_prompt(d, s, t) for d in dims for s in (1, -1) for t in train]
    top = max(end for _, end in _ranges(cfg, n_layer))
    acts = contrastive.collect_activations(hf, tokenizer, prompts, layers=range(1, top + 1),
                                           last_tokens=cfg.last_tokens, batch_size=cfg.batch_size, bf16=cfg.bf16)
    vectors, layer_norms, raw_norms = _directions(acts.means, acts.norms, len(dims), len(train), n_layer)
    t_read = time.perf_counter()
    if cfg.method == "caa" and len(cfg.layer_ranges) == len(cfg.scales) == 1:  # nothing to choose: no sweep
        return _finish(cfg, Path(out), vectors, layer_norms, raw_norms, base,
                       {"layers": list(_ranges(cfg, n_layer)[0]), "scale": cfg.scales[0], "accuracy": None,
                        "ppl_ratio": None}, [], {"caa": None}, "caa", None,
                       {"load_s": round(t_loaded - t0, 1), "read_s": round(t_read - t_loaded, 1)}, t0, cpu0)
    data = held_out(hf, tokenizer, cfg.sweep_dims, contrastive.tasks("heldout", cfg.heldout_tasks, cfg.seed),
                    seed=cfg.seed + 1, max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size)
    t_heldout = time.perf_counter()
    sweep, best = _sweep(hf, data, vectors, dims, cfg, n_layer, progress)
    t_sweep = time.perf_counter()
    metrics: dict[str, Any] = {"caa": best}
    method = "caa"
    if cfg.method == "trained":
        from ._steering_dpo import train_vectors

        layers = tuple(best["layers"])
        trained, train_metrics = train_vectors(hf, tokenizer, vectors, dims, layers, best["scale"], data, cfg,
                                               progress=progress)
        metrics["trained"] = train_metrics
        if _better(train_metrics["heldout"], train_metrics["caa_same_dims"]):
            vectors, method = trained, "trained"
    timings = {"load_s": round(t_loaded - t0, 1), "read_s": round(t_read - t_loaded, 1),
               "heldout_s": round(t_heldout - t_read, 1), "sweep_s": round(t_sweep - t_heldout, 1)}
    return _finish(cfg, Path(out), vectors, layer_norms, raw_norms, base, best, sweep, metrics, method, data,
                   timings, t0, cpu0)


def _finish(cfg: SteeringConfig, out: Path, vectors: np.ndarray, layer_norms: np.ndarray, raw_norms: np.ndarray,
            base: dict[str, Any], best: dict[str, Any], sweep: list[dict[str, Any]], metrics: dict[str, Any],
            method: str, data: Any, timings: dict[str, Any], t0: float, cpu0: float) -> dict[str, Any]:
    """Write the checkpoint; the build's summary."""
    import torch

    timings = {**timings, "total_s": round(time.perf_counter() - t0, 1),
               "cpu_s": round(time.process_time() - cpu0, 1), "threads": torch.get_num_threads()}
    examples = [asdict(p) for p in data.pairs[:6]] if data is not None else []
    info = {"config": asdict(cfg), "sweep": sweep, "metrics": metrics, "timings": timings,
            "heldout_examples": examples, "normalization": _NORMALIZATION}
    ckpt = SteeringCheckpoint(vectors.astype(np.float32), cfg.built_dims, tuple(best["layers"]),
                              float(best["scale"]), method, base, info)
    _write(ckpt, out, layer_norms, raw_norms)
    log.info("steering basis (%s) written to %s in %.0f s", method, out, timings["total_s"])
    return {"out": str(out), "method": method, "dims": len(ckpt.dims), "layers": list(ckpt.layers),
            "scale": ckpt.scale, "accuracy": best["accuracy"], "ppl_ratio": best["ppl_ratio"], **timings}


def _better(trained: dict[str, Any], caa: dict[str, Any]) -> bool:
    """Trained vectors win on held-out accuracy; on a tie, only if they cost no more fluency."""
    return (trained["accuracy"], -trained["ppl_ratio"]) > (caa["accuracy"], -caa["ppl_ratio"])


def _directions(means: np.ndarray, norms: np.ndarray, n_dims: int, n_tasks: int, n_layer: int
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dims, n_layer, n_embd) vectors at scale 1 (zero above the layers read), per-layer mean
    norms, raw difference norms."""
    n_read, n_embd = means.shape[1], means.shape[2]
    by = means.reshape(n_dims, 2, n_tasks, n_read, n_embd)
    diff = (by[:, 0] - by[:, 1]).mean(1)  # (dims, layers, n_embd): positive minus negative pole
    raw = np.linalg.norm(diff, axis=-1)  # (dims, layers)
    layer_norm = norms.mean(0)  # (layers,)
    unit = diff / np.maximum(raw[..., None], 1e-12)
    vectors = np.zeros((n_dims, n_layer, n_embd), dtype=np.float32)  # row 0: direction.0 does not exist
    vectors[:, 1: n_read + 1] = unit * layer_norm[None, :, None]
    norms_out = np.zeros(n_layer, dtype=np.float32)
    norms_out[1: n_read + 1] = layer_norm
    raw_out = np.zeros((n_dims, n_layer), dtype=np.float32)
    raw_out[:, 1: n_read + 1] = raw
    return vectors, norms_out, raw_out


def _layer_range(frac: tuple[float, float], n_layer: int) -> tuple[int, int]:
    start = min(max(1, round(frac[0] * n_layer)), n_layer - 1)
    end = min(max(start, round(frac[1] * n_layer) - 1), n_layer - 1)
    return start, end


def _ranges(cfg: SteeringConfig, n_layer: int) -> list[tuple[int, int]]:
    """The candidate [start, end] direction ranges, distinct, in the config's order."""
    return list(dict.fromkeys(_layer_range(f, n_layer) for f in cfg.fractions))


def _sweep(model: Any, data: Any, vectors: np.ndarray, dims: tuple[int, ...], cfg: SteeringConfig,
           n_layer: int, progress: bool) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Score every (layer range, scale) on the held-out data; pick the most accurate within the cap."""
    import torch
    from tqdm.auto import tqdm

    from ._steering_eval import score

    ranges = _ranges(cfg, n_layer)
    rows = []
    for (start, end), scale in tqdm([(r, s) for r in ranges for s in cfg.scales], desc="sweep", disable=not progress):
        per_dim = {d: {il: torch.from_numpy(vectors[dims.index(d), il]) for il in range(start, end + 1)}
                   for d in cfg.sweep_dims}
        result = score(model, data, per_dim, scale)
        rows.append({"layers": [start, end], "scale": scale, **result.as_dict()})
        log.info("layers %d-%d scale %g: accuracy %.3f, ppl x%.2f", start, end, scale, result.accuracy,
                 result.ppl_ratio)
    fluent = [r for r in rows if r["ppl_ratio"] <= cfg.max_ppl_ratio]
    best = max(fluent, key=lambda r: (r["accuracy"], r["margin"])) if fluent else min(rows, key=lambda r: r["ppl_ratio"])
    return rows, best


# -- model and checkpoint -------------------------------------------------------------------

def _load(model: Path, gguf: Path | None) -> tuple[Any, Any, dict[str, Any]]:
    """(HF model, tokenizer, facts about the GGUF file the basis is bound to)."""
    if model.is_file():
        from .hf import load_gguf_as_hf

        hf, tokenizer = load_gguf_as_hf(model)
        bound = model if gguf is None else gguf
    elif model.is_dir():
        if gguf is None:
            raise ConfigError(f"{model} is a Hugging Face folder; name the GGUF the device runs it as with --gguf FILE "
                              "(edgealign export gguf makes one)")
        from transformers import AutoModelForCausalLM, AutoTokenizer

        hf, tokenizer = AutoModelForCausalLM.from_pretrained(model), AutoTokenizer.from_pretrained(model)
        bound = gguf
    else:
        raise ArtifactError(f"{model} does not exist; pass a llama GGUF file or a Hugging Face checkpoint folder")
    base = {**_gguf_facts(bound), "n_embd": int(hf.config.hidden_size), "n_layer": int(hf.config.num_hidden_layers)}
    if (base["gguf_n_embd"], base["gguf_n_layer"]) != (base["n_embd"], base["n_layer"]):
        raise ConfigError(f"{bound} has n_embd {base['gguf_n_embd']}, n_layer {base['gguf_n_layer']}; the model has "
                          f"{base['n_embd']}, {base['n_layer']}: pass the GGUF exported from this model")
    return hf, tokenizer, base


def _gguf_facts(path: Path) -> dict[str, Any]:
    import gguf

    if not path.is_file():
        raise ArtifactError(f"{path} does not exist; pass the GGUF file the basis is for")
    try:
        fields = gguf.GGUFReader(path).fields
        arch = fields["general.architecture"].contents()
        n_embd = int(fields[f"{arch}.embedding_length"].contents())
        n_layer = int(fields[f"{arch}.block_count"].contents())
    except (KeyError, ValueError, OSError) as exc:
        raise ArtifactError(f"{path} is not a readable llama GGUF ({exc})") from exc
    return {"file": path.name, "sha256": sha256_file(path), "architecture": arch,
            "gguf_n_embd": n_embd, "gguf_n_layer": n_layer}


def _write(ckpt: SteeringCheckpoint, out: Path, layer_norms: np.ndarray, raw_norms: np.ndarray) -> None:
    out.mkdir(parents=True, exist_ok=True)
    np.savez(out / VECTORS, vectors=ckpt.vectors, dims=np.array(ckpt.dims, dtype=np.int64),
             layer_norms=layer_norms, raw_norms=raw_norms)
    meta = {"method": ckpt.method, "dims": list(ckpt.dims), "layers": list(ckpt.layers), "scale": ckpt.scale,
            "base_model": ckpt.base_model, **ckpt.info}
    (out / CONFIG).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")


def load_checkpoint(folder: str | os.PathLike[str]) -> SteeringCheckpoint:
    """Read a checkpoint written by :func:`build_steering`; ArtifactError when it is not one."""
    folder = Path(folder)
    if not (folder / VECTORS).is_file() or not (folder / CONFIG).is_file():
        raise ArtifactError(f"{folder} is not a steering checkpoint (needs {VECTORS} and {CONFIG}); "
                            "build one with `edgealign train steering --model GGUF --out DIR`")
    try:
        meta = json.loads((folder / CONFIG).read_text(encoding="utf-8"))
        with np.load(folder / VECTORS) as z:
            vectors, dims = z["vectors"].astype(np.float32), tuple(int(d) for d in z["dims"])
        base, layers = meta.pop("base_model"), tuple(meta.pop("layers"))
        ckpt = SteeringCheckpoint(vectors, dims, layers, float(meta.pop("scale")), meta.pop("method"), base, meta)
    except (KeyError, ValueError, TypeError, OSError) as exc:
        raise ArtifactError(f"{folder}: unreadable steering checkpoint ({exc}); rebuild it") from exc
    if vectors.shape != (len(dims), base["n_layer"], base["n_embd"]) or not np.isfinite(vectors).all():
        raise ArtifactError(f"{folder}: vectors of shape {vectors.shape} (or non-finite) do not fit "
                            f"{len(dims)} dims x n_layer {base['n_layer']} x n_embd {base['n_embd']}; rebuild it")
    return ckpt
