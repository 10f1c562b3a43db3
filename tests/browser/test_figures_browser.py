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


CLASHES = """(key) => {
  // Each tick label and axis title (by its axis), and each panel's plot area: a label drawn on
  // another panel's plot, or an axis title on another axis's labels, cannot be read.
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const labels = [];
  gd.querySelectorAll('g[class$="tick"] text, text[class$="title"]').forEach((text) => {
    const tick = text.closest('g[class$="tick"]');
    const axis = tick ? tick.getAttribute('class').slice(0, -4) : text.getAttribute('class').slice(0, -5);
    const r = text.getBoundingClientRect();
    if (r.width && r.height && text.textContent.trim()) {
      labels.push({axis, tick: !!tick, text: text.textContent, r: [r.left, r.top, r.right, r.bottom]});
    }
  });
  const overlap = (a, b) => a[0] < b[2] - 1 && b[0] < a[2] - 1 && a[1] < b[3] - 1 && b[1] < a[3] - 1;
  const clashes = [];
  labels.forEach((a, i) => labels.slice(i + 1).forEach((b) => {
    if ((a.axis !== b.axis || !a.tick || !b.tick) && overlap(a.r, b.r)) {
      clashes.push(`${a.axis} '${a.text}' on ${b.axis} '${b.text}'`);
    }
  }));
  const box = gd.getBoundingClientRect();
  for (const [id, plot] of Object.entries(gd._fullLayout._plots)) {
    const x = plot.xaxis, y = plot.yaxis;
    const area = [box.left + x._offset, box.top + y._offset,
                  box.left + x._offset + x._length, box.top + y._offset + y._length];
    labels.filter((a) => a.axis !== x._id && a.axis !== y._id && overlap(a.r, area))
      .forEach((a) => clashes.push(`${a.axis} '${a.text}' on the plot of ${id}`));
  }
  return {labels: labels.length, clashes};
}"""

FIGURES = {
    "kernel_lab": ["kern_fig", "kern_hist"],
    "convolution": ["conv_fig_Convolution"],
    "iou": ["iou_slide"],
    "nms": ["nms_fig"],
    "gradient_descent": ["gd_plot", "gd_curves", "gd_stability"],
    # three paths: their legends wrap to more rows
    "gradient_descent?gd_compare=true": ["gd_plot", "gd_curves"],
    # the heavy pages' figures, each part that has one
    "evaluation": ["eval_confusion"],
    "evaluation?eval_part=Scores%3A+ROC+and+PR&eval_classes=3": ["eval_ovr", "eval_threshold_fig"],
    "evaluation?eval_part=Detection%3A+AP+and+COCO": ["eval_pr_fig"],
    "inside_detector": ["anat_recall"],
    "inside_detector?anat_part=RoI+pooling": ["anat_roi_fig"],
    "inside_detector?anat_part=YOLO": ["anat_kmeans", "anat_prior_curves"],
}


UNLABELLED = {"conv_fig_Convolution"}  # a grid: its numbers are annotations, not tick labels


@pytest.mark.parametrize("projector", [False, True])
@pytest.mark.parametrize("path", list(FIGURES))
def test_figures_are_drawn_with_the_margins_they_give_and_no_label_on_another(
    browser, server_url, path, projector
):
    # A label or legend that does not fit its margin makes Plotly draw the whole figure a second
    # time on every rerun (automatic margins: on the descent page, most of Plotly's time per
    # learning-rate step). Each figure leaves room for its own, at the defaults, in both sizes,
    # and no axis title or tick label sits on another's, or on another panel's plot.
    page = new_page(browser, 1280, 720)
    try:
        joint = "&" if "?" in path else "?"
        open_page(page, server_url, f"{path}{joint}app_projector={str(projector).lower()}")
        for key in FIGURES[path]:
            page.locator(f".st-key-{key} .js-plotly-plot .main-svg").first.wait_for()
            for side, given, used in page.evaluate(MARGINS, key):
                assert used == given, f"{key}: margin {side} {given} px grew to {used} px"
            found = page.evaluate(CLASHES, key)
            assert found["labels"] or key in UNLABELLED, (key, found)
            assert not found["clashes"], (key, found["clashes"])
        assert not page.errors, page.errors
    finally:
        page.context.close()


CONTRASTS = """(key) => {
  // Each line drawn on the figure's own background (shapes and traces' lines), and the legend's
  // text on its background: their contrast ratios (WCAG) against what is behind them.
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const rgba = (text) => {
    if (text.startsWith('#')) {  // Plotly's layout colours may be hex
      const hex = text.length === 4 ? [...text.slice(1)].map((c) => c + c) : text.slice(1).match(/../g);
      return [...hex.map((h) => parseInt(h, 16)), 1];
    }
    if (text === 'transparent') return [0, 0, 0, 0];
    const v = text.match(/[\\d.]+/g).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const over = (top, below) => top.slice(0, 3).map((c, i) => c * top[3] + below[i] * (1 - top[3]));
  const luminance = (rgb) => {
    const [r, g, b] = rgb.map((c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const ratio = (a, b) => {
    const [x, y] = [luminance(a), luminance(b)].sort((p, q) => q - p);
    return (x + 0.05) / (y + 0.05);
  };
  const app = rgba(getComputedStyle(document.querySelector("[data-testid='stApp']")).backgroundColor);
  const layout = gd._fullLayout;
  const plot = over(rgba(layout.plot_bgcolor), over(rgba(layout.paper_bgcolor), app));
  const found = [];
  gd.querySelectorAll('.shapelayer path, .scatterlayer .js-line').forEach((line) => {
    const style = getComputedStyle(line);
    if (style.stroke === 'none' || parseFloat(style.strokeWidth) === 0) return;
    const colour = rgba(style.stroke);
    colour[3] *= parseFloat(style.strokeOpacity);
    found.push({what: 'line ' + style.stroke, ratio: ratio(over(colour, plot), plot)});
  });
  const legend = gd.querySelector('.legend .bg');
  if (legend) {
    const behind = over(rgba(getComputedStyle(legend).fill), plot);
    gd.querySelectorAll('.legendtext').forEach((text) => {
      found.push({what: 'legend ' + text.textContent, ratio: ratio(rgba(getComputedStyle(text).fill), behind)});
    });
  }
  return found;
}"""

PLAIN = {  # figures whose lines are drawn on the figure's own background (no image, no heatmap)
    "iou": ["iou_slide"],
    "kernel_lab": ["kern_hist"],
    "gradient_descent": ["gd_curves", "gd_stability"],
    "evaluation?eval_part=Scores%3A+ROC+and+PR&eval_classes=3": ["eval_ovr", "eval_threshold_fig"],
    "evaluation?eval_part=Detection%3A+AP+and+COCO": ["eval_pr_fig"],
    "inside_detector": ["anat_recall"],
}


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", list(PLAIN))
def test_lines_and_legends_can_be_seen_in_both_themes(browser, server_url, path, scheme):
    # Black reference lines vanished on the dark theme's background, and a white legend veil left
    # its white text unreadable: lines need 3:1 against what is behind them, legend text 4.5:1.
    page = new_page(browser, 1280, 720, color_scheme=scheme)
    try:
        open_page(page, server_url, path)
        for key in PLAIN[path]:
            page.locator(f".st-key-{key} .js-plotly-plot .main-svg").first.wait_for()
            found = page.evaluate(CONTRASTS, key)
            assert found, key
            for item in found:
                needed = 4.5 if item["what"].startswith("legend") else 3.0
                assert item["ratio"] >= needed, (key, scheme, item)
        assert not page.errors, page.errors
    finally:
        page.context.close()


PLOT_AREA = """(key) => {
  const gd = document.querySelector(`.st-key-${key} .js-plotly-plot`);
  const size = gd._fullLayout._size;
  return {given: size.h, used: Math.round(gd._fullLayout.yaxis._length)};
}"""


@pytest.mark.parametrize("projector", [False, True])
@pytest.mark.parametrize("mode", ["Convolution", "Multi-channel", "Pooling", "Transposed"])
def test_the_steppers_grids_fill_its_height_at_1280_px(browser, server_url, mode, projector):
    # Laid out for an 880 px figure, the stepper kept ~120 px blank between its grids and its
    # slider in the 820 px column of a 1280 px screen (~190 px with three input channels).
    page = new_page(browser, 1280, 720)
    try:
        open_page(page, server_url, f"convolution?conv_mode={mode}&app_projector={str(projector).lower()}")  # fmt: skip
        key = f"conv_fig_{mode}"
        page.locator(f".st-key-{key} .js-plotly-plot .main-svg").first.wait_for()
        area = page.evaluate(PLOT_AREA, key)
        assert area["given"] - area["used"] <= 12, area
        assert not page.errors, page.errors
    finally:
        page.context.close()
