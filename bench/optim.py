"""Gradient-descent page speed: rerun after a control change with 200 steps and three paths.

Run: .venv/bin/python bench/optim.py
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import page_row, table  # noqa: E402


def run() -> str:
    def setup(app) -> None:
        app.slider(key="gd_steps").set_value(200)
        app.toggle(key="gd_compare").set_value(True)

    changes = [setup] + [
        lambda app, v=v: app.select_slider(key="gd_eta").set_value(v)
        for v in (0.1, 0.2, 0.05, 0.15, 0.3)
    ]
    changes += [lambda app, v=v: app.slider(key="gd_angle").set_value(v) for v in (10, 30, 0)]
    description = "Gradient descent page rerun, 200 steps, three paths (AppTest, median)"
    rows = [page_row(description, "gradient_descent", changes, "under 150 ms")]
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
