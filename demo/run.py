"""``edgealign demo``: the main job, end to end, offline (and ``edgealign build``: its first step).

Builds the bridge and the bundled model's steering basis if they are missing (as
``edgealign build`` does, with the project's own training and export code), opens an
encrypted store in a temporary home, records two contrasting users' histories, infers their
profiles from the raw text and shows them side by side with evidence, then answers the same
question for each user three ways: without personalization, with the profile's labels in the
prompt (pba), and as the SDK does by default for an untuned model (the profile as
instructions and a steering vector). It lives in
demo/, apart from sdk/, because it builds artifacts with the project's training and export
code, which a device never does; what it then runs is the device SDK alone.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from edgealign.commands import Command, emit_json, step

QUESTION = "I have a free weekend coming up. How should I spend it?"
# Two users who disagree on style and interests, described by what they prefer.
USERS = {
    "ada": ["Concise communication style", "Low Agreeableness", "Dislikes humor", "Likes science",
            "Likes fitness", "High Conscientiousness"],
    "ben": ["Detailed communication style", "High Agreeableness", "Likes humor", "Likes music",
            "Likes travel", "Strong need for Play (enjoying fun, relaxation, and laughter)"],
}
HISTORY_ITEMS = 8


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, metavar="DIR",
                        help="where artifacts are built and kept (default: $EDGEALIGN_HOME)")
    parser.add_argument("--steering", default=None, metavar="DIR",
                        help="a steering basis for the bundled model to use instead of building the demo's")
    parser.add_argument("--max-tokens", type=int, default=80, help="length of each answer (default 80)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads for the models")
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the walk-through")


def _directions() -> dict[str, list[float]]:
    from edgealign.preferences import N_DIMS, SPACE

    out = {}
    for name, labels in USERS.items():
        direction = [0.5] * N_DIMS
        for label in labels:
            index, value = SPACE.labels[label.casefold()]
            direction[index] = value
        out[name] = direction
    return out


def _record(p: Any) -> dict[str, list[float]]:
    from edgealign.training.synth import make_user  # the demo users' histories

    truth = _directions()
    for name, direction in truth.items():
        user = make_user(name, direction)
        items = [user.persona.description, *user.persona.comments[:4], *user.persona.choices[:3]]
        p.add_user(name)
        p.record(name, items[:HISTORY_ITEMS])
        step(f"{name}: recorded {HISTORY_ITEMS} history items; the first comment reads:")
        print(f"    \"{user.persona.comments[0].comment}\"", file=sys.stderr)
    return truth


def _show_profiles(p: Any, truth: dict[str, list[float]]) -> dict[str, Any]:
    out = {}
    for name, gold in truth.items():
        profile = p.profile(name)
        wanted = {i for i, v in enumerate(gold) if v != 0.5}
        hits = sum(profile.values[i] == gold[i] for i in wanted)
        print(f"\n{name}: inferred profile ({hits}/{len(wanted)} of the preferences used to write the history)")
        for e in p.explain(name, top=8):
            mark = "+" if e.dimension.index in wanted and gold[e.dimension.index] == e.value else " "
            print(f"  {mark} {e.label:<62} confidence {e.confidence:.2f}")
            if e.items:
                item, weight = e.items[0]
                support = weight if e.value == 1.0 else -weight  # > 0: the item argues for this label
                text = getattr(item, "comment", None) or getattr(item, "chosen", None) or getattr(item, "text", "")
                print(f"      strongest evidence ({support:+.1f}) from a {item.kind}: \"{text[:66]}...\"")
        out[name] = {"profile": profile.to_text(), "matched": hits, "of": len(wanted)}
    return out


def _answers(p: Any, max_tokens: int, live: bool) -> dict[str, str]:
    default = p.default_conditioning
    tuned = {a.method for a in p.aligners()}  # pba (and pba+steer) answer through a trained aligner
    aligned = lambda c: " through the trained aligner" if c.split("+")[0] in tuned else ""
    runs = [(c, name, f"for {name} ({c}{aligned(c)}{', the default' if c == default else ''})")
            for name in ("ada", "ben") for c in dict.fromkeys(("none", "pba", default))]
    out = {}
    for conditioning, name, title in runs:
        if live:
            print(f"\n--- {title}:", flush=True)
        chunks = []
        # Sampled, not greedy: a 135M model loops under greedy decoding. The seed is fixed per
        # answer, so a run is reproducible and each conditioning starts from the same dice.
        for chunk in p.chat(name, QUESTION, conditioning=conditioning, stream=True, max_tokens=max_tokens,
                            temperature=0.7, seed=0):
            chunks.append(chunk)
            if live:
                print(chunk, end="", flush=True)
        out[title] = "".join(chunks).strip()
    if live:
        print()
    return out


def build_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--home", default=None, metavar="DIR",
                        help="the home to build in (default: $EDGEALIGN_HOME, else the user data folder)")
    parser.add_argument("--json", action="store_true", help="print one JSON object (no progress bars)")


def build(args: argparse.Namespace) -> int:
    """The home's bridge and the bundled model's steering basis, built if missing (a pip user's
    `make demo` without the walk-through)."""
    from edgealign.home import Home

    from .builds import build_home

    home = Home(args.home).root
    step(f"Building the preference bridge and the bundled model's steering basis in {home}")
    bridge, steering = build_home(home, step, progress=not args.json)
    if args.json:
        emit_json({"home": str(home), "bridge": str(bridge), "steering": str(steering)})
    else:
        print(f"bridge:   {bridge}\nsteering: {steering}")
    return 0


def demo(args: argparse.Namespace) -> int:
    from edgealign.home import Home
    from edgealign.llm import default_model_path
    from edgealign.personalizer import Personalizer

    from .builds import build_home, ensure_bridge

    home = Home(args.home).root
    step(f"Artifacts live in {home}")
    if args.steering:
        bridge, steering = ensure_bridge(home, step, progress=not args.json), Path(args.steering)
    else:
        bridge, steering = build_home(home, step, progress=not args.json)
    store_home = Path(tempfile.mkdtemp(prefix="edgealign-demo-"))
    step(f"Opening an encrypted persona store in {store_home} (its key is random and held in memory only)")
    # The home's aligner when one was exported there, else the one shipped in the package (if any).
    own = Home(home).aligner if (Home(home).aligner / "manifest.json").is_file() or any(
        Home(home).aligner.glob("*/manifest.json")) else None
    with Personalizer.open(store_home, os.urandom(32), bridge=bridge, steering=steering, n_threads=args.threads,
                           aligner=own) as p:
        truth = _record(p)
        step("Inferring each user's profile from their raw history with the bridge (no labels are used)")
        profiles = _show_profiles(p, truth) if not args.json else {n: {"profile": p.profile(n).to_text()} for n in truth}
        step(f"Asking the local model \"{QUESTION}\" for each user: plain (none), with the profile's labels (pba) "
             f"and as the SDK does by default ({p.default_conditioning})")
        answers = _answers(p, args.max_tokens, live=not args.json)
        aligners = [str(a.folder) for a in p.aligners()]
        db = p.store.path
    where = {"home": str(home), "bridge": str(bridge), "steering": str(steering), "model": str(default_model_path()),
             "aligner": ", ".join(aligners) or "none (answers are untuned)", "store": str(db)}
    if args.json:
        emit_json({"profiles": profiles, "answers": answers, "where": where})
        return 0
    print("\nWhere everything lives:")
    for key, value in where.items():
        print(f"  {key:<7} {value}")
    print("  The store file is SQLCipher-encrypted: without the key it reads as random bytes.")
    return 0


#: Registered in pyproject.toml's ``edgealign.commands`` entry points.
DEMO = Command("demo", "run the end-to-end demo with two contrasting users", demo_arguments, demo, for_people=True)
BUILD = Command("build", "build the home's preference bridge and the bundled model's steering basis",
                build_arguments, build, for_people=True)
