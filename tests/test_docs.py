"""Tests keep the docs honest."""

from pathlib import Path

from edgealign.cli import COMMANDS

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
