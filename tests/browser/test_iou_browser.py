"""The IoU lab in Chromium: drag boxes and corners; the live IoU in the browser agrees with lab.iou."""

from __future__ import annotations

import pytest

from lab.iou import overlap
from tests.browser.conftest import metric, open_page, rerun, screenshot


def canvas(page):
    """A function from canvas units to screen pixels, through the SVG's own transform."""
    svg = page.locator("[data-testid='box-canvas-svg']")  # in the component's shadow root
    svg.wait_for()
    a, b, c, d, e, f = svg.evaluate(
        "svg => { const m = svg.getScreenCTM(); return [m.a, m.b, m.c, m.d, m.e, m.f]; }"
    )
    return lambda x, y: (a * x + c * y + e, b * x + d * y + f)


def live(page) -> tuple[float, float]:
    text = page.locator("[data-testid='box-canvas-readout']").text_content()
    _, iou, _, giou = text.split()
    return float(iou), float(giou)


def typed(page, box: int) -> list[int]:
    """Box A (0) or B (1) as its number inputs show it."""
    return [int(page.get_by_label(c).nth(box).input_value()) for c in ("x1", "y1", "x2", "y2")]


def test_dragging_box_b_changes_iou_and_the_live_value_is_the_labs(page, server_url) -> None:
    open_page(page, server_url, "iou")
    assert metric(page, "GIoU") == "-0.0424"
    at = canvas(page)
    # Grab box B (x 150..330, y 110..250) inside its area but outside box A, drag it 90 left.
    page.mouse.move(*at(300, 230))
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(*at(300 - 9 * step, 230))
    iou, giou = live(page)  # computed in the browser while dragging
    expected = overlap([60, 60, 220, 200], [60, 110, 240, 250])  # B moved 90 to the left
    assert iou == pytest.approx(expected.iou, abs=2e-3)
    assert giou == pytest.approx(expected.giou, abs=2e-3)
    with rerun(page):
        page.mouse.up()
    b = typed(page, 1)
    assert 58 <= b[0] <= 62 and b[1:] == [110, b[0] + 180, 250]
    assert float(metric(page, "IoU")) == pytest.approx(overlap(typed(page, 0), b).iou, abs=1e-4)
    screenshot(page, "iou_after_drag")


def test_a_corner_under_the_other_box_resizes_its_own_box(page, server_url) -> None:
    open_page(page, server_url, "iou")
    at = canvas(page)
    # A's bottom-right corner (220, 200) lies inside B: its handle is drawn above B and wins.
    page.mouse.move(*at(220, 200))
    page.mouse.down()
    for step in range(1, 6):
        page.mouse.move(*at(220 - 4 * step, 200 - 4 * step))
    with rerun(page):
        page.mouse.up()
    a, b = typed(page, 0), typed(page, 1)
    assert a[:2] == [60, 60] and abs(a[2] - 200) <= 1 and abs(a[3] - 180) <= 1
    assert b == [150, 110, 330, 250]  # B did not move
