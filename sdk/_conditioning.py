"""Which prompt a conditioning asks for: ``none``, ``pba`` (the profile) or ``ica`` (the persona).

The builders are edgealign.prompts' (one template for training, evaluation and the device);
this module only checks the arguments and passes the token budget on.
"""

from __future__ import annotations

from typing import Callable, Hashable, Sequence, Union

from .errors import ConfigError, PromptError
from .persona import Persona, PersonaItem
from .preferences import PreferenceProfile
from .prompts import ChatTemplate, Prompt, ica_prompt, pba_prompt, plain_prompt

__all__ = ["CONDITIONINGS", "ProfileLike", "PersonaLike", "build_prompt", "conditioning_key"]

#: none: the task alone; pba: the verbalised profile (as PBA was trained); ica: raw persona items.
CONDITIONINGS = ("none", "pba", "ica")
ProfileLike = Union[PreferenceProfile, str]
PersonaLike = Union[Persona, Sequence[PersonaItem]]


def _items(persona: PersonaLike) -> tuple[PersonaItem, ...]:
    return tuple(persona.items() if isinstance(persona, Persona) else persona)


def _check(conditioning: str, profile: ProfileLike | None, persona: PersonaLike | None) -> None:
    if conditioning not in CONDITIONINGS:
        raise ConfigError(f"conditioning must be one of {', '.join(CONDITIONINGS)}, got {conditioning!r}")
    if conditioning == "pba" and profile is None:
        raise ConfigError("conditioning 'pba' needs a profile (a PreferenceProfile or its text)")
    if conditioning == "ica" and persona is None:
        raise ConfigError("conditioning 'ica' needs a persona (a Persona or a list of persona items)")
    if conditioning != "pba" and profile is not None:
        raise ConfigError(f"conditioning {conditioning!r} takes no profile; use conditioning='pba'")
    if conditioning != "ica" and persona is not None:
        raise ConfigError(f"conditioning {conditioning!r} takes no persona; use conditioning='ica'")


def build_prompt(
    task: str,
    conditioning: str,
    profile: ProfileLike | None,
    persona: PersonaLike | None,
    *,
    budget: int,
    count: Callable[[str], int],
    template: ChatTemplate,
) -> Prompt:
    """The messages for ``task`` under ``conditioning``, rendering within ``budget`` tokens.

    ICA drops or cuts persona items and PBA drops its least confident labels to fit; the task
    and instructions are never cut (PromptError when they alone exceed the budget).
    """
    _check(conditioning, profile, persona)
    if conditioning == "pba":
        return pba_prompt(task, profile, budget=budget, count_tokens=count, template=template)  # type: ignore[arg-type]
    if conditioning == "ica":
        items = _items(persona)  # type: ignore[arg-type]
        return ica_prompt(task, items, budget=budget, count_tokens=count, template=template)
    prompt = plain_prompt(task)
    needed = count(template.render(prompt))
    if needed > budget:
        raise PromptError(
            f"the task and instructions alone need {needed} tokens, over the budget of {budget}; "
            "raise the context size or shorten the task"
        )
    return prompt


def conditioning_key(conditioning: str, profile: ProfileLike | None, persona: PersonaLike | None) -> Hashable:
    """Equal exactly when two calls condition the model on the same user information."""
    text = profile.to_text() if isinstance(profile, PreferenceProfile) else profile
    return conditioning, text, None if persona is None else _items(persona)
