"""Plotly figures for the Kernel lab: the kernel as a signed heatmap, the output histogram."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.format import format_number
from lab.viz.colors import DIVERGING_SCALE
from lab.viz.style import NORMAL, TextSizes

HEATMAP_WIDTH = 300
"""About how wide (px) the kernel heatmap is drawn in its column."""


def kernel_heatmap(kernel: np.ndarray, title: str = "", sizes: TextSizes = NORMAL) -> go.Figure:
    """The kernel as a signed heatmap (zero white), each weight written in its cell where it fits
    (a 15 x 15 Gaussian's weights do not: hover shows them, and the page lists them as text).

    Args:
        kernel: np.ndarray[kh, kw].
        title: shown above; the kernel sum is appended.
        sizes: font sizes.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    limit = float(np.abs(kernel).max()) or 1.0
    text = [[format_number(v) for v in row] for row in kernel]
    longest = max(len(t) for row in text for t in row)
    cell_font = sizes.cell_for(HEATMAP_WIDTH / kernel.shape[1], longest)
    height = round(max(220, min(420, 26 * kernel.shape[0] + 60)) * sizes.scale)
    figure = go.Figure(
        go.Heatmap(
            z=kernel,
            text=text,
            texttemplate="%{text}" if cell_font else None,
            textfont={"size": cell_font or sizes.cell},
            colorscale=DIVERGING_SCALE,
            zmin=-limit,
            zmax=limit,
            showscale=False,
            hovertemplate="row %{y}, col %{x}: %{z}<extra></extra>",
            xgap=1,
            ygap=1,
        )
    )
    figure.update_yaxes(autorange="reversed", showticklabels=False, scaleanchor="x")
    figure.update_xaxes(showticklabels=False)
    figure.update_layout(
        title={
            "text": f"{title}  (sum = {format_number(kernel.sum())})".strip(),
            "font": {"size": sizes.label},
        },
        height=height,
        margin={"l": 10, "r": 10, "t": 40, "b": 10},
    )
    return figure


def histogram(values: np.ndarray, signed: bool, title: str = "Output values") -> go.Figure:
    """A histogram of filter output values, with 0 marked when values are signed.

    Binned in float64: float32 bin edges collapse when the values are large and close together.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    counts, edges = np.histogram(values, bins=64)
    figure = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=np.diff(edges),
            marker_color="#4575b4",
            hovertemplate="%{x:.3g}: %{y} pixels<extra></extra>",
        )
    )
    if signed and edges[0] < 0 < edges[-1]:
        figure.add_vline(x=0, line_dash="dash", line_color="black")
    figure.update_layout(
        title=title,
        height=220,
        margin={"l": 10, "r": 10, "t": 40, "b": 30},
        bargap=0,
        yaxis_type="log" if counts.max(initial=0) > 50 * max(1, np.median(counts)) else "linear",
    )
    return figure
