"""The command kit: what every ``edgealign`` subcommand is built from, wherever it lives.

The sdk's own commands (``edgealign.cli``), training's (``synth``, ``train``), export's
(``export``, ``bench bridge``) and the demo's all build their options and print their
results with it, and training, export and the demo register their commands through the
``edgealign.commands`` entry points (:mod:`edgealign.commands.registry`), so the ``edgealign``
command never names them and the arrows between the packages point one way. A third-party
package can add commands the same way.

- :class:`Command`, :class:`Target`, :func:`plugins`: registration.
- :class:`ConfigOptions`: a config dataclass's fields as flags (presets < ``--config`` file <
  flags), help from the fields' docstrings.
- :func:`add_targets`, :func:`run_target`: commands with targets (``train bridge``), each
  printing its result as aligned lines or one JSON object.
- :func:`emit_json`, :func:`step`, :func:`say_error`, :func:`exit_code`, :func:`write_private`,
  :func:`check_folder`: output, errors and exit codes, files the user must keep safe.
- :func:`number`, :func:`count`: range-checked argument types.

It imports the device runtime's light modules only (errors, data readers), never the CLI,
training or export; the device runtime does not import it.
"""

from __future__ import annotations

from .args import count, number
from .config import ConfigOptions, field_docs, flag
from .output import check_folder, emit_json, exit_code, say_error, step, write_private
from .registry import ENTRY_POINT_GROUP, Command, Plugins, Target, plugins
from .targets import AddArgs, Run, Targets, add_targets, run_target

__all__ = [
    "ENTRY_POINT_GROUP", "Command", "Target", "Plugins", "plugins",
    "ConfigOptions", "field_docs", "flag",
    "AddArgs", "Run", "Targets", "add_targets", "run_target",
    "emit_json", "step", "say_error", "exit_code", "write_private", "check_folder",
    "count", "number",
]
