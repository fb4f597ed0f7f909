"""The preference bridge on the device: raw persona items in, a PreferenceProfile out.

Runs the exported ONNX graph with onnxruntime and the ``tokenizers`` tokenizer shipped in the
artifact; no torch. The manifest and file hashes are checked before onnxruntime sees the
graph. Execution providers: an NPU or GPU provider when one is present (QNN, OpenVINO,
CoreML, CUDA, DirectML), else the CPU; if the preferred one fails to start, the CPU takes
over, and a log line says which ran.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .artifacts import BRIDGE_INPUTS, Manifest
from .errors import ArtifactError, ConfigError
from .featurize import bridge_units, configure, tokenize
from .persona import PersonaItem
from .preferences import N_DIMS, Evidence, PreferenceProfile

__all__ = ["PreferenceBridge", "PREFERRED_PROVIDERS", "default_bridge_path"]

log = logging.getLogger("edgealign.bridge")

#: Accelerators first, the CPU last; only those onnxruntime reports as available are tried.
PREFERRED_PROVIDERS = (
    "QNNExecutionProvider",
    "OpenVINOExecutionProvider",
    "CoreMLExecutionProvider",
    "CUDAExecutionProvider",
    "DmlExecutionProvider",
    "CPUExecutionProvider",
)
#: Evidence smaller than this is not reported (it moved nothing).
_MIN_EVIDENCE = 0.05


def default_bridge_path() -> Path:
    """Where ``make demo`` puts the bridge: ``$EDGEALIGN_HOME/artifacts/bridge``."""
    from .home import home_dir

    return home_dir() / "artifacts" / "bridge"


class PreferenceBridge:
    """Infers a user's profile from their comments, choices and description.

    ``PreferenceBridge.load(folder)`` opens an artifact written by ``edgealign export bridge``.
    ``precision`` picks the graph: "int8" (default when present) or "fp32".
    """

    def __init__(self, session: Any, tokenizer: Any, manifest: Manifest, folder: Path) -> None:
        self._session = session
        self._tokenizer = tokenizer
        self.manifest = manifest
        self.folder = folder
        self.max_items: int = int(manifest.details.get("max_items", 8))

    @classmethod
    def load(
        cls,
        folder: str | os.PathLike[str],
        *,
        precision: str | None = None,
        providers: Sequence[str] | None = None,
        threads: int | None = None,
    ) -> "PreferenceBridge":
        """Open and verify an artifact folder; errors say what is wrong with it."""
        folder = Path(folder)
        manifest = Manifest.read(folder, "bridge")
        graph = _graph(manifest, precision)
        inputs = manifest.details.get("inputs")
        if inputs != list(BRIDGE_INPUTS):
            raise ArtifactError(f"{folder}: graph inputs {inputs} are not this SDK's {list(BRIDGE_INPUTS)}; re-export")
        from tokenizers import Tokenizer

        try:
            tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        except Exception as exc:  # the tokenizers library raises its own Exception type
            raise ArtifactError(f"{folder}: tokenizer.json does not load ({exc})") from None
        configure(tokenizer, int(manifest.details.get("max_length", 64)))
        session = _session(folder / graph, providers, threads)
        return cls(session, tokenizer, manifest, folder)

    @property
    def providers(self) -> list[str]:
        """The execution providers the session runs on, in priority order."""
        return list(self._session.get_providers())

    def infer(self, items: Sequence[PersonaItem]) -> PreferenceProfile:
        """The profile the first ``max_items`` items suggest, with per-item evidence.

        No items give a neutral profile with zero confidence.
        """
        items = list(items)[: self.max_items]
        units = bridge_units(items)
        if not units.texts:
            dist = np.tile([0.0, 1.0, 0.0], (N_DIMS, 1))
            return PreferenceProfile(dist, confidence=np.zeros(N_DIMS))
        ids, mask = tokenize(self._tokenizer, units.texts)
        feed = {"input_ids": ids, "attention_mask": mask, "combine": units.combine,
                "sign": units.sign, "kind": units.kind}
        user_logits, evidence = self._session.run(["user_logits", "evidence"], feed)
        return PreferenceProfile(_softmax(user_logits), evidence=_item_evidence(evidence, units.item))

    def close(self) -> None:
        """Release the ONNX session (safe to call twice)."""
        self._session = None

    def __enter__(self) -> "PreferenceBridge":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _graph(manifest: Manifest, precision: str | None) -> str:
    graphs: dict[str, str] = manifest.details.get("graphs", {})
    if precision is None:
        precision = "int8" if "int8" in graphs else "fp32"
    if precision not in graphs:
        raise ConfigError(f"this bridge artifact has precisions {sorted(graphs)}, not {precision!r}")
    return graphs[precision]


def _session(path: Path, providers: Sequence[str] | None, threads: int | None) -> Any:
    import onnxruntime as ort

    options = ort.SessionOptions()
    if threads:
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
    available = set(ort.get_available_providers())
    wanted = [p for p in (providers or PREFERRED_PROVIDERS) if p in available] or ["CPUExecutionProvider"]
    try:
        session = ort.InferenceSession(str(path), options, providers=wanted)
    except Exception as exc:  # onnxruntime raises untyped errors for both bad graphs and bad providers
        if wanted == ["CPUExecutionProvider"]:
            raise ArtifactError(f"{path} is not a loadable ONNX graph ({exc})") from None
        log.warning("bridge: %s failed to start (%s); falling back to the CPU", wanted[0], exc)
        return _session(path, ["CPUExecutionProvider"], threads)
    log.info("bridge: running on %s", session.get_providers()[0])
    return session


def _softmax(logits: np.ndarray) -> np.ndarray:
    z = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def _item_evidence(unit_evidence: np.ndarray, unit_item: np.ndarray) -> list[Evidence]:
    """Sum each item's sentence evidence per dimension; keep what moved something."""
    per_item = np.zeros((int(unit_item.max()) + 1, unit_evidence.shape[1]))
    np.add.at(per_item, unit_item, unit_evidence)  # (items, 90)
    items, dims = np.nonzero(np.abs(per_item) >= _MIN_EVIDENCE)
    return [Evidence(int(d), int(i), float(per_item[i, d])) for i, d in zip(items, dims)]
