"""lab.metrics against the reference implementations: scikit-learn for classification, pycocotools
for detection (to 1e-6 on generated sets with empty images, images without detections, crowds and
more than 100 detections on an image), and the lecture's worked examples by hand."""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval
from sklearn import metrics as sk
from sklearn.preprocessing import label_binarize

from lab.metrics import (
    SUMMARY_KEYS,
    MetricsError,
    at_threshold,
    average_precision,
    coco_summary,
    confusion_metrics,
    example_scores,
    match_detections,
    one_vs_rest,
    parse_matrix,
    parse_scores,
    pr_curve,
    read_scores_csv,
    roc_curve,
    summary_text,
)
from lab.scenes import evaluation_set
from tests.oracles import coco_reference


def labels_from(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(y_true, y_pred) with a true-label-rows confusion matrix equal to `matrix`."""
    true, predicted = [], []
    for i, row in enumerate(matrix):
        for j, count in enumerate(row):
            true += [i] * int(count)
            predicted += [j] * int(count)
    return np.array(true), np.array(predicted)


@pytest.mark.parametrize("seed", range(12))
def test_confusion_metrics_equal_scikit_learn(seed) -> None:
    rng = np.random.default_rng(seed)
    size = int(rng.integers(2, 8))
    matrix = rng.integers(0, 30, (size, size))
    matrix[rng.random((size, size)) < 0.2] = 0  # some empty rows and columns now and then
    matrix[0, 0] += 1
    true, predicted = labels_from(matrix)
    report = confusion_metrics(matrix)
    labels = list(range(size))
    p, r, f, s = sk.precision_recall_fscore_support(true, predicted, labels=labels, zero_division=0)
    np.testing.assert_allclose(report.precision, p, atol=1e-12)
    np.testing.assert_allclose(report.recall, r, atol=1e-12)
    np.testing.assert_allclose(report.f1, f, atol=1e-12)
    np.testing.assert_array_equal(report.support, s)
    assert report.accuracy == pytest.approx(sk.accuracy_score(true, predicted))
    for average in ("micro", "macro", "weighted"):
        expected = sk.precision_recall_fscore_support(
            true, predicted, labels=labels, average=average, zero_division=0
        )
        got = report.averages[average]
        assert (got["precision"], got["recall"], got["f1"]) == pytest.approx(
            expected[:3], abs=1e-12
        )
    transposed = confusion_metrics(matrix.T, rows="predicted")
    np.testing.assert_allclose(transposed.precision, report.precision)


def test_the_lectures_binary_example() -> None:
    report = confusion_metrics([[80, 25], [10, 35]])  # rows: true positive, true negative
    assert report.precision[0] == pytest.approx(80 / 90) and round(report.precision[0], 2) == 0.89
    assert report.recall[0] == pytest.approx(80 / 105) and round(report.recall[0], 2) == 0.76
    assert report.accuracy == pytest.approx(115 / 150) and round(report.accuracy, 3) == 0.767
    assert round(report.f1[0], 2) == 0.82


def test_the_lectures_three_class_example_has_predictions_in_rows() -> None:
    slide = [[30, 20, 10], [50, 60, 10], [20, 20, 80]]  # rows: predicted A, B, C
    report = confusion_metrics(slide, rows="predicted")
    assert report.precision.tolist() == pytest.approx([30 / 60, 60 / 120, 80 / 120])
    assert report.recall.tolist() == pytest.approx([30 / 100, 60 / 100, 80 / 100])
    assert report.support.tolist() == [100, 100, 100]


@pytest.mark.parametrize(
    ("matrix", "words"),
    [
        ([[1, 2, 3], [4, 5, 6]], "square"),
        ([[5]], "square, 2 x 2"),
        ([[1, -1], [0, 2]], "whole numbers"),
        ([[1.5, 0], [0, 2]], "whole numbers"),
        ([[0, 0], [0, 0]], "all zeros"),
        ([[np.nan, 0], [0, 1]], "NaN"),
        ([[np.inf, 0], [0, 1]], "finite"),
        (np.ones((21, 21)), "20 x 20"),
    ],
)
def test_bad_matrices_are_refused(matrix, words) -> None:
    with pytest.raises(MetricsError, match=words):
        confusion_metrics(np.array(matrix, dtype=float))


def test_parse_matrix() -> None:
    assert parse_matrix("1 2\n3,4\n").tolist() == [[1, 2], [3, 4]]
    for text, words in (("1 2\n3", "square"), ("1 x\n1 1", "row 1"), ("1 -2\n3 4", "row 1"), ("", "type")):  # fmt: skip
        with pytest.raises(MetricsError, match=words):
            parse_matrix(text)


def scored(seed: int, n: int = 300, overlap: float = 1.0, ties: bool = False):
    rng = np.random.default_rng(seed)
    labels = rng.random(n) < 0.4
    scores = rng.normal(labels * 2.0 / max(overlap, 1e-6), 1.0)
    if ties:
        scores = np.round(scores, 1)
    return scores, labels.astype(int)


@pytest.mark.parametrize(("seed", "ties"), [(s, s % 2 == 1) for s in range(8)])
def test_roc_and_pr_curves_equal_scikit_learn(seed, ties) -> None:
    scores, labels = scored(seed, ties=ties)
    for drop in (True, False):
        fpr, tpr, thresholds = sk.roc_curve(labels, scores, drop_intermediate=drop)
        ours = roc_curve(scores, labels, drop_intermediate=drop)
        np.testing.assert_allclose(ours.x, fpr)
        np.testing.assert_allclose(ours.y, tpr)
        np.testing.assert_allclose(ours.thresholds[1:], thresholds[1:])
    assert ours.area == pytest.approx(sk.roc_auc_score(labels, scores), abs=1e-12)
    precision, recall, thresholds = sk.precision_recall_curve(labels, scores)
    ours = pr_curve(scores, labels)
    np.testing.assert_allclose(ours.y, precision)
    np.testing.assert_allclose(ours.x, recall)
    np.testing.assert_allclose(ours.thresholds, thresholds)
    assert ours.area == pytest.approx(sk.average_precision_score(labels, scores), abs=1e-12)


def test_the_threshold_gives_the_confusion_matrix() -> None:
    scores, labels = scored(3)
    for threshold in (-1.0, 0.5, 1.7):
        matrix = at_threshold(scores, labels, threshold)
        expected = sk.confusion_matrix(labels, scores >= threshold, labels=[1, 0])
        np.testing.assert_array_equal(matrix, expected)


@pytest.mark.parametrize("seed", range(4))
def test_one_vs_rest_equals_scikit_learn(seed) -> None:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 4, 400)
    scores = rng.random((400, 4)) + np.eye(4)[labels] * rng.uniform(0.2, 1.0)
    scores /= scores.sum(axis=1, keepdims=True)
    curves = one_vs_rest(scores, labels)
    assert curves["macro"] == pytest.approx(
        sk.roc_auc_score(labels, scores, multi_class="ovr", average="macro"), abs=1e-12
    )
    binary = label_binarize(labels, classes=range(4))
    assert curves["micro"].area == pytest.approx(
        sk.roc_auc_score(binary, scores, average="micro"), abs=1e-12
    )
    for k in range(4):
        assert curves[k].area == pytest.approx(sk.roc_auc_score(labels == k, scores[:, k]))


@pytest.mark.parametrize(
    ("scores", "labels", "words"),
    [
        ([0.1, 0.2], [1, 1], "both classes"),
        ([0.1, np.nan], [0, 1], "NaN"),
        ([0.1, 0.2], [0, 2], "1 \\(positive\\) or 0"),
        ([0.1, 0.2, 0.3], [0, 1], "one label per score"),
    ],
)
def test_bad_scores_are_refused(scores, labels, words) -> None:
    with pytest.raises(MetricsError, match=words):
        roc_curve(np.array(scores), np.array(labels))


def test_eleven_point_ap_by_hand() -> None:
    # Five detections, three ground-truth boxes: TP, FP, TP, FP, TP.
    recall = np.array([1, 1, 2, 2, 3]) / 3
    precision = np.array([1 / 1, 1 / 2, 2 / 3, 2 / 4, 3 / 5])
    # 11-point: recall 0..0.3 -> best precision 1; 0.4..0.6 -> 2/3; 0.7..1.0 -> 3/5.
    assert average_precision(recall, precision, "voc11") == pytest.approx(
        (4 * 1 + 3 * (2 / 3) + 4 * (3 / 5)) / 11
    )
    # All-point: 1/3 * 1 + 1/3 * 2/3 + 1/3 * 3/5.
    assert average_precision(recall, precision, "all") == pytest.approx((1 + 2 / 3 + 3 / 5) / 3)
    # COCO: 101 recall points, r <= 1/3 (34 points: 0..0.33) -> 1, up to 2/3 (33) -> 2/3, the
    # rest (34) -> 3/5.
    assert average_precision(recall, precision, "coco101") == pytest.approx(
        (34 * 1 + 33 * (2 / 3) + 34 * (3 / 5)) / 101
    )
    assert average_precision([], [], "coco101") == 0.0
    with pytest.raises(MetricsError, match="method"):
        average_precision(recall, precision, "voc12")


reference = coco_reference


def crowded(seed: int) -> tuple[dict, list]:
    """A generated set with an image without any box, an image with ground truth but no
    detections, crowds, and one image with more than 100 detections."""
    gt, det = evaluation_set(images=8, classes=3, objects=6, seed=seed, crowd=True, false_alarms=3)
    det = [d for d in det if d["image_id"] != 2]  # image 2: ground truth, no detections
    gt["annotations"] = [a for a in gt["annotations"] if a["image_id"] != 3]
    for annotation in gt["annotations"][:2]:  # crowds, besides the generator's own
        annotation["iscrowd"] = 1
    det = [d for d in det if d["image_id"] != 3]  # image 3: nothing at all
    rng = np.random.default_rng(seed)
    for _ in range(130):  # image 4: 130 detections, COCO keeps the best 100
        x, y = rng.uniform(0, 600, 2)
        det.append({"image_id": 4, "category_id": int(rng.integers(1, 4)), "bbox": [x, y, 40.0, 40.0], "score": float(rng.random())})  # fmt: skip
    return gt, det


@pytest.mark.parametrize("seed", range(10))
def test_coco_summary_equals_pycocotools(seed) -> None:
    gt, det = crowded(seed)
    ours = coco_summary(gt, det)
    theirs = dict(zip(SUMMARY_KEYS, reference(gt, det).stats, strict=True))
    for key in SUMMARY_KEYS:
        assert ours[key] == pytest.approx(theirs[key], abs=1e-6), key


def test_coco_summary_of_a_detector_that_finds_nothing() -> None:
    gt, _ = evaluation_set(images=3, seed=1)
    ours = coco_summary(gt, [])
    theirs = dict(zip(SUMMARY_KEYS, reference(gt, []).stats, strict=True))
    assert ours == pytest.approx(theirs)


@pytest.mark.parametrize("iou", [0.5, 0.75])
def test_the_ranked_table_gives_cocos_ap_at_one_threshold(iou) -> None:
    gt, det = crowded(4)
    evaluation = reference(gt, det, iou)
    for k, category in enumerate(evaluation.params.catIds):
        ranked = match_detections(gt, det, iou, category)
        ap = average_precision(ranked.recall, ranked.precision, "coco101")
        expected = evaluation.eval["precision"][0, :, k, 0, 2]
        assert ap == pytest.approx(expected.mean(), abs=1e-9)
        assert ranked.cum_tp[-1] + ranked.cum_fp[-1] == (~ranked.ignored).sum()


def test_summary_text_is_laid_out_like_pycocotools() -> None:
    gt, det = evaluation_set(images=3, seed=2)
    buffer = io.StringIO()
    with contextlib.redirect_stdout(buffer):
        truth = COCO()
        truth.dataset = gt
        truth.createIndex()
        evaluation = COCOeval(truth, truth.loadRes(det), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
    with contextlib.redirect_stdout(buffer := io.StringIO()):
        evaluation.summarize()
    assert summary_text(coco_summary(gt, det)) == buffer.getvalue().rstrip("\n")


GOOD_GT = {"images": [{"id": 1}], "categories": [{"id": 1, "name": "a"}], "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "bbox": [0, 0, 10, 10]}]}  # fmt: skip


@pytest.mark.parametrize(
    ("gt", "det", "words"),
    [
        ({"images": []}, [], "'images', 'annotations' and 'categories'"),
        (GOOD_GT, {"not": "a list"}, "results file"),
        (GOOD_GT, [{"image_id": 9, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}], "image 9"),
        (
            GOOD_GT,
            [{"image_id": 1, "category_id": 7, "bbox": [0, 0, 1, 1], "score": 1}],
            "category 7",
        ),
        (
            GOOD_GT,
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, float("nan"), 1], "score": 1}],
            "'bbox' value must be a number, got nan",
        ),
        (
            GOOD_GT,
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, -3, 1], "score": 1}],
            "negative",
        ),
        (
            GOOD_GT,
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1], "score": 1}],
            "x, y, width, height",
        ),
        (
            GOOD_GT,
            [{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": "high"}],
            "'score' must be a number, got 'high'",
        ),
        (GOOD_GT, ["nope"], "not an object"),
    ],
)
def test_bad_coco_input_is_refused_with_a_reason(gt, det, words) -> None:
    with pytest.raises(MetricsError, match=words):
        coco_summary(gt, det)


def test_example_scores_are_seeded_and_separate_as_asked() -> None:
    scores, labels = example_scores(2000, 0.0, 0.3, seed=1)
    again, _ = example_scores(2000, 0.0, 0.3, seed=1)
    np.testing.assert_array_equal(scores, again)
    assert abs(roc_curve(scores, labels).area - 0.5) < 0.05  # separation 0: a coin toss
    scores, labels = example_scores(2000, 3.0, 0.3, seed=1)
    assert roc_curve(scores, labels).area > 0.95
    assert abs(labels.mean() - 0.3) < 0.05
    multi, classes = example_scores(500, 2.0, seed=2, classes=4)
    assert multi.shape == (500, 4) and set(classes.tolist()) == {0, 1, 2, 3}
    np.testing.assert_allclose(multi.sum(axis=1), 1, atol=1e-3)


def test_typed_scores_and_csv() -> None:
    scores, labels = parse_scores("0.9 1\n# comment\n0.2, 0\n")
    assert scores.tolist() == [0.9, 0.2] and labels.tolist() == [1, 0]
    for text, words in (("0.9", "expected"), ("x 1", "not a number"), ("0.5 2", "label"), ("inf 1", "finite")):  # fmt: skip
        with pytest.raises(MetricsError, match=words):
            parse_scores(text)
    binary = read_scores_csv(b"label,score\n1,0.9\n0,0.1\n1,0.4\n")
    assert binary[0].tolist() == [0.9, 0.1, 0.4] and binary[1].tolist() == [1, 0, 1]
    multi = read_scores_csv(b"label,cat,dog\ndog,0.2,0.8\ncat,0.7,0.3\n1,0.5,0.5\n")
    assert (
        multi[0].shape == (3, 2) and multi[1].tolist() == [1, 0, 1] and multi[2] == ["cat", "dog"]
    )
    bad = [
        (b"score,label\n1,0\n0,1\n", "header"),
        (b"label,score\n1,0.9\n", "at least two rows"),
        (b"label,score\n1,0.9\n0,x\n", "not a number"),
        (b"label,score\n1,0.9\n2,0.1\n", "1 \\(positive\\)"),
        (b"label,a,b\nc,0.1,0.9\na,0.5,0.5\n", "names none"),
        (b"label,score\n1,0.9,3\n0,0.1\n", "values expected"),
        (b"\xff\xfe\x00bad", "not text"),
    ]
    for data, words in bad:
        with pytest.raises(MetricsError, match=words):
            read_scores_csv(data)
