"""DPO metrics of a trained aligner checkpoint on held-out record files (not a test).

    python -m edgealign.training.eval_aligner CKPT --data training/data/aligner_pairs_heldout.jsonl \\
        training/data/aligner_pairs_heldout_dims.jsonl --records 128 --json

The checkpoint's ``aligner_config.json`` decides the method, the base, the lengths and the
precision. A LoRA checkpoint is its base with the adapter, the reference the same model with
the adapter switched off; a full fine-tune is scored against its base. Per file: DPO loss,
reward margin and accuracy (chosen reward strictly above rejected) over its first
``--records`` records, with the prompts the trainer builds (:mod:`.aligner_data`).
"""

from __future__ import annotations

import argparse
import json
from dataclasses import replace
from pathlib import Path
from typing import Any, Sequence

__all__ = ["evaluate_checkpoint", "main"]


def _load(ckpt: Path, cfg: Any) -> tuple[Any, Any, Any]:
    """(policy, reference or None, tokenizer) of a checkpoint folder."""
    from .models import load_base

    base, tokenizer = load_base(cfg.model, cfg.dtype, attn_implementation=cfg.attn_implementation)
    if (ckpt / "adapter_config.json").is_file():
        from peft import PeftModel

        return PeftModel.from_pretrained(base, str(ckpt)), None, tokenizer
    policy, _ = load_base(str(ckpt), cfg.dtype, attn_implementation=cfg.attn_implementation)
    return policy, base, tokenizer


def evaluate_checkpoint(ckpt: str | Path, data: Sequence[str], records: int = 128,
                        progress: bool = True) -> dict[str, Any]:
    """File name -> DPO metrics of the checkpoint on that file's first ``records`` records."""
    from tqdm.auto import tqdm

    from .aligner_data import DPOStream, PairEncoder, Sampling
    from .aligners import AlignerConfig, _record_files
    from .dpo import Reference, _accelerator, _prepare_reference, evaluate_dpo

    ckpt = Path(ckpt)
    raw = json.loads((ckpt / "aligner_config.json").read_text())
    cfg = replace(AlignerConfig(**raw), eval_records=records)
    files = _record_files(data)
    policy, reference, tokenizer = _load(ckpt, cfg)
    acc, _ = _accelerator(cfg)
    policy = acc.prepare_model(policy, evaluation_mode=True)
    ref = Reference(acc, policy, None if reference is None else _prepare_reference(acc, reference), cfg.logits_chunk)
    sampling = Sampling(max_items=cfg.max_items, demo_alone=cfg.demo_alone, demo_with_items=cfg.demo_with_items)
    encoder = PairEncoder(tokenizer, cfg.method, max_length=cfg.max_length, max_prompt_length=cfg.max_prompt_length,
                          sampling=sampling)
    out: dict[str, Any] = {}
    for f in tqdm(files, desc="scoring held-out files", disable=not progress):
        def stream(epoch: int, rank: int, world: int, skip: int, limit: int | None, f: str = f) -> DPOStream:
            return DPOStream([f], encoder, seed=cfg.seed, epoch=epoch, rank=rank, world_size=world, skip=skip,
                             limit=limit, shuffle_buffer=cfg.shuffle_buffer)

        out[Path(f).name] = evaluate_dpo(acc, policy, ref, tokenizer, stream, cfg)
    return {"checkpoint": str(ckpt), "method": cfg.method, "records": records, "held_out": out}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("checkpoint", metavar="CKPT", help="an aligner checkpoint folder (edgealign train ica|pba)")
    parser.add_argument("--data", nargs="+", required=True, metavar="FILE", help="held-out record files")
    parser.add_argument("--records", type=int, default=128, help="records scored per file (the first ones)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = evaluate_checkpoint(args.checkpoint, args.data, args.records, progress=not args.json)
    print(json.dumps(result, indent=2) if args.json else "\n".join(
        f"{name}: accuracy {m.get('accuracy', 0):.3f}, loss {m.get('loss', float('nan')):.3f}, "
        f"margin {m.get('reward_margin', float('nan')):.3f} ({m.get('pairs', 0):.0f} pairs)"
        for name, m in result["held_out"].items()))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
