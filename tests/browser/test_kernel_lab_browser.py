"""The Kernel lab in Chromium: change the kernel, click the photo, look at the screenshot."""

from __future__ import annotations

from tests.browser.conftest import open_page, screenshot, wait_idle


def metric_text(page) -> str:
    return page.locator("[data-testid='stMetric']").first.inner_text()


def test_kernel_lab_changes_kernel_and_moves_the_inspector(page, server_url) -> None:
    open_page(page, server_url, "kernel_lab")
    assert "Output pixel (100, 100)" in metric_text(page)
    page.get_by_text("Kernel sum: 0").wait_for()

    # Type a new kernel (and leave the box, which commits it).
    box = page.get_by_label("Weights as text (rows on lines; 1/16 allowed)")
    box.fill("1/9 1/9 1/9\n1/9 1/9 1/9\n1/9 1/9 1/9")
    box.press("Control+Enter")
    wait_idle(page)
    page.get_by_text("Kernel sum: 1").wait_for()
    assert "blurred" in page.locator("[data-testid='stAlert']").first.inner_text()

    # Click the input photo (a component in an iframe): the inspector follows the click.
    frame = page.frame_locator("iframe").first
    image = frame.locator("img")
    image.wait_for()
    bounds = image.bounding_box()
    image.click(position={"x": bounds["width"] * 0.25, "y": bounds["height"] * 0.75})
    wait_idle(page)
    page.wait_for_function(
        "() => !document.querySelector(\"[data-testid='stMetric']\").innerText.includes('(100, 100)')"
    )
    label = metric_text(page)
    row, col = (int(v) for v in label.split("(")[1].split(")")[0].split(","))
    assert 370 <= row <= 400 and 115 <= col <= 140  # 512 x 512 photo: 3/4 down, 1/4 across
    # Drag: the window lands where the mouse is released.
    frame_image = frame.locator("img")
    frame_image.hover(position={"x": bounds["width"] * 0.5, "y": bounds["height"] * 0.5})
    page.mouse.down()
    frame_image.hover(position={"x": bounds["width"] * 0.75, "y": bounds["height"] * 0.25})
    page.mouse.up()
    wait_idle(page)
    page.wait_for_function(
        "() => document.querySelector(\"[data-testid='stMetric']\").innerText.includes(', 3')"
    )
    label = metric_text(page)
    row, col = (int(v) for v in label.split("(")[1].split(")")[0].split(","))
    assert 115 <= row <= 140 and 370 <= col <= 400
    screenshot(page, "kernel_lab")
