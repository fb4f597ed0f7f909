"""The aligner's measurements through a trained aligner (a tiny real LoRA adapter): ``eval --swap
--adapter`` and ``eval-generation --adapter`` answer the aligner's mode through it, and measure
fluency under the bare model."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("gguf")
pytest.importorskip("transformers")
pytest.importorskip("peft")

from _lora_helpers import exported_aligner, tiny_base  # noqa: E402
from test_eval_swap import FUNNY, FUNNY_SHORT, SERIOUS, SERIOUS_LONG  # noqa: E402

from edgealign import write_records  # noqa: E402
from edgealign.eval.generation import generation_metrics  # noqa: E402
from edgealign.llm import LocalLLM  # noqa: E402


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """(base GGUF, pba aligner folder)."""
    root = tmp_path_factory.mktemp("aligner")
    base = tiny_base(root / "base")
    return base, exported_aligner(base, root)


def test_eval_swap_through_the_aligner(built, tmp_path, capsys):
    from edgealign.cli import main

    base, pba = built
    data = tmp_path / "records.jsonl"
    write_records([FUNNY, SERIOUS, FUNNY_SHORT, SERIOUS_LONG], data)
    runs = {}
    for extra in ([], ["--adapter", str(pba)]):
        assert main(["eval", "--data", str(data), "--mode", "pba", "--model", str(base), "--threads", "1",
                     "--n-ctx", "256", "--headline", "--swap", "--json", *extra]) == 0
        runs[bool(extra)] = json.loads(capsys.readouterr().out)
    for out in runs.values():
        assert out["swap"]["n"] == 4 and out["swap_gap"] == pytest.approx(out["accuracy"] - out["swapped_accuracy"])
    assert runs[True]["policy_adapter"] == {"pba": str(pba)}
    assert runs[True]["mean_margin"] != pytest.approx(runs[False]["mean_margin"], abs=1e-6)


def test_generation_answers_through_the_aligner_and_measures_under_the_bare_model(built):
    base, pba = built
    with LocalLLM.open(base, n_ctx=256, n_threads=1, adapter=pba) as llm:
        tuned = generation_metrics(llm, ["pba", "instruct"], dims=(16,), answers=2, max_tokens=8, temperature=0,
                                   show=True)
    with LocalLLM.open(base, n_ctx=256, n_threads=1) as llm:
        bare = generation_metrics(llm, ["pba", "instruct"], dims=(16,), answers=2, max_tokens=8, temperature=0,
                                  show=True)
    assert tuned["modes"]["pba"]["aligner"] == str(pba) and tuned["modes"]["instruct"]["aligner"] is None
    assert tuned["bare"] == bare["bare"]  # the baseline is the bare model's, aligner loaded or not
    assert tuned["modes"]["instruct"] == bare["modes"]["instruct"]  # instruct never reads the pba aligner
    answers = lambda out: out["modes"]["pba"]["dimensions"]["16"]["answers"]
    assert answers(tuned) != answers(bare)
