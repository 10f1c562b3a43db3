"""The Convolution stepper page in AppTest."""

from __future__ import annotations

import numpy as np
import pytest

from lab import convolution
from tests.pages.conftest import assault, messages, texts


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def output_map(app, tab: int = 0) -> np.ndarray:
    """The output map shown as a table, as numbers."""
    return app.table[tab].value.astype(float).to_numpy()


def test_lecture_example(run_page) -> None:
    app = run_page("convolution")
    assert metric(app, "Output shape") == "3 × 3"
    assert metric(app, "Steps") == "9" and metric(app, "Parameters") == "10"
    np.testing.assert_array_equal(output_map(app), convolution.LECTURE_OUTPUT)


def test_stride_2_padding_1(run_page) -> None:
    app = run_page("convolution")
    app.number_input(key="conv_stride_r").set_value(2).run()
    app.number_input(key="conv_stride_c").set_value(2).run()
    for side in ("top", "bottom", "left", "right"):
        app.number_input(key=f"conv_pad_{side}").set_value(1).run()
    expected = convolution.conv2d(
        convolution.LECTURE_INPUT, convolution.LECTURE_KERNEL, stride=2, padding=1
    )
    assert metric(app, "Output shape") == "3 × 3"
    np.testing.assert_array_equal(output_map(app), expected)
    shown = texts(app)
    assert "rows:    out = floor((5 + 2*1 - 1*(3-1) - 1) / 2) + 1 = floor(4/2) + 1 = 3" in shown


def test_random_grid_with_dilation(run_page) -> None:
    app = run_page("convolution")
    app.selectbox(key="conv_source").set_value("random integers").run()
    app.number_input(key="conv_dil_r").set_value(2).run()
    x = np.random.default_rng(0).integers(0, 10, size=(7, 7)).astype(float)
    expected = convolution.conv2d(x, convolution.LECTURE_KERNEL, dilation=(2, 1))
    assert metric(app, "Output shape") == f"{expected.shape[0]} × {expected.shape[1]}"
    np.testing.assert_array_equal(output_map(app), expected)


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
    x = np.stack([np.roll(convolution.LECTURE_INPUT, c, axis=1) for c in range(3)])
    w = np.random.default_rng(1).integers(-2, 3, size=(2, 3, 3, 3)).astype(float)
    expected = convolution.conv2d(x, w)
    for k in range(2):
        np.testing.assert_array_equal(output_map(app, k), expected[k])


def test_pooling_mode(run_page) -> None:
    app = run_page("convolution")
    app.segmented_control(key="conv_mode").set_value("Pooling").run()
    assert metric(app, "Output shape") == "2 × 2"
    np.testing.assert_array_equal(output_map(app), convolution.pool2d(convolution.LECTURE_INPUT, 2))
    app.radio(key="conv_pool_mode").set_value("avg").run()
    np.testing.assert_array_equal(
        output_map(app), convolution.pool2d(convolution.LECTURE_INPUT, 2, mode="avg")
    )


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
        "conv_start",
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


def test_a_kept_value_outside_another_modes_range_is_clipped_not_a_crash(run_page) -> None:
    app = run_page("convolution")
    app.selectbox(key="conv_source").set_value("random integers").run()
    app.slider(key="conv_rows").set_value(32).run()  # up to 32 rows here...
    app.segmented_control(key="conv_mode").set_value("Multi-channel").run()  # ...16 there
    assert not app.exception
    assert app.slider(key="conv_rows").value == 16
