"""Starting ``edgealign serve`` (or its fake-model twin) as a subprocess on a free loopback port."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

HERE = Path(__file__).resolve().parent
PASSPHRASE = "server-test-passphrase-3c9e"  # must never appear in a server's output


def server_env(home: Path, **extra: str) -> dict[str, str]:
    """Offline, the test passphrase, this home; one thread per model (the machines are small)."""
    env = {**os.environ, "EDGEALIGN_PASSPHRASE": PASSPHRASE, "EDGEALIGN_HOME": str(home), "HF_HUB_OFFLINE": "1",
           "TRANSFORMERS_OFFLINE": "1", "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    env.pop("EDGEALIGN_PASSPHRASE_FILE", None)
    for proxy in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"):
        env.pop(proxy, None)  # loopback never goes through a proxy (httpx would honour one)
    return {**env, **extra}


def openai_client(base_url: str, api_key: str, **kw):
    """The official client on loopback: no retries, no proxy from the environment."""
    import openai

    return openai.OpenAI(base_url=base_url, api_key=api_key, max_retries=0,
                         http_client=openai.DefaultHttpxClient(trust_env=False), **{"timeout": 60, **kw})


def open_personalizer(home: Path):
    """The home's Personalizer in this process, on fakes (for set-up: users, tokens, counts)."""
    from edgealign import Personalizer
    from edgealign.store import PassphraseKey
    from edgealign.testing import FakeBridge, FakeLLM

    return Personalizer.open(home, PassphraseKey(PASSPHRASE), bridge=FakeBridge(), llm=FakeLLM())


class Server:
    """A server process; ``url`` once it says where it listens (stderr goes to ``log``)."""

    def __init__(self, args: list[str], home: Path, log: Path, *, timeout: float = 180) -> None:
        self.log_path = log
        self._log = open(log, "w")
        self.proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=self._log, stdin=subprocess.DEVNULL,
                                     text=True, env=server_env(home))
        self._lines: queue.Queue[str | None] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.stdout: list[str] = []
        self.url = self.sign_in = ""
        while not self.url:
            try:
                line = self._lines.get(timeout=timeout)
            except queue.Empty:
                self.kill()
                raise AssertionError(f"no address within {timeout} s; stderr:\n{self.log}") from None
            if line is None:
                self.kill()
                raise AssertionError(f"the server exited ({self.proc.returncode}); stderr:\n{self.log}")
            if m := re.match(r"listening on (http://127\.0\.0\.1:\d+)$", line):
                self.url = m.group(1)
            if m := re.match(r"sign in .*: (http://\S+)$", line):
                self.sign_in = m.group(1)
        if args.count("--open"):
            self.sign_in = self.sign_in or (self._lines.get(timeout=30) or "").split(": ", 1)[-1]

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.stdout.append(line)
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    @property
    def base_url(self) -> str:
        return self.url + "/v1"

    @property
    def log(self) -> str:
        if not self._log.closed:
            self._log.flush()
        return self.log_path.read_text()

    def stop(self, timeout: float = 60) -> int:
        """SIGTERM, then wait; the exit code."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        self._log.close()


def fake_server(home: Path, log: Path, *args: str) -> Server:
    """The fake-model server on ``home`` (its users and tokens made beforehand), with a context
    (--n-ctx) of 65,536 tokens unless told: room for the long replies the tests ask for."""
    context = [] if "--n-ctx" in args else ["--n-ctx", "65536"]
    return Server([sys.executable, str(HERE / "_server_fake.py"), "--home", str(home), "--port", "0", *context,
                   *args], home, log, timeout=60)


def cli(home: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    """``edgealign ARGS`` against ``home``."""
    proc = subprocess.run([sys.executable, "-m", "edgealign.cli", *args], capture_output=True, text=True,
                          env=server_env(home), stdin=subprocess.DEVNULL, timeout=120)
    if check:
        assert proc.returncode == 0, proc.stderr
    return proc
