"""The Kernel lab page in AppTest: presets, weight edits, the inspector, uploads."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image

from lab import kernels
from lab.images import to_gray
from tests.pages.conftest import assault, messages, texts
from ui.common import cached_sample


def camera_gray() -> np.ndarray:
    return to_gray(cached_sample("camera", 640))


def test_default_page_shows_sobel_x_and_the_inspector_sum(run_page) -> None:
    app = run_page("kernel_lab")
    shown = texts(app)
    assert "Kernel sum: 0" in shown and "vertical edges" in shown
    expected = kernels.apply_kernel(camera_gray(), kernels.PRESETS["sobel x"])[100, 100]
    metric = app.metric[0]
    assert metric.label == "Output pixel (100, 100)"
    assert float(metric.value) == expected
    assert app.code[0].value.startswith("sum = (-1)*") and app.code[0].value.endswith(
        f"= {metric.value}"
    )


def test_selecting_a_preset_then_editing_a_weight_switches_to_custom(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_preset").set_value("box blur").run()
    assert "blurred" in texts(app) and "Kernel sum: 1" in texts(app)
    app.text_area(key="kern_text").input("0 -1 0\n0 2 0\n0 -1 0").run()  # 'horizontal sharpen'
    assert not app.exception
    assert app.session_state["kern_preset"] == "custom"
    shown = texts(app)
    assert "Kernel sum: 0" in shown and "above and below" in shown
    kernel = np.array([[0, -1, 0], [0, 2, 0], [0, -1, 0]], dtype=float)
    expected = kernels.apply_kernel(camera_gray(), kernel)[100, 100]
    assert float(app.metric[0].value) == expected


def test_bad_kernel_text_keeps_the_old_kernel_and_says_why(run_page) -> None:
    app = run_page("kernel_lab")
    before = app.metric[0].value
    app.text_area(key="kern_text").input("1 2\n3 4").run()
    assert "odd" in " ".join(e.value for e in app.error)
    assert "Using the last kernel that worked" in " ".join(e.value for e in app.error)
    assert app.metric[0].value == before  # still Sobel x
    assert app.text_area(key="kern_text").value == "1 2\n3 4"  # what was typed stays to fix


def test_gaussian_size_and_sigma_rebuild_the_kernel(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_preset").set_value("gaussian").run()
    app.select_slider(key="kern_size").set_value(7).run()
    app.select_slider(key="kern_sigma").set_value(2.0).run()
    shown = kernels.parse_kernel(app.text_area(key="kern_text").value)
    np.testing.assert_allclose(shown, kernels.gaussian_kernel(7, 2.0), rtol=1e-5)
    assert "Kernel sum: 1" in texts(app)


def test_normalise_divides_by_the_sum(run_page) -> None:
    app = run_page("kernel_lab")
    app.text_area(key="kern_text").input("1 1 1\n1 1 1\n1 1 1").run()
    app.toggle(key="kern_normalise").set_value(True).run()
    assert "Kernel sum: 1" in texts(app)
    expected = kernels.apply_kernel(camera_gray(), np.ones((3, 3)) / 9)[100, 100]
    assert abs(float(app.metric[0].value) - expected) < 1e-3


def test_moving_the_inspector_and_the_border_rule(run_page) -> None:
    app = run_page("kernel_lab")
    app.radio(key="kern_border").set_value("zero").run()
    app.number_input(key="kern_row").set_value(0).run()
    app.number_input(key="kern_col").set_value(0).run()
    assert app.metric[0].label == "Output pixel (0, 0)"
    expected = kernels.apply_kernel(camera_gray(), kernels.PRESETS["sobel x"], "zero")[0, 0]
    assert abs(float(app.metric[0].value) - expected) < 1e-3
    assert "outside the image" in texts(app)


def test_sobel_magnitude_shows_both_sums(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_preset").set_value("sobel magnitude").run()
    codes = [c.value for c in app.code]
    assert codes[0].startswith("gx = ") and codes[1].startswith("gy = ")
    assert codes[2].startswith("sqrt(gx² + gy²) = sqrt(")
    gray = camera_gray()
    expected = kernels.gradient_magnitude(
        gray, kernels.PRESETS["sobel x"], kernels.PRESETS["sobel y"]
    )[100, 100]
    assert abs(float(app.metric[0].value) - expected) < 1e-3


def test_rgb_mode_inspects_one_channel(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_sample").set_value("coffee").run()
    app.radio(key="kern_colour").set_value("per-channel RGB").run()
    app.radio(key="kern_channel").set_value("G").run()
    image = cached_sample("coffee", 640)
    expected = kernels.apply_kernel(image, kernels.PRESETS["sobel x"])[100, 100, 1]
    assert float(app.metric[0].value) == expected


def test_compare_mode_shows_two_kernels(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_preset").set_value("box blur").run()
    app.toggle(key="kern_compare").set_value(True).run()
    app.selectbox(key="kern_compare_preset").set_value("gaussian").run()
    assert not app.exception
    image = camera_gray()
    difference = np.abs(
        kernels.apply_kernel(image, kernels.PRESETS["box blur"])
        - kernels.apply_kernel(image, kernels.PRESETS["gaussian"])
    ).mean()
    assert abs(float(app.metric[1].value) - difference) < 1e-2


def test_bad_upload_shows_a_message_and_the_page_carries_on(run_page) -> None:
    app = run_page("kernel_lab")
    app.file_uploader(key="kern_upload").set_value(
        ("photo.png", b"not a png at all", "image/png")
    ).run()
    assert not app.exception
    assert "not an image" in " ".join(e.value for e in app.error)
    assert app.metric[0].label == "Output pixel (100, 100)"  # still working, on the sample photo


def test_good_upload_is_used(run_page) -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (120, 80), (10, 200, 30)).save(buffer, format="PNG")
    app = run_page("kernel_lab")
    app.file_uploader(key="kern_upload").set_value(("a.png", buffer.getvalue(), "image/png")).run()
    assert not app.exception and not app.error
    assert "your upload, 120 x 80 px" in texts(app)
    assert app.metric[0].label == "Output pixel (79, 100)"  # the inspector is kept on the image


def test_compare_mode_scales_each_output_on_its_own(run_page) -> None:
    app = run_page("kernel_lab")  # sobel x: signed output
    app.toggle(key="kern_compare").set_value(True).run()
    app.selectbox(key="kern_compare_preset").set_value("box blur").run()
    shown = texts(app)
    assert "**sobel x** (3 x 3, shown signed)" in shown
    assert "**box blur** (3 x 3, shown clipped)" in shown  # a blur has no negative values


def test_compare_mode_with_the_gradient_magnitude(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_preset").set_value("sobel magnitude").run()
    app.toggle(key="kern_compare").set_value(True).run()
    assert not app.exception
    shown = texts(app)
    assert "**sobel magnitude** (3 x 3, shown clipped)" in shown
    assert "edges in every direction" in shown


def test_hostile_values_in_every_input_give_messages_not_tracebacks(run_page) -> None:
    app = run_page("kernel_lab")

    def healthy(app) -> bool:
        return any(m.label.startswith("Output pixel") for m in app.metric)

    assault(app, "text_area", "kern_text", healthy)
    for key in ("kern_row", "kern_col"):
        assault(app, "number_input", key, healthy)
    before = app.metric[0].value
    app.text_area(key="kern_text").input("1e39").run()  # finite in float64, not in float32
    assert "within ±1e+06" in " ".join(messages(app))
    assert app.metric[0].value == before  # the kernel in use did not change


def test_compare_while_the_second_kernels_default_is_the_first(run_page) -> None:
    app = run_page("kernel_lab")
    app.selectbox(key="kern_preset").set_value("gaussian").run()
    app.toggle(key="kern_compare").set_value(True).run()  # gaussian cannot be its own second
    assert not app.exception
    assert app.selectbox(key="kern_compare_preset").value != "gaussian"


def test_clickable_photo_is_sent_as_a_small_jpeg_of_the_input(run_page) -> None:
    """It goes inline in every rerun's message: a JPEG of the shown photo, not an uncompressed PNG
    (1 MB per click per student)."""
    import base64
    import json

    app = run_page("kernel_lab")
    (clickable,) = [
        e for e in app.get("bidi_component") if e.proto.component_name == "cnn_lab_image_click"
    ]
    sent = json.loads(clickable.proto.json)
    assert (sent["rows"], sent["cols"], sent["window"]) == (512, 512, 3)  # pixels, not screen
    source = sent["src"]
    assert source.startswith("data:image/jpeg;base64,")
    data = base64.b64decode(source.split(",", 1)[1])
    assert len(data) < 150_000
    shown = np.asarray(Image.open(io.BytesIO(data)).convert("L"), dtype=float)
    expected = to_gray(cached_sample("camera", 640)).astype(float)
    assert shown.shape == expected.shape
    assert np.abs(shown - expected).mean() < 4  # the photo itself (the window box aside)
