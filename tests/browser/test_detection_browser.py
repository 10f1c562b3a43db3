"""The Detection lab in Chromium: upload a photo, compare two detectors, draw ground truth on the
photo, hand the raw boxes to the NMS lab."""

from __future__ import annotations

import numpy as np
from PIL import Image

from lab.detection import load_detector, run_detector
from lab.detections import counts_words, plural
from lab.images import sample_image
from tests.browser.conftest import drag_on_canvas, metric, open_page, rerun, screenshot

TWO = "?det_detectors=Haar+frontal+face+%28OpenCV%29&det_detectors=MTCNN+faces"


def test_upload_a_photo_and_compare_two_detectors(page, server_url, tmp_path) -> None:
    mirrored = np.ascontiguousarray(sample_image("astronaut")[:, ::-1])  # the face moves right
    path = tmp_path / "mirrored.png"
    Image.fromarray(mirrored).save(path)
    open_page(page, server_url, "detection" + TWO)
    assert metric(page, "A: Haar frontal face") == "1 box"
    with rerun(page):
        page.locator("[data-testid='stFileUploaderDropzoneInput']").first.set_input_files(str(path))
    page.get_by_text("your upload, 512 x 512 px").wait_for()
    haar = run_detector(load_detector("Haar frontal face (OpenCV)"), mirrored)
    mtcnn = run_detector(load_detector("MTCNN faces"), mirrored)
    assert metric(page, "A: Haar frontal face") == plural(len(haar), "box")
    assert metric(page, "B: MTCNN faces") == plural(len(mtcnn), "box") == "1 box"
    page.get_by_text(f"A found {counts_words(haar)}; B found 1 face.").wait_for()
    page.get_by_text("They agree on 1 box").wait_for()
    pairs = page.locator("[data-testid='stDataFrame']").filter(has_text="A box")
    pairs.wait_for()
    screenshot(page, "detection_two_detectors")


def test_draw_ground_truth_on_the_photo(page, server_url) -> None:
    open_page(page, server_url, "detection" + TWO)
    with rerun(page):
        page.get_by_text("draw or type boxes").click()
    drag_on_canvas(page, (180, 63), (270, 168), 512)
    text = page.get_by_label("Ground-truth boxes: x1 y1 x2 y2 class").input_value()
    x1, y1, x2, y2, label = text.split()
    assert abs(int(x1) - 180) <= 2 and abs(int(y2) - 168) <= 2 and label == "face"
    scores = page.locator("[data-testid='stDataFrame']").filter(has_text="precision")
    scores.wait_for()
    screenshot(page, "detection_ground_truth")


def test_the_nms_button_opens_the_nms_lab_on_the_raw_boxes(page, server_url) -> None:
    open_page(page, server_url, "detection")
    with rerun(page):
        page.get_by_role("button", name="NMS lab").nth(2).click()  # C: HOG people
    page.wait_for_url("**/nms**")
    checked = page.get_by_role("radio", name="from the Detection page")
    assert checked.is_checked()
    assert metric(page, "Boxes in") == "8"
    assert metric(page, "Kept") == "2"  # the Detection page's HOG result
