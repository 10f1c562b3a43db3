"""Every upload on every page gets every hostile file of tests/bad_inputs: the page shows a
clear message or uses the file, never a traceback, and the next interaction still works."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from tests.bad_inputs import HOSTILE_NAMES, images, other_files
from tests.pages.conftest import ROOT, messages, texts

IMAGES = images()
OTHERS = other_files()
PAGES = {"kernel_lab": "kern", "detection": "det", "inside_detector": "anat"}


def opened(page: str, **state) -> AppTest:
    app = AppTest.from_file(str(ROOT / "pages" / f"{page}.py"), default_timeout=120)
    for key, value in state.items():
        app.session_state[key] = value
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def everything(app: AppTest) -> str:
    return texts(app) + "\n" + "\n".join(messages(app))


def check(app: AppTest, expected: str, where: str) -> None:
    assert not app.exception, (where, [e.value for e in app.exception])
    shown = everything(app)
    if expected == "image":
        assert "your upload" in shown, (where, messages(app))
    else:
        assert expected.lower() in "\n".join(messages(app)).lower(), (where, messages(app))
    for name in HOSTILE_NAMES:  # file names are never echoed
        assert name not in shown


@pytest.mark.parametrize("page", list(PAGES))
@pytest.mark.parametrize("case", list(IMAGES))
def test_every_image_upload_on_every_page(page, case) -> None:
    prefix = PAGES[page]
    state = {"det_detectors": ["Haar frontal face (OpenCV)"]} if page == "detection" else {}
    app = opened(page, **state)
    name, data, expected = IMAGES[case]
    app.file_uploader(key=f"{prefix}_upload").set_value((name, data, "application/octet-stream")).run()  # fmt: skip
    check(app, expected, f"{page}: {case}")
    app.selectbox(key=f"{prefix}_sample").set_value("coffee").run()  # the next interaction
    assert not app.exception, (page, case, [e.value for e in app.exception])
    shown = everything(app)
    if expected == "image":  # a good upload stays in use
        assert "your upload" in shown, (page, case)
    else:  # a refused one left the page working on the sample the student picked next
        assert "coffee" in shown.lower() and "your upload" not in shown, (page, case)


@pytest.mark.parametrize("case", list(OTHERS["checkpoint"]))
def test_bad_checkpoints(case) -> None:
    app = opened("detection", det_detectors=["Haar frontal face (OpenCV)", "Your own checkpoint"])
    name, data, words = OTHERS["checkpoint"][case]
    app.file_uploader(key="det_ckpt_upload").set_value((name, data, "application/octet-stream")).run()  # fmt: skip
    assert not app.exception
    assert any(words.lower() in m.lower() for m in messages(app)), (case, messages(app))
    app.number_input(key="det_haar_frontal_face_max").set_value(3).run()
    assert not app.exception


@pytest.mark.parametrize("case", list(OTHERS["annotation"]))
def test_bad_ground_truth_files(case) -> None:
    app = opened("detection", det_detectors=["Haar frontal face (OpenCV)"], det_truth_source="upload a COCO or VOC file")  # fmt: skip
    name, data, words = OTHERS["annotation"][case]
    app.file_uploader(key="det_truth_upload").set_value((name, data, "application/json")).run()
    assert not app.exception
    assert any(words.lower() in m.lower() for m in messages(app)), (case, messages(app))


@pytest.mark.parametrize("case", list(OTHERS["results"]))
def test_bad_results_files(case) -> None:
    from tests.lab.test_metrics import GOOD_GT

    app = opened("evaluation", eval_part="Detection: AP and COCO", eval_det_source="COCO upload")
    import json

    app.file_uploader(key="eval_coco_gt").set_value(("gt.json", json.dumps(GOOD_GT).encode(), "application/json")).run()  # fmt: skip
    name, data, words = OTHERS["results"][case]
    app.file_uploader(key="eval_coco_dt").set_value([(name, data, "application/json")]).run()
    assert not app.exception
    assert any(words.lower() in m.lower() for m in messages(app)), (case, messages(app))


@pytest.mark.parametrize("case", list(OTHERS["scores"]))
def test_bad_score_files(case) -> None:
    app = opened("evaluation", eval_part="Scores: ROC and PR", eval_source="CSV upload")
    name, data, words = OTHERS["scores"][case]
    app.file_uploader(key="eval_scores_upload").set_value((name, data, "text/csv")).run()
    assert not app.exception
    assert any(words.lower() in m.lower() for m in messages(app)), (case, messages(app))
