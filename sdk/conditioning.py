"""Conditionings: the ways a user's information reaches the local model, in one registry.

A :class:`Conditioning` has a name, says what it needs (the profile, the persona, or
nothing), builds the prompt, and says whether it steers the model's activations before
decoding. Every caller (``LocalLLM.chat``, ``Personalizer.chat``, alignment accuracy,
``bench llm``, the CLI's ``--conditioning`` and ``eval --mode``, the server) accepts any
registered name::

    none       the task alone (no personalization)
    pba        the verbalised profile: its labels in the prompt, as the PBA aligner was trained
    ica        raw persona items in the prompt, as the ICA aligner was trained
    instruct   the profile as a few direct instructions ("Keep the answer short."), strongest first
    steer      the profile as a control vector added to the residual stream; the prompt is none's

and any prompt conditioning joined with ``steer`` by ``+`` (``pba+steer``, ``instruct+steer``,
``ica+steer``): that prompt, with the steering vector set. An untuned model follows direct
instructions and steering far better than a list of labels (docs/steering.md has the figures).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Hashable, Sequence, Union

from .errors import ConfigError, PromptError
from .persona import Persona, PersonaItem
from .preferences import PreferenceProfile
from .prompts import (SYSTEM_PLAIN, ChatTemplate, Prompt, fit_pieces, ica_prompt, keep_first, pba_prompt,
                      plain_prompt)

__all__ = [
    "Conditioning", "UserInfo", "ProfileLike", "PersonaLike", "get", "names", "register", "resolve_alias",
    "cache_key", "MAX_INSTRUCTIONS",
]

ProfileLike = Union[PreferenceProfile, str]
PersonaLike = Union[Persona, Sequence[PersonaItem]]
TokenCounter = Callable[[str], int]
#: How many instruction lines ``instruct`` writes at most: more dilute an untuned model's attention.
MAX_INSTRUCTIONS = 4


@dataclass(frozen=True)
class UserInfo:
    """What a conditioning may use about a user: their profile and / or their persona items."""

    profile: ProfileLike | None = None
    persona: PersonaLike | None = None

    def profile_object(self) -> PreferenceProfile:
        """The profile as a PreferenceProfile (a label string is parsed)."""
        p = self.profile
        return p if isinstance(p, PreferenceProfile) else PreferenceProfile.from_text(p or "")

    def items(self) -> tuple[PersonaItem, ...]:
        p = self.persona
        return tuple(p.items() if isinstance(p, Persona) else (p or ()))


#: prompt builder: (task, info, budget or None, count, template) -> Prompt.
PromptBuilder = Callable[[str, UserInfo, "int | None", "TokenCounter | None", "ChatTemplate | None"], Prompt]


@dataclass(frozen=True)
class Conditioning:
    """One way of conditioning the model. Register new ones with :func:`register`."""

    name: str
    summary: str
    """One line for ``--help`` and the docs."""
    needs: frozenset[str]
    """What it reads: a subset of {"profile", "persona"}."""
    build: PromptBuilder
    """Builds the prompt, fitted to a token budget when one is given."""
    steers: bool = False
    """Sets the profile's control vector on the model before decoding (needs a steering basis)."""

    def check(self, info: UserInfo) -> None:
        """ConfigError when the information given does not match what this conditioning reads."""
        given = {k for k in ("profile", "persona") if getattr(info, k) is not None}
        if self.needs - given:
            missing = " and a ".join(sorted(self.needs - given))
            raise ConfigError(f"conditioning {self.name!r} needs a {missing} (the user's)")
        if given - self.needs:
            extra = ", ".join(sorted(given - self.needs))
            raise ConfigError(f"conditioning {self.name!r} takes no {extra}; pick one that reads it "
                              f"(registered: {', '.join(names())})")


# -- the prompt builders ------------------------------------------------------------------------

def _plain(task: str, info: UserInfo, budget: int | None, count: TokenCounter | None,
           template: ChatTemplate | None) -> Prompt:
    return _fitted(plain_prompt(task), budget, count, template)


def _pba(task: str, info: UserInfo, budget, count, template) -> Prompt:
    profile = info.profile if info.profile is not None else ""
    return pba_prompt(task, profile, budget=budget, count_tokens=count, template=template)


def _ica(task: str, info: UserInfo, budget, count, template) -> Prompt:
    return ica_prompt(task, info.items(), budget=budget, count_tokens=count, template=template)


def _instruct(task: str, info: UserInfo, budget, count, template) -> Prompt:
    from .poles import instruct_lines

    lines = instruct_lines(info.profile_object(), cap=MAX_INSTRUCTIONS)
    build = lambda kept: Prompt(" ".join([SYSTEM_PLAIN, *kept]), plain_prompt(task).user)
    if budget is None or count is None:
        return build(lines)
    # The weakest instruction goes first; the task is never cut.
    return fit_pieces(build, lines, budget, count, template, lambda line: " " + line, keep_first)


def _fitted(prompt: Prompt, budget: int | None, count: TokenCounter | None, template: ChatTemplate | None) -> Prompt:
    if budget is not None and count is not None:
        needed = count((template or ChatTemplate()).render(prompt))
        if needed > budget:
            raise PromptError(
                f"the task and instructions alone need {needed} tokens, {needed - budget} over the budget "
                f"of {budget}; raise the context size or shorten the task"
            )
    return prompt


_PROFILE, _PERSONA = frozenset({"profile"}), frozenset({"persona"})
_NOTHING: frozenset[str] = frozenset()
_REGISTRY: dict[str, Conditioning] = {}
_ALIASES = {"base": "none"}  # eval --mode's old spelling of "no personalization"


def register(conditioning: Conditioning) -> Conditioning:
    """Add a conditioning under its name (ConfigError if the name is taken or has a '+')."""
    if "+" in conditioning.name or conditioning.name in _REGISTRY:
        raise ConfigError(f"cannot register conditioning {conditioning.name!r}: taken or not a plain name")
    _REGISTRY[conditioning.name] = conditioning
    return conditioning


for _c in (
    Conditioning("none", "the task alone, no personalization", _NOTHING, _plain),
    Conditioning("pba", "the profile's labels in the prompt (as the PBA aligner was trained)", _PROFILE, _pba),
    Conditioning("ica", "the user's history items in the prompt (as the ICA aligner was trained)", _PERSONA, _ica),
    Conditioning("instruct", "the profile as a few direct instructions to the model", _PROFILE, _instruct),
    Conditioning("steer", "the profile as a control vector on the model's activations", _PROFILE, _plain, True),
):
    register(_c)


def resolve_alias(name: str) -> str:
    """The registered spelling of ``name`` (``base`` is an old name of ``none``)."""
    return _ALIASES.get(name, name)


def get(name: str | Conditioning) -> Conditioning:
    """The conditioning called ``name``: a registered one, or prompt conditioning + ``steer``
    (a Conditioning object is its own answer: resolved once, passed on as it is)."""
    if isinstance(name, Conditioning):
        return name
    name = resolve_alias(name.strip()) if isinstance(name, str) else name
    if name in _REGISTRY:
        return _REGISTRY[name]
    parts = name.split("+") if isinstance(name, str) else []
    known = [p for p in parts if p in _REGISTRY]
    prompts = [p for p in known if not _REGISTRY[p].steers]
    if len(parts) == 2 and len(known) == 2 and "steer" in parts and len(prompts) == 1:
        base = _REGISTRY[prompts[0]]
        return Conditioning(f"{base.name}+steer", f"{base.summary}, steered", base.needs | _PROFILE, base.build, True)
    raise ConfigError(f"unknown conditioning {name!r}; choose one of {', '.join(names())}")


def names() -> tuple[str, ...]:
    """Every name :func:`get` accepts, the plain ones first, then each prompt one + steer."""
    plain = tuple(_REGISTRY)
    combos = tuple(f"{n}+steer" for n, c in _REGISTRY.items() if not c.steers and n != "none")
    return plain + combos


def cache_key(conditioning: str | Conditioning, info: UserInfo, vector_key: Hashable = None) -> Hashable:
    """Equal exactly when two calls condition the model on the same user information
    (the same prompt inputs and the same steering vector)."""
    c = get(conditioning) if isinstance(conditioning, str) else conditioning
    p = info.profile
    text = p.to_text() if isinstance(p, PreferenceProfile) else p
    return c.name, text, None if info.persona is None else info.items(), vector_key
