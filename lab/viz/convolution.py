"""Stepper figures for convolution, pooling and transposed convolution, and the matrix C."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab import convolution as conv
from lab.format import format_factor, format_number
from lab.viz.stepper import StepFrame, padding_bands, stepper_figure


def _taps(rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    return np.repeat(rows, len(cols)), np.tile(cols, len(rows))


def _wrap_title(prefix: str, formula: str, per_line: int = 9) -> str:
    """Break a long 'a*b + c*d + ... = v' formula into lines for a Plotly title."""
    lines = []
    for line in formula.split("\n"):
        terms = line.split(" + ")
        chunks = [" + ".join(terms[i : i + per_line]) for i in range(0, len(terms), per_line)]
        lines.append(" +<br>   ".join(chunks))
    return prefix + "<br>" + "<br>".join(lines)


def conv_stepper(
    x: np.ndarray,
    w: np.ndarray,
    stride: conv.Pair = 1,
    padding: conv.Padding = 0,
    dilation: conv.Pair = 1,
    filter_index: int = 0,
    start: int = 0,
    frame_ms: int = 400,
    channel_names: tuple[str, ...] | None = None,
) -> tuple[dict, list[conv.ConvStep], conv.Geometry]:
    """The convolution stepper for one filter.

    Args:
        x: np.ndarray[H, W] or [C, H, W]; w: [kh, kw] or [K, C, kh, kw].
        filter_index: which filter's output map is stepped.

    Returns:
        (figure dict, the steps of that filter, geometry).
    """
    volume = np.asarray(x, dtype=float)
    volume = volume[None] if volume.ndim == 2 else volume
    kernel = np.asarray(w, dtype=float)
    kernel = kernel[None, None] if kernel.ndim == 2 else kernel
    geo = conv.geometry(volume.shape[1:], kernel.shape[2:], stride, padding, dilation)
    steps = [
        s
        for s in conv.conv2d_steps(volume, kernel, stride, padding, dilation)
        if s.filter == filter_index
    ]
    output = np.zeros(geo.output)
    for step in steps:
        output[step.row, step.col] = step.value
    channels = volume.shape[0]
    names = channel_names or tuple(f"channel {c}" for c in range(channels))
    cells = geo.output[0] * geo.output[1]
    frames = []
    for n, step in enumerate(steps):
        text = np.empty(step.products.shape, dtype=object)
        for index in np.ndindex(*step.products.shape):
            text[index] = (
                f"{format_factor(step.weights[index])}×{format_factor(step.patch[index])}"
                f"<br>= {format_number(step.products[index])}"
            )
        prefix = f"step {n + 1}/{cells}: output[{step.row}, {step.col}]"
        formula = step.formula(names if channels > 1 else None)
        frames.append(
            StepFrame(
                taps=[_taps(step.rows, step.cols)] * channels,
                middle=step.products,
                middle_text=text,
                out_box=(step.row, step.col, step.row, step.col),
                title=_wrap_title(prefix, formula),
                computed=n + 1,
            )
        )
    padded = conv.pad(volume, geo)
    bands = [
        b for c in range(channels) for b in padding_bands(geo.padded, geo.padding, str(2 * c + 1))
    ]
    input_names = [
        f"Input {names[c] if channels > 1 else ''} ({geo.input[0]}×{geo.input[1]}, padded {geo.padded[0]}×{geo.padded[1]})".replace(
            "  ", " "
        )
        for c in range(channels)
    ]
    figure = stepper_figure(
        padded,
        input_names,
        "kernel × window",
        output,
        f"Output{f' map {filter_index}' if kernel.shape[0] > 1 else ''} ({geo.output[0]}×{geo.output[1]})",
        frames,
        start,
        frame_ms,
        bands,
    )
    return figure, steps, geo


def pool_stepper(
    x: np.ndarray,
    size: conv.Pair,
    stride: conv.Pair | None,
    mode: str,
    start: int = 0,
    frame_ms: int = 400,
) -> tuple[dict, list[conv.PoolStep]]:
    """The pooling stepper for a 2-D input: window, the value chosen (max) or the mean, output."""
    x = np.asarray(x, dtype=float)
    steps = list(conv.pool2d_steps(x, size, stride, mode))
    output = conv.pool2d(x, size, stride, mode)
    frames = []
    for n, step in enumerate(steps):
        text = np.array([[format_number(v) for v in row] for row in step.window], dtype=object)
        highlight = np.zeros_like(step.window)
        if step.chosen is not None:
            text[step.chosen] = f"<b>[{text[step.chosen]}]</b>"
            highlight[step.chosen] = 1
        else:
            highlight[:] = 1
        frames.append(
            StepFrame(
                taps=[_taps(step.rows, step.cols)],
                middle=highlight[None],
                middle_text=text[None],
                out_box=(step.row, step.col, step.row, step.col),
                title=f"step {n + 1}/{len(steps)}: output[{step.row}, {step.col}]<br>{step.formula(mode)}",
                computed=n + 1,
            )
        )
    name = "max" if mode == "max" else "average"
    figure = stepper_figure(
        x[None],
        [f"Input ({x.shape[0]}×{x.shape[1]})"],
        f"window ({name})",
        output,
        f"Output ({output.shape[0]}×{output.shape[1]})",
        frames,
        start,
        frame_ms,
        signed_middle=False,
    )
    return figure, steps


def transpose_stepper(
    x: np.ndarray,
    w: np.ndarray,
    stride: conv.Pair = 1,
    padding: conv.Pair = 0,
    output_padding: conv.Pair = 0,
    start: int = 0,
    frame_ms: int = 600,
) -> tuple[dict, list[conv.TransposeStep], conv.TransposeGeometry]:
    """The transposed-convolution stepper: each input cell adds its scaled kernel to the output.

    The output panel shows the full (uncropped) result accumulating; padding p crops p cells from
    each side of it (outlined), as F.conv_transpose2d does.
    """
    x = np.asarray(x, dtype=float)
    w = np.asarray(w, dtype=float)
    geo = conv.transpose_geometry(x.shape, w.shape, stride, padding, output_padding)
    steps = list(conv.conv_transpose2d_steps(x, w, stride, padding, output_padding))
    accumulated = np.zeros(geo.full)
    frames = []
    for step in steps:
        accumulated = accumulated.copy()
        accumulated[step.rows[:, None], step.cols[None, :]] += step.contribution
        text = np.array(
            [
                [
                    f"{format_factor(x[step.row, step.col])}×{format_factor(v)}"
                    f"<br>= {format_number(x[step.row, step.col] * v)}"
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
                    f"{format_number(x[step.row, step.col])} scatters "
                    f"{format_number(x[step.row, step.col])} × kernel into output rows "
                    f"{step.rows[0]}..{step.rows[-1]}, cols {step.cols[0]}..{step.cols[-1]} (full grid)"
                ),
                output=accumulated,
            )
        )
    top, left = geo.padding
    crop = []
    if top or left:
        crop.append(
            {
                "type": "rect",
                "xref": "x3",
                "yref": "y3",
                "x0": left - 0.5,
                "y0": top - 0.5,
                "x1": left + geo.output[1] - 0.5,
                "y1": top + geo.output[0] - 0.5,
                "line": {"color": "black", "width": 3, "dash": "dash"},
                "layer": "above",
            }
        )
    figure = stepper_figure(
        x[None],
        [f"Input ({x.shape[0]}×{x.shape[1]})"],
        "input cell × kernel",
        accumulated,
        f"Full output {geo.full[0]}×{geo.full[1]}"
        + (f", kept {geo.output[0]}×{geo.output[1]} (dashed)" if crop else ""),
        frames,
        start,
        frame_ms,
        crop,
    )
    return figure, steps, geo


def matrix_heatmap(matrix: np.ndarray, title: str, row_label: str, col_label: str) -> go.Figure:
    """A convolution matrix (or its transpose) as a signed heatmap; zeros stay white."""
    limit = float(np.abs(matrix).max()) or 1.0
    show_text = matrix.size <= 400
    figure = go.Figure(
        go.Heatmap(
            z=matrix,
            colorscale="RdBu",
            reversescale=True,
            zmin=-limit,
            zmax=limit,
            zmid=0,
            text=[[format_number(v) if v else "" for v in row] for row in matrix]
            if show_text
            else None,
            texttemplate="%{text}" if show_text else None,
            xgap=1,
            ygap=1,
            showscale=False,
            hovertemplate=f"{row_label} %{{y}}, {col_label} %{{x}}: %{{z}}<extra></extra>",
        )
    )
    figure.update_yaxes(autorange="reversed", title=row_label)
    figure.update_xaxes(title=col_label, side="top")
    figure.update_layout(
        title=title,
        height=max(220, 24 * matrix.shape[0] + 120),
        margin={"l": 10, "r": 10, "t": 80, "b": 10},
    )
    return figure
