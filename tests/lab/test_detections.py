"""lab.detections: the one type for boxes with scores and class names, and matching two
detectors one to one."""

from __future__ import annotations

import numpy as np
import pytest

from lab.boxes import BoxError
from lab.detections import (
    Detections,
    compare_words,
    counts_words,
    evaluate,
    match,
    plural,
    spanning,
    to_coco_results,
    where,
)
from tests.hostile import attack, must_refuse, outcome


def make(boxes, scores, labels=None) -> Detections:
    labels = labels if labels is not None else ["person"] * len(boxes)
    return Detections(np.array(boxes, float).reshape(-1, 4), np.array(scores, float), labels)


def test_construction_checks_and_normalises() -> None:
    found = make([[0, 0, 10, 10], [5, 5, 20, 20]], [0.9, 0.4], ["person", "cat"])
    assert found.boxes.dtype == np.float32 and found.scores.dtype == np.float32
    assert found.labels.tolist() == ["person", "cat"] and len(found) == 2
    assert found.classes() == ["cat", "person"]


@pytest.mark.parametrize(
    "boxes, scores, labels, words",
    [
        ([[0, 0, 10, 10]], [0.5, 0.4], ["a"], "one value per box"),
        ([[0, 0, 10, 10]], [0.5], ["a", "b"], "one class name per box"),
        ([[0, 0, 10, 10]], [0.5], [3], "class names"),
        ([[10, 0, 0, 10]], [0.5], ["a"], "x2 < x1"),
        ([[0, 0, np.nan, 10]], [0.5], ["a"], "NaN"),
        ([[0, 0, 10, 10]], [np.inf], ["a"], "finite"),
    ],
)
def test_bad_detections_are_refused(boxes, scores, labels, words) -> None:
    with pytest.raises(BoxError, match=words):
        Detections(np.array(boxes, float), np.array(scores, float), labels)


def test_masks_and_keypoints_follow_the_boxes() -> None:
    masks = np.zeros((2, 8, 8), bool)
    masks[1, 2:4] = True
    points = np.arange(2 * 17 * 3, dtype=float).reshape(2, 17, 3)
    found = Detections(
        np.array([[0, 0, 4, 4], [1, 1, 6, 6]], float), [0.2, 0.8], ["a", "b"], masks, points
    )
    best = found.by_score()
    assert best.labels.tolist() == ["b", "a"] and best.masks[0, 2:4].all()
    np.testing.assert_array_equal(best.keypoints[0], points[1])
    with pytest.raises(BoxError, match="masks"):
        Detections(np.zeros((1, 4)), [0.5], ["a"], np.zeros((2, 8, 8)))


def test_indexing_and_filter() -> None:
    found = make([[0, 0, 1, 1], [0, 0, 2, 2], [0, 0, 3, 3]], [0.3, 0.9, 0.6], ["a", "b", "a"])
    assert len(found[found.scores > 0.5]) == 2
    assert found[[2, 0]].scores.tolist() == pytest.approx([0.6, 0.3])
    assert found.filter(score=0.5, classes=["a"]).scores.tolist() == pytest.approx([0.6])
    assert found.filter(top=2).scores.tolist() == pytest.approx([0.9, 0.6])
    assert len(Detections.empty().filter(score=0.1)) == 0
    with pytest.raises(BoxError, match="one value per detection"):
        found[np.array([True, False])]


EDGE_CASES = [
    (
        lambda boxes, scores: Detections(boxes, scores, ["a"]),
        {"boxes": [[0.0, 0.0, 10.0, 10.0]], "scores": [0.5]},
    ),
    (
        lambda score, top: make([[0, 0, 1, 1], [0, 0, 2, 2]], [0.5, 0.7]).filter(
            score=score, top=top
        ),
        {"score": 0.6, "top": 1},
    ),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_hostile_values_are_refused_with_a_box_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), BoxError)
    if must_refuse(variant):
        assert result == "refused"


# --- match ------------------------------------------------------------------------------------


def test_match_pairs_by_decreasing_score_with_the_best_iou() -> None:
    a = make([[0, 0, 10, 10], [100, 100, 110, 110]], [0.6, 0.9])
    b = make([[1, 1, 10, 10], [0, 0, 11, 11], [200, 200, 210, 210]], [0.5, 0.5, 0.9])
    pairs, only_a, only_b = match(a, b, 0.5)
    assert [(i, j) for i, j, _ in pairs] == [(0, 1)]  # [0,0,11,11] overlaps A's box 0 most
    assert pairs[0][2] == pytest.approx(100 / 121)
    assert only_a == [1] and only_b == [2, 0]  # B's leftovers by decreasing score


def test_one_to_many_candidates_go_to_the_higher_score_first() -> None:
    a = make([[0, 0, 10, 10], [0, 0, 10, 10]], [0.4, 0.8])  # two A boxes want one B box
    b = make([[0, 0, 10, 10]], [0.7])
    pairs, only_a, only_b = match(a, b, 0.5)
    assert [(i, j) for i, j, _ in pairs] == [(1, 0)] and only_a == [0] and only_b == []


def test_ties_go_to_the_higher_scoring_then_lower_index_box() -> None:
    a = make([[0, 0, 10, 10]], [0.9])
    b = make([[0, 0, 10, 10], [0, 0, 10, 10], [0, 0, 10, 10]], [0.5, 0.8, 0.8])
    pairs, _, only_b = match(a, b, 0.5)
    assert pairs[0][1] == 1 and only_b == [2, 0]


def test_empty_sides_and_thresholds() -> None:
    some = make([[0, 0, 10, 10]], [0.9])
    assert tuple(match(Detections.empty(), some)) == ([], [], [0])
    assert tuple(match(some, Detections.empty())) == ([], [0], [])
    far = make([[0, 0, 10, 10]], [0.5])
    shifted = make([[5, 0, 15, 10]], [0.5])  # IoU 1/3
    assert match(far, shifted, 0.3).pairs and not match(far, shifted, 0.5).pairs
    with pytest.raises(BoxError, match="IoU threshold"):
        match(far, shifted, 0.0)


def test_same_class_keeps_classes_apart() -> None:
    a = make([[0, 0, 10, 10]], [0.9], ["cat"])
    b = make([[0, 0, 10, 10]], [0.9], ["dog"])
    assert match(a, b).pairs and not match(a, b, same_class=True).pairs


def test_coco_results_are_xywh_with_category_ids() -> None:
    found = make([[10, 20, 40, 60], [0, 0, 5, 5]], [0.9, 0.5], ["person", "zebra"])
    results = to_coco_results(found, 7, {"person": 1})
    assert results[0] == {"image_id": 7, "category_id": 1, "bbox": [10, 20, 30, 40], "score": 0.9}
    assert results[1]["category_id"] == 2


def _coco_true_positives(found: Detections, truth: Detections, iou: float) -> int:
    """pycocotools' own matching at one IoU threshold, every area, up to 100 detections."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    names = sorted(set(found.labels) | set(truth.labels))
    ids = {name: i + 1 for i, name in enumerate(names)}
    gt = COCO()
    gt.dataset = {
        "images": [{"id": 1, "width": 1000, "height": 1000}],
        "categories": [{"id": i, "name": n} for n, i in ids.items()],
        "annotations": [
            {
                "id": k + 1,
                "image_id": 1,
                "category_id": ids[label],
                "bbox": [float(b[0]), float(b[1]), float(b[2] - b[0]), float(b[3] - b[1])],
                "area": float((b[2] - b[0]) * (b[3] - b[1])),
                "iscrowd": 0,
            }
            for k, (b, label) in enumerate(zip(truth.boxes, truth.labels, strict=True))
        ],
    }
    gt.createIndex()
    dt = gt.loadRes(to_coco_results(found, 1, ids)) if len(found) else COCO()
    evaluation = COCOeval(gt, dt, "bbox")
    evaluation.params.iouThrs = np.array([iou])
    evaluation.params.areaRng, evaluation.params.areaRngLbl = [[0, 1e10]], ["all"]
    evaluation.params.maxDets = [100]
    evaluation.evaluate()
    return int(sum((e["dtMatches"] > 0).sum() for e in evaluation.evalImgs if e is not None))


@pytest.mark.parametrize("seed", range(8))
def test_evaluate_counts_like_pycocotools(seed) -> None:
    rng = np.random.default_rng(seed)
    corners = rng.uniform(0, 800, (12, 2))
    truth = make(
        np.concatenate([corners, corners + rng.uniform(30, 150, (12, 2))], axis=1),
        np.ones(12),
        rng.choice(["person", "car"], 12).tolist(),
    )
    jitter = rng.normal(0, 12, (12, 4))
    extra = np.concatenate([rng.uniform(0, 800, (6, 2))] * 2, axis=1) + [0, 0, 60, 60]
    boxes = np.concatenate([truth.boxes + jitter, extra])
    boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2] + 1)
    labels = truth.labels.tolist() + rng.choice(["person", "car"], 6).tolist()
    found = make(boxes, rng.uniform(0.05, 1, 18).round(4), labels)
    for iou in (0.3, 0.5, 0.75):
        result = evaluate(found, truth, iou)
        assert result.tp == _coco_true_positives(found, truth, iou)
        assert result.tp + result.fp == len(found) and result.tp + result.fn == len(truth)


def test_evaluate_precision_recall_f1_by_hand() -> None:
    truth = make([[0, 0, 10, 10], [20, 0, 30, 10], [40, 0, 50, 10]], [1, 1, 1])
    found = make(
        [[0, 0, 10, 10], [21, 0, 31, 10], [60, 60, 70, 70], [0, 0, 10, 11]], [0.9, 0.8, 0.7, 0.6]
    )
    result = evaluate(found, truth, 0.5)
    assert (result.tp, result.fp, result.fn) == (2, 2, 1)  # the duplicate [0,0,10,11] is a FP
    assert result.precision == 0.5 and result.recall == pytest.approx(2 / 3)
    assert result.f1 == pytest.approx(2 * 0.5 * (2 / 3) / (0.5 + 2 / 3))
    nothing = evaluate(Detections.empty(), truth, 0.5)
    assert (nothing.precision, nothing.recall, nothing.f1) == (None, 0.0, None)
    no_truth = evaluate(found, Detections.empty(), 0.5)
    assert (no_truth.precision, no_truth.recall) == (0.0, None)


@pytest.mark.parametrize(
    ("count", "name", "words"),
    [
        (1, "person", "1 person"),
        (3, "person", "3 people"),
        (2, "face", "2 faces"),
        (2, "upper body", "2 upper bodies"),
        (2, "bus", "2 buses"),
        (2, "toy", "2 toys"),
        (0, "car", "0 cars"),
    ],
)
def test_plural(count, name, words) -> None:
    assert plural(count, name) == words


def test_counts_words_most_common_first() -> None:
    found = make([[0, 0, 1, 1]] * 4, [0.5] * 4, ["face", "person", "person", "car"])
    assert counts_words(found) == "2 people, 1 car and 1 face"
    assert counts_words(Detections.empty()) == "nothing"


@pytest.mark.parametrize(
    ("box", "words"),
    [
        ([0, 40, 10, 60], "at the left edge"),
        ([190, 40, 200, 60], "at the right edge"),
        ([90, 40, 110, 60], "in the middle"),
        ([10, 10, 20, 20], "at the top left"),
        ([150, 70, 170, 90], "at the bottom right"),
        ([90, 5, 110, 20], "at the top"),
    ],
)
def test_where_in_words(box, words) -> None:
    assert where(np.array(box), 200, 100) == words


def test_compare_words_tell_the_homework_story() -> None:
    people = [[10, 10, 40, 90], [50, 10, 80, 90], [120, 10, 150, 90], [170, 10, 199, 90]]
    a = make(people[:3] + [[8, 8, 85, 95], [160, 60, 180, 80]], [0.99, 0.95, 0.9, 0.3, 0.2])
    b = make(people, [0.98, 0.97, 0.96, 0.95])
    paired = match(a, b, 0.5)
    sentences = compare_words(a, b, paired, "A", "B", 200, 100)
    assert sentences[0] == "A found 5 people; B found 4 people."
    assert sentences[1].startswith("They agree on 3 boxes (IoU 1.00 to 1.00)")
    assert "B missed the person" in sentences[2]
    assert sentences[3] == "A missed the person at the right edge (B's score 0.95)."
    assert any(
        "A has 2 unpaired boxes scoring below all of its paired ones" in s for s in sentences
    )
    assert any("A has 1 box spanning several" in s for s in sentences)
    assert spanning(a, b) == [3]
    assert compare_words(
        Detections.empty(), b, match(Detections.empty(), b), "A", "B", 200, 100
    ) == ["A found nothing; B found 4 people."]
