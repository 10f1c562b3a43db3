"""The IoU lab in Chromium: drag boxes and corners, type coordinates; the measures and formulas the
browser computes (ui.overlap_panel) are lab.iou's, to the last digit written."""

from __future__ import annotations

import random

import pytest
from playwright.sync_api import expect

from lab.format import format_number
from lab.iou import PAIRS, overlap
from tests.browser.conftest import metric, new_page, open_page, rerun, screenshot

BLOCKABLE = """
window.__labBlockSends = false;
const send = WebSocket.prototype.send;
WebSocket.prototype.send = function (data) {
  if (window.__labBlockSends) return;
  return send.call(this, data);
};
"""
"""Lets a test cut the page off from the server: whatever changes then was done in the browser."""


def canvas(page):
    """A function from canvas units to screen pixels, through the SVG's own transform."""
    svg = page.locator("[data-testid='box-canvas-svg']")  # in the component's shadow root
    svg.wait_for()
    a, b, c, d, e, f = svg.evaluate(
        "svg => { const m = svg.getScreenCTM(); return [m.a, m.b, m.c, m.d, m.e, m.f]; }"
    )
    return lambda x, y: (a * x + c * y + e, b * x + d * y + f)


def readout(page) -> str:
    """The IoU and GIoU written at the top of the canvas (the panel's, handed over)."""
    return page.locator("[data-testid='box-canvas-readout']").text_content()


def typed(page, box: int) -> list[int]:
    """Box A (0) or B (1) as its number inputs show it."""
    return [int(page.get_by_label(c).nth(box).input_value()) for c in ("x1", "y1", "x2", "y2")]


def test_dragging_box_b_changes_iou_and_the_live_value_is_the_labs(page, server_url) -> None:
    open_page(page, server_url, "iou")
    assert metric(page, "GIoU") == "-0.0424"
    assert readout(page) == "IoU 0.1525   GIoU -0.0424"  # on opening too: the panel came later
    at = canvas(page)
    # Grab box B (x 150..330, y 110..250) inside its area but outside box A, drag it 90 left.
    page.mouse.move(*at(300, 230))
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(*at(300 - 9 * step, 230))
    # Computed in the browser while dragging, for the whole pixels release will send: the
    # measures under the canvas and the readout at its top.
    box_b = page.locator("[data-testid='box-canvas-svg'] rect[data-box='1']")
    x1 = round(float(box_b.get_attribute("x")))
    dragged = overlap([60, 60, 220, 200], [x1, 110, x1 + 180, 250])
    assert 58 <= x1 <= 62  # B moved about 90 to the left
    assert [metric(page, label) for label in ("IoU", "GIoU", "DIoU", "CIoU")] == [
        f"{v:.4f}" for v in (dragged.iou, dragged.giou, dragged.diou, dragged.ciou)
    ]
    assert readout(page) == f"IoU {dragged.iou:.4f}   GIoU {dragged.giou:.4f}"
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


def formulas(a: list[float], b: list[float]) -> list[str]:
    """The five lines the page wrote server-side before they moved into the browser."""
    n = overlap(a, b)
    f = format_number
    return [
        f"IoU  = |A∩B| / |A∪B| = {f(n.intersection)} / {f(n.union)} = {n.iou:.4f}",
        f"|A∪B| = |A| + |B| - |A∩B| = {f(n.area_a)} + {f(n.area_b)} - {f(n.intersection)} = "
        f"{f(n.union)}",
        f"GIoU = IoU - (|C| - |A∪B|) / |C| = {n.iou:.4f} - ({f(n.enclosing)} - {f(n.union)}) / "
        f"{f(n.enclosing)} = {n.giou:.4f}",
        f"DIoU = IoU - d²/c² (centre distance over enclosing diagonal) = {n.diou:.4f}",
        f"CIoU = DIoU - αv (v: aspect-ratio mismatch) = {n.ciou:.4f}",
    ]


def pairs() -> list[tuple[list[int], list[int]]]:
    """The presets, exact halves at the 4th decimal (IoU 1/32 and 5/32: Python writes 0.0312 and
    0.1562, JavaScript's toFixed 0.0313 and 0.1563), empty and touching boxes, and random pairs."""
    found = [tuple(map(list, pair)) for pair in PAIRS.values()]
    found += [
        ([0, 0, 1, 1], [0, 0, 32, 1]),  # IoU = GIoU = 1/32
        ([0, 0, 5, 1], [0, 0, 32, 1]),  # 5/32
        ([0, 0, 3, 1], [0, 0, 32, 1]),  # 3/32 = 0.09375: even, the same either way
        ([10, 10, 10, 10], [10, 10, 10, 10]),  # two points: 0 / 0
        ([10, 10, 10, 50], [0, 0, 40, 40]),  # a line: no width
        ([0, 0, 400, 300], [400, 300, 400, 300]),
        ([0, 0, 100, 100], [100, 0, 200, 100]),
    ]
    rng = random.Random(12)
    for _ in range(400):
        box = []
        for _ in range(2):
            x1, x2 = sorted(rng.randint(0, 400) for _ in range(2))
            y1, y2 = sorted(rng.randint(0, 300) for _ in range(2))
            box.append([x1, y1, x2, y2])
        found.append(tuple(box))
    return found


def panel(page):
    return page.locator("[data-testid='overlap-panel']")


def test_the_measures_and_formulas_are_the_labs_to_the_last_digit(page, server_url) -> None:
    open_page(page, server_url, "iou")
    cases = pairs()
    computed = panel(page).evaluate(
        "(root, cases) => cases.map(([a, b]) => root.cnnMeasures(a, b))", cases
    )
    for (a, b), got in zip(cases, computed, strict=True):
        n = overlap(a, b)
        expected = [f"{v:.4f}" for v in (n.iou, n.giou, n.diou, n.ciou)]
        assert got["values"] == expected, (a, b)
        assert got["formula"] == formulas(a, b), (a, b)
    assert computed[len(PAIRS)]["values"][:2] == ["0.0312", "0.0312"]  # not toFixed's 0.0313
    # and what the page shows is that for its boxes
    a, b = (list(box) for box in PAIRS["partial overlap"])
    assert panel(page).locator("[data-testid='overlap-formula']").inner_text().splitlines() == (
        formulas(a, b)
    )
    n = overlap(a, b)
    assert [metric(page, label) for label in ("IoU", "GIoU", "DIoU", "CIoU")] == [
        f"{v:.4f}" for v in (n.iou, n.giou, n.diou, n.ciou)
    ]


def test_a_typed_coordinate_is_drawn_before_the_server_answers(browser, server_url) -> None:
    """With the page cut off from the server after the first run, a typed coordinate still moves
    the box and gives the lab's numbers: the browser draws them; then a box typed the wrong way
    round greys the numbers out (the server's rerun will say what is wrong)."""
    page = new_page(browser, 1280, 720)
    page.add_init_script(BLOCKABLE)
    open_page(page, server_url, "iou")
    a, b = (list(box) for box in PAIRS["partial overlap"])
    page.evaluate("window.__labBlockSends = true")
    runs = page.finished_runs
    field = page.locator(".st-key-iou_a_x1 input")
    field.fill("61")
    field.press("Enter")
    moved = [61, *a[1:]]
    expected = f"{overlap(moved, b).iou:.4f}"
    value = panel(page).locator("[data-label='IoU'] [data-testid='live-metric-value']")
    expect(value).to_have_text(expected)
    assert panel(page).locator("[data-testid='overlap-formula']").inner_text().splitlines() == (
        formulas(moved, b)
    )
    box_a = page.locator("[data-testid='box-canvas-svg'] rect[data-box='0']")
    assert box_a.get_attribute("x") == "61" and box_a.get_attribute("width") == "159"
    field = page.locator(".st-key-iou_b_x2 input")
    field.fill("100")  # B: x1 = 150, x2 = 100
    field.press("Tab")
    expect(panel(page)).to_have_class("cnn-overlap cnn-stale")
    assert readout(page) == ""  # no numbers for a box that is not one
    box_b = page.locator("[data-testid='box-canvas-svg'] rect[data-box='1']")
    assert box_b.get_attribute("x") == "100" and box_b.get_attribute("width") == "50"  # upright
    assert page.finished_runs == runs  # nothing came back from the server
    assert not page.errors
    page.context.close()


def test_projector_mode_shows_the_measures_beside_the_canvas_and_a_step_button_moves_them(
    browser, server_url
) -> None:
    """Projector mode: the four measures stand beside the canvas (above the fold at 1280 x 720),
    the formulas below, large; the number inputs are wide enough for +/- buttons, and one moves
    the box and both parts of the panel in the browser (the page cut off from the server)."""
    page = new_page(browser, 1280, 720)
    page.add_init_script(BLOCKABLE)
    open_page(page, server_url, "iou?app_projector=true")
    cards = page.locator(".st-key-iou_measures_cards [data-testid='overlap-panel']")
    formula = page.locator(".st-key-iou_measures_formula [data-testid='overlap-formula']")
    canvas = page.locator("[data-testid='box-canvas-svg']").bounding_box()
    for label in ("IoU", "GIoU", "DIoU", "CIoU"):
        card = cards.locator(f"[data-label='{label}']").bounding_box()
        assert card["x"] > canvas["x"] + canvas["width"]  # beside the canvas
        assert card["y"] + card["height"] < 720  # above the fold
    assert formula.evaluate("e => parseFloat(getComputedStyle(e).fontSize)") >= 20
    assert cards.locator("pre").evaluate("e => getComputedStyle(e).display") == "none"
    page.evaluate("window.__labBlockSends = true")
    page.locator(".st-key-iou_a_x1 button[data-testid='stNumberInputStepUp']").click()
    a, b = (list(box) for box in PAIRS["partial overlap"])
    moved = overlap([61, *a[1:]], b)
    expect(cards.locator("[data-label='DIoU'] [data-testid='live-metric-value']")).to_have_text(
        f"{moved.diou:.4f}"
    )
    expect(formula).to_contain_text(f"= {moved.iou:.4f}")
    assert formula.inner_text().splitlines() == formulas([61, *a[1:]], b)
    assert not page.errors
    page.context.close()


def test_a_preset_is_drawn_before_the_server_answers(browser, server_url) -> None:
    """A preset button puts both boxes in place and gives their numbers in the browser (the page
    cut off from the server), and leaving the button later does not put them back."""
    page = new_page(browser, 1280, 720)
    page.add_init_script(BLOCKABLE)
    open_page(page, server_url, "iou")
    page.evaluate("window.__labBlockSends = true")
    page.locator(".st-key-iou_preset_2 button").click()  # nested
    a, b = (list(box) for box in PAIRS["nested"])
    n = overlap(a, b)
    value = panel(page).locator("[data-label='CIoU'] [data-testid='live-metric-value']")
    expect(value).to_have_text(f"{n.ciou:.4f}")
    assert panel(page).locator("[data-testid='overlap-formula']").inner_text().splitlines() == (
        formulas(a, b)
    )
    box_b = page.locator("[data-testid='box-canvas-svg'] rect[data-box='1']")
    assert [box_b.get_attribute(k) for k in ("x", "y", "width", "height")] == [
        "150",
        "110",
        "100",
        "80",
    ]
    # B moved while the button keeps the focus (an Enter sent straight to the field), then the
    # focus leaves the button: the preset is not put back.
    page.locator(".st-key-iou_b_x1 input").evaluate(
        "el => { el.value = '160';"
        " el.dispatchEvent(new KeyboardEvent('keydown', {key: 'Enter', bubbles: true})); }"
    )
    assert box_b.get_attribute("x") == "160"
    page.keyboard.press("Tab")
    assert box_b.get_attribute("x") == "160"
    moved = overlap(a, [160, *b[1:]])
    expect(value).to_have_text(f"{moved.ciou:.4f}")
    assert not page.errors
    page.context.close()
