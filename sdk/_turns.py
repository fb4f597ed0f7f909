"""Multi-turn chats: an OpenAI-style message list around a conditioned prompt.

The conditioning builds its prompt for the newest user message (the task); the app's system
messages join the conditioning's system instruction, and earlier turns sit between the two,
oldest dropped first when the whole does not fit the context.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence, Union

from .errors import ConfigError, PromptError
from .prompts import ChatTemplate, Prompt

__all__ = ["Messages", "split_messages", "TurnsTemplate", "fit_turns"]

Messages = Sequence[Mapping[str, Any]]
TaskLike = Union[str, Messages]
_ROLES = ("system", "user", "assistant")


def split_messages(task: TaskLike) -> tuple[str, list[str], list[dict[str, str]]]:
    """(the task, the app's system texts, the earlier user/assistant turns) of a chat.

    ``task`` is a string (one turn) or a list of {"role", "content"} messages ending with a
    user message. ConfigError names the first message that is not one."""
    if isinstance(task, str):
        return task, [], []
    if not isinstance(task, Sequence) or not task:
        raise ConfigError("messages must be a non-empty list of {'role', 'content'} objects")
    system: list[str] = []
    turns: list[dict[str, str]] = []
    for n, m in enumerate(task):
        role = m.get("role") if isinstance(m, Mapping) else None
        content = m.get("content") if isinstance(m, Mapping) else None
        if role not in _ROLES or not isinstance(content, str):
            raise ConfigError(f"messages[{n}] must have a role of {', '.join(_ROLES)} and text content")
        if role == "system":
            system.append(content)
        else:
            turns.append({"role": role, "content": content})
    if not turns or turns[-1]["role"] != "user":
        raise ConfigError("the last message must be the user's (the request to answer)")
    return turns[-1]["content"], system, turns[:-1]


class TurnsTemplate:
    """A chat template that renders a conditioned Prompt inside the surrounding conversation,
    so the conditioning's own fitting counts the whole context."""

    def __init__(self, template: ChatTemplate, system: Sequence[str], turns: Sequence[dict[str, str]]) -> None:
        self.template, self.system, self.turns = template, list(system), list(turns)

    def messages(self, prompt: Prompt) -> list[dict[str, str]]:
        system = "\n\n".join([prompt.system, *self.system])
        return [{"role": "system", "content": system}, *self.turns, {"role": "user", "content": prompt.user}]

    def render(self, prompt: Prompt | Sequence[dict[str, str]], add_generation_prompt: bool = True) -> str:
        if isinstance(prompt, Prompt):
            prompt = self.messages(prompt)
        return self.template.render(prompt, add_generation_prompt)


def fit_turns(build, template: ChatTemplate, system: Sequence[str],
              turns: Sequence[dict[str, str]]) -> tuple[Prompt, str]:
    """``build(turns_template)`` (a Prompt) and its rendered text, dropping the oldest earlier
    turns while the task and instructions do not fit; the PromptError of the last try says by
    how much. The render that fitted the prompt is the one returned (the template remembers it)."""
    turns = list(turns)
    while True:
        wrapped = TurnsTemplate(template, system, turns)
        try:
            prompt = build(wrapped)
            return prompt, wrapped.render(prompt)
        except PromptError:
            if not turns:
                raise
            turns = turns[2:] if len(turns) > 1 and turns[0]["role"] == "user" else turns[1:]
