"""Convolution stepper speed: all steps and the animation for 32x32 * 5x5, and the page rerun.

Run: .venv/bin/python bench/convolution.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, ms, page_row, table  # noqa: E402

from lab import convolution  # noqa: E402
from lab.convolution import conv2d  # noqa: E402
from lab.viz.animation import PrebuiltFigure  # noqa: E402
from lab.viz.convolution import conv_figure  # noqa: E402


def stepper(x: np.ndarray, w: np.ndarray, padding: int) -> dict:
    """What the page builds: every step, the output from them, the animated figure."""
    volume, weights = x[None], w[None, None]
    geo = convolution.geometry(volume.shape[1:], weights.shape[2:], 1, padding, 1)
    steps = list(convolution.conv2d_steps(volume, weights, 1, padding, 1))
    maps = convolution.collect(steps, (1, *geo.output))
    return conv_figure(volume, steps, geo, maps[0], "Output")


def run() -> str:
    import plotly.io as pio
    import torch
    import torch.nn.functional as F

    rng = np.random.default_rng(0)
    x = rng.integers(0, 10, size=(32, 32)).astype(float)
    w = rng.integers(-2, 3, size=(5, 5)).astype(float)
    build = median_seconds(lambda: stepper(x, w, 2), repeat=7)
    serialise = median_seconds(
        lambda: pio.to_json(PrebuiltFigure(stepper(x, w, 2)), validate=False), repeat=5
    )
    ours = median_seconds(lambda: conv2d(x, w, 1, 2), repeat=7)
    xt, wt = torch.from_numpy(x)[None, None], torch.from_numpy(w)[None, None]
    reference = median_seconds(lambda: F.conv2d(xt, wt, padding=2), repeat=50)
    changes = [
        lambda app, v=v: app.number_input(key="conv_stride_r").set_value(v) for v in (2, 1, 3, 1)
    ]
    changes += [lambda app, v=v: app.number_input(key="conv_start").set_value(v) for v in (2, 5, 3)]
    rows = [
        (
            "all 1024 steps + figure (frames), 32x32 input, 5x5 kernel, padding 2",
            ms(build),
            "-",
            "-",
            "under 300 ms",
        ),
        ("steps + figure + JSON sent to the browser", ms(serialise), "-", "-", "-"),
        (
            "conv2d from the steps, 32x32 * 5x5",
            ms(ours),
            f"torch F.conv2d {ms(reference)}",
            f"{ours / reference:.0f}x",
            "(teaching code: every step is a record)",
        ),
        page_row(
            "Convolution page rerun after a control change (AppTest, median)",
            "convolution",
            changes,
            "under 200 ms",
        ),
    ]
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
