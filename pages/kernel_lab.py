"""Kernel lab: pick or edit a kernel and see what it does to a photo, down to one pixel's sum."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab import kernels
from lab.format import format_factor, format_number
from lab.images import to_gray
from lab.viz.animation import PrebuiltFigure
from lab.viz.images import (
    DISPLAY_MODES,
    draw_window,
    magnified_window,
    render_output,
    resolve_mode,
    signed_limit,
)
from lab.viz.kernels import histogram, kernel_heatmap
from ui.common import Page, image_picker, page_body, page_setup
from ui.image_click import image_click, picked_pixel
from ui.state import Settings

PRESET_NAMES = [*kernels.PRESETS, *kernels.GRADIENT_MAGNITUDE, "custom"]
SIZES = [1, 3, 5, 7, 9, 11, 13, 15]
SIGMAS = sorted({kernels.COURSE_SIGMA, *np.round(np.arange(0.3, 5.01, 0.1), 2).tolist()})
DIGITS = 6  # the output pixel and the formula's total, written alike
SETTINGS = Settings(
    {
        "kern_sample": "camera",
        "kern_preset": "sobel x",
        "kern_size": 3,
        "kern_sigma": kernels.COURSE_SIGMA,
        "kern_text": kernels.format_kernel(kernels.PRESETS["sobel x"]),
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


def preset_text() -> str | None:
    """The text of the chosen preset at the chosen size, or None for custom and magnitude."""
    name = SETTINGS.value("kern_preset")
    if name == "custom" or name in kernels.GRADIENT_MAGNITUDE:
        return None
    size = SETTINGS.value("kern_size") if name in kernels.SIZED_PRESETS else 3
    return kernels.format_kernel(kernels.preset_kernel(name, size, SETTINGS.value("kern_sigma")))


def typed_kernel(text: str) -> np.ndarray:
    """The custom kernel typed (square, odd, finite weights within range), or KernelError."""
    weights = kernels.parse_kernel(text)
    if weights.shape[0] != weights.shape[1]:
        raise kernels.KernelError(
            "the Kernel lab uses square kernels; the stepper takes rectangles"
        )
    return weights


def set_text_from_preset() -> None:
    """A preset's weights are shown as its text (after a link, a visit or a size change)."""
    text = preset_text()
    if text is not None and SETTINGS.value("kern_text") != text:
        state.kern_text = text


def set_size_from_text() -> None:
    """A custom kernel sets the size slider to its own size."""
    try:
        size = typed_kernel(state.kern_text).shape[0]
    except kernels.KernelError:
        return
    if state.get("kern_size") != size:
        state.kern_size = size


def on_preset() -> None:
    if state.kern_preset not in kernels.SIZED_PRESETS and state.kern_preset != "custom":
        state.kern_size = 3


def on_size() -> None:
    if state.kern_preset == "custom":
        try:
            weights = typed_kernel(state.kern_text)
        except kernels.KernelError:
            weights = kernels.identity_kernel(3)
        state.kern_text = kernels.format_kernel(kernels.resize_kernel(weights, state.kern_size))


def on_text() -> None:
    state.kern_preset = "custom"  # the student edited the weights; reconcile() sets the size


def on_grid(weights: np.ndarray, editor: str) -> None:
    weights = weights.copy()
    try:
        for row, columns in state[editor]["edited_rows"].items():
            for column, value in columns.items():
                if value is not None:
                    weights[int(row), int(column)] = float(value)
    except (ValueError, OverflowError, TypeError):
        return  # a cell float() cannot read: the grid redraws with the weights in use
    state.kern_preset, state.kern_text = "custom", kernels.format_kernel(weights)


def on_pick() -> None:
    """A click, or the end of a drag, on the input photo moves the kernel window there."""
    picked = picked_pixel("kern_click", state.kern_image_shape)
    if picked is not None:
        state.kern_row, state.kern_col = picked


page = page_setup("Kernel lab", ":material/blur_on:", SETTINGS)
image, image_label = image_picker(SETTINGS, "kern")
state.kern_image_shape = image.shape[:2]
with st.sidebar:
    st.subheader("Filtering")
    SETTINGS.radio("Colour", ["grayscale", "per-channel RGB"], "kern_colour", horizontal=True)
    SETTINGS.radio("Border", list(kernels.BORDERS), "kern_border", horizontal=True)
    st.caption(f"**{state.kern_border}** {kernels.BORDERS[state.kern_border]}.")
    SETTINGS.radio("Show output as", list(DISPLAY_MODES), "kern_display", horizontal=True)
    st.caption(DISPLAY_MODES[state.kern_display])
    SETTINGS.toggle("Compare with a second kernel", "kern_compare")


def body(page: Page) -> None:
    """Everything under the title: its controls rerun only this (the sidebar reruns the page)."""
    figures = page.figure_area()
    # Controls: the kernel. A link's values reach st.session_state as each widget runs, so the
    # widgets a setting depends on run first (slots keep the order on screen).
    controls, pictures = st.columns([1, 2], gap="large")
    with controls:
        SETTINGS.selectbox("Kernel", PRESET_NAMES, "kern_preset", on_change=on_preset)
        size_slot, grid_slot, text_slot = st.container(), st.container(), st.container()
        magnitude = state.kern_preset in kernels.GRADIENT_MAGNITUDE
        sized = state.kern_preset in kernels.SIZED_PRESETS or state.kern_preset == "custom"

        def size_controls() -> None:
            with size_slot:
                SETTINGS.select_slider(
                    "Size", SIZES, "kern_size", on_change=on_size, disabled=not sized
                )
                if state.kern_preset == "gaussian":
                    SETTINGS.select_slider(
                        "Sigma (pixels)", SIGMAS, "kern_sigma", format_func=lambda v: f"{v:.2f}"
                    )
                    st.caption(
                        "At size 3, sigma 0.85 gives exactly the course's "
                        "[1 2 1; 2 4 2; 1 2 1] / 16."
                    )

        def text_control() -> None:
            with text_slot:
                SETTINGS.text_area(
                    "Weights as text (rows on lines; 1/16 allowed)", "kern_text", on_change=on_text
                )

        if state.kern_preset == "custom":
            text_control()
            set_size_from_text()
            size_controls()
        else:
            size_controls()
            if not magnitude:
                set_text_from_preset()
                text_control()
        error = ""
        if magnitude:
            names = kernels.GRADIENT_MAGNITUDE[state.kern_preset]
            kernel_x, kernel_y = (kernels.PRESETS[name] for name in names)
            st.plotly_chart(
                PrebuiltFigure(kernel_heatmap(kernel_x, names[0], page.sizes)), key="kern_fig_x"
            )
            st.plotly_chart(
                PrebuiltFigure(kernel_heatmap(kernel_y, names[1], page.sizes)), key="kern_fig_y"
            )
            st.markdown("Output = sqrt(gx² + gy²): the gradient **magnitude**, always >= 0.")
            kernel = kernel_x
        else:
            try:
                weights = typed_kernel(SETTINGS.value("kern_text"))
                state.kern_last_good = weights
            except kernels.KernelError as problem:
                error = str(problem)
                weights = state.get("kern_last_good", kernels.identity_kernel(3))
            with grid_slot:
                SETTINGS.toggle("Normalise to sum 1", "kern_normalise")
                kernel = weights
                if state.kern_normalise:
                    if np.isclose(weights.sum(), 0):
                        st.warning("The weights sum to 0, so they cannot be normalised to sum 1.")
                    else:
                        kernel = weights / weights.sum()
                st.markdown("**Weights** (edit a cell, or type below; either switches to *custom*)")
                editor = f"kern_grid_{abs(hash(weights.tobytes()))}"  # a new grid when they change
                st.data_editor(
                    pd.DataFrame(weights, columns=[str(c) for c in range(weights.shape[1])]),
                    key=editor,
                    column_config={
                        str(c): st.column_config.NumberColumn(format="%.4g")
                        for c in range(weights.shape[1])
                    },
                    on_change=on_grid,
                    args=(weights, editor),
                    hide_index=True,
                )
            if error:
                text_slot.error(
                    f"These weights cannot be used: {error}. Using the last kernel that worked."
                )
            st.plotly_chart(
                PrebuiltFigure(kernel_heatmap(kernel, "Kernel used", page.sizes)), key="kern_fig"
            )
            st.markdown(f"**Kernel sum: {format_number(kernel.sum())}**")
            st.info(kernels.describe_kernel(kernel))
        st.caption(
            "CNN layers compute cross-correlation: the kernel is applied as drawn, not flipped."
        )

    # The inspector's position comes first: the pictures draw its window.
    with pictures:
        picture_slot = st.container()
        st.subheader("Pixel inspector")
        zoom_col, patch_col, product_col = st.columns([1, 1.2, 1.2])
        with zoom_col:
            position = st.columns(2)
            with position[0]:
                SETTINGS.number_input("Row", 0, 10_000, "kern_row")  # "Column (x)" wrapped
            with position[1]:
                SETTINGS.number_input("Column", 0, 10_000, "kern_col")
            zoom_slot = st.container()
            if state.kern_colour != "grayscale":
                SETTINGS.radio("Channel", ["R", "G", "B"], "kern_channel", horizontal=True)
    row = int(np.clip(state.kern_row, 0, image.shape[0] - 1))
    col = int(np.clip(state.kern_col, 0, image.shape[1] - 1))
    # Compute.
    gray = state.kern_colour == "grayscale"
    source = to_gray(image) if gray else image
    border = state.kern_border
    if magnitude:
        output = kernels.gradient_magnitude(source, kernel_x, kernel_y, border)
    else:
        output = kernels.apply_kernel(source, kernel, border)
    mode = resolve_mode(output, state.kern_display)
    size = kernel.shape[0]
    shown_input = (
        np.repeat(np.clip(source, 0, 255).astype(np.uint8)[:, :, None], 3, 2) if gray else image
    )

    # Show: input | output (the key figure), then the inspector beside it.
    with figures if page.projector else picture_slot:
        st.caption(
            f"Image: {image_label}. Click or drag on the input to move the kernel window "
            "(or click it, then use the arrow keys)."
        )
        # Input and output drawn at one size, so a pixel sits at the same place in both: a tall
        # photo at a width that keeps it 560 px high (stretched, it would run off the screen).
        tall = image.shape[0] > 1.2 * image.shape[1]
        shown_width = max(8, round(560 * image.shape[1] / image.shape[0])) if tall else "stretch"
        col_in, col_out = st.container(key="kern_pair").columns(2)
        with col_in:
            st.markdown("**Input**")
            image_click(
                "kern_click",
                draw_window(shown_input, row, col, size, size),
                size,
                (row, col),
                on_pick,
                max_width=None if shown_width == "stretch" else shown_width,
            )
        with col_out:
            st.markdown(f"**Output** ({mode})")
            st.image(
                draw_window(render_output(output, mode), row, col, size, size), width=shown_width
            )
            if mode == "signed":
                limit = format_number(signed_limit(output))
                scale = (
                    f"blue = -{limit}, white = 0, red = +{limit}"
                    if gray
                    else f"each channel: mid-grey = 0, 0 = -{limit}, 255 = +{limit}"
                )
                st.caption(f"{scale} (99.5th percentile of |value|; larger values at full colour)")

    with pictures:
        with zoom_slot:
            st.image(magnified_window(shown_input, row, col, size), width="stretch")
            st.caption(
                f"The {size} x {size} window at ({row}, {col}), enlarged; hatched = outside."
            )
        channel_index = "RGB".index(SETTINGS.value("kern_channel"))
        channel = source if gray else source[..., channel_index]
        inspected = [(kernel_x, "gx"), (kernel_y, "gy")] if magnitude else [(kernel, "sum")]
        values = []
        for inspect_kernel, name in inspected:
            window = kernels.pixel_window(channel, inspect_kernel, row, col, border)
            values.append(window.value)
            outside = window.outside
            with patch_col:
                st.markdown(f"Patch under the kernel ({name})")
                st.table(
                    pd.DataFrame(window.patch)
                    .map(format_number)
                    .style.apply(
                        lambda _, o=outside: np.where(o, "background-color: #bdbdbd", ""), axis=None
                    )
                )
                if outside.any():
                    st.caption(
                        f"Grey: {int(outside.sum())} values outside the image, from the "
                        f"{border} rule."
                    )
            with product_col:
                st.markdown(f"Kernel x patch, element-wise ({name})")
                st.table(pd.DataFrame(window.products).map(format_number))
            st.code(
                f"{name} = {kernels.sum_formula(window, inspect_kernel, DIGITS)}",
                wrap_lines=True,
                language="text",
            )
        pixel = float(np.hypot(*values)) if magnitude else values[0]
        if magnitude:
            gx, gy = (format_factor(value) for value in values)
            combined = format_number(pixel, DIGITS)
            st.code(f"sqrt(gx² + gy²) = sqrt({gx}² + {gy}²) = {combined}", language="text")
        st.metric(f"Output pixel ({row}, {col})", format_number(pixel, DIGITS))

    st.divider()
    stats_col, histogram_col = st.columns([1, 2])
    stats_col.table(
        pd.DataFrame(
            {
                "statistic": ["min", "max", "mean", "mean |value|"],
                "value": [output.min(), output.max(), output.mean(), np.abs(output).mean()],
            }
        ).round(3),
        hide_index=True,
    )
    histogram_col.plotly_chart(
        PrebuiltFigure(histogram(output, signed=output.min() < 0)), key="kern_hist"
    )

    # Compare mode: the same image through a second kernel of the same size.
    if state.kern_compare:
        st.subheader("Compare two kernels")
        other_names = [name for name in kernels.PRESETS if name != state.kern_preset]
        SETTINGS.selectbox("Second kernel", other_names, "kern_compare_preset")
        other_size = size if state.kern_compare_preset in kernels.SIZED_PRESETS else 3
        other = kernels.preset_kernel(
            state.kern_compare_preset, other_size, SETTINGS.value("kern_sigma")
        )
        other_output = kernels.apply_kernel(source, other, border)
        first_col, second_col = st.columns(2)
        for column, name, weights, result in (
            (first_col, state.kern_preset, kernel, output),
            (second_col, state.kern_compare_preset, other, other_output),
        ):
            shown_mode = resolve_mode(result, state.kern_display)  # each output on its own scale
            column.markdown(
                f"**{name}** ({weights.shape[0]} x {weights.shape[1]}, shown {shown_mode})"
            )
            column.image(render_output(result, shown_mode), width="stretch")
            if name in kernels.GRADIENT_MAGNITUDE:
                column.caption(
                    "sqrt(gx² + gy²) of the two kernels shown above: edges in every direction."
                )
            else:
                column.plotly_chart(
                    PrebuiltFigure(kernel_heatmap(weights, name, page.sizes)),
                    key=f"kern_cmp_{name}",
                )
                column.caption(kernels.describe_kernel(weights))
        st.metric(
            "Mean |difference| between the two outputs",
            format_number(np.abs(output - other_output).mean()),
        )


page_body(page, body, "kern_body")
