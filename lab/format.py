"""Number formatting shared by figures and formulas: what the student reads must match the maths."""

from __future__ import annotations

from functools import lru_cache

import numpy as np


def format_number(value: float, digits: int = 4) -> str:
    """Short text for a weight or pixel value: integers without decimals, else `digits` significant."""
    return _format(float(value), digits)


@lru_cache(maxsize=1 << 16)  # steppers write the same few values tens of thousands of times
def _format(value: float, digits: int) -> str:
    if not np.isfinite(value):
        return str(value)
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
