"""``edgealign bench serve``: the server's overhead over calling the Personalizer directly.

In one run, on a temporary store: ``clients`` concurrent HTTP clients each send ``requests``
chat completions (``max_tokens`` 16) to an ``edgealign serve`` subprocess on loopback, then the
same calls go straight through a Personalizer in this process, one after another (the model
answers one request at a time either way). Reported: the server's ``p50_ms`` / ``p95_ms`` per
request, ``throughput_ratio`` (server requests/s over direct requests/s; goal >= 0.9) and
``errors`` (goal 0). Then ``writers`` clients each record ``writes`` comments for one user at
the same time; ``writes_lost`` counts those missing from the store afterwards (goal 0).
Loopback only, every request and the whole run bounded in time.
"""

from __future__ import annotations

import http.client
import json
import os
import queue
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

__all__ = ["bench_serve"]

_TASKS = ("I have a free Saturday and a small budget. What should I do with the day?",
          "How do I start running again after a long break?",
          "What should I cook for friends tonight?",
          "Explain what a mortgage is.")
_HISTORY = ("Keep it short, I read on my phone.", "I like a joke with my answers.",
            "Please be thorough and give me the details.", "Straight talk, no fluff.")
_TIMEOUT_S = 300  # one request, at most


def bench_serve(model: str | os.PathLike[str] | None = None, *, bridge: str | os.PathLike[str] | None = None,
                n_threads: int = 1, clients: int = 8, requests: int = 10, max_tokens: int = 16,
                writers: int = 8, writes: int = 125, conditioning: str | None = None) -> dict[str, Any]:
    """Measure the server against the direct Personalizer; one JSON-ready dict (see the module)."""
    from ..bridge import default_bridge_path
    from ..errors import ArtifactError
    from ..home import build_hint

    bridge = Path(bridge) if bridge else default_bridge_path()
    if not (bridge / "manifest.json").is_file():
        raise ArtifactError(f"no bridge artifact in {bridge}: pass --bridge DIR, or {build_hint(bridge)}")
    load_before = round(os.getloadavg()[0], 2)
    with tempfile.TemporaryDirectory(prefix="edgealign-bench-serve-") as tmp:
        home, passphrase = Path(tmp) / "home", secrets.token_urlsafe(24)
        users, token = _prepare(home, passphrase, bridge, model, clients)
        calls = [(users[c], _TASKS[(c + i) % len(_TASKS)]) for c in range(clients) for i in range(requests)]
        options = {"max_tokens": max_tokens, "temperature": 0.7, "seed": 7, "conditioning": conditioning}
        server = _start(home, passphrase, bridge, model, n_threads)
        try:
            chat = _timed_chat(server.port, token, options)
            chat(calls[0])  # warm-up: the first answer pays for loading caches
            wall, latencies, errors = _concurrent(chat, [calls[c::clients] for c in range(clients)])
            writes_ok, write_errors, write_wall = _write_storm(server.port, token, writers, writes)
        finally:
            server.stop()
        direct_wall, direct_latencies, direct_errors = _direct(home, passphrase, bridge, model, n_threads, calls,
                                                               options)
        stored = _count_writes(home, passphrase)
    server_rps, direct_rps = len(calls) / wall, len(calls) / direct_wall
    return {
        "model": Path(model).name if model else "bundled SmolLM2", "bridge": str(bridge), "threads": n_threads,
        "conditioning": conditioning or "default", "clients": clients, "requests_per_client": requests,
        "max_tokens": max_tokens, "p50_ms": _pct(latencies, 50), "p95_ms": _pct(latencies, 95),
        "server_requests_per_s": round(server_rps, 3), "direct_requests_per_s": round(direct_rps, 3),
        "direct_p50_ms": _pct(direct_latencies, 50), "throughput_ratio": round(server_rps / direct_rps, 3),
        "errors": errors + direct_errors, "writers": writers, "writes_per_writer": writes,
        "writes_acknowledged": writes_ok, "write_errors": write_errors,
        "writes_lost": writes_ok - stored, "writes_per_s": round(writes_ok / write_wall, 1),
        "load_average": [load_before, round(os.getloadavg()[0], 2)],  # 1-minute, before and after: a shared machine?
        "goals": {"throughput_ratio": ">= 0.9", "errors": 0, "writes_lost": 0},
    }


def _pct(values: list[float], q: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return round(ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))], 1)


def _personalizer(home: Path, passphrase: str, bridge: Path, model: Any, n_threads: int | None = None) -> Any:
    from ..personalizer import Personalizer
    from ..store import PassphraseKey

    return Personalizer.open(home, PassphraseKey(passphrase), bridge=bridge, llm=model, n_threads=n_threads)


def _prepare(home: Path, passphrase: str, bridge: Path, model: Any, clients: int) -> tuple[list[str], str]:
    """Users with a little history each, one writer, and a token for all of them."""
    with _personalizer(home, passphrase, bridge, model) as p:
        users = [f"user{c}" for c in range(clients)]
        for c, name in enumerate(users):
            p.add_user(name)
            p.record_comment(name, "How do you like your answers?", _HISTORY[c % len(_HISTORY)])
        p.add_user("writer")
        return users, p.tokens.create("bench", all_users=True)


class _Server:
    def __init__(self, proc: subprocess.Popen, port: int) -> None:
        self.proc, self.port = proc, port

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _start(home: Path, passphrase: str, bridge: Path, model: Any, n_threads: int) -> _Server:
    """``edgealign serve`` on a free loopback port, once it says where it listens."""
    cmd = [sys.executable, "-m", "edgealign.cli", "serve", "--port", "0", "--bridge", str(bridge),
           "--threads", str(n_threads), "--queue", "256"]
    if model:
        cmd += ["--model", str(model)]
    env = {**os.environ, "EDGEALIGN_HOME": str(home), "EDGEALIGN_PASSPHRASE": passphrase}
    env.pop("EDGEALIGN_PASSPHRASE_FILE", None)
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                            text=True, env=env)
    lines: queue.Queue[str] = queue.Queue()
    def pump() -> None:
        for line in proc.stdout or ():
            lines.put(line)
        lines.put("")
    threading.Thread(target=pump, daemon=True).start()
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=1)
        except queue.Empty:
            continue
        if m := re.match(r"listening on http://127\.0\.0\.1:(\d+)", line):
            return _Server(proc, int(m.group(1)))
        if not line:
            break
    proc.kill()
    from ..errors import ModelError

    raise ModelError(f"edgealign serve did not start (exit code {proc.wait()}); run it by hand to see why")


def _post(port: int, token: str, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=_TIMEOUT_S)
    try:
        conn.request("POST", path, json.dumps(body), {"Authorization": f"Bearer {token}",
                                                     "Content-Type": "application/json"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _timed_chat(port: int, token: str, options: dict[str, Any]) -> Callable[[tuple[str, str]], float | None]:
    """One chat request over HTTP: its milliseconds, or None when it failed."""
    extra = {"edgealign": {"conditioning": options["conditioning"]}} if options["conditioning"] else {}

    def chat(call: tuple[str, str]) -> float | None:
        user, task = call
        body = {"model": _model_id(port, token), "user": user, "max_tokens": options["max_tokens"],
                "temperature": options["temperature"], "seed": options["seed"],
                "messages": [{"role": "user", "content": task}], **extra}
        start = time.perf_counter()
        try:
            status, _ = _post(port, token, "/v1/chat/completions", body)
        except OSError:
            return None
        return (time.perf_counter() - start) * 1000 if status == 200 else None
    return chat


_MODEL_IDS: dict[int, str] = {}


def _model_id(port: int, token: str) -> str:
    if port not in _MODEL_IDS:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        conn.request("GET", "/v1/models", headers={"Authorization": f"Bearer {token}"})
        _MODEL_IDS[port] = json.loads(conn.getresponse().read())["data"][0]["id"]
        conn.close()
    return _MODEL_IDS[port]


def _concurrent(chat: Callable[[Any], float | None], per_client: list[list[Any]]) -> tuple[float, list[float], int]:
    """Each client's calls in its own thread: wall seconds, latencies, failures."""
    latencies: list[float] = []
    failures = [0]
    lock = threading.Lock()

    def client(calls: list[Any]) -> None:
        for call in calls:
            ms = chat(call)
            with lock:
                if ms is None:
                    failures[0] += 1
                else:
                    latencies.append(ms)
    threads = [threading.Thread(target=client, args=(calls,)) for calls in per_client]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - start, latencies, failures[0]


def _direct(home: Path, passphrase: str, bridge: Path, model: Any, n_threads: int, calls: list[tuple[str, str]],
            options: dict[str, Any]) -> tuple[float, list[float], int]:
    """The same calls through a Personalizer in this process, after one warm-up."""
    with _personalizer(home, passphrase, bridge, model, n_threads) as p:
        def chat(call: tuple[str, str]) -> float | None:
            start = time.perf_counter()
            try:
                p.chat(call[0], call[1], conditioning=options["conditioning"], max_tokens=options["max_tokens"],
                       temperature=options["temperature"], seed=options["seed"])
            except Exception:
                return None
            return (time.perf_counter() - start) * 1000
        chat(calls[0])
        return _concurrent(chat, [calls])


def _write_storm(port: int, token: str, writers: int, writes: int) -> tuple[int, int, float]:
    """``writers`` clients recording ``writes`` comments each for one user, all at once."""
    ok, failed = [0], [0]
    lock = threading.Lock()

    def writer(n: int) -> None:
        for i in range(writes):
            try:
                status, _ = _post(port, token, "/v1/users/writer/comments",
                                  {"prompt": "bench", "comment": f"writer {n} item {i}"})
            except OSError:
                status = 0
            with lock:
                (ok if status == 200 else failed)[0] += 1
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(writers)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return ok[0], failed[0], time.perf_counter() - start


def _count_writes(home: Path, passphrase: str) -> int:
    """Distinct bench comments the store holds for the writer."""
    from ..persona import Comment
    from ..store import PassphraseKey, PersonaStore
    from ..home import Home

    with PersonaStore.open(Home(home).store, PassphraseKey(passphrase)) as store:
        return len({s.item.comment for s in store.records.items("writer")
                    if isinstance(s.item, Comment) and s.item.prompt == "bench"})
