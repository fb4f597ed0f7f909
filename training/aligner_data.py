"""AlignX records -> DPO examples for the aligners, with the SDK's own prompt builders.

One template for training and evaluation (docs/method.md §5): prompts are built by
:func:`edgealign.prompts.ica_prompt` / :func:`~edgealign.prompts.pba_prompt` and rendered by
:class:`edgealign.prompts.ChatTemplate` from the model's chat template with
``add_generation_prompt=True``; the rendered text is tokenized with
``add_special_tokens=False`` because the template owns BOS. A response is the reply's
tokens plus EOS (docs/method.md §6). Over the prompt budget the builders drop or cut persona items,
never the task; a record whose task alone exceeds the budget is skipped and counted.

Per record, ICA samples 0-4 comments and 0-4 choices (at least one item), as the reference
does, and mixes in the self-description (DEMO), which the reference never trained on:
sometimes alone, sometimes beside the items. Every example is built from locals of its own
record and a random generator seeded by (seed, epoch, record index), so no persona can leak
from one record to the next, and an example does not depend on the sharding or on resuming.
"""

from __future__ import annotations

import itertools
import random
from dataclasses import dataclass
from typing import Any, Iterator, Sequence

import torch

from edgealign.data import Record, opens_json_list, read_lines, read_records
from edgealign.errors import ConfigError, DataError, MissingDependencyError, PromptError
from edgealign.persona import Choice, Comment, Persona, PersonaItem
from edgealign.preferences import PreferenceProfile
from edgealign.prompts import ChatTemplate, Prompt, ica_prompt, pba_prompt

from .aligner_pairs import mirror_key, mirror_units

__all__ = ["Sampling", "sample_items", "pba_profile", "PairEncoder", "DPOStream", "count_records"]

METHODS = ("ica", "pba")


@dataclass(frozen=True, kw_only=True)
class Sampling:
    """How a record's persona is sampled into one training prompt."""

    max_items: int = 4
    """Most comments, and most choices, per prompt (the reference: 4 each)."""
    demo_alone: float = 0.15
    """Share of ICA prompts holding the self-description alone (when the record has one)."""
    demo_with_items: float = 0.35
    """Share of ICA prompts holding the self-description beside sampled items."""

    def __post_init__(self) -> None:
        if self.max_items < 1:
            raise ConfigError(f"max_items must be >= 1, got {self.max_items}")
        if min(self.demo_alone, self.demo_with_items) < 0 or self.demo_alone + self.demo_with_items > 1:
            raise ConfigError("demo_alone and demo_with_items must be >= 0 and sum to at most 1")


def _sample_history(persona: Persona, rng: random.Random, max_items: int) -> list[PersonaItem]:
    """0..max comments and 0..max choices, at least one item in total (when there are any)."""
    comments, choices = persona.comments, persona.choices
    if not comments and not choices:
        return []
    n_ugc = n_pair = 0
    while n_ugc + n_pair == 0:
        n_ugc = rng.randint(0, min(max_items, len(comments)))
        n_pair = rng.randint(0, min(max_items, len(choices)))
    return [*rng.sample(comments, n_ugc), *rng.sample(choices, n_pair)]


def sample_items(persona: Persona, rng: random.Random, sampling: Sampling = Sampling()) -> list[PersonaItem]:
    """The ICA persona of one prompt: sampled comments and choices, the description mixed in."""
    demo = persona.description
    draw = rng.random()
    if demo is not None and (draw < sampling.demo_alone or not (persona.comments or persona.choices)):
        return [demo]
    items = _sample_history(persona, rng, sampling.max_items)
    if demo is not None and draw < sampling.demo_alone + sampling.demo_with_items:
        return [demo, *items]
    return items


def pba_profile(record: Record, items: Sequence[PersonaItem]) -> PreferenceProfile | str:
    """The PBA profile: the record's ``profile`` text, else docs/method.md §4's aggregate of the sampled
    items' directions, else the record's own direction, else nothing."""
    if record.profile:
        return record.profile
    directions = [i.direction for i in items if isinstance(i, (Comment, Choice)) and i.direction is not None]
    if directions:
        return PreferenceProfile.aggregate(directions)
    if record.direction is not None:
        return PreferenceProfile.from_direction(record.direction)
    return ""


class PairEncoder:
    """Builds, renders and tokenizes one record's DPO example for ``method`` ("ica"/"pba")."""

    def __init__(self, tokenizer: Any, method: str, *, max_length: int, max_prompt_length: int,
                 sampling: Sampling = Sampling()) -> None:
        if method not in METHODS:
            raise ConfigError(f"method must be one of {METHODS}, got {method!r}")
        if not 0 < max_prompt_length < max_length:
            raise ConfigError(f"need 0 < max_prompt_length ({max_prompt_length}) < max_length ({max_length})")
        self.tokenizer, self.method, self.sampling = tokenizer, method, sampling
        self.max_length, self.budget = max_length, max_prompt_length
        self.template = ChatTemplate(tokenizer.chat_template, tokenizer.bos_token or "", tokenizer.eos_token or "")
        self.skipped = 0
        """Records whose task and instructions alone exceed the prompt budget."""

    def count(self, text: str) -> int:
        return len(self.tokenizer.encode(text, add_special_tokens=False))

    def prompt(self, record: Record, rng: random.Random) -> Prompt:
        """The persona-conditioned prompt, within the budget (PromptError if the task alone is over)."""
        fit = dict(budget=self.budget, count_tokens=self.count, template=self.template)
        if self.method == "ica":
            items = sample_items(record.persona, rng, self.sampling)
            build = lambda **kw: ica_prompt(record.prompt, items, **kw)  # noqa: E731
        else:
            profile = pba_profile(record, _sample_history(record.persona, rng, self.sampling.max_items))
            build = lambda **kw: pba_prompt(record.prompt, profile, **kw)  # noqa: E731
        whole = build()
        # Most prompts fit whole: one count instead of the builders' item-by-item search.
        return whole if self.count(self.template.render(whole)) <= self.budget else build(**fit)

    def text(self, record: Record, rng: random.Random) -> tuple[str, str, str]:
        """(rendered prompt, chosen, rejected) as the model sees them, before EOS."""
        rendered = self.template.render(self.prompt(record, rng), add_generation_prompt=True)
        return rendered, record.chosen, record.rejected

    def encode(self, record: Record, rng: random.Random) -> dict[str, list[int]] | None:
        """Token ids: prompt, chosen + EOS, rejected + EOS; None when the task does not fit."""
        try:
            prompt, chosen, rejected = self.text(record, rng)
        except PromptError:
            self.skipped += 1
            return None
        prompt_ids = self.tokenizer.encode(prompt, add_special_tokens=False)
        room = self.max_length - len(prompt_ids)
        return {"prompt_ids": prompt_ids, "chosen_ids": self._response(chosen, room),
                "rejected_ids": self._response(rejected, room)}

    def _response(self, text: str, room: int) -> list[int]:
        # A response cut to fit loses its EOS too: the model must not learn to stop there.
        ids = self.tokenizer.encode(text, add_special_tokens=False) + [self.tokenizer.eos_token_id]
        return ids[:room]


class DPOStream(torch.utils.data.IterableDataset):
    """Streams DPO examples from record files: read lazily, shuffled in a bounded buffer,
    sharded by rank, so a 1.3M-record corpus never sits in memory.

    A record and its mirror (the same task and answers, the other pole's user), next to each
    other in the file as ``edgealign synth --aligner-pairs`` writes them, stay next to each other
    through the shuffle.

    Every rank sees the same shuffled order and takes one record of each group of
    ``world_size`` (an incomplete last group is dropped), so ranks get equal shares. Each
    example carries ``pos``, its place in this rank's share; ``skip`` resumes after it.
    """

    def __init__(self, files: Sequence[str], encoder: PairEncoder, *, seed: int = 0, epoch: int = 0,
                 rank: int = 0, world_size: int = 1, skip: int = 0, limit: int | None = None,
                 shuffle_buffer: int = 0) -> None:
        super().__init__()
        self.files, self.encoder = list(files), encoder
        self.seed, self.epoch, self.rank, self.world_size = seed, epoch, rank, world_size
        self.skip, self.limit, self.shuffle_buffer = skip, limit, shuffle_buffer

    def __iter__(self) -> Iterator[dict[str, Any]]:
        records = itertools.chain.from_iterable(read_records(f) for f in self.files)
        indexed: Iterator[tuple[int, Record]] = itertools.islice(enumerate(records), self.limit)
        # A record and its mirror (next to each other in the file) are shuffled as one unit, so
        # they land in one optimizer step: what ignores the profile cancels in the gradient.
        units = mirror_units(indexed, key=lambda item: mirror_key(item[1]))
        shuffled = itertools.chain.from_iterable(
            _shuffle(units, self.shuffle_buffer, random.Random(f"{self.seed}:{self.epoch}:shuffle")))
        for pos, (index, record) in enumerate(_shard(shuffled, self.rank, self.world_size)):
            if pos < self.skip:
                continue  # resuming: skipped records are read but never built
            example = self.encoder.encode(record, random.Random(f"{self.seed}:{self.epoch}:{index}"))
            if example is not None:
                yield {**example, "pos": pos, "index": index}


def _shuffle(items: Iterator[Any], size: int, rng: random.Random) -> Iterator[Any]:
    """A bounded shuffle buffer: memory O(size), the same order for the same seed."""
    if size <= 1:
        yield from items
        return
    buffer: list[Any] = []
    for item in items:
        if len(buffer) < size:
            buffer.append(item)
            continue
        i = rng.randrange(size)
        yield buffer[i]
        buffer[i] = item
    rng.shuffle(buffer)
    yield from buffer


def _shard(items: Iterator[Any], rank: int, world_size: int) -> Iterator[Any]:
    group: list[Any] = []
    for item in items:
        group.append(item)
        if len(group) == world_size:
            yield group[rank]
            group = []


def count_records(files: Sequence[str]) -> int:
    """How many records ``files`` hold, without building them: parquet metadata, JSONL lines,
    or (JSON lists only) a streaming pass. A DataError, one line naming the file (and the byte
    offset of text that is not UTF-8), for a file that cannot be read."""
    from pathlib import Path

    total = 0
    for name in files:
        path = Path(name)
        if path.suffix == ".parquet":
            total += _parquet_count(path)
            continue
        if opens_json_list(path):
            total += sum(1 for _ in read_records(path))
            continue
        total += sum(1 for _, line in read_lines(path) if line.strip()) - _has_header(path)
    return total


def _has_header(path: Any) -> bool:
    """Whether a JSONL file starts with a data file's header line (not a record)."""
    import json

    from edgealign.data import is_header

    first = next((line for _, line in read_lines(path)), "")
    try:
        return is_header(json.loads(first))
    except json.JSONDecodeError:
        return False


def _parquet_count(path: Any) -> int:
    try:
        import pyarrow
        import pyarrow.parquet as pq
    except ImportError:
        raise MissingDependencyError("pyarrow", "train") from None
    try:
        return pq.ParquetFile(path).metadata.num_rows
    except (pyarrow.ArrowException, OSError, ValueError, TypeError) as exc:
        problem = " ".join(str(exc).split())[:200]
        raise DataError(f"{path}: not a readable Parquet file: {problem}") from None
