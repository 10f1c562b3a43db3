"""lab.detections: the one type for boxes with scores and class names, and matching two
detectors one to one."""

from __future__ import annotations

import numpy as np
import pytest

from lab.boxes import BoxError
from lab.detections import Detections, match, to_coco_results
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
