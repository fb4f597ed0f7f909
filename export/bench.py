"""``edgealign bench bridge``: the exported bridge against its torch source, side by side.

Same users, same machine, same run, one thread each: the median time to infer one profile
from 8 items through torch, ONNX fp32 and ONNX int8 (the packed graph on the CPU provider),
how often int8 picks the same pole as torch per dimension, and the size of what a device
downloads (int8 graph, head and tokenizer). An artifact with a fixed-shape graph (``--static``) adds
it on the CPU provider (``onnx_static_ms``, its agreement, ``static_graph_mb``). With
``provider`` (``--provider NAME[:DEVICE]``) both graphs also run there, in the same run
(``<provider>_<device>_packed_ms``, ``..._static_ms``, their agreement, and the provider that
actually ran each, which is the CPU's if the device refused the graph).

With a head graph (whole histories, see :mod:`edgealign.bridge`) it also times a profile
update the way an app sees it: ``Personalizer.profile`` on a 200-item history just after
one new item (store reads, the embedding cache, one encode, the head, the profile write),
``update_ms_200``, its bridge share alone (``update_bridge_ms_200``: one encode and the head
on 199 cached items), and the first profile of that history, every item encoded
(``cold_ms_200``).
"""

from __future__ import annotations

import dataclasses
import os
import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

import numpy as np

from .onnx import PACKAGE_FILES

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

    from edgealign._head_feed import unit_styles
    from edgealign.featurize import bridge_units, configure, tokenize
    from edgealign.training.bridge import load_bridge

    model, tokenizer, cfg = load_bridge(checkpoint)
    configure(tokenizer, cfg.max_length)

    def infer(items: list) -> np.ndarray:
        units = bridge_units(items)
        ids, mask = tokenize(tokenizer, units.texts)
        # A head with a style map also reads the choices' style rows (the device does too).
        style = torch.from_numpy(unit_styles(items, units)) if model.head.n_style else None
        sign, kind = torch.from_numpy(units.sign), torch.from_numpy(units.kind)
        with torch.no_grad():
            x = torch.from_numpy(units.combine) @ model.embed(torch.from_numpy(ids), torch.from_numpy(mask))
            user = model.head.aggregate(model.head.item_logits(x, kind), sign, kind, style=style)[0]
        return torch.softmax(user, -1).numpy()

    return infer


def bench_bridge(checkpoint: str | Path, artifact: str | Path, *, users: int = 40, repeat: int = 3,
                 threads: int = 1, items: int = 8, provider: str | None = None) -> dict[str, Any]:
    """Median ms per ``items``-item profile for torch, ONNX fp32 and ONNX int8, the
    fixed-shape graph when the artifact has one, and both graphs on ``provider``."""
    import torch

    from edgealign.bridge import PreferenceBridge
    from edgealign.training.synth import SynthConfig, generate_users

    torch.set_num_threads(threads)
    people = [list(u.persona.items())[:items] for u in generate_users(SynthConfig(users=users, seed=31337))]
    torch_ms, torch_out = _median_ms(_torch_infer(Path(checkpoint)), people, repeat)
    result: dict[str, Any] = {"users": users, "items": items, "threads": threads, "torch_ms": torch_ms}
    details = PreferenceBridge.load(artifact, providers=["cpu"]).manifest.details
    # A bridge shipped in the package holds the int8 graph only.
    runs = [(p, {"precision": p}) for p in ("fp32", "int8") if p in details.get("graphs", {})]
    static = "static" in details
    runs += [("static", {"graph": "static"})] if static else []
    for name, kw in runs:
        bridge = PreferenceBridge.load(artifact, providers=["cpu"], threads=threads, graph=kw.pop("graph", "packed"), **kw)
        result.update(_run(f"onnx_{name}", bridge, people, torch_out, repeat))
    if provider:
        for graph in ("packed", "static")[: 1 + static]:
            bridge = PreferenceBridge.load(artifact, providers=[provider], threads=threads, graph=graph)
            result.update(_run(f"{_slug(provider)}_{graph}", bridge, people, torch_out, repeat))
    for precision in ("int8", "fp32"):
        if f"onnx_{precision}_ms" in result:
            result[f"speedup_{precision}_vs_torch"] = torch_ms / result[f"onnx_{precision}_ms"]
    folder = Path(artifact)
    # What a device downloads: the int8 graph, the head (with the example memory) and the tokenizer.
    result["artifact_mb"] = sum((folder / f).stat().st_size for f in PACKAGE_FILES if (folder / f).is_file()) / 1e6
    if (folder / "bridge.onnx").is_file():
        result["fp32_graph_mb"] = (folder / "bridge.onnx").stat().st_size / 1e6
    if static:
        result["static_graph_mb"] = (folder / bridge.manifest.details["static"]["file"]).stat().st_size / 1e6
    bridge = PreferenceBridge.load(artifact, threads=threads)
    if bridge.reads_history:
        result.update(bench_update(bridge))
    return result


def _run(name: str, bridge: Any, people: list[list], torch_out: list, repeat: int) -> dict[str, Any]:
    """``name_ms``, ``argmax_agreement_name`` (against torch) and, off the CPU provider, where it ran."""
    ms, outs = _median_ms(lambda its: bridge.infer(its).distribution, people, repeat)
    agree = np.mean([(a.argmax(-1) == b.argmax(-1)).mean() for a, b in zip(torch_out, outs)])
    out = {f"{name}_ms": ms, f"argmax_agreement_{name.removeprefix('onnx_')}": float(agree)}
    if not name.startswith("onnx_"):
        out[f"{name}_ran_on"] = bridge.choice.label
    return out


def _slug(provider: str) -> str:
    """``OpenVINOExecutionProvider:CPU`` -> ``openvino_cpu``."""
    name, _, device = provider.partition(":")
    return "_".join(p for p in (name.lower().removesuffix("executionprovider"), device.lower()) if p)


def bench_update(bridge: Any, n_items: int = 200, repeat: int = 10, directory: str | None = None) -> dict[str, Any]:
    """Profile updates on an ``n_items`` history through a Personalizer and its encrypted
    store in a temporary folder (``directory``: where; default the system's temp dir).

    Medians of wall time and of this process's CPU time (which a busy machine inflates
    less; it leaves out waiting for the disk). The synthetic history's sentences are made
    distinct, as a person's are (the phrase bank repeats itself)."""
    from edgealign.personalizer import Personalizer
    from edgealign.store import PersonaStore
    from edgealign.training.synth import SynthConfig, generate_users

    user = next(generate_users(SynthConfig(users=1, seed=4242, history=n_items)))
    # n comments, n choices, a description; without the synthetic labels, as an app's items
    pool = [_distinct(item, n) for n, item in enumerate(user.persona.items())]
    history, fresh = pool[:n_items], pool[n_items:n_items + repeat]
    horizon = bridge.horizon
    with tempfile.TemporaryDirectory(dir=directory) as tmp:
        store = PersonaStore.open(os.path.join(tmp, "persona.db"), os.urandom(32))
        with Personalizer(store, bridge=bridge) as p:
            p.add_user("bench")
            p.record("bench", history[::-1])  # oldest first, so the pool's first item is the newest
            cold = _timed(lambda: p.profile("bench"))
            updates = []
            for item in fresh:
                p.record("bench", [item])
                updates.append(_timed(lambda: p.profile("bench")))
            items = [*fresh[-1:], *history][:n_items]
            cached = [None, *bridge.encode(items[1:])]
            alone = [_timed(lambda: bridge.infer(items, cached)) for _ in range(repeat)]
    out: dict[str, Any] = {"history_horizon": horizon}
    for name, runs in ((f"update_ms_{n_items}", updates), (f"update_bridge_ms_{n_items}", alone)):
        out[name] = statistics.median(w for w, _ in runs)
        out[name.replace("_ms_", "_cpu_ms_")] = statistics.median(c for _, c in runs)
    out[f"cold_ms_{n_items}"], out[f"cold_cpu_ms_{n_items}"] = cold
    return out


def _timed(fn: Callable[[], Any]) -> tuple[float, float]:
    """(wall ms, process CPU ms) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    fn()
    return (time.perf_counter() - wall) * 1000, (time.process_time() - cpu) * 1000


_SENTENCE_END = re.compile(r"([.!?])(?=\s|$)")


def _distinct(item: Any, n: int) -> Any:
    """``item`` unlabelled, each sentence ending in `` n``: no sentence repeats another item's."""
    fields = {f: _SENTENCE_END.sub(rf" {n}\1", getattr(item, f)) for f in ("comment", "chosen", "rejected", "text")
              if hasattr(item, f)}
    return dataclasses.replace(item, direction=None, **fields)
