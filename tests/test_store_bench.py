"""``edgealign bench store``: a command that measures, not a timed test (no speed asserted)."""

from __future__ import annotations

import json

import pytest

from edgealign.cli import main
from edgealign.cli.bench import TARGETS

FIELDS = {"n", "plain_insert_per_s", "encrypted_insert_per_s", "insert_ratio", "plain_read_per_s",
          "encrypted_read_per_s", "read_ratio", "load_user_p50_ms"}


def test_bench_store_json(capsys, tmp_path):
    assert main(["bench", "store", "--n", "300", "--dir", str(tmp_path), "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert FIELDS <= set(result) and result["n"] == 300
    assert all(result[k] > 0 for k in FIELDS)
    assert list(tmp_path.iterdir()) == []  # the temporary stores are gone


def test_bench_store_table(capsys, tmp_path):
    assert main(["bench", "store", "--n", "50", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "insert_ratio" in out and "load_user_p50_ms" in out and not out.lstrip().startswith("{")


def test_bench_needs_a_known_target(capsys):
    assert "store" in TARGETS
    with pytest.raises(SystemExit) as info:
        main(["bench", "nothing"])
    assert info.value.code == 2
