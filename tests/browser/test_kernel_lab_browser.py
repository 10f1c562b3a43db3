"""The Kernel lab in Chromium: type a kernel, click and drag on the photo, look at the screenshot."""

from __future__ import annotations

import numpy as np
import pytest
from playwright.sync_api import expect

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

    # Click the input photo (a component): the inspector follows the click.
    image = page.locator("[data-testid='image-click']")
    image.wait_for()
    bounds = image.bounding_box()
    with rerun(page):
        image.click(position={"x": bounds["width"] * 0.25, "y": bounds["height"] * 0.75})
    row, col = inspected(page)
    assert abs(row - 384) <= 1 and abs(col - 128) <= 1  # 512 x 512 photo: 3/4 down, 1/4 across
    # Drag: an outline of the window follows the pointer in the browser, and the window lands
    # where the mouse is released.
    image.hover(position={"x": bounds["width"] * 0.5, "y": bounds["height"] * 0.5})
    marker = page.locator(".cnn-image-click > div")
    with rerun(page):
        page.mouse.down()
        image.hover(position={"x": bounds["width"] * 0.75, "y": bounds["height"] * 0.25})
        outline = marker.bounding_box()
        assert marker.is_visible() and outline is not None
        centre = (outline["x"] + outline["width"] / 2, outline["y"] + outline["height"] / 2)
        pointer = (bounds["x"] + bounds["width"] * 0.75, bounds["y"] + bounds["height"] * 0.25)
        assert all(abs(a - b) <= 2 for a, b in zip(centre, pointer, strict=True)), outline
        page.mouse.up()
    row, col = inspected(page)
    assert abs(row - 128) <= 1 and abs(col - 384) <= 1
    expect(marker).to_be_hidden()  # the rerun's picture has the window drawn in it
    # Arrow keys on the photo nudge the window a pixel (ten with Shift), also when pressed
    # faster than the reruns come back: each carries on from the last.
    for key in ("ArrowRight", "ArrowRight", "ArrowRight", "Shift+ArrowDown", "ArrowLeft"):
        image.press(key)
    expect(
        page.locator("[data-testid='stMetric']").filter(has_text="Output pixel").first
    ).to_contain_text(f"({row + 10}, {col + 2})", timeout=20_000)
    expect(page.locator(".st-key-kern_col input")).to_have_value(str(col + 2))
    expect(image).to_be_focused()
    # The inspector's formula and the output pixel follow, with the box blur's value there.
    value = format_number(expected[row + 10, col + 2], 6)
    formula = page.locator("[data-testid='stCode']").first.inner_text()
    assert formula.startswith("sum = ") and formula.endswith(f" = {value}"), formula
    shown = page.locator("[data-testid='stMetric']").filter(has_text="Output pixel").first
    expect(shown.locator("[data-testid='stMetricValue']")).to_have_text(value)
    screenshot(page, "kernel_lab")


def test_a_tall_thin_upload_does_not_stretch_the_page(page, server_url, tmp_path) -> None:
    from PIL import Image

    path = tmp_path / "tall.png"
    Image.new("RGB", (50, 2000), (200, 30, 30)).save(path)
    open_page(page, server_url, "kernel_lab")
    with rerun(page):
        page.locator("[data-testid='stFileUploaderDropzoneInput']").set_input_files(str(path))
    page.get_by_text("your upload, 16 x 640 px (downscaled from 50 x 2000)").wait_for()
    pictures = page.locator("[data-testid='stImage'] img, [data-testid='image-click']")
    pictures.nth(2).wait_for()
    heights = pictures.evaluate_all("items => items.map(i => i.getBoundingClientRect().height)")
    viewport = page.viewport_size["height"]
    assert heights and max(heights) <= 0.8 * viewport  # at most 78 % of the window's height
    screenshot(page, "kernel_lab_tall_upload")


@pytest.mark.parametrize("projector", [False, True], ids=["normal", "projector"])
def test_input_and_output_are_drawn_at_one_size(browser, server_url, projector) -> None:
    """A pixel sits at the same place in both pictures, also after the window changes size: in
    projector mode at 1280 x 720 the output was held to 78 % of the window's height (562 px)
    beside a 600 px input, and the input (then a component in an iframe that took its height once,
    when its picture loaded) kept a stale height when the column was narrower at that moment
    (552 px high and 600 px wide in one CI run: the photo cut off at the bottom)."""
    page = new_page(browser, 1280, 720)
    open_page(page, server_url, "kernel_lab?app_projector=true" if projector else "kernel_lab")
    pair = page.locator(".st-key-kern_pair")
    shown = ("[data-testid='image-click']", "[data-testid='stImage'] img")
    pair.locator(shown[1]).first.wait_for()
    # The component draws in its own shadow root: Playwright's locators reach into it.
    pictures = [pair.locator(s).first for s in shown]
    pictures[0].wait_for()
    handles = [picture.element_handle() for picture in pictures]
    same = """([input, output]) => {
        if (!input.complete || !output.complete) return false;
        const a = input.getBoundingClientRect(), b = output.getBoundingClientRect();
        return a.height > 100 && Math.abs(a.width - b.width) <= 2
            && Math.abs(a.height - b.height) <= 2 && Math.abs(a.top - b.top) <= 2;
    }"""
    for width in (1280, 1100, 1280):  # a window made narrower, then wider again
        page.set_viewport_size({"width": width, "height": 720})
        try:
            page.wait_for_function(same, arg=handles, timeout=30_000)
        except Exception:
            boxes = [picture.bounding_box() for picture in pictures]
            raise AssertionError(f"at {width} px, two sizes: {boxes}") from None
    page.context.close()
