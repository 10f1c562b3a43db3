"""Figures as Chromium draws them: what the layout dicts promise, measured on the page."""

from __future__ import annotations

import pytest

from tests.browser.conftest import new_page, open_page

SLIDER_AND_LEGEND = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const labels = [...gd.querySelectorAll('.slider-container .slider-label')]
    .map((label) => label.getBoundingClientRect().bottom);
  const legend = gd.querySelector('.legend').getBoundingClientRect();
  return {labels: Math.max(...labels), legendTop: legend.top, legendBottom: legend.bottom,
          figureBottom: gd.getBoundingClientRect().bottom};
}"""

MARGINS = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const used = gd._fullLayout._size, given = gd.layout.margin;
  return ['l', 'r', 't', 'b'].map((side) => [side, given[side], Math.round(used[side])]);
}"""


@pytest.mark.parametrize("projector", [False, True])
@pytest.mark.parametrize("path, key", [("gradient_descent", "gd_plot"), ("nms", "nms_fig")])
def test_the_legend_sits_under_the_sliders_labels(browser, server_url, path, key, projector):
    page = new_page(browser, 1280, 720)
    try:
        open_page(page, server_url, f"{path}?app_projector={'true' if projector else 'false'}")
        page.locator(f".st-key-{key} .legend").wait_for()
        where = page.evaluate(SLIDER_AND_LEGEND, key)
        assert where["legendTop"] >= where["labels"] + 2, where  # not on the step labels
        assert where["legendBottom"] <= where["figureBottom"], where  # nor cut off below
        assert not page.errors, page.errors
    finally:
        page.context.close()


FIGURES = {
    "kernel_lab": ["kern_fig", "kern_hist"],
    "convolution": ["conv_fig_Convolution"],
    "iou": ["iou_slide"],
    "nms": ["nms_fig"],
    "gradient_descent": ["gd_plot", "gd_curves", "gd_stability"],
    # the heavy pages' figures, each part that has one
    "evaluation": ["eval_confusion"],
    "evaluation?eval_part=Scores%3A+ROC+and+PR&eval_classes=3": ["eval_ovr", "eval_threshold_fig"],
    "evaluation?eval_part=Detection%3A+AP+and+COCO": ["eval_pr_fig"],
    "inside_detector": ["anat_recall"],
    "inside_detector?anat_part=RoI+pooling": ["anat_roi_fig"],
    "inside_detector?anat_part=YOLO": ["anat_kmeans", "anat_prior_curves"],
}


@pytest.mark.parametrize("projector", [False, True])
@pytest.mark.parametrize("path", list(FIGURES))
def test_figures_are_drawn_with_the_margins_they_give(browser, server_url, path, projector):
    # A label or legend that does not fit its margin makes Plotly draw the whole figure a second
    # time on every rerun (automatic margins: on the descent page, most of Plotly's time per
    # learning-rate step). Each figure leaves room for its own, at the defaults, in both sizes.
    page = new_page(browser, 1280, 720)
    try:
        joint = "&" if "?" in path else "?"
        open_page(page, server_url, f"{path}{joint}app_projector={str(projector).lower()}")
        for key in FIGURES[path]:
            page.locator(f".st-key-{key} .js-plotly-plot .main-svg").first.wait_for()
            for side, given, used in page.evaluate(MARGINS, key):
                assert used == given, f"{key}: margin {side} {given} px grew to {used} px"
        assert not page.errors, page.errors
    finally:
        page.context.close()
