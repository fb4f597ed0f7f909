"""``edgealign demo``: the main job, end to end, offline.

Today: two contrasting users get a synthetic history, their profiles are aggregated as
AlignX does (SPEC section 4) and shown side by side, and the PBA and ICA prompts that will
condition the local LLM are rendered. The bridge, the encrypted store and generation join
as they land.
"""

from __future__ import annotations

import argparse

from ..preferences import N_DIMS, SPACE, PreferenceProfile
from ..prompts import ChatTemplate, ica_prompt, pba_prompt
from ._output import emit_json, step

QUESTION = "I have a free weekend coming up. How should I spend it?"
# Two users who disagree on style and interests: concise, blunt, serious, into science and
# fitness; against detailed, warm, playful, into music and travel.
USERS = {
    "ada": {16: 1.0, 5: 0.0, 73: 0.0, 47: 1.0, 81: 1.0, 6: 1.0},
    "ben": {16: 0.0, 5: 1.0, 73: 1.0, 74: 1.0, 60: 1.0, 39: 1.0},
}


def demo_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON object instead of the walk-through")


def demo(args: argparse.Namespace) -> int:
    from edgealign.training.synth import make_user

    step("Writing a synthetic history for two contrasting users (seeded, offline)")
    users = {}
    for name, traits in USERS.items():
        direction = [traits.get(i, 0.5) for i in range(N_DIMS)]
        users[name] = make_user(name, direction)
    step("Aggregating each user's labelled history into a profile (SPEC section 4)")
    profiles = {n: PreferenceProfile.aggregate(u.persona.labelled_directions()) for n, u in users.items()}
    template = ChatTemplate()
    prompts = {n: template.render(pba_prompt(QUESTION, p)) for n, p in profiles.items()}
    if args.json:
        emit_json({n: {"profile": p.to_text(), "items": len(users[n].persona), "pba_prompt": prompts[n]}
                   for n, p in profiles.items()})
        return 0
    for name, user in users.items():
        print(f"\n--- {name}: {len(user.persona)} history items; first comment:")
        print(f"    {user.persona.comments[0].comment}")
        print(f"    profile: {profiles[name].to_text()}")
    step("The PBA prompt that conditions the local LLM for ada (rendered with ChatML)")
    print(prompts["ada"])
    step("The ICA prompt for ben carries raw history instead (first 600 characters)")
    print(template.render(ica_prompt(QUESTION, users["ben"].persona.comments[:2]))[:600])
    print(f"\nPreference space {SPACE.version}: {N_DIMS} dimensions in {len(SPACE.groups)} groups.")
    return 0
