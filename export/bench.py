"""``edgealign bench bridge``: the exported bridge against its torch source, side by side.

Same users, same machine, same run, one thread each: the median time to infer one profile
from 8 items through torch, ONNX fp32 and ONNX int8, how often int8 picks the same pole as
torch per dimension, and the size of what a device downloads (int8 graph + tokenizer).
"""

from __future__ import annotations

import statistics
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

__all__ = ["bench_bridge"]


def _median_ms(fn: Callable[[list], Any], users: list[list], repeat: int) -> tuple[float, list]:
    outs = [fn(items) for items in users[:3]]  # warm-up: allocators, kernel caches
    times, outs = [], []
    for _ in range(repeat):
        for items in users:
            t = time.perf_counter()
            outs.append(fn(items))
            times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times), outs[: len(users)]


def _torch_infer(checkpoint: Path) -> Callable[[list], np.ndarray]:
    import torch

    from edgealign.featurize import bridge_units, configure, tokenize
    from edgealign.training.bridge import load_bridge

    model, tokenizer, cfg = load_bridge(checkpoint)
    configure(tokenizer, cfg.max_length)

    def infer(items: list) -> np.ndarray:
        units = bridge_units(items)
        ids, mask = tokenize(tokenizer, units.texts)
        with torch.no_grad():
            user = model(*(torch.from_numpy(a) for a in (ids, mask, units.combine, units.sign, units.kind)))[1]
        return torch.softmax(user, -1).numpy()

    return infer


def bench_bridge(checkpoint: str | Path, artifact: str | Path, *, users: int = 40, repeat: int = 3,
                 threads: int = 1, items: int = 8) -> dict[str, Any]:
    """Median ms per ``items``-item profile for torch, ONNX fp32 and ONNX int8."""
    import torch

    from edgealign.bridge import PreferenceBridge
    from edgealign.training.synth import SynthConfig, generate_users

    torch.set_num_threads(threads)
    people = [list(u.persona.items())[:items] for u in generate_users(SynthConfig(users=users, seed=31337))]
    torch_ms, torch_out = _median_ms(_torch_infer(Path(checkpoint)), people, repeat)
    result: dict[str, Any] = {"users": users, "items": items, "threads": threads, "torch_ms": torch_ms}
    for precision in ("fp32", "int8"):
        bridge = PreferenceBridge.load(artifact, precision=precision, threads=threads)
        ms, outs = _median_ms(lambda its: bridge.infer(its).distribution, people, repeat)
        result[f"onnx_{precision}_ms"] = ms
        agree = np.mean([(a.argmax(-1) == b.argmax(-1)).mean() for a, b in zip(torch_out, outs)])
        result[f"argmax_agreement_{precision}"] = float(agree)
    result["speedup_int8_vs_torch"] = torch_ms / result["onnx_int8_ms"]
    result["speedup_fp32_vs_torch"] = torch_ms / result["onnx_fp32_ms"]
    folder = Path(artifact)
    result["artifact_mb"] = sum((folder / f).stat().st_size for f in ("bridge.int8.onnx", "tokenizer.json")) / 1e6
    result["fp32_graph_mb"] = (folder / "bridge.onnx").stat().st_size / 1e6
    return result
