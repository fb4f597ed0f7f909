"""Which execution provider and device runs the bridge, chosen at run time.

onnxruntime (1.22 and later) takes execution providers as *plugins*: a package such as
``onnxruntime-ep-openvino`` ships a library that is registered with
``onnxruntime.register_execution_provider_library`` and then lists its devices in
``onnxruntime.get_ep_devices()`` beside the CPU. :func:`register_plugins` registers every
installed package named ``onnxruntime_ep_*`` that exposes ``get_library_path()`` and
``get_ep_name()`` (the convention of onnxruntime's plugin packages), once per process.

:func:`choose` picks, in order: what the caller asked for (``providers=``), else what
``$EDGEALIGN_BRIDGE_PROVIDER`` names, else an NPU device when one is listed (OpenVINO's NPU,
QNN, VitisAI), else an accelerator provider built into onnxruntime, else the CPU. A request is
a provider name, optionally with a device type: ``OpenVINOExecutionProvider:CPU``,
``openvino:npu``, ``qnn``, ``cpu``. The fixed-shape graph runs on any plugin device (NPU
providers compile fixed shapes and refuse NonZero and CumSum), the packed graph on the CPU
provider.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import pkgutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from .errors import ArtifactError

__all__ = ["PROVIDER_ENV", "NPU_PROVIDERS", "BUILTIN_PROVIDERS", "Device", "Choice", "register_plugins",
           "devices", "choose", "open_session", "cpu_session", "summary"]

log = logging.getLogger("edgealign.bridge")

PROVIDER_ENV = "EDGEALIGN_BRIDGE_PROVIDER"
CPU = "CPUExecutionProvider"
#: NPU providers, most preferred first, when several list an NPU device.
NPU_PROVIDERS = ("QNNExecutionProvider", "OpenVINOExecutionProvider", "VitisAIExecutionProvider")
#: Accelerator providers built into some onnxruntime builds (not plugins), tried before the CPU.
BUILTIN_PROVIDERS = ("QNNExecutionProvider", "OpenVINOExecutionProvider", "CoreMLExecutionProvider",
                     "CUDAExecutionProvider", "DmlExecutionProvider")
_ALIASES = {"cpu": CPU, "openvino": "OpenVINOExecutionProvider", "qnn": "QNNExecutionProvider",
            "vitisai": "VitisAIExecutionProvider", "coreml": "CoreMLExecutionProvider",
            "cuda": "CUDAExecutionProvider", "dml": "DmlExecutionProvider"}
_KIND_ORDER = {"NPU": 0, "GPU": 1, "CPU": 2}
_registered: dict[str, str] = {}  # registration name -> library path
_scanned = False


@dataclass(frozen=True)
class Device:
    """One device an execution provider offers (from ``onnxruntime.get_ep_devices()``)."""

    provider: str          # the execution provider's name
    kind: str              # NPU, GPU or CPU
    vendor: str = ""
    detail: str = ""       # e.g. OpenVINO's device name
    handle: Any = field(default=None, compare=False, repr=False)  # the OrtEpDevice

    @property
    def label(self) -> str:
        return f"{self.provider}:{self.kind}"


@dataclass(frozen=True)
class Choice:
    """Where the bridge's encoder runs: an EP device (``device``) or built-in provider names."""

    providers: tuple[str, ...]
    device: Device | None = None
    static: bool = False    # the fixed-shape graph (else the packed one)
    why: str = ""

    @property
    def label(self) -> str:
        return self.device.label if self.device else self.providers[0]


def register_plugins() -> list[str]:
    """Register the installed plugin execution providers with onnxruntime (once per process);
    the registration names."""
    import onnxruntime as ort

    global _scanned
    if _scanned or not hasattr(ort, "register_execution_provider_library"):
        return sorted(_registered)
    _scanned = True  # packages installed while the process runs are not looked for again
    for module in sorted(m.name for m in pkgutil.iter_modules() if m.name.startswith("onnxruntime_ep_")):
        try:
            plugin = importlib.import_module(module)
            name, library = plugin.get_ep_name(), plugin.get_library_path()
        except Exception as exc:  # a broken plugin package must not stop the CPU path
            log.warning("bridge: the execution provider package %s does not load (%s); skipping it", module, exc)
            continue
        if name in _registered:
            continue
        try:
            ort.register_execution_provider_library(name, library)
        except Exception as exc:  # onnxruntime raises untyped errors (a library of another ABI, say)
            log.warning("bridge: onnxruntime refused the execution provider %s from %s (%s)", name, library, exc)
            continue
        _registered[name] = library
    return sorted(_registered)


def devices() -> list[Device]:
    """Every (provider, device) onnxruntime lists, plugins registered first."""
    import onnxruntime as ort

    register_plugins()
    if not hasattr(ort, "get_ep_devices"):
        return [Device(CPU, "CPU")]
    found = []
    for d in ort.get_ep_devices():
        kind = getattr(d.device.type, "name", str(d.device.type)).rsplit(".", 1)[-1]
        detail = d.ep_metadata.get("ov_device", "") if hasattr(d.ep_metadata, "get") else ""
        found.append(Device(d.ep_name, kind, d.device.vendor, detail, d))
    return found


def _parse(request: str) -> tuple[str, str | None]:
    name, _, kind = request.strip().partition(":")
    return _ALIASES.get(name.lower(), name), (kind.upper() or None)


def choose(listed: Sequence[Device], available: Sequence[str], requested: Sequence[str] | None = None,
           *, has_static: bool = True) -> Choice:
    """Where to run the encoder, given the EP devices ``listed``, the built-in ``available``
    provider names and what was ``requested`` (None: ``$EDGEALIGN_BRIDGE_PROVIDER``, then
    automatic). Requests nothing offers are skipped with a warning; the CPU is the last resort."""
    env = os.environ.get(PROVIDER_ENV, "").strip()
    source = "providers=" if requested else f"${PROVIDER_ENV}"
    if not requested and env:
        requested = [r for r in env.split(",") if r.strip()]
    if requested:
        for request in requested:
            choice = _match(request, listed, available, has_static)
            if choice:
                return Choice(choice.providers, choice.device, choice.static, f"{source} asked for {request}")
        log.warning("bridge: none of %s is available (devices: %s); running on the CPU", list(requested),
                    ", ".join(d.label for d in listed) or "none")
        return Choice((CPU,), why=f"{source} asked for {', '.join(requested)}: none available")
    npus = sorted((d for d in listed if d.kind == "NPU"),
                  key=lambda d: NPU_PROVIDERS.index(d.provider) if d.provider in NPU_PROVIDERS else len(NPU_PROVIDERS))
    if npus and has_static:
        return Choice((npus[0].provider, CPU), npus[0], True, "an NPU is listed")
    if npus:
        log.warning("bridge: %s is listed but this artifact has no fixed-shape graph; re-export it with "
                    "`edgealign export bridge --static` to run there. Running on the CPU", npus[0].label)
    # A registered plugin shows in get_available_providers() too: its devices decide above.
    builtin = [p for p in BUILTIN_PROVIDERS if p in available and p not in {d.provider for d in listed}]
    if builtin:
        return Choice((*builtin, CPU), why="an accelerator provider is built into onnxruntime")
    return Choice((CPU,), why="no NPU listed" if not npus else "no fixed-shape graph for the NPU")


def _match(request: str, listed: Sequence[Device], available: Sequence[str], has_static: bool) -> Choice | None:
    name, kind = _parse(request)
    if name == CPU and kind in (None, "CPU"):
        return Choice((CPU,))
    offered = sorted((d for d in listed if d.provider == name and d.handle is not None and kind in (None, d.kind)),
                     key=lambda d: _KIND_ORDER.get(d.kind, 3))
    if offered:
        return Choice((name, CPU), offered[0], has_static)
    if kind is None and name in available:
        return Choice((name, CPU))
    return None


def open_session(path: Path, choice: Choice, threads: int | None, *, strict: bool = True) -> Any:
    """An onnxruntime session for the graph at ``path`` as ``choice`` says. On an EP device,
    ``strict`` makes onnxruntime refuse a graph the device does not take whole (no node may
    fall back to the CPU provider). Raises whatever onnxruntime raises."""
    import onnxruntime as ort

    options = _options(threads)
    if choice.device is None:
        return ort.InferenceSession(str(path), options, providers=list(choice.providers))
    if strict:
        options.add_session_config_entry("session.disable_cpu_ep_fallback", "1")
    ep_options = {}
    if threads and choice.device.provider == "OpenVINOExecutionProvider" and choice.device.kind == "CPU":
        # OpenVINO's own thread pool ignores the session's; this is how its plugin takes a count.
        ep_options["load_config"] = json.dumps({"CPU": {"INFERENCE_NUM_THREADS": str(threads)}})
    options.add_provider_for_devices([choice.device.handle], ep_options)
    return ort.InferenceSession(str(path), options)


def cpu_session(path: Path, threads: int | None) -> Any:
    """A CPU-provider session; ArtifactError when the graph does not load."""
    import onnxruntime as ort

    try:
        return ort.InferenceSession(str(path), _options(threads), providers=[CPU])
    except Exception as exc:  # onnxruntime raises untyped errors for bad graphs
        raise ArtifactError(f"{path} is not a loadable ONNX graph ({exc})") from None


def _options(threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    return options


def summary(folder: Path | None = None) -> dict[str, Any]:
    """What this machine offers the bridge: plugins registered, devices, and the choice for
    the bridge artifact in ``folder`` (for ``edgealign doctor``; without a readable one, for
    an artifact with a fixed-shape graph)."""
    import onnxruntime as ort

    from .artifacts import Manifest

    has_static = True
    if folder is not None:
        try:
            has_static = "static" in Manifest.read(folder, "bridge").details
        except ArtifactError:
            pass
    listed = devices()
    choice = choose(listed, ort.get_available_providers(), None, has_static=has_static)
    return {"plugins": sorted(_registered), "devices": [d.label + (f" ({d.detail})" if d.detail else "") for d in listed],
            "choice": choice.label, "graph": "static" if choice.static else "packed", "why": choice.why,
            "override": os.environ.get(PROVIDER_ENV) or None}
