"""Real-browser tests: one Streamlit server for the session, Debian's Chromium via Playwright.

Waiting for a rerun: the `page` fixture counts the script runs the server reports finished (the
`script_finished` messages on Streamlit's websocket). `rerun(page)` wraps an action and waits until
a run that started after it has finished, so a test never reads the page of the previous run (a
sleep-then-wait-for-idle races: the page is idle before the rerun starts). Browser-side errors
(`pageerror`) fail the test that caused them.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

import pytest

from bench.browser import (
    CHROMIUM,
    CHROMIUM_FLAGS,
    IDLE,
    ServerError,
    start_server,
    stop_server,
    track_runs,
)

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "tests" / "artifacts"


def pytest_collection_modifyitems(items) -> None:
    for item in items:
        if "tests/browser" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def server_url():
    try:
        process, url = start_server()
    except ServerError as error:
        pytest.fail(str(error))
    yield url
    stop_server(process)


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


def new_page(browser, width: int = 1500, height: int = 1100, **options):
    """A fresh browser context and page, tracking script runs and collecting page errors."""
    context = browser.new_context(viewport={"width": width, "height": height}, **options)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    track_runs(page)
    return page


@pytest.fixture
def page(browser, server_url):
    page = new_page(browser)
    yield page
    errors = page.errors
    page.context.close()
    assert not errors, f"errors in the browser: {errors}"


def open_page(page, server_url: str, path: str) -> None:
    """Load a page of the app and wait until a script run of it has finished."""
    before = page.finished_runs
    page.goto(f"{server_url}/{path}")
    wait_for_run(page, before)


def wait_for_run(page, before: int, timeout: float = 60_000) -> None:
    """Wait until a script run after `before` has finished and the page is idle; no exception."""
    deadline = time.time() + timeout / 1000
    while page.finished_runs <= before:
        if time.time() > deadline:
            raise TimeoutError("no script run finished after the action")
        page.wait_for_timeout(25)  # lets Playwright deliver the websocket frames
    page.wait_for_selector(IDLE, timeout=timeout)
    settle(page, timeout)
    exceptions = page.locator("[data-testid='stException']")
    assert exceptions.count() == 0, exceptions.first.inner_text()


def settle(page, timeout: float = 60_000) -> None:
    """Wait until the browser has drawn what the finished run sent: the page's elements stop
    changing for 250 ms (a heavy page renders for a second or two after the run ends). Read
    elements through locators that wait for them too: a long layout can pass for quiet."""
    page.wait_for_function(
        """() => {
            const count = document.querySelectorAll('[data-testid]').length
                + document.querySelectorAll('[data-stale="true"]').length * 1000;
            const now = performance.now();
            if (window.__settleCount !== count) {
                window.__settleCount = count;
                window.__settleSince = now;
                return false;
            }
            return now - window.__settleSince > 250;
        }""",
        polling=50,
        timeout=timeout,
    )


@contextlib.contextmanager
def rerun(page, timeout: float = 60_000):
    """Wrap an action that makes Streamlit rerun; on exit, that rerun has finished."""
    before = page.finished_runs
    yield
    wait_for_run(page, before, timeout)


def screenshot(page, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


METRICS = "[data-testid='stMetric'], [data-testid='live-metric']"
"""st.metric, or a measure drawn in the browser like one (ui.overlap_panel)."""


def metric(page, label: str) -> str:
    """The value of the first metric whose text contains `label` (waiting for it to be drawn):
    "IoU" finds the IoU card, which comes before GIoU's."""
    box = page.locator(METRICS).filter(has_text=label).first
    box.wait_for()
    return box.locator(
        "[data-testid='stMetricValue'], [data-testid='live-metric-value']"
    ).inner_text()


def drag_on_canvas(page, start: tuple[float, float], end: tuple[float, float], width: int) -> None:
    """Drag on the box canvas from `start` to `end` (canvas pixels; the canvas is `width` wide)
    and wait for the rerun the release causes."""
    svg = page.locator("[data-testid='box-canvas-svg']")
    svg.wait_for()
    svg.scroll_into_view_if_needed()
    box = svg.bounding_box()
    scale = box["width"] / width
    page.mouse.move(box["x"] + start[0] * scale, box["y"] + start[1] * scale)
    page.mouse.down()
    middle = ((start[0] + end[0]) / 2, (start[1] + end[1]) / 2)
    page.mouse.move(box["x"] + middle[0] * scale, box["y"] + middle[1] * scale, steps=5)
    with rerun(page):
        page.mouse.move(box["x"] + end[0] * scale, box["y"] + end[1] * scale, steps=5)
        page.mouse.up()
