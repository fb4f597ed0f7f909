"""The ML-team path, end to end at a chosen scale: data -> training -> export -> the SDK.

    python examples/ml_team.py --out runs/example --preset tiny --method pba

1. AlignX-format data: seeded synthetic users written as JSONL records.
2. Train the preference bridge (BridgeTrainer) and an aligner (ICATrainer / PBATrainer, DPO).
3. Export the bridge to ONNX and the aligner to GGUF q8_0; both exporters check the files
   against the torch model (parity) and write a manifest only when they pass.
4. Load both in the device SDK (PreferenceBridge, LocalLLM), infer a new user's profile from
   their raw history and answer a question conditioned on it.

Needs the ``train`` and ``export`` extras (``pip install 'edgealign[train,export]'``). The
tiny preset takes about a minute on a laptop CPU; its models are random-initialised and
small, so the answer shows that the pipeline works, not that it is good.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

QUESTION = "How should I spend a free weekend?"
# A user the models never saw: concise (16), likes humor (73), into sports (56).
NEW_USER = {16: 1.0, 73: 1.0, 56: 1.0}


def step(message: str) -> None:
    """Say what is happening (stderr keeps stdout for results)."""
    print(f"==> {message}", file=sys.stderr, flush=True)


def make_data(out: Path, users: int) -> Path:
    """Seeded synthetic users, written in the AlignX record format the trainers read."""
    from edgealign import write_records
    from edgealign.training.synth import SynthConfig, generate_records

    path = out / "data" / "users.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    n = write_records(generate_records(SynthConfig(users=users, records_per_user=2, seed=0)), path)
    print(f"data: {n} AlignX records from {users} synthetic users -> {path}")
    return path


def train_bridge(data: Path, out: Path, preset: str) -> Path:
    """The preference bridge: persona items in, a 90-dimension profile out."""
    from edgealign import read_records
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer

    ckpt = out / "checkpoints" / "bridge"
    metrics = BridgeTrainer(BridgeConfig.preset(preset)).fit(read_records(data), ckpt, progress=False)
    print(f"bridge: trained ({preset}), held-out accuracy on non-neutral dimensions "
          f"{metrics.get('accuracy_nonneutral', float('nan')):.3f} -> {ckpt}")
    return ckpt


def train_aligner(data: Path, out: Path, method: str) -> Path:
    """An aligner by DPO; its tiny preset is a ~1M-parameter Llama with its own tokenizer."""
    from edgealign.training.aligners import AlignerConfig, ICATrainer, PBATrainer

    ckpt = out / "checkpoints" / method
    # Short sequences and two epochs keep the tiny run to seconds on a CPU.
    cfg = AlignerConfig.tiny(method, max_length=192, max_prompt_length=144, epochs=2, eval_records=16)
    trainer = {"ica": ICATrainer, "pba": PBATrainer}[method](cfg)
    metrics = trainer.fit([data], ckpt, progress=False)
    before, after = metrics["eval_before"], metrics["eval_after"]
    print(f"aligner: {method.upper()} trained for {metrics['step']} steps, DPO loss "
          f"{before['loss']:.3f} -> {after['loss']:.3f}, pair accuracy {after['accuracy']:.2f} -> {ckpt}")
    return ckpt


def export_both(bridge_ckpt: Path, aligner_ckpt: Path, out: Path, threads: int | None) -> tuple[Path, Path]:
    """ONNX for the bridge, GGUF q8_0 for the aligner; each raises ParityError on a mismatch."""
    from edgealign.export.gguf import export_gguf
    from edgealign.export.onnx import export_bridge

    bridge_dir, llm_dir = out / "artifacts" / "bridge", out / "artifacts" / aligner_ckpt.name
    onnx = export_bridge(bridge_ckpt, bridge_dir)
    print(f"export: bridge -> ONNX, parity passed ({_figures(onnx.metrics['parity']['bridge.onnx'])}) -> {bridge_dir}")
    gguf = export_gguf(aligner_ckpt, llm_dir, quants=("q8_0",), n_threads=threads or 2)
    print(f"export: aligner -> GGUF q8_0, parity passed ({_figures(gguf.metrics['parity']['q8_0'])}) -> {llm_dir}")
    return bridge_dir, llm_dir


def _figures(figures: dict[str, Any]) -> str:
    """A parity record as one short line: name=value for its numbers."""
    return ", ".join(f"{k}={v:.3g}" for k, v in figures.items() if isinstance(v, (int, float)))


def run_on_device(bridge_dir: Path, llm_dir: Path, method: str, max_tokens: int, threads: int | None) -> None:
    """What an app does with the artifacts: infer a profile, answer conditioned on it (PBA)
    or on the raw history (ICA), as the aligner was trained."""
    from edgealign import LocalLLM, PreferenceBridge
    from edgealign.preferences import N_DIMS
    from edgealign.training.synth import make_user

    user = make_user("new-user", [NEW_USER.get(i, 0.5) for i in range(N_DIMS)])
    with PreferenceBridge.load(bridge_dir, threads=threads) as bridge:
        items = list(user.persona.items())[: bridge.max_items]
        profile, provider = bridge.infer(items), bridge.providers[0]
    top = sorted(profile.non_neutral(), key=lambda dv: -profile.confidence[dv[0].index])[:5]
    print(f"sdk: profile inferred on {provider} from {len(items)} history items: "
          f"{len(profile.labels)} non-neutral dimensions; most confident: "
          + ", ".join(f"{dim.label(v)} ({profile.confidence[dim.index]:.2f})" for dim, v in top))
    with LocalLLM.open(llm_dir, n_ctx=512, n_threads=threads) as llm:
        condition = {"profile": profile} if method == "pba" else {"persona": items}
        answer = llm.chat(QUESTION, conditioning=method, max_tokens=max_tokens, temperature=0, **condition)
    print(f"sdk: {llm_dir.name}/{llm.path.name} ({method.upper()}) answers {QUESTION!r}:\n{answer}")


def main(argv: list[str] | None = None) -> int:
    """Run the four steps in order; any failed parity check stops the run with ParityError."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for data, checkpoints and artifacts")
    parser.add_argument("--preset", choices=("tiny", "default"), default="tiny",
                        help="bridge preset: tiny (random encoder, seconds) or default (MiniLM, minutes)")
    parser.add_argument("--method", choices=("pba", "ica"), default="pba", help="which aligner to train (tiny preset)")
    parser.add_argument("--users", type=int, default=16, help="synthetic users to train on (default 16)")
    parser.add_argument("--max-tokens", type=int, default=24, help="length of the final answer (default 24)")
    parser.add_argument("--threads", type=int, default=None,
                        help="CPU threads for training and inference (default: torch's choice; 1 on a busy machine)")
    args = parser.parse_args(argv)
    if args.threads:
        import torch  # oversubscribed cores slow small models down several times over

        torch.set_num_threads(args.threads)

    started = time.monotonic()
    step("1/4 writing AlignX-format data (synthetic users)")
    data = make_data(args.out, args.users)
    step("2/4 training the preference bridge and the aligner")
    bridge_ckpt = train_bridge(data, args.out, args.preset)
    aligner_ckpt = train_aligner(data, args.out, args.method)
    step("3/4 exporting: bridge -> ONNX, aligner -> GGUF q8_0 (parity-checked)")
    bridge_dir, llm_dir = export_both(bridge_ckpt, aligner_ckpt, args.out, args.threads)
    step("4/4 loading both in the SDK")
    run_on_device(bridge_dir, llm_dir, args.method, args.max_tokens, args.threads)
    print(f"done in {time.monotonic() - started:.0f} s; everything is under {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
