"""A client-side stepper figure: input | middle panel | output, one Plotly frame per step.

Scrubbing and play run in the browser (Plotly frames and slider), so dragging through hundreds of
steps costs no Streamlit rerun. Figures are built as plain dicts: validating hundreds of frames
through plotly.graph_objects would cost more than the maths.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import plotly.graph_objects as go

from lab.format import format_number
from lab.viz.colors import DIVERGING_SCALE

INPUT_SCALE = [[0, "#f7fbff"], [1, "#6baed6"]]
OUTPUT_SCALE = [[0, "#fff7ec"], [1, "#fdae6b"]]
WINDOW = "#e6550d"
CURRENT = "#d62728"


@dataclass(frozen=True)
class StepFrame:
    """What one step shows.

    Attributes:
        taps: per input panel, (rows, cols) arrays of the highlighted cells (same length).
        middle: np.ndarray[P, mh, mw] values of the middle panel(s), one per input panel.
        middle_text: texts written in the middle cells, same shape as `middle`.
        out_box: (row0, col0, row1, col1) inclusive output cells to outline.
        title: the formula shown above the figure for this step.
        computed: output cells (raster order) already computed, or None to show all.
        output: this step's output values (when they change from step to step), else None.
    """

    taps: list[tuple[np.ndarray, np.ndarray]]
    middle: np.ndarray
    middle_text: np.ndarray
    out_box: tuple[int, int, int, int]
    title: str
    computed: int | None = None
    output: np.ndarray | None = None


def _cell_text(values: np.ndarray) -> list[list[str]]:
    return [[format_number(v) for v in row] for row in values]


def _rect(x0: float, y0: float, x1: float, y1: float, axis: str, **style) -> dict:
    return {
        "type": "rect",
        "xref": f"x{axis}",
        "yref": f"y{axis}",
        "x0": x0 - 0.5,
        "y0": y0 - 0.5,
        "x1": x1 + 0.5,
        "y1": y1 + 0.5,
        **style,
    }


def _cover(computed: int | None, shape: tuple[int, int], axis: str) -> list[dict]:
    """White veils over output cells not yet computed (the rest of the row, then all rows below).

    Always two shapes, unused ones invisible: Plotly merges a frame's shapes into the current ones
    index by index, so every frame must carry the same number of shapes.
    """
    if computed is None:
        return []
    rows, cols = shape
    done_rows, done_cols = divmod(computed, cols)
    veil = {"fillcolor": "rgba(255,255,255,0.93)", "line": {"width": 0}, "layer": "above"}
    row_rest = _rect(0, 0, 0, 0, axis, visible=False, **veil)
    below = _rect(0, 0, 0, 0, axis, visible=False, **veil)
    if done_rows < rows and done_cols:
        row_rest = _rect(done_cols, done_rows, cols - 1, done_rows, axis, visible=True, **veil)
        done_rows += 1
    if done_rows < rows:
        below = _rect(0, done_rows, cols - 1, rows - 1, axis, visible=True, **veil)
    return [row_rest, below]


def _grid_axes(axis: str, x_domain: list[float], y_domain: list[float]) -> dict:
    """An x/y axis pair for a grid panel: integer ticks, row 0 at the top, square cells."""
    suffix = "" if axis == "1" else axis
    common = {
        "showgrid": False,
        "zeroline": False,
        "tickfont": {"size": 9},
        "constrain": "domain",
        "dtick": 1,
    }
    return {
        f"xaxis{suffix}": {"domain": x_domain, "anchor": f"y{axis}", "side": "top", **common},
        f"yaxis{suffix}": {
            "domain": y_domain,
            "anchor": f"x{axis}",
            "autorange": "reversed",
            "scaleanchor": f"x{axis}",
            **common,
        },
    }


def stepper_figure(
    inputs: np.ndarray,
    input_names: list[str],
    middle_name: str,
    output: np.ndarray,
    output_name: str,
    frames: list[StepFrame],
    start: int = 0,
    frame_ms: int = 400,
    static_shapes: list[dict] | None = None,
    signed_middle: bool = True,
) -> dict:
    """Build the figure dict: P rows of (input, middle) panels and one output panel on the right.

    Args:
        inputs: np.ndarray[P, H, W] the input panels (padded input channels, say).
        input_names, middle_name, output_name: panel titles.
        output: np.ndarray[oh, ow] the final output.
        frames: one `StepFrame` per step.
        start: the step shown first (and where the slider starts).
        frame_ms: milliseconds per step when playing.
        static_shapes: shapes drawn in every frame (padding bands, say); axis ids "1".."2P+1"
            number the panels as input/middle pairs row by row, then the output.
    """
    panels = inputs.shape[0]
    start = int(np.clip(start, 0, len(frames) - 1))
    out_axis = str(2 * panels + 1)
    gap = 0.06
    row_height = (1 - gap * (panels - 1)) / panels
    layout: dict = {
        "height": max(360, 300 * panels),
        # Room above the panels for the longest formula (one line per channel, wrapped terms).
        "margin": {
            "l": 10,
            "r": 10,
            "t": 60 + 17 * max((f.title.count("<br>") for f in frames), default=2),
            "b": 10,
        },
        "showlegend": False,
        "plot_bgcolor": "white",
        "annotations": [],
    }
    data: list[dict] = []
    tap_traces, middle_traces = [], []
    all_middle = (
        np.concatenate([np.abs(f.middle).ravel() for f in frames]) if frames else np.ones(1)
    )
    middle_limit = float(all_middle.max()) or 1.0
    input_low, input_high = float(inputs.min()), float(inputs.max())
    for p in range(panels):
        top = 1 - p * (row_height + gap)
        domain_y = [max(0.0, top - row_height), top]
        for column, (x_domain, name) in enumerate(
            (([0.0, 0.42], input_names[p]), ([0.47, 0.68], f"{middle_name}")), start=0
        ):
            axis = str(2 * p + column + 1)
            layout.update(_grid_axes(axis, x_domain, domain_y))
            layout["annotations"].append(
                {
                    "text": f"<b>{name}</b>",
                    "xref": "paper",
                    "yref": "paper",
                    "x": sum(x_domain) / 2,
                    "y": domain_y[1] + 0.005,
                    "yanchor": "bottom",
                    "showarrow": False,
                    "yshift": 24,
                }
            )
        data.append(
            {
                "type": "heatmap",
                "z": inputs[p].tolist(),
                "text": _cell_text(inputs[p]),
                "texttemplate": "%{text}",
                "colorscale": INPUT_SCALE,
                "zmin": input_low,
                "zmax": input_high if input_high > input_low else input_low + 1,
                "showscale": False,
                "xgap": 1,
                "ygap": 1,
                "xaxis": f"x{2 * p + 1 if p else ''}",
                "yaxis": f"y{2 * p + 1 if p else ''}",
                "hovertemplate": "row %{y}, col %{x}: %{z}<extra></extra>",
            }
        )
        tap_traces.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [],
                "y": [],
                "hoverinfo": "skip",
                "marker": {
                    "symbol": "square-open",
                    "size": 22 if inputs.shape[-1] <= 12 else 12,
                    "color": WINDOW,
                    "line": {"width": 3},
                },
                "xaxis": f"x{2 * p + 1 if p else ''}",
                "yaxis": f"y{2 * p + 1 if p else ''}",
            }
        )
        middle_traces.append(len(data))
        data.append(
            {
                "type": "heatmap",
                "z": [],
                "text": [],
                "texttemplate": "%{text}",
                "colorscale": DIVERGING_SCALE if signed_middle else OUTPUT_SCALE,
                "zmin": -middle_limit if signed_middle else 0,
                "zmax": middle_limit,
                "zmid": 0 if signed_middle else None,
                "showscale": False,
                "xgap": 2,
                "ygap": 2,
                "xaxis": f"x{2 * p + 2}",
                "yaxis": f"y{2 * p + 2}",
                "hoverinfo": "skip",
                "textfont": {"size": 11},
            }
        )
    layout.update(_grid_axes(out_axis, [0.73, 1.0], [max(0.0, 1 - row_height), 1.0]))
    layout["annotations"].append(
        {
            "text": f"<b>{output_name}</b>",
            "xref": "paper",
            "yref": "paper",
            "x": 0.865,
            "y": 1.0,
            "yanchor": "bottom",
            "showarrow": False,
            "yshift": 24,
        }
    )
    output_trace = len(data)
    out_low, out_high = float(output.min()), float(output.max())
    data.append(
        {
            "type": "heatmap",
            "z": output.tolist(),
            "text": _cell_text(output),
            "texttemplate": "%{text}",
            "colorscale": OUTPUT_SCALE,
            "zmin": out_low,
            "zmax": out_high if out_high > out_low else out_low + 1,
            "showscale": False,
            "xgap": 1,
            "ygap": 1,
            "xaxis": f"x{out_axis}",
            "yaxis": f"y{out_axis}",
            "hovertemplate": "output row %{y}, col %{x}: %{z}<extra></extra>",
        }
    )
    statics = list(static_shapes or [])

    def frame_dict(index: int, frame: StepFrame) -> dict:
        frame_data, traces = [], []
        for p in range(panels):
            rows, cols = frame.taps[p]
            frame_data.append(
                {"type": "scatter", "x": np.asarray(cols).tolist(), "y": np.asarray(rows).tolist()}
            )
            traces.append(tap_traces[p])
            frame_data.append(
                {
                    "type": "heatmap",
                    "z": frame.middle[p].tolist(),
                    "text": frame.middle_text[p].tolist(),
                }
            )
            traces.append(middle_traces[p])
        if frame.output is not None:
            frame_data.append(
                {"type": "heatmap", "z": frame.output.tolist(), "text": _cell_text(frame.output)}
            )
            traces.append(output_trace)
        r0, c0, r1, c1 = frame.out_box
        shapes = (
            statics
            + _cover(frame.computed, output.shape, out_axis)
            + [_rect(c0, r0, c1, r1, out_axis, line={"color": CURRENT, "width": 4}, layer="above")]
        )
        for p in range(panels):
            rows, cols = frame.taps[p]
            if len(rows):
                shapes.append(
                    _rect(
                        min(cols),
                        min(rows),
                        max(cols),
                        max(rows),
                        str(2 * p + 1),
                        line={"color": WINDOW, "width": 2, "dash": "dot"},
                        layer="above",
                    )
                )
        return {
            "name": str(index),
            "data": frame_data,
            "traces": traces,
            "layout": {"shapes": shapes, "title": {"text": frame.title}},
        }

    frame_dicts = [frame_dict(i, f) for i, f in enumerate(frames)]
    first = frame_dicts[start]
    for trace_data, trace_index in zip(first["data"], first["traces"], strict=True):
        data[trace_index].update(trace_data)
    layout["shapes"] = first["layout"]["shapes"]
    layout["title"] = {
        "text": first["layout"]["title"]["text"],
        "x": 0.01,
        "y": 0.985,
        "yanchor": "top",
        "font": {"family": "monospace", "size": 13},
    }
    layout.update(
        player_controls(
            [str(i) for i in range(len(frames))],
            [str(i + 1) for i in range(len(frames))],
            start,
            frame_ms,
        )
    )
    layout["margin"]["b"] = 90
    layout["height"] += 80
    return {"data": data, "layout": layout, "frames": frame_dicts}


def player_controls(
    names: list[str],
    labels: list[str],
    active: int,
    frame_ms: int,
    redraw: bool = True,
    y: float = -0.02,
    prefix: str = "step ",
    from_start: bool = False,
) -> dict:
    """Play / pause buttons and a scrubbing slider over a figure's frames (all client-side).

    Args:
        names, labels: the frames' names and the slider's labels for them.
        active: the frame the slider starts on.
        redraw: False is smoother but only safe when frames change scatter traces alone.
        from_start: Play runs through every frame from the first (else from the current one).

    Returns:
        {"updatemenus": [...], "sliders": [...]} to merge into a layout.
    """
    animate = {"mode": "immediate", "transition": {"duration": 0}}
    play_frames = list(names) if from_start else None
    play = {**animate, "frame": {"duration": frame_ms, "redraw": redraw}}
    if not from_start:
        play["fromcurrent"] = True
    buttons = [
        {"label": "▶ Play", "method": "animate", "args": [play_frames, play]},
        {
            "label": "❚❚ Pause",
            "method": "animate",
            "args": [[None], {**animate, "frame": {"duration": 0, "redraw": False}}],
        },
    ]
    steps = [
        {
            "label": label,
            "method": "animate",
            "args": [[name], {**animate, "frame": {"duration": 0, "redraw": redraw}}],
        }
        for name, label in zip(names, labels, strict=True)
    ]
    return {
        "updatemenus": [
            {
                "type": "buttons",
                "direction": "left",
                "x": 0.0,
                "y": y,
                "xanchor": "left",
                "yanchor": "top",
                "pad": {"t": 10},
                "buttons": buttons,
            }
        ],
        "sliders": [
            {
                "active": active,
                "x": 0.17,
                "len": 0.83,
                "y": y,
                "yanchor": "top",
                "pad": {"t": 10},
                "currentvalue": {"prefix": prefix, "font": {"size": 13}},
                "steps": steps,
            }
        ],
    }


def padding_bands(
    padded_shape: tuple[int, int], padding: tuple[int, int, int, int], axis: str
) -> list[dict]:
    """Grey bands over the zero padding of an input panel."""
    height, width = padded_shape
    top, bottom, left, right = padding
    style = {"fillcolor": "rgba(120,120,120,0.25)", "line": {"width": 0}, "layer": "above"}
    bands = []
    if top:
        bands.append(_rect(0, 0, width - 1, top - 1, axis, **style))
    if bottom:
        bands.append(_rect(0, height - bottom, width - 1, height - 1, axis, **style))
    if left:
        bands.append(_rect(0, top, left - 1, height - bottom - 1, axis, **style))
    if right:
        bands.append(_rect(width - right, top, width - 1, height - bottom - 1, axis, **style))
    return bands


class PrebuiltFigure(go.Figure):
    """A figure dict built (and schema-checked in the tests) by hand, handed to st.plotly_chart as is.

    st.plotly_chart validates plain dicts through plotly.graph_objects, which takes over a second for
    hundreds of frames; a Figure instance is trusted and serialised with `to_dict()`.
    """

    def __init__(self, spec: dict) -> None:
        super().__init__()
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec
