"""Response-style choices written by a model: a versioned data file, and choices drawn from it.

The templated generator (:mod:`.response_choices`) writes answers from a dozen hand-made
phrases per style pole; a bridge trained on those learns the phrases. Here the model itself
answers each task twice, once under each pole's one-line instruction (the same contrastive
generation the steering basis reads, :func:`.contrastive.generate_pairs`), so the two answers
differ in whatever way the model writes that pole: length, tone, jokes, level, register,
structure, caution. The answers are model text, not this project's phrases.

Generation is slow on a CPU (about 1.3 s per answer for SmolLM2-135M on one thread), so it is
done once by a command and saved as a data file that training reads:

    edgealign synth --model-choices train --tasks 100 --out choices_train.jsonl

The file's first line is its header (format, version, the model's name and sha256, the
generation settings); each later line one task answered under both poles of one dimension.
Tasks come from :func:`.contrastive.tasks`, whose ``train`` and ``heldout`` splits share no
template or topic, so users for evaluation are drawn from a file generated on ``heldout``
tasks (with other settings: temperature, seed).
"""

from __future__ import annotations

import json
import os
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from edgealign.artifacts import sha256_file
from edgealign.errors import ConfigError, DataError

from .contrastive import SPLITS, Pair
from ._response_phrases import STYLE_DIMS

__all__ = ["FORMAT", "VERSION", "MODEL_CHOICES", "ModelChoiceConfig", "ChoiceFile", "generate_choice_file",
           "read_choice_file", "clean_answer", "draw_pair"]

FORMAT = "edgealign-model-choices"
VERSION = 1
#: The files shipped with the project, per split: the bundled SmolLM2-135M-Instruct's answers,
#: written by the commands in docs/performance.md (train: 100 tasks, temperature 0.7, seed 0;
#: heldout: 40 tasks, temperature 1.0, seed 1).
MODEL_CHOICES: dict[str, Path] = {split: Path(__file__).parent / "data" / f"model_choices_{split}.jsonl"
                                  for split in SPLITS}
_STYLE_DIMS = tuple(STYLE_DIMS)  # the style dimensions an answer's writing can show
_CONCISE = 16


@dataclass(frozen=True, kw_only=True)
class ModelChoiceConfig:
    """What the model answers and how it samples."""

    split: str = "train"
    """Task split ("train" or "heldout", :func:`edgealign.training.contrastive.tasks`)."""
    tasks: int = 100
    """Tasks per dimension (at most 200 for train, 50 for heldout)."""
    dims: tuple[int, ...] = _STYLE_DIMS
    """Dimensions whose two poles answer each task."""
    temperature: float = 0.7
    """Sampling temperature (top-p 0.95)."""
    max_new_tokens: int = 96
    """Longest answer in tokens; a cut-off answer is trimmed back to its last full sentence."""
    seed: int = 0
    """Seeds the task order and the sampling."""
    batch_size: int = 16
    """Answers generated together."""
    vary_tasks: bool = False
    """Each dimension answers its own random draw of tasks (else all answer the same ones):
    more tasks seen when there are few per dimension."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "dims", tuple(self.dims))
        if self.split not in SPLITS:
            raise ConfigError(f"split must be one of {', '.join(SPLITS)}, got {self.split!r}")
        if self.tasks < 1 or self.max_new_tokens < 8 or self.batch_size < 1 or not 0 <= self.temperature <= 2:
            raise ConfigError("tasks >= 1, max_new_tokens >= 8, batch_size >= 1 and temperature in [0, 2] are required")
        if not self.dims or not all(isinstance(d, int) and 0 <= d < 90 for d in self.dims):
            raise ConfigError("dims must be dimension indices in 0..89")


@dataclass(frozen=True)
class ChoiceFile:
    """A model-choice data file: its header and its pairs."""

    header: dict[str, Any]
    pairs: tuple[Pair, ...] = field(default=())

    @property
    def split(self) -> str:
        return str(self.header["config"]["split"])

    def by_dim(self) -> dict[int, list[Pair]]:
        out: dict[int, list[Pair]] = {}
        for p in self.pairs:
            out.setdefault(p.dim, []).append(p)
        return out


_SENTENCE_END = re.compile(r"[.!?)](?=\s|$)")


def clean_answer(text: str) -> str:
    """The answer as the model wrote it, less a sentence cut off by the token limit (kept whole
    when no sentence ended before it) and surrounding whitespace."""
    text = text.strip()
    ends = [m.end() for m in _SENTENCE_END.finditer(text)]
    if ends and ends[-1] < len(text):
        text = text[: ends[-1]]
    return text.strip()


def _usable(pair: Pair) -> bool:
    """Both answers written and different; for concise vs detailed, the concise one shorter
    (the instruction did not take otherwise)."""
    if not pair.positive or not pair.negative or pair.positive == pair.negative:
        return False
    if pair.dim == _CONCISE:  # the positive pole is "concise"
        return len(pair.positive) < 0.8 * len(pair.negative)
    return True


def generate_choice_file(model: str | os.PathLike[str], out: str | os.PathLike[str],
                         config: ModelChoiceConfig | None = None, progress: bool = True) -> dict[str, Any]:
    """Answer ``config.tasks`` tasks under both poles of every dimension with ``model`` (a llama
    GGUF) and write the data file ``out``; returns its header plus what was dropped."""
    import torch
    from tqdm import tqdm

    from . import contrastive
    from .hf import load_gguf_as_hf

    cfg = config or ModelChoiceConfig()
    path = Path(model)
    hf, tokenizer = load_gguf_as_hf(path)
    hf.eval().requires_grad_(False)
    task_list = contrastive.tasks(cfg.split, cfg.tasks, cfg.seed)
    kept: list[Pair] = []
    dropped = 0
    with torch.inference_mode():
        for i, group in enumerate(tqdm(_groups(cfg), desc="answering under each pole", disable=not progress)):
            if cfg.vary_tasks:
                pairs = _varied_pairs(hf, tokenizer, group, cfg, seed=cfg.seed * 1000 + i)
            else:
                pairs = contrastive.generate_pairs(hf, tokenizer, group, task_list, seed=cfg.seed * 1000 + i,
                                                   max_new_tokens=cfg.max_new_tokens, batch_size=cfg.batch_size,
                                                   temperature=cfg.temperature)
            for p in pairs:
                p = Pair(p.dim, p.task, clean_answer(p.positive), clean_answer(p.negative))
                if _usable(p):
                    kept.append(p)
                else:
                    dropped += 1
    header = {"format": FORMAT, "version": VERSION, "model": path.name, "model_sha256": sha256_file(path),
              "config": asdict(cfg), "pairs": len(kept), "dropped": dropped}
    _write(Path(out), header, kept)
    return header


def _groups(cfg: ModelChoiceConfig) -> list[tuple[int, ...]]:
    """Dimensions answered per generation call: one at a time, or with ``vary_tasks`` as many as
    fill a batch (each dimension's few tasks alone would leave batches mostly empty)."""
    if not cfg.vary_tasks:
        return [(d,) for d in cfg.dims]
    per = max(1, cfg.batch_size // (2 * cfg.tasks))
    return [tuple(cfg.dims[i: i + per]) for i in range(0, len(cfg.dims), per)]


def _varied_pairs(model: Any, tokenizer: Any, dims: tuple[int, ...], cfg: ModelChoiceConfig, seed: int) -> list[Pair]:
    """Each dimension of ``dims`` answering its own draw of tasks, all in one generation call."""
    from . import contrastive

    jobs = [(d, t, s) for d in dims for t in contrastive.tasks(cfg.split, cfg.tasks, cfg.seed * 1000 + d)
            for s in (1, -1)]
    texts = contrastive.generate(model, tokenizer, [contrastive.pole_prompt(d, s, t) for d, t, s in jobs], seed=seed,
                                 max_new_tokens=cfg.max_new_tokens, temperature=cfg.temperature,
                                 batch_size=cfg.batch_size)
    answer = dict(zip(jobs, texts))
    return [Pair(d, t, answer[(d, t, 1)], answer[(d, t, -1)]) for d, t, s in jobs if s == 1]


def _write(out: Path, header: dict[str, Any], pairs: list[Pair]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(out.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as f:
        f.write(json.dumps(header, sort_keys=True) + "\n")
        for p in pairs:
            f.write(json.dumps({"dim": p.dim, "task": p.task, "positive": p.positive, "negative": p.negative},
                               ensure_ascii=False) + "\n")
    tmp.replace(out)


def read_choice_file(path: str | os.PathLike[str]) -> ChoiceFile:
    """Read a model-choice data file, checking its format and version."""
    from edgealign.data import read_lines

    rows = []
    for lineno, line in read_lines(path):
        if line.strip():
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise DataError(f"{path}:{lineno}: not valid JSON ({exc.msg})") from None
    if not rows or not isinstance(rows[0], dict) or rows[0].get("format") != FORMAT:
        raise DataError(f"{path} is not a model-choice file (its first line must be a header with "
                        f"format {FORMAT!r}); write one with `edgealign synth --model-choices`")
    header = rows[0]
    if header.get("version") != VERSION:
        raise DataError(f"{path} is model-choice format version {header.get('version')}; this edgealign reads "
                        f"version {VERSION}: generate it again with `edgealign synth --model-choices`")
    try:
        pairs = tuple(Pair(int(r["dim"]), str(r["task"]), str(r["positive"]), str(r["negative"])) for r in rows[1:])
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        raise DataError(f"{path}: a pair line lacks dim, task, positive or negative ({exc})") from None
    return ChoiceFile(header, pairs)


def draw_pair(rng: random.Random, pool: list[Pair], used: set[int]) -> Pair:
    """A pair of ``pool`` not yet in ``used`` (indices; reset when all are used)."""
    free = [i for i in range(len(pool)) if i not in used] or list(range(len(pool)))
    i = rng.choice(free)
    used.add(i)
    return pool[i]
