"""The NMS lab in Chromium: the threshold slider, the animation, drawing a box."""

from __future__ import annotations

from tests.browser.conftest import open_page, screenshot, wait_idle


def kept(page) -> int:
    metric = page.locator("[data-testid='stMetric']").filter(has_text="Kept").first
    return int(metric.locator("[data-testid='stMetricValue']").inner_text())


def test_threshold_slider_and_animation(page, server_url) -> None:
    open_page(page, server_url, "nms")
    before = kept(page)
    slider = page.get_by_role("slider", name="IoU threshold")
    slider.focus()
    for _ in range(40):  # 0.50 -> 0.90
        slider.press("ArrowRight")
    wait_idle(page)
    page.wait_for_function(
        f"() => [...document.querySelectorAll(\"[data-testid='stMetric']\")]"
        f".some(m => m.innerText.startsWith('Kept') && !m.innerText.includes('\\n{before}'))"
    )
    assert kept(page) > before
    page.locator(".js-plotly-plot").first.wait_for()
    rail = page.locator(".js-plotly-plot .slider-rail-touch-rect").first
    bounds = rail.bounding_box()
    rail.click(position={"x": bounds["width"] * 0.3, "y": bounds["height"] / 2})
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .gtitle').textContent.startsWith('Round')"
    )
    screenshot(page, "nms_round")


def test_drawing_a_box_adds_a_line(page, server_url) -> None:
    open_page(page, server_url, "nms")
    page.get_by_text("your own boxes").click()
    wait_idle(page)
    svg = page.locator("[data-testid='box-canvas-svg']")
    svg.wait_for()
    box = svg.bounding_box()
    scale = box["width"] / 640
    page.mouse.move(box["x"] + 420 * scale, box["y"] + 20 * scale)  # empty space, top right
    page.mouse.down()
    page.mouse.move(box["x"] + 500 * scale, box["y"] + 60 * scale, steps=5)
    page.mouse.move(box["x"] + 600 * scale, box["y"] + 100 * scale, steps=5)
    page.mouse.up()
    wait_idle(page)
    text = page.get_by_label("Boxes, one per line: x1 y1 x2 y2 score class")
    page.wait_for_function(
        "() => document.querySelector('textarea').value.split('\\n').length === 6"
    )
    last = text.input_value().splitlines()[-1].split()
    assert abs(float(last[0]) - 420) <= 3 and abs(float(last[2]) - 600) <= 3 and last[4] == "0.5"
    screenshot(page, "nms_drawn")
