"""The gradient-descent lab in Chromium: the contour and loss plots, click to pick a start point."""

from __future__ import annotations

from tests.browser.conftest import open_page, screenshot, wait_idle


def test_contour_and_loss_plots_and_click_to_start(page, server_url) -> None:
    open_page(page, server_url, "gradient_descent")
    plots = page.locator(".js-plotly-plot")
    plots.nth(2).wait_for()
    assert plots.count() == 3  # contour, loss curves, stability map
    w1 = page.get_by_label("start w1")
    assert float(w1.input_value()) == -4
    # Click the upper-right quarter of the contour plot: the start point moves there.
    area = page.locator(".js-plotly-plot .nsewdrag").first
    box = area.bounding_box()
    page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.2)
    wait_idle(page)
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"start w1\"]').value !== '-4'"
    )
    assert float(w1.input_value()) > 0 and float(page.get_by_label("start w2").input_value()) > 0
    screenshot(page, "gradient_descent")
