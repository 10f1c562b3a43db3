"""Stepper figures for convolution, pooling and transposed convolution, and the matrix C.

Each function only draws: it takes the steps that `lab.convolution` yielded (the same steps the
result is assembled from) and turns them into frames.
"""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab import convolution as conv
from lab.format import format_factor, format_number
from lab.viz.colors import DIVERGING_SCALE
from lab.viz.stepper import StepFrame, padding_bands, stepper_figure
from lab.viz.style import NORMAL, TextSizes

TERMS_PER_LINE = 9


def _taps(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(rows, len(cols)), np.tile(cols, len(rows))


def wrap_title(heading: str, formula: str, per_line: int = TERMS_PER_LINE) -> str:
    """A heading line, then a long 'a*b + c*d + ... = v' formula broken into lines of `per_line`
    terms, for a Plotly title (lines joined by <br>)."""
    lines = []
    for line in formula.split("\n"):
        terms = line.split(" + ")
        chunks = [" + ".join(terms[i : i + per_line]) for i in range(0, len(terms), per_line)]
        lines.append(" +<br>   ".join(chunks))
    return heading + "<br>" + "<br>".join(lines)


def _products_text(weights: np.ndarray, values: np.ndarray, products: np.ndarray) -> np.ndarray:
    text = np.empty(products.shape, dtype=object)
    for index in np.ndindex(*products.shape):
        text[index] = (
            f"{format_factor(weights[index])}×{format_factor(values[index])}"
            f"<br>= {format_number(products[index])}"
        )
    return text


def conv_figure(
    x: np.ndarray,
    steps: list[conv.ConvStep],
    geo: conv.Geometry,
    output: np.ndarray,
    output_name: str,
    channel_names: tuple[str, ...] | None = None,
    start: int = 0,
    frame_ms: int = 400,
    sizes: TextSizes = NORMAL,
) -> dict:
    """The convolution stepper for the steps of one filter.

    Args:
        x: np.ndarray[C, H, W] the input volume (unpadded).
        steps: that filter's `ConvStep`s, in raster order.
        geo: their geometry; output: np.ndarray[out_h, out_w] that filter's map.
        channel_names: labels of the channels ("R", "G", "B") when C > 1.
    """
    channels = x.shape[0]
    names = channel_names or tuple(f"channel {c}" for c in range(channels))
    frames = []
    for n, step in enumerate(steps):
        heading = f"step {n + 1}/{len(steps)}: output[{step.row}, {step.col}]"
        frames.append(
            StepFrame(
                taps=[_taps(step.rows, step.cols)] * channels,
                middle=step.products,
                middle_text=_products_text(step.weights, step.patch, step.products),
                out_box=(step.row, step.col, step.row, step.col),
                title=wrap_title(heading, step.formula(names if channels > 1 else None)),
                label=str(n + 1),
                computed=n + 1,
            )
        )
    size = f"{geo.input[0]}×{geo.input[1]}, padded {geo.padded[0]}×{geo.padded[1]}"
    input_names = [
        f"Input {names[c]} ({size})" if channels > 1 else f"Input ({size})" for c in range(channels)
    ]
    return stepper_figure(
        conv.pad(x, geo),
        input_names,
        "kernel × window",
        output,
        f"{output_name} ({geo.output[0]}×{geo.output[1]})",
        frames,
        start,
        frame_ms,
        input_bands=padding_bands(geo.padded, geo.padding),
        sizes=sizes,
    )


def pool_figure(
    x: np.ndarray,
    steps: list[conv.PoolStep],
    output: np.ndarray,
    mode: str,
    start: int = 0,
    frame_ms: int = 400,
    sizes: TextSizes = NORMAL,
) -> dict:
    """The pooling stepper for a 2-D input: the window, the value chosen (max) or the mean."""
    frames = []
    for n, step in enumerate(steps):
        text = np.array([[format_number(v) for v in row] for row in step.window], dtype=object)
        highlight = np.zeros_like(step.window)
        if step.chosen is not None:
            text[step.chosen] = f"<b>[{text[step.chosen]}]</b>"
            highlight[step.chosen] = 1
        else:
            highlight[:] = 1
        heading = f"step {n + 1}/{len(steps)}: output[{step.row}, {step.col}]"
        frames.append(
            StepFrame(
                taps=[_taps(step.rows, step.cols)],
                middle=highlight[None],
                middle_text=text[None],
                out_box=(step.row, step.col, step.row, step.col),
                title=f"{heading}<br>{step.formula(mode)}",
                label=str(n + 1),
                computed=n + 1,
            )
        )
    name = "max" if mode == "max" else "average"
    return stepper_figure(
        x[None],
        [f"Input ({x.shape[0]}×{x.shape[1]})"],
        f"window ({name})",
        output,
        f"Output ({output.shape[0]}×{output.shape[1]})",
        frames,
        start,
        frame_ms,
        signed_middle=False,
        sizes=sizes,
    )


def transpose_figure(
    x: np.ndarray,
    w: np.ndarray,
    steps: list[conv.TransposeStep],
    geo: conv.TransposeGeometry,
    start: int = 0,
    frame_ms: int = 600,
    sizes: TextSizes = NORMAL,
) -> dict:
    """The transposed-convolution stepper: each input cell adds its scaled kernel to the output.

    The output panel shows the full (uncropped) result accumulating; padding p crops p cells from
    each side of it (outlined dashed), as F.conv_transpose2d does.
    """
    sums = conv.accumulate(steps, geo)
    frames = []
    for step, after in zip(steps, sums, strict=True):
        value = x[step.row, step.col]
        text = np.array(
            [
                [
                    f"{format_factor(value)}×{format_factor(v)}<br>= {format_number(value * v)}"
                    for v in row
                ]
                for row in w
            ],
            dtype=object,
        )
        frames.append(
            StepFrame(
                taps=[(np.array([step.row]), np.array([step.col]))],
                middle=step.contribution[None],
                middle_text=text[None],
                out_box=(step.rows[0], step.cols[0], step.rows[-1], step.cols[-1]),
                title=(
                    f"step {step.index + 1}/{len(steps)}: input[{step.row}, {step.col}] = "
                    f"{format_number(value)}<br>adds {format_number(value)} × kernel to output "
                    f"rows {step.rows[0]}..{step.rows[-1]}, cols {step.cols[0]}..{step.cols[-1]} "
                    "(full grid)"
                ),
                label=str(step.index + 1),
                output=after,
            )
        )
    top, left = geo.padding
    kept = (top, left, top + geo.output[0] - 1, left + geo.output[1] - 1)
    cropped = bool(top or left)
    return stepper_figure(
        x[None],
        [f"Input ({x.shape[0]}×{x.shape[1]})"],
        "input cell × kernel",
        sums[-1],
        f"Full output {geo.full[0]}×{geo.full[1]}"
        + (f", kept {geo.output[0]}×{geo.output[1]} (dashed)" if cropped else ""),
        frames,
        start,
        frame_ms,
        output_outline=kept if cropped else None,
        sizes=sizes,
    )


def matrix_heatmap(
    matrix: np.ndarray, title: str, row_label: str, col_label: str, sizes: TextSizes = NORMAL
) -> go.Figure:
    """A convolution matrix (or its transpose) as a signed heatmap; zeros stay white, and every
    row and column is a whole-numbered tick."""
    limit = float(np.abs(matrix).max()) or 1.0
    show_text = matrix.size <= 400
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            colorscale=DIVERGING_SCALE,
            zmin=-limit,
            zmax=limit,
            text=[[format_number(v) if v else "" for v in row] for row in matrix]
            if show_text
            else None,
            texttemplate="%{text}" if show_text else None,
            textfont={"size": sizes.cell - 2},
            xgap=1,
            ygap=1,
            showscale=False,
            hovertemplate=f"{row_label} %{{y}}, {col_label} %{{x}}: %{{z}}<extra></extra>",
        )
    )
    ticks = {"tickmode": "linear", "tick0": 0, "dtick": 1 if max(matrix.shape) <= 30 else 5}
    figure.update_yaxes(
        autorange="reversed", title=row_label, tickfont={"size": sizes.tick}, **ticks
    )
    figure.update_xaxes(title=col_label, side="top", tickfont={"size": sizes.tick}, **ticks)
    figure.update_layout(
        title={"text": title, "font": {"size": sizes.label}},
        height=round(max(220, 24 * matrix.shape[0] + 120) * sizes.scale),
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return figure
