"""A Jinja sandbox with limits on time and output, for chat templates read from model files.

A GGUF's chat template is code from the file. Jinja's sandbox stops it reaching Python
internals, but not from running forever (a nested loop) or building a string of gigabytes.
This environment keeps a per-render budget:

* every loop step, call (macros included) and intercepted operator "ticks"; every 256 ticks
  the clock is read and past the deadline the render stops. Code without loops or calls is
  straight-line and as long as the template, so lookups need no tick;
* the output is produced piece by piece and stops past its size limit;
* operators and filters that could build a huge value in one step (``*``, ``**``, ``+``,
  ``~``, ``%``, ``center``, ``replace``, ``indent``, ``format``, str methods with a width) are
  checked before they run.

Loops and ``~`` are routed through the budget by rewriting the parsed template (each
``for``'s iterable is wrapped, each concatenation becomes a checked call) before Jinja
compiles it, so no construct runs unmetered. A normal render pays a counter increment per
tick (docs/errors.md has the measured cost).
"""

from __future__ import annotations

import re
import time
from typing import Any, Iterable, Iterator

from jinja2 import nodes
from jinja2.ext import Extension
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.visitor import NodeTransformer

__all__ = ["GuardedEnvironment", "BudgetExceeded"]

_CHECK_MASK = 255  # the clock is read every 256 ticks
_WIDE = re.compile(r"\d{7,}")  # a width or precision of a million or more in a format string


class BudgetExceeded(Exception):
    """The render ran past its time or size limit."""


class _Guard(Extension):
    """Holds the callables the rewritten template calls (``guard_iter`` and ``concat``)."""

    def guard_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        tick = self.environment.tick  # type: ignore[attr-defined]
        for item in iterable:
            tick()
            yield item

    def concat(self, *parts: Any) -> str:
        env = self.environment
        strings = [p if isinstance(p, str) else env.finalize_str(p) for p in parts]  # type: ignore[attr-defined]
        env.check_size(sum(map(len, strings)))  # type: ignore[attr-defined]
        return "".join(strings)


_GUARD_ITER = _Guard.guard_iter


class _Rewrite(NodeTransformer):
    def __init__(self, env: "GuardedEnvironment") -> None:
        self.env = env
        self.ident = _Guard.identifier

    def _call(self, name: str, args: list[Any], lineno: int) -> nodes.Call:
        call = nodes.Call(nodes.ExtensionAttribute(self.ident, name), args, [], None, None)
        call.set_lineno(lineno).set_environment(self.env)
        return call

    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = self._call("guard_iter", [node.iter], node.lineno)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return self._call("concat", list(node.nodes), node.lineno)


class GuardedEnvironment(ImmutableSandboxedEnvironment):
    """An immutable sandbox whose renders stop at a deadline and an output size."""

    intercepted_binops = frozenset({"*", "**", "+", "%"})
    BudgetExceeded = BudgetExceeded

    def __init__(self, **kw: Any) -> None:
        super().__init__(extensions=[_Guard], **kw)
        # One budget per environment (one per ChatTemplate): renders of one model's template
        # are serialised by the model's lock; a racing thread could only share a deadline.
        self._deadline, self._max_size, self._ticks = float("inf"), 1 << 20, 0
        self.filters = {name: self._guard_filter(name, f) for name, f in self.filters.items()}
        self.globals.pop("lipsum", None)  # lipsum(n) writes n paragraphs in one native-speed call

    # -- the budget ---------------------------------------------------------------------------
    def start(self, seconds: float, max_size: int) -> None:
        """Begin a render's budget (this thread)."""
        self._deadline, self._max_size, self._ticks = time.monotonic() + seconds, max_size, 0

    def tick(self) -> None:
        self._ticks += 1
        if not self._ticks & _CHECK_MASK and time.monotonic() > self._deadline:
            raise BudgetExceeded("time")

    def check_size(self, size: int) -> None:
        if size > self._max_size:
            raise BudgetExceeded("size")

    def finalize_str(self, value: Any) -> str:
        return str(value)

    # -- parsing: route loops and ~ through the budget ------------------------------------------
    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        return _Rewrite(self).visit(super()._parse(source, name, filename))

    # -- sandbox hooks -----------------------------------------------------------------------
    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: N805
        if getattr(__obj, "__func__", None) is _GUARD_ITER:  # our own loop guard: no checks to make
            return __obj(*args)
        __self.tick()
        if args or kwargs:  # no argument a chat template needs is a number over the output limit
            __self._check_ints(args, kwargs)
        owner = getattr(__obj, "__self__", None)
        if isinstance(owner, str) and getattr(__obj, "__name__", "") == "replace" and len(args) >= 2:
            __self._check_replace(owner, args[0], args[1])
        return super().call(__context, __obj, *args, **kwargs)

    def wrap_str_format(self, value: Any) -> Any:
        wrapped = super().wrap_str_format(value)
        if wrapped is None:
            return None
        text = value.__self__

        def checked(*args: Any, **kwargs: Any) -> str:
            if _WIDE.search(text):
                raise BudgetExceeded("size")
            self._check_ints(args, kwargs)
            return wrapped(*args, **kwargs)
        return checked

    def call_binop(self, context: Any, op: str, left: Any, right: Any) -> Any:
        # No tick: an operator is no loop. "+" first and lean: chat templates join strings with it.
        if op == "+":
            result = left + right
            if (result.__class__ is str or isinstance(result, (list, tuple))) and len(result) > self._max_size:
                raise BudgetExceeded("size")
            return result
        if op == "**" and isinstance(right, (int, float)) and abs(right) > 4096 and abs(left) > 1:
            raise BudgetExceeded("size")
        if op == "*":
            for seq, n in ((left, right), (right, left)):
                if isinstance(seq, (str, list, tuple)) and isinstance(n, int):
                    self.check_size(len(seq) * max(n, 0))
        if op == "%" and isinstance(left, str):
            values = right if isinstance(right, tuple) else (right,)
            if _WIDE.search(left) or ("*" in left and any(isinstance(v, int) and v > 1 << 20 for v in values)):
                raise BudgetExceeded("size")
        result = self.binop_table[op](left, right)
        if isinstance(result, (str, list, tuple)):
            self.check_size(len(result))
        return result

    # -- filters -------------------------------------------------------------------------------
    def _check_ints(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
        for value in (*args, *kwargs.values()):
            if isinstance(value, int) and value > self._max_size:
                raise BudgetExceeded("size")

    def _check_replace(self, text: Any, old: Any, new: Any) -> None:
        if isinstance(text, str) and isinstance(old, str) and isinstance(new, str):
            count = text.count(old) if old else len(text) + 1
            self.check_size(len(text) + count * len(new))

    def _guard_filter(self, name: str, func: Any) -> Any:
        def guarded(*args: Any, **kwargs: Any) -> Any:
            self.tick()
            self._check_ints(args[1:], kwargs)  # widths, indents, counts
            if name in ("center", "indent", "truncate", "wordwrap"):
                if name == "indent" and args and isinstance(args[0], str):
                    width = args[1] if len(args) > 1 else kwargs.get("width", 4)
                    if isinstance(width, str) or isinstance(width, int):
                        per_line = len(width) if isinstance(width, str) else width
                        self.check_size(len(args[0]) + (args[0].count("\n") + 1) * per_line)
            elif name == "replace":
                rest = [a for a in args if not hasattr(a, "environment")]
                if len(rest) >= 3:
                    self._check_replace(rest[0], rest[1], rest[2])
            elif name == "format" and args and isinstance(args[0], str) and _WIDE.search(args[0]):
                raise BudgetExceeded("size")
            result = func(*args, **kwargs)
            if isinstance(result, (str, list, tuple)):
                self.check_size(len(result))
            return result

        for attr in ("jinja_pass_arg",):  # keep pass_context / pass_eval_context / pass_environment
            if hasattr(func, attr):
                setattr(guarded, attr, getattr(func, attr))
        return guarded

