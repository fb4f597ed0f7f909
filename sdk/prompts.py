"""ICA and PBA prompts: one template shared by training, evaluation and the device (docs/method.md §5).

The reference code's training and evaluation prompts drifted apart and its evaluation cut
long prompts from the left, losing the instructions. Here one builder makes the messages for
every caller, the target model's own chat template renders them, and a token budget is met
by dropping or truncating persona items, never the task or the instructions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from .errors import PromptError
from .persona import Choice, Comment, Description, Persona, PersonaItem
from .preferences import PreferenceProfile

__all__ = ["SYSTEM_ICA", "SYSTEM_PBA", "Prompt", "ChatTemplate", "ica_prompt", "pba_prompt", "plain_prompt"]

SYSTEM_ICA = "Generate a task-specific response based on user historical behavior."
SYSTEM_PBA = "Generate a task-specific response based on user preferences."
SYSTEM_PLAIN = "Generate a task-specific response."

_DEMO_HEAD = "**This person describes themselves as follows:**\n\n"
_UGC_HEAD = "**This person has commented on some posts:**\n\n"
_PAIR_HEAD = "**This person has chosen or rejected comments on some posts:**\n\n"
_ELLIPSIS = " ..."
_MIN_TRUNCATED_CHARS = 24  # a persona item cut shorter than this says nothing useful

#: ChatML, used when a model carries no chat template of its own.
CHATML = (
    "{% for m in messages %}<|im_start|>{{ m['role'] }}\n{{ m['content'] }}<|im_end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|im_start|>assistant\n{% endif %}"
)

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class Prompt:
    """A system instruction and a user turn, before any chat template."""

    system: str
    user: str

    def messages(self) -> list[dict[str, str]]:
        return [{"role": "system", "content": self.system}, {"role": "user", "content": self.user}]


class ChatTemplate:
    """Renders messages with a model's Jinja chat template, as transformers and llama.cpp do.

    The template is code from the model file, so it runs in a sandbox with limits: a render
    stops after ``time_limit`` seconds or ``MAX_OUTPUT`` characters plus four per input
    character (:mod:`edgealign._jinja`). Every failure, at compile time or render time, is a
    PromptError naming ``origin`` (the model file).
    """

    #: Seconds one render may take (a normal one takes tens of microseconds).
    TIME_LIMIT_S = 2.0
    #: Characters a render may produce beyond four per character of its messages.
    MAX_OUTPUT = 1 << 20

    def __init__(self, template: str | None = None, bos_token: str = "", eos_token: str = "", *,
                 origin: str | None = None, time_limit: float | None = None) -> None:
        self.source = template or CHATML
        self.bos_token = bos_token
        self.eos_token = eos_token
        self.origin = origin
        """Where the template came from (the model file), named in errors."""
        self.time_limit = self.TIME_LIMIT_S if time_limit is None else time_limit
        self.renders = 0
        """How many times the Jinja template ran (a render of the messages last rendered is
        answered from memory: fitting a prompt and decoding it share one render)."""
        self._env, self._compiled = _compile(self.source, self._where())
        self._last: tuple[object, str] = (None, "")

    def _where(self) -> str:
        return f"the chat template of {self.origin}" if self.origin else "the chat template"

    def render(self, prompt: Prompt | Sequence[dict[str, str]], add_generation_prompt: bool = True) -> str:
        """The text the model sees: messages rendered, ready for the assistant's reply."""
        messages = prompt.messages() if isinstance(prompt, Prompt) else list(prompt)
        key = _memo_key(messages, add_generation_prompt)
        last = self._last
        if key is not None and last[0] == key:
            return last[1]
        text = self._render(messages, add_generation_prompt)
        self._last = (key, text)
        return text

    def _render(self, messages: list[dict[str, str]], add_generation_prompt: bool) -> str:
        BudgetExceeded = self._env.BudgetExceeded  # noqa: N806 - the class, without an import per call
        self.renders += 1
        size = 0
        for m in messages:
            content = m.get("content") if isinstance(m, dict) else None
            size += len(content) if isinstance(content, str) else 0
        limit = self.MAX_OUTPUT + 4 * size
        compiled = self._compiled
        self._env.start(self.time_limit, limit)
        out: list[str] = []
        append, total = out.append, 0
        try:
            context = compiled.new_context({"messages": messages, "add_generation_prompt": add_generation_prompt,
                                            "bos_token": self.bos_token, "eos_token": self.eos_token})
            for piece in compiled.root_render_func(context):  # piece by piece: the output is capped
                total += len(piece)
                if total > limit:
                    raise BudgetExceeded("size")
                append(piece)
        except PromptError as exc:  # raise_exception() in the template
            raise PromptError(f"{self._where()} refused the messages: {exc.args[0]}") from None
        except BudgetExceeded as exc:
            what = (f"ran past its time limit of {self.time_limit:g} s" if exc.args[0] == "time"
                    else f"went over its output limit of {limit:,} characters")
            raise PromptError(f"{self._where()} {what} (a runaway loop?); the model file's template is broken "
                              "or hostile") from None
        except Exception as exc:  # jinja2 errors, and what sandboxed Python raises (TypeError, ...)
            raise PromptError(f"{self._where()} failed: {type(exc).__name__}: {_short(exc)}") from None
        return "".join(out)


def _memo_key(messages: list[dict[str, str]], add_generation_prompt: bool) -> tuple[object, ...] | None:
    """Plain text messages as a hashable key; None (no memo) for anything else."""
    key: list[object] = [bool(add_generation_prompt)]
    for m in messages:
        if type(m) is not dict or not all(type(k) is str and type(v) is str for k, v in m.items()):
            return None
        key.append(tuple(m.items()))
    return tuple(key)


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def _compile(source: str, where: str):  # -> (GuardedEnvironment, jinja2.Template)
    from ._jinja import GuardedEnvironment

    def raise_exception(message: str) -> None:
        raise PromptError(str(message))

    env = GuardedEnvironment(trim_blocks=True, lstrip_blocks=True)
    env.globals["raise_exception"] = raise_exception
    try:
        return env, env.from_string(source)
    except Exception as exc:  # TemplateSyntaxError, and RecursionError/MemoryError on deep nesting
        raise PromptError(f"{where} does not compile: {type(exc).__name__}: {_short(exc)}") from None


# -- builders -------------------------------------------------------------------------------

def _user_turn(task: str, heading: str, body: str) -> str:
    return f"***Task***\n\n{task}\n\n***{heading}***\n\n{body}\n\n***Response:***"


def _entry(item: PersonaItem, n: int) -> str:
    """One persona item as its block lists it (``n``: its number in the block)."""
    if isinstance(item, Description):
        return f"{_DEMO_HEAD}{item.text}\n\n"
    if isinstance(item, Comment):
        return f"{n}. *Post:*\n{item.prompt}\n\n*Comment:*\n{item.comment}\n\n"
    return f"{n}. *Post:*\n{item.prompt}\n\n*Chosen:*\n{item.chosen}\n\n*Rejected:*\n{item.rejected}\n\n"


def _history(items: Sequence[PersonaItem]) -> str:
    """The ICA persona blocks: DEMO, then UGC_BLOCK, then PAIR_BLOCK, numbered per block."""
    demo = [i for i in items if isinstance(i, Description)]
    comments = [i for i in items if isinstance(i, Comment)]
    choices = [i for i in items if isinstance(i, Choice)]
    out = "".join(_entry(d, 0) for d in demo)
    if comments:
        out += _UGC_HEAD + "".join(_entry(c, n) for n, c in enumerate(comments, 1))
    if choices:
        out += _PAIR_HEAD + "".join(_entry(c, n) for n, c in enumerate(choices, 1))
    return out.rstrip("\n")


def plain_prompt(task: str) -> Prompt:
    """No personalisation: the baseline the aligners are compared with."""
    return Prompt(SYSTEM_PLAIN, f"***Task***\n\n{task}\n\n***Response:***")


def ica_prompt(
    task: str,
    persona: Persona | Sequence[PersonaItem],
    *,
    budget: int | None = None,
    count_tokens: TokenCounter | None = None,
    template: ChatTemplate | None = None,
) -> Prompt:
    """In-context alignment: the raw persona in the prompt.

    With ``budget`` (tokens of the rendered prompt, counted by ``count_tokens``), persona
    items are kept in order while they fit, the first that does not fit is truncated, and the
    rest that do not fit are dropped. The task and instructions are never cut.
    """
    items = list(persona.items() if isinstance(persona, Persona) else persona)
    build = lambda kept: Prompt(SYSTEM_ICA, _user_turn(task, "Historical Behavior", _history(kept)))
    if budget is None:
        return build(items)
    return fit_pieces(build, items, budget, count_tokens, template, lambda it: _entry(it, 1), _keep_in_order)


def pba_prompt(
    task: str,
    profile: PreferenceProfile | str,
    *,
    budget: int | None = None,
    count_tokens: TokenCounter | None = None,
    template: ChatTemplate | None = None,
) -> Prompt:
    """Preference-bridged alignment: the verbalised profile (docs/method.md §4) in the prompt.

    Over ``budget``, the least confident labels are dropped first; labels are never cut.
    """
    build = lambda labels: Prompt(SYSTEM_PBA, _user_turn(task, "User Preferences", ", ".join(labels)))
    if isinstance(profile, str):
        labels = [profile] if profile else []
        rank = [0] * len(labels)
    else:
        labels = profile.labels
        conf = [profile.confidence[d.index] for d, _ in profile.non_neutral()]
        order = sorted(range(len(labels)), key=lambda i: -conf[i])
        rank = [order.index(i) for i in range(len(labels))]
    if budget is None:
        return build(labels)
    ranked = lambda pieces, sizes, room, size_of: _keep_strongest(pieces, sizes, room, rank)
    return fit_pieces(build, labels, budget, count_tokens, template, lambda label: label + ", ", ranked)


# -- fitting a prompt to a token budget ---------------------------------------------------------
#: Rounds of fitting by per-piece counts before the pieces are given up (each round renders
#: and counts once; a second is needed only when pieces joined count more than apart).
_REFITS = 4

#: (pieces, their sizes in tokens, tokens left for them, size_of) -> the pieces to keep.
Chooser = Callable[[list[Any], list[int], int, Callable[[Any], int]], list[Any]]


def fit_pieces(build: Callable[[list[Any]], Prompt], pieces: Sequence[Any], budget: int,
               count_tokens: TokenCounter | None, template: ChatTemplate | None,
               text_of: Callable[[Any], str], choose: Chooser) -> Prompt:
    """``build(pieces)`` fitted to ``budget`` tokens of the rendered prompt.

    All pieces first: one render and one count when they fit (the usual case). Over budget,
    each piece is counted alone (its text, no render), ``choose`` keeps what fits the room the
    frame leaves, and the result is rendered and counted once; only when pieces counted apart
    came out short is the excess taken off and the choice made again. The frame (the task and
    instructions) is never cut: PromptError, saying by how much, when it alone does not fit.
    """
    count, template = _require_counter(count_tokens, template)
    pieces = list(pieces)
    total = count(template.render(build(pieces)))
    if total <= budget:
        return build(pieces)
    empty = count("")
    size_of = lambda piece: max(count(text_of(piece)) - empty, 0)
    sizes = [size_of(p) for p in pieces]
    room = budget - (total - sum(sizes))
    for _ in range(_REFITS):
        if room <= 0:
            break
        prompt = build(choose(pieces, sizes, room, size_of))
        needed = count(template.render(prompt))
        if needed <= budget:
            return prompt
        room -= needed - budget
    _check_base(build([]), budget, count, template)
    return build([])


def _keep_strongest(pieces: list[Any], sizes: list[int], room: int, rank: Sequence[int]) -> list[Any]:
    """The most pieces, strongest (lowest ``rank``) first, that fit ``room``; in their order."""
    order = sorted(range(len(pieces)), key=lambda i: rank[i])
    used, keep = 0, set()
    for i in order:
        if used + sizes[i] > room:
            break
        used += sizes[i]
        keep.add(i)
    return [p for i, p in enumerate(pieces) if i in keep]


def keep_first(pieces: list[Any], sizes: list[int], room: int, size_of: Callable[[Any], int]) -> list[Any]:
    """The first pieces that fit ``room`` (the last ones go first)."""
    return _keep_strongest(pieces, sizes, room, range(len(pieces)))


def _keep_in_order(items: list[PersonaItem], sizes: list[int], room: int,
                   size_of: Callable[[PersonaItem], int]) -> list[PersonaItem]:
    """Whole items first (in order, skipping any that do not fit), then the first skipped
    item cut to fill what is left, in its original place."""
    kept, skipped, used = [], [], 0
    for i, size in enumerate(sizes):
        if used + size <= room:
            kept.append(i)
            used += size
        else:
            skipped.append(i)
    if skipped:
        cut = _truncate(items[skipped[0]], lambda it: size_of(it) <= room - used)
        if cut is not None:
            return [cut if i == skipped[0] else items[i] for i in sorted(kept + skipped[:1])]
    return [items[i] for i in kept]


def _require_counter(count: TokenCounter | None, template: ChatTemplate | None) -> tuple[TokenCounter, ChatTemplate]:
    if count is None:
        raise PromptError("a token budget needs count_tokens, e.g. a tokenizer's encode length")
    return count, template or ChatTemplate()


def _check_base(base: Prompt, budget: int, count: TokenCounter, template: ChatTemplate) -> None:
    needed = count(template.render(base))
    if needed > budget:
        raise PromptError(
            f"the task and instructions alone need {needed} tokens, {needed - budget} over the budget of {budget}; "
            "raise the context size or shorten the task"
        )


def _truncate(item: PersonaItem, fits: Callable[[PersonaItem], bool]) -> PersonaItem | None:
    """The longest prefix cut of ``item``'s longest text that fits, by binary search."""
    field = max(_text_fields(item), key=lambda f: len(getattr(item, f)))
    text = getattr(item, field)
    lo, hi = 0, len(text)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if fits(_replace(item, field, text[:mid] + _ELLIPSIS)):
            lo = mid
        else:
            hi = mid - 1
    if lo < _MIN_TRUNCATED_CHARS:
        return None
    return _replace(item, field, text[:lo] + _ELLIPSIS)


def _text_fields(item: PersonaItem) -> tuple[str, ...]:
    return {"comment": ("prompt", "comment"), "choice": ("prompt", "chosen", "rejected")}.get(item.kind, ("text",))


def _replace(item: PersonaItem, field: str, value: str) -> PersonaItem:
    from dataclasses import replace

    return replace(item, **{field: value})  # type: ignore[arg-type]
