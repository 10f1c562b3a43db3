"""The Convolution stepper page in AppTest."""

from __future__ import annotations

import numpy as np
import pytest

from lab import convolution as C
from tests.pages.conftest import assault, messages, texts


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def test_lecture_example_first_step(run_page) -> None:
    app = run_page("convolution")
    assert metric(app, "Output shape") == "3 × 3"
    assert metric(app, "Current sum") == "12"
    assert (
        app.code[0].value
        == "output[0, 0] = 0*3 + 1*3 + 2*2 + 2*0 + 2*0 + 0*1 + 0*3 + 1*1 + 2*2 = 12"
    )


def test_stride_2_padding_1_then_step_forward(run_page) -> None:
    app = run_page("convolution")
    app.number_input(key="conv_stride_r").set_value(2).run()
    app.number_input(key="conv_stride_c").set_value(2).run()
    for side in ("top", "bottom", "left", "right"):
        app.number_input(key=f"conv_pad_{side}").set_value(1).run()
    app.button(key="conv_next").click().run()
    expected = C.conv2d(C.LECTURE_INPUT, C.LECTURE_KERNEL, stride=2, padding=1)
    assert metric(app, "Output shape") == "3 × 3"
    assert metric(app, "Current sum") == f"{expected[0, 1]:g}"
    shown = texts(app)
    assert "rows:    out = floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = floor(4/2) + 1 = 3" in shown
    assert app.code[0].value.startswith("output[0, 1] = ")


def test_jump_to_step_and_dilation(run_page) -> None:
    app = run_page("convolution")
    app.selectbox(key="conv_source").set_value("random integers").run()
    app.number_input(key="conv_dil_r").set_value(2).run()
    app.number_input(key="conv_step").set_value(7).run()
    x = np.random.default_rng(0).integers(0, 10, size=(7, 7)).astype(float)
    expected = C.conv2d(x, C.LECTURE_KERNEL, dilation=(2, 1))
    assert metric(app, "Output shape") == f"{expected.shape[0]} × {expected.shape[1]}"
    row, col = divmod(6, expected.shape[1])
    assert metric(app, "Current sum") == f"{expected[row, col]:g}"


def test_same_padding_keeps_the_size(run_page) -> None:
    app = run_page("convolution")
    app.radio(key="conv_pad_mode").set_value("same").run()
    assert metric(app, "Output shape") == "5 × 5"


@pytest.mark.parametrize(
    "key, value, words",
    [
        ("conv_dil_r", 4, "covers 9 cells (dilated to 9)"),  # dilated kernel too large
        ("conv_kernel_text", "1 2 3 4 5 6 7 8", "up to 7 × 7"),  # kernel too wide
        ("conv_grid_text", "1 2\n3", "same number"),  # ragged typed grid
    ],
)
def test_invalid_settings_explain_themselves(run_page, key, value, words) -> None:
    app = run_page("convolution")
    if key == "conv_kernel_text":
        app.selectbox(key="conv_kernel").set_value("typed").run()
        app.text_area(key=key).input(value).run()
    elif key == "conv_grid_text":
        app.selectbox(key="conv_source").set_value("typed grid").run()
        app.text_area(key=key).input(value).run()
    else:
        app.number_input(key=key).set_value(value).run()
    assert not app.exception
    assert words in " ".join(e.value for e in app.error)


def test_multichannel_mode_sums_over_channels(run_page) -> None:
    app = run_page("convolution")
    app.segmented_control(key="conv_mode").set_value("Multi-channel").run()
    assert metric(app, "Output shape") == "3 × 3 × 2 maps"
    assert metric(app, "Parameters") == str(3 * 3 * 3 * 2 + 2)
    formula = app.code[0].value
    assert "\nG: " in formula and "\ntotal = " in formula


def test_pooling_mode(run_page) -> None:
    app = run_page("convolution")
    app.segmented_control(key="conv_mode").set_value("Pooling").run()
    assert metric(app, "Output shape") == "2 × 2"
    assert app.code[0].value == "output[0, 0] = max(3, 3, 0, 0) = 3"
    app.radio(key="conv_pool_mode").set_value("avg").run()
    assert app.code[0].value == "output[0, 0] = (3 + 3 + 0 + 0) / 4 = 1.5"


def test_transposed_mode_shows_c_and_its_check(run_page) -> None:
    app = run_page("convolution")
    app.segmented_control(key="conv_mode").set_value("Transposed").run()
    assert metric(app, "Output shape") == "5 × 5"
    assert "largest difference 0" in " ".join(s.value for s in app.success)
    assert "as a matrix C it is 4×25" in texts(app)


def test_settings_survive_a_trip_to_another_mode(run_page) -> None:
    app = run_page("convolution")
    app.number_input(key="conv_stride_r").set_value(2).run()
    app.segmented_control(key="conv_mode").set_value("Pooling").run()
    app.segmented_control(key="conv_mode").set_value("Convolution").run()
    assert app.number_input(key="conv_stride_r").value == 2


def test_hostile_values_in_every_input_give_messages_not_tracebacks(run_page) -> None:
    def healthy(app) -> bool:
        return any(m.label == "Output shape" for m in app.metric)

    def typed_source(app) -> None:
        app.selectbox(key="conv_source").set_value("typed grid").run()

    def typed_kernel(app) -> None:
        app.selectbox(key="conv_kernel").set_value("typed").run()

    app = run_page("convolution")
    assault(app, "text_area", "conv_grid_text", healthy, typed_source)
    assault(app, "text_area", "conv_kernel_text", healthy, typed_kernel)
    for key in (
        "conv_stride_r",
        "conv_stride_c",
        "conv_pad_top",
        "conv_pad_left",
        "conv_dil_r",
        "conv_dil_c",
        "conv_step",
    ):
        assault(app, "number_input", key, healthy)
    app = run_page("convolution")
    app.segmented_control(key="conv_mode").set_value("Pooling").run()
    for key in ("conv_pool_size", "conv_pool_stride"):
        assault(app, "number_input", key, healthy)
    app.segmented_control(key="conv_mode").set_value("Transposed").run()
    for key in ("conv_t_stride", "conv_t_padding", "conv_t_output_padding", "conv_seed"):
        assault(app, "number_input", key, healthy)


def test_a_typed_grid_over_32_cells_a_side_is_refused_with_a_message(run_page) -> None:
    app = run_page("convolution")
    app.selectbox(key="conv_source").set_value("typed grid").run()
    app.text_area(key="conv_grid_text").input("\n".join(["1 " * 40] * 40)).run()
    assert not app.exception
    assert "up to 32 × 32 are stepped here; this one is 40 × 40" in " ".join(messages(app))
    app.text_area(key="conv_grid_text").input("\n".join(["1 " * 256] * 256)).run()  # 13 s before
    assert "too long" in " ".join(messages(app))
