"""Training the two AlignX aligners (docs/method.md §5) by DPO: one config, two thin trainers.

    cfg = AlignerConfig.tiny("ica")
    ICATrainer(cfg).fit(["users.jsonl"], "ckpt/ica")

One :class:`AlignerConfig` serves both methods: its ``method`` field ("ica" or "pba") picks
the prompt (raw persona, or the verbalised profile); everything else (model, DPO settings,
budgets) is shared, so the two aligners differ in the prompt only, as in the paper.
:class:`ICATrainer` and :class:`PBATrainer` check the method and run the shared loop
(:mod:`.dpo`) on examples from :mod:`.aligner_data`.

The output folder is a Hugging Face checkpoint (``save_pretrained`` model, or with
``lora_rank`` > 0 peft's adapter alone, and the tokenizer with its chat template) that the
exporters read, plus ``training_state/`` (resumable),
``metrics.jsonl`` (per step) and ``metrics.json`` (summary) and ``aligner_config.json``;
for the "tiny" model also ``base/``, its pretrained base (:mod:`.pretrain`), the DPO reference.
"""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, ClassVar, Literal, Sequence

from edgealign.errors import ConfigError, DataError

#: Subfolder of a tiny run's output holding its pretrained base (the DPO reference).
BASE_DIR = "base"

__all__ = ["AlignerConfig", "AlignerTrainer", "ICATrainer", "PBATrainer", "PRESETS", "pretrain_base", "train_aligner"]

#: Preset name -> AlignerConfig class method.
PRESETS = {"tiny": "tiny", "smollm2-135m": "smollm2_135m", "smollm2-135m-lora": "smollm2_135m_lora",
           "llama-3.1-8b": "llama_3_1_8b"}
#: The projections of a Llama block that get a LoRA adapter by default: attention and MLP.
LORA_TARGETS = ("q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj")


@dataclass(frozen=True, kw_only=True)
class AlignerConfig:
    """Everything that decides an aligner's DPO run."""

    method: str
    """"ica" (raw persona in the prompt) or "pba" (verbalised preference profile)."""
    model: str = "smollm2-135m"
    """"tiny" (random ~1M-parameter Llama, tokenizer trained on the data), "smollm2-135m"
    (the bundled GGUF, dequantized) or a Hugging Face causal-LM folder or id."""
    vocab_size: int = 2048
    """Tokenizer size of the "tiny" model."""
    tokenizer_records: int = 2000
    """Records the "tiny" tokenizer and its pretraining stage read (the first ones)."""
    pretrain_epochs: float = 0.0
    """"tiny" only: passes of a causal-LM stage over what the training users wrote, before DPO
    (:mod:`.pretrain`, the tiny model's stand-in for a pretrained base); 0: none. The
    pretrained base is saved to ``out/base`` and is the DPO reference."""
    pretrain_lr: float = 3e-3
    """Peak rate of that stage (AdamW, 10% warm-up, cosine), 8 windows of ``max_length`` per step."""
    dtype: str = "float32"
    """Weights' dtype when loading; autocast (``mixed_precision``) does the bf16 compute."""
    max_length: int = 2048
    """Tokens per sequence (prompt + response + EOS); responses are cut to fit."""
    max_prompt_length: int = 1536
    """Budget of the rendered prompt; persona items are dropped or cut to meet it, never the task."""
    max_items: int = 4
    """Most comments and most choices per prompt (the reference samples 0-4 of each)."""
    demo_alone: float = 0.15
    """ICA: share of prompts with the self-description alone."""
    demo_with_items: float = 0.35
    """ICA: share of prompts with the self-description beside the sampled items."""
    beta: float = 0.1
    """DPO temperature (docs/method.md §5 and §6)."""
    nll_weight: float = 0.0
    """Weight of the chosen answers' mean negative log-likelihood per token added to the DPO
    loss (RPO); 0: DPO alone. It keeps the chosen answers likely, so the aligner writes them."""
    lr: float = 5e-6
    """Peak learning rate (AdamW)."""
    weight_decay: float = 0.0
    """AdamW weight decay."""
    warmup_ratio: float = 0.1
    """Share of the steps with a linear warm-up before the cosine decay."""
    epochs: int = 1
    """Passes over the records."""
    max_steps: int | None = None
    """Stop after this many optimizer steps (epochs then only bound nothing)."""
    micro_batch_size: int = 4
    """Pairs per process per forward."""
    global_batch_size: int = 32
    """Pairs per optimizer step over all processes; accumulation makes up the difference."""
    max_grad_norm: float = 1.0
    """Gradients are clipped to this global norm."""
    mixed_precision: Literal["auto", "no", "bf16", "fp16"] = "auto"
    """"auto" (bf16 on a GPU that has it, else none), "no", "bf16" or "fp16"."""
    gradient_checkpointing: bool = False
    """Recompute activations in the backward pass instead of keeping them: less memory, more time."""
    attn_implementation: str | None = None
    """"sdpa", "flash_attention_2" or "eager"; None keeps transformers' choice."""
    logits_chunk: int = 4096
    """Tokens per chunk of the fp32 log-softmax over the vocabulary."""
    shuffle_buffer: int = 10_000
    """Records held for the streaming shuffle (memory bound, not the corpus)."""
    save_every: int = 500
    """Optimizer steps between checkpoints (one is always written at the end)."""
    keep_checkpoints: int = 2
    """Most step checkpoints kept in ``training_state/`` (older ones are deleted)."""
    log_every: int = 10
    """Optimizer steps between lines of ``metrics.jsonl`` (the first step is always logged)."""
    eval_records: int = 0
    """When > 0: DPO loss and accuracy on the first records, before and after training."""
    eval_data: tuple[str, ...] = ()
    """Held-out record files: the first gives those ``eval_records`` (none: the training data);
    after training each is scored on its first ``eval_records`` (``held_out`` in the metrics)."""
    lora_rank: int = 0
    """Rank of a LoRA adapter trained instead of the whole model (peft); 0: full fine-tune."""
    lora_alpha: float = 32.0
    """LoRA scale numerator: the update is multiplied by ``lora_alpha / lora_rank``."""
    lora_targets: tuple[str, ...] = LORA_TARGETS
    """Module names (last part) that get an adapter: attention and MLP projections by default."""
    seed: int = 0
    """Seeds the run: initialisation, the streaming shuffle, the persona sampling."""
    max_minutes: float | None = None
    """Stop training (and save) before the next step would end past this many minutes of
    training; ``stopped_at_time_limit`` in the metrics says it did. None: no limit."""

    def __post_init__(self) -> None:
        if self.method not in ("ica", "pba"):
            raise ConfigError(f"method must be 'ica' or 'pba', got {self.method!r}")
        if not 0 < self.max_prompt_length < self.max_length:
            raise ConfigError("need 0 < max_prompt_length < max_length")
        if min(self.micro_batch_size, self.global_batch_size, self.epochs, self.save_every, self.log_every) < 1:
            raise ConfigError("batch sizes, epochs, save_every and log_every must be >= 1")
        if self.global_batch_size % self.micro_batch_size:
            raise ConfigError("global_batch_size must be a multiple of micro_batch_size")
        if self.beta <= 0 or self.lr <= 0 or not 0 <= self.warmup_ratio < 1 or self.nll_weight < 0:
            raise ConfigError("beta and lr must be > 0, nll_weight >= 0 and warmup_ratio in [0, 1)")
        if self.pretrain_epochs < 0 or self.pretrain_lr <= 0:
            raise ConfigError("pretrain_epochs must be >= 0 and pretrain_lr > 0")
        if self.pretrain_epochs and self.model != "tiny":
            raise ConfigError("pretrain_epochs is for the 'tiny' model; other bases come pretrained")
        object.__setattr__(self, "lora_targets", tuple(self.lora_targets))
        object.__setattr__(self, "eval_data", tuple(str(f) for f in self.eval_data))
        if self.lora_rank < 0 or self.lora_alpha <= 0 or (self.lora_rank and not self.lora_targets):
            raise ConfigError("lora_rank must be >= 0, lora_alpha > 0 and lora_targets name at least one module")

    @classmethod
    def tiny(cls, method: str, **kw: Any) -> "AlignerConfig":
        """Seconds on a CPU: a ~1M-parameter Llama and a tokenizer trained on the data, the
        Llama first pretrained on what the users wrote (16 passes; without it held-out ICA
        stayed at chance), then DPO at lr 1e-3 (2e-3 made the pretrained model's first steps
        overshoot: loss above ln 2 for the first tens of steps)."""
        return cls(**{"method": method, "model": "tiny", "max_length": 256, "max_prompt_length": 192,
                      "pretrain_epochs": 16.0, "lr": 1e-3, "epochs": 2, "micro_batch_size": 8, "global_batch_size": 8,
                      "mixed_precision": "no", "shuffle_buffer": 256, "save_every": 1000, "log_every": 1,
                      "eval_records": 16, **kw})

    @classmethod
    def smollm2_135m(cls, method: str, **kw: Any) -> "AlignerConfig":
        """The bundled SmolLM2-135M-Instruct, one GPU (or a patient CPU)."""
        return cls(**{"method": method, "model": "smollm2-135m", **kw})

    @classmethod
    def smollm2_135m_lora(cls, method: str, **kw: Any) -> "AlignerConfig":
        """The shipped adapter: the bundled SmolLM2-135M-Instruct with a rank-16 LoRA adapter on
        every attention and MLP projection, trained on a mirrored pairs file (a record and its
        opposite user in one step of 8 pairs), two passes, sized for a 2-core CPU
        (docs/training.md, "LoRA adapters")."""
        return cls(**{"method": method, "model": "smollm2-135m", "lora_rank": 16, "lora_alpha": 32.0,
                      "lr": 4e-4, "beta": 0.1, "epochs": 2, "micro_batch_size": 4, "global_batch_size": 8,
                      "max_length": 256, "max_prompt_length": 192, "mixed_precision": "bf16",
                      "shuffle_buffer": 4096, "save_every": 20, "keep_checkpoints": 1, "log_every": 5, **kw})

    @classmethod
    def llama_3_1_8b(cls, method: str, **kw: Any) -> "AlignerConfig":
        """The reference run: Llama-3.1-8B-Instruct, full fine-tune, beta 0.1, lr 5e-7,
        global batch 128, 1 epoch, max length 8192, cosine with 10% warm-up, bf16; shard it
        with ``accelerate launch`` and a ZeRO-3 or FSDP config (docs/training.md)."""
        return cls(**{"method": method, "model": "meta-llama/Llama-3.1-8B-Instruct", "lr": 5e-7,
                      "global_batch_size": 128, "micro_batch_size": 1, "max_length": 8192,
                      "max_prompt_length": 7168, "mixed_precision": "bf16", "gradient_checkpointing": True,
                      "attn_implementation": "sdpa", "save_every": 200, **kw})

    @classmethod
    def preset(cls, name: str, method: str, **kw: Any) -> "AlignerConfig":
        if name not in PRESETS:
            raise ConfigError(f"unknown aligner preset {name!r}; choose {', '.join(PRESETS)}")
        return getattr(cls, PRESETS[name])(method, **kw)


class AlignerTrainer:
    """Trains an aligner by DPO from AlignX-format record files into a checkpoint folder."""

    method: ClassVar[str | None] = None

    def __init__(self, config: AlignerConfig) -> None:
        if self.method is not None and config.method != self.method:
            raise ConfigError(f"{type(self).__name__} trains method {self.method!r}, the config says {config.method!r}")
        self.config = config

    def fit(self, data: Sequence[str | Path], out: str | Path, *, resume: bool = False,
            progress: bool = True) -> dict[str, Any]:
        """Train on the record files ``data`` (streamed), write ``out``, return the metrics."""
        from .aligner_data import PairEncoder, Sampling, count_records
        from .dpo import process_state, train_dpo

        cfg, out, files = self.config, Path(out), _record_files(data)
        self.pretrained: dict[str, Any] = {}
        model, tokenizer = self._base(files, out, resume)
        if cfg.lora_rank:
            # The reference is this model with its adapter switched off: no second copy.
            model, reference = _with_lora(model, cfg), None
        else:
            reference = copy.deepcopy(model)  # the frozen reference: the untuned base (docs/method.md §6)
        sampling = Sampling(max_items=cfg.max_items, demo_alone=cfg.demo_alone, demo_with_items=cfg.demo_with_items)
        encoder = PairEncoder(tokenizer, cfg.method, max_length=cfg.max_length,
                              max_prompt_length=cfg.max_prompt_length, sampling=sampling)
        if process_state().is_main_process:
            out.mkdir(parents=True, exist_ok=True)
            (out / "aligner_config.json").write_text(json.dumps(asdict(cfg), indent=2) + "\n")
        held_out = {Path(f).name: self._stream([f], encoder) for f in _record_files(cfg.eval_data)} \
            if cfg.eval_data else {}
        metrics = train_dpo(model, reference, tokenizer, self._stream(files, encoder), cfg, out,
                            n_records=count_records(files), resume=resume, progress=progress, eval_streams=held_out)
        # Trained in place (DDP wraps the same module); kept for callers that go on in memory.
        self.model, self.reference, self.tokenizer = model, reference, tokenizer
        extra = {"pretrain": self.pretrained} if self.pretrained else {}
        return {**metrics, "skipped_records": encoder.skipped, **extra}

    def _stream(self, files: list[str], encoder: Any) -> Any:
        from .aligner_data import DPOStream

        cfg = self.config

        def stream(epoch: int, rank: int, world: int, skip: int, limit: int | None) -> DPOStream:
            return DPOStream(files, encoder, seed=cfg.seed, epoch=epoch, rank=rank, world_size=world,
                             skip=skip, limit=limit, shuffle_buffer=cfg.shuffle_buffer)

        return stream

    def _base(self, files: list[str], out: Path, resume: bool) -> tuple[Any, Any]:
        """The base model and tokenizer. "tiny": a tokenizer trained on the data (a resumed run
        reloads it from ``out``) and a random Llama, pretrained when ``pretrain_epochs`` > 0."""
        from .models import ensure_chat_ready, load_base, tiny_llama, train_tiny_tokenizer

        cfg = self.config
        if cfg.model != "tiny":
            model, tokenizer = load_base(cfg.model, cfg.dtype, attn_implementation=cfg.attn_implementation)
            return model, tokenizer
        if cfg.pretrain_epochs and resume and (out / BASE_DIR / "config.json").is_file():
            return load_base(str(out / BASE_DIR))  # the pretrained base of the run being resumed
        if resume and (out / "tokenizer.json").is_file():
            from transformers import AutoTokenizer

            tokenizer = ensure_chat_ready(AutoTokenizer.from_pretrained(str(out)))
        else:
            tokenizer = train_tiny_tokenizer(_tokenizer_texts(files, cfg.tokenizer_records), cfg.vocab_size)
        model = tiny_llama(tokenizer, cfg.seed, max_position_embeddings=max(1024, cfg.max_length))
        return (self._pretrain(model, tokenizer, files, out) if cfg.pretrain_epochs else model), tokenizer

    def _pretrain(self, model: Any, tokenizer: Any, files: list[str], out: Path) -> Any:
        """The causal-LM stage (:mod:`.pretrain`) on the main process, saved to ``out/base``;
        the other processes load that, so every rank starts from the same base."""
        from edgealign.data import read_records

        from .dpo import process_state
        from .models import load_base
        from .pretrain import PretrainSettings, pretrain_lm, user_documents

        cfg, state, folder = self.config, process_state(), out / BASE_DIR
        if state.is_main_process:
            records = itertools.islice(itertools.chain.from_iterable(read_records(f) for f in files),
                                       cfg.tokenizer_records)
            settings = PretrainSettings(epochs=cfg.pretrain_epochs, lr=cfg.pretrain_lr, length=cfg.max_length,
                                        seed=cfg.seed)
            self.pretrained = pretrain_lm(model, tokenizer, user_documents(records), settings)
            model.save_pretrained(folder)
            tokenizer.save_pretrained(folder)
            (folder / "pretrain.json").write_text(json.dumps(self.pretrained, indent=2) + "\n")
        state.wait_for_everyone()
        return model if state.is_main_process else load_base(str(folder))[0]


def _with_lora(model: Any, cfg: AlignerConfig) -> Any:
    """``model`` with a LoRA adapter (peft) on ``cfg.lora_targets``; the base weights frozen."""
    try:
        from peft import LoraConfig, get_peft_model
    except ImportError:
        from edgealign.errors import MissingDependencyError

        raise MissingDependencyError("peft", "train") from None
    names = {name.rsplit(".", 1)[-1] for name, _ in model.named_modules()}
    missing = [t for t in cfg.lora_targets if t not in names]
    if missing:
        raise ConfigError(f"--lora-targets names {', '.join(missing)}, which {type(model).__name__} does not have; "
                          f"choose among its projections, e.g. {','.join(LORA_TARGETS)}")
    lora = LoraConfig(r=cfg.lora_rank, lora_alpha=cfg.lora_alpha, lora_dropout=0.0,
                      target_modules=list(cfg.lora_targets), bias="none", task_type="CAUSAL_LM")
    return get_peft_model(model, lora)


def pretrain_base(config: AlignerConfig, data: Sequence[str | Path], out: str | Path) -> Path:
    """Only the "tiny" base: tokenizer, random Llama and its causal-LM stage, written to
    ``out/base`` (a Hugging Face folder, ``pretrain.json`` beside it) for aligners to start
    from with ``model=str(folder)``, as ICA and PBA start from one backbone in the paper."""
    if config.model != "tiny" or not config.pretrain_epochs:
        raise ConfigError("pretrain_base builds the 'tiny' model and needs pretrain_epochs > 0")
    AlignerTrainer(config)._base(_record_files(data), Path(out), resume=False)
    return Path(out) / BASE_DIR


def _record_files(data: Sequence[str | Path]) -> list[str]:
    """The record files as strings; a DataError if none is given or one does not exist."""
    files = [str(f) for f in data]
    missing = [f for f in files if not Path(f).is_file()]
    if missing or not files:
        raise DataError(f"no such record file: {', '.join(missing) or '(none given)'}")
    return files


def _tokenizer_texts(files: list[str], limit: int) -> Any:
    """Every text of the first ``limit`` records, with the prompt scaffolding rendered around
    them so the template's headers become single tokens."""
    from edgealign.data import read_records
    from edgealign.prompts import ChatTemplate, ica_prompt, pba_prompt

    template = ChatTemplate()
    for record in itertools.islice(itertools.chain.from_iterable(read_records(f) for f in files), limit):
        yield template.render(ica_prompt(record.prompt, list(record.persona.items())))
        yield template.render(pba_prompt(record.prompt, record.profile or "Likes humor"))
        yield record.chosen
        yield record.rejected


class ICATrainer(AlignerTrainer):
    """In-context alignment: DPO with the raw persona (comments, choices, description) in the prompt."""

    method = "ica"


class PBATrainer(AlignerTrainer):
    """Preference-bridged alignment: DPO with the verbalised profile in the prompt."""

    method = "pba"


def train_aligner(method: str, preset: str, data: Sequence[str], out: str, *, resume: bool = False,
                  progress: bool = True, config: AlignerConfig | None = None, **overrides: Any) -> dict[str, Any]:
    """What ``edgealign train ica|pba`` runs: ``config``, else a preset (with overrides), its trainer, the metrics."""
    cfg = config or AlignerConfig.preset(preset, method, **{k: v for k, v in overrides.items() if v is not None})
    trainer = {"ica": ICATrainer, "pba": PBATrainer}[method](cfg)
    metrics = trainer.fit(data, out, resume=resume, progress=progress)
    last = metrics.get("last_step", {})
    return {"out": out, "preset": preset, "method": method, "steps": metrics.get("step"),
            "train_loss": last.get("loss"), "train_accuracy": last.get("accuracy"), **metrics}
