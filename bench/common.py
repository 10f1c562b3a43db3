"""Shared helpers for the speed scripts: medians, ratios and AppTest page reruns.

Every number is measured against a reference in the same run (OpenCV, torchvision, or an empty
Streamlit page), so the ratios mean something on any machine.
"""

from __future__ import annotations

import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EMPTY_PAGE = Path(__file__).resolve().parent / "empty_page.py"


def median_seconds(function: Callable[[], object], repeat: int = 15, warmup: int = 2) -> float:
    """Median wall time of `function()` over `repeat` calls, after `warmup` untimed calls."""
    for _ in range(warmup):
        function()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_rerun_seconds(
    page: str, changes: list[Callable[[object], None]], repeat: int = 3
) -> float:
    """Median time of AppTest `.run()` (start to end) after each change to the page's controls.

    Args:
        page: file name under pages/ without .py.
        changes: functions that set one widget on the AppTest (without running it).
    """
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    app.run()
    times = []
    for _ in range(repeat):
        for change in changes:
            change(app)
            start = time.perf_counter()
            app.run()
            times.append(time.perf_counter() - start)
            if app.exception:
                raise RuntimeError(app.exception[0].value)
    return statistics.median(times)


def empty_page_rerun_seconds(repeat: int = 20) -> float:
    """The same measurement for a page with one slider: Streamlit's own cost per rerun."""
    from streamlit.testing.v1 import AppTest

    app = AppTest.from_file(str(EMPTY_PAGE), default_timeout=60)
    app.run()
    times = []
    for value in [10 * (i % 9) + 1 for i in range(repeat)]:
        app.slider(key="x").set_value(value)
        start = time.perf_counter()
        app.run()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def page_row(
    description: str, page: str, changes: list[Callable[[object], None]], target: str
) -> tuple:
    """A table row: the page's median rerun after `changes`, against the empty page in this run."""
    rerun = page_rerun_seconds(page, changes)
    empty = empty_page_rerun_seconds()
    return (description, ms(rerun), f"empty page {ms(empty)}", f"{rerun / empty:.1f}x", target)


def table(rows: list[tuple], header: tuple) -> str:
    """A Markdown table."""
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def machine() -> str:
    import os

    return f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"


def ms(seconds: float) -> str:
    """Milliseconds with one decimal, or microseconds below one millisecond."""
    return f"{seconds * 1000:.1f} ms" if seconds >= 1e-3 else f"{seconds * 1e6:.0f} µs"
