"""A model file not seen before is first opened in a short-lived child process.

:func:`edgealign._gguf_check.check_gguf` refuses every hyper-parameter llama.cpp is known to
trust, but llama.cpp is native code: what the checks miss may still abort the process
(``GGML_ASSERT``), crash it or hang it. So before a file is loaded in the caller's process it
is loaded in a child, which decodes a few tokens and samples one; a child that dies by a
signal, exits with an error or overruns its deadline gets the file refused with an
ArtifactError naming the file and the cause.

The verdict is kept in the home (``cache/model-probes/``) by the file's SHA-256, the
llama-cpp-python version and this module's version, so each file costs one probe
(2 to 5 s for the bundled SmolLM2 on a busy 2-core machine; docs/errors.md). Overruns are not kept:
a loaded machine gets another try. For a file you trust, skip the probe with
``EDGEALIGN_TRUST_MODELS=1`` or ``validate_model(path, trust=True)``.

Run as ``python -m edgealign._probe FILE [ADAPTER]`` it is the child (a LoRA adapter is probed
on its model the same way, :func:`edgealign._adapter.probe_adapter`).
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from ._gguf_check import GGUFInfo, check_gguf
from .errors import ArtifactError, EdgeAlignError

__all__ = ["validate_model", "probe_model", "cached_verdict", "TRUST_ENV", "PROBE_TIMEOUT_S"]

TRUST_ENV = "EDGEALIGN_TRUST_MODELS"
#: Seconds the child may take to load the model and answer; past it the file is refused.
PROBE_TIMEOUT_S = 120.0
_PROBE_VERSION = 1
_ERROR_EXIT = 3  # the child refused the file with an edgealign error (its message on stderr)
_TAIL = 4000  # bytes of the child's stderr kept to explain a crash


def _trusted(trust: bool | None) -> bool:
    if trust is not None:
        return trust
    return os.environ.get(TRUST_ENV, "").strip().lower() in ("1", "true", "yes")


def validate_model(path: str | os.PathLike[str], *, home: Any = None, trust: bool | None = None,
                   timeout: float = PROBE_TIMEOUT_S) -> GGUFInfo:
    """Everything done before a GGUF file may be loaded in this process: the header and
    hyper-parameter checks, then (unless trusted) the child-process probe.

    ``home``: a :class:`~edgealign.home.Home` or folder for the verdict cache (default: the
    default home). ``trust`` True skips the probe; None reads ``$EDGEALIGN_TRUST_MODELS``.
    Returns the file's header; ArtifactError naming the file and the cause otherwise.
    """
    if _trusted(trust):
        return check_gguf(path)
    known = cached_verdict(path, home=home) if Path(path).is_file() else None
    if known and known.get("ok"):  # the child ran every check on these very bytes
        return check_gguf(path, vocabulary=False)
    info = check_gguf(path)
    probe_model(info.path, home=home, timeout=timeout)
    return info


def probe_model(path: str | os.PathLike[str], *, home: Any = None, timeout: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """The verdict on ``path`` (cached, or from a new child): ``{"ok": True, ...}``, else
    ArtifactError naming the file and why."""
    from .home import Home

    path = Path(path)
    home = home if isinstance(home, Home) else Home(home)
    digest = _digest(home, path) or ""
    cache = home.model_probes / f"{digest}-{_runtime()}.json"
    verdict = _read(cache)
    if verdict is None:
        verdict = _run_child(path, timeout)
        if verdict.get("cache", True):
            _write(home, cache, verdict)
    if not verdict["ok"]:
        raise ArtifactError(f"{path}: {verdict['cause']}; the file is refused (it was opened in a child process "
                            "first, so this process is unharmed)")
    return verdict


def cached_verdict(path: str | os.PathLike[str], *, home: Any = None) -> dict[str, Any] | None:
    """The verdict kept for ``path`` in the home, or None when it was not probed yet (or the
    file changed). Runs no child."""
    from .home import Home

    home = home if isinstance(home, Home) else Home(home)
    try:
        digest = _digest(home, Path(path), write=False)
    except OSError:
        return None
    return _read(home.model_probes / f"{digest}-{_runtime()}.json") if digest else None


def _runtime() -> str:
    try:
        from importlib.metadata import version

        llama = version("llama_cpp_python")
    except Exception:  # not installed: the probe will say so
        llama = "none"
    return f"llama{llama}-p{_PROBE_VERSION}"


def _digest(home: Any, path: Path, write: bool = True) -> str | None:
    """The file's SHA-256, remembered by (path, size, mtime, inode) so a file is read once."""
    st = path.stat()
    key = hashlib.sha256(f"{path.resolve()}\0{st.st_size}\0{st.st_mtime_ns}\0{st.st_ino}".encode()).hexdigest()
    index = home.model_probes / "by-stat" / f"{key[:32]}.json"
    known = _read(index)
    if known and isinstance(known.get("sha256"), str):
        return known["sha256"]
    if not write:
        return None
    from .artifacts import sha256_file

    digest = sha256_file(path)
    _write(home, index, {"sha256": digest, "path": str(path)})
    return digest


def _read(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and ("ok" in data or "sha256" in data) else None


def _write(home: Any, path: Path, data: dict[str, Any]) -> None:
    """Atomically, in a 0700 folder; a cache that cannot be written is only a cache."""
    try:
        home.subdir(path.parent)
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(data, f)
        os.replace(tmp, path)
    except OSError:
        pass


def _command(path: Path) -> list[str]:
    """The child's command line (a function, so tests can put a crashing child in its place)."""
    return [sys.executable, "-m", "edgealign._probe", str(path)]


def _run_child(path: Path, timeout: float, adapter: Path | None = None) -> dict[str, Any]:
    # ggml prints a backtrace through gdb before it aborts: seconds, and nothing we show
    env = {**os.environ, "OMP_NUM_THREADS": "1", "GGML_NO_BACKTRACE": "1"}
    start = time.monotonic()
    command = _command(path) + ([str(adapter)] if adapter is not None else [])
    try:
        proc = subprocess.run(command, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"ok": False, "cache": False,
                "cause": f"llama.cpp did not load it and answer one token within {timeout:g} s (a hang?)"}
    seconds = round(time.monotonic() - start, 3)
    err = proc.stderr[-_TAIL:].decode("utf-8", errors="replace")
    if proc.returncode == 0:
        return {"ok": True, "seconds": seconds}
    if proc.returncode < 0:
        return {"ok": False, "seconds": seconds,
                "cause": f"llama.cpp crashed on it ({_signal_name(-proc.returncode)}{_assertion(err)})"}
    lines = [line for line in err.splitlines() if line.strip()]
    message = lines[-1] if lines else f"exit status {proc.returncode}"
    if proc.returncode == _ERROR_EXIT:
        return {"ok": False, "seconds": seconds, "cause": message.removeprefix("edgealign: error: ")}
    return {"ok": False, "seconds": seconds, "cache": False,
            "cause": f"the probe process failed (exit status {proc.returncode}: {message})"}


def _signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def _assertion(stderr: str) -> str:
    for line in reversed(stderr.splitlines()):
        if "GGML_ASSERT" in line or "error" in line.lower():
            return ": " + line.strip()[-300:]
    return ""


def decode_once(info: GGUFInfo, *, verbose: bool = False, adapter: Path | None = None) -> None:
    """Load a checked file in this process (with the LoRA ``adapter`` set, when given), decode
    a short prompt with every position's logits and sample one token: what the probe's child
    (and the fuzzer) ask of a model."""
    from ._llama import load_adapter, load_llama, set_adapter

    llama = load_llama(info.path, n_ctx=64, n_threads=1, seed=0, logits_all=True, verbose=verbose)
    try:
        if adapter is not None:
            set_adapter(llama, load_adapter(llama, adapter))
        ids = llama.tokenize(b"Hello, world.", add_bos=True, special=True)[:16] or [0]
        llama.eval(ids)
        token = llama.sample(temp=0.0)
        llama.detokenize([token], special=True)
    finally:
        llama.close()


def _child(path: str, adapter: str | None = None) -> int:
    """Load ``path`` (and the LoRA ``adapter``), decode a short prompt with every position's
    logits, sample one token."""
    info = check_gguf(path)
    if adapter is not None:
        from ._gguf_check import check_adapter

        check_adapter(adapter, info)
    decode_once(info, verbose=True, adapter=None if adapter is None else Path(adapter))
    return 0


if __name__ == "__main__":
    from .errors import MissingDependencyError

    try:
        sys.exit(_child(*sys.argv[1:3]))
    except MissingDependencyError as exc:  # not the file's fault: not cached
        print(f"edgealign: error: {exc}", file=sys.stderr)
        sys.exit(_ERROR_EXIT + 1)
    except EdgeAlignError as exc:
        print(f"edgealign: error: {exc}", file=sys.stderr)
        sys.exit(_ERROR_EXIT)
