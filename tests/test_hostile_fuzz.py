"""A few hundred seeded mutations of each file format the SDK reads: none may kill the
worker, hang it or end in anything but an EdgeAlignError. The 10,000-case runs and their
figures are in docs/errors.md (`python -m edgealign.testing.fuzz`)."""

import pytest

from edgealign.testing import fuzz

CASES = {"gguf": 250, "template": 250, "jsonl": 400, "json": 400, "parquet": 400, "manifest": 400, "onnx": 250}
NEEDS = {"parquet": "pyarrow", "onnx": "onnx"}


@pytest.mark.parametrize("target", fuzz.TARGETS)
def test_no_input_crashes_hangs_or_raises_raw(target, tmp_path):
    if target in NEEDS:
        pytest.importorskip(NEEDS[target])
    report = fuzz.run(target, CASES[target], seed=7, keep=tmp_path)
    assert report["cases"] == CASES[target]
    assert (report["deaths"], report["hangs"], report["raw_errors"]) == (0, 0, 0), report["failures"]
    assert report["clean_errors"] > 0  # the mutations reach the checks
    if target not in ("onnx",):
        assert report["clean_runs"] > 0  # and some still read: the harness is not refusing everything
