"""The Kernel lab in Chromium: type a kernel, click and drag on the photo, look at the screenshot."""

from __future__ import annotations

import numpy as np
import pytest

from lab import kernels
from lab.format import format_number
from lab.images import to_gray
from tests.browser.conftest import new_page, open_page, rerun, screenshot
from ui.common import cached_sample


def inspected(page) -> tuple[int, int]:
    label = page.locator("[data-testid='stMetric']").filter(has_text="Output pixel").first
    text = label.inner_text()
    return tuple(int(v) for v in text.split("(")[1].split(")")[0].split(","))


def test_kernel_lab_changes_kernel_and_moves_the_inspector(page, server_url) -> None:
    open_page(page, server_url, "kernel_lab")
    assert inspected(page) == (100, 100)
    page.get_by_text("Kernel sum: 0").wait_for()

    box = page.get_by_label("Weights as text (rows on lines; 1/16 allowed)")
    box.fill("1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9")
    with rerun(page):
        box.press("Control+Enter")
    page.get_by_text("Kernel sum: 1").wait_for()
    assert "blurred" in page.locator("[data-testid='stAlert']").first.inner_text()
    expected = kernels.apply_kernel(to_gray(cached_sample("camera", 640)), np.ones((3, 3)) / 9)
    value = page.locator("[data-testid='stMetric']").filter(has_text="Output pixel").first
    shown = float(value.locator("[data-testid='stMetricValue']").inner_text())
    assert abs(shown - expected[100, 100]) < 1e-3

    # Click the input photo (a component in an iframe): the inspector follows the click.
    frame = page.frame_locator("iframe").first
    image = frame.locator("img")
    image.wait_for()
    bounds = image.bounding_box()
    with rerun(page):
        image.click(position={"x": bounds["width"] * 0.25, "y": bounds["height"] * 0.75})
    row, col = inspected(page)
    assert 370 <= row <= 400 and 115 <= col <= 140  # 512 x 512 photo: 3/4 down, 1/4 across
    # Drag: the window lands where the mouse is released.
    image.hover(position={"x": bounds["width"] * 0.5, "y": bounds["height"] * 0.5})
    with rerun(page):
        page.mouse.down()
        image.hover(position={"x": bounds["width"] * 0.75, "y": bounds["height"] * 0.25})
        page.mouse.up()
    row, col = inspected(page)
    assert 115 <= row <= 140 and 370 <= col <= 400
    formula = page.locator("[data-testid='stCode']").first.inner_text()
    assert formula.endswith(format_number(expected[row, col], 6)) or "=" in formula
    screenshot(page, "kernel_lab")


def test_a_tall_thin_upload_does_not_stretch_the_page(page, server_url, tmp_path) -> None:
    from PIL import Image

    path = tmp_path / "tall.png"
    Image.new("RGB", (50, 2000), (200, 30, 30)).save(path)
    open_page(page, server_url, "kernel_lab")
    with rerun(page):
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_text("your upload, 16 x 640 px (downscaled from 50 x 2000)").wait_for()
    pictures = page.locator("[data-testid='stImage'] img, iframe")  # the input is an iframe
    pictures.nth(2).wait_for()
    heights = pictures.evaluate_all("items => items.map(i => i.getBoundingClientRect().height)")
    viewport = page.viewport_size["height"]
    assert heights and max(heights) <= 0.8 * viewport  # at most 78 % of the window's height
    screenshot(page, "kernel_lab_tall_upload")


@pytest.mark.parametrize("projector", [False, True], ids=["normal", "projector"])
def test_input_and_output_are_drawn_at_one_size(browser, server_url, projector) -> None:
    """A pixel sits at the same place in both pictures: in projector mode at 1280 x 720 the output
    was held to 78 % of the window's height (562 px) beside a 600 px input."""
    page = new_page(browser, 1280, 720)
    open_page(page, server_url, "kernel_lab?app_projector=true" if projector else "kernel_lab")
    pair = page.locator(".st-key-kern_pair")
    pair.locator("[data-testid='stImage'] img").first.wait_for()
    same = """() => {
        const pair = document.querySelector('.st-key-kern_pair');
        const frame = pair && pair.querySelector('iframe');
        const picture = pair && pair.querySelector('[data-testid="stImage"] img');
        if (!frame || !picture) return false;  // the component mounts after the run
        const a = frame.getBoundingClientRect(), b = picture.getBoundingClientRect();
        return a.height > 100 && Math.abs(a.width - b.width) <= 2
            && Math.abs(a.height - b.height) <= 2 && Math.abs(a.top - b.top) <= 2;
    }"""
    try:  # the component's iframe takes its height once its picture has loaded
        page.wait_for_function(same, timeout=30_000)
    except Exception:
        boxes = [pair.locator(s).first.bounding_box() for s in ("iframe", "img")]
        raise AssertionError(f"input and output drawn at different sizes: {boxes}") from None
    page.context.close()
