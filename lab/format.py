"""Number formatting shared by figures and formulas: what the student reads must match the maths."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def format_number(value: float, digits: int = 4) -> str:
    """Short text for a weight or pixel value: integers without decimals, else `digits` significant.

    Defined for every float: NaN is "nan", infinities "inf" and "-inf", and huge whole numbers
    such as 1e308 are written in exponent form ("1e+308"), never as 309 digits.

    Raises:
        ValueError: `value` is not a number, or `digits` is not a whole number from 1 to 17.
    """
    if (
        isinstance(digits, bool)
        or not isinstance(digits, int | np.integer)
        or not 1 <= digits <= 17
    ):
        raise ValueError(f"digits must be a whole number from 1 to 17, got {digits!r}")
    if isinstance(value, str | bytes):
        raise ValueError(f"format_number takes a number, got {value!r}")
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"format_number takes a number, got {value!r}") from None
    return _format(number, int(digits))


@lru_cache(maxsize=1 << 16)  # steppers write the same few values tens of thousands of times
def _format(value: float, digits: int) -> str:
    if not np.isfinite(value):
        return str(value)
    if abs(value) >= 1e15:  # beyond float's whole-number precision: exponent form
        return f"{value:.{digits}g}"
    if abs(value - round(value)) <= 1e-9 * max(1.0, abs(value)):
        return str(int(round(value)))
    return f"{value:.{digits}g}" if abs(value) >= 1e-3 else f"{value:.2e}"


def format_factor(value: float) -> str:
    """A number ready to multiply or square: negative values in parentheses, '(-4)'."""
    text = format_number(value)
    return f"({text})" if text.startswith("-") else text


def format_term(weight: float, value: float) -> str:
    """One product of a sum written out: '(-1)*12'."""
    return f"{format_factor(weight)}*{format_factor(value)}"
