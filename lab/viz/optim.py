"""Figures for the gradient-descent lab: animated contour paths, loss curves, the stability map."""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import optim as O
from lab.viz.stepper import player_controls

PATH_COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]
MAX_FRAMES = 120


@dataclass(frozen=True)
class LabelledPath:
    """A path with its legend label and colour."""

    label: str
    color: str
    points: O.Trajectory


def _rounded(values: np.ndarray, scale: float) -> list:
    """Coordinates rounded to ~6 significant digits of the plot's scale (smaller JSON)."""
    decimals = max(0, 6 - math.ceil(math.log10(max(scale, 1e-12))))
    return np.round(np.asarray(values, dtype=float), decimals).tolist()


def plot_radius(paths: list[LabelledPath], start: np.ndarray) -> float:
    """Half-width of the contour plot: the start point and converging paths fit, diverging ones leave."""
    radius = float(np.abs(start).max()) * 1.4 or 1.0
    for path in paths:
        if not path.points.diverged:
            radius = max(radius, float(np.abs(path.points).max()) * 1.1)
    return radius


def contour_figure(
    A: np.ndarray, paths: list[LabelledPath], start: np.ndarray, frame_ms: int = 80
) -> dict:
    """L(w) contours with each path drawn step by step (Plotly frames, client-side), the minimum
    starred, and an invisible grid of points so that a click picks a new start point.

    Returns:
        A figure dict for lab.viz.stepper.PrebuiltFigure; data[0] is the contour, data[1] the
        click grid, then two traces per path (trail, current point), then the minimum.
    """
    radius = plot_radius(paths, start)
    axis = np.linspace(-radius, radius, 81)
    grid_w1, grid_w2 = np.meshgrid(axis, axis)
    z = O.loss(A, np.stack([grid_w1, grid_w2], axis=-1))
    data: list[dict] = [
        {
            "type": "contour",
            "x": _rounded(axis, radius),
            "y": _rounded(axis, radius),
            "z": np.sqrt(z).round(6).tolist(),
            "colorscale": "Blues",
            "reversescale": True,
            "showscale": False,
            "ncontours": 18,
            "contours": {"coloring": "heatmap", "showlines": True},
            "hovertemplate": "w1 %{x:.3g}, w2 %{y:.3g}<extra></extra>",
            "opacity": 0.75,
        }
    ]
    click = np.linspace(-radius, radius, 41)
    click_w1, click_w2 = np.meshgrid(click, click)
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "x": _rounded(click_w1.ravel(), radius),
            "y": _rounded(click_w2.ravel(), radius),
            "marker": {"size": 12, "opacity": 0},
            "hovertemplate": "click to start at (%{x:.3g}, %{y:.3g})<extra></extra>",
            "showlegend": False,
            "name": "start here",
        }
    )
    longest = max(len(p.points) for p in paths)
    stride = max(1, math.ceil((longest - 1) / MAX_FRAMES))
    shown_steps = list(range(0, longest, stride))
    if shown_steps[-1] != longest - 1:
        shown_steps.append(longest - 1)
    trails = []
    for path in paths:
        trails.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": path.label,
                "line": {"color": path.color, "width": 2},
                "marker": {"size": 4, "color": path.color},
            }
        )
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "showlegend": False,
                "hoverinfo": "skip",
                "marker": {"size": 12, "color": path.color, "line": {"color": "white", "width": 2}},
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "markers+text",
            "x": [0],
            "y": [0],
            "text": ["minimum (0, 0)"],
            "textposition": "bottom right",
            "marker": {
                "symbol": "star",
                "size": 16,
                "color": "gold",
                "line": {"color": "black", "width": 1},
            },
            "name": "minimum, L = 0",
        }
    )
    frames = []
    for step in shown_steps:
        frame_data = []
        for path in paths:
            last = min(step, len(path.points) - 1)
            frame_data.append(
                {
                    "type": "scatter",
                    "x": _rounded(path.points[: last + 1, 0], radius),
                    "y": _rounded(path.points[: last + 1, 1], radius),
                }
            )
            frame_data.append(
                {
                    "type": "scatter",
                    "x": _rounded(path.points[last : last + 1, 0], radius),
                    "y": _rounded(path.points[last : last + 1, 1], radius),
                }
            )
        traces = [index for trail in trails for index in (trail, trail + 1)]
        frames.append(
            {
                "name": str(step),
                "data": frame_data,
                "traces": traces,
                "layout": {"title": {"text": f"iteration {step}"}},
            }
        )
    for frame_trace, index in zip(frames[-1]["data"], frames[-1]["traces"], strict=True):
        data[index].update(frame_trace)
    names = [str(step) for step in shown_steps]
    layout = {
        "height": 560,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "title": {"text": f"iteration {shown_steps[-1]}", "x": 0.02},
        "xaxis": {"range": [-radius, radius], "title": {"text": "w1"}, "constrain": "domain"},
        "yaxis": {
            "range": [-radius, radius],
            "title": {"text": "w2"},
            "scaleanchor": "x",
            "constrain": "domain",
        },
        "legend": {"orientation": "h", "y": -0.22},
        "clickmode": "event+select",
        "dragmode": "pan",
    }
    layout.update(
        player_controls(
            names,
            names,
            len(names) - 1,
            frame_ms,
            redraw=False,
            y=-0.08,
            prefix="iteration ",
            from_start=True,
        )
    )
    return {"data": data, "layout": layout, "frames": frames}


def _positive(values: np.ndarray) -> list:
    """Values for a log axis: exact zeros (a coordinate solved in one step) become gaps."""
    return [float(v) if v > 0 else None for v in np.asarray(values, dtype=float)]


def curves_figure(A: np.ndarray, paths: list[LabelledPath]) -> dict:
    """Loss per iteration and each eigen-coordinate's distance to the minimum, on log axes.

    A figure dict (lab.viz.stepper.PrebuiltFigure): built directly, as plotly's make_subplots and
    validation cost more than the page's whole budget for a control change.
    """
    _, vectors = O.eigen(A)
    data = []
    for path in paths:
        steps = list(range(len(path.points)))
        data.append(
            {
                "type": "scatter",
                "x": steps,
                "y": _positive(O.loss(A, path.points)),
                "name": path.label,
                "line": {"color": path.color},
                "xaxis": "x",
                "yaxis": "y",
            }
        )
        coordinates = np.abs(np.asarray(path.points) @ vectors)
        for axis, dash in ((0, "solid"), (1, "dot")):
            data.append(
                {
                    "type": "scatter",
                    "x": steps,
                    "y": _positive(coordinates[:, axis]),
                    "showlegend": False,
                    "name": f"{path.label}, direction {axis + 1}",
                    "line": {"color": path.color, "dash": dash},
                    "xaxis": "x2",
                    "yaxis": "y2",
                }
            )
    title = {"xref": "paper", "yref": "paper", "y": 1.0, "yanchor": "bottom", "showarrow": False}
    layout = {
        "height": 330,
        "margin": {"l": 10, "r": 10, "t": 40, "b": 10},
        "legend": {"orientation": "h", "y": -0.25},
        "xaxis": {"domain": [0, 0.45], "title": {"text": "iteration t"}},
        "yaxis": {"type": "log", "exponentformat": "power"},
        "xaxis2": {"domain": [0.55, 1], "anchor": "y2", "title": {"text": "iteration t"}},
        "yaxis2": {"type": "log", "exponentformat": "power", "anchor": "x2"},
        "annotations": [
            {**title, "x": 0.225, "text": "loss L(w_t)"},
            {
                **title,
                "x": 0.775,
                "text": "|coordinate| along each eigen-direction (solid 1, dotted 2)",
            },
        ],
    }
    return {"data": data, "layout": layout}


def stability_figure(A: np.ndarray, learning_rate: float) -> dict:
    """The stability map: |1 - eta lambda_i| against eta (log axis), the stable band shaded, 1 marked,
    the current eta and eta* drawn. A figure dict, as `curves_figure`."""
    values, _ = O.eigen(A)
    limit = O.largest_stable_learning_rate(A)
    best = O.optimal_learning_rate(A)
    low = min(limit / 200, learning_rate / 2)
    high = max(limit * 3, learning_rate * 1.5)
    etas = np.union1d(
        np.geomspace(low, high, 400), [2 / v for v in values] + [1 / v for v in values]
    )
    data = [
        {
            "type": "scatter",
            "x": etas.tolist(),
            "y": np.abs(1 - etas * curvature).tolist(),
            "name": f"|1 - η·λ{index + 1}|, λ{index + 1} = {curvature:.4g}",
            "line": {"dash": dash, "color": "#444"},
        }
        for index, (curvature, dash) in enumerate(zip(values, ("solid", "dot"), strict=True))
    ]
    line = {"xref": "x", "yref": "paper", "y0": 0, "y1": 1, "type": "line"}
    layout = {
        "height": 330,
        "margin": {"l": 10, "r": 10, "t": 30, "b": 10},
        "legend": {"orientation": "h", "y": -0.3},
        "xaxis": {
            "type": "log",
            "title": {"text": "learning rate η"},
            "range": [math.log10(low), math.log10(high)],
        },
        "yaxis": {"title": {"text": "per-direction factor |1 - ηλ|"}, "range": [0, 2.5]},
        "shapes": [
            {
                "type": "rect",
                "xref": "x",
                "yref": "paper",
                "x0": low,
                "x1": limit,
                "y0": 0,
                "y1": 1,
                "fillcolor": "#a1d99b",
                "opacity": 0.3,
                "line": {"width": 0},
                "layer": "below",
            },
            {
                "type": "line",
                "xref": "paper",
                "yref": "y",
                "x0": 0,
                "x1": 1,
                "y0": 1,
                "y1": 1,
                "line": {"color": "#d62728", "dash": "dash"},
            },
            {
                **line,
                "x0": learning_rate,
                "x1": learning_rate,
                "line": {"color": "black", "width": 2},
            },
            {**line, "x0": best, "x1": best, "line": {"color": "#2ca02c", "dash": "dot"}},
        ],
        "annotations": [
            {
                "x": math.log10(low),
                "y": 2.4,
                "xref": "x",
                "yref": "y",
                "text": "stable band: every |factor| < 1",
                "showarrow": False,
                "xanchor": "left",
            },
            {
                "x": math.log10(learning_rate),
                "y": 2.2,
                "xref": "x",
                "yref": "y",
                "text": f"η = {learning_rate:.4g}",
                "showarrow": False,
                "xanchor": "left",
            },
            {
                "x": math.log10(best),
                "y": 0.1,
                "xref": "x",
                "yref": "y",
                "text": "η*",
                "showarrow": False,
                "xanchor": "left",
            },
        ],
    }
    return {"data": data, "layout": layout}
