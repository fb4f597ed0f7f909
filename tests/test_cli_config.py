"""Configs are the flags: every config field is an option, defaults come from the config."""

import argparse
import dataclasses
import json
from typing import Literal

import pytest

from edgealign.commands import ConfigOptions, field_docs, flag
from edgealign.errors import ConfigError
from edgealign.training import commands
from edgealign.training.aligners import AlignerConfig
from edgealign.training.bridge import BridgeConfig
from edgealign.training.synth import SynthConfig

#: (command's option adder, the config its options build, the ConfigOptions).
COMMANDS = {
    "train bridge": (commands._bridge_arguments, BridgeConfig, commands._bridge_options()),
    "train ica": (commands._ica_arguments, AlignerConfig, commands._aligner_options("ica")),
    "train pba": (commands._pba_arguments, AlignerConfig, commands._aligner_options("pba")),
    "synth": (commands.synth_arguments, SynthConfig, commands._synth_options()),
}
REQUIRED = {"train bridge": ["--data", "d", "--out", "o"], "train ica": ["--data", "d", "--out", "o"],
            "train pba": ["--data", "d", "--out", "o"], "synth": ["--out", "o"]}


def parse(command: str, *argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog=command)
    COMMANDS[command][0](parser)
    return parser.parse_args([*REQUIRED[command], *argv])


def build(command: str, *argv: str):
    return COMMANDS[command][2].build(parse(command, *argv))


def options(command: str) -> set[str]:
    parser = argparse.ArgumentParser()
    COMMANDS[command][0](parser)
    return {s for action in parser._actions for s in action.option_strings}


@pytest.mark.parametrize("command", COMMANDS)
def test_every_config_field_is_a_documented_flag(command):
    _, cls, spec = COMMANDS[command]
    docs = field_docs(cls)
    for f in dataclasses.fields(cls):
        if f.name in spec.fixed:
            continue
        assert flag(f.name) in options(command), f"{command}: {f.name} has no flag"
        assert docs.get(f.name), f"{cls.__name__}.{f.name} has no docstring for its help"


@pytest.mark.parametrize("command", COMMANDS)
def test_no_flags_is_the_default_preset(command):
    _, cls, spec = COMMANDS[command]
    expected = spec.presets[spec.default_preset](**spec.fixed) if spec.presets else cls()
    assert build(command) == expected


def test_preset_then_file_then_flags(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"lr": 0.02, "epochs": 7, "encoder_layers": 2}))
    cfg = build("train bridge", "--preset", "tiny", "--config", str(path), "--epochs", "3")
    assert cfg == BridgeConfig.tiny(lr=0.02, epochs=3, encoder_layers=2)


def test_a_saved_config_reproduces_the_run(tmp_path):
    saved = AlignerConfig.tiny("pba", lr=3e-4, max_steps=12)
    path = tmp_path / "aligner_config.json"
    path.write_text(json.dumps(dataclasses.asdict(saved)))
    assert build("train pba", "--config", str(path)) == saved
    with pytest.raises(ConfigError, match="method"):
        build("train ica", "--config", str(path))  # the command sets the method


def test_unknown_keys_in_the_file_are_named(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(json.dumps({"lr": 0.1, "learning_rate": 0.1, "epoch": 2}))
    with pytest.raises(ConfigError, match="epoch, learning_rate"):
        build("train bridge", "--config", str(path))


def test_types_on_the_command_line():
    cfg = build("synth", "--dims", "5,16,73", "--persona-items", "3", "--phrasing", "heldout")
    assert (cfg.dims, cfg.persona_items, cfg.phrasing) == ((5, 16, 73), 3, "heldout")
    assert build("synth", "--persona-items", "none").persona_items is None
    assert build("train bridge", "--encoder-layers", "all").encoder_layers is None
    # fine-tuning the encoder leaves no frozen embeddings for the example memory: it goes off too
    assert build("train bridge", "--no-freeze-encoder", "--memory-per-pole", "0").freeze_encoder is False
    assert build("train ica", "--preset", "llama-3.1-8b", "--attn-implementation", "none").attn_implementation is None
    assert build("train ica", "--max-steps", "5").max_steps == 5
    for bad in (["--phrasing", "some"], ["--users", "many"]):
        with pytest.raises(SystemExit):
            parse("synth", *bad)


def test_the_help_shows_each_presets_value(capsys):
    parser = argparse.ArgumentParser()
    commands._bridge_arguments(parser)
    text = " ".join(parser.format_help().split())
    epochs = {name: getattr(BridgeConfig, name)().epochs for name in ("default", "tiny", "gpu")}
    assert (f"--epochs N Passes over the users (default {epochs['default']}; tiny: {epochs['tiny']}, "
            f"gpu: {epochs['gpu']})") in text


def test_field_docs_and_the_generic_forms():
    @dataclasses.dataclass(frozen=True)
    class Toy:
        size: int = 3
        """How many. Longer explanation."""
        mode: Literal["a", "b"] = "a"
        """Which; a or b."""
        ratio: float | None = None
        names: tuple[str, ...] = ("x",)
        """Names, comma-separated."""

    assert field_docs(Toy) == {"size": "How many. Longer explanation.", "mode": "Which; a or b.",
                               "names": "Names, comma-separated."}
    spec = ConfigOptions(Toy)
    parser = argparse.ArgumentParser()
    spec.add_to(parser)
    args = parser.parse_args(["--mode", "b", "--ratio", "0.5", "--names", "p,q"])
    assert spec.build(args) == Toy(mode="b", ratio=0.5, names=("p", "q"))
    assert "How many (default 3)" in " ".join(parser.format_help().split())


def test_a_field_the_config_refuses_is_named_by_its_flag():
    with pytest.raises(ConfigError) as info:
        build("train bridge", "--encoder-layers", "0")
    message = str(info.value)
    assert message.startswith("--encoder-layers must be at least 1") and "or none for all" in message, message
    assert "encoder_layers" not in message and "None" not in message
