"""Convolution stepper: watch a convolution, pooling or transposed convolution one window at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab import convolution as C
from lab.format import format_number
from lab.grids import KERNELS, SOURCES, check_stepping, example_input, example_kernel
from lab.images import SAMPLES, photo_patch
from lab.viz.convolution import conv_stepper, matrix_heatmap, pool_stepper, transpose_stepper
from lab.viz.stepper import PrebuiltFigure
from ui.common import cached_sample, init_state, page_setup

MODES = ["Convolution", "Multi-channel", "Pooling", "Transposed"]
SPEEDS = {
    "0.5 steps/s": 2000,
    "1 step/s": 1000,
    "2 steps/s": 500,
    "4 steps/s": 250,
    "10 steps/s": 100,
}
CHANNELS = ("R", "G", "B")

page_setup("Convolution stepper", ":material/grid_on:")
init_state(
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
        "conv_step": 1,
        "conv_speed": "2 steps/s",
    }
)
state = st.session_state


def step_by(delta: int) -> None:
    state.conv_step = state.conv_step + delta


def build_input(channels: int) -> np.ndarray:
    """The grid chosen in the sidebar: [H, W] or [channels, H, W]."""
    patch = None
    if state.conv_source == "photo crop":
        center = (state.conv_center_row, state.conv_center_col)
        image = cached_sample(state.conv_photo, 640)
        patch = photo_patch(image, center, state.conv_crop, state.conv_photo_size)
    shape = (state.conv_rows, state.conv_cols)
    return example_input(
        state.conv_source, channels, shape, state.conv_seed, state.conv_grid_text, patch
    )


def build_kernel(channels: int = 1, filters: int = 1) -> np.ndarray:
    """The kernel chosen: [kh, kw], or [filters, channels, kh, kw] for multi-channel mode."""
    shape = (state.conv_kernel_rows, state.conv_kernel_cols)
    return example_kernel(
        state.conv_kernel, channels, filters, shape, state.conv_seed, state.conv_kernel_text
    )


def show_stepper(figure: dict, steps: int) -> None:
    st.plotly_chart(
        PrebuiltFigure(figure), key=f"conv_fig_{state.conv_mode}", config={"displayModeBar": False}
    )
    st.caption(
        "Scrub the slider or press Play: the animation runs in your browser. The controls below jump to a step."
    )


# --- controls --------------------------------------------------------------------------------
st.segmented_control("Mode", MODES, key="conv_mode", required=True)
mode = state.conv_mode
channels = 3 if mode == "Multi-channel" else 1
with st.sidebar:
    st.subheader("Input")
    if mode == "Transposed":
        st.caption("A small random input (the transposed convolution grows it).")
        st.slider("Rows", 1, 5, key="conv_t_rows")
        st.slider("Columns", 1, 5, key="conv_t_cols")
        st.number_input("Seed", 0, 10_000, key="conv_seed")
    else:
        st.selectbox("Source", SOURCES, key="conv_source")
        if state.conv_source == "random integers":
            st.slider("Rows", 1, 32, key="conv_rows")
            st.slider("Columns", 1, 32, key="conv_cols")
            st.number_input("Seed", 0, 10_000, key="conv_seed")
        elif state.conv_source == "typed grid":
            st.text_area("Values (rows on lines)", key="conv_grid_text")
        elif state.conv_source == "photo crop":
            st.selectbox("Photo", list(SAMPLES), key="conv_photo", format_func=SAMPLES.get)
            st.slider("Centre row (fraction)", 0.0, 1.0, key="conv_center_row")
            st.slider("Centre column (fraction)", 0.0, 1.0, key="conv_center_col")
            st.slider("Crop (photo pixels)", 8, 256, key="conv_crop")
            st.slider("Grid size", 4, 32, key="conv_photo_size")
    st.subheader("Kernel")
    if mode in ("Convolution", "Transposed"):
        st.selectbox("Kernel", KERNELS, key="conv_kernel")
        if state.conv_kernel == "typed":
            st.text_area(
                "Weights (rows on lines; rectangles allowed, up to 7×7)", key="conv_kernel_text"
            )
    if mode == "Multi-channel" or state.conv_kernel == "random integers":
        st.slider("Kernel rows", 1, 7, key="conv_kernel_rows")
        st.slider("Kernel columns", 1, 7, key="conv_kernel_cols")
    if mode == "Multi-channel":
        st.slider("Filters K", 1, 4, key="conv_filters")
    st.subheader("Animation")
    st.select_slider("Play speed", list(SPEEDS), key="conv_speed")

settings = st.columns(4)
if mode in ("Convolution", "Multi-channel"):
    settings[0].number_input("Stride (rows)", 1, 8, key="conv_stride_r")
    settings[0].number_input("Stride (columns)", 1, 8, key="conv_stride_c")
    settings[1].radio("Padding", ["numbers", "valid", "same"], key="conv_pad_mode", horizontal=True)
    if state.conv_pad_mode == "numbers":
        pad_top, pad_bottom = settings[1].columns(2)
        pad_top.number_input("top", 0, 8, key="conv_pad_top")
        pad_bottom.number_input("bottom", 0, 8, key="conv_pad_bottom")
        pad_left, pad_right = settings[2].columns(2)
        pad_left.number_input("left", 0, 8, key="conv_pad_left")
        pad_right.number_input("right", 0, 8, key="conv_pad_right")
    settings[3].number_input("Dilation (rows)", 1, 4, key="conv_dil_r")
    settings[3].number_input("Dilation (columns)", 1, 4, key="conv_dil_c")
elif mode == "Pooling":
    settings[0].radio("Pooling", ["max", "avg"], key="conv_pool_mode", horizontal=True)
    settings[1].number_input("Window size", 1, 8, key="conv_pool_size")
    settings[2].number_input("Stride", 1, 8, key="conv_pool_stride")
else:
    settings[0].number_input("Stride", 1, 4, key="conv_t_stride")
    settings[1].number_input("Padding (cropped from each side)", 0, 4, key="conv_t_padding")
    settings[2].number_input("Output padding", 0, 3, key="conv_t_output_padding")

# --- compute and show --------------------------------------------------------------------------
stride = (state.conv_stride_r, state.conv_stride_c)
dilation = (state.conv_dil_r, state.conv_dil_c)
padding = (
    state.conv_pad_mode
    if state.conv_pad_mode != "numbers"
    else (state.conv_pad_top, state.conv_pad_bottom, state.conv_pad_left, state.conv_pad_right)
)
frame_ms = SPEEDS[state.conv_speed]
try:
    if mode == "Transposed":
        rng = np.random.default_rng(state.conv_seed)
        x = rng.integers(1, 4, size=(state.conv_t_rows, state.conv_t_cols)).astype(float)
        kernel = build_kernel()
        geo_t = C.transpose_geometry(
            x.shape,
            kernel.shape,
            state.conv_t_stride,
            state.conv_t_padding,
            state.conv_t_output_padding,
        )
        total = x.size
        check_stepping(total, kernel.size)
    else:
        x = build_input(channels)
        if mode == "Pooling":
            steps_all = list(
                C.pool2d_steps(
                    x, state.conv_pool_size, state.conv_pool_stride, state.conv_pool_mode
                )
            )
            total = len(steps_all)
            check_stepping(total, state.conv_pool_size**2)
        else:
            kernel = build_kernel(channels, state.conv_filters)
            geo = C.geometry(x.shape[-2:], kernel.shape[-2:], stride, padding, dilation)
            total = geo.output[0] * geo.output[1]
            check_stepping(total, kernel[0].size if channels > 1 else kernel.size)
except (C.ConvolutionError, ValueError) as error:
    st.error(f"Cannot step this {mode.lower()}: {error}.")
    st.stop()

if mode == "Multi-channel":
    state.conv_filter = min(state.conv_filter, state.conv_filters - 1)
    if state.conv_filters > 1:
        st.select_slider("Filter to step", list(range(state.conv_filters)), key="conv_filter")
state.conv_step = int(np.clip(state.conv_step, 1, total))
nav = st.columns([1, 1, 2, 4])
nav[0].button(
    "◀ Previous", on_click=step_by, args=(-1,), disabled=state.conv_step <= 1, key="conv_prev"
)
nav[1].button(
    "Next ▶", on_click=step_by, args=(1,), disabled=state.conv_step >= total, key="conv_next"
)
nav[2].number_input(f"Jump to step (1..{total})", 1, total, key="conv_step")
start = state.conv_step - 1

if mode in ("Convolution", "Multi-channel"):
    figure, steps, geo = conv_stepper(
        x,
        kernel,
        stride,
        padding,
        dilation,
        state.conv_filter if channels > 1 else 0,
        start,
        frame_ms,
        CHANNELS if channels > 1 else None,
    )
    show_stepper(figure, total)
    step = steps[start]
    st.code(
        f"output[{step.row}, {step.col}] = {step.formula(CHANNELS if channels > 1 else None)}",
        wrap_lines=True,
    )
    out_shape = f"{geo.output[0]} × {geo.output[1]}" + (
        f" × {kernel.shape[0]} maps" if channels > 1 else ""
    )
    filters = kernel.shape[0] if channels > 1 else 1
    weights, biases = C.parameter_count(geo.kernel, channels, filters)
    metrics = st.columns(3)
    metrics[0].metric("Output shape", out_shape)
    metrics[1].metric("Current sum", format_number(step.value))
    metrics[2].metric("Parameters", f"{weights + biases}")
    st.code(f"rows:    out = {geo.formula(0)}\ncolumns: out = {geo.formula(1)}", language="text")
    st.caption(
        f"Parameters = (F×F×D1)×K + K = ({geo.kernel[0]}×{geo.kernel[1]}×{channels})×{filters} + {filters} "
        f"= {weights} weights + {biases} biases. Padding (top, bottom, left, right) = {geo.padding}; "
        "grey cells are the zero padding; dotted boxes mark the window."
    )
    if channels > 1:
        full = C.conv2d(x, kernel, stride, padding, dilation)
        tabs = st.tabs([f"map {k}" for k in range(filters)] + ["kernel volume"])
        for k in range(filters):
            tabs[k].dataframe(pd.DataFrame(full[k]).map(format_number))
        for k in range(filters):
            slices = tabs[-1].columns(channels)
            for c in range(channels):
                slices[c].markdown(f"filter {k}, slice {CHANNELS[c]}")
                slices[c].dataframe(pd.DataFrame(kernel[k, c]).map(format_number))
elif mode == "Pooling":
    figure, steps = pool_stepper(
        x, state.conv_pool_size, state.conv_pool_stride, state.conv_pool_mode, start, frame_ms
    )
    show_stepper(figure, total)
    step = steps[start]
    out = C.pool2d(x, state.conv_pool_size, state.conv_pool_stride, state.conv_pool_mode)
    st.code(
        f"output[{step.row}, {step.col}] = {step.formula(state.conv_pool_mode)}", wrap_lines=True
    )
    metrics = st.columns(3)
    metrics[0].metric("Output shape", f"{out.shape[0]} × {out.shape[1]}")
    metrics[1].metric("Current value", format_number(step.value))
    metrics[2].metric("Parameters", "0")
    geo = C.geometry(x.shape, (state.conv_pool_size,) * 2, state.conv_pool_stride)
    st.code(f"rows:    out = {geo.formula(0)}\ncolumns: out = {geo.formula(1)}", language="text")
    st.caption(
        "Pooling has no weights: it keeps the largest value (max) or the mean (avg) of each window."
    )
else:
    figure, steps, geo_t = transpose_stepper(
        x,
        kernel,
        state.conv_t_stride,
        state.conv_t_padding,
        state.conv_t_output_padding,
        start,
        frame_ms,
    )
    show_stepper(figure, total)
    result = C.conv_transpose2d(
        x, kernel, state.conv_t_stride, state.conv_t_padding, state.conv_t_output_padding
    )
    metrics = st.columns(3)
    metrics[0].metric("Output shape", f"{result.shape[0]} × {result.shape[1]}")
    metrics[1].metric("Current input value", format_number(x[steps[start].row, steps[start].col]))
    metrics[2].metric("Kernel", f"{kernel.shape[0]} × {kernel.shape[1]}")
    st.code(
        f"rows:    out = {geo_t.formula(0)}\ncolumns: out = {geo_t.formula(1)}", language="text"
    )
    st.subheader("The same thing as a matrix")
    matrix = C.conv_matrix(result.shape, kernel, state.conv_t_stride, state.conv_t_padding)
    via_matrix = (matrix.T @ x.ravel()).reshape(result.shape)
    st.markdown(
        f"The ordinary convolution with this kernel, stride {state.conv_t_stride} and padding "
        f"{state.conv_t_padding} maps a {result.shape[0]}×{result.shape[1]} input to "
        f"{x.shape[0]}×{x.shape[1]}: as a matrix C it is {matrix.shape[0]}×{matrix.shape[1]}, y = C x. "
        f"The transposed convolution multiplies by Cᵀ ({matrix.shape[1]}×{matrix.shape[0]})."
    )
    left, right = st.columns(2)
    left.plotly_chart(
        matrix_heatmap(matrix, "C (convolution)", "output cell", "input cell"), key="conv_c"
    )
    right.plotly_chart(
        matrix_heatmap(matrix.T, "Cᵀ (transposed convolution)", "output cell", "input cell"),
        key="conv_ct",
    )
    difference = float(np.abs(via_matrix - result).max())
    st.success(
        f"Cᵀ x equals the stepped transposed convolution: largest difference {format_number(difference)}."
    )
    st.dataframe(pd.DataFrame(result).map(format_number))
