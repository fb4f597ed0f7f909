"""The DPO loop shared by both aligners (ICA and PBA): torch + transformers + accelerate.

Why not TRL: TRL is not installed here and its DPOTrainer (thousands of lines over the
transformers Trainer, with its own data pipeline and templates) is far more than plain
sigmoid DPO needs; owning the loop keeps the prompt path the SDK's own (one template for
training and evaluation, docs/method.md §5) and the log-probability exactly the metric's (docs/method.md §6).

Per batch: chosen and rejected rows go through the policy in one forward (2B rows); the
reference, a frozen copy of the base model (or, when the policy is a LoRA adapter over the
base, the same model with its adapter switched off), gets the same rows under ``no_grad``,
once per example: its log-probabilities are cached by the example's record index and tokens,
so later epochs and the final evaluation reuse them; each
sequence's log-probability is the sum over its response tokens plus EOS, prompt and padding
masked. Loss ``-logsigmoid(beta * ((pc - rc) - (pr - rr)))``, plus ``nll_weight`` times the
chosen answers' mean negative log-likelihood per token when set; logged: loss, rewards,
margin and accuracy (chosen reward strictly above rejected). AdamW, cosine schedule with a
warm-up, gradient accumulation, bf16 autocast on GPU, all through ``accelerate.Accelerator``
so ``accelerate launch`` runs it under DDP, FSDP or DeepSpeed. Checkpoints hold the
accelerate state (model, optimizer, scheduler, RNG) and where each rank is in its data share,
so ``resume=True`` continues the same run. On one CPU process a seed gives the same run.
"""

from __future__ import annotations

import json
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Protocol

import torch

from edgealign.errors import ConfigError, DataError, MissingDependencyError

from .dpo_objective import collate_pairs, dpo_loss, sequence_logps
from .dpo_reference import Reference

__all__ = [
    "LoopSettings", "StreamFactory", "Reference", "collate_pairs", "sequence_logps", "dpo_loss", "train_dpo",
    "evaluate_dpo", "process_state",
]

STATE_DIR = "training_state"


class LoopSettings(Protocol):
    """What the loop reads from a config (an aligner config satisfies it)."""

    beta: float
    nll_weight: float
    lr: float
    weight_decay: float
    warmup_ratio: float
    epochs: int
    max_steps: int | None
    micro_batch_size: int
    global_batch_size: int
    max_grad_norm: float
    mixed_precision: str
    gradient_checkpointing: bool
    logits_chunk: int
    save_every: int
    keep_checkpoints: int
    log_every: int
    eval_records: int
    seed: int
    max_minutes: float | None


#: (epoch, rank, world_size, skip, limit) -> examples with prompt_ids, chosen_ids, rejected_ids, pos
StreamFactory = Callable[[int, int, int, int, "int | None"], Iterable[dict[str, Any]]]


@dataclass
class _State:
    step: int = 0
    epoch: int = 0
    consumed: int = 0  # this rank's records (positions in its share) used by applied steps


def train_dpo(policy: Any, reference: Any | None, tokenizer: Any, stream: StreamFactory, cfg: LoopSettings,
              out: str | Path, *, n_records: int, resume: bool = False, progress: bool = True,
              eval_streams: dict[str, StreamFactory] | None = None) -> dict[str, Any]:
    """Train ``policy`` by DPO against the frozen ``reference`` (None: ``policy`` is a peft
    model and the reference is it with the adapter disabled); write ``out`` (HF model or
    adapter, tokenizer, ``training_state/``, ``metrics.jsonl``, ``metrics.json``); return the
    metrics. The ``eval_records`` scored before and after come from the first of ``eval_streams``
    (name -> held-out stream; none: ``stream``); after training each held-out stream is scored too."""
    from accelerate.utils import set_seed

    out = Path(out)
    acc, accum = _accelerator(cfg)
    set_seed(cfg.seed)
    total = _total_steps(cfg, n_records, acc.num_processes, accum)
    policy, optimizer, scheduler = _prepare_policy(acc, policy, cfg, total)
    ref = Reference(acc, policy, None if reference is None else _prepare_reference(acc, reference), cfg.logits_chunk)
    state, summary = _State(), {"total_steps": total, "world_size": acc.num_processes, "accumulation": accum}
    held_out = next(iter(eval_streams.values())) if eval_streams else stream
    if resume and _latest(out) is not None:
        state, summary = _load_state(acc, out)
    elif cfg.eval_records:
        summary["eval_before"] = evaluate_dpo(acc, policy, ref, tokenizer, held_out, cfg)
    run = _Run(acc, policy, ref, optimizer, scheduler, tokenizer, cfg, accum, out)
    started = time.perf_counter()
    run.train(stream, state, total, summary, progress)
    summary["train_s"] = time.perf_counter() - started
    if cfg.eval_records:
        summary["eval_after"] = evaluate_dpo(acc, policy, ref, tokenizer, held_out, cfg)
        names = list(eval_streams or {})
        summary["held_out"] = {names[0]: summary["eval_after"]} if names else {}
        for name in names[1:]:
            summary["held_out"][name] = evaluate_dpo(acc, policy, ref, tokenizer, eval_streams[name], cfg)
    summary["reference"] = {"forwards": ref.forwards, "cached_examples": len(ref.cache), "cache_hits": ref.hits}
    run.save(state, summary)
    acc.end_training()
    return summary


def _accelerator(cfg: LoopSettings) -> tuple[Any, int]:
    from accelerate import Accelerator

    precision = cfg.mixed_precision
    if precision == "auto":
        precision = "bf16" if torch.cuda.is_available() and torch.cuda.is_bf16_supported() else "no"
    if precision not in ("no", "bf16", "fp16"):
        raise ConfigError(f"mixed_precision must be auto, no, bf16 or fp16, got {cfg.mixed_precision!r}")
    accum = _accumulation(cfg, process_state().num_processes)
    return Accelerator(cpu=_cpu_only(), mixed_precision=precision, gradient_accumulation_steps=accum), accum


def process_state() -> Any:
    """accelerate's process state (rank, world size), set up as the loop will use it."""
    from accelerate.state import PartialState

    return PartialState(cpu=_cpu_only())


def _cpu_only() -> bool:
    # Without a GPU, accelerate runs several processes (MULTI_CPU, gloo) only when told cpu=True.
    return not torch.cuda.is_available()


def _accumulation(cfg: LoopSettings, world: int) -> int:
    per_step = cfg.micro_batch_size * world
    if cfg.global_batch_size % per_step:
        raise ConfigError(
            f"global_batch_size {cfg.global_batch_size} is not a multiple of micro_batch_size "
            f"{cfg.micro_batch_size} x {world} processes; change one of them"
        )
    return cfg.global_batch_size // per_step


def _total_steps(cfg: LoopSettings, n_records: int, world: int, accum: int) -> int:
    if cfg.max_steps:
        return cfg.max_steps
    per_epoch = (n_records // world) // (cfg.micro_batch_size * accum)
    if per_epoch < 1:
        raise DataError(f"{n_records} records make no full global batch of {cfg.global_batch_size}; add data")
    return per_epoch * cfg.epochs


def _prepare_policy(acc: Any, policy: Any, cfg: LoopSettings, total: int) -> tuple[Any, Any, Any]:
    from transformers import get_cosine_schedule_with_warmup

    if cfg.gradient_checkpointing:
        policy.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    policy.config.use_cache = False
    policy.train()
    trainable = [p for p in policy.parameters() if p.requires_grad]  # a LoRA adapter's alone
    optimizer = torch.optim.AdamW(trainable, lr=cfg.lr, weight_decay=cfg.weight_decay)
    policy, optimizer = acc.prepare(policy, optimizer)
    # Stepped by hand once per optimizer step: accelerate's wrapper would step it once per
    # process, and the schedule here is counted in global optimizer steps.
    scheduler = get_cosine_schedule_with_warmup(optimizer, math.ceil(cfg.warmup_ratio * total), total)
    acc.register_for_checkpointing(scheduler)
    return policy, optimizer, scheduler


def _prepare_reference(acc: Any, reference: Any) -> Any:
    """The frozen reference: sharded like the policy under FSDP / DeepSpeed ZeRO-3, else a
    plain copy on the device (it has no gradients, so DDP need not wrap it)."""
    from accelerate.utils import DistributedType

    reference.requires_grad_(False).eval()
    if acc.distributed_type == DistributedType.FSDP:
        return acc.prepare_model(reference, evaluation_mode=True)
    if acc.distributed_type == DistributedType.DEEPSPEED:
        ds = json.loads(json.dumps(acc.state.deepspeed_plugin.deepspeed_config))  # resolved by the policy's prepare
        if ds.get("zero_optimization", {}).get("stage") == 3:
            deepspeed = _deepspeed()  # accelerate prepares one DeepSpeed model; the reference gets its own engine
            ds.pop("optimizer", None), ds.pop("scheduler", None)
            return deepspeed.initialize(model=reference, config=ds)[0].eval()
    return reference.to(acc.device)


def _deepspeed() -> Any:
    """The deepspeed module, for ZeRO-3 runs only. It is no extra of edgealign's: a DeepSpeed
    run is launched with ``accelerate launch --use_deepspeed``, which needs it installed for the
    machine's CUDA (docs/training.md), so a missing one is said in those terms."""
    try:
        import deepspeed
    except ImportError:
        raise MissingDependencyError(
            "deepspeed", install="pip install deepspeed (built for this machine's CUDA; accelerate's "
            "--use_deepspeed launcher needs it too), or launch without --use_deepspeed") from None
    return deepspeed


class _Run:
    """One training run's moving parts; the loop, one optimizer step, checkpoints."""

    def __init__(self, acc, policy, reference, optimizer, scheduler, tokenizer, cfg, accum, out) -> None:  # noqa: ANN001
        self.acc, self.policy, self.reference = acc, policy, reference
        self.optimizer, self.scheduler, self.tokenizer = optimizer, scheduler, tokenizer
        self.cfg, self.accum, self.out = cfg, accum, Path(out)
        self.grad_norm = 0.0

    def train(self, stream: StreamFactory, state: _State, total: int, summary: dict, progress: bool) -> None:
        from tqdm.auto import tqdm

        acc, cfg = self.acc, self.cfg
        bar = tqdm(total=total, initial=state.step, desc="dpo", disable=not (progress and acc.is_main_process))
        epochs = cfg.epochs if not cfg.max_steps else 1 << 30
        deadline = time.perf_counter() + 60 * cfg.max_minutes if cfg.max_minutes else math.inf
        summary.pop("stopped_at_time_limit", None)  # a resumed run gets its own time
        while state.step < total and state.epoch < epochs and not summary.get("stopped_at_time_limit"):
            examples = stream(state.epoch, acc.process_index, acc.num_processes, state.consumed, None)
            stepped = False
            for group in _groups(iter(examples), cfg.micro_batch_size, self.accum, acc):
                stats = self.step(group)
                state.step, state.consumed, stepped = state.step + 1, group[-1][-1]["pos"] + 1, True
                self.log(state, stats, summary, bar)
                if state.step % cfg.save_every == 0 and state.step < total:
                    self.save(state, summary)
                if state.step >= total:
                    break
                if time.perf_counter() + stats["step_s"] > deadline:  # the next step would end past it
                    summary["stopped_at_time_limit"] = True
                    break
            if state.step < total:
                if not stepped and state.consumed == 0:
                    raise DataError("an epoch of the data gave no full global batch; add data or lower the batch size")
                state.epoch, state.consumed = state.epoch + 1, 0
        bar.close()

    def step(self, group: list[list[dict]]) -> dict[str, float]:
        """One optimizer step over ``accum`` micro-batches; the step's mean statistics."""
        acc, cfg, start = self.acc, self.cfg, time.perf_counter()
        sums = torch.zeros(6, device=acc.device)  # loss, chosen, rejected, correct, pairs, tokens
        for micro in group:
            batch = _to_device(collate_pairs(micro, self.tokenizer.pad_token_id), acc.device)
            with acc.accumulate(self.policy):
                with acc.autocast():
                    loss, chosen, rejected = _pair_loss(self.policy, self.reference, micro, batch, cfg,
                                                        nll_weight=cfg.nll_weight)
                acc.backward(loss)
                if acc.sync_gradients:
                    self.grad_norm = float(acc.clip_grad_norm_(self.policy.parameters(), cfg.max_grad_norm))
                self.optimizer.step()
                self.optimizer.zero_grad()
            n = chosen.numel()
            sums += torch.stack([loss.detach() * n, chosen.sum(), rejected.sum(), (chosen > rejected).sum(),
                                 torch.tensor(float(n), device=acc.device),
                                 batch["attention_mask"].sum().to(sums.dtype)])
        lr = self.scheduler.get_last_lr()[0]  # the rate this step used
        self.scheduler.step()
        sums = acc.reduce(sums, reduction="sum")
        seconds = time.perf_counter() - start
        return _means(sums) | {"grad_norm": self.grad_norm, "lr": lr, "step_s": seconds,
                               "tokens_per_s": float(sums[5]) / seconds}

    def log(self, state: _State, stats: dict[str, float], summary: dict, bar: Any) -> None:
        summary.setdefault("first_step", {"step": state.step, **stats})
        summary["last_step"] = {"step": state.step, **stats}
        bar.update(1)
        bar.set_postfix(loss=f"{stats['loss']:.3f}", acc=f"{stats['accuracy']:.2f}")
        if self.acc.is_main_process and (state.step % self.cfg.log_every == 0 or state.step == 1):
            line = {"step": state.step, "epoch": state.epoch, **stats}
            self.out.mkdir(parents=True, exist_ok=True)
            with open(self.out / "metrics.jsonl", "a", encoding="utf-8") as f:
                f.write(json.dumps(line) + "\n")

    def save(self, state: _State, summary: dict) -> None:
        """The HF folder (model + tokenizer), metrics.json and a resumable training state."""
        from accelerate.utils import gather_object

        acc = self.acc
        consumed = gather_object([state.consumed])  # every rank's place in its share
        state_dict = acc.get_state_dict(self.policy)  # gathered under FSDP / ZeRO-3
        summary.update(step=state.step, epoch=state.epoch)
        if acc.is_main_process:
            acc.unwrap_model(self.policy).save_pretrained(self.out, state_dict=state_dict, save_function=acc.save)
            self.tokenizer.save_pretrained(self.out)
            (self.out / "metrics.json").write_text(json.dumps(summary, indent=2) + "\n")
        folder = self.out / STATE_DIR / f"step-{state.step:08d}"
        acc.save_state(str(folder))
        if acc.is_main_process:
            info = {"step": state.step, "epoch": state.epoch, "consumed": consumed, "summary": summary}
            (folder / "trainer_state.json").write_text(json.dumps(info, indent=2) + "\n")
            _prune(self.out / STATE_DIR, self.cfg.keep_checkpoints)
        acc.wait_for_everyone()


def _pair_loss(policy: Any, reference: Reference, micro: list[dict], batch: dict,
               cfg: LoopSettings, nll_weight: float = 0.0) -> tuple[torch.Tensor, ...]:
    """DPO loss (plus ``nll_weight`` of the chosen answers' NLL: training only, so held-out
    losses stay comparable across runs) and the rewards."""
    ref = reference.logps(micro, batch)  # (2B,)
    return dpo_loss(sequence_logps(policy, batch, cfg.logits_chunk), ref, cfg.beta, nll_weight=nll_weight,
                    lengths=batch["response_mask"].sum(1))


def _means(sums: torch.Tensor) -> dict[str, float]:
    loss, chosen, rejected, correct, n, tokens = sums.tolist()
    return {"loss": loss / n, "reward_chosen": chosen / n, "reward_rejected": rejected / n,
            "reward_margin": (chosen - rejected) / n, "accuracy": correct / n, "pairs": n, "tokens": tokens}


def _to_device(batch: dict[str, torch.Tensor], device: Any) -> dict[str, torch.Tensor]:
    return {k: v.to(device) for k, v in batch.items()}


def _groups(examples: Iterator[dict], micro: int, accum: int, acc: Any) -> Iterator[list[list[dict]]]:
    """``accum`` micro-batches at a time, while every rank has a full group: ranks stop
    together, whatever records a rank had to skip."""
    while True:
        group = [[e for e in _take(examples, micro)] for _ in range(accum)]
        full = all(len(m) == micro for m in group)
        if not bool(acc.gather(torch.tensor([full], device=acc.device)).all()):
            return
        yield group


def _take(it: Iterator[dict], n: int) -> Iterator[dict]:
    for _ in range(n):
        item = next(it, None)
        if item is None:
            return
        yield item


def evaluate_dpo(acc: Any, policy: Any, reference: Reference, tokenizer: Any, stream: StreamFactory,
                 cfg: LoopSettings) -> dict[str, float]:
    """DPO loss, reward margin and accuracy over the first ``cfg.eval_records`` records of
    ``stream`` (sampled as in epoch 0: the training set unless it is a held-out stream),
    summed over all ranks."""
    sums = torch.zeros(6, device=acc.device)
    examples = iter(stream(0, acc.process_index, acc.num_processes, 0, cfg.eval_records))
    was_training = policy.training
    policy.eval()
    with torch.no_grad():
        for (micro,) in _groups(examples, cfg.micro_batch_size, 1, acc):
            batch = _to_device(collate_pairs(micro, tokenizer.pad_token_id), acc.device)
            with acc.autocast():
                loss, chosen, rejected = _pair_loss(policy, reference, micro, batch, cfg)
            n = chosen.numel()
            sums += torch.tensor([loss.item() * n, chosen.sum().item(), rejected.sum().item(),
                                  (chosen > rejected).sum().item(), n, 0.0], device=acc.device)
    policy.train(was_training)
    sums = acc.reduce(sums, reduction="sum")
    if sums[4] == 0:
        return {"pairs": 0.0}
    means = _means(sums)
    means.pop("tokens")
    return means


def _latest(out: Path) -> Path | None:
    """The newest complete checkpoint (trainer_state.json is written last)."""
    done = sorted((out / STATE_DIR).glob("step-*/trainer_state.json"))
    return done[-1].parent if done else None


def _load_state(acc: Any, out: Path) -> tuple[_State, dict]:
    folder = _latest(out)
    info = json.loads((folder / "trainer_state.json").read_text())
    if len(info["consumed"]) != acc.num_processes:
        raise ConfigError(f"{folder} was written by {len(info['consumed'])} processes; resume with as many")
    acc.load_state(str(folder))
    state = _State(info["step"], info["epoch"], info["consumed"][acc.process_index])
    return state, info["summary"]


def _prune(folder: Path, keep: int) -> None:
    for old in sorted(folder.glob("step-*"))[:-keep]:
        shutil.rmtree(old, ignore_errors=True)
