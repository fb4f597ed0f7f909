"""Mutation fuzzing of every file the SDK reads: no input may crash, hang or raise raw.

    python -m edgealign.testing.fuzz --target gguf --cases 10000 --seed 0

Targets: ``gguf`` (metadata values, header bytes, tensor records, truncation of a real small
model, then load and decode one token in-process, without the child-process probe, so a
death means the Python checks missed something), ``template`` (a real chat template,
mutated, rendered), ``jsonl``, ``json`` and ``parquet`` (AlignX records and persona export
files, mutated at the byte and the JSON level, read through ``read_records``, the history
reader and the export parser), ``manifest`` (an artifact manifest, read and verified) and
``onnx`` (a bridge-shaped graph, mutated, opened by onnxruntime and run once).

Cases run in a worker process, one at a time, each with a deadline; a worker that dies or
overruns is replaced. Outcomes: ``clean_runs`` (accepted), ``clean_errors`` (an
EdgeAlignError), ``raw_errors`` (any other exception: a bug), ``deaths`` (the worker died:
a native crash) and ``hangs`` (past the deadline). The report is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

from . import _mutate as m

__all__ = ["TARGETS", "run", "main"]

TARGETS = ("gguf", "template", "jsonl", "json", "parquet", "manifest", "onnx")
DEADLINE_S = 20.0
_SUFFIX = {"gguf": ".gguf", "template": ".jinja", "jsonl": ".jsonl", "json": ".json", "parquet": ".parquet",
           "manifest": "", "onnx": ".onnx"}


# -- seeds: real small files -------------------------------------------------------------------

def _seed_model(tmp: Path) -> Path | None:
    """The tiny stories260K beside the checkout (../shared/models), else a tiny random Llama
    written with the gguf package, else the bundled SmolLM2 (90 MB: slow to mutate)."""
    here = Path(__file__).resolve()
    for parent in here.parents:
        candidate = parent / "shared" / "models" / "stories260K.gguf"
        if candidate.is_file():
            return candidate
    try:
        from ._tiny_gguf import tiny_gguf

        return tiny_gguf(tmp / "tiny.gguf")
    except ImportError:
        pass
    try:
        from ..llm import default_model_path

        return default_model_path()
    except Exception:
        return None


def _seed_template() -> str:
    from .._gguf_check import read_gguf

    try:
        from ..llm import default_model_path

        source = read_gguf(default_model_path()).metadata.get("tokenizer.chat_template")
        if isinstance(source, str):
            return source
    except Exception:
        pass
    from ..prompts import CHATML

    return CHATML


# -- the parent: cases, a worker, outcomes -------------------------------------------------------

class _Worker:
    def __init__(self, target: str, seed_file: str | None) -> None:
        env = {**os.environ, "OMP_NUM_THREADS": "1", "EDGEALIGN_TRUST_MODELS": "1", "GGML_NO_BACKTRACE": "1"}
        args = [sys.executable, "-m", "edgealign.testing.fuzz", "--worker", target]
        if seed_file:
            args += ["--seed-file", seed_file]
        self.proc = subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True, env=env, bufsize=1)
        self.ready = False

    def ask(self, case: str, deadline: float) -> dict[str, Any]:
        """The worker's answer for one case file, or a death or a hang."""
        import selectors

        assert self.proc.stdin and self.proc.stdout
        try:
            self.proc.stdin.write(case + "\n")
            self.proc.stdin.flush()
        except BrokenPipeError:
            return {"outcome": "death", "detail": f"worker gone (exit {self.proc.poll()})"}
        sel = selectors.DefaultSelector()
        sel.register(self.proc.stdout, selectors.EVENT_READ)
        if not sel.select(timeout=deadline):
            self.kill()
            return {"outcome": "hang"}
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait()
            return {"outcome": "death", "detail": f"exit {code}"}
        return json.loads(line)

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()

    def alive(self) -> bool:
        return self.proc.poll() is None


def run(target: str, cases: int, seed: int = 0, *, deadline: float = DEADLINE_S,
        keep: str | os.PathLike[str] | None = None, seed_file: str | None = None,
        progress: int = 0) -> dict[str, Any]:
    """Run ``cases`` mutations of ``target``; the report as a dict. Failing cases' inputs are
    copied to ``keep`` when given; every ``progress`` cases the counts go to stderr."""
    if target not in TARGETS:
        raise SystemExit(f"unknown target {target!r}; one of {', '.join(TARGETS)}")
    make = _MAKERS[target]
    counts = {"clean_runs": 0, "clean_errors": 0, "raw_errors": 0, "deaths": 0, "hangs": 0}
    failures: list[dict[str, Any]] = []
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="edgealign-fuzz-") as tmp:
        base = make.prepare(Path(tmp), seed_file)
        worker = _Worker(target, seed_file)
        prev: tuple[int, str, str, Path] | None = None

        def died_after_answering() -> None:
            """A worker gone before the next case died of the last one (in a destructor?)."""
            if prev and prev[1] in ("clean_runs", "clean_errors") and not worker.alive():
                counts[prev[1]] -= 1
                counts["deaths"] += 1
                failures.append({"case": prev[0], "mutation": prev[2], "outcome": "death",
                                 "detail": f"died after answering (exit {worker.proc.poll()})"})
                if keep:
                    _keep(prev[3], Path(keep) / f"{target}-{seed}-{prev[0]}")

        for i in range(cases):
            rng = random.Random(f"{seed}:{i}")
            case = Path(tmp) / f"case{i % 2}{_SUFFIX[target]}"
            what = make.mutate(base, case, rng)
            if not worker.alive():
                died_after_answering()
                worker = _Worker(target, seed_file)
            answer = worker.ask(str(case), deadline)
            key = {"ok": "clean_runs", "error": "clean_errors", "raw": "raw_errors",
                   "death": "deaths", "hang": "hangs"}[answer["outcome"]]
            counts[key] += 1
            prev = (i, key, what, case)
            if progress and (i + 1) % progress == 0:
                print(json.dumps({"done": i + 1, **counts}), file=sys.stderr, flush=True)
            if key in ("raw_errors", "deaths", "hangs"):
                failures.append({"case": i, "mutation": what, **answer})
                if keep:
                    _keep(case, Path(keep) / f"{target}-{seed}-{i}")
                if not worker.alive():
                    worker = _Worker(target, seed_file)
        time.sleep(0.2)
        died_after_answering()
        worker.kill()
    return {"target": target, "seed": seed, "cases": cases, **counts,
            "seconds": round(time.monotonic() - start, 1), "failures": failures[:50]}


def _keep(case: Path, dest: Path) -> None:
    import shutil

    dest.parent.mkdir(parents=True, exist_ok=True)
    if case.is_dir():
        shutil.copytree(case, dest, dirs_exist_ok=True)
    elif case.exists():
        shutil.copyfile(case, dest)


class _Maker:
    """How one target's cases are made: ``prepare`` once, ``mutate`` per case."""

    def __init__(self, prepare: Callable[[Path, str | None], Any], mutate: Callable[[Any, Path, random.Random], str]):
        self.prepare, self.mutate = prepare, mutate


def _prepare_gguf(tmp: Path, seed_file: str | None) -> Any:
    path = Path(seed_file) if seed_file else _seed_model(tmp)
    if path is None:
        raise SystemExit("no GGUF to mutate: pass --seed-file FILE.gguf")
    data = path.read_bytes()
    return data, m.gguf_layout(data)


def _prepare_text(suffix: str) -> Callable[[Path, str | None], Any]:
    def prepare(tmp: Path, seed_file: str | None) -> Any:
        if seed_file:
            return [Path(seed_file).read_bytes()]
        return m.text_seeds(suffix)
    return prepare


_MAKERS = {
    "gguf": _Maker(_prepare_gguf, m.mutate_gguf),
    "template": _Maker(lambda tmp, f: Path(f).read_text("utf-8") if f else _seed_template(), m.mutate_template),
    "jsonl": _Maker(_prepare_text(".jsonl"), lambda b, p, r: m.mutate_text(b, p, r, ".jsonl")),
    "json": _Maker(_prepare_text(".json"), lambda b, p, r: m.mutate_text(b, p, r, ".json")),
    "parquet": _Maker(lambda tmp, f: m.parquet_seed(f), m.mutate_parquet),
    "manifest": _Maker(lambda tmp, f: m.manifest_seed(tmp), m.mutate_manifest),
    "onnx": _Maker(lambda tmp, f: m.onnx_seed(f), m.mutate_onnx),
}


# -- the worker: run each case's target in-process -----------------------------------------------

def _worker(target: str, seed_file: str | None) -> None:
    from . import _targets

    run_case = _targets.RUNNERS[target]
    # Answers go to a private copy of stdout; native libraries that print to fd 1 go to stderr.
    answers = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    for line in sys.stdin:
        path = line.strip()
        try:
            run_case(Path(path))
            answer: dict[str, Any] = {"outcome": "ok"}
        except Exception as exc:  # the classification is the point
            from ..errors import EdgeAlignError

            clean = isinstance(exc, EdgeAlignError)
            answer = {"outcome": "error" if clean else "raw", "type": type(exc).__name__}
            if not clean:
                answer["message"] = str(exc)[:300]
        answers.write(json.dumps(answer) + "\n")
        answers.flush()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edgealign.testing.fuzz", description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", choices=TARGETS, default="gguf")
    parser.add_argument("--cases", type=int, default=1000, metavar="N")
    parser.add_argument("--seed", type=int, default=0, metavar="S")
    parser.add_argument("--deadline", type=float, default=DEADLINE_S, metavar="SECONDS", help="per case")
    parser.add_argument("--seed-file", default=None, metavar="FILE", help="the file to mutate (default: built in)")
    parser.add_argument("--keep", default=None, metavar="DIR", help="copy failing inputs here")
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        _worker(args.worker, args.seed_file)
        return 0
    report = run(args.target, args.cases, args.seed, deadline=args.deadline, keep=args.keep, seed_file=args.seed_file,
                 progress=500)
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")
    return 0 if not (report["raw_errors"] or report["deaths"] or report["hangs"]) else 1


if __name__ == "__main__":
    sys.exit(main())
