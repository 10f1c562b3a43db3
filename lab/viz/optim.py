"""Figures for the gradient-descent lab: animated contour paths, loss curves, the stability map."""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from lab import optim
from lab.format import format_number
from lab.viz.animation import Frame, animated_figure, slider_margin, title_margin
from lab.viz.colors import INK, ON_SHADING
from lab.viz.style import (
    NORMAL,
    TextSizes,
    bottom_margin,
    left_margin,
    legend_px,
    legend_rows,
    top_margin,
)

PATH_COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#9467bd"]
MAX_FRAMES = 120


@dataclass(frozen=True)
class LabelledPath:
    """A path with its legend label and colour."""

    label: str
    color: str
    points: optim.Trajectory


def _rounded(values: np.ndarray, scale: float) -> list:
    """Coordinates rounded to ~6 significant digits of the plot's scale (smaller JSON)."""
    decimals = max(0, 6 - math.ceil(math.log10(max(scale, 1e-12))))
    return np.round(np.asarray(values, dtype=float), decimals).tolist()


def plot_radius(paths: list[LabelledPath], start: np.ndarray) -> float:
    """Half-width of a view that holds the start point and every converging path."""
    radius = float(np.abs(start).max()) * 1.4 or 1.0
    for path in paths:
        if not path.points.diverged:
            radius = max(radius, float(np.abs(path.points).max()) * 1.1)
    return radius


def follow_divergence(radius: float, paths: list[LabelledPath], steps_shown: int = 6) -> float:
    """The view widened, where a path diverges, to show its first `steps_shown` steps away from
    the minimum (enough to see whether it zig-zags or runs straight), never less than `radius`."""
    for path in paths:
        if path.points.diverged:
            first = np.abs(np.asarray(path.points)[:steps_shown]).max()
            radius = max(radius, float(first) * 1.1)
    return radius


def _shading(A: np.ndarray, radius: float, pixels: int = 160) -> tuple[str, float]:
    """sqrt(L) over the view as a small PNG (a data URI): light at the minimum, darker blue
    outwards. A picture costs the browser one image; a heatmap trace is recomputed and redrawn on
    every rerun. Returns (the URI, the largest sqrt(L) in the view).

    Kept for the last few (A, view) pairs: a learning rate, a start or a step count changes the
    paths, not the bowl under them, and drawing it is half of this figure's cost (~6 ms)."""
    A = np.asarray(A, dtype=float)
    return _shading_for(A.tobytes(), A.shape, float(radius), int(pixels))


@lru_cache(maxsize=16)
def _shading_for(
    matrix: bytes, shape: tuple[int, ...], radius: float, pixels: int
) -> tuple[str, float]:
    import base64
    import io

    from PIL import Image

    A = np.frombuffer(matrix, dtype=float).reshape(shape)
    axis = np.linspace(-radius, radius, pixels)
    grid_w1, grid_w2 = np.meshgrid(axis, axis[::-1])  # image rows run from the top (w2 high)
    depth = np.sqrt(optim.loss(A, np.stack([grid_w1, grid_w2], axis=-1)))  # [P, P]
    top = float(depth.max()) or 1.0
    light, dark = np.array([247, 251, 255]), np.array([66, 110, 190])
    t = (depth / top)[..., None]
    rgb = np.rint(light + (dark - light) * t).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode(), top


def _level_sets(A: np.ndarray, top: float, radius: float, count: int = 17) -> tuple[list, list]:
    """Contour lines of L as exact ellipses, one polyline with gaps: L = c is the ellipse
    w = V (sqrt(2c / lambda_1) cos t, sqrt(2c / lambda_2) sin t), V the eigenvectors of A.

    Drawn as lines rather than a Plotly contour trace, which the browser recomputes on every
    redraw (about 130 ms here); levels are evenly spaced in sqrt(L), like the shading under them.
    """
    values, vectors = optim.eigen(A)
    angles = np.linspace(0, 2 * np.pi, 97)  # [T]
    xs, ys = [], []
    for root in np.linspace(0, top, count + 1)[1:]:  # sqrt(L) levels
        c = root**2
        local = np.stack(
            [
                np.sqrt(2 * c / values[0]) * np.cos(angles),
                np.sqrt(2 * c / values[1]) * np.sin(angles),
            ]
        )  # [2, T]
        points = vectors @ local  # [2, T]
        xs += _rounded(points[0], radius) + [None]
        ys += _rounded(points[1], radius) + [None]
    return xs, ys


def contour_figure(
    A: np.ndarray,
    paths: list[LabelledPath],
    radius: float,
    frame_ms: int = 80,
    on_top: int | None = None,
    sizes: TextSizes = NORMAL,
    width: float | None = None,
) -> dict:
    """L(w) contours with each path drawn step by step (frames, client-side) and the minimum
    starred. (A click on it picks a new start point: ui/plot_click.py reads the position.)

    Args:
        radius: the view is [-radius, radius] on both axes (the page keeps it while the start
            moves, so a click does not re-zoom).
        on_top: index of the path drawn last (above the others), e.g. eta*.
        width: about how wide the page draws the figure, px: the square plot's side and the
            legend's rows follow from it (default: a plot half of `sizes.width` wide).

    Returns:
        A figure dict for lab.viz.animation.PrebuiltFigure; data[0] is the contour lines (the
        shading is a layout image), then two traces per path (trail, current point) in drawing
        order, then the minimum.
    """
    shading, top = _shading(A, radius)
    level_x, level_y = _level_sets(A, top, radius)
    data: list[dict] = [
        {
            "type": "scatter",
            "mode": "lines",
            "x": level_x,
            "y": level_y,
            "line": {"color": "rgba(20, 30, 70, 0.45)", "width": 1},
            "hoverinfo": "skip",
            "showlegend": False,
        },
    ]
    longest = max(len(p.points) for p in paths)
    stride = max(1, math.ceil((longest - 1) / MAX_FRAMES))
    shown_steps = list(range(0, longest, stride))
    if shown_steps[-1] != longest - 1:
        shown_steps.append(longest - 1)
    order = list(range(len(paths)))
    if on_top is not None:
        order = [i for i in order if i != on_top] + [on_top]
    trails = {}
    for index in order:
        path = paths[index]
        trails[index] = len(data)
        line_width = 3 if index == on_top else 2
        data.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": path.label,
                "legendrank": index,
                "line": {"color": path.color, "width": line_width},
                "marker": {"size": 4 + (index == on_top), "color": path.color},
                "hoverinfo": "skip",
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
            "textfont": {"size": sizes.label, "color": ON_SHADING},
            "marker": {
                "symbol": "star",
                "size": 16,
                "color": "gold",
                "line": {"color": "black", "width": 1},
            },
            "name": "minimum, L = 0",
            "hoverinfo": "skip",
        }
    )
    frames = []
    for step in shown_steps:
        updates, traces, parts = [], [], []
        for index in order:
            path = paths[index]
            last = min(step, len(path.points) - 1)
            updates.append(
                {
                    "x": _rounded(path.points[: last + 1, 0], radius),
                    "y": _rounded(path.points[: last + 1, 1], radius),
                }
            )
            updates.append(
                {
                    "x": _rounded(path.points[last : last + 1, 0], radius),
                    "y": _rounded(path.points[last : last + 1, 1], radius),
                }
            )
            traces += [trails[index], trails[index] + 1]
        for path in paths:
            last = min(step, len(path.points) - 1)
            w = path.points[last]
            stopped = " (stopped)" if last < step else ""
            # Two short lines a path, the label with the loss, then w: at most ~34 characters, so
            # that they fit the figure in the page's 3/5 column down to a 1024 px laptop with the
            # sidebar open (~310 px; "label: w = (x, y)," was cut there; on one line the numbers
            # ran past the figure's edge at 1280 px).
            parts.append(
                f"{path.label}: L = {format_number(float(optim.loss(A, w)))}<br>"
                f"\u00a0\u00a0w = ({format_number(w[0])}, {format_number(w[1])}){stopped}"
            )
        title = f"iteration {step}<br>" + "<br>".join(parts)
        frames.append(Frame(str(step), title, updates, traces))
    lines = 1 + 2 * len(paths)
    top = title_margin(lines, sizes)
    axis_px = sizes.tick + sizes.label + 14  # tick labels and the w1 axis title
    left = left_margin(sizes, 3)
    plot_px = width - left - 10 if width else sizes.width / 2
    labels = [path.label for path in paths] + [data[-1]["name"]]
    rows = legend_rows(labels, sizes.tick, plot_px)
    bottom = slider_margin(sizes, axis_px, legend_rows=rows)
    layout = {
        # The plot is square: in the page's 3:2 column at 1280 px it is ~385 px wide, and a
        # taller plot area leaves blank between the axis and the slider.
        "height": round(min(520 * sizes.scale, plot_px)) + top + bottom,
        "margin": {"l": left, "r": 10, "t": top, "b": bottom},
        "xaxis": {
            "range": [-radius, radius],
            "title": {"text": "w1", "font": {"size": sizes.label}},
            "tickfont": {"size": sizes.tick},
            "constrain": "domain",
            "fixedrange": True,
        },
        "yaxis": {
            "range": [-radius, radius],
            "title": {"text": "w2", "font": {"size": sizes.label}},
            "tickfont": {"size": sizes.tick},
            "scaleanchor": "x",
            "constrain": "domain",
            "constraintoward": "top",
            "fixedrange": True,
        },
        "dragmode": False,  # a click picks the start; "Reset the view" replaces panning
        "images": [
            {
                "source": shading,
                "xref": "x",
                "yref": "y",
                "x": -radius,
                "y": radius,
                "sizex": 2 * radius,
                "sizey": 2 * radius,
                "sizing": "stretch",
                "layer": "below",
            }
        ],
    }
    return animated_figure(
        data,
        layout,
        frames,
        len(frames) - 1,
        frame_ms=frame_ms,
        redraw=False,
        prefix="iteration ",
        sizes=sizes,
        axis_px=axis_px,
        legend_rows=rows,
    )


def _positive(values: np.ndarray) -> list:
    """Values for a log axis: exact zeros (a coordinate solved in one step) become gaps."""
    return [float(v) if v > 0 else None for v in np.asarray(values, dtype=float)]


def curves_figure(
    A: np.ndarray, paths: list[LabelledPath], sizes: TextSizes = NORMAL, width: float | None = None
) -> dict:
    """Loss per iteration and each eigen-coordinate's distance to the minimum, on log axes.

    A figure dict (lab.viz.animation.PrebuiltFigure): built directly, as plotly's make_subplots and
    validation cost more than the page's whole budget for a control change. Each panel's name is
    its y-axis title, so the two never collide however narrow the page.
    """
    _, vectors = optim.eigen(A)
    data = []
    for path in paths:
        steps = list(range(len(path.points)))
        data.append(
            {
                "type": "scatter",
                "x": steps,
                "y": _positive(optim.loss(A, path.points)),
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
    font = {"size": sizes.label}
    ticks = {"tickfont": {"size": sizes.tick}}
    # Two to a row by default; compare mode's three labels take up to three legend rows.
    plot_px = (width or (sizes.width - 16) / 2) - 2 * left_margin(sizes, 4) - 6
    rows = max(1, legend_rows([path.label for path in paths], sizes.label, plot_px))
    layout = {
        "height": round(340 * sizes.scale) + legend_px(sizes, rows) - legend_px(sizes),
        # The right panel's axis is on its right: between the panels its tick labels and title
        # ran into the left panel's plot in a half-width column (seen in Chromium, both sizes).
        "margin": {
            "l": left_margin(sizes, 4),
            "r": left_margin(sizes, 4) + 6,  # "10⁻¹⁵" on the right is a little wider
            "t": top_margin(sizes) + 4 + legend_px(sizes, rows) - legend_px(sizes),
            "b": bottom_margin(sizes),
        },
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": font},
        "xaxis": {"domain": [0, 0.46], "title": {"text": "iteration t", "font": font}, **ticks},
        "yaxis": {
            "type": "log",
            "exponentformat": "power",
            "title": {"text": "loss L(w_t)", "font": font},
            **ticks,
        },
        "xaxis2": {
            "domain": [0.54, 1],
            "anchor": "y2",
            "title": {"text": "iteration t", "font": font},
            **ticks,
        },
        "yaxis2": {
            "type": "log",
            "exponentformat": "power",
            "anchor": "x2",
            "side": "right",
            "title": {"text": "|coordinate| (solid: dir. 1, dotted: 2)", "font": font},
            **ticks,
        },
    }
    return {"data": data, "layout": layout}


def _room_for_label(
    x: float, side: str, text: str, bounds: tuple[float, float], sizes: TextSizes
) -> tuple[float, float]:
    """Log-axis bounds widened so that `text`, written at `x` to its `side` ("left" of the line:
    xanchor right), fits inside the plot. The plot is taken as half the figure width less its
    margins (the stability map shares its row), which is narrower than it is at 1280 px."""
    low, high = bounds
    share = len(text) * 0.6 * sizes.label / max(sizes.width / 2 - 80, 1)  # of the plot width
    decades = math.log10(high / low)
    room = math.log10(x / low) if side == "left" else math.log10(high / x)
    extra = max(0.0, (share * decades - room) / (1 - share)) if share < 1 else 0.0
    if extra > 0:
        extra += 0.05
        if side == "left":
            low /= 10**extra
        else:
            high *= 10**extra
    return low, high


def stability_figure(A: np.ndarray, learning_rate: float, sizes: TextSizes = NORMAL) -> dict:
    """The stability map: |1 - eta lambda_i| against eta (log axis), the stable band shaded, 1 marked,
    the current eta and eta* drawn. A figure dict, as `curves_figure`."""
    values, _ = optim.eigen(A)
    limit = optim.largest_stable_learning_rate(A)
    best = optim.optimal_learning_rate(A)
    eta_text = f"η = {learning_rate:.4g}"
    # The learning rate's label is written on the side of its line away from the eta* line
    # (written across it, it could not be read), with the axis widened to fit it there.
    side = "left" if learning_rate <= best else "right"
    low, high = _room_for_label(
        learning_rate,
        side,
        eta_text,
        (min(limit / 200, learning_rate / 2), max(limit * 3, learning_rate * 1.5)),
        sizes,
    )
    etas = np.union1d(
        np.geomspace(low, high, 400), [2 / v for v in values] + [1 / v for v in values]
    )
    data = [
        {
            "type": "scatter",
            "x": etas.tolist(),
            "y": np.abs(1 - etas * curvature).tolist(),
            "name": f"|1 - η·λ{index + 1}|, λ{index + 1} = {curvature:.4g}",
            "line": {"dash": dash, "color": INK},
        }
        for index, (curvature, dash) in enumerate(zip(values, ("solid", "dot"), strict=True))
    ]
    line = {"xref": "x", "yref": "paper", "y0": 0, "y1": 1, "type": "line"}
    font = {"size": sizes.label}
    layout = {
        "height": round(340 * sizes.scale),
        "margin": {
            "l": left_margin(sizes, 4),
            "r": 10,
            "t": top_margin(sizes),
            "b": bottom_margin(sizes),
        },
        "legend": {"orientation": "h", "x": 0, "y": 1.0, "yanchor": "bottom", "font": font},
        "xaxis": {
            "type": "log",
            "title": {"text": "learning rate η", "font": font},
            "range": [math.log10(low), math.log10(high)],
            "tickfont": {"size": sizes.tick},
        },
        "yaxis": {
            "title": {"text": "per-direction factor |1 - ηλ|", "font": font},
            "range": [0, 2.5],
            "tickfont": {"size": sizes.tick},
        },
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
                "line": {"color": INK, "width": 2},
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
                "text": eta_text,
                "showarrow": False,
                "xanchor": "right" if side == "left" else "left",
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
    for annotation in layout["annotations"]:
        annotation["font"] = font
    return {"data": data, "layout": layout}
