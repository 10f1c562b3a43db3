"""The IoU lab in Chromium: drag a box on the canvas; the numbers follow."""

from __future__ import annotations

from tests.browser.conftest import open_page, screenshot, wait_idle


def metric_value(page, label: str) -> str:
    metric = page.locator("[data-testid='stMetric']").filter(has_text=label).first
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def test_dragging_box_b_changes_iou(page, server_url) -> None:
    open_page(page, server_url, "iou")
    assert metric_value(page, "GIoU") == "-0.0424"
    svg = page.locator("[data-testid='box-canvas-svg']")
    svg.wait_for()
    box = svg.bounding_box()
    scale = box["width"] / 400  # canvas units -> screen pixels
    # Grab box B (x 150..330, y 110..250) inside its area but outside box A, drag it 90 units left.
    start = (box["x"] + 300 * scale, box["y"] + 230 * scale)
    page.mouse.move(*start)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(start[0] - 9 * step * scale, start[1])
    live = page.locator("[data-testid='box-canvas-svg'] text").last.text_content()
    assert live.startswith("IoU ")  # updated in the browser while dragging
    page.mouse.up()
    wait_idle(page)
    page.wait_for_function(
        "() => [...document.querySelectorAll(\"[data-testid='stMetricValue']\")]"
        ".some(e => e.innerText !== '0.1525' && e.closest('[data-testid=stMetric]').innerText.startsWith('IoU'))"
    )
    x1 = page.get_by_label("x1").nth(1).input_value()
    assert 55 <= int(x1) <= 65  # B moved from x1 = 150 to about 60
    assert float(metric_value(page, "IoU")) > 0.4  # now it mostly overlaps A
    screenshot(page, "iou_after_drag")
