"""The NMS lab in AppTest: thresholds, methods and sources against torchvision as the oracle."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.ops as ops

from lab.detections import Detections
from lab.nms import nms_report, soft_nms
from lab.scenes import Scene, cluster_scene
from tests.pages.conftest import assault, messages


def metric(app, label: str) -> int:
    return int(next(m.value for m in app.metric if m.label == label))


def oracle_kept(scene: Scene, iou: float, score: float = 0.05, class_aware: bool = True) -> int:
    found = scene.detections
    keep = found.scores >= score
    boxes, scores = torch.from_numpy(found.boxes[keep]), torch.from_numpy(found.scores[keep])
    classes = np.unique(found.labels, return_inverse=True)[1]
    if class_aware:
        kept = ops.batched_nms(boxes, scores, torch.from_numpy(classes[keep]), iou)
    else:
        kept = ops.nms(boxes, scores, iou)
    return len(kept)


def default_scene() -> Scene:
    return cluster_scene(4, 8, 0.12, 2, 0, 640, 480, 3)


def test_changing_the_iou_threshold_changes_the_kept_count(run_page) -> None:
    app = run_page("nms")
    scene = default_scene()
    assert metric(app, "Boxes in") == len(scene.detections)
    assert metric(app, "Kept") == oracle_kept(scene, 0.5)
    app.slider(key="nms_iou_threshold").set_value(0.9).run()
    assert metric(app, "Kept") == oracle_kept(scene, 0.9) > oracle_kept(scene, 0.5)
    app.slider(key="nms_iou_threshold").set_value(0.1).run()
    assert metric(app, "Kept") == oracle_kept(scene, 0.1) < oracle_kept(scene, 0.5)


def test_class_agnostic_and_score_threshold(run_page) -> None:
    app = run_page("nms")
    scene = default_scene()
    app.toggle(key="nms_class_aware").set_value(False).run()
    app.slider(key="nms_score_threshold").set_value(0.6).run()
    assert metric(app, "Above score threshold") == int((scene.detections.scores >= 0.6).sum())
    assert metric(app, "Kept") == oracle_kept(scene, 0.5, 0.6, class_aware=False)


def test_the_table_names_the_kept_and_suppressed_boxes(run_page) -> None:
    app = run_page("nms")
    scene = default_scene()
    found = scene.detections
    report = nms_report(found.boxes, found.scores, 0.5, 0.05, found.labels, 100)
    first = report.steps[0]
    statuses = app.dataframe[0].value.set_index("box")["status (hard NMS)"]
    assert statuses[first.kept] == "kept (#0)"
    for index in first.suppressed:
        assert statuses[index].startswith(f"suppressed by box {first.kept} (#0) at IoU")


def test_max_detections_caps_the_result(run_page) -> None:
    app = run_page("nms")
    app.number_input(key="nms_max_detections").set_value(2).run()
    assert metric(app, "Kept") == 2


@pytest.mark.parametrize(
    "method, kind", [("Soft-NMS (linear)", "linear"), ("Soft-NMS (gaussian)", "gaussian")]
)
def test_soft_nms_matches_the_lab_and_keeps_at_least_as_many(
    run_page, method: str, kind: str
) -> None:
    app = run_page("nms")
    hard = metric(app, "Kept")
    app.radio(key="nms_method").set_value(method).run()
    assert not app.exception
    scene = default_scene()
    found = scene.detections
    keep, kept_scores = soft_nms(found.boxes, found.scores, 0.5, 0.5, kind, 0.05, found.labels)
    assert metric(app, "Kept") == len(keep) >= hard
    table = app.dataframe[0].value.set_index("box")
    np.testing.assert_allclose(table.loc[keep, "soft score"], np.round(kept_scores, 4))


def test_own_boxes_typed_and_bad_lines(run_page) -> None:
    app = run_page("nms")
    app.radio(key="nms_source").set_value("your own boxes").run()
    assert metric(app, "Boxes in") == 5 and metric(app, "Kept") == 2  # two people, two groups
    app.text_area(key="nms_text").input("0 0 10 10 0.9\n0 0 10 nan 0.8").run()
    assert not app.exception
    assert "line 2" in " ".join(e.value for e in app.error)


def test_detection_page_boxes_arrive_through_session_state(run_page) -> None:
    app = run_page("nms")
    app.radio(key="nms_source").set_value("from the Detection page").run()
    assert "No detector output yet" in app.info[0].value
    app.session_state["detection_raw"] = {
        "detections": Detections(
            np.array([[10, 10, 50, 90], [12, 8, 52, 88], [100, 20, 140, 100]], dtype=float),
            np.array([0.99, 0.7, 0.95]),
            ["person", "person", "person"],
        ),
        "image": np.zeros((120, 160, 3), dtype=np.uint8),
        "detector": "test",
    }
    app.run()
    assert metric(app, "Boxes in") == 3 and metric(app, "Kept") == 2


def test_hostile_values_in_every_input_give_messages_not_tracebacks(run_page) -> None:
    def healthy(app) -> bool:
        return any(m.label == "Kept" for m in app.metric)

    def own_boxes(app) -> None:
        app.radio(key="nms_source").set_value("your own boxes").run()

    app = run_page("nms")
    for key in ("nms_seed", "nms_max_detections", "nms_start"):
        assault(app, "number_input", key, healthy)
    assault(app, "text_area", "nms_text", healthy, own_boxes)
    for line in ("0 0 1e300 1e300 0.5 a", "0 0 10 10 0.5 <b>x</b>"):
        app.text_area(key="nms_text").input(line).run()
        assert not app.exception and "line 1" in " ".join(messages(app))


BROKEN_DETECTIONS = [
    # (case, detection_raw, words in the message)
    ("nothing found", {"detections": Detections.empty()}, "found no boxes"),
    ("not detections", {"detections": {"boxes": [[0, 0, np.nan, 10]]}}, "holds no detections"),
    ("no detections at all", {"image": None}, "holds no detections"),
]


@pytest.mark.parametrize(
    "case, raw, words", BROKEN_DETECTIONS, ids=[case for case, _, _ in BROKEN_DETECTIONS]
)
def test_broken_detector_output_gives_a_message(run_page, case, raw, words) -> None:
    app = run_page("nms")
    app.radio(key="nms_source").set_value("from the Detection page").run()
    app.session_state["detection_raw"] = {**raw, "detector": "test"}
    app.run()
    assert not app.exception
    shown = " ".join(messages(app) + [e.value for e in app.info])
    assert words in shown


def test_huge_detector_boxes_without_an_image_get_a_bounded_canvas(run_page) -> None:
    app = run_page("nms")
    app.radio(key="nms_source").set_value("from the Detection page").run()
    app.session_state["detection_raw"] = {
        "detections": Detections(
            np.array([[0, 0, 9e5, 9e5], [0, 0, 8e5, 9e5]]), [0.9, 0.8], ["a", "a"]
        ),
        "detector": "test",
    }
    app.run()
    assert not app.exception and metric(app, "Kept") == 1  # IoU 0.89: one suppresses the other
