"""The device never needs the training stack: sdk/ runs with torch & co. made unimportable."""

import ast
import re
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
#: The command kit: every package's commands build on it.
KIT = "edgealign.commands"
#: The runtime a device runs: edgealign minus the CLI, the command kit and the measurement / test rooms.
SIDE_ROOMS = ("edgealign.cli", KIT, "edgealign.eval", "edgealign.bench", "edgealign.testing")
ROOMS = ("edgealign.training", "edgealign.export", "edgealign.demo", *SIDE_ROOMS)
UP = ("edgealign.training", "edgealign.export", "edgealign.demo")
#: What each room may not import. Arrows: sdk <- training <- export; demo may use everything but
#: the CLI; the CLI is imported by nobody (training, export and the demo register their
#: commands through entry points instead).
NEVER = {
    "runtime": (*UP, *SIDE_ROOMS),
    KIT: (*UP, "edgealign.cli", "edgealign.eval", "edgealign.bench", "edgealign.testing"),
    "edgealign.eval": (*UP, "edgealign.cli", KIT, "edgealign.bench"),
    "edgealign.bench": (*UP, "edgealign.cli", KIT),
    "edgealign.testing": (*UP, "edgealign.cli", KIT),
    "edgealign.cli": UP,
    "edgealign.training": ("edgealign.export", "edgealign.demo", "edgealign.cli"),
    "edgealign.export": ("edgealign.demo", "edgealign.cli"),
    "edgealign.demo": ("edgealign.cli",),
}
#: Functions that import the module their first argument names.
IMPORTERS = {"import_module", "__import__", "find_spec"}
#: A string that is a whole dotted name in the project (a module, or module:attribute).
DOTTED = re.compile(r"edgealign(\.\w+)+(:\w+)?")


def _modules():
    for folder, package in PACKAGES.items():
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).with_suffix("").parts
            parts = rel[:-1] if rel[-1] == "__init__" else rel
            yield path, ".".join((package, *parts)), rel[-1] == "__init__"


MODULES = {module: (path, is_package) for path, module, is_package in _modules()}


def _imports(path: Path, module: str, is_package: bool, typing_only: bool = True):
    """Every module ``path`` names: its import statements (at any depth, inside functions
    too), the literal names it hands to importlib.import_module / __import__ / find_spec,
    and any string that is a whole dotted name in the project (a table of modules to import
    by name), but not a logger's name or a ``python -m`` module run in another process.
    ``typing_only=False`` leaves out what ``if TYPE_CHECKING:`` imports (never run)."""
    base = module.split(".") if is_package else module.split(".")[:-1]
    tree = ast.parse(path.read_text())
    skip = {id(n) for n in _not_imports(tree, typing_only)}
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
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
        elif isinstance(node, ast.Call) and _called(node) in IMPORTERS and node.args:
            name = node.args[0]
            if isinstance(name, ast.Constant) and isinstance(name.value, str):
                yield _absolute(name.value, ".".join(base))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and DOTTED.fullmatch(node.value):
            yield node.value.split(":")[0]


def _not_imports(tree: ast.AST, typing_only: bool):
    """The nodes that name a module without importing it: logger names, the module after
    ``-m`` in a command line, and (unless ``typing_only``) everything under ``if TYPE_CHECKING:``."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and _called(node) == "getLogger":
            yield from node.args
        elif isinstance(node, (ast.List, ast.Tuple)):
            yield from (b for a, b in zip(node.elts, node.elts[1:]) if isinstance(a, ast.Constant) and a.value == "-m")
        elif (not typing_only and isinstance(node, ast.If)
              and (getattr(node.test, "id", None) == "TYPE_CHECKING" or getattr(node.test, "attr", None) == "TYPE_CHECKING")):
            for child in node.body:
                yield from ast.walk(child)


def _called(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""


def _absolute(name: str, package: str) -> str:
    if not name.startswith("."):
        return name
    dots = len(name) - len(name.lstrip("."))
    parts = package.split(".")
    return ".".join(parts[: len(parts) - dots + 1] + [name.lstrip(".")]).rstrip(".")


def _room(module: str) -> str:
    for room in ROOMS:
        if module == room or module.startswith(room + "."):
            return room
    return "runtime"


def _under(name: str, prefixes) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _offences(module: str, names) -> list[str]:
    room = _room(module)
    forbidden = NEVER[room]
    if room in ("edgealign.training", "edgealign.export") and module.rsplit(".", 1)[-1] != "commands":
        forbidden = (*forbidden, KIT)  # library modules report through logging; commands print
    return [f"{module} imports {name}" for name in set(names)
            if _under(name, forbidden) and not _under(name, (module,))]


def test_arrows_point_one_way():
    """sdk <- training <- export; demo uses everything; the runtime imports no side room; the
    CLI names no package above it, not even as a string. No exceptions."""
    offenders = []
    for module, (path, is_package) in MODULES.items():
        offenders += _offences(module, _imports(path, module, is_package))
    assert not offenders, "\n".join(sorted(offenders))


def _entry_points() -> dict[str, str]:
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return project["entry-points"]["edgealign.commands"]


def test_registered_commands_resolve_to_command_modules():
    """Every ``edgealign.commands`` entry point names an object defined at the top of a module
    of this tree, in a room that may build commands (it imports the kit, never the CLI)."""
    for name, target in _entry_points().items():
        module, attr = target.split(":")
        assert module in MODULES, f"{name}: {module} is no module of this tree"
        path, _ = MODULES[module]
        top = {t.id for node in ast.parse(path.read_text()).body if isinstance(node, (ast.Assign, ast.AnnAssign))
               for t in (node.targets if isinstance(node, ast.Assign) else [node.target]) if isinstance(t, ast.Name)}
        assert attr in top, f"{name}: {module} defines no {attr}"
        assert not _offences(module, [KIT]), f"{name}: {module} may not import the command kit"
        assert _under(module, UP), f"{name}: {module} is in the sdk, whose commands the CLI lists itself"


def test_the_installed_entry_points_are_the_declared_ones():
    """The metadata the CLI reads matches pyproject.toml (a stale install would hide a command)."""
    from importlib import metadata

    installed = {e.name: e.value for e in metadata.entry_points(group="edgealign.commands")}
    assert installed == _entry_points()


def test_the_arrow_check_sees_relative_imports(tmp_path):
    (tmp_path / "x.py").write_text("from ..eval import alignment\nfrom .. import bench\n")
    names = set(_imports(tmp_path / "x.py", "edgealign.cli.x", False))
    assert "edgealign.eval" in names and "edgealign.bench" in names


def test_the_arrow_check_sees_modules_named_by_string(tmp_path):
    (tmp_path / "x.py").write_text(
        "import importlib\n"
        "def f():\n    return importlib.import_module('edgealign.training.commands')\n"
        "TABLE = {'train': ('edgealign.export.commands', 'help')}\n"
        "def g():\n    return __import__('..demo.run')\n"
        "DOC = 'see edgealign.training for more'\n"
        "import logging\nlog = logging.getLogger('edgealign.training')\n"
        "CMD = ['python', '-m', 'edgealign.demo']\n")
    names = set(_imports(tmp_path / "x.py", "edgealign.cli.x", False))
    assert {"edgealign.training.commands", "edgealign.export.commands", "edgealign.demo.run"} <= names
    assert not any("more" in n for n in names) and "edgealign.training" not in names and "edgealign.demo" not in names
    assert len(_offences("edgealign.cli.x", names)) == 3


# -- no import cycles --------------------------------------------------------------------------

def _graph() -> dict[str, set[str]]:
    """module -> the project's modules it imports (statically, at any depth: a function-level
    import is an edge too); ``from pkg import name`` is an edge to pkg.name when that is a module.
    An import under ``if TYPE_CHECKING:`` is no edge: it never runs."""
    graph: dict[str, set[str]] = {}
    for module, (path, is_package) in MODULES.items():
        edges = set()
        for name in _imports(path, module, is_package, typing_only=False):
            while name and name not in MODULES:
                name = name.rpartition(".")[0]
            if name and name != module and not module.startswith(name + "."):  # a module's own packages load first anyway
                edges.add(name)
        graph[module] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def test_no_import_cycles():
    """No two modules import each other, directly or round a loop, even lazily."""
    cycles = _cycles(_graph())
    assert not cycles, "\n".join(" <-> ".join(c) for c in cycles)


def test_the_cycle_check_sees_lazy_imports():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert _cycles(graph) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
