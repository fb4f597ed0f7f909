"""Command-line options generated from a frozen config dataclass: the config is the flags.

    BRIDGE = ConfigOptions(BridgeConfig, presets={"tiny": BridgeConfig.tiny, ...}, default_preset="default")
    BRIDGE.add_to(parser)            # --preset, --config FILE.json, one flag per field
    cfg = BRIDGE.build(args)         # preset < config file < explicit flags

Every field becomes ``--kebab-case-name``: its type gives the parser (``int``, ``float``,
``str``; ``bool`` as ``--flag``/``--no-flag``; ``Literal[...]`` as choices; ``tuple[int, ...]``
as ``1,2,3``; an optional field also takes ``none``), its docstring (the string literal after
the field, the project's way of documenting fields, read by docstring-parser) gives the help,
and the help shows the default and where a preset differs. Flags left out keep the preset's
value, so the only defaults are the dataclass's and the presets'. Torch-free: configs live in
modules that import their heavy dependencies inside functions.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import json
import re
import types
import typing
from typing import Any, Callable, Mapping

from ..errors import ConfigError, DataError

__all__ = ["ConfigOptions", "field_docs", "flag"]

#: The argparse dest of ``--config`` (the JSON file of field values).
CONFIG_DEST = "config_file"


def flag(name: str) -> str:
    """The option string of a config field: ``max_items`` -> ``--max-items``."""
    return "--" + name.replace("_", "-")


def field_docs(cls: type) -> dict[str, str]:
    """Field name -> its docstring (the string literal right after the field), for ``cls`` and
    the dataclasses it inherits from; fields without one are absent. docstring-parser reads
    them from the classes' source (the way tyro and jsonargparse read them too); a class
    without source (a frozen app) gives none, and its help falls back to the field's name."""
    import docstring_parser

    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            parsed = docstring_parser.parse_from_object(klass)
        except (OSError, TypeError, SyntaxError):  # no source to read
            continue
        docs.update({p.arg_name: inspect.cleandoc(p.description) for p in parsed.params
                     if p.args[0] == "attribute" and p.description})
    return docs


@dataclasses.dataclass(frozen=True)
class ConfigOptions:
    """How one command's options map onto one config dataclass."""

    cls: type
    """The frozen config dataclass."""
    presets: Mapping[str, Callable[..., Any]] = dataclasses.field(default_factory=dict)
    """Preset name -> factory taking field overrides as keywords; empty: the class itself."""
    default_preset: str | None = None
    """The preset used when ``--preset`` is not given."""
    fixed: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    """Fields the command sets itself (e.g. an aligner's method): no flag; passed to the factory."""
    none_words: Mapping[str, str] = dataclasses.field(default_factory=dict)
    """Field -> another word for None on the command line (``--encoder-layers all``)."""
    given: tuple[str, ...] = ()
    """Fields the command passes to :meth:`build` from its own options: no flag."""
    config_file: bool = True
    """Offer ``--config FILE.json`` (a command with two configs offers it for one)."""
    title: str | None = None
    """The heading of the options in ``--help`` (default: the class name)."""

    def fields(self) -> list[dataclasses.Field]:
        """The fields that are flags, in declaration order."""
        return [f for f in dataclasses.fields(self.cls)
                if f.init and f.name not in self.fixed and f.name not in self.given]

    def add_to(self, parser: argparse.ArgumentParser) -> None:
        """Add ``--preset`` (when there are presets), ``--config`` and one option per field."""
        if self.presets:
            parser.add_argument("--preset", choices=list(self.presets), default=self.default_preset,
                                help=f"configuration preset (default {self.default_preset}); "
                                     "every option below overrides it")
        if self.config_file:
            parser.add_argument("--config", dest=CONFIG_DEST, metavar="FILE.json", default=None,
                                help="a JSON object of config field values (a saved run's config works); "
                                     "options given on the command line win")
        hints, docs, shown = typing.get_type_hints(self.cls), field_docs(self.cls), self._preset_values()
        group = parser.add_argument_group(self.title or f"{self.cls.__name__} (one option per field)")
        for f in self.fields():
            kwargs = _parser_kwargs(f.name, hints[f.name], self.none_words.get(f.name))
            help_ = _first_sentence(docs.get(f.name, f.name.replace("_", " "))) + " " + self._defaults(f, shown)
            group.add_argument(flag(f.name), dest=f.name, default=argparse.SUPPRESS,
                               help=help_.replace("%", "%%"), **kwargs)

    def build(self, args: argparse.Namespace, **given: Any) -> Any:
        """The config the arguments ask for: the preset, then the ``--config`` file, then the
        flags; ``given`` holds the :attr:`given` fields' values."""
        names = {f.name for f in self.fields()}
        values = self._file_values(getattr(args, CONFIG_DEST, None) if self.config_file else None)
        values.update({name: getattr(args, name) for name in names if hasattr(args, name)})
        try:
            return self._factory(getattr(args, "preset", None))(**self.fixed, **given, **values)
        except ConfigError as exc:  # the class checks its fields: say which flag, in the flags' words
            raise ConfigError(self._in_flags(str(exc))) from None

    def _in_flags(self, message: str) -> str:
        """A config class's message as a command-line user reads it: a field named by its flag
        (``encoder_layers`` -> ``--encoder-layers``; a one-word field only where it opens the
        message) and None as the word ``none`` the flags take."""
        for f in self.fields():
            if "_" in f.name:
                message = re.sub(rf"(?<![\w-]){f.name}\b", flag(f.name), message)
            elif message.startswith(f.name + " "):
                message = flag(f.name) + message[len(f.name):]
        return re.sub(r"\bNone\b", "none", message)

    def _factory(self, preset: str | None) -> Callable[..., Any]:
        if not self.presets:
            return self.cls
        if preset is None or preset not in self.presets:
            raise ConfigError(f"unknown preset {preset!r}; choose {', '.join(self.presets)}")
        return self.presets[preset]

    def _file_values(self, path: str | None) -> dict[str, Any]:
        if path is None:
            return {}
        from ..data import read_text

        try:
            data = json.loads(read_text(path))
        except json.JSONDecodeError as exc:
            raise DataError(f"{path}: not JSON ({exc.msg} at line {exc.lineno})") from None
        except RecursionError:
            raise DataError(f"{path}: JSON nested too deeply") from None
        except DataError as exc:
            raise DataError(f"--config {exc}") from None
        if not isinstance(data, dict):
            raise ConfigError(f"{path}: expected a JSON object of {self.cls.__name__} fields")
        names = {f.name for f in self.fields()}
        unknown = sorted(set(data) - names - set(self.fixed))
        if unknown:
            raise ConfigError(f"{path}: unknown {self.cls.__name__} field(s) {', '.join(unknown)}; "
                              f"known: {', '.join(sorted(names))}")
        clash = [k for k, v in self.fixed.items() if k in data and data[k] != v]
        if clash:
            raise ConfigError(f"{path}: {', '.join(clash)} is set by the command "
                              f"({', '.join(f'{k}={self.fixed[k]!r}' for k in clash)}); remove it from the file")
        hints = typing.get_type_hints(self.cls)
        return {k: _from_json(v, hints[k]) for k, v in data.items() if k in names}

    def _preset_values(self) -> dict[str, Any]:
        """Preset name -> its config (the class's defaults when there are no presets)."""
        if not self.presets:
            return {}
        return {name: make(**self.fixed) for name, make in self.presets.items()}

    def _defaults(self, f: dataclasses.Field, shown: Mapping[str, Any]) -> str:
        if not shown:
            default = f.default if f.default is not dataclasses.MISSING else None
            return f"(default {_show(default)})"
        values = {name: getattr(cfg, f.name) for name, cfg in shown.items()}
        base = values.get(self.default_preset or "", next(iter(values.values())))
        others = [f"{name}: {_show(v)}" for name, v in values.items() if v != base]
        return f"(default {_show(base)}{'; ' + ', '.join(others) if others else ''})"


# -- types ----------------------------------------------------------------------------------

def _parser_kwargs(name: str, hint: Any, none_word: str | None) -> dict[str, Any]:
    """argparse keywords (type, choices, action, metavar) for a field's type hint."""
    inner, optional = _unwrap_optional(hint)
    if inner is bool and not optional:
        return {"action": argparse.BooleanOptionalAction}
    if typing.get_origin(inner) is typing.Literal:
        values, words = list(typing.get_args(inner)), ["none"] if optional else []
        convert = _named(lambda s: None if s in words else s, "choice")
        return {"type": convert, "choices": values + ([None] if optional else []),
                "metavar": "{" + ",".join(map(str, values + words)) + "}"}
    if typing.get_origin(inner) is tuple:
        item = typing.get_args(inner)[0]
        parse = _named(lambda s: tuple(item(p) for p in s.split(",") if p.strip()), f"comma-separated {item.__name__}")
        metavar = f"{item.__name__.upper()[0]},..."
    elif inner in (int, float, str):
        parse, metavar = inner, {int: "N", float: "X", str: "TEXT"}[inner]
    else:
        raise TypeError(f"{name}: no command-line form for type {hint!r}")
    if not optional:
        return {"type": parse, "metavar": metavar}
    nones = ("none",) + ((none_word,) if none_word else ())
    convert = _named(lambda s: None if s.lower() in nones else parse(s), f"{getattr(parse, '__name__', 'value')} or none")
    return {"type": convert, "metavar": f"{metavar}|{'|'.join(nones)}"}


def _unwrap_optional(hint: Any) -> tuple[Any, bool]:
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) == 1:
            return args[0], len(args) < len(typing.get_args(hint))
    return hint, False


def _named(fn: Callable[[str], Any], name: str) -> Callable[[str], Any]:
    fn.__name__ = name  # argparse says "invalid <name> value"
    return fn


def _from_json(value: Any, hint: Any) -> Any:
    inner, _ = _unwrap_optional(hint)
    if isinstance(value, list) and typing.get_origin(inner) is tuple:
        return tuple(value)
    return value


def _first_sentence(doc: str) -> str:
    """The help line of a docstring: its first clause, without reST markup."""
    text = re.sub(r":\w+:`([^`]*)`", r"\1", " ".join(doc.split())).replace("``", "")
    text = re.split(r"(?<!e\.g)(?<!i\.e)\.\s", text, maxsplit=1)[0]
    depth = 0
    for i, ch in enumerate(text):
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == ";" and depth == 0:
            return text[:i]
    return text.rstrip(".")


def _show(value: Any) -> str:
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, tuple):
        return ",".join(str(v) for v in value)
    return str(value)
