"""Hugging Face Llama checkpoint -> GGUF (F32/F16) -> quantized GGUFs, each parity-checked.

:func:`convert_to_gguf` writes one GGUF with the ``gguf`` library: the hyper-parameters,
the tokenizer (see ``_gguf_tokenizer``) and the weights (see ``_gguf_tensors``).
:func:`export_gguf` is the whole pipeline behind ``edgealign export gguf``: convert,
quantize, compare every file with the source model, and only then write ``manifest.json``.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from pathlib import Path
from typing import Any, Sequence

from edgealign.artifacts import MANIFEST, Manifest, sha256_file
from edgealign.errors import ConfigError

_log = logging.getLogger(__name__)

__all__ = ["SUPPORTED_ARCHITECTURES", "convert_to_gguf", "export_gguf"]

#: transformers classes whose checkpoints convert to llama.cpp's "llama" architecture.
SUPPORTED_ARCHITECTURES = ("LlamaForCausalLM",)
_BASE_TYPES = ("f32", "f16")


def convert_to_gguf(
    checkpoint: str | os.PathLike[str],
    path: str | os.PathLike[str],
    *,
    dtype: str = "f32",
    pre: str | None = None,
    _permute_qk: bool = True,
) -> dict[str, Any]:
    """Write the ``save_pretrained`` folder ``checkpoint`` as one GGUF file at ``path``.

    ``dtype`` is "f32" or "f16" (norms stay F32 either way). ``pre`` names llama.cpp's
    pre-tokenizer for byte-level BPE when detection from tokenizer.json is not enough.
    Returns the facts the manifest records (architecture, sizes, tokenizer).
    """
    import gguf

    from ._gguf_tensors import plan_tensors
    from ._gguf_tokenizer import describe_tokenizer, write_tokenizer

    if dtype not in _BASE_TYPES:
        raise ConfigError(f"GGUF base type {dtype!r} is not one of {', '.join(_BASE_TYPES)}")
    folder = Path(checkpoint)
    config = read_config(folder)
    meta = describe_tokenizer(_load_tokenizer(folder), folder, config["vocab_size"], pre)
    plans = plan_tensors(folder, config, f16=dtype == "f16")
    writer = gguf.GGUFWriter(os.fspath(path), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.LLAMA])
    try:
        _write_hparams(writer, config, folder, dtype)
        write_tokenizer(writer, meta)
        _write_tensors(writer, plans, config, _permute_qk)
    finally:
        writer.close()
    return _facts(config, meta)


def _load_tokenizer(folder: Path) -> Any:
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(folder)
    except (OSError, ValueError, ImportError) as exc:
        raise ConfigError(f"{folder}: its tokenizer does not load ({exc}); save the model's fast tokenizer "
                          "(tokenizer.json) beside it with tokenizer.save_pretrained") from exc


def _write_tensors(writer: Any, plans: list[Any], config: dict[str, Any], permute_qk: bool) -> None:
    """Header first (it lists every tensor), then the data streamed one tensor at a time."""
    from ._gguf_tensors import read_tensors

    for plan in plans:
        nbytes = int(plan.dtype.itemsize) * int(_prod(plan.shape))
        writer.add_tensor_info(plan.gguf_name, plan.shape, plan.dtype, nbytes)
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_ti_data_to_file()
    for tensor in read_tensors(plans, config, permute_qk=permute_qk):
        writer.write_tensor_data(tensor)


def read_config(folder: Path) -> dict[str, Any]:
    """config.json of a supported checkpoint; ConfigError naming what is wrong otherwise."""
    path = folder / "config.json"
    if not path.is_file():
        raise ConfigError(f"{folder} is not a Hugging Face checkpoint (no config.json); pass a save_pretrained folder")
    config = json.loads(path.read_text(encoding="utf-8"))
    archs = config.get("architectures") or [config.get("model_type", "?")]
    if archs[0] not in SUPPORTED_ARCHITECTURES:
        raise ConfigError(f"{folder}: architecture {archs[0]!r} cannot be exported to GGUF yet; supported: "
                          f"{', '.join(SUPPORTED_ARCHITECTURES)}")
    params = config.get("rope_parameters")  # transformers 5: theta and scaling in one object
    if isinstance(params, dict):
        config.setdefault("rope_theta", params.get("rope_theta", 10000.0))
        if params.get("rope_type", "default") != "default":
            config.setdefault("rope_scaling", params)
    return config


def _write_hparams(writer: Any, config: dict[str, Any], folder: Path, dtype: str) -> None:
    import gguf

    from ._gguf_tensors import head_dim

    n_head = config["num_attention_heads"]
    writer.add_type(gguf.GGUFType.MODEL)
    writer.add_name(str(config.get("_name_or_path") or folder.resolve().name))
    writer.add_context_length(int(config.get("max_position_embeddings", 2048)))
    writer.add_embedding_length(config["hidden_size"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(config.get("num_key_value_heads") or n_head)
    writer.add_rope_freq_base(float(config.get("rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(float(config.get("rms_norm_eps", 1e-6)))
    writer.add_vocab_size(config["vocab_size"])
    writer.add_rope_dimension_count(head_dim(config))
    if head_dim(config) != config["hidden_size"] // n_head:  # llama.cpp assumes n_embd / n_head otherwise
        writer.add_key_length(head_dim(config))
        writer.add_value_length(head_dim(config))
    _write_rope_scaling(writer, config.get("rope_scaling") or {})
    ftype = gguf.LlamaFileType.ALL_F32 if dtype == "f32" else gguf.LlamaFileType.MOSTLY_F16
    writer.add_file_type(ftype)


def _write_rope_scaling(writer: Any, scaling: dict[str, Any]) -> None:
    import gguf

    kind = scaling.get("rope_type", scaling.get("type"))
    if kind in (None, "default", "llama3"):  # llama3 travels as the rope_freqs tensor
        return
    if kind != "linear":
        raise ConfigError(f"rope scaling {kind!r} is not supported for GGUF export (default, linear, llama3)")
    writer.add_rope_scaling_type(gguf.RopeScalingType.LINEAR)
    writer.add_rope_scaling_factor(float(scaling["factor"]))


def _prod(shape: Sequence[int]) -> int:
    out = 1
    for n in shape:
        out *= n
    return out


def _facts(config: dict[str, Any], meta: Any) -> dict[str, Any]:
    return {
        "architecture": "llama",
        "n_embd": config["hidden_size"],
        "n_layer": config["num_hidden_layers"],
        "n_head": config["num_attention_heads"],
        "n_head_kv": config.get("num_key_value_heads") or config["num_attention_heads"],
        "n_vocab": config["vocab_size"],
        "context_length": int(config.get("max_position_embeddings", 2048)),
        "tokenizer": {"model": meta.model, "pre": meta.pre, "add_bos": meta.add_bos},
        "chat_template": bool(meta.chat_template),
    }


def export_gguf(
    checkpoint: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    quants: Sequence[str] = ("q8_0", "q4_k_m"),
    *,
    base: str = "f32",
    pre: str | None = None,
    n_threads: int = 2,
    tolerances: dict[str, Any] | None = None,
) -> Manifest:
    """Convert ``checkpoint`` to GGUF files in ``out_dir``, check each, write the manifest.

    ``quants`` are the files to ship, named ``model-<quant>.gguf`` (from "f32", "f16",
    "q8_0", "q4_k_m"). The ``base`` conversion (F32 or F16) is quantized from and checked
    too, and kept only when listed in ``quants``. ``pre`` is passed to :func:`convert_to_gguf`;
    ``tolerances`` overrides :data:`edgealign.export.validate.TOLERANCES` per type. Raises
    ParityError, and writes no manifest, when any file disagrees with the source model.
    """
    from .quantize import QUANT_TYPES

    quants = tuple(dict.fromkeys(q.strip().lower() for q in quants))
    unknown = [q for q in quants if q not in QUANT_TYPES]
    if unknown or not quants:
        raise ConfigError(f"quantization {unknown or '(none)'} is not one of {', '.join(QUANT_TYPES)}")
    folder, out = Path(checkpoint), Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    (out / MANIFEST).unlink(missing_ok=True)  # a stale manifest must not vouch for new files
    facts, parity = _convert_and_check(folder, out, quants, base, pre, n_threads, tolerances or {})
    names = [f"model-{q}.gguf" for q in quants]
    details = {**facts, "base_model": str(folder), "base_model_sha256": base_model_sha256(folder),
               "quantization": dict(zip(names, quants))}
    manifest = Manifest.for_files(out, "llm", names, details=details, metrics={"parity": parity})
    manifest.write(out)
    return manifest


def _convert_and_check(
    folder: Path, out: Path, quants: tuple[str, ...], base: str, pre: str | None, n_threads: int,
    tolerances: dict[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Write every file, each checked against the source before the next; the figures per type."""
    from .quantize import quantize
    from .validate import check_parity, load_reference

    base_path = out / f"model-{base}.gguf"
    _log.info(f"converting {folder} to GGUF {base.upper()}")
    facts = convert_to_gguf(folder, base_path, dtype=base, pre=pre)
    _log.info("running the source model on the held-out prompts")
    ref = load_reference(folder)
    parity = {base: check_parity(base_path, ref, base, tolerance=tolerances.get(base), n_threads=n_threads)}
    for quant in (q for q in quants if q != base):
        _log.info(f"quantizing to {quant} and checking parity")
        path = quantize(base_path, out / f"model-{quant}.gguf", quant, n_threads=n_threads)
        parity[quant] = check_parity(path, ref, quant, tolerance=tolerances.get(quant), n_threads=n_threads)
    if base not in quants:
        base_path.unlink()
    return facts, parity


def base_model_sha256(folder: str | os.PathLike[str]) -> str:
    """One SHA-256 over the checkpoint's config and weight files (names and contents)."""
    from ._gguf_tensors import checkpoint_files

    folder = Path(folder)
    digest = hashlib.sha256()
    for path in [folder / "config.json", *checkpoint_files(folder)]:
        digest.update(f"{path.name}:{sha256_file(path)}\n".encode())
    return digest.hexdigest()
