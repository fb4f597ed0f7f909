"""`accelerate launch` with 2 CPU processes (gloo) on the tiny preset: the ranks read different
shares of the data and their parameters stay identical step after step."""

import json
import socket
import subprocess
import sys
import textwrap

import pytest

pytest.importorskip("torch")
pytest.importorskip("accelerate")

from edgealign.data import write_records  # noqa: E402
from edgealign.training.synth import SynthConfig, generate_records  # noqa: E402

pytestmark = pytest.mark.slow

RANK_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, os, sys
    import torch
    from edgealign.training.aligners import AlignerConfig, PBATrainer

    data, out = sys.argv[1], sys.argv[2]
    cfg = AlignerConfig.tiny("pba", max_length=128, max_prompt_length=96, micro_batch_size=2,
                             global_batch_size=4, max_steps=3, eval_records=0)
    trainer = PBATrainer(cfg)
    metrics = trainer.fit([data], out, progress=False)
    from edgealign.training.models import tiny_llama

    def digest(model):
        h = hashlib.sha256()
        for name, p in sorted(model.state_dict().items()):
            h.update(name.encode() + p.detach().cpu().numpy().tobytes())
        return h.hexdigest()

    base = tiny_llama(trainer.tokenizer, cfg.seed, max_position_embeddings=1024)
    rank = int(os.environ["RANK"])
    with open(os.path.join(out, f"rank{rank}.json"), "w") as f:
        json.dump({"params": digest(trainer.model), "base": digest(base), "world_size": metrics["world_size"], "step": metrics["step"],
                   "accumulation": metrics["accumulation"], "pairs": metrics["last_step"]["pairs"]}, f)
    """
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_gloo_processes_stay_in_sync(tmp_path):
    data, out = tmp_path / "synth.jsonl", tmp_path / "out"
    write_records(generate_records(SynthConfig(users=8, records_per_user=2, seed=2)), data)
    script = tmp_path / "rank.py"
    script.write_text(RANK_SCRIPT)
    # accelerate names its torchrun launcher --multi_gpu; with no GPU it runs MULTI_CPU on gloo
    # (--cpu alone would start a single process).
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--multi_gpu", "--num_processes", "2",
           "--num_machines", "1", "--mixed_precision", "no", "--dynamo_backend", "no",
           "--main_process_port", str(_free_port()), str(script), str(data), str(out)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stderr[-3000:]
    ranks = [json.loads((out / f"rank{r}.json").read_text()) for r in (0, 1)]
    assert ranks[0]["params"] == ranks[1]["params"] != ranks[0]["base"]
    assert all(r["world_size"] == 2 and r["step"] == 3 and r["accumulation"] == 1 for r in ranks)
    assert ranks[0]["pairs"] == 4  # metrics are summed over both ranks' micro-batches
    first = json.loads((out / "metrics.jsonl").read_text().splitlines()[0])
    assert first["step"] == 1 and first["grad_norm"] > 0
    assert (out / "model.safetensors").is_file()
