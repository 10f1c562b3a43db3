"""What a lecturer relies on, in Chromium: settings survive navigation and agree with what is
drawn, links restore a setup, projector mode puts the key figure above the fold at 1280 x 720,
the copy-link button copies the setup, and both themes render every page."""

from __future__ import annotations

import time

import numpy as np
import pytest
from playwright.sync_api import expect

from lab import convolution, kernels, optim
from lab.format import format_number
from lab.images import to_gray
from lab.iou import PAIRS, overlap
from lab.nms import nms_report
from lab.scenes import cluster_scene
from tests.browser.conftest import METRICS, metric, new_page, open_page, rerun, screenshot
from ui.common import cached_sample

KEY_FIGURES = {
    # page: the element that is the page's key figure
    "kernel_lab": "[data-testid='stImage'] img, [data-testid='image-click']",
    "convolution": ".st-key-conv_fig_Convolution .js-plotly-plot",
    "iou": "[data-testid='box-canvas-svg']",
    "nms": ".st-key-nms_fig .js-plotly-plot",
    "gradient_descent": ".st-key-gd_plot .js-plotly-plot",
}


def navigate(page, title: str) -> None:
    link = page.locator("[data-testid='stSidebarNavLink']").filter(has_text=title).first
    with rerun(page):
        link.click()


def camera_output(kernel: np.ndarray, row: int = 100, col: int = 100) -> str:
    output = kernels.apply_kernel(to_gray(cached_sample("camera", 640)), kernel)
    return format_number(output[row, col], 6)


def test_leaving_and_coming_back_keeps_controls_and_results_in_agreement(page, server_url) -> None:
    open_page(page, server_url, "kernel_lab")
    choice = page.locator(".st-key-kern_preset input")
    with rerun(page):
        choice.click()
        page.keyboard.type("laplacian")
        page.keyboard.press("Enter")
    laplacian = kernels.PRESETS["laplacian"]
    assert metric(page, "Output pixel") == camera_output(laplacian)
    navigate(page, "Home")
    navigate(page, "Kernel lab")
    assert page.locator(".st-key-kern_preset input").input_value() == "laplacian"
    text = page.get_by_label("Weights as text (rows on lines; 1/16 allowed)").input_value()
    np.testing.assert_array_equal(kernels.parse_kernel(text), laplacian)
    assert metric(page, "Output pixel") == camera_output(laplacian)

    navigate(page, "Convolution stepper")
    stride = page.get_by_label("Stride (rows)")
    stride.fill("2")
    with rerun(page):
        stride.press("Enter")
    assert metric(page, "Output shape") == "2 × 3"
    navigate(page, "IoU lab")
    navigate(page, "Convolution stepper")
    assert page.get_by_label("Stride (rows)").input_value() == "2"
    assert metric(page, "Output shape") == "2 × 3"
    heading = page.locator(".js-plotly-plot .annotation-text").first.text_content()
    assert heading.startswith("step 1/6")


def test_a_link_opens_the_page_in_its_state(page, server_url) -> None:
    open_page(
        page, server_url, "kernel_lab?kern_preset=gaussian&kern_size=5&kern_row=40&kern_col=7"
    )
    gaussian = kernels.gaussian_kernel(5, kernels.COURSE_SIGMA)
    assert metric(page, "Output pixel (40, 7)") == camera_output(gaussian, 40, 7)
    field = page.get_by_label("Weights as text (rows on lines; 1/16 allowed)")
    # Under a loaded machine the field can be read while React is still re-mounting it (seen
    # once: empty); a field that stays empty fails here after Playwright's 5 s.
    expect(field).not_to_have_value("")
    assert kernels.parse_kernel(field.input_value()).shape == (5, 5)

    open_page(page, server_url, "convolution?conv_mode=Pooling&conv_pool_size=3&conv_pool_stride=1")
    assert metric(page, "Output shape") == "3 × 3"
    expected = convolution.pool2d(convolution.LECTURE_INPUT, 3, 1)
    heading = page.locator(".js-plotly-plot .annotation-text").first.text_content()
    assert heading.endswith(f"= {expected[0, 0]:g}")

    open_page(page, server_url, "nms?nms_iou_threshold=0.3&nms_class_aware=false")
    scene = cluster_scene(4, 8, 0.12, 2, 0, 640, 480, 3)
    kept = nms_report(scene.detections.boxes, scene.detections.scores, 0.3, 0.05, None, 100).kept
    assert metric(page, "Kept") == str(len(kept))


def test_a_stale_or_bad_link_parameter_is_named_quietly(page, server_url) -> None:
    open_page(page, server_url, "kernel_lab?kern_preset=bogus&kern_border=zero&old_setting=1")
    note = page.get_by_text("Part of the link was not used")
    note.wait_for()
    words = note.inner_text()
    assert "kern_preset=bogus" in words and "old_setting (not a setting of this page)" in words
    assert "kern_border" not in words  # the good parameter was used
    assert (
        page.locator("[data-testid='stRadio']")
        .filter(has_text="Border")
        .get_by_label("zero")
        .is_checked()
    )


def stable_box(page, locator, timeout: float = 15.0) -> dict:
    """The element's bounding box once it has stopped moving (the same for 0.5 s): the sidebar
    folding away and the images loading move the layout for a moment after the run ends."""
    deadline = time.time() + timeout
    last, same_since = None, time.time()
    while time.time() < deadline:
        box = locator.bounding_box()
        if box != last:
            last, same_since = box, time.time()
        elif box is not None and time.time() - same_since >= 0.5:
            return box
        page.wait_for_timeout(50)
    raise AssertionError(f"the key figure kept moving: last {last}")


@pytest.mark.parametrize("path", list(KEY_FIGURES))
def test_projector_mode_puts_the_key_figure_above_the_fold(browser, server_url, path) -> None:
    page = new_page(browser, 1280, 720)
    open_page(page, server_url, f"{path}?app_projector=true")
    figure = page.locator(KEY_FIGURES[path]).first
    figure.wait_for()
    box = stable_box(page, figure)
    assert box["y"] < 720 * 0.35 and box["height"] > 250, box  # starts high, and is big
    sidebar = page.locator("[data-testid='stSidebar']")
    assert sidebar.get_attribute("data-collapsed") == "true"  # folded away
    if path in ("convolution", "nms", "gradient_descent"):
        size = page.locator(".js-plotly-plot .annotation-text").first.evaluate(
            "e => parseFloat(getComputedStyle(e).fontSize)"
        )
        assert size >= 20  # the frame's formula, readable from the back
    screenshot(page, f"projector_{path}")
    assert not page.errors
    page.context.close()


def type_number(page, key: str, value: str) -> None:
    field = page.locator(f".st-key-{key} input")
    field.fill(value)
    field.press("Enter")


def choose_preset(page, name: str) -> None:
    page.locator(".st-key-kern_preset input").click()
    page.keyboard.type(name)
    page.keyboard.press("Enter")


def partial_overlap_iou(x1: float) -> str:
    a, b = (list(box) for box in PAIRS["partial overlap"])
    return f"{overlap([x1, *a[1:]], b).iou:.4f}"


def eta_star_rate() -> str:
    quadratic = optim.quadratic(1, 10, 0)
    return format_number(optim.predicted_rate(quadratic, optim.optimal_learning_rate(quadratic)))


BODY_CHANGES = {
    # page: (a change to a control in the page's body, the metric it changes and its new value
    # from lab/, the setting that the URL must then hold)
    "kernel_lab": (
        lambda page: choose_preset(page, "box blur"),
        "Output pixel",
        lambda: camera_output(kernels.PRESETS["box blur"]),
        "kern_preset=box+blur",
    ),
    "convolution": (
        lambda page: type_number(page, "conv_stride_r", "2"),
        "Output shape",
        lambda: "2 × 3",
        "conv_stride_r=2",
    ),
    "iou": (
        lambda page: type_number(page, "iou_a_x1", "61"),
        "IoU",
        lambda: partial_overlap_iou(61),
        "iou_a_x1=61",
    ),
    "nms": (
        lambda page: type_number(page, "nms_max_detections", "2"),
        "Kept",
        lambda: "2",
        "nms_max_detections=2",
    ),
    "gradient_descent": (
        lambda page: page.locator(".st-key-gd_set_star button").first.click(),
        "predicted rate",
        eta_star_rate,
        "gd_eta=",
    ),
}


@pytest.mark.parametrize("projector", [False, True], ids=["normal", "projector"])
@pytest.mark.parametrize("path", list(BODY_CHANGES))
def test_a_control_in_the_body_reruns_the_body_alone(browser, server_url, path, projector) -> None:
    """The light pages' bodies are fragments (ui.common.page_body): a control there reruns only
    the body, whose results follow it, the URL too; in projector mode the key figure stays first,
    drawn once."""
    page = new_page(browser, 1280, 720)
    open_page(page, server_url, f"{path}?app_projector=true" if projector else path)
    change, label, expected, setting = BODY_CHANGES[path]
    before = page.fragment_runs
    with rerun(page):
        change(page)
    assert page.fragment_runs == before + 1, "the whole page reran, not its body"
    expect(page.locator(METRICS).filter(has_text=label).first).to_contain_text(expected())
    assert setting in page.url
    figures = page.locator(KEY_FIGURES[path])
    if path == "kernel_lab":  # the input is a component's picture, the output an image
        figures = page.locator("[data-testid='stImage'] img").first
    expect(figures).to_have_count(1)
    if projector:  # the key figure first under the title: above every control of the page
        title = page.locator("h1").first.bounding_box()
        below_title = title["y"] + title["height"]
        figure = figures.bounding_box()
        assert 0 < figure["y"] - below_title < 120, (title, figure)
        labels = page.locator("[data-testid='stMain'] [data-testid='stWidgetLabel']")
        labels.nth(1).wait_for()  # the projector toggle's, and at least one of the body's
        tops = [box["y"] for box in (label.bounding_box() for label in labels.all()) if box]
        assert min(y for y in tops if y > below_title) > figure["y"], (tops, figure)
    assert not page.errors
    page.context.close()


def test_the_evaluation_labs_part_reruns_alone(page, server_url) -> None:
    """The Evaluation lab's part is its body too (the Part control reruns the page)."""
    from lab import metrics

    open_page(page, server_url, "evaluation?eval_part=Scores%3A+ROC+and+PR")
    before = page.fragment_runs
    with rerun(page):
        type_number(page, "eval_seed", "3")
    assert page.fragment_runs == before + 1, "the whole page reran, not the part"
    scores, labels = metrics.example_scores(400, 1.5, 0.4, 3, 2)
    area = metrics.roc_curve(scores, labels).area
    roc = page.locator("[data-testid='stMetric']").filter(has_text="ROC AUC").first
    expect(roc).to_contain_text(f"{area:.3f}")
    assert "eval_seed=3" in page.url


def _results(page, path: str) -> list[str]:
    """What the heavy page shows as its result, read from the DOM: the Detection lab's box counts
    and the overlay's legend; Inside a detector's RoI pooling and RoI Align outputs (the cells of
    st.dataframe's accessible table)."""
    if path.startswith("detection"):
        boxes = page.locator("[data-testid='stMain'] [data-testid='stMetric']").filter(
            has_text="box"
        )
        boxes.nth(2).wait_for()  # the three default detectors' counts
        metrics = boxes.all_inner_texts()
        legend = page.get_by_text("Lines: ", exact=False).all_inner_texts()
        return metrics + legend
    tables = page.locator("[data-testid='stMain'] [data-testid='stDataFrame']")
    tables.nth(1).locator("td").first.wait_for(state="attached")  # hidden: for screen readers
    return [" ".join(table.locator("td").all_inner_texts()) for table in tables.all()]


@pytest.mark.parametrize(
    "path, toggle, setting",
    [
        ("detection", "Overlay them on one picture", "det_overlay=true"),
        ("inside_detector?anat_part=RoI+pooling", "aligned", "anat_aligned=false"),
    ],
)
def test_the_heavy_pages_bodies_rerun_alone(browser, server_url, path, toggle, setting) -> None:
    """The Detection lab's results and Inside a detector's parts are bodies too: a toggle there
    reruns only the body (the detectors and the photo in the sidebar are left as they are), and
    what it shows then is what the whole page shows when opened with that setting."""
    page = new_page(browser, 1280, 720)
    open_page(page, server_url, path)
    switch = page.locator("[data-testid='stMain'] [data-testid='stCheckbox']").filter(
        has_text=toggle
    )
    before = _results(page, path)
    runs = page.fragment_runs
    with rerun(page):
        switch.first.locator("label").first.click()
    assert page.fragment_runs == runs + 1, "the whole page reran, not its body"
    assert setting in page.url
    after = _results(page, path)
    for _ in range(50):  # a table's cells can follow its new data a moment after the run
        if after != before:
            break
        page.wait_for_timeout(100)
        after = _results(page, path)
    assert after != before, "the toggle changed nothing shown"
    fresh = new_page(browser, 1280, 720)
    open_page(fresh, server_url, f"{path}{'&' if '?' in path else '?'}{setting}")
    assert _results(fresh, path) == after
    assert not page.errors and not fresh.errors
    fresh.context.close()
    page.context.close()


def test_a_body_control_that_changes_the_sidebar_reruns_the_page(page, server_url) -> None:
    """'Best momentum' sets the method and β, which are in the sidebar: the whole page reruns, so
    the sidebar shows them (a body-only rerun would leave it showing plain gradient descent)."""
    open_page(page, server_url, "gradient_descent")
    before = page.fragment_runs
    with rerun(page):
        page.locator(".st-key-gd_set_momentum button").first.click()
    assert page.fragment_runs == before
    sidebar = page.locator("[data-testid='stSidebar']")
    expect(sidebar.get_by_label("heavy-ball momentum")).to_be_checked()
    _, beta = optim.optimal_momentum(optim.quadratic(1, 10, 0))
    slider = sidebar.locator(".st-key-gd_beta input[type=range]")
    assert float(slider.input_value()) == pytest.approx(beta, abs=0.006)


def test_the_sidebar_still_reruns_the_whole_page_after_the_body_did(page, server_url) -> None:
    """A body change (a fragment run), then a sidebar change (a full run): the results use both."""
    open_page(page, server_url, "kernel_lab?kern_row=0&kern_col=0")  # where the border counts
    with rerun(page):
        choose_preset(page, "laplacian")
    before = page.fragment_runs
    border = page.locator("[data-testid='stRadio']").filter(has_text="Border")
    with rerun(page):
        border.get_by_text("zero", exact=True).click()
    assert page.fragment_runs == before
    laplacian = kernels.PRESETS["laplacian"]
    output = kernels.apply_kernel(to_gray(cached_sample("camera", 640)), laplacian, "zero")
    assert metric(page, "Output pixel (0, 0)") == format_number(output[0, 0], 6)
    assert (
        output[0, 0] != kernels.apply_kernel(to_gray(cached_sample("camera", 640)), laplacian)[0, 0]
    )
    assert page.locator(".st-key-kern_preset input").input_value() == "laplacian"


def test_copy_link_copies_the_setup(browser, server_url) -> None:
    page = new_page(browser, permissions=["clipboard-read", "clipboard-write"])
    open_page(page, server_url, "gradient_descent?gd_eta=0.3&gd_steps=80")
    page.get_by_test_id("cnn-copy-link").click()
    page.get_by_text("copied").wait_for()
    copied = page.evaluate("() => navigator.clipboard.readText()")
    assert "gd_eta=0.3" in copied and "gd_steps=80" in copied
    assert not page.errors
    page.context.close()


@pytest.mark.parametrize("path", ["", *KEY_FIGURES])
def test_every_page_renders_in_the_dark_theme(browser, server_url, path) -> None:
    page = new_page(browser, color_scheme="dark")
    open_page(page, server_url, path)
    background = page.locator("[data-testid='stApp']").evaluate(
        "e => getComputedStyle(e).backgroundColor"
    )
    red, green, blue = (int(v) for v in background[background.index("(") + 1 : -1].split(",")[:3])
    assert red + green + blue < 200  # the dark theme is on: no forced light theme
    screenshot(page, f"dark_{path or 'home'}")
    assert not page.errors
    page.context.close()


CUT = """() => {
  // Text the page shows cut short: a chosen option's chip clipped by its box, a label or a
  // metric wider than its element (Streamlit ends it with an ellipsis), a table's columns.
  const cut = (element) => element.scrollWidth > element.clientWidth + 1;
  const found = [];
  document.querySelectorAll('[data-testid=stMain] [data-testid=stMultiSelectTagsContainer]').forEach((box) => {
    const right = box.getBoundingClientRect().right;
    box.querySelectorAll('[data-tag]').forEach((tag) => {
      if (tag.getBoundingClientRect().right > right + 1) found.push('chip: ' + tag.innerText);
    });
  });
  const text = '.stMarkdownEllipsis, [data-testid=stMetricLabel] p, [data-testid=stMetricLabel] div, [data-testid=stWidgetLabel] p, button p, [data-testid=stMetricValue] div';
  document.querySelectorAll('[data-testid=stMain]').forEach((main) => main.querySelectorAll(text).forEach((element) => {
    if (cut(element)) found.push('text: ' + element.innerText);
  }));
  // A table wider than its box: its last columns only seen by scrolling it sideways.
  document.querySelectorAll('[data-testid=stMain] [data-testid=stDataFrame] .dvn-scroller').forEach((scroller, index) => {
    if (scroller.scrollWidth > scroller.clientWidth + 1) {
      found.push(`table ${index + 1}: ${scroller.scrollWidth} px of columns in ${scroller.clientWidth} px`);
    }
  });
  document.querySelectorAll('[data-testid=stMain] [data-testid=stTable] div').forEach((box) => {
    if (box.scrollWidth > box.clientWidth + 1) {
      found.push(`table: ${box.scrollWidth} px in ${box.clientWidth} px, ${box.innerText.slice(0, 40)}`);
    }
  });
  // Sliders, number boxes or drop-downs side by side that do not line up (a label wrapped onto
  // a second line): in each row of columns, widgets of a kind whose boxes start at one height,
  // whichever place they have in their columns.
  const parts = {slider: '[data-testid=stSliderTickBar]', number: '[data-testid=stNumberInputContainer]', select: '[data-baseweb=select]'};
  document.querySelectorAll('[data-testid=stMain] [data-testid=stHorizontalBlock]').forEach((row) => {
    const placed = [];
    row.querySelectorAll(':scope > [data-testid=stColumn]').forEach((column, index) => {
      column.querySelectorAll('[data-testid=stElementContainer]').forEach((box) => {
        for (const [kind, selector] of Object.entries(parts)) {
          const part = box.querySelector(selector);
          const top = box.getBoundingClientRect().top;
          if (part && box.offsetParent) placed.push({kind, index, top, at: part.getBoundingClientRect().top, name: box.innerText.split('\\n')[0]});
        }
      });
    });
    placed.forEach((one, i) => placed.slice(i + 1).forEach((other) => {
      if (one.kind === other.kind && one.index !== other.index && Math.abs(one.top - other.top) <= 3 && Math.abs(one.at - other.at) > 3) {
        found.push(`${one.kind}s not in line: ${one.name} at ${Math.round(one.at)}, ${other.name} at ${Math.round(other.at)}`);
      }
    }));
  });
  return found;
}"""

EVERY_VIEW = [
    "",
    *KEY_FIGURES,
    "convolution?conv_mode=Multi-channel",
    "convolution?conv_mode=Pooling",
    "convolution?conv_mode=Transposed",
    "gradient_descent?gd_compare=true",
    "detection",
    "evaluation",
    "evaluation?eval_part=Scores%3A+ROC+and+PR",
    "evaluation?eval_part=Detection%3A+AP+and+COCO",
    "inside_detector",
    "inside_detector?anat_part=Anchors+and+box+regression",
    "inside_detector?anat_part=RoI+pooling",
    "inside_detector?anat_part=YOLO",
    "inside_detector?anat_part=MTCNN",
]


@pytest.mark.parametrize("width, height", [(1280, 720), (1024, 768)])
@pytest.mark.parametrize("path", EVERY_VIEW)
def test_nothing_is_cut_short_on_a_laptop(browser, server_url, path, width, height) -> None:
    # Found so at 1280 px: a metric label "largest stable η = 2/λ…", three similarities of four
    # clipped, anchor sizes and ratios clipped, an MTCNN score "0.0151…", a timing table's notes.
    # At 1024 px (a small laptop, sidebar open), eleven of the nineteen views had something cut.
    page = new_page(browser, width, height)
    try:
        open_page(page, server_url, path)
        page.evaluate("document.fonts.ready.then(() => true)")  # widths in the page's own fonts
        page.wait_for_timeout(1000)  # and after the sidebar and columns have settled
        assert page.evaluate(CUT) == []
        assert not page.errors, page.errors
    finally:
        page.context.close()
