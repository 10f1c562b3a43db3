"""lab.format: what a student reads must match the maths, at the edges of float range too."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lab.format import format_factor, format_number, format_term


@pytest.mark.parametrize(
    "value, text",
    [
        (12.0, "12"),  # whole numbers without decimals
        (-4.0, "-4"),
        (0.0, "0"),
        (-0.0, "0"),  # no "-0" on the projector
        (1 / 16, "0.0625"),
        (2 / 3, "0.6667"),  # four significant digits
        (12.000000000001, "12"),  # float noise of a sum is not shown
        (0.0001234, "1.23e-04"),  # tiny values in exponent form, not 0.0001
        (123456.5, "1.235e+05"),
        (1e308, "1e+308"),  # huge whole numbers: exponent form, not 309 digits
        (1e39, "1e+39"),
        (-1e15, "-1e+15"),
        (math.nan, "nan"),  # defined, never an exception
        (math.inf, "inf"),
        (-math.inf, "-inf"),
        (np.float32(0.1), "0.1"),  # float32 values read as their short decimal
        (np.int64(7), "7"),
    ],
)
def test_format_number(value, text) -> None:
    assert format_number(value) == text


def test_digits_are_significant_digits() -> None:
    assert format_number(math.pi, 2) == "3.1" and format_number(math.pi, 6) == "3.14159"


@pytest.mark.parametrize("digits", [0, 18, 2.5, math.nan, True])
def test_bad_digits_are_refused(digits) -> None:
    with pytest.raises(ValueError, match="digits"):
        format_number(1.5, digits)


@pytest.mark.parametrize("value", ["12", None, [1, 2]])
def test_non_numbers_are_refused(value) -> None:
    with pytest.raises(ValueError, match="takes a number"):
        format_number(value)


@pytest.mark.parametrize(
    "value, text", [(-4.0, "(-4)"), (3.0, "3"), (-0.5, "(-0.5)"), (-math.inf, "(-inf)")]
)
def test_negative_factors_are_parenthesised(value, text) -> None:
    assert format_factor(value) == text


def test_a_term_reads_as_a_product() -> None:
    assert format_term(-1.0, 12.0) == "(-1)*12"
    assert format_term(0.25, -3.0) == "0.25*(-3)"
