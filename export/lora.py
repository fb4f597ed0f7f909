"""A LoRA checkpoint (peft) -> a llama.cpp LoRA adapter GGUF bound to its base model file.

:func:`export_lora` is ``edgealign export lora``: it writes ``adapter.gguf`` in the layout
llama.cpp's ``llama_adapter_lora_init`` reads (``general.type`` "adapter", ``adapter.type``
"lora", ``adapter.lora.alpha``, tensors ``blk.N.attn_q.weight.lora_a`` / ``.lora_b`` as
llama.cpp's own ``convert_lora_to_gguf.py`` names them), runs the base model file with and
without it through llama.cpp against torch + peft on the same dequantized weights
(:mod:`._lora_parity`), and only then writes ``manifest.json`` (kind ``adapter``) with the
method, rank, alpha, targets, training metrics, parity figures and the base file's SHA-256.
The device refuses the adapter with any other base file.
"""

from __future__ import annotations

import json
import logging
import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from edgealign.artifacts import MANIFEST, Manifest, sha256_file
from edgealign.errors import ArtifactError, ConfigError

__all__ = ["ADAPTER_FILE", "ADAPTER_TYPES", "LoraCheckpoint", "read_lora_checkpoint", "lora_tensors",
           "write_adapter", "export_lora"]

_log = logging.getLogger(__name__)

ADAPTER_FILE = "adapter.gguf"
#: Storage types of the adapter tensors (the base file keeps its own type).
ADAPTER_TYPES = ("f32", "f16")
_PREFIX = "base_model.model."  # what peft puts before the wrapped model's own names
#: peft options whose result llama.cpp's LoRA cannot express.
_UNSUPPORTED = {"use_dora": "DoRA", "modules_to_save": "fully trained extra modules",
                "rank_pattern": "per-module ranks", "alpha_pattern": "per-module alphas"}


@dataclass(frozen=True)
class LoraCheckpoint:
    """What a LoRA checkpoint folder says about itself."""

    folder: Path
    peft: dict[str, Any]
    """adapter_config.json."""
    aligner: dict[str, Any]
    """aligner_config.json (empty when absent): method, model, lora_rank, lora_alpha, ..."""
    metrics: dict[str, Any]
    """metrics.json (empty when absent)."""

    @property
    def rank(self) -> int:
        return int(self.peft["r"])

    @property
    def alpha(self) -> float:
        return float(self.peft["lora_alpha"])

    @property
    def scaling(self) -> float:
        """peft's factor on B·A: alpha / r, or alpha / sqrt(r) with rsLoRA."""
        return self.alpha / (math.sqrt(self.rank) if self.peft.get("use_rslora") else self.rank)

    @property
    def targets(self) -> list[str]:
        t = self.peft.get("target_modules") or []
        return sorted(t) if isinstance(t, (list, tuple, set)) else [str(t)]


def _json(path: Path, required: bool) -> dict[str, Any]:
    if not path.is_file():
        if required:
            raise ConfigError(f"{path.parent} is not a LoRA checkpoint (no {path.name}); pass the folder that "
                              "`edgealign train pba --lora-rank N` (or `train ica`) wrote (peft's save_pretrained)")
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise ConfigError(f"{path} is not valid JSON ({exc})") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{path} does not hold a JSON object")
    return data


def read_lora_checkpoint(folder: str | os.PathLike[str]) -> LoraCheckpoint:
    """Read and check a LoRA checkpoint folder; ConfigError naming what llama.cpp cannot run."""
    folder = Path(folder)
    peft = _json(folder / "adapter_config.json", True)
    if not (folder / "adapter_model.safetensors").is_file():
        raise ConfigError(f"{folder} holds no adapter_model.safetensors; save the adapter with "
                          "model.save_pretrained(folder) (safetensors)")
    if str(peft.get("peft_type", "LORA")).upper() != "LORA":
        raise ConfigError(f"{folder}: peft type {peft.get('peft_type')!r}; only LoRA adapters export to llama.cpp")
    for key, what in _UNSUPPORTED.items():
        if peft.get(key):
            raise ConfigError(f"{folder}: the adapter uses {what} ({key}), which llama.cpp's LoRA cannot run; "
                              "train without it")
    if peft.get("bias", "none") != "none":
        raise ConfigError(f"{folder}: the adapter trains biases (bias={peft['bias']!r}); llama.cpp's LoRA has none")
    if not isinstance(peft.get("r"), int) or peft["r"] < 1 or not isinstance(peft.get("lora_alpha"), (int, float)):
        raise ConfigError(f"{folder}/adapter_config.json: r and lora_alpha must be a positive rank and a number")
    return LoraCheckpoint(folder, peft, _json(folder / "aligner_config.json", False),
                          _json(folder / "metrics.json", False))


def lora_tensors(ckpt: LoraCheckpoint, n_layer: int, n_head: int, n_head_kv: int, *,
                 dtype: str = "f32") -> dict[str, np.ndarray]:
    """GGUF name -> array of every LoRA tensor, laid out as llama.cpp reads them.

    lora_a is peft's A (rank x in), lora_b is B (out x rank), so llama.cpp's shapes match
    the base tensor's (ne0 = in, ne1 = out). The GGUF export permutes q/k rows for GGML's
    RoPE (``permute_rope_rows``); the adapter's update B·A must be permuted the same way,
    which is B's rows. peft's scaling is alpha / r (or alpha / sqrt(r)); llama.cpp's is
    adapter.lora.alpha / r, so :func:`write_adapter` writes the alpha that gives peft's.
    """
    import gguf
    from safetensors.numpy import load_file

    from ._gguf_tensors import permute_rope_rows

    tmap = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, n_layer)
    raw = load_file(str(ckpt.folder / "adapter_model.safetensors")) if _numpy_ok(ckpt) else _torch_load(ckpt)
    out: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        module, part = _split_key(key, ckpt.folder)
        name = tmap.get_name(module + ".weight", try_suffixes=(".weight",))
        if name is None or not name.startswith("blk."):
            raise ConfigError(f"{ckpt.folder}: LoRA on {module!r} has no llama.cpp block tensor; target the "
                              "attention and MLP projections only")
        data = np.asarray(value, dtype=np.float32)
        if data.ndim != 2:
            raise ArtifactError(f"{ckpt.folder}: {key} has shape {data.shape}, not a matrix")
        if part == "lora_b" and name.endswith("attn_q.weight"):
            data = permute_rope_rows(data, n_head)
        elif part == "lora_b" and name.endswith("attn_k.weight"):
            data = permute_rope_rows(data, n_head_kv)
        out[f"{name}.{part}"] = np.ascontiguousarray(data, dtype=np.float16 if dtype == "f16" else np.float32)
    _check_pairs(out, ckpt)
    return dict(sorted(out.items()))


def _numpy_ok(ckpt: LoraCheckpoint) -> bool:
    """safetensors' numpy reader cannot read bfloat16 (an adapter saved in bf16 autocast may be)."""
    from safetensors import safe_open

    with safe_open(str(ckpt.folder / "adapter_model.safetensors"), framework="numpy") as f:
        return all(f.get_slice(k).get_dtype() != "BF16" for k in f.keys())


def _torch_load(ckpt: LoraCheckpoint) -> dict[str, np.ndarray]:
    from safetensors.torch import load_file

    return {k: v.float().numpy() for k, v in load_file(str(ckpt.folder / "adapter_model.safetensors")).items()}


def _split_key(key: str, folder: Path) -> tuple[str, str]:
    """``base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight`` ->
    (``model.layers.0.self_attn.q_proj``, ``lora_a``)."""
    for marker, part in ((".lora_A.", "lora_a"), (".lora_B.", "lora_b")):
        if marker in key and key.endswith(".weight"):
            return key.split(marker)[0].removeprefix(_PREFIX), part
    raise ConfigError(f"{folder}: tensor {key!r} is not a LoRA A or B matrix; llama.cpp cannot run it")


def _check_pairs(tensors: dict[str, np.ndarray], ckpt: LoraCheckpoint) -> None:
    bases = {n.rsplit(".", 1)[0] for n in tensors}
    for base in bases:
        a, b = tensors.get(f"{base}.lora_a"), tensors.get(f"{base}.lora_b")
        if a is None or b is None or a.shape[0] != b.shape[1]:
            raise ArtifactError(f"{ckpt.folder}: the LoRA pair of {base} is incomplete or its ranks differ")
        if a.shape[0] != ckpt.rank:
            raise ArtifactError(f"{ckpt.folder}: {base} has rank {a.shape[0]}, adapter_config.json says {ckpt.rank}")
    if not bases:
        raise ArtifactError(f"{ckpt.folder}: adapter_model.safetensors holds no LoRA tensors")


def write_adapter(path: Path, tensors: dict[str, np.ndarray], ckpt: LoraCheckpoint, architecture: str) -> float:
    """Write the adapter GGUF; returns the alpha written (llama.cpp scales by alpha / rank)."""
    import gguf

    alpha = ckpt.scaling * ckpt.rank  # = lora_alpha, or lora_alpha * sqrt(r) under rsLoRA
    writer = gguf.GGUFWriter(os.fspath(path), architecture)
    try:
        writer.add_type(gguf.GGUFType.ADAPTER)
        writer.add_string(gguf.Keys.Adapter.TYPE, "lora")
        writer.add_float32(gguf.Keys.Adapter.LORA_ALPHA, float(alpha))
        method = ckpt.aligner.get("method")
        writer.add_name(f"edgealign {method} aligner" if method else "edgealign LoRA adapter")
        for name, data in tensors.items():
            writer.add_tensor(name, data)
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
    finally:
        writer.close()
    return alpha


def _base_file(ckpt: LoraCheckpoint, base: str | os.PathLike[str] | None) -> Path:
    """The GGUF the adapter runs on: ``--base``, else the bundled SmolLM2 for "smollm2-135m"."""
    if base is not None:
        path = Path(base)
        if not path.is_file():
            raise ConfigError(f"--base {path}: no such GGUF file")
        return path
    model = ckpt.aligner.get("model")
    if model == "smollm2-135m":
        from edgealign.training.models import bundled_smollm2

        return bundled_smollm2()
    if isinstance(model, str) and model.endswith(".gguf") and Path(model).is_file():
        return Path(model)
    raise ConfigError(f"{ckpt.folder}: trained on {model!r}, which is not a GGUF file; pass --base FILE, the GGUF the "
                      "adapter will run on (`edgealign export gguf` converts a Hugging Face folder)")


def export_lora(
    checkpoint: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    base: str | os.PathLike[str] | None = None,
    dtype: str = "f16",
    held_out: dict[str, float] | None = None,
    n_threads: int = 2,
    tolerance: Any = None,
    command: str | None = None,
    recipe: dict[str, Any] | None = None,
    generation: dict[str, Any] | None = None,
) -> Manifest:
    """Export the LoRA checkpoint ``checkpoint`` into ``out_dir`` as ``adapter.gguf`` plus a
    manifest bound to the base GGUF (``base``; default the bundled SmolLM2 for a checkpoint of
    "smollm2-135m"). ``dtype``: "f16" or "f32" adapter tensors. ``held_out``: accuracy on
    held-out users per conditioning (``{"pba": 0.9, "instruct+steer": 0.7}``), from which the
    device picks its default (none recorded when not given: the device then answers the
    aligner's own method).
    Raises ParityError, and writes no manifest, when llama.cpp disagrees with torch + peft
    past the tolerance for the base file's type (:mod:`._lora_parity`). ``command``: the
    command line that made it, kept in the manifest (the CLI passes its own). ``recipe``:
    ``{"figures": {...}, "commands": [...]}``, every held-out figure and the commands that
    train it again, kept in the manifest as ``details.recipe``. ``generation``: the object
    ``edgealign eval-generation --adapter DIR --json`` printed for this aligner; its modes
    answered through an aligner of this method are summed up in ``metrics.generation`` (a
    conditioning whose answers are not fluent on every pole is never the device's default)."""
    from edgealign._gguf_check import check_gguf

    from ._lora_parity import check_lora_parity

    if dtype not in ADAPTER_TYPES:
        raise ConfigError(f"adapter type {dtype!r} is not one of {', '.join(ADAPTER_TYPES)}")
    ckpt = read_lora_checkpoint(checkpoint)
    figures = _checked_held_out(held_out) if held_out else {}  # before minutes of parity, not after
    written = generation_summary(generation, ckpt.aligner.get("method")) if generation is not None else {}
    base_path = _base_file(ckpt, base)
    info = check_gguf(base_path)
    if info.architecture != "llama":
        raise ConfigError(f"{base_path}: architecture {info.architecture!r}; LoRA export supports llama GGUFs")
    meta = info.metadata
    n_head = int(meta["llama.attention.head_count"])
    n_kv = int(meta.get("llama.attention.head_count_kv") or n_head)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # a stale manifest must not vouch for a new file
    tensors = lora_tensors(ckpt, int(meta["llama.block_count"]), n_head, n_kv, dtype=dtype)
    path = out / ADAPTER_FILE
    _log.info(f"writing {len(tensors)} LoRA tensors ({dtype}) to {path}")
    alpha = write_adapter(path, tensors, ckpt, info.architecture)
    _log.info(f"checking {path} on {base_path.name} through llama.cpp against torch + peft")
    parity = check_lora_parity(ckpt.folder, base_path, path, base_type=_file_type(info), adapter_type=dtype,
                               n_threads=n_threads, tolerance=tolerance)
    details = {**_details(ckpt, base_path, info, alpha, dtype), **({"export_command": command} if command else {}),
               **({"recipe": recipe} if recipe else {})}
    manifest = Manifest.for_files(out, "adapter", [ADAPTER_FILE], details=details,
                                  metrics={**_metrics(ckpt, parity, figures, path),
                                           **({"generation": written} if written else {})})
    manifest.write(out)
    return manifest


def _details(ckpt: LoraCheckpoint, base_path: Path, info: Any, alpha: float, dtype: str) -> dict[str, Any]:
    a = ckpt.aligner
    return {
        "method": a.get("method"),
        "architecture": info.architecture,
        "base_model": a.get("model"),
        "base_model_file": base_path.name,
        "base_model_sha256": sha256_file(base_path),
        "base_type": _file_type(info),
        "rank": ckpt.rank,
        "lora_alpha": ckpt.alpha,
        "gguf_alpha": alpha,
        "rslora": bool(ckpt.peft.get("use_rslora")),
        "targets": ckpt.targets,
        "adapter_type": dtype,
        "aligner_config": a,
    }


def _metrics(ckpt: LoraCheckpoint, parity: dict[str, Any], held_out: dict[str, float], path: Path) -> dict[str, Any]:
    out: dict[str, Any] = {"parity": parity, "size_bytes": path.stat().st_size, "training": ckpt.metrics}
    if held_out:
        out["held_out"] = held_out
    return out


def generation_summary(report: Any, method: Any) -> dict[str, dict[str, Any]]:
    """Per conditioning answered through an aligner of ``method`` in an ``eval-generation
    --json`` report: the mean fluency ratio, the worst pole's (its answers' perplexity over the
    bare model's answers'), the repeated questions, the answers per pole, and the length ratio
    and humour rates where measured. ConfigError when the report has no such conditioning."""
    try:
        bare, answers = float(report["bare"]["perplexity"]), int(report["answers"])
        modes = {name: m for name, m in report["modes"].items()
                 if m.get("aligner") and name.split("+")[0] == method}
    except (TypeError, KeyError, ValueError, AttributeError):
        raise ConfigError("--generation: not the JSON `edgealign eval-generation --json` prints") from None
    if not modes:
        raise ConfigError(f"--generation: no conditioning there answered through a {method} aligner "
                          f"(run `edgealign eval-generation --mode {method} --adapter DIR --json`)")
    return {name: _generation_figures(m, bare, answers) for name, m in modes.items()}


def _generation_figures(mode: dict[str, Any], bare: float, answers: int) -> dict[str, Any]:
    dims = mode.get("dimensions", {})
    poles = {p: v["perplexity"] / bare for d in dims.values() for p, v in d.get("poles", {}).items()}
    if not poles:
        raise ConfigError("--generation: a conditioning there has no poles measured (run `edgealign "
                          "eval-generation` with its default --dims)")
    out: dict[str, Any] = {"fluency_ratio": mode.get("fluency_ratio"), "worst_pole": max(poles, key=poles.get),
                           "worst_pole_fluency_ratio": round(max(poles.values()), 3),
                           "repeats": mode.get("repeats"), "answers_per_pole": answers}
    for d in dims.values():
        if d.get("length_ratio") is not None:
            out["length_ratio"] = round(d["length_ratio"], 3)
        rates = {p: v["rate"] for p, v in d.get("poles", {}).items() if "rate" in v}
        if rates:
            out["marker_rates"] = rates
    return out


def _checked_held_out(figures: Any) -> dict[str, float]:
    from edgealign import conditioning

    if not isinstance(figures, dict):
        raise ConfigError("held-out figures must map conditioning names to accuracies, e.g. {\"pba\": 0.9}")
    out = {}
    for name, value in figures.items():
        conditioning.get(name)  # ConfigError for an unknown name
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
            raise ConfigError(f"held-out accuracy of {name!r} must be a number from 0 to 1, got {value!r}")
        out[name] = float(value)
    return out


_FILE_TYPES = {0: "f32", 1: "f16", 2: "q4_0", 3: "q4_1", 7: "q8_0", 8: "q5_0", 9: "q5_1", 15: "q4_k_m",
               17: "q5_k_m", 18: "q6_k", 32: "bf16"}


def _file_type(info: Any) -> str:
    """The base file's llama.cpp file type (general.file_type), as a lower-case name."""
    ftype = info.metadata.get("general.file_type")
    return _FILE_TYPES.get(ftype, f"type{ftype}") if isinstance(ftype, int) else "unknown"
