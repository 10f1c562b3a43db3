"""The Evaluation lab in AppTest: the lecture's matrices, scores against scikit-learn, detections
against lab.metrics and pycocotools, every kind of upload, and hostile input."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as sk

from lab.detections import Detections
from lab.metrics import SUMMARY_KEYS, average_precision, example_scores, match_detections
from lab.scenes import evaluation_set
from tests.lab.test_metrics import crowded, reference
from tests.pages.conftest import assault, messages, texts

PARTS = ["Classification", "Scores: ROC and PR", "Detection: AP and COCO"]


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def table_with(app, column: str):
    return next(d.value for d in app.dataframe if column in d.value.columns)


def part(app, index: int):
    app.segmented_control(key="eval_part").set_value(PARTS[index]).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def test_the_lectures_binary_example(run_page) -> None:
    app = run_page("evaluation")
    assert metric(app, "Accuracy") == "0.767"
    per_class = table_with(app, "support (truly)").set_index("class")
    assert per_class.loc["positive", "precision"] == pytest.approx(0.889)
    assert per_class.loc["positive", "recall"] == pytest.approx(0.762)
    assert per_class.loc["positive", "F1"] == pytest.approx(0.821)
    assert "precision(positive) = TP / predicted positive = 80 / 90 = 0.889" in texts(app)


def test_the_three_class_slide_reads_rows_as_predictions(run_page) -> None:
    app = run_page("evaluation")
    app.selectbox(key="eval_preset").set_value("lecture: 3 classes (rows = predictions)").run()
    assert app.radio(key="eval_rows").value == "predictions"
    slide = np.array([[30, 20, 10], [50, 60, 10], [20, 20, 80]])
    true, predicted = [], []
    for p, row in enumerate(slide):  # rows are predictions
        for t, count in enumerate(row):
            true += [t] * count
            predicted += [p] * count
    expected = sk.precision_recall_fscore_support(true, predicted)
    per_class = table_with(app, "support (truly)")
    np.testing.assert_allclose(per_class["precision"], np.round(expected[0], 3))
    np.testing.assert_allclose(per_class["recall"], np.round(expected[1], 3))
    averages = table_with(app, "average").set_index("average")
    for kind in ("micro", "macro", "weighted"):
        averaged = sk.precision_recall_fscore_support(true, predicted, average=kind)[:3]
        row = averages.loc[kind, ["precision", "recall", "F1"]]  # headed as in the per-class table
        np.testing.assert_allclose(row.to_numpy(float), np.round(averaged, 3))
    app.radio(key="eval_rows").set_value("true labels").run()  # the same counts, read the other way
    assert app.selectbox(key="eval_preset").value == "your own"
    per_class = table_with(app, "support (truly)")
    np.testing.assert_allclose(per_class["recall"], np.round(expected[0], 3))


def test_generated_scores_against_scikit_learn(run_page) -> None:
    app = part(run_page("evaluation"), 1)
    scores, labels = example_scores(400, 1.5, 0.4, 0)
    assert metric(app, "ROC AUC") == f"{sk.roc_auc_score(labels, scores):.3f}"
    assert metric(app, "Average precision") == f"{sk.average_precision_score(labels, scores):.3f}"
    app.slider(key="eval_threshold").set_value(0.7).run()
    table = table_with(app, "predicted positive")
    expected = sk.confusion_matrix(labels, scores >= 0.7, labels=[1, 0])
    assert (
        table[["predicted positive", "predicted negative"]].to_numpy().tolist() == expected.tolist()
    )


def test_typed_scores_give_fawcetts_auc(run_page) -> None:
    app = part(run_page("evaluation"), 1)
    app.radio(key="eval_source").set_value("typed").run()
    assert metric(app, "ROC AUC") == "0.680"  # Fawcett (2006), figure 3
    assault(app, "text_area", "eval_scores_text", lambda a: metric(a, "ROC AUC") == "0.680")


def test_multiclass_csv_upload(run_page) -> None:
    app = part(run_page("evaluation"), 1)
    app.radio(key="eval_source").set_value("CSV upload").run()
    scores, labels = example_scores(300, 1.0, seed=5, classes=3)
    rows = ["label,cat,dog,bird"] + [f"{['cat', 'dog', 'bird'][y]},{s[0]},{s[1]},{s[2]}" for s, y in zip(scores, labels, strict=True)]  # fmt: skip
    app.file_uploader(key="eval_scores_upload").set_value(("scores.csv", "\n".join(rows).encode(), "text/csv")).run()  # fmt: skip
    assert not app.exception
    macro = np.mean(
        [sk.roc_auc_score(labels == k, scores[:, k]) for k in range(3)]
    )  # sklearn's ovr macro
    assert metric(app, "Macro AUC (mean over classes)") == f"{macro:.3f}"
    app.selectbox(key="eval_positive_class").set_value(1).run()
    assert metric(app, "ROC AUC") == f"{sk.roc_auc_score(labels == 1, scores[:, 1]):.3f}"
    app.file_uploader(key="eval_scores_upload").set_value(("bad.csv", b"label,score\n1,0.5\n7,0.2\n", "text/csv")).run()  # fmt: skip
    assert not app.exception and any("cannot be used" in m for m in messages(app))


def test_detection_ap_follows_the_iou_threshold(run_page) -> None:
    app = part(run_page("evaluation"), 2)
    gt, det = evaluation_set(images=6, classes=2, objects=6, noise=0.1, miss_rate=0.2, false_alarms=3, seed=0, crowd=True)  # fmt: skip
    shown = {}
    for iou in (0.5, 0.75):
        app.slider(key="eval_iou").set_value(iou).run()
        ranked = match_detections(gt, det, iou, 1)
        for method, label in (("coco101", "COCO 101-point"), ("all", "all-point (VOC2010+)"), ("voc11", "11-point (VOC2007)")):  # fmt: skip
            assert metric(app, f"AP, {label}") == f"{average_precision(ranked.recall, ranked.precision, method):.4f}"  # fmt: skip
        shown[iou] = metric(app, "AP, COCO 101-point")
    assert shown[0.5] != shown[0.75]
    summary = table_with(app, "A: as set")
    expected = reference(gt, det).stats
    np.testing.assert_allclose(summary["A: as set"].to_numpy(), np.round(expected, 3), atol=1e-9)
    assert list(summary.index) == SUMMARY_KEYS


def test_coco_uploads_and_their_mistakes(run_page) -> None:
    app = part(run_page("evaluation"), 2)
    app.radio(key="eval_det_source").set_value("COCO upload").run()
    gt, det = crowded(2)
    app.file_uploader(key="eval_coco_gt").set_value(("gt.json", json.dumps(gt).encode(), "application/json")).run()  # fmt: skip
    app.file_uploader(key="eval_coco_dt").set_value([("det.json", json.dumps(det).encode(), "application/json")]).run()  # fmt: skip
    assert not app.exception, [e.value for e in app.exception]
    summary = table_with(app, "results 1")
    np.testing.assert_allclose(summary["results 1"].to_numpy(), np.round(reference(gt, det).stats, 3), atol=1e-9)  # fmt: skip
    wrong = [
        (b"{not json", "not JSON"),
        (json.dumps([{**det[0], "image_id": 999}]).encode(), "image 999"),
        (json.dumps([{**det[0], "category_id": 77}]).encode(), "category 77"),
        (json.dumps([{**det[0], "bbox": [1, 2, float("nan"), 4]}]).encode(), "got nan"),
        (json.dumps([{**det[0], "bbox": [1, 2, -3, 4]}]).encode(), "negative"),
        (b" " * (101 * 2**20), "MB"),
    ]
    for data, words in wrong:
        app.file_uploader(key="eval_coco_dt").set_value([("det.json", data, "application/json")]).run()  # fmt: skip
        assert not app.exception
        assert any(words in m for m in messages(app)), (words, messages(app))


def test_voc_upload(run_page) -> None:
    from tests.lab.test_annotations import VOC_FILE

    app = part(run_page("evaluation"), 2)
    app.radio(key="eval_det_source").set_value("Pascal VOC upload").run()
    app.file_uploader(key="eval_voc_gt").set_value([("000005.xml", VOC_FILE, "text/xml")]).run()
    found = b"000005 chair 0.9 263 211 324 339\n000005 person 0.8 1 1 10 20\n000005 chair 0.3 5 5 50 50\n"  # fmt: skip
    app.file_uploader(key="eval_voc_dt").set_value(("det.txt", found, "text/plain")).run()
    assert not app.exception, [e.value for e in app.exception]
    app.selectbox(key="eval_category").set_value("chair").run()
    ranked = table_with(app, "TP so far")
    assert ranked["result"].tolist() == ["TP", "FP"]  # the difficult chair is left out
    assert metric(app, "AP, COCO 101-point") == "1.0000"


def test_the_detection_labs_ground_truth(run_page) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    app = AppTest.from_file(str(ROOT / "pages" / "evaluation.py"), default_timeout=120)
    truth = Detections([[10, 10, 50, 50], [60, 60, 90, 90]], [1, 1], ["face", "face"])
    found = Detections([[11, 10, 50, 52], [0, 0, 5, 5]], [0.9, 0.4], ["face", "face"])
    app.session_state["evaluation_ground_truth"] = {"image": np.zeros((100, 100, 3), np.uint8), "truth": truth, "ranked": {"MTCNN faces": found}}  # fmt: skip
    app.session_state["eval_part"] = PARTS[2]
    app.session_state["eval_det_source"] = "from the Detection lab"
    app.run()
    assert not app.exception, [e.value for e in app.exception]
    assert metric(app, "Ground-truth boxes that count") == "2"
    assert table_with(app, "TP so far")["result"].tolist() == ["TP", "FP"]


@pytest.mark.parametrize(
    ("kind", "key", "where"),
    [
        ("text_area", "eval_matrix", 0),
        ("text_input", "eval_names", 0),
        ("number_input", "eval_seed", 1),
        ("number_input", "eval_det_seed", 2),
    ],
)
def test_hostile_values_in_every_typed_input(run_page, kind, key, where) -> None:
    app = part(run_page("evaluation"), where) if where else run_page("evaluation")
    healthy = [lambda a: bool(a.metric), lambda a: bool(a.metric), lambda a: bool(a.metric)][where]
    assault(app, kind, key, healthy)
