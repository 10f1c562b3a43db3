"""The gradient-descent lab in Chromium: click to pick a start point; the view stays."""

from __future__ import annotations

from tests.browser.conftest import open_page, rerun, screenshot


def axis_range(page) -> list[float]:
    return page.evaluate(
        "() => document.querySelector('.st-key-gd_plot .js-plotly-plot').layout.xaxis.range"
    )


def test_contour_and_loss_plots_and_click_to_start(page, server_url) -> None:
    open_page(page, server_url, "gradient_descent")
    plots = page.locator(".js-plotly-plot")
    plots.nth(2).wait_for()
    assert plots.count() == 3  # contour, loss curves, stability map
    w1 = page.get_by_label("start w1")
    assert float(w1.input_value()) == -4
    view = axis_range(page)
    area = page.locator(".st-key-gd_plot .nsewdrag").first
    box = area.bounding_box()
    with rerun(page):  # the upper-right quarter of the contour plot
        page.mouse.click(box["x"] + box["width"] * 0.8, box["y"] + box["height"] * 0.2)
    page.wait_for_function(
        "() => document.querySelector('input[aria-label=\"start w1\"]').value !== '-4'"
    )
    assert float(w1.input_value()) > 0 and float(page.get_by_label("start w2").input_value()) > 0
    page.locator(".st-key-gd_plot .js-plotly-plot").wait_for()
    assert axis_range(page) == view  # a click moves the start, not the view
    screenshot(page, "gradient_descent")
