"""Plotly figures for the Kernel lab: the kernel as a signed heatmap, the output histogram."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab.format import format_number
from lab.viz.colors import DIVERGING_SCALE


def kernel_heatmap(kernel: np.ndarray, title: str = "") -> go.Figure:
    """The kernel as a signed heatmap (zero white), every weight written in its cell.

    Args:
        kernel: np.ndarray[kh, kw].
        title: shown above; the kernel sum is appended.
    """
    kernel = np.asarray(kernel, dtype=np.float64)
    limit = float(np.abs(kernel).max()) or 1.0
    text = [[format_number(v) for v in row] for row in kernel]
    figure = go.Figure(
        go.Heatmap(
            z=kernel,
            text=text,
            texttemplate="%{text}",
            textfont={"size": 14 if kernel.shape[0] <= 5 else 10},
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
        title=f"{title}  (sum = {format_number(kernel.sum())})".strip(),
        height=260,
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
