"""Crashes and several processes: SIGKILL at any moment loses no acknowledged write, and
four writers at once never see "database is locked"."""

from __future__ import annotations

import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from edgealign.store import PersonaStore

KEY = bytes(range(32))
WRITER = Path(__file__).with_name("_store_writer.py")

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs POSIX signals")


def writer(path: Path, user: str, count: int, *go_file: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(WRITER), str(path), KEY.hex(), user, str(count), *map(str, go_file)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def acks(output: str) -> dict[int, str]:
    """The writes a writer acknowledged: complete ``ack`` lines only (a kill may cut the last)."""
    acked = {}
    for line in output.splitlines(keepends=True):
        parts = line.split()
        if line.endswith("\n") and len(parts) == 3 and parts[0] == "ack":
            acked[int(parts[1])] = parts[2]
    return acked


def assert_holds(path: Path, user: str, acked: dict[int, str]) -> None:
    with PersonaStore.open(path, KEY) as store:
        assert store.check() == []
        stored = {s.id: s.item.comment for s in store.records.items(user)} if store.has_user(user) else {}
    lost = {i: t for i, t in acked.items() if stored.get(i) != t}
    assert not lost, f"acknowledged writes lost: {sorted(lost)[:10]}"


@pytest.mark.slow
def test_sigkill_at_any_moment_loses_no_acknowledged_write(tmp_path):
    path = tmp_path / "p.db"
    rng = random.Random(7)
    acked: dict[int, str] = {}
    for kill in range(15):
        proc = writer(path, "alice", 0)
        time.sleep(rng.uniform(0.0, 1.2))  # sometimes mid-open or mid-migration, mostly mid-loop
        proc.send_signal(signal.SIGKILL)
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == -signal.SIGKILL, err
        acked.update(acks(out))
        assert_holds(path, "alice", acked)
    assert len(acked) > 50, "the writer should have acknowledged writes before most kills"


@pytest.mark.slow
def test_four_processes_writing_at_once_lose_nothing(tmp_path):
    path = tmp_path / "p.db"
    users = ["ann", "ben", "cat", "ann"]  # two writers share a user: ids and user creation race
    PersonaStore.open(path, KEY).close()
    go = tmp_path / "go"
    procs = [writer(path, u, 100, go) for u in users]
    for proc in procs:  # every writer has the store open; then all start at once
        assert proc.stdout.readline() == "ready\n"
    go.touch()
    acked: dict[str, dict[int, str]] = {}
    for user, proc in zip(users, procs):
        out, err = proc.communicate(timeout=240)
        assert proc.returncode == 0, err
        assert "locked" not in err and "busy" not in err.lower()
        assert out.endswith("done\n")
        acked.setdefault(user, {}).update(acks(out))
    assert sum(len(a) for a in acked.values()) == 4 * 140  # 80 single writes + 20 batches of 3
    for user, items in acked.items():
        assert_holds(path, user, items)
    with PersonaStore.open(path, KEY) as store:
        assert store.users() == ["ann", "ben", "cat"]
        assert len(store.records.items("ann")) == 280
