"""Checks at the door: numbers and arrays entering `lab/` are validated once, here.

Each module passes its own error type (`BoxError`, `ConvolutionError`, ...), so a page catches one
documented type per module, and the message names the argument in the field's words and says what
was expected, with the value received: "stride must be a whole number from 1 to 4096, got inf".
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np


def show(value: Any) -> str:
    """A short rendering of a received value for an error message (never more than 60 chars)."""
    if isinstance(value, float | np.floating):
        text = f"{float(value):g}"
    elif isinstance(value, np.ndarray):
        text = f"an array of shape {list(value.shape)}"
    else:
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _range_words(low: float | None, high: float | None, low_open: bool, whole: bool) -> str:
    kind = "a whole number" if whole else "a number"
    fmt = (lambda v: f"{int(v)}") if whole else (lambda v: f"{v:g}")
    if low is not None and high is not None and not low_open:
        return f"{kind} from {fmt(low)} to {fmt(high)}"
    parts = []
    if low is not None:
        parts.append(f"{'>' if low_open else '>='} {fmt(low)}")
    if high is not None:
        parts.append(f"<= {fmt(high)}")
    return f"{kind} {' and '.join(parts)}".strip()


def number(
    value: Any,
    name: str,
    error: type[ValueError],
    *,
    low: float | None = None,
    high: float | None = None,
    low_open: bool = False,
    whole: bool = False,
) -> Any:
    """`value` as a finite float (or int when `whole`), inside [low, high] (or (low, high]).

    Raises:
        error: not a number, NaN, infinite, not whole when `whole`, or out of range.
    """
    expected = _range_words(low, high, low_open, whole)
    if isinstance(value, bool | np.bool_ | str | bytes):
        raise error(f"{name} must be {expected}, got {show(value)}")
    try:
        result = float(value)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{name} must be {expected}, got {show(value)}") from None
    if not math.isfinite(result):
        raise error(f"{name} must be {expected}, got {show(value)}")
    if whole and result != math.floor(result):
        raise error(f"{name} must be {expected}, got {show(value)}")
    below = low is not None and (result <= low if low_open else result < low)
    above = high is not None and result > high
    if below or above:
        raise error(f"{name} must be {expected}, got {show(value)}")
    return int(result) if whole else result


def array(
    values: Any,
    name: str,
    error: type[ValueError],
    *,
    ndim: int | tuple[int, ...] | None = None,
    limit: float | None = None,
    allow_empty: bool = True,
) -> np.ndarray:
    """`values` as a float64 array of finite numbers with |x| <= limit.

    Args:
        ndim: the number of axes allowed (one or several).
        limit: the largest magnitude allowed (None: any finite value).

    Raises:
        error: ragged or non-numeric input, wrong number of axes, empty when not allowed, NaN,
            infinity, or a value beyond the limit.
    """
    try:
        result = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError, OverflowError):
        raise error(f"{name} must be a grid of numbers with rows of equal length") from None
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else tuple(ndim)
        if result.ndim not in allowed:
            words = " or ".join(f"{n}-D" for n in allowed)
            raise error(f"{name} must be {words}, got shape {list(result.shape)}")
    if not allow_empty and result.size == 0:
        raise error(f"{name} must not be empty, got shape {list(result.shape)}")
    if not np.all(np.isfinite(result)):
        raise error(f"{name} must hold finite numbers only; found NaN or infinity")
    if limit is not None and result.size and float(np.abs(result).max()) > limit:
        raise error(
            f"{name} must stay within ±{limit:g}; found {show(float(np.abs(result).max()))}"
        )
    return result
