"""Hostile values shared by every test that tries to break the lab: numbers at the edges of float
range, wrong shapes, text a student might type. One table, used by the lab/ tests (every argument
of every public function) and by the page tests (every text and number input)."""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import numpy as np

NUMBERS: dict[str, float] = {
    "nan": math.nan,
    "+inf": math.inf,
    "-inf": -math.inf,
    "zero": 0.0,
    "negative": -1.0,
    "huge": 1e308,
    "float32 overflow": 1e39,
}
"""Each numeric argument gets each of these. NaN and infinities must always be refused."""

MUST_REFUSE = {"nan", "+inf", "-inf"}

TEXTS: dict[str, str] = {
    "nan": "nan",
    "inf": "inf",
    "-inf": "-inf",
    "huge": "1e308",
    "float32 overflow": "1e39",
    "mixed float32 overflow": "1e38 -1e38 1e38",
    "overflowing integer": "1" + "0" * 23,
    "overflowing fraction": "9" * 400 + "/1",
    "division by zero": "1/0",
    "empty": "",
    "blank lines": "\n \n\t\n",
    "words": "abc def",
    "markup": "<script>alert(1)</script> **bold** $x$",
    "ragged": "1 2 3\n4 5",
    "unclosed bracket": "[[1, 2], [3",
    "nul byte": "1 \x00 2",
    "subnormal": "1e-320",
    "long line": " ".join(["1"] * 5000),
    "many lines": "\n".join(["1 2 3"] * 3000),
}
"""Typed into every text input of every page."""


def array_variants(good: Any) -> Iterator[tuple[str, Any]]:
    """(name, value) pairs: `good` with one entry replaced by each hostile number, and wrong
    shapes (empty, flattened, an extra axis, ragged nested lists, text)."""
    good = np.asarray(good, dtype=np.float64)
    for name, value in NUMBERS.items():
        broken = good.copy()
        if broken.size:
            broken.flat[broken.size // 2] = value
            yield f"one entry {name}", broken
    yield "empty", np.zeros((0,) * max(good.ndim, 1))
    yield "flattened", good.ravel() if good.ndim > 1 else good[None, None]
    yield "extra axis", good[None, None]
    yield "ragged", [[1.0, 2.0], [3.0]]
    yield "text", "not numbers"


def number_variants() -> Iterator[tuple[str, Any]]:
    yield from NUMBERS.items()
    yield "text", "3"
    yield "none", None
    yield "list", [1, 2]


def finite_everywhere(result: Any, seen: int = 0) -> bool:
    """True when every number reachable in `result` (arrays, dataclasses, mappings, sequences,
    generators) is finite."""
    if seen > 20_000:
        return True
    if isinstance(result, np.ndarray):
        return result.dtype.kind not in "fc" or bool(np.all(np.isfinite(result)))
    if isinstance(result, float | np.floating):
        return math.isfinite(result)
    if isinstance(result, str | bytes | int | np.integer | bool | type(None)):
        return True
    if dataclasses.is_dataclass(result):
        return all(
            finite_everywhere(getattr(result, f.name), seen + 1) for f in dataclasses.fields(result)
        )
    if isinstance(result, dict):
        return all(finite_everywhere(v, seen + 1) for v in result.values())
    if isinstance(result, Iterable):
        return all(finite_everywhere(v, seen + 1) for v in list(result)[:5000])
    return True


def outcome(call: Callable[[], Any], error: type[Exception]) -> str:
    """Run `call`: "refused" if it raised `error` with a message, "finite" if it returned finite
    numbers only. Anything else (another exception, NaN or infinity in the result) fails."""
    try:
        result = call()
        if isinstance(result, Iterator):
            result = list(result)
    except error as raised:
        message = str(raised)
        assert message and "Traceback" not in message, f"empty or raw message: {message!r}"
        return "refused"
    assert finite_everywhere(result), f"returned NaN or infinity: {result!r}"[:300]
    return "finite"


def string_variants() -> Iterator[tuple[str, Any]]:
    yield "empty text", ""
    yield "unknown word", "no such thing"
    yield "markup", "<b>x</b>"
    yield "number", 3


def attack(table: list[tuple[Callable, dict[str, Any]]]) -> list[Any]:
    """pytest params (function, kwargs, variant): each argument of each function in `table`,
    given its good keyword arguments, replaced in turn by every hostile variant of its kind."""
    import pytest

    params = []
    for function, good in table:
        for argument, value in good.items():
            if isinstance(value, np.ndarray | list | tuple):
                variants = array_variants(value)
            elif isinstance(value, str):
                variants = string_variants()
            else:
                variants = number_variants()
            for name, bad in variants:
                params.append(
                    pytest.param(
                        function,
                        {**good, argument: bad},
                        name,
                        id=f"{function.__name__}-{argument}-{name}",
                    )
                )
    return params


def must_refuse(variant: str) -> bool:
    """Variants no function may accept: NaN and infinities anywhere, ragged grids, text for
    numbers, unknown words for choices."""
    return (
        variant in MUST_REFUSE
        or variant.removeprefix("one entry ") in MUST_REFUSE
        or variant in ("ragged", "text", "unknown word", "markup")
    )


def browser_number(widget: Any, value: Any) -> float | int | None:
    """What Chromium sends when `value` is typed into this AppTest number input: None where it
    refuses the text (NaN, words), else the value clamped into [min, max], whole for integer
    inputs. AppTest itself would pass anything, which no student can."""
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        return None
    proto = widget.proto
    low = proto.min if proto.has_min else -math.inf
    high = proto.max if proto.has_max else math.inf
    clamped = min(max(value, low), high)
    if not math.isfinite(clamped):
        return None
    return int(round(clamped)) if proto.data_type == proto.INT else float(clamped)
