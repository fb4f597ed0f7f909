"""``edgealign profile``, ``override``, ``lock`` and ``clear``: a user's preference profile,
and the dimensions they set by hand."""

from __future__ import annotations

import argparse
from typing import Any

from ..commands import emit_json
from ..home import Home
from ._user import dimension, opened, print_table, profile_rows, require_user

_DIM_HELP = 'a dimension index (0..89) or a label such as "Concise communication style"'
_VALUE_HELP = "0 (negative pole), 0.5 (neutral) or 1 (positive pole); only with an index"


def profile_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("--plot", metavar="FILE.png", help="also draw the 90 dimensions by group with confidence "
                                                         "(written mode 600: it shows the profile)")
    parser.add_argument("--bridge", default=None, metavar="DIR",
                        help=f"preference-bridge artifact folder (default: {Home.shown().bridge}, else the one shipped in the package)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")


def profile(args: argparse.Namespace) -> int:
    with opened(bridge=args.bridge) as p:
        prof, rows = profile_rows(p, require_user(p, args.name))
        items = len(p.history(args.name))
    if args.plot:
        _plot(args.name, rows, args.plot)
    if args.json:
        emit_json({"user": args.name, "items": items, "text": prof.to_text(), "direction": prof.direction,
                   "dimensions": rows, "plot": args.plot})
        return 0
    print_table(args.name, prof, rows)
    print(f"\n{items} history items" + (f"; plot written to {args.plot}" if args.plot else ""))
    return 0


def _plot(name: str, rows: list[dict[str, Any]], path: str) -> None:
    """Horizontal bars, one per dimension, grouped: length = confidence, colour = value,
    hatched when set by hand."""
    from ..errors import MissingDependencyError

    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise MissingDependencyError("matplotlib", "plot") from exc
    colours = {0.0: "#3b75af", 0.5: "#b0b0b0", 1.0: "#ef8636"}
    fig, ax = plt.subplots(figsize=(8, 20))
    y, ticks, groups = 0, [], []
    for group in dict.fromkeys(r["group"] for r in rows):
        groups.append((y, group))
        y += 1
        for r in (r for r in rows if r["group"] == group):
            ax.barh(y, r["confidence"], color=colours[r["value"]], hatch="//" if r["source"] != "inferred" else None)
            text = r["label"] if r["value"] != 0.5 else r["name"]
            ticks.append((y, f"{r['index']} {text[:45] + '...' if len(text) > 48 else text}"))
            y += 1
    for gy, group in groups:
        ax.text(0, gy, group, fontweight="bold", va="center", fontsize=8)
    ax.set_yticks([t for t, _ in ticks], [label for _, label in ticks], fontsize=6)
    ax.set_ylim(y, -1)
    ax.set_xlim(0, 1)
    ax.set_xlabel("confidence")
    from matplotlib.patches import Patch

    ax.legend(handles=[Patch(color=c, label=n) for c, n in zip(colours.values(), ("negative", "neutral", "positive"))]
              + [Patch(facecolor="white", edgecolor="black", hatch="//", label="set by hand")],
              loc="lower right", fontsize=7)
    ax.set_title(f"{name}'s preference profile")
    fig.tight_layout()
    import io

    from ..commands import write_private

    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=80)
    plt.close(fig)
    write_private(path, png.getvalue())


def _dim_arguments(parser: argparse.ArgumentParser, value: bool = True) -> None:
    parser.add_argument("name", metavar="NAME")
    parser.add_argument("dim", metavar="DIM", help=_DIM_HELP)
    if value:
        parser.add_argument("value", metavar="VALUE", nargs="?", help=_VALUE_HELP)
    parser.add_argument("--json", action="store_true", help="print one JSON object")


_DONE = {"override": "overridden until new history arrives", "lock": "locked"}


def _set(args: argparse.Namespace, how: str) -> int:
    from ..preferences import SPACE

    index, value = dimension(args.dim, getattr(args, "value", None), needs_value=how != "clear")
    with opened() as p:
        require_user(p, args.name)
        changed = p.clear(args.name, index) if how == "clear" else getattr(p, how)(args.name, index, value) is None
    d = SPACE[index]
    if args.json:
        emit_json({"user": args.name, "action": how, "changed": changed, "index": index, "name": d.name,
                   "value": None if how == "clear" else value})
    elif how == "clear":
        print(f"{args.name}: {index} {d.name}: " + ("cleared; inference decides again" if changed
                                                     else "had no override or lock"))
    else:
        shown = d.label(value) if value is not None else None  # resolve() gives one unless clearing
        print(f"{args.name}: {index} {d.name} = {shown or 'neutral'} ({_DONE[how]})")
    return 0


override_arguments = lock_arguments = _dim_arguments


def clear_arguments(parser: argparse.ArgumentParser) -> None:
    _dim_arguments(parser, value=False)


def override(args: argparse.Namespace) -> int:
    return _set(args, "override")


def lock(args: argparse.Namespace) -> int:
    return _set(args, "lock")


def clear(args: argparse.Namespace) -> int:
    return _set(args, "clear")
