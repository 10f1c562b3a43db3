"""The grid stepper figure: input | middle | output, one animation frame per step.

Every panel shares one pair of axes in grid units, so a cell of the input, of the output and of
every channel has the same size on screen (the middle panel's cells are `zoom` units wide, to hold
a product such as "(-2)×9 = -18"). Row and column numbers are written along each panel's edges.
The frames are built by `lab.viz.animation.animated_figure`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lab.format import format_number
from lab.viz.animation import Frame, animated_figure, slider_margin, title_margin
from lab.viz.colors import DIVERGING_SCALE
from lab.viz.style import NORMAL, TextSizes

INPUT_SCALE = [[0, "#f7fbff"], [1, "#6baed6"]]
OUTPUT_SCALE = [[0, "#fff7ec"], [1, "#fdae6b"]]
WINDOW = "#e6550d"
CURRENT = "#d62728"
GAP = 2.0
"""Grid units between panels (room for their row numbers)."""


@dataclass(frozen=True)
class StepFrame:
    """What one step shows.

    Attributes:
        taps: per input panel, (rows, cols) arrays of the highlighted cells (same length).
        middle: np.ndarray[P, mh, mw] values of the middle panel(s), one per input panel.
        middle_text: texts written in the middle cells, same shape as `middle`.
        out_box: (row0, col0, row1, col1) inclusive output cells to outline.
        title: the formula shown above the figure for this step (lines joined by <br>).
        label: the slider's label for this step.
        computed: output cells (raster order) already computed, or None to show all.
        output: this step's output values (when they change from step to step), else None.
    """

    taps: list[tuple[np.ndarray, np.ndarray]]
    middle: np.ndarray
    middle_text: np.ndarray
    out_box: tuple[int, int, int, int]
    title: str
    label: str
    computed: int | None = None
    output: np.ndarray | None = None


@dataclass(frozen=True)
class _Grid:
    """Where a panel sits: its top-left cell centre (x0, y0) and its cell size, in grid units."""

    x0: float
    y0: float
    cell: float
    rows: int
    cols: int

    def rect(self, r0: float, c0: float, r1: float, c1: float, **style) -> dict:
        """A rectangle around cells r0..r1, c0..c1 (inclusive) of this panel."""
        half = self.cell / 2
        return {
            "type": "rect",
            "xref": "x",
            "yref": "y",
            "x0": self.x0 + c0 * self.cell - half,
            "x1": self.x0 + c1 * self.cell + half,
            "y0": self.y0 + r0 * self.cell - half,
            "y1": self.y0 + r1 * self.cell + half,
            **style,
        }

    def x(self, cols: np.ndarray) -> list:
        return (self.x0 + np.asarray(cols, dtype=float) * self.cell).tolist()

    def y(self, rows: np.ndarray) -> list:
        return (self.y0 + np.asarray(rows, dtype=float) * self.cell).tolist()


def _texts(values: np.ndarray) -> list[list[str]]:
    return [[format_number(v) for v in row] for row in values]


def _longest(texts) -> int:
    return max(
        (len(line) for row in texts for t in row for line in str(t).split("<br>")), default=1
    )


def _heatmap(grid: _Grid, values, texts, scale, zmin, zmax, font: int, **extra) -> dict:
    trace = {
        "type": "heatmap",
        "z": np.asarray(values, dtype=float).tolist(),
        "x0": grid.x0,
        "dx": grid.cell,
        "y0": grid.y0,
        "dy": grid.cell,
        "colorscale": scale,
        "zmin": zmin,
        "zmax": zmax if zmax > zmin else zmin + 1,
        "showscale": False,
        "xgap": 1,
        "ygap": 1,
        "hoverinfo": "skip",
        **extra,
    }
    if font:
        trace.update({"text": texts, "texttemplate": "%{text}", "textfont": {"size": font}})
    return trace


def _indices(grid: _Grid, font: int, unit_px: float) -> dict:
    """Row numbers left of a panel and column numbers above it, as one text trace, thinned out
    to every 2nd or 5th when two-digit numbers would touch."""
    label_px = (2 if max(grid.rows, grid.cols) > 10 else 1) * 0.62 * font + 3
    every = next(n for n in (1, 2, 5, 10) if n * grid.cell * unit_px >= label_px or n == 10)
    cols, rows = np.arange(grid.cols)[::every], np.arange(grid.rows)[::every]
    return {
        "type": "scatter",
        "mode": "text",
        "x": grid.x(cols) + [grid.x0 - 0.85 * grid.cell] * len(rows),
        "y": [grid.y0 - 0.85 * grid.cell] * len(cols) + grid.y(rows),
        "text": [str(c) for c in cols] + [str(r) for r in rows],
        "textfont": {"size": font, "color": "#888"},
        "hoverinfo": "skip",
        "showlegend": False,
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
    input_bands: list[tuple[int, int, int, int]] | None = None,
    output_outline: tuple[int, int, int, int] | None = None,
    signed_middle: bool = True,
    sizes: TextSizes = NORMAL,
) -> dict:
    """Build the figure dict: P rows of (input, middle) panels and one output panel on the right.

    Args:
        inputs: np.ndarray[P, H, W] the input panels (padded input channels, say).
        input_names, middle_name, output_name: panel titles.
        output: np.ndarray[oh, ow] the final output.
        frames: one `StepFrame` per step.
        start: the step shown first (and where the slider starts).
        frame_ms: milliseconds per step when playing.
        input_bands: (row0, col0, row1, col1) cell ranges shaded on every input panel (padding).
        output_outline: a cell range outlined on the output (the cells a transposed convolution
            keeps).
        signed_middle: the middle panel on the diverging scale (products) or a plain one.
        sizes: font sizes.
    """
    panels, height, width = inputs.shape
    mid_rows, mid_cols = frames[0].middle.shape[1:]
    mid_texts = [frame.middle_text for frame in frames]
    product_chars = _longest(mid_texts[0][0]) if frames else 4
    # The middle cells are `zoom` grid units wide: wide enough for a product at a readable size.
    # A grid unit in px: the plot area (the figure less its 10 px side margins) over the x range.
    for zoom in (1, 2, 3, 4):
        units = width + GAP + mid_cols * zoom + GAP + output.shape[1] + 1.5
        unit_px = (sizes.width - 20) / units
        if sizes.cell_for(zoom * unit_px, product_chars) >= min(sizes.cell, 12):
            break
    row_height = max(height, mid_rows * zoom)
    inputs_grid = [
        _Grid(1.0, 1.0 + p * (row_height + GAP), 1.0, height, width) for p in range(panels)
    ]
    middle_grid = [
        _Grid(
            1.0 + width + GAP + (zoom - 1) / 2,
            grid.y0 + (zoom - 1) / 2,
            float(zoom),
            mid_rows,
            mid_cols,
        )
        for grid in inputs_grid
    ]
    out_grid = _Grid(1.0 + width + GAP + mid_cols * zoom + GAP, 1.0, 1.0, *output.shape)
    x_high = out_grid.x0 + output.shape[1] - 0.5
    y_high = 1.0 + panels * row_height + (panels - 1) * GAP - 0.5
    cell_font = sizes.cell_for(unit_px, _longest(_texts(inputs.reshape(-1, width))))
    out_font = sizes.cell_for(unit_px, _longest(_texts(output)))
    mid_font = sizes.cell_for(zoom * unit_px, product_chars)
    if mid_font and 2.6 * mid_font > zoom * unit_px:  # two lines of text must fit the height too
        mid_font = 0
    index_font = min(sizes.tick, max(0, int(unit_px * 0.7)))

    data: list[dict] = []
    annotations = []
    input_low, input_high = float(inputs.min()), float(inputs.max())
    middle_limit = max(float(np.abs(f.middle).max()) for f in frames) or 1.0
    tap_traces, middle_traces = [], []
    for p in range(panels):
        data.append(
            _heatmap(
                inputs_grid[p],
                inputs[p],
                _texts(inputs[p]),
                INPUT_SCALE,
                input_low,
                input_high,
                cell_font,
            )
        )
        tap_traces.append(len(data))
        data.append(
            {
                "type": "scatter",
                "mode": "markers",
                "x": [],
                "y": [],
                "hoverinfo": "skip",
                "showlegend": False,
                "marker": {
                    "symbol": "square-open",
                    "size": max(4, unit_px * 0.8),
                    "color": WINDOW,
                    "line": {"width": 3},
                },
            }
        )
        middle_traces.append(len(data))
        data.append(
            _heatmap(
                middle_grid[p],
                np.zeros((mid_rows, mid_cols)),
                [[""] * mid_cols] * mid_rows,
                DIVERGING_SCALE if signed_middle else OUTPUT_SCALE,
                -middle_limit if signed_middle else 0.0,
                middle_limit,
                mid_font,
            )
        )
        if index_font >= 8:
            data.append(_indices(inputs_grid[p], index_font, unit_px))
        for grid, name in ((inputs_grid[p], input_names[p]), (middle_grid[p], middle_name)):
            annotations.append(
                {
                    "text": f"<b>{name}</b>",
                    "x": grid.x0 - grid.cell / 2,
                    "y": grid.y0 - grid.cell / 2 - (1.3 if index_font >= 8 else 0.2),
                    "xref": "x",
                    "yref": "y",
                    "xanchor": "left",
                    "yanchor": "bottom",
                    "showarrow": False,
                    "font": {"size": sizes.label},
                }
            )
    output_trace = len(data)
    data.append(
        _heatmap(
            out_grid,
            output,
            _texts(output),
            OUTPUT_SCALE,
            float(output.min()),
            float(output.max()),
            out_font,
            hovertemplate="output row %{y}, col %{x}<extra></extra>",
        )
    )
    if index_font >= 8:
        data.append(_indices(out_grid, index_font, unit_px))
    annotations.append(
        {
            "text": f"<b>{output_name}</b>",
            "x": out_grid.x0 - 0.5,
            "y": out_grid.y0 - 0.5 - (1.3 if index_font >= 8 else 0.2),
            "xref": "x",
            "yref": "y",
            "xanchor": "left",
            "yanchor": "bottom",
            "showarrow": False,
            "font": {"size": sizes.label},
        }
    )
    band_style = {"fillcolor": "rgba(120,120,120,0.25)", "line": {"width": 0}, "layer": "above"}
    statics = [
        grid.rect(*band, **band_style) for grid in inputs_grid for band in (input_bands or [])
    ]
    if output_outline is not None:
        statics.append(
            out_grid.rect(
                *output_outline, line={"color": "black", "width": 3, "dash": "dash"}, layer="above"
            )
        )

    def frame_of(frame: StepFrame) -> Frame:
        updates, traces = [], []
        for p in range(panels):
            rows, cols = frame.taps[p]
            updates.append({"x": inputs_grid[p].x(cols), "y": inputs_grid[p].y(rows)})
            traces.append(tap_traces[p])
            middle = {"z": np.asarray(frame.middle[p], dtype=float).tolist()}
            if mid_font:
                middle["text"] = np.asarray(frame.middle_text[p]).tolist()
            updates.append(middle)
            traces.append(middle_traces[p])
        if frame.output is not None:
            update = {"z": frame.output.tolist()}
            if out_font:
                update["text"] = _texts(frame.output)
            updates.append(update)
            traces.append(output_trace)
        r0, c0, r1, c1 = frame.out_box
        shapes = (
            statics
            + _veils(frame.computed, out_grid)
            + [out_grid.rect(r0, c0, r1, c1, line={"color": CURRENT, "width": 4}, layer="above")]
        )
        for p in range(panels):
            rows, cols = frame.taps[p]
            outline = {"line": {"color": WINDOW, "width": 2, "dash": "dot"}, "layer": "above"}
            if len(rows):
                shapes.append(
                    inputs_grid[p].rect(min(rows), min(cols), max(rows), max(cols), **outline)
                )
            else:
                shapes.append(inputs_grid[p].rect(0, 0, 0, 0, visible=False, **outline))
        return Frame(frame.label, frame.title, updates, traces, shapes)

    lines = max(f.title.count("<br>") + 1 for f in frames)
    top = title_margin(lines, sizes) + 10
    bottom = slider_margin(sizes)
    y_units = y_high + 0.5 + 1.5  # the y range below
    layout = {
        "height": round(top + bottom + y_units * unit_px) + 2,
        "margin": {"l": 10, "r": 10, "t": top, "b": bottom},
        "showlegend": False,
        "plot_bgcolor": "rgba(0,0,0,0)",
        "annotations": annotations,
        "xaxis": {
            "range": [-0.5, x_high + 0.5],
            "visible": False,
            "constrain": "domain",
            "constraintoward": "left",
            "fixedrange": True,
        },
        "yaxis": {
            "range": [y_high + 0.5, -1.5],
            "visible": False,
            "scaleanchor": "x",
            "constrain": "domain",
            "constraintoward": "top",
            "fixedrange": True,
        },
    }
    return animated_figure(
        data,
        layout,
        [frame_of(frame) for frame in frames],
        start,
        frame_ms=frame_ms,
        sizes=sizes,
    )


def _veils(computed: int | None, grid: _Grid) -> list[dict]:
    """White veils over output cells not yet computed (the rest of the row, then all rows below).

    Always two shapes, unused ones invisible: Plotly merges a frame's shapes into the current ones
    index by index, so every frame must carry the same number of shapes.
    """
    veil = {"fillcolor": "rgba(255,255,255,0.93)", "line": {"width": 0}, "layer": "above"}
    row_rest = grid.rect(0, 0, 0, 0, visible=False, **veil)
    below = grid.rect(0, 0, 0, 0, visible=False, **veil)
    if computed is None:
        return [row_rest, below]
    done_rows, done_cols = divmod(computed, grid.cols)
    if done_rows < grid.rows and done_cols:
        row_rest = grid.rect(done_rows, done_cols, done_rows, grid.cols - 1, visible=True, **veil)
        done_rows += 1
    if done_rows < grid.rows:
        below = grid.rect(done_rows, 0, grid.rows - 1, grid.cols - 1, visible=True, **veil)
    return [row_rest, below]


def padding_bands(
    padded_shape: tuple[int, int], padding: tuple[int, int, int, int]
) -> list[tuple[int, int, int, int]]:
    """The cell ranges (row0, col0, row1, col1) of an input panel that are zero padding."""
    height, width = padded_shape
    top, bottom, left, right = padding
    bands = []
    if top:
        bands.append((0, 0, top - 1, width - 1))
    if bottom:
        bands.append((height - bottom, 0, height - 1, width - 1))
    if left:
        bands.append((top, 0, height - bottom - 1, left - 1))
    if right:
        bands.append((top, width - right, height - bottom - 1, width - 1))
    return bands
