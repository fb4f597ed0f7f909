"""The home's default artifacts, from the project's own training and export code: what
``edgealign build`` makes and ``edgealign demo`` (``make demo``) makes first, through
:func:`build_home`.

A fresh home has no bridge artifact of its own: :func:`ensure_bridge` uses the one shipped in
the package (``edgealign/bridges/default``, docs/bridge.md) when this build has it; otherwise
it trains one on synthetic users (MiniLM frozen, minutes on a CPU), exports it to ONNX fp32 +
int8 with the parity checks, and leaves checkpoint and artifact under the home folder, so the
next run reuses them.
:func:`ensure_steering_basis` likewise uses the bundled SmolLM2's steering basis shipped in the
package (``edgealign/steering_bases/default``, docs/steering.md) when the home has none, and
otherwise builds one for the style dimensions (about a minute). The bundled SmolLM2 GGUF is
used as it is.
"""

from __future__ import annotations

import itertools
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from edgealign.artifacts import Manifest
from edgealign.errors import ArtifactError
from edgealign.home import Home

if TYPE_CHECKING:
    from edgealign.training.bridge import BridgeConfig

__all__ = ["build_home", "ensure_bridge", "ensure_steering_basis", "DEMO_USERS", "DEMO_EPOCHS"]

#: Enough synthetic users for a useful bridge in a couple of minutes on 2 cores. Three frozen
#: layers start slowly on so few users (8 epochs: validation 0.29; 16: 0.82), hence the epochs.
DEMO_USERS = 600
DEMO_EPOCHS = 16


def _usable(folder: Path) -> bool:
    """Whether ``folder`` holds a readable bridge artifact with the head graph that reads whole
    histories, a calibrated gain for choices and this SDK's sentence units (one exported before
    any of these would read only the newest items, barely read choices between answers, or
    misread negations: it is rebuilt)."""
    from edgealign.bridge import HEAD, HEAD_INPUTS
    from edgealign.featurize import UNITS_VERSION

    try:
        manifest = Manifest.read(folder, "bridge")
    except ArtifactError:
        return False
    head = manifest.details.get("head")
    training = manifest.metrics.get("training") or {}
    return (isinstance(head, dict) and head.get("inputs") == list(HEAD_INPUTS) and HEAD in manifest.files
            and "choice_gain" in training and manifest.details.get("units_version", 1) == UNITS_VERSION)


def ensure_bridge(home: Path, say: Callable[[str], None] = print, *, users: int = DEMO_USERS,
                  config: "BridgeConfig | None" = None, progress: bool = True,
                  min_agreement: float = 0.97) -> Path:
    """The bridge artifact under ``home/artifacts/bridge``; when that is missing or broken, the
    one shipped in the package, else one built there first. A given ``config`` asks for a
    bridge trained with it (the packaged one is not used); the default is the ``default``
    preset with :data:`DEMO_EPOCHS` epochs."""
    from edgealign.training.bridge import BridgeConfig, BridgeTrainer
    from edgealign.training.generated_choices import MODEL_CHOICES
    from edgealign.training.response_choices import ResponseChoiceConfig, response_choice_records
    from edgealign.training.synth import SynthConfig, generate_records

    from edgealign.export.onnx import export_bridge

    artifact, checkpoint = Home(home).bridge, Home(home).checkpoints / "bridge"
    if _usable(artifact):
        say(f"Using the preference bridge in {artifact}")
        return artifact
    from edgealign.home import PACKAGED_BRIDGE  # read now: a test may point it elsewhere

    if config is None and _usable(PACKAGED_BRIDGE):
        say(f"Using the preference bridge shipped in the package ({PACKAGED_BRIDGE})")
        return PACKAGED_BRIDGE
    config = config or BridgeConfig.default(epochs=DEMO_EPOCHS)
    depth = "all layers" if config.encoder_layers is None else f"first {config.encoder_layers} layers"
    why = ("No bridge artifact yet" if not (artifact / "manifest.json").exists() else
           f"The bridge artifact in {artifact} is broken or predates whole-history reading, the "
           "response-choice training or reading negations")
    say(f"{why}: training one on {users} synthetic users "
        f"(encoder {config.encoder}, {depth}, frozen, {config.epochs} epochs)")
    shutil.rmtree(checkpoint, ignore_errors=True)
    # Synthetic users (half their choices between two answers written differently) and users
    # whose history is such choices (half of them the bundled model's own answers) and wishes
    # about answers, as the default preset's mix (docs/bridge.md). Half as many of those as
    # synthetic users, a third of their items wishes: with a third as many and a fifth, the
    # bridge left "no-nonsense answers without jokes" neutral on humour (docs/performance.md).
    rc = ResponseChoiceConfig(users=users // 2, items=6, neutral_share=0.15, statement_share=0.3,
                              generated=str(MODEL_CHOICES["train"]), generated_share=0.5)
    records = itertools.chain(generate_records(SynthConfig(users=users, seed=0, response_choices=0.5)),
                              response_choice_records(rc))
    metrics = BridgeTrainer(config).fit(records, checkpoint, progress=progress)
    say(f"Trained: accuracy on held-out users' non-neutral dimensions {metrics['accuracy_nonneutral']:.2f}")
    say("Exporting it to ONNX (fp32 and int8) and checking parity with the torch model")
    manifest = export_bridge(checkpoint, artifact, int8=True, min_agreement=min_agreement)
    agreement = manifest.metrics["parity"]["bridge.int8.onnx"]["argmax_agreement"]
    say(f"Exported to {artifact} (int8 agrees with torch on {agreement:.1%} of dimensions)")
    return artifact


def ensure_steering_basis(home: Path, say: Callable[[str], None] = print, *, progress: bool = True) -> Path:
    """The bundled model's steering basis for the style dimensions: the home's
    (``home/artifacts/steering``) while it fits the model and the preset; else the one shipped in
    the package when this build has it (the same preset, built for the bundled model); else
    built once into the home (about a minute)."""
    from edgealign.export.steering import ensure_steering, steering_fits
    from edgealign.home import PACKAGED_STEERING
    from edgealign.llm import default_model_path
    from edgealign.training.steering import SteeringConfig

    folder, model, config = Home(home).steering, default_model_path(), SteeringConfig.demo()
    if not folder.is_dir() and steering_fits(PACKAGED_STEERING, model, config):
        say(f"Using the steering basis shipped in the package ({PACKAGED_STEERING})")
        return PACKAGED_STEERING
    say(f"Steering basis for the bundled model in {folder} (built once for the style dimensions)")
    ensure_steering(model, folder, config, progress=progress)
    return folder


def build_home(home: Path, say: Callable[[str], None] = print, *, progress: bool = True) -> tuple[Path, Path]:
    """(bridge, steering basis) of ``home``, each built if missing or stale, else reused."""
    Home(home).create()  # mode 0700 before anything is written into it
    return ensure_bridge(home, say, progress=progress), ensure_steering_basis(home, say, progress=progress)
