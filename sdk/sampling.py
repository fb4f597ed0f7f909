"""How a reply is sampled, in one place: the defaults and ranges of ``max_tokens``,
``temperature`` and ``top_p``, and the check. Every chat model runs :func:`check_sampling`
(:meth:`LocalLLM.chat <edgealign.llm.LocalLLM.chat>` and the fakes); ``edgealign chat``'s
flags and the server's request model and default ``max_tokens`` read the same values."""

from __future__ import annotations

import math

from .errors import ConfigError

__all__ = ["MAX_TOKENS", "TEMPERATURE", "TOP_P", "MAX_TOKENS_MAX", "TEMPERATURE_MAX", "TOP_P_MAX", "check_sampling"]

#: The defaults: the longest reply in tokens, the temperature, the nucleus.
MAX_TOKENS, TEMPERATURE, TOP_P = 256, 0.7, 0.95
#: max_tokens is from 1 to MAX_TOKENS_MAX (and below the model's context, checked where the
#: prompt is known).
MAX_TOKENS_MAX = 1 << 16
#: Temperature is from 0 (greedy) to TEMPERATURE_MAX.
TEMPERATURE_MAX = 2.0
#: top_p is above 0 and at most TOP_P_MAX.
TOP_P_MAX = 1.0


def check_sampling(*, max_tokens: int, temperature: float, top_p: float) -> None:
    """ConfigError unless max_tokens is in [1, MAX_TOKENS_MAX], temperature in
    [0, TEMPERATURE_MAX] and top_p in (0, TOP_P_MAX]."""
    if not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or not 1 <= max_tokens <= MAX_TOKENS_MAX:
        raise ConfigError(f"max_tokens must be a whole number from 1 to {MAX_TOKENS_MAX}, {_given(max_tokens)}")
    if not (isinstance(temperature, (int, float)) and not isinstance(temperature, bool)
            and math.isfinite(temperature) and 0 <= temperature <= TEMPERATURE_MAX):
        raise ConfigError(f"temperature must be from 0 (greedy) to {TEMPERATURE_MAX:g}, {_given(temperature)}")
    if not (isinstance(top_p, (int, float)) and not isinstance(top_p, bool)
            and math.isfinite(top_p) and 0 < top_p <= TOP_P_MAX):
        raise ConfigError(f"top_p must be above 0 and at most {TOP_P_MAX:g}, {_given(top_p)}")


def _given(value: object) -> str:
    """What the caller passed, in words: "none was given" rather than "got None"."""
    return "but none was given" if value is None else f"got {value!r}"
