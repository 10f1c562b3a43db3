"""The one diverging palette for signed values, so a sign reads the same in every figure and image:
negative blue, zero white, positive red (ColorBrewer RdBu, reversed; Plotly's own 'RdBu' has a grey
middle and runs the other way)."""

from __future__ import annotations

import numpy as np

DIVERGING_ANCHORS = np.array(
    [
        [5, 48, 97],
        [33, 102, 172],
        [67, 147, 195],
        [146, 197, 222],
        [209, 229, 240],
        [247, 247, 247],
        [253, 219, 199],
        [244, 165, 130],
        [214, 96, 77],
        [178, 24, 43],
        [103, 0, 31],
    ],
    dtype=np.float64,
)
"""Eleven RGB anchors from the most negative (dark blue) through zero (white) to the most positive."""

DIVERGING_SCALE = [
    [index / (len(DIVERGING_ANCHORS) - 1), "#{:02x}{:02x}{:02x}".format(*rgb.astype(int))]
    for index, rgb in enumerate(DIVERGING_ANCHORS)
]
"""The anchors as a Plotly colorscale (use with zmid=0 or a symmetric zmin / zmax)."""


def _lut() -> np.ndarray:
    positions = np.linspace(0, 255, len(DIVERGING_ANCHORS))
    table = np.stack(
        [np.interp(np.arange(256), positions, DIVERGING_ANCHORS[:, c]) for c in range(3)], axis=1
    )
    return np.rint(table).astype(np.uint8)


DIVERGING_LUT = _lut()
"""The anchors interpolated to a 256-entry table, uint8 [256, 3]: index 127.5 is zero."""


CLASS_COLORS = ["#1f77b4", "#d95f02", "#7570b3", "#1b9e77", "#e7298a", "#66a61e", "#a6761d", "#666"]
"""One colour per class, in every figure and picture (classes beyond eight reuse them)."""

INK = "#888888"
"""Reference lines drawn on a figure's own background (the current position, zero, the chosen
learning rate): black vanished on the dark theme's background; this grey reads on both."""

ON_SHADING = "#333333"
"""Text drawn on the descent lab's shading, which is light at the minimum in both themes."""
