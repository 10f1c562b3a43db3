"""Figures for the IoU lab: IoU and its variants as one box slides past the other."""

from __future__ import annotations

from lab.viz.animation import PrebuiltFigure
from lab.viz.colors import INK
from lab.viz.style import NORMAL, TextSizes

COLORS = {"iou": "#9467bd", "giou": "#e66101", "diou": "#1a9641", "ciou": "#2c7bb6"}
NAMES = {"iou": "IoU", "giou": "GIoU", "diou": "DIoU", "ciou": "CIoU"}
TITLES = ("value as B slides along x", "slope d(value)/d(shift): what a loss follows")
SPLIT = (0.46, 0.54)
"""The slope panel's top and the value panel's bottom (plotly's make_subplots, spacing 0.08)."""


def margins(sizes: TextSizes = NORMAL) -> dict:
    """Room for the tick labels, the legend above the panel titles and the x-axis title: given,
    so Plotly does not grow the margins and draw the figure twice on every typed coordinate."""
    return {
        "l": round(4 * sizes.tick + 8),
        "r": 10,
        "t": round(2 * sizes.label + 42),
        "b": round(3 * sizes.tick + 2 * sizes.label + 10),
    }


def sliding_figure(curves: dict, current_shift: float, sizes: TextSizes = NORMAL) -> PrebuiltFigure:
    """Values (top) and slopes (bottom) of IoU, GIoU, DIoU, CIoU against the horizontal shift of
    box B; the user's current position is marked.

    Written as the dict plotly's make_subplots(rows=2, shared_xaxes=True) would build (the tests
    check it is the same figure): building it through plotly.graph_objects, which checks every
    property, was the largest part of the IoU lab's script time on every typed coordinate (a
    one-off py-spy profile of the server while bench/latency.py ran).
    """
    data = []
    for name, color in COLORS.items():
        data.append(
            {
                "type": "scatter",
                "x": curves["shift"],
                "y": curves[name],
                "name": NAMES[name],
                "line": {"color": color},
                "xaxis": "x",
                "yaxis": "y",
            }
        )
        data.append(
            {
                "type": "scatter",
                "x": curves["shift"],
                "y": curves[f"d_{name}"],
                "name": f"slope of {NAMES[name]}",
                "line": {"color": color, "dash": "dot"},
                "showlegend": False,
                "xaxis": "x2",
                "yaxis": "y2",
            }
        )
    shapes = []
    for x, y in (("x", "y"), ("x2", "y2")):
        shapes.append(
            {
                "type": "line",
                "line": {"color": INK, "dash": "dash"},
                "x0": current_shift,
                "x1": current_shift,
                "xref": x,
                "y0": 0,
                "y1": 1,
                "yref": f"{y} domain",
            }
        )
        shapes.append(
            {
                "type": "line",
                "line": {"color": INK, "width": 1},
                "x0": 0,
                "x1": 1,
                "xref": f"{x} domain",
                "y0": 0,
                "y1": 0,
                "yref": y,
            }
        )
    ticks = {"size": sizes.tick}
    titles = [
        {
            "text": text,
            "font": {"size": sizes.label},
            "showarrow": False,
            "x": 0.5,
            "xanchor": "center",
            "xref": "paper",
            "y": top,
            "yanchor": "bottom",
            "yref": "paper",
        }
        for text, top in zip(TITLES, (1.0, SPLIT[0]), strict=True)
    ]
    layout = {
        "xaxis": {
            "anchor": "y",
            "domain": [0.0, 1.0],
            "matches": "x2",
            "showticklabels": False,
            "tickfont": ticks,
        },
        "yaxis": {"anchor": "x", "domain": [SPLIT[1], 1.0], "tickfont": ticks},
        "xaxis2": {
            "anchor": "y2",
            "domain": [0.0, 1.0],
            "title": {"text": "shift of B from its current position (pixels)"},
            "tickfont": ticks,
        },
        "yaxis2": {"anchor": "x2", "domain": [0.0, SPLIT[0]], "tickfont": ticks},
        "annotations": titles,
        "shapes": shapes,
        "height": round(460 * sizes.scale),
        "margin": margins(sizes),
        "legend": {"orientation": "h", "y": 1.08, "yanchor": "bottom", "font": ticks},
    }
    return PrebuiltFigure({"data": data, "layout": layout})
