"""The IoU lab's sliding figure, written as a plain dict, is the figure plotly's own make_subplots
builds (the oracle: the code it replaced), in both text sizes."""

from __future__ import annotations

import json

import numpy as np
import plotly.graph_objects as go
import plotly.io as pio
import pytest
from plotly.subplots import make_subplots

from lab.iou import sliding_overlaps
from lab.viz.colors import INK
from lab.viz.iou import COLORS, NAMES, TITLES, margins, sliding_figure
from lab.viz.style import NORMAL, PROJECTOR


def with_make_subplots(curves: dict, current_shift: float, sizes) -> go.Figure:
    figure = make_subplots(
        rows=2, cols=1, shared_xaxes=True, vertical_spacing=0.08, subplot_titles=TITLES
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
        figure.add_vline(x=current_shift, line_color=INK, line_dash="dash", row=row, col=1)
        figure.add_hline(y=0, line_color=INK, line_width=1, row=row, col=1)
    figure.update_xaxes(title_text="shift of B from its current position (pixels)", row=2, col=1)
    figure.update_xaxes(tickfont={"size": sizes.tick})
    figure.update_yaxes(tickfont={"size": sizes.tick})
    figure.update_annotations(font={"size": sizes.label})
    figure.update_layout(
        height=round(460 * sizes.scale),
        margin=margins(sizes),
        legend={"orientation": "h", "y": 1.08, "yanchor": "bottom", "font": {"size": sizes.tick}},
    )
    return figure


def as_sent(figure: go.Figure) -> dict:
    """The JSON the browser gets, without the template (the same object on both sides)."""
    spec = json.loads(pio.to_json(figure, validate=False))
    spec["layout"].pop("template", None)
    return spec


@pytest.mark.parametrize("sizes", [NORMAL, PROJECTOR], ids=["normal", "projector"])
@pytest.mark.parametrize("shift", [0.0, -37.5])
def test_the_dict_is_the_figure_make_subplots_builds(sizes, shift) -> None:
    a, b = [60, 60, 200, 180], [120, 100, 260, 220]
    curves = sliding_overlaps(a, b, np.union1d(np.linspace(-260, 200, 401), [0.0]))
    ours = go.Figure(sliding_figure(curves, shift, sizes).to_dict())  # validated by plotly
    assert as_sent(ours) == as_sent(with_make_subplots(curves, shift, sizes))
