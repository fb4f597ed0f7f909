"""pyproject's explicit package list must match the folders, or a fresh install breaks."""

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_package_list_matches_the_source_tree():
    cfg = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    mapping = cfg["package-dir"]
    found = set()
    for name, folder in mapping.items():
        for init in (ROOT / folder).rglob("__init__.py"):
            rel = init.parent.relative_to(ROOT / folder).parts
            found.add(".".join((name, *rel)))
    assert set(cfg["packages"]) == found
