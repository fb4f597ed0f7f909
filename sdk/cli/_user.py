"""Helpers shared by the per-user commands: opening the Personalizer, naming users and
dimensions, and a profile as rows for a table or JSON."""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import ConfigError, UnknownUserError

if TYPE_CHECKING:
    from .._dimensions import ProfileView
    from ..personalizer import Personalizer
    from ..preferences import PreferenceProfile


@contextlib.contextmanager
def opened(**kw: Any) -> Iterator["Personalizer"]:
    """``Personalizer.open()`` with the defaults ($EDGEALIGN_HOME, key from the environment or
    keyring), closed on exit. An unknown user is bad input (exit 2), not a runtime failure."""
    from ..personalizer import Personalizer

    with Personalizer.open(**kw) as p:
        try:
            yield p
        except UnknownUserError as exc:
            raise ConfigError(f"{exc.args[0].split(';')[0]}; `edgealign user list` shows them") from exc


def require_user(p: "Personalizer", name: str) -> str:
    """``name`` if they exist, else ConfigError naming the next step."""
    if not p.has_user(name):
        raise ConfigError(f"no user {name!r}; `edgealign user list` shows them, `edgealign user add {name}` creates one")
    return name


def dimension(text: str, value: str | None = None, *, needs_value: bool = True) -> tuple[int, float | None]:
    """A DIM argument (an index, then VALUE, or a label) as (index, value); see
    :meth:`edgealign.preferences.PreferenceSpace.resolve`."""
    from ..preferences import SPACE

    return SPACE.resolve(text, None if value is None else _value(value), needs_value=needs_value)


def _value(text: str) -> float:
    try:
        number = float(text)
    except ValueError:
        number = -1.0
    if number not in (0.0, 0.5, 1.0):
        raise ConfigError(f"VALUE must be 0 (negative pole), 0.5 (neutral) or 1 (positive pole), got {text!r}")
    return number


def describe_key_source(source: Any) -> str:
    """Where the master key comes from, in words (never the key)."""
    from ..store.keys import KeyringKey, PassphraseKey

    if isinstance(source, PassphraseKey):
        return f"passphrase from {source.origin}"
    if isinstance(source, KeyringKey):
        return f"OS keyring (service {source.service!r})"
    return type(source).__name__


def locations() -> dict[str, Any]:
    """Where things live: the home, the store, the bridge artifact and the local model."""
    from ..errors import ArtifactError
    from ..home import Home
    from ..llm import default_model_path

    home = Home()
    try:
        model: str | None = str(default_model_path())
    except ArtifactError:
        model = None
    return {"home": str(home.root), "store": str(home.store), "bridge": str(home.default_bridge),
            "bridge_present": (home.default_bridge / "manifest.json").is_file(), "model": model}


# -- profiles ------------------------------------------------------------------------------

def profile_rows(p: "Personalizer", name: str) -> tuple["PreferenceProfile", list[dict[str, Any]]]:
    """``name``'s current profile and one row per dimension (see
    :meth:`edgealign._dimensions.ProfileView.rows`: index, group, name, value, label, pole
    labels, confidence and source, "inferred", "override" or "locked")."""
    view: ProfileView = p.view(name, top=0)
    return view.profile, view.rows()


def print_table(name: str, profile: "PreferenceProfile", rows: list[dict[str, Any]]) -> None:
    """The profile grouped by dimension group, one line per dimension."""
    print(f"{name}: {profile.to_text() or '(neutral on every dimension)'}")
    print(f"\n{'':7}{'dimension':<39} {'value':<37}  conf  source")
    for group in profile.space.groups:
        print(group)
        for r in (r for r in rows if r["group"] == group):
            print(f"  {r['index']:>3}  {_cut(r['name'], 39):<39} {_cut(r['label'], 33):<33} {r['value']:>3g}"
                  f"  {r['confidence']:.2f}  {r['source']}")


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 3] + "..."
