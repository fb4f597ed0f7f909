"""A few hundred seeded mutations of each file format the SDK reads: none may kill the
worker, hang it or end in anything but an EdgeAlignError. The 10,000-case runs and their
figures are in docs/errors.md (`python -m edgealign.testing.fuzz`)."""

import pytest
from _shared import shared_file

from edgealign.testing import fuzz

CASES = {"gguf": 250, "template": 250, "jsonl": 400, "json": 400, "parquet": 400, "manifest": 400, "onnx": 250}
NEEDS = {"parquet": "pyarrow", "onnx": "onnx"}


# The GGUF seed differs with and without ../shared: marked, so CI runs it both ways.
TARGETS = [pytest.param(t, marks=pytest.mark.shared) if t == "gguf" else t for t in fuzz.TARGETS]


def _seed_file(target: str, tmp_path) -> str | None:
    """The GGUF seed named, not looked up by the fuzzer (which finds ../shared even when the
    suite hides it): stories260K from ../shared, else the tiny random Llama a user's clone uses."""
    if target != "gguf":
        return None
    stories = shared_file("models/stories260K.gguf")
    if stories is not None:
        return str(stories)
    pytest.importorskip("gguf")
    from edgealign.testing._tiny_gguf import tiny_gguf

    return str(tiny_gguf(tmp_path / "seed.gguf"))


@pytest.mark.parametrize("target", TARGETS)
def test_no_input_crashes_hangs_or_raises_raw(target, tmp_path):
    if target in NEEDS:
        pytest.importorskip(NEEDS[target])
    seed_file = _seed_file(target, tmp_path)
    report = fuzz.run(target, CASES[target], seed=7, keep=tmp_path, seed_file=seed_file)
    assert report["cases"] == CASES[target]
    assert (report["deaths"], report["hangs"], report["raw_errors"]) == (0, 0, 0), report["failures"]
    assert report["clean_errors"] > 0  # the mutations reach the checks
    if target not in ("onnx",):
        assert report["clean_runs"] > 0  # and some still read: the harness is not refusing everything
