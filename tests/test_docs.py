"""Tests keep the docs honest."""

from pathlib import Path

from edgealign.cli import commands

COMMANDS = commands()

ROOT = Path(__file__).resolve().parents[1]


def test_every_command_is_in_the_cli_reference():
    text = (ROOT / "docs" / "cli.md").read_text()
    missing = [name for name in COMMANDS if f"## `edgealign {name}`" not in text]
    assert not missing, f"undocumented commands: {missing}"


def test_every_documented_command_exists():
    text = (ROOT / "docs" / "cli.md").read_text()
    documented = {line.split("`edgealign ")[1].rstrip("`") for line in text.splitlines() if line.startswith("## `edgealign ")}
    assert documented <= set(COMMANDS)


def test_readme_quick_start_is_the_two_commands():
    text = (ROOT / "README.md").read_text()
    assert "make demo" in text and "make test" in text
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_docs_links_resolve():
    index = (ROOT / "docs" / "index.md").read_text()
    for part in index.split("](")[1:]:
        assert (ROOT / "docs" / part.split(")")[0]).is_file()


def test_errors_doc_draws_the_real_tree():
    import edgealign.errors as errors

    text = (ROOT / "docs" / "errors.md").read_text()
    for name in errors.__all__:
        assert name in text


def test_cli_reference_option_lists_are_generated_from_the_parsers():
    from edgealign.cli._reference import update

    text = (ROOT / "docs" / "cli.md").read_text()
    assert update(text) == text, "stale option lists: run python -m edgealign.cli._reference docs/cli.md"


def test_every_option_of_every_command_is_in_the_cli_reference():
    from edgealign.cli._reference import parsers

    import re

    text = (ROOT / "docs" / "cli.md").read_text()
    sections = {part.split("`", 1)[0]: part for part in text.split("\n## `edgealign ")[1:]}
    missing = []
    for name, parser in parsers().items():
        documented = set(re.findall(r"(?<![\w-])--[a-z][\w-]*", sections.get(name.split()[0], "")))
        missing += [f"{name} {option}" for action in parser._actions for option in action.option_strings
                    if option.startswith("--") and option != "--help" and option not in documented]
    assert not missing, f"options missing from docs/cli.md: {missing}"


def _tracked_text_files():
    import subprocess

    names = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not names:  # not a git checkout: the project's folders
        names = [str(p.relative_to(ROOT)) for folder in ("docs", "sdk", "training", "export", "demo", "examples")
                 for p in (ROOT / folder).rglob("*")] + ["README.md"]
    for name in names:
        path = ROOT / name
        if path.suffix in (".py", ".md", ".toml", ".txt", ".cfg") and not name.startswith("tests/") and path.is_file():
            yield name, path.read_text(encoding="utf-8", errors="replace")


def test_method_citations_name_sections_that_exist():
    import re

    anchors = set(re.findall(r'<a id="(s\d+)"></a>', (ROOT / "docs" / "method.md").read_text()))
    cited = {(name, f"s{n}") for name, text in _tracked_text_files() for n in re.findall(r"method\.md(?: §|#s)(\d+)", text)}
    assert cited, "no file cites docs/method.md"
    assert not {c for c in cited if c[1] not in anchors}, "citations of sections docs/method.md lacks"


def test_the_repository_explains_itself():
    """Code and docs cite docs/method.md, not a spec outside the repository, and speak of the
    project, not of how it was built."""
    import re

    pattern = re.compile(r"SPEC section|SPEC [0-9]|the issue|teammate", re.I)
    found = [f"{name}:{n}" for name, text in _tracked_text_files()
             for n, line in enumerate(text.splitlines(), 1) if pattern.search(line)]
    assert not found, f"cite docs/method.md instead: {found}"
