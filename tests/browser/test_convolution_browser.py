"""The Convolution stepper in Chromium: scrub client-side, change stride, screenshot mid-animation."""

from __future__ import annotations

from tests.browser.conftest import open_page, screenshot, wait_idle


def test_first_visit_to_a_page_url_gets_the_app_navigation(page, server_url) -> None:
    open_page(page, server_url, "convolution")
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Kernel lab" in nav and "Convolution stepper" in nav and "app" not in nav.split()


def test_stepper_scrubs_in_the_browser(page, server_url) -> None:
    open_page(page, server_url, "convolution")
    page.get_by_label("Stride (rows)").fill("2")
    page.get_by_label("Stride (rows)").press("Enter")
    wait_idle(page)
    page.locator(".js-plotly-plot").first.wait_for()
    title = page.locator(".js-plotly-plot .gtitle").first
    assert "step 1/" in title.text_content()
    # Click a later step on the Plotly slider: the frame changes without a Streamlit rerun.
    runs_before = page.evaluate("() => performance.getEntriesByType('resource').length")
    rail = page.locator(".js-plotly-plot .slider-rail-touch-rect").first
    box = rail.bounding_box()
    rail.click(position={"x": box["width"] * 0.6, "y": box["height"] / 2})
    page.wait_for_function(
        "() => !document.querySelector('.js-plotly-plot .gtitle').textContent.includes('step 1/')"
    )
    assert page.evaluate("() => performance.getEntriesByType('resource').length") == runs_before
    assert "output[" in title.text_content()
    screenshot(page, "convolution_mid_step")
