"""lab.nms against torchvision.ops: hard NMS bit for bit on thousands of random sets, ties and
degenerate boxes; Soft-NMS against a slow, readable reference loop."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
import torchvision.ops as ops

from lab.boxes import BoxError
from lab.iou import box_iou
from lab.nms import batched_nms, nms, nms_report, nms_steps, score_order, soft_nms
from tests.hostile import attack, must_refuse, outcome

RNG = np.random.default_rng(11)


def random_boxes(n: int, rng=RNG, size=100.0, integer=False, dtype=np.float32) -> np.ndarray:
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(1, size / 2, (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    return (np.round(boxes) if integer else boxes).astype(dtype)


THRESHOLDS = [0.0, 0.25, 1 / 3, 0.5, 0.7, 1.0]


def test_nms_equals_torchvision_on_thousands_of_random_sets() -> None:
    rng = np.random.default_rng(2024)
    for trial in range(2500):
        n = int(rng.integers(0, 60))
        integer = trial % 2 == 0  # integer boxes on a small grid: many IoUs exactly at a threshold
        boxes = random_boxes(n, rng, size=30.0 if integer else 100.0, integer=integer)
        boxes[:, 2:] = np.maximum(boxes[:, 2:], boxes[:, :2])
        scores = (rng.integers(0, 6, n) / 5 if trial % 3 else rng.random(n)).astype(
            np.float32
        )  # ties
        threshold = THRESHOLDS[trial % len(THRESHOLDS)]
        expected = ops.nms(torch.from_numpy(boxes), torch.from_numpy(scores), threshold).numpy()
        np.testing.assert_array_equal(
            nms(boxes, scores, threshold), expected, err_msg=f"trial {trial}"
        )


def test_batched_nms_equals_torchvision_on_random_sets() -> None:
    rng = np.random.default_rng(7)
    for trial in range(1500):
        n = int(rng.integers(0, 80))  # numel <= 4000: torchvision's coordinate-trick path
        boxes = random_boxes(n, rng, size=30.0, integer=True)
        scores = (rng.integers(0, 8, n) / 7).astype(np.float32)
        classes = rng.integers(0, 4, n)
        threshold = THRESHOLDS[trial % len(THRESHOLDS)]
        expected = ops.batched_nms(
            torch.from_numpy(boxes), torch.from_numpy(scores), torch.from_numpy(classes), threshold
        ).numpy()
        np.testing.assert_array_equal(batched_nms(boxes, scores, classes, threshold), expected)


@pytest.mark.parametrize("n", [1000, 5000])
def test_nms_on_large_sets(n: int) -> None:
    boxes = random_boxes(n, size=1000.0)
    scores = RNG.random(n).astype(np.float32)
    expected = ops.nms(torch.from_numpy(boxes), torch.from_numpy(scores), 0.5).numpy()
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), expected)


def test_iou_exactly_at_the_threshold_survives() -> None:
    boxes = np.array([[0, 0, 2, 1], [1, 0, 2, 1]], dtype=np.float32)  # IoU exactly 0.5
    scores = np.array([0.9, 0.8], dtype=np.float32)
    np.testing.assert_array_equal(nms(boxes, scores, 0.5), [0, 1])
    np.testing.assert_array_equal(nms(boxes, scores, 0.4999), [0])


def test_equal_scores_are_visited_by_index() -> None:
    boxes = np.array([[0, 0, 10, 10], [1, 1, 10, 10], [0, 0, 9, 9]], dtype=np.float32)
    np.testing.assert_array_equal(nms(boxes, np.ones(3, dtype=np.float32), 0.5), [0])
    np.testing.assert_array_equal(nms(boxes[::-1].copy(), np.ones(3, dtype=np.float32), 0.5), [0])


def test_steps_reproduce_the_result_and_tell_the_story() -> None:
    boxes = random_boxes(120, size=60.0)
    scores = RNG.random(120).astype(np.float32)
    steps = list(nms_steps(boxes, scores, 0.4))
    np.testing.assert_array_equal([s.kept for s in steps], nms(boxes, scores, 0.4))
    seen = set()
    for step in steps:
        # Every box leaves the queue exactly once: kept or suppressed.
        for index in [step.kept, *step.suppressed.tolist()]:
            assert index not in seen
            seen.add(index)
        np.testing.assert_allclose(
            step.suppressed_iou, box_iou(boxes[[step.kept]], boxes[step.suppressed])[0], rtol=1e-6
        )
        assert (step.suppressed_iou > 0.4).all()
        remaining = step.remaining
        assert not set(remaining.tolist()) & seen
        assert np.all(np.diff(scores[remaining]) <= 0)  # highest score first
    assert seen == set(range(120))
    assert steps[-1].remaining.size == 0


def test_nms_report_statuses() -> None:
    boxes = np.array(
        [[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60], [0, 0, 10, 10], [80, 0, 90, 9]]
    )
    scores = np.array([0.9, 0.8, 0.7, 0.05, 0.6])
    report = nms_report(boxes, scores, 0.5, score_threshold=0.1, max_detections=2)
    np.testing.assert_array_equal(report.kept, [0, 2])
    assert report.notes[0] == "kept (#0)"
    assert report.notes[1] == "suppressed by box 0 (#0) at IoU 0.818"
    assert report.notes[3] == "below score threshold (0.1)"
    assert report.notes[4] == "cut: over max detections (2)"
    assert report.status == ["kept", "suppressed", "kept", "below", "cut"]


def test_class_aware_nms_keeps_overlapping_boxes_of_other_classes() -> None:
    boxes = np.array([[0, 0, 10, 10], [0, 0, 10, 10]], dtype=np.float32)
    scores = np.array([0.9, 0.8], dtype=np.float32)
    np.testing.assert_array_equal(batched_nms(boxes, scores, np.array([0, 1]), 0.5), [0, 1])
    np.testing.assert_array_equal(batched_nms(boxes, scores, np.array([1, 1]), 0.5), [0])


# --- Soft-NMS -----------------------------------------------------------------------------------


def slow_soft_nms(boxes, scores, iou_threshold, sigma, method, score_threshold):
    """The algorithm of Bodla et al. written plainly: pick the best, decay the rest, repeat."""
    scores = [float(s) for s in scores]
    alive = [i for i in range(len(boxes)) if scores[i] >= score_threshold]
    keep, kept_scores = [], []

    def iou(i, j):
        ax1, ay1, ax2, ay2 = (float(v) for v in boxes[i])
        bx1, by1, bx2, by2 = (float(v) for v in boxes[j])
        inter = max(0.0, min(ax2, bx2) - max(ax1, bx1)) * max(0.0, min(ay2, by2) - max(ay1, by1))
        union = (ax2 - ax1) * (ay2 - ay1) + (bx2 - bx1) * (by2 - by1) - inter
        return inter / union if union > 0 else 0.0

    while alive:
        best = max(alive, key=lambda i: (scores[i], -i))
        keep.append(best)
        kept_scores.append(scores[best])
        alive.remove(best)
        for j in list(alive):
            overlap = iou(best, j)
            if method == "linear":
                scores[j] *= (1 - overlap) if overlap > iou_threshold else 1.0
            else:
                scores[j] *= math.exp(-(overlap**2) / sigma)
            if scores[j] < score_threshold:
                alive.remove(j)
    return keep, kept_scores


@pytest.mark.parametrize("method, sigma", [("linear", 0.5), ("gaussian", 0.5), ("gaussian", 0.1)])
def test_soft_nms_matches_a_slow_reference(method: str, sigma: float) -> None:
    rng = np.random.default_rng(5)
    for _ in range(150):
        n = int(rng.integers(0, 25))
        boxes = random_boxes(n, rng, size=40.0).astype(np.float64)
        scores = rng.random(n)
        keep, kept_scores = soft_nms(boxes, scores, 0.3, sigma, method, 0.01)
        expected_keep, expected_scores = slow_soft_nms(boxes, scores, 0.3, sigma, method, 0.01)
        np.testing.assert_array_equal(keep, expected_keep)
        np.testing.assert_allclose(kept_scores, expected_scores, rtol=1e-12)
        assert np.all(np.diff(kept_scores) <= 1e-15)


def test_soft_nms_keeps_an_overlapping_box_that_hard_nms_drops() -> None:
    boxes = np.array([[0, 0, 10, 10], [2, 0, 12, 10]], dtype=float)  # IoU 0.667
    scores = np.array([0.9, 0.8])
    assert nms(boxes, scores, 0.5).tolist() == [0]
    keep, kept = soft_nms(boxes, scores, 0.5, method="linear")
    assert keep.tolist() == [0, 1] and kept[1] == pytest.approx(0.8 * (1 - 2 / 3))


# --- degenerate input ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "boxes, scores, expected",
    [
        (np.zeros((0, 4)), np.zeros(0), []),  # empty: empty result
        ([[5, 5, 5, 5], [5, 5, 5, 5]], [0.9, 0.8], [0, 1]),  # zero-area boxes never suppress
        ([[0, 0, 10, 0], [0, 0, 10, 10]], [0.9, 0.8], [0, 1]),  # a flat box overlaps nothing
        ([[0, 0, 10, 10]], [0.5], [0]),  # one box
    ],
)
def test_degenerate_but_valid_input(boxes, scores, expected) -> None:
    assert nms(np.array(boxes, dtype=float), np.array(scores), 0.5).tolist() == expected


@pytest.mark.parametrize(
    "boxes, scores, message",
    [
        ([[10, 0, 0, 10]], [0.5], "x2 < x1"),  # swapped corners are rejected, not normalised
        ([[0, 10, 10, 0]], [0.5], "x2 < x1 or y2 < y1"),  # swapped y
        ([[0, 0, np.nan, 10]], [0.5], "NaN or infinite"),  # NaN coordinate
        ([[0, 0, np.inf, 10]], [0.5], "NaN or infinite"),  # infinite coordinate
        ([[0, 0, 10, 10]], [np.nan], "finite"),  # NaN score
        ([[0, 0, 10, 10]], [0.5, 0.4], "one value per box"),  # count mismatch
        ([[0, 0, 10]], [0.5], "shape"),  # three coordinates
    ],
)
def test_bad_input_is_a_clear_error(boxes, scores, message) -> None:
    with pytest.raises(BoxError, match=message):
        nms(np.array(boxes, dtype=float), np.array(scores, dtype=float), 0.5)


@pytest.mark.parametrize("threshold", [float("nan"), "half", None])
def test_bad_threshold_is_a_clear_error(threshold) -> None:
    with pytest.raises(BoxError, match="iou_threshold"):
        nms(np.array([[0, 0, 1, 1]], dtype=float), np.array([1.0]), threshold)


def test_max_detections_infinite_is_refused_not_an_overflow() -> None:
    with pytest.raises(BoxError, match="max_detections"):
        nms_report(GOOD_BOXES, GOOD_SCORES, 0.5, max_detections=math.inf)


GOOD_BOXES = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 40]], dtype=np.float64)
GOOD_SCORES = np.array([0.9, 0.8, 0.7])
EDGE_CASES = [
    (score_order, {"scores": GOOD_SCORES}),
    (nms_steps, {"boxes": GOOD_BOXES, "scores": GOOD_SCORES, "iou_threshold": 0.5}),
    (nms, {"boxes": GOOD_BOXES, "scores": GOOD_SCORES, "iou_threshold": 0.5}),
    (
        batched_nms,
        {"boxes": GOOD_BOXES, "scores": GOOD_SCORES, "classes": [0, 1, 0], "iou_threshold": 0.5},
    ),
    (
        nms_report,
        {
            "boxes": GOOD_BOXES,
            "scores": GOOD_SCORES,
            "iou_threshold": 0.5,
            "score_threshold": 0.1,
            "max_detections": 10,
        },
    ),
    (
        soft_nms,
        {
            "boxes": GOOD_BOXES,
            "scores": GOOD_SCORES,
            "iou_threshold": 0.3,
            "sigma": 0.5,
            "score_threshold": 0.001,
        },
    ),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_box_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), BoxError)
    if must_refuse(variant):
        assert result == "refused"
