"""A local personal assistant that learns from what you accept and reject.

    export EDGEALIGN_PASSPHRASE='choose a long passphrase'
    python examples/personal_assistant.py --home ~/.assistant --user me

Each question is answered by the local LLM conditioned on your profile (PBA). You accept or
reject the answer; either way it becomes a *choice* in your encrypted history, paired with a
second answer to the same question written without personalization: accepting records
"personalized over plain", rejecting records the reverse. The preference bridge then
re-infers your profile from the grown history, and the assistant prints what changed.
Nothing leaves the machine.

At the prompt: a question, ``/about TEXT`` (describe yourself), ``/profile`` (your top
dimensions and why) or ``/quit``. ``--script FILE`` reads the same lines from a file: each
question is followed by a line ``y`` (accept) or ``n`` (reject).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Callable, Iterator

from edgealign import EdgeAlignError, Personalizer, PreferenceProfile, SPACE
from edgealign.bridge import default_bridge_path
from edgealign.store import PassphraseKey

Ask = Callable[[str], "str | None"]
MAX_CHANGES = 8  # a tiny or untrained bridge can move dozens of dimensions at once
MIN_SHIFT = 0.01  # smaller moves in a pole's probability are noise


def line_reader(script: Path | None) -> Ask:
    """``ask(prompt)`` -> the next line, or None at the end: from stdin, or from ``script``
    (echoed, so the output reads as a transcript; blank and ``#`` lines skipped)."""
    lines: Iterator[str] = iter(script.read_text(encoding="utf-8").splitlines()) if script else iter(sys.stdin)

    def ask(prompt: str) -> str | None:
        """Show ``prompt``, return the next line (None at the end)."""
        print(prompt, end="", flush=True)
        for line in lines:
            line = line.strip()
            if script and (not line or line.startswith("#")):
                continue
            if script:
                print(line)
            return line
        print()
        return None

    return ask


def value_changes(before: PreferenceProfile, after: PreferenceProfile) -> list[str]:
    """One line per dimension whose value moved, most confident first:
    '+ gained', '- dropped (now neutral)', '~ old -> new'."""
    moved = []
    for dim in SPACE:
        old, new = before.values[dim.index], after.values[dim.index]
        if old == new:
            continue
        if old == 0.5:
            text = f"+ {dim.label(new)}"
        elif new == 0.5:
            text = f"- {dim.label(old)}"
        else:
            text = f"~ {dim.label(old)} -> {dim.label(new)}"
        confidence = float(after.confidence[dim.index])
        moved.append((confidence, f"{text} (confidence {confidence:.2f})"))
    return [text for _, text in sorted(moved, key=lambda m: -m[0])]


def pole_shifts(before: PreferenceProfile, after: PreferenceProfile, top: int = 3) -> list[str]:
    """The poles whose probability rose most, value change or not: one choice rarely flips a
    dimension, but it does move the evidence, and that is worth showing."""
    gain = after.distribution - before.distribution  # (90, 3): negative, neutral, positive
    shifts = []
    for dim in SPACE:
        col = 0 if gain[dim.index, 0] > gain[dim.index, 2] else 2
        if gain[dim.index, col] >= MIN_SHIFT:
            old, new = before.distribution[dim.index, col], after.distribution[dim.index, col]
            shifts.append((gain[dim.index, col], f"likelier: {dim.label(col / 2)} {old:.2f} -> {new:.2f}"))
    return [text for _, text in sorted(shifts, key=lambda s: -s[0])[:top]]


def show_changes(before: PreferenceProfile, after: PreferenceProfile, items: int) -> None:
    """Print what the new history item did to the profile."""
    flips = value_changes(before, after)
    print(f"profile after {items} item(s) of history: {len(flips)} dimension(s) changed value")
    for line in flips[:MAX_CHANGES]:
        print(f"  {line}")
    if len(flips) > MAX_CHANGES:
        print(f"  ... and {len(flips) - MAX_CHANGES} more")
    shifts = pole_shifts(before, after)
    for line in shifts:
        print(f"  {line}")
    if not flips and not shifts:
        print("  (nothing moved)")


def ask_verdict(ask: Ask) -> bool | None:
    """True to accept, False to reject, None when the input ended."""
    while True:
        reply = ask("accept this answer? [y/n] ")
        if reply is None:
            return None
        if reply[:1].lower() in ("y", "a", "n", "r"):
            return reply[:1].lower() in ("y", "a")


def answer_turn(p: Personalizer, args: argparse.Namespace, question: str, ask: Ask) -> bool:
    """Answer, get the verdict, record the choice, show the profile change. False at end of input."""
    gen = {"max_tokens": args.max_tokens, "temperature": args.temperature}
    before = p.profile(args.user)
    print("assistant> ", end="", flush=True)
    answer = "".join(_echo(p.chat(args.user, question, conditioning=args.conditioning, stream=True, **gen)))
    verdict = ask_verdict(ask)
    if verdict is None:
        return False
    # The other candidate: the same question, not personalized. The pair says which way this
    # user leans relative to the model's default, which is what the bridge learns from. While
    # the profile is still empty the two prompts are the same: sample another answer then.
    plain = p.chat(args.user, question, conditioning="none", **gen)
    if plain == answer:
        plain = p.chat(args.user, question, conditioning="none", **{**gen, "temperature": 0.9, "seed": 1})
    chosen, rejected = (answer, plain) if verdict else (plain, answer)
    p.record_choice(args.user, question, chosen, rejected)
    print(f"recorded: {'accepted' if verdict else 'rejected'} (paired with an unpersonalized answer)")
    show_changes(before, p.profile(args.user), len(p.history(args.user)))
    return True


def _echo(chunks: Iterator[str]) -> Iterator[str]:
    """Print a streamed reply as it arrives, passing the chunks on."""
    for chunk in chunks:
        print(chunk, end="", flush=True)
        yield chunk
    print()


def show_profile(p: Personalizer, user: str) -> None:
    """The top dimensions, where each comes from and the history item that moved it most."""
    explained = p.explain(user, top=5)
    if not explained:
        print("profile: neutral so far; answer a few questions")
    for e in explained:
        why = f"; moved most by a {e.items[0][0].kind}" if e.items else ""
        print(f"  {e.label} ({e.source}, confidence {e.confidence:.2f}{why})")


def chat_loop(p: Personalizer, args: argparse.Namespace, ask: Ask) -> None:
    """Read turns until /quit or the end of input."""
    while (line := ask("you> ")) is not None:
        if line in ("/quit", "/exit"):
            break
        if line == "/profile":
            show_profile(p, args.user)
        elif line.startswith("/about "):
            before = p.profile(args.user)
            p.record_description(args.user, line[len("/about "):])
            show_changes(before, p.profile(args.user), len(p.history(args.user)))
        elif line and not answer_turn(p, args, line, ask):
            break


def open_key(env: str) -> PassphraseKey:
    """The store's key from a passphrase in ``$env``; the passphrase is never printed or kept."""
    passphrase = os.environ.get(env)
    if not passphrase:
        raise SystemExit(f"personal_assistant: set {env} to the passphrase of your store")
    return PassphraseKey(passphrase, origin=f"${env}")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    """The command line; every flag has a default that works after `make demo`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=None, help="store folder (default $EDGEALIGN_HOME)")
    parser.add_argument("--user", default="me", help="whose assistant this is (default 'me')")
    parser.add_argument("--bridge", type=Path, default=None,
                        help="bridge artifact (default: the one `make demo` built in $EDGEALIGN_HOME/artifacts/bridge)")
    parser.add_argument("--model", type=Path, default=None, help="GGUF model (default the bundled SmolLM2)")
    parser.add_argument("--conditioning", default=None,
                        help="how answers are personalized: instruct, steer, pba, ica, ... (default: the SDK's choice)")
    parser.add_argument("--max-tokens", type=int, default=128, help="longest answer in tokens (default 128)")
    parser.add_argument("--temperature", type=float, default=0.7, help="0 is greedy (default 0.7)")
    parser.add_argument("--threads", type=int, default=1, help="CPU threads for the models (default 1)")
    parser.add_argument("--script", type=Path, default=None, help="read the turns from FILE instead of stdin")
    parser.add_argument("--passphrase-env", default="EDGEALIGN_PASSPHRASE", metavar="VAR",
                        help="environment variable holding the passphrase (default EDGEALIGN_PASSPHRASE)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Open the store once, chat until the input ends, close everything on the way out."""
    args = parse_args(argv)
    key = open_key(args.passphrase_env)
    try:
        with Personalizer.open(args.home, key, bridge=args.bridge or default_bridge_path(),
                               llm=args.model, n_threads=args.threads) as p:
            if p.add_user(args.user):
                print(f"new user {args.user!r}: history is kept encrypted in {p.store.path}")
            chat_loop(p, args, line_reader(args.script))
    except EdgeAlignError as exc:  # one line, no traceback: the message says what to do
        print(f"personal_assistant: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:  # Ctrl-C ends the chat; the with-block has closed everything
        print()
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
