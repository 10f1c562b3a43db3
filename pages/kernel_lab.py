"""Kernel lab: pick or edit a kernel and see what it does to a photo, down to one pixel's sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st
from streamlit_image_coordinates import streamlit_image_coordinates

from lab import kernels as K
from lab.format import format_factor, format_number
from lab.images import to_gray
from lab.viz.images import DISPLAY_MODES, draw_window, render_output, resolve_mode, signed_limit
from lab.viz.kernels import histogram, kernel_heatmap
from ui.common import image_picker, init_state, page_setup

PRESET_NAMES = [*K.PRESETS, *K.GRADIENT_MAGNITUDE, "custom"]
SIZES = [1, 3, 5, 7, 9, 11, 13, 15]
SIGMAS = sorted({K.COURSE_SIGMA, *np.round(np.arange(0.3, 5.01, 0.1), 2)})

page_setup("Kernel lab", ":material/blur_on:")
init_state(
    {
        "kern_preset": "sobel x",
        "kern_size": 3,
        "kern_sigma": K.COURSE_SIGMA,
        "kern_weights": K.PRESETS["sobel x"].copy(),
        "kern_text": K.format_kernel(K.PRESETS["sobel x"]),
        "kern_text_error": "",
        "kern_editor_version": 0,
        "kern_normalise": False,
        "kern_colour": "grayscale",
        "kern_border": "reflect",
        "kern_display": "auto",
        "kern_row": 100,
        "kern_col": 100,
        "kern_channel": "R",
        "kern_compare": False,
        "kern_compare_preset": "gaussian",
    }
)
state = st.session_state


def set_weights(weights: np.ndarray, custom: bool) -> None:
    state.kern_weights = weights
    state.kern_text = K.format_kernel(weights)
    state.kern_text_error = ""
    state.kern_editor_version += 1  # a fresh grid editor shows the new weights
    if custom:
        state.kern_preset = "custom"


def on_preset() -> None:
    name = state.kern_preset
    if name in K.GRADIENT_MAGNITUDE or name == "custom":
        return
    if name not in K.SIZED_PRESETS:
        state.kern_size = 3
    set_weights(K.preset_kernel(name, state.kern_size, state.kern_sigma), custom=False)


def on_size() -> None:
    if state.kern_preset in K.SIZED_PRESETS:
        on_preset()
    else:
        set_weights(K.resize_kernel(state.kern_weights, state.kern_size), custom=True)


def on_text() -> None:
    try:
        weights = K.parse_kernel(state.kern_text)
    except ValueError as error:
        state.kern_text_error = str(error)
        return
    if weights.shape[0] != weights.shape[1]:
        state.kern_text_error = "the Kernel lab uses square kernels; the stepper takes rectangles"
        return
    state.kern_size = weights.shape[0]
    set_weights(weights, custom=True)


def on_grid() -> None:
    edits = state[f"kern_grid_{state.kern_editor_version}"]["edited_rows"]
    weights = state.kern_weights.copy()
    try:
        for row, columns in edits.items():
            for column, value in columns.items():
                if value is not None:
                    weights[int(row), int(column)] = float(value)
        weights = K.validate_kernel(weights)
    except (ValueError, OverflowError) as error:  # KernelError, or a cell float() cannot read
        state.kern_text_error = str(error)
        state.kern_editor_version += 1  # redraw the grid with the weights still in use
        return
    set_weights(weights, custom=True)


def on_click() -> None:
    """A click, or the end of a drag, on the input photo moves the kernel window there."""
    click = state.get("kern_click")
    if click and click.get("width") and click.get("height"):
        height, width = state.kern_image_shape
        x, y = click.get("x2", click.get("x")), click.get("y2", click.get("y"))
        if x is None or y is None:
            return
        state.kern_row = int(np.clip(y * height / click["height"], 0, height - 1))
        state.kern_col = int(np.clip(x * width / click["width"], 0, width - 1))


image, image_label = image_picker("kern")
state.kern_image_shape = image.shape[:2]
with st.sidebar:
    st.subheader("Filtering")
    st.radio("Colour", ["grayscale", "per-channel RGB"], key="kern_colour", horizontal=True)
    st.radio("Border", list(K.BORDERS), key="kern_border", horizontal=True)
    st.caption(f"**{state.kern_border}** {K.BORDERS[state.kern_border]}.")
    st.radio("Show output as", list(DISPLAY_MODES), key="kern_display", horizontal=True)
    st.caption(DISPLAY_MODES[state.kern_display])
    st.toggle("Compare with a second kernel", key="kern_compare")

# Controls: the kernel.
left, right = st.columns([1, 2], gap="large")
with left:
    st.selectbox("Kernel", PRESET_NAMES, key="kern_preset", on_change=on_preset)
    magnitude = state.kern_preset in K.GRADIENT_MAGNITUDE
    sized = state.kern_preset in K.SIZED_PRESETS or state.kern_preset == "custom"
    st.select_slider("Size", SIZES, key="kern_size", on_change=on_size, disabled=not sized)
    if state.kern_preset == "gaussian":
        st.select_slider(
            "Sigma (pixels)",
            SIGMAS,
            key="kern_sigma",
            on_change=on_preset,
            format_func=lambda v: f"{v:.2f}",
        )
        st.caption("At size 3, sigma 0.85 gives exactly the course's [1 2 1; 2 4 2; 1 2 1] / 16.")
    if magnitude:
        names = K.GRADIENT_MAGNITUDE[state.kern_preset]
        kernel_x, kernel_y = (K.PRESETS[name] for name in names)
        st.plotly_chart(kernel_heatmap(kernel_x, names[0]), key="kern_fig_x")
        st.plotly_chart(kernel_heatmap(kernel_y, names[1]), key="kern_fig_y")
        st.markdown("Output = sqrt(gx² + gy²): the gradient **magnitude**, always >= 0.")
        kernel = kernel_x
    else:
        st.toggle("Normalise to sum 1", key="kern_normalise")
        kernel = state.kern_weights
        total = float(kernel.sum())
        if state.kern_normalise:
            if np.isclose(total, 0):
                st.warning("The weights sum to 0, so they cannot be normalised to sum 1.")
            else:
                kernel = kernel / total
        st.markdown("**Weights** (edit a cell, or type below; either switches to *custom*)")
        st.data_editor(
            pd.DataFrame(
                state.kern_weights, columns=[str(c) for c in range(state.kern_weights.shape[1])]
            ),
            key=f"kern_grid_{state.kern_editor_version}",
            on_change=on_grid,
            hide_index=True,
        )
        st.text_area(
            "Weights as text (rows on lines; 1/16 allowed)", key="kern_text", on_change=on_text
        )
        if state.kern_text_error:
            st.error(f"Kernel not changed: {state.kern_text_error}.")
        st.plotly_chart(kernel_heatmap(kernel, "Kernel used"), key="kern_fig")
        st.markdown(f"**Kernel sum: {format_number(kernel.sum())}**")
        st.info(K.describe_kernel(kernel))
    st.caption("CNN layers compute cross-correlation: the kernel is applied as drawn, not flipped.")

# Compute.
gray = state.kern_colour == "grayscale"
source = to_gray(image) if gray else image
border = state.kern_border
if magnitude:
    output = K.gradient_magnitude(source, kernel_x, kernel_y, border)
else:
    output = K.apply_kernel(source, kernel, border)
mode = resolve_mode(output, state.kern_display)

# Show: input | output.
with right:
    st.caption(f"Image: {image_label}. Click or drag on the input to move the kernel window.")
    row = int(np.clip(state.kern_row, 0, image.shape[0] - 1))
    col = int(np.clip(state.kern_col, 0, image.shape[1] - 1))
    shown_input = (
        np.repeat(np.clip(source, 0, 255).astype(np.uint8)[:, :, None], 3, 2) if gray else image
    )
    size = kernel.shape[0]
    col_in, col_out = st.columns(2)
    with col_in:
        st.markdown("**Input**")
        streamlit_image_coordinates(
            draw_window(shown_input, row, col, size, size),
            key="kern_click",
            on_click=on_click,
            width="stretch",
            click_and_drag=True,
            cursor="crosshair",
        )
    with col_out:
        limit = signed_limit(output)
        st.markdown(f"**Output** ({mode})")
        st.image(draw_window(render_output(output, mode), row, col, size, size), width="stretch")
        if mode == "signed":
            scale = (
                f"blue = -{format_number(limit)}, white = 0, red = +{format_number(limit)}"
                if gray
                else f"each channel: mid-grey = 0, 0 = -{format_number(limit)}, 255 = +{format_number(limit)}"
            )
            st.caption(f"{scale} (99.5th percentile of |value|; larger values at full colour)")
    stats = pd.DataFrame(
        {
            "min": [output.min()],
            "max": [output.max()],
            "mean": [output.mean()],
            "mean |value|": [np.abs(output).mean()],
        }
    ).round(3)
    st.dataframe(stats, hide_index=True)
    st.plotly_chart(histogram(output, signed=output.min() < 0), key="kern_hist")

# Pixel inspector.
st.subheader("Pixel inspector")
c1, c2, c3 = st.columns([1, 1, 2])
c1.number_input("Row (y)", 0, image.shape[0] - 1, key="kern_row")
c2.number_input("Column (x)", 0, image.shape[1] - 1, key="kern_col")
if not gray:
    c3.radio("Channel", ["R", "G", "B"], key="kern_channel", horizontal=True)
channel_index = "RGB".index(state.kern_channel)
channel = source if gray else source[..., channel_index]
pixel = output[row, col] if gray else output[row, col, channel_index]
inspected = [(kernel_x, "gx"), (kernel_y, "gy")] if magnitude else [(kernel, "sum")]
values = []
for inspect_kernel, name in inspected:
    window = K.pixel_window(channel, inspect_kernel, row, col, border)
    values.append(window.value)
    patch_col, product_col = st.columns(2)
    patch_col.markdown(f"Patch under the kernel ({name})")
    patch_col.dataframe(pd.DataFrame(window.patch).round(4))
    if window.outside.any():
        patch_col.caption(
            f"{int(window.outside.sum())} of these values lie outside the image and come from the "
            f"{border} border rule."
        )
    product_col.markdown(f"Kernel x patch, element-wise ({name})")
    product_col.dataframe(pd.DataFrame(window.products).round(4))
    st.code(f"{name} = {K.sum_formula(window, inspect_kernel)}", wrap_lines=True, language="text")
if magnitude:
    combined = float(np.hypot(*values))
    gx, gy = (format_factor(value) for value in values)
    st.code(f"sqrt(gx² + gy²) = sqrt({gx}² + {gy}²) = {format_number(combined)}", language="text")
st.metric(f"Output pixel ({row}, {col})", format_number(pixel, 6))

# Compare mode: the same image through a second kernel of the same size.
if state.kern_compare:
    st.subheader("Compare two kernels")
    other_names = [name for name in K.PRESETS if name != state.kern_preset]
    if state.kern_compare_preset not in other_names:
        state.kern_compare_preset = other_names[0]
    st.selectbox("Second kernel", other_names, key="kern_compare_preset")
    other_size = size if state.kern_compare_preset in K.SIZED_PRESETS else 3
    other = K.preset_kernel(state.kern_compare_preset, other_size, state.kern_sigma)
    other_output = K.apply_kernel(source, other, border)
    first_col, second_col = st.columns(2)
    for column, name, weights, result in (
        (first_col, state.kern_preset, kernel, output),
        (second_col, state.kern_compare_preset, other, other_output),
    ):
        with column:
            shown_mode = resolve_mode(result, state.kern_display)  # each output on its own scale
            column.markdown(
                f"**{name}** ({weights.shape[0]} x {weights.shape[1]}, shown {shown_mode})"
            )
            column.image(render_output(result, shown_mode), width="stretch")
            if name in K.GRADIENT_MAGNITUDE:
                column.caption(
                    "sqrt(gx² + gy²) of the two kernels shown above: edges in every direction."
                )
            else:
                column.plotly_chart(kernel_heatmap(weights, name), key=f"kern_cmp_{name}")
                column.caption(K.describe_kernel(weights))
    if other_output.shape == output.shape:
        st.metric(
            "Mean |difference| between the two outputs",
            format_number(np.abs(output - other_output).mean()),
        )
