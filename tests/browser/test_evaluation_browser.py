"""The Evaluation lab in Chromium: the detection precision-recall curve stepped in the browser,
the threshold moved on the ROC and PR curves without a rerun."""

from __future__ import annotations

from tests.browser.conftest import metric, open_page, screenshot

DETECTION = "evaluation?eval_part=Detection%3A+AP+and+COCO"
SCORES = "evaluation?eval_part=Scores%3A+ROC+and+PR"
TITLE = "() => document.querySelector('.js-plotly-plot .annotation-text').textContent"


def test_the_pr_curve_steps_one_detection_at_a_time(page, server_url) -> None:
    open_page(page, server_url, DETECTION)
    assert metric(page, "AP, COCO 101-point").startswith("0.")
    page.locator(".js-plotly-plot").first.wait_for()
    last = page.evaluate(TITLE)
    assert "AP (coco101) =" in last
    runs = page.finished_runs
    page.get_by_role("button", name="first").click()
    page.wait_for_function(f"() => ({TITLE})().startsWith('detection 1 of')")
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function(f"() => ({TITLE})().startsWith('detection 2 of')")
    assert page.finished_runs == runs  # stepping runs in the browser
    page.get_by_role("button", name="last").click()
    page.wait_for_function(f"() => ({TITLE})().includes('AP (coco101)')")
    screenshot(page, "evaluation_pr_stepped")


def test_the_threshold_moves_in_the_browser(page, server_url) -> None:
    open_page(page, server_url, SCORES)
    page.locator(".js-plotly-plot").first.wait_for()
    before = page.evaluate(TITLE)
    assert before.startswith("predict positive when score >= 0.5")
    runs = page.finished_runs
    page.get_by_role("button", name="Next ▶").click()
    page.wait_for_function(f"before => ({TITLE})() !== before", arg=before)
    assert page.finished_runs == runs
    screenshot(page, "evaluation_threshold")


def test_the_confusion_matrix_sits_beside_its_class_names(page, server_url) -> None:
    # The square matrix was centred in a wider plot area, far from the row names on the left,
    # and the zero line ran through its first row and on past it.
    open_page(page, server_url, "evaluation")
    page.locator(".st-key-eval_confusion .js-plotly-plot .heatmaplayer image").wait_for()
    where = page.evaluate(
        """() => {
        const gd = document.querySelector('.st-key-eval_confusion .js-plotly-plot');
        const names = [...gd.querySelectorAll('.ytick text')].map((t) => t.getBoundingClientRect().right);
        const matrix = gd.querySelector('.heatmaplayer image').getBoundingClientRect();
        return {names: Math.max(...names), matrix: matrix.left,
                zerolines: gd.querySelectorAll('.zerolinelayer path').length};
    }"""
    )
    assert 0 <= where["matrix"] - where["names"] <= 24, where  # was ~160 px at 1500
    assert where["zerolines"] == 0, where
    screenshot(page, "evaluation_confusion")
