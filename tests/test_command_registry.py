"""Commands that register themselves: the entry points the CLI reads, and what it does with
one that does not load."""

import logging
from importlib import metadata

import pytest

from edgealign.cli import commands, main
from edgealign.commands import ENTRY_POINT_GROUP, Command, Target, plugins


@pytest.fixture()
def registered(monkeypatch):
    """Replace the installed entry points with ``EntryPoint`` values given by the test."""
    def use(**targets: str) -> None:
        found = [metadata.EntryPoint(name, value, ENTRY_POINT_GROUP) for name, value in targets.items()]
        monkeypatch.setattr(metadata, "entry_points", lambda group=None: found if group == ENTRY_POINT_GROUP else [])
        plugins.cache_clear()

    yield use
    plugins.cache_clear()


def test_training_export_and_the_demo_register_their_commands():
    found = plugins()
    assert {c.name for c in found.commands} == {"synth", "train", "export", "demo", "build"}
    assert [(t.command, t.name) for t in found.targets] == [("bench", "bridge")]
    assert list(commands())[:2] == ["init", "user"] and {"train", "bench", "demo"} <= set(commands())


def test_a_command_whose_module_is_missing_is_listed_and_says_what_to_install(registered, capsys):
    registered(train="edgealign_not_installed_anywhere.commands:TRAIN")
    assert "train" in commands() and "needs edgealign_not_installed_anywhere" in commands()["train"].help
    assert main(["train"]) == 1
    err = capsys.readouterr().err
    assert err.strip() == ("edgealign: error: edgealign-not-installed-anywhere is not installed; install it: "
                           "pip install edgealign-not-installed-anywhere")


def test_a_broken_or_wrong_entry_point_is_skipped_with_a_warning(registered, caplog):
    registered(bad="json:no_such_name", wrong="json:dumps")
    with caplog.at_level(logging.WARNING, logger="edgealign.commands.registry"):
        found = plugins()
    assert found.commands == () and found.targets == ()
    assert "bad (json:no_such_name) does not load" in caplog.text
    assert "wrong (json:dumps) is a function, not a Command or Target" in caplog.text
    assert main(["space", "--parse", "Older"]) == 0  # the sdk's own commands work on


@pytest.fixture()
def plugin_module(monkeypatch):
    """A module of another package's, importable by name for the test's length."""
    import sys
    import types

    module = types.ModuleType("tests_registry_plugin")
    monkeypatch.setitem(sys.modules, "tests_registry_plugin", module)
    return module


def test_a_registered_command_cannot_replace_one_of_the_sdks(registered, plugin_module):
    plugin_module.SPACE = Command("space", "a look-alike", lambda parser: None, lambda args: 99)
    registered(space="tests_registry_plugin:SPACE")
    assert commands()["space"].help.startswith("show the 90-dimension preference space")
    assert main(["space", "--parse", "Older"]) == 0


def test_a_registered_target_joins_its_command(registered, plugin_module, capsys):
    def run(args):
        """a target from another package"""
        return {"answer": 42}

    plugin_module.TARGET = Target("bench", "answer", lambda parser: None, run)
    registered(extra="tests_registry_plugin:TARGET")
    assert main(["bench", "answer", "--json"]) == 0
    assert '"answer": 42' in capsys.readouterr().out


def test_command_objects_are_what_the_entry_points_name():
    from edgealign.demo.run import BUILD, DEMO
    from edgealign.export.commands import BENCH_BRIDGE, EXPORT
    from edgealign.training.commands import SYNTH, TRAIN

    assert all(isinstance(c, Command) for c in (BUILD, DEMO, EXPORT, SYNTH, TRAIN))
    assert isinstance(BENCH_BRIDGE, Target) and DEMO.for_people and not TRAIN.for_people
