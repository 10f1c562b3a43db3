"""Gradient-descent page speed: rerun after a control change with 200 steps and three paths.

Run: .venv/bin/python bench/optim.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import empty_page_rerun_seconds, ms, page_rerun_seconds, table  # noqa: E402


def run() -> str:
    def setup(app) -> None:
        app.slider(key="gd_steps").set_value(200)
        app.toggle(key="gd_compare").set_value(True)

    changes = [setup] + [
        lambda app, v=v: app.select_slider(key="gd_eta").set_value(v)
        for v in (0.1, 0.2, 0.05, 0.15, 0.3)
    ]
    changes += [lambda app, v=v: app.slider(key="gd_angle").set_value(v) for v in (10, 30, 0)]
    page = page_rerun_seconds("gradient_descent", changes)
    empty = empty_page_rerun_seconds()
    rows = [
        (
            "Gradient descent page rerun, 200 steps, three paths (AppTest, median)",
            ms(page),
            f"empty page {ms(empty)}",
            f"{page / empty:.1f}x",
            "under 150 ms",
        )
    ]
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
