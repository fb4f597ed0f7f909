"""Argument types that range-check numbers while parsing: a bad value is a usage error
(exit 2) naming the flag, before any model or store is opened."""

from __future__ import annotations

import argparse
import math
from typing import Callable


def number(low: float, high: float, *, low_open: bool = False) -> Callable[[str], float]:
    """A finite float in [low, high] (or (low, high] with ``low_open``)."""
    def parse(text: str) -> float:
        try:
            value = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not math.isfinite(value) or value > high or value < low or (low_open and value == low):
            bound = f"{'over' if low_open else 'from'} {low:g} {'up ' if low_open else ''}to {high:g}"
            raise argparse.ArgumentTypeError(f"{text!r} is not a number {bound}")
        return value
    parse.__name__ = "number"
    return parse


def count(low: int = 1, high: int = 1 << 20) -> Callable[[str], int]:
    """An integer in [low, high]."""
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{value} is not from {low} to {high}")
        return value
    parse.__name__ = "count"
    return parse
