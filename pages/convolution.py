"""Convolution stepper: watch a convolution, pooling or transposed convolution one window at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab import convolution
from lab.format import format_number
from lab.grids import KERNELS, SOURCES, GridError, check_stepping, example_input, example_kernel
from lab.images import SAMPLES, ImageError, photo_patch
from lab.viz.animation import PrebuiltFigure
from lab.viz.convolution import conv_figure, matrix_heatmap, pool_figure, transpose_figure
from ui.common import Page, cached_sample, page_body, page_setup
from ui.player import player
from ui.state import Settings

MODES = ["Convolution", "Multi-channel", "Pooling", "Transposed"]
SPEEDS = {
    "0.5 steps/s": 2000,
    "1 step/s": 1000,
    "2 steps/s": 500,
    "4 steps/s": 250,
    "10 steps/s": 100,
}
CHANNELS = ("R", "G", "B")
SETTINGS = Settings(
    {
        "conv_mode": "Convolution",
        "conv_source": "lecture 5×5 example",
        "conv_rows": 7,
        "conv_cols": 7,
        "conv_seed": 0,
        "conv_grid_text": "1 2 3 0\n0 1 2 3\n3 0 1 2\n2 3 0 1",
        "conv_photo": "camera",
        "conv_center_row": 0.45,
        "conv_center_col": 0.45,
        "conv_crop": 64,
        "conv_photo_size": 12,
        "conv_kernel": "lecture 3×3",
        "conv_kernel_text": "1 0 -1\n1 0 -1",
        "conv_kernel_rows": 3,
        "conv_kernel_cols": 3,
        "conv_stride_r": 1,
        "conv_stride_c": 1,
        "conv_pad_mode": "numbers",
        "conv_pad_top": 0,
        "conv_pad_bottom": 0,
        "conv_pad_left": 0,
        "conv_pad_right": 0,
        "conv_dil_r": 1,
        "conv_dil_c": 1,
        "conv_filters": 2,
        "conv_filter": 0,
        "conv_pool_size": 2,
        "conv_pool_stride": 2,
        "conv_pool_mode": "max",
        "conv_t_stride": 2,
        "conv_t_padding": 0,
        "conv_t_output_padding": 0,
        "conv_t_rows": 2,
        "conv_t_cols": 2,
        "conv_speed": "2 steps/s",
        "conv_start": 1,
    }
)
state = st.session_state


def input_controls(mode: str) -> None:
    """The sidebar: where the numbers come from, the kernel, the animation."""
    st.subheader("Input")
    if mode == "Transposed":
        st.caption("A small random input (the transposed convolution grows it).")
        SETTINGS.slider("Rows", 1, 5, "conv_t_rows")
        SETTINGS.slider("Columns", 1, 5, "conv_t_cols")
        SETTINGS.number_input("Seed", 0, 10_000, "conv_seed")
    else:
        SETTINGS.selectbox("Source", SOURCES, "conv_source")
        if state.conv_source == "random integers":
            most = 16 if mode == "Multi-channel" else 32  # three channels animate 3x the numbers
            SETTINGS.slider("Rows", 1, most, "conv_rows")
            SETTINGS.slider("Columns", 1, most, "conv_cols")
            SETTINGS.number_input("Seed", 0, 10_000, "conv_seed")
        elif state.conv_source == "typed grid":
            SETTINGS.text_area("Values (rows on lines, up to 32 × 32)", "conv_grid_text")
        elif state.conv_source == "photo crop":
            SETTINGS.selectbox("Photo", list(SAMPLES), "conv_photo", format_func=SAMPLES.get)
            SETTINGS.slider("Centre row (fraction)", 0.0, 1.0, "conv_center_row")
            SETTINGS.slider("Centre column (fraction)", 0.0, 1.0, "conv_center_col")
            SETTINGS.slider("Crop (photo pixels)", 8, 256, "conv_crop")
            SETTINGS.slider("Grid size", 4, 32, "conv_photo_size")
    st.subheader("Kernel")
    if mode in ("Convolution", "Transposed"):
        SETTINGS.selectbox("Kernel", KERNELS, "conv_kernel")
        if state.conv_kernel == "typed":
            SETTINGS.text_area(
                "Weights (rows on lines; rectangles allowed, up to 7×7)", "conv_kernel_text"
            )
    if mode == "Multi-channel" or SETTINGS.value("conv_kernel") == "random integers":
        SETTINGS.slider("Kernel rows", 1, 7, "conv_kernel_rows")
        SETTINGS.slider("Kernel columns", 1, 7, "conv_kernel_cols")
    if mode == "Multi-channel":
        SETTINGS.slider("Filters K", 1, 4, "conv_filters")
    st.subheader("Animation")
    SETTINGS.select_slider("Play speed", list(SPEEDS), "conv_speed")
    SETTINGS.number_input("Start at step", 1, 100_000, "conv_start")


def build_input(channels: int) -> np.ndarray:
    """The grid chosen in the sidebar: [H, W] or [channels, H, W]."""
    patch = None
    if state.conv_source == "photo crop":
        image = cached_sample(state.conv_photo, 640)
        center = (state.conv_center_row, state.conv_center_col)
        patch = photo_patch(image, center, state.conv_crop, state.conv_photo_size)
    shape = (SETTINGS.value("conv_rows"), SETTINGS.value("conv_cols"))
    text = SETTINGS.value("conv_grid_text")
    return example_input(
        state.conv_source, channels, shape, SETTINGS.value("conv_seed"), text, patch
    )


def build_kernel(channels: int = 1, filters: int = 1) -> np.ndarray:
    """The kernel chosen: [kh, kw], or [filters, channels, kh, kw] for multi-channel mode."""
    shape = (SETTINGS.value("conv_kernel_rows"), SETTINGS.value("conv_kernel_cols"))
    choice, text = SETTINGS.value("conv_kernel"), SETTINGS.value("conv_kernel_text")
    return example_kernel(choice, channels, filters, shape, SETTINGS.value("conv_seed"), text)


def show_figure(page: Page, figure: dict, area) -> None:
    """The stepper and its player: at the top in projector mode, else here, after the settings."""
    key = f"conv_fig_{state.conv_mode}"
    with area if page.projector else st.container():
        st.plotly_chart(PrebuiltFigure(figure), key=key, config={"displayModeBar": False})
        player(key)


def show_convolution(page: Page, area, channels: int) -> None:
    """Convolution of one grid, or of an RGB volume with K filters."""
    settings = st.columns(4)
    with settings[0]:
        SETTINGS.number_input("Stride (rows)", 1, 8, "conv_stride_r")
        SETTINGS.number_input("Stride (columns)", 1, 8, "conv_stride_c")
    with settings[1]:
        SETTINGS.radio("Padding", ["numbers", "valid", "same"], "conv_pad_mode", horizontal=True)
        if state.conv_pad_mode == "numbers":
            top, bottom = st.columns(2)
            with top:
                SETTINGS.number_input("top", 0, 8, "conv_pad_top")
            with bottom:
                SETTINGS.number_input("bottom", 0, 8, "conv_pad_bottom")
    if state.conv_pad_mode == "numbers":
        left, right = settings[2].columns(2)
        with left:
            SETTINGS.number_input("left", 0, 8, "conv_pad_left")
        with right:
            SETTINGS.number_input("right", 0, 8, "conv_pad_right")
    with settings[3]:
        SETTINGS.number_input("Dilation (rows)", 1, 4, "conv_dil_r")
        SETTINGS.number_input("Dilation (columns)", 1, 4, "conv_dil_c")
    sides = ("top", "bottom", "left", "right")
    padding = (
        state.conv_pad_mode
        if state.conv_pad_mode != "numbers"
        else tuple(state[f"conv_pad_{side}"] for side in sides)
    )
    stride = (state.conv_stride_r, state.conv_stride_c)
    dilation = (state.conv_dil_r, state.conv_dil_c)
    filters = SETTINGS.value("conv_filters") if channels > 1 else 1
    x = build_input(channels)
    kernel = build_kernel(channels, filters)
    volume, weights = (x, kernel) if channels > 1 else (x[None], kernel[None, None])
    geo = convolution.geometry(volume.shape[1:], weights.shape[2:], stride, padding, dilation)
    check_stepping(geo.output[0] * geo.output[1], weights[0].size)
    if channels > 1 and filters > 1:
        SETTINGS.select_slider("Filter to step", list(range(filters)), "conv_filter")
    chosen = min(SETTINGS.value("conv_filter"), filters - 1) if channels > 1 else 0
    steps = list(convolution.conv2d_steps(volume, weights, stride, padding, dilation))
    maps = convolution.collect(steps, (filters, *geo.output))
    mine = [step for step in steps if step.filter == chosen]
    name = f"Output map {chosen}" if filters > 1 else "Output"
    figure = conv_figure(
        volume,
        mine,
        geo,
        maps[chosen],
        name,
        CHANNELS if channels > 1 else None,
        state.conv_start - 1,
        SPEEDS[state.conv_speed],
        page.sizes,
    )
    show_figure(page, figure, area)
    weight_count, bias_count = convolution.parameter_count(geo.kernel, channels, filters)
    metrics = st.columns(3)
    shape = f"{geo.output[0]} × {geo.output[1]}" + (f" × {filters} maps" if channels > 1 else "")
    metrics[0].metric("Output shape", shape)
    metrics[1].metric("Steps", f"{len(mine)}" + (f" per map × {filters}" if filters > 1 else ""))
    metrics[2].metric("Parameters", f"{weight_count + bias_count}")
    st.code(f"rows:    out = {geo.formula(0)}\ncolumns: out = {geo.formula(1)}", language="text")
    st.caption(
        f"Parameters = (F×F×D1)×K + K = ({geo.kernel[0]}×{geo.kernel[1]}×{channels})×{filters} "
        f"+ {filters} = {weight_count} weights + {bias_count} biases. Padding (top, bottom, left, "
        f"right) = {geo.padding}; grey cells are the zero padding; dotted boxes mark the window."
    )
    tabs = st.tabs(
        [f"map {k}" for k in range(filters)] + (["kernel volume"] if channels > 1 else [])
    )
    for k in range(filters):
        tabs[k].table(pd.DataFrame(maps[k]).map(format_number))
    if channels > 1:
        for k in range(filters):
            slices = tabs[-1].columns(channels)
            for c in range(channels):
                slices[c].markdown(f"filter {k}, slice {CHANNELS[c]}")
                slices[c].table(pd.DataFrame(kernel[k, c]).map(format_number))


def show_pooling(page: Page, area) -> None:
    settings = st.columns(4)
    with settings[0]:
        SETTINGS.radio("Pooling", ["max", "avg"], "conv_pool_mode", horizontal=True)
    with settings[1]:
        SETTINGS.number_input("Window size", 1, 8, "conv_pool_size")
    with settings[2]:
        SETTINGS.number_input("Stride", 1, 8, "conv_pool_stride")
    x = build_input(1)
    size, stride, mode = state.conv_pool_size, state.conv_pool_stride, state.conv_pool_mode
    geo = convolution.geometry(x.shape, (size, size), stride)
    check_stepping(geo.output[0] * geo.output[1], size * size)
    steps = list(convolution.pool2d_steps(x, size, stride, mode))
    out = convolution.collect(steps, (1, *geo.output))[0]
    figure = pool_figure(
        x, steps, out, mode, state.conv_start - 1, SPEEDS[state.conv_speed], page.sizes
    )
    show_figure(page, figure, area)
    metrics = st.columns(3)
    metrics[0].metric("Output shape", f"{out.shape[0]} × {out.shape[1]}")
    metrics[1].metric("Steps", f"{len(steps)}")
    metrics[2].metric("Parameters", "0")
    st.code(f"rows:    out = {geo.formula(0)}\ncolumns: out = {geo.formula(1)}", language="text")
    st.caption(
        "Pooling has no weights: it keeps the largest value (max) or the mean (avg) of each window."
    )
    st.table(pd.DataFrame(out).map(format_number))


def show_transposed(page: Page, area) -> None:
    settings = st.columns(4)
    with settings[0]:
        SETTINGS.number_input("Stride", 1, 4, "conv_t_stride")
    with settings[1]:
        SETTINGS.number_input(  # "Padding (cropped from each side)" wrapped: the box sat lower
            "Padding",
            0,
            4,
            "conv_t_padding",
            help="Cropped from each side of the full output (torch's `padding` of a transposed "
            "convolution).",
        )
    with settings[2]:
        SETTINGS.number_input("Output padding", 0, 3, "conv_t_output_padding")
    rng = np.random.default_rng(state.conv_seed)
    x = rng.integers(1, 4, size=(state.conv_t_rows, state.conv_t_cols)).astype(float)
    kernel = build_kernel()
    stride, padding = state.conv_t_stride, state.conv_t_padding
    geo = convolution.transpose_geometry(
        x.shape, kernel.shape, stride, padding, state.conv_t_output_padding
    )
    check_stepping(x.size, kernel.size)
    steps = list(convolution.conv_transpose2d_steps(x, kernel, stride, padding, geo.output_padding))
    figure = transpose_figure(
        x, kernel, steps, geo, state.conv_start - 1, SPEEDS[state.conv_speed], page.sizes
    )
    show_figure(page, figure, area)
    result = convolution.conv_transpose2d(x, kernel, stride, padding, geo.output_padding)
    metrics = st.columns(3)
    metrics[0].metric("Output shape", f"{result.shape[0]} × {result.shape[1]}")
    metrics[1].metric("Steps", f"{len(steps)}")
    metrics[2].metric("Kernel", f"{kernel.shape[0]} × {kernel.shape[1]}")
    st.code(f"rows:    out = {geo.formula(0)}\ncolumns: out = {geo.formula(1)}", language="text")
    st.subheader("The same thing as a matrix")
    matrix = convolution.conv_matrix(result.shape, kernel, stride, padding)
    st.markdown(
        f"The ordinary convolution with this kernel, stride {stride} and padding {padding} maps "
        f"a {result.shape[0]}×{result.shape[1]} input to {x.shape[0]}×{x.shape[1]}: as a matrix "
        f"C it is {matrix.shape[0]}×{matrix.shape[1]}, y = C x. The transposed convolution "
        f"multiplies by Cᵀ ({matrix.shape[1]}×{matrix.shape[0]})."
    )
    left, right = st.columns(2)
    left.plotly_chart(
        matrix_heatmap(matrix, "C (convolution)", "output cell", "input cell", page.sizes),
        key="conv_c",
    )
    right.plotly_chart(
        matrix_heatmap(
            matrix.T, "Cᵀ (transposed convolution)", "output cell", "input cell", page.sizes
        ),
        key="conv_ct",
    )
    via_matrix = (matrix.T @ x.ravel()).reshape(result.shape)
    difference = float(np.abs(via_matrix - result).max())
    st.success(
        f"Cᵀ x equals the stepped transposed convolution: largest difference {format_number(difference)}."
    )
    st.table(pd.DataFrame(result).map(format_number))


page = page_setup("Convolution stepper", ":material/grid_on:", SETTINGS)
mode = SETTINGS.segmented_control("Mode", MODES, "conv_mode")
with st.sidebar:
    input_controls(mode)


def body(page: Page) -> None:
    """Everything under the mode: its controls rerun only this (the mode and the sidebar rerun
    the page)."""
    area = page.top
    try:
        if mode == "Pooling":
            show_pooling(page, area)
        elif mode == "Transposed":
            show_transposed(page, area)
        else:
            show_convolution(page, area, 3 if mode == "Multi-channel" else 1)
    except (convolution.ConvolutionError, GridError, ImageError) as error:
        st.error(f"Cannot step this {mode.lower()}: {error}.")
    st.caption(
        "Play, step or scrub in your browser (the buttons under the figure, or click the figure "
        "and use the arrow keys and space): each frame writes its own sum, so the numbers always "
        "match the picture."
    )


page_body(page, body, "conv_body")
