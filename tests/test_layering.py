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


# -- one-way arrows between the project's packages ---------------------------------------------
ROOT = SDK.parent
#: folder -> the dotted package it installs as.
PACKAGES = {"sdk": "edgealign", "training": "edgealign.training", "export": "edgealign.export", "demo": "edgealign.demo"}
#: The runtime a device runs: edgealign minus the CLI and the measurement / test rooms.
SIDE_ROOMS = ("edgealign.cli", "edgealign.eval", "edgealign.bench", "edgealign.testing")
#: What each room may not import. Arrows: sdk <- training <- export; demo may use everything.
NEVER = {
    "runtime": ("edgealign.training", "edgealign.export", "edgealign.demo", *SIDE_ROOMS),
    "edgealign.eval": ("edgealign.training", "edgealign.export", "edgealign.demo", "edgealign.cli", "edgealign.bench"),
    "edgealign.bench": ("edgealign.training", "edgealign.export", "edgealign.demo", "edgealign.cli"),
    "edgealign.testing": ("edgealign.training", "edgealign.export", "edgealign.demo", "edgealign.cli"),
    "edgealign.cli": ("edgealign.training", "edgealign.export", "edgealign.demo"),  # named by string only
    "edgealign.training": ("edgealign.export", "edgealign.demo"),
    "edgealign.export": ("edgealign.demo",),
}
#: Library modules report through logging; only command modules may import the CLI's helpers.
COMMAND_MODULES = ("edgealign.training.commands", "edgealign.export.commands", "edgealign.demo.run")


def _modules():
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("").parts
            parts = rel[:-1] if rel[-1] == "__init__" else rel
            yield path, ".".join((package, *parts)), rel[-1] == "__init__"


def _imports(path: Path, module: str, is_package: bool):
    base = module.split(".") if is_package else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            yield from (a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                stem = base[: len(base) - node.level + 1]
                target = ".".join(stem + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            yield target
            yield from (f"{target}.{a.name}" for a in node.names)  # `from . import eval`


def _room(module: str) -> str:
    for room in ("edgealign.training", "edgealign.export", "edgealign.demo", *SIDE_ROOMS):
        if module == room or module.startswith(room + "."):
            return room
    return "runtime"


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def test_arrows_point_one_way():
    """sdk <- training <- export; demo uses everything; the runtime imports no side room."""
    offenders = []
    for path, module, is_package in _modules():
        forbidden = NEVER.get(_room(module), ())
        if module not in COMMAND_MODULES and _room(module) != "edgealign.cli":
            forbidden = (*forbidden, "edgealign.cli")
        offenders += [f"{module} imports {name}" for name in set(_imports(path, module, is_package))
                      if _under(name, forbidden) and not _under(name, (module,))]
    assert not offenders, "\n".join(sorted(offenders))


def test_the_arrow_check_sees_relative_imports(tmp_path):
    (tmp_path / "x.py").write_text("from ..eval import alignment\nfrom .. import bench\n")
    names = set(_imports(tmp_path / "x.py", "edgealign.cli.x", False))
    assert "edgealign.eval" in names and "edgealign.bench" in names
