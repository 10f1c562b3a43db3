"""Plotly figures for the Kernel lab: the kernel as a signed heatmap, the output histogram.

Both are figure dicts (hand them to st.plotly_chart through lab.viz.animation.PrebuiltFigure):
plotly.graph_objects would spend ~40 ms validating them on every rerun of the page.
"""

from __future__ import annotations

import numpy as np

from lab.format import format_number
from lab.viz.colors import DIVERGING_SCALE, INK
from lab.viz.style import NORMAL, TextSizes

HEATMAP_WIDTH = 300
"""About how wide (px) the kernel heatmap is drawn in its column."""


def kernel_heatmap(kernel: np.ndarray, title: str = "", sizes: TextSizes = NORMAL) -> dict:
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
    heatmap = {
        "type": "heatmap",
        "z": kernel.tolist(),
        "text": text,
        "colorscale": DIVERGING_SCALE,
        "zmin": -limit,
        "zmax": limit,
        "showscale": False,
        "hovertemplate": "row %{y}, col %{x}: %{z}<extra></extra>",
        "xgap": 1,
        "ygap": 1,
    }
    if cell_font:
        heatmap.update({"texttemplate": "%{text}", "textfont": {"size": cell_font}})
    layout = {
        "title": {
            "text": f"{title}  (sum = {format_number(kernel.sum())})".strip(),
            "font": {"size": sizes.label},
        },
        "height": round(max(220, min(420, 26 * kernel.shape[0] + 60)) * sizes.scale),
        "margin": {"l": 15, "r": 10, "t": 40, "b": 15},  # what Plotly grows 10 to (tested)
        "xaxis": {"showticklabels": False},
        "yaxis": {"autorange": "reversed", "showticklabels": False, "scaleanchor": "x"},
    }
    return {"data": [heatmap], "layout": layout}


def histogram(values: np.ndarray, signed: bool, title: str = "Output values") -> dict:
    """A histogram of filter output values, with 0 marked when values are signed.

    Binned in float64: float32 bin edges collapse when the values are large and close together.
    """
    values = np.asarray(values, dtype=np.float64).ravel()
    counts, edges = np.histogram(values, bins=64)
    bars = {
        "type": "bar",
        "x": ((edges[:-1] + edges[1:]) / 2).tolist(),
        "y": counts.tolist(),
        "width": np.diff(edges).tolist(),
        "marker": {"color": "#4575b4"},
        "hovertemplate": "%{x:.3g}: %{y} pixels<extra></extra>",
    }
    log = counts.max(initial=0) > 50 * max(1, np.median(counts))
    layout = {
        "title": {"text": title},
        "height": 220,
        "margin": {"l": 40, "r": 10, "t": 40, "b": 36},  # room for the tick labels (tested)
        "bargap": 0,
        "yaxis": {"type": "log" if log else "linear"},
        "shapes": [],
    }
    if signed and edges[0] < 0 < edges[-1]:
        layout["shapes"].append(
            {
                "type": "line",
                "xref": "x",
                "yref": "paper",
                "x0": 0,
                "x1": 0,
                "y0": 0,
                "y1": 1,
                "line": {"dash": "dash", "color": INK},
            }
        )
    return {"data": [bars], "layout": layout}
