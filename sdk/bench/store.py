"""How fast the encrypted store is next to plain sqlite-utils, on this machine, in one run.

Both arms write the same synthetic comments in the same batches (one transaction per batch),
with the same schema shape, journal mode (WAL) and ``synchronous`` setting; the only
differences are the encryption layers: SQLCipher pages and per-user AES-GCM payloads.
"""

from __future__ import annotations

import json
import os
import random
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from ..persona import Comment, item_from_dict

__all__ = ["bench_store"]

_WORDS = ("coffee hiking jazz budget travel kids garden code weather movies recipes cycling news "
          "football privacy books tea chess running cats dogs history science art music").split()


def _items(n: int, seed: int = 0) -> list[Comment]:
    rng = random.Random(seed)

    def text(words: int) -> str:
        return " ".join(rng.choice(_WORDS) for _ in range(words))
    return [Comment(text(12) + "?", text(30) + ".") for _ in range(n)]


def _batches(items: list[Comment], users: int, batch: int) -> list[tuple[str, list[Comment]]]:
    """(user, items) batches: users take turns, as if they used the app over time."""
    chunks = [items[i:i + batch] for i in range(0, len(items), batch)]
    return [(f"user{i % users:04d}", chunk) for i, chunk in enumerate(chunks)]


def _rate(n: int, seconds: float) -> float:
    return round(n / seconds, 1) if seconds > 0 else float("inf")


def _timed(fn: Callable[[], Any]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def _percentiles_ms(samples: list[float]) -> tuple[float, float]:
    ms = sorted(s * 1000 for s in samples)
    return round(statistics.median(ms), 4), round(ms[int(0.95 * (len(ms) - 1))], 4)


class _Plain:
    """The baseline: sqlite-utils on stdlib sqlite3, no encryption, same shape."""

    def __init__(self, path: Path) -> None:
        import sqlite_utils

        self.db = sqlite_utils.Database(path)
        self.db.execute("PRAGMA journal_mode = WAL")
        self.db.execute("PRAGMA synchronous = FULL")
        self.db.table("items").create({"id": int, "uid": str, "created_at": float, "payload": str}, pk="id")
        self.db.table("items").create_index(["uid", "created_at", "id"])

    @property
    def records(self) -> "_Plain":
        """The same face as the store's records room, so both arms run the same calls."""
        return self

    def add_items(self, user: str, items: list[Comment]) -> None:
        now = time.time()
        rows = [{"uid": user, "created_at": now, "payload": json.dumps(i.to_dict(), ensure_ascii=False)} for i in items]
        self.db.conn.execute("BEGIN IMMEDIATE")
        self.db.table("items").insert_all(rows, batch_size=500)
        self.db.conn.execute("COMMIT")

    def items(self, user: str, limit: int = -1) -> list[Any]:
        rows = self.db.execute("SELECT id, created_at, payload FROM items WHERE uid = ? "
                               "ORDER BY created_at DESC, id DESC LIMIT ?", [user, limit]).fetchall()
        return [(i, t, item_from_dict(json.loads(p))) for i, t, p in rows]


def _reads(store: Any, users: list[str], samples: list[str]) -> dict[str, Any]:
    """Best of five full reads of every user's history, then one latest-8 load per sample."""
    count = [0]
    read = min(_timed(lambda: count.__setitem__(0, sum(len(store.records.items(u)) for u in users))) for _ in range(5))
    loads = []
    for user in samples:
        start = time.perf_counter()
        store.records.items(user, limit=8)
        loads.append(time.perf_counter() - start)
    return {"read_s": read, "read_count": count[0], "loads": loads}


def bench_store(n: int = 10_000, *, users: int | None = None, batch: int = 500, rounds: int = 5,
                samples: int = 500, directory: str | os.PathLike | None = None,
                progress: bool = False) -> dict[str, Any]:
    """Write and read ``n`` persona items through the encrypted store and through plain
    sqlite-utils, and return the rates, their ratios and the per-user load latency.

    Inserts run ``rounds`` times into fresh files, the arms taking turns, and the best round
    of each arm counts (the machine may be shared); reads are the best of five.
    """
    if n < 1 or batch < 1 or rounds < 1:
        raise ValueError("n, batch and rounds must be positive")
    users = users or max(1, n // 250)
    batches = _batches(_items(n), users, batch)
    names = sorted({u for u, _ in batches})
    rng = random.Random(1)
    sample_users = [rng.choice(names) for _ in range(samples)]
    with tempfile.TemporaryDirectory(dir=directory, prefix="edgealign-bench-") as tmp:
        run = _Run(Path(tmp), batches, names, progress)
        for r in range(rounds):
            run.round(r, last=r == rounds - 1)
        plain, enc = _reads(run.plain, names, sample_users), _reads(run.store, names, sample_users)
        run.plain.db.close()
        run.store.close()  # checkpoints the WAL into the file, so its size is the whole store
        size, open_s = run.store.path.stat().st_size, run.reopen()
    assert plain["read_count"] == enc["read_count"] == n, "both arms must read back every item"
    return _report(n, users, batch, rounds, run, plain, enc) | {
        "open_and_first_load_ms": round(open_s * 1000, 2), "encrypted_db_bytes": size}


class _Run:
    """The two arms' stores and insert timings, round after round."""

    def __init__(self, tmp: Path, batches: list[tuple[str, list[Comment]]], names: list[str], progress: bool) -> None:
        self.tmp, self.batches, self.names, self.progress = tmp, batches, names, progress
        self.plain_s: list[float] = []
        self.enc_s: list[float] = []
        self.key = os.urandom(32)

    def _insert(self, store: Any, label: str) -> float:
        from tqdm import tqdm

        bar = tqdm(self.batches, desc=f"{label} insert", unit="batch", disable=None if self.progress else True,
                   leave=False)
        return _timed(lambda: [store.records.add_items(u, chunk) for u, chunk in bar])

    def round(self, r: int, last: bool) -> None:
        from ..store._store import PersonaStore

        self.plain = _Plain(self.tmp / f"plain{r}.db")
        self.plain_s.append(self._insert(self.plain, "plain"))
        self.store = PersonaStore.open(self.tmp / f"encrypted{r}.db", self.key)
        for name in self.names:
            self.store.add_user(name)
        self.enc_s.append(self._insert(self.store, "encrypted"))
        if not last:
            self.plain.db.close()
            self.store.close()

    def reopen(self) -> float:
        """Seconds to open the existing encrypted store and load one user (an app start)."""
        from ..store._store import PersonaStore

        start = time.perf_counter()
        with PersonaStore.open(self.store.path, self.key) as store:
            store.records.items(self.names[0], limit=8)
        return time.perf_counter() - start


def _report(n: int, users: int, batch: int, rounds: int, run: _Run, plain: dict[str, Any],
            enc: dict[str, Any]) -> dict[str, Any]:
    from sqlcipher3 import dbapi2 as sqlcipher

    p50, p95 = _percentiles_ms(enc["loads"])
    plain_insert, enc_insert = min(run.plain_s), min(run.enc_s)
    return {
        "n": n,
        "users": users,
        "batch": batch,
        "rounds": rounds,
        "plain_insert_per_s": _rate(n, plain_insert),
        "encrypted_insert_per_s": _rate(n, enc_insert),
        "insert_ratio": round(plain_insert / enc_insert, 3),
        "plain_read_per_s": _rate(n, plain["read_s"]),
        "encrypted_read_per_s": _rate(n, enc["read_s"]),
        "read_ratio": round(plain["read_s"] / enc["read_s"], 3),
        "load_user_p50_ms": p50,
        "load_user_p95_ms": p95,
        "plain_load_user_p50_ms": _percentiles_ms(plain["loads"])[0],
        "sqlcipher": sqlcipher.connect(":memory:").execute("PRAGMA cipher_version").fetchone()[0],
    }
