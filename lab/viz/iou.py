"""Figures for the IoU lab: IoU and its variants as one box slides past the other."""

from __future__ import annotations

import plotly.graph_objects as go
from plotly.subplots import make_subplots

from lab.viz.style import NORMAL, TextSizes

COLORS = {"iou": "#7b3294", "giou": "#e66101", "diou": "#1a9641", "ciou": "#2c7bb6"}
NAMES = {"iou": "IoU", "giou": "GIoU", "diou": "DIoU", "ciou": "CIoU"}


def sliding_figure(curves: dict, current_shift: float, sizes: TextSizes = NORMAL) -> go.Figure:
    """Values (top) and slopes (bottom) of IoU, GIoU, DIoU, CIoU against the horizontal shift of
    box B; the user's current position is marked."""
    figure = make_subplots(
        rows=2,
        cols=1,
        shared_xaxes=True,
        vertical_spacing=0.08,
        subplot_titles=(
            "value as B slides along x",
            "slope d(value)/d(shift): what a loss follows",
        ),
    )
    for name, color in COLORS.items():
        figure.add_trace(
            go.Scatter(x=curves["shift"], y=curves[name], name=NAMES[name], line={"color": color}),
            row=1,
            col=1,
        )
        figure.add_trace(
            go.Scatter(
                x=curves["shift"],
                y=curves[f"d_{name}"],
                name=f"slope of {NAMES[name]}",
                line={"color": color, "dash": "dot"},
                showlegend=False,
            ),
            row=2,
            col=1,
        )
    for row in (1, 2):
        figure.add_vline(x=current_shift, line_color="black", line_dash="dash", row=row, col=1)
        figure.add_hline(y=0, line_color="#bbb", row=row, col=1)
    figure.update_xaxes(title_text="shift of B from its current position (pixels)", row=2, col=1)
    figure.update_xaxes(tickfont={"size": sizes.tick})
    figure.update_yaxes(tickfont={"size": sizes.tick})
    figure.update_annotations(font={"size": sizes.label})
    figure.update_layout(
        height=round(460 * sizes.scale),
        margin={"l": 10, "r": 10, "t": 60, "b": 10},
        legend={"orientation": "h", "y": 1.08, "yanchor": "bottom", "font": {"size": sizes.tick}},
    )
    return figure
