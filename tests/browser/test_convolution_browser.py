"""The Convolution stepper in Chromium: scrub, step, play and the keys run in the browser, and the
formula in the figure follows the frame shown."""

from __future__ import annotations

from lab import convolution
from tests.browser.conftest import open_page, rerun, screenshot


def heading(page) -> str:
    """The frame's formula, the figure's first annotation."""
    return page.locator(".js-plotly-plot .annotation-text").first.text_content()


def counter(page) -> str:
    return page.locator("[data-testid='cnn-player-counter']").first.inner_text()


def test_first_visit_to_a_page_url_gets_the_app_navigation(page, server_url) -> None:
    open_page(page, server_url, "convolution")
    nav = page.locator("[data-testid='stSidebarNav']").inner_text()
    assert "Kernel lab" in nav and "Convolution stepper" in nav and "app" not in nav.split()


def test_scrub_then_next_goes_to_the_next_frame_without_a_rerun(page, server_url) -> None:
    open_page(page, server_url, "convolution")
    page.locator(".js-plotly-plot").first.wait_for()
    assert heading(page).startswith("step 1/9")
    runs = page.finished_runs
    rail = page.locator(".js-plotly-plot .slider-rail-touch-rect").first
    box = rail.bounding_box()
    rail.click(position={"x": box["width"] * 6 / 8, "y": box["height"] / 2})  # step 7 of 9
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 7/9')"
    )
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 8/9')"
    )
    expected = convolution.conv2d(convolution.LECTURE_INPUT, convolution.LECTURE_KERNEL)
    assert heading(page).endswith(f"= {expected[2, 1]:g}")  # step 8 is output[2, 1]
    assert counter(page) == "step 8 (8 of 9)"
    page.get_by_role("button", name="◀ Previous").click()
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 7/9')"
    )
    assert page.finished_runs == runs  # all of it in the browser


def test_keys_step_and_play_runs_to_the_end_with_the_formula_in_step(page, server_url) -> None:
    open_page(page, server_url, "convolution")
    figure = page.locator(".st-key-conv_fig_Convolution")
    figure.locator(".js-plotly-plot").wait_for()
    figure.click(position={"x": 5, "y": 5})
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 3/9')"
    )
    page.keyboard.press("End")
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 9/9')"
    )
    page.keyboard.press("Home")
    page.get_by_role("button", name="▶ Play").click()  # 2 steps a second: 9 frames, ~4 s
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 9/9')",
        timeout=20_000,
    )
    assert heading(page).endswith("= 14")  # output[2, 2] of the lecture example
    page.get_by_role("button", name="▶ Play").wait_for()  # back to Play when it ends
    screenshot(page, "convolution_end_of_play")


def test_changing_the_stride_reruns_and_redraws(page, server_url) -> None:
    open_page(page, server_url, "convolution")
    stride = page.get_by_label("Stride (rows)")
    stride.fill("2")
    with rerun(page):
        stride.press("Enter")
    page.wait_for_function(
        "() => document.querySelector('.js-plotly-plot .annotation-text')"
        ".textContent.startsWith('step 1/6')"
    )
    screenshot(page, "convolution_stride_2")
