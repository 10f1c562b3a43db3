"""'Inside a detector' in Chromium: the anchors view and the MTCNN stage view render, and
dragging YOLO's prediction changes the loss."""

from __future__ import annotations

from tests.browser.conftest import drag_on_canvas, metric, new_page, open_page, rerun, screenshot


def test_the_anchors_view(page, server_url) -> None:
    open_page(page, server_url, "inside_detector?anat_part=Anchors+and+box+regression")
    assert metric(page, "Anchors per image") == "2,304"
    with rerun(page):
        page.get_by_text("one position").click()
    page.get_by_text("Row", exact=True).wait_for()
    screenshot(page, "inside_detector_anchors")


def test_the_mtcnn_stage_view(page, server_url) -> None:
    open_page(page, server_url, "inside_detector?anat_part=MTCNN&anat_stage=P-Net%2C+scale+1+%280.600%29")  # fmt: skip
    page.get_by_text("P-Net's face probability for every 12 x 12 window").wait_for()
    assert float(metric(page, "Difference")) < 1e-5
    screenshot(page, "inside_detector_mtcnn")


def test_dragging_the_yolo_prediction(page, server_url) -> None:
    open_page(page, server_url, "inside_detector?anat_part=YOLO")
    before = metric(page, "Loss for this image")
    drag_on_canvas(page, (230, 130), (250, 200), 512)  # move the prediction down
    page.wait_for_function(
        "before => [...document.querySelectorAll(\"[data-testid='stMetric']\")]"
        ".some(m => m.innerText.startsWith('Loss') && !m.innerText.endsWith(before))",
        arg=before,
    )
    screenshot(page, "inside_detector_yolo")


def test_every_chosen_similarity_can_be_read_at_1280_px(browser, server_url) -> None:
    # In a fifth column of the selective-search controls only "colour" could be read; the other
    # chosen similarities were clipped by the box.
    page = new_page(browser, 1280, 720)
    try:
        open_page(page, server_url, "inside_detector")
        # The multiselect's code loads lazily: its container can be drawn a moment before it.
        page.locator(".st-key-anat_similarities [data-tag]").nth(3).wait_for()
        tags = page.evaluate(
            """() => {
            const box = document.querySelector('.st-key-anat_similarities [data-testid=stMultiSelectTagsContainer]');
            const right = box.getBoundingClientRect().right;
            return [...box.querySelectorAll('[data-tag]')].map((tag) => [tag.innerText, tag.getBoundingClientRect().right <= right]);
        }"""
        )
        assert [name for name, _ in tags] == ["colour", "texture", "size", "fill"]
        assert all(inside for _, inside in tags), tags
        assert not page.errors, page.errors
    finally:
        page.context.close()
