"""The device never needs the training stack: sdk/ runs with torch & co. made unimportable."""

import ast
import subprocess
import sys
import textwrap
from pathlib import Path

SDK = Path(__file__).resolve().parents[1] / "sdk"
FORBIDDEN = ("torch", "transformers", "optimum", "accelerate", "edgealign.training", "edgealign.export")

BLOCKER = textwrap.dedent(
    f"""
    import sys
    FORBIDDEN = {FORBIDDEN!r}

    class Blocker:
        def find_spec(self, name, path=None, target=None):
            if any(name == f or name.startswith(f + ".") for f in FORBIDDEN):
                raise ImportError(f"blocked on the device: {{name}}")
            return None

    sys.meta_path.insert(0, Blocker())
    """
)


def run_blocked(code: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", BLOCKER + textwrap.dedent(code)], capture_output=True, text=True, timeout=120
    )


def test_the_blocker_really_blocks():
    out = run_blocked("import torch")
    assert out.returncode != 0 and "blocked on the device: torch" in out.stderr


def test_on_device_path_runs_without_the_training_stack(tmp_path):
    out = run_blocked(
        f"""
        import edgealign, json, sys
        from edgealign import PreferenceProfile, Persona, Comment, ica_prompt, pba_prompt, ChatTemplate
        from edgealign import read_records, write_records, Record
        heavy = {{"onnxruntime", "llama_cpp", "sqlcipher3"}} & set(sys.modules)
        assert not heavy, f"import edgealign loaded {{heavy}}"
        p = PreferenceProfile.from_text("Older, Likes humor")
        text = ChatTemplate().render(pba_prompt("Hi?", p))
        ChatTemplate().render(ica_prompt("Hi?", Persona(comments=(Comment("a", "b"),))))
        r = Record(prompt="q", chosen="a", rejected="b")
        write_records([r], {str(tmp_path / "r.jsonl")!r})
        assert list(read_records({str(tmp_path / "r.jsonl")!r})) == [r]
        from edgealign.cli import main
        assert main(["space", "--parse", "Older"]) == 0
        print("ok")
        """
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().endswith("ok")


def test_no_module_in_sdk_imports_the_training_stack():
    """Static check too: not even a lazy import inside a function."""
    offenders = []
    for path in SDK.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [f"{path.name}: {n}" for n in names if any(n == f or n.startswith(f + ".") for f in FORBIDDEN)]
    assert not offenders
