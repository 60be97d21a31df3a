"""Argument validation shared by layers, losses and optimizers: messages name the argument."""

from __future__ import annotations

import math


def check_number(
    owner: str,
    name: str,
    value: float,
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    high_open: bool = False,
) -> float:
    """Return ``value`` as a float if it lies in the given range, else raise a ValueError.

    The message reads ``LeakyReLU: alpha must be >= 0, got -1``.
    """
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{owner}: {name} must be a number, got {value!r}") from None
    if not math.isfinite(number):
        raise ValueError(f"{owner}: {name} must be finite, got {value!r}")
    if low is not None and (number <= low if low_open else number < low):
        raise ValueError(
            f"{owner}: {name} must be {'>' if low_open else '>='} {low:g}, got {value!r}"
        )
    if high is not None and (number >= high if high_open else number > high):
        raise ValueError(
            f"{owner}: {name} must be {'<' if high_open else '<='} {high:g}, got {value!r}"
        )
    return number


def check_positive_int(owner: str, name: str, value: int) -> int:
    """Return ``value`` if it is an integer >= 1, else raise a ValueError naming it."""
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or int(value) != value
        or value < 1
    ):
        raise ValueError(f"{owner}: {name} must be a positive integer, got {value!r}")
    return int(value)
