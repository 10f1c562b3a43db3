"""lab.anchors against torchvision: AnchorGenerator, Matcher (low-quality matches on), BoxCoder;
YOLO v2's k-means priors against a slow reference loop and Euclidean k-means."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.models.detection._utils import BoxCoder, Matcher
from torchvision.models.detection.anchor_utils import AnchorGenerator
from torchvision.models.detection.image_list import ImageList
from torchvision.ops import box_iou

from lab.anchors import (
    IGNORED,
    NEGATIVE,
    POSITIVE,
    ROI_HEAD_WEIGHTS,
    RPN_WEIGHTS,
    assign,
    best_priors,
    decode,
    encode,
    generate,
    kmeans_priors,
    mean_best_iou,
    sample,
    shape_iou,
)
from lab.boxes import BoxError
from tests.shared_data import TESTDATA, needs_testdata


@pytest.mark.parametrize(
    ("feature", "stride", "sizes", "ratios"),
    [
        ((10, 15), 16, (32, 64, 128), (0.5, 1.0, 2.0)),  # Faster R-CNN's three ratios
        ((7, 5), 32, (128, 256, 512), (1.0,)),  # one ratio
        ((3, 4), 8, (33,), (0.25, 0.7, 3.0)),  # odd size: halves round to even as torch.round
    ],
)
def test_generate_equals_torchvisions_anchor_generator(feature, stride, sizes, ratios) -> None:
    generator = AnchorGenerator(sizes=(sizes,), aspect_ratios=(ratios,))
    image = ImageList(torch.zeros(1, 3, feature[0] * stride, feature[1] * stride), [(feature[0] * stride, feature[1] * stride)])  # fmt: skip
    expected = generator(image, [torch.zeros(1, 4, *feature)])[0].numpy()
    ours = generate(feature, stride, sizes, ratios)
    np.testing.assert_array_equal(ours, expected)  # same anchors, same order
    assert len(ours) == feature[0] * feature[1] * len(sizes) * len(ratios)


def random_boxes(rng, count: int, size: float = 300) -> np.ndarray:
    xy = rng.uniform(0, size, (count, 2))
    wh = rng.uniform(8, size / 2, (count, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_assign_equals_torchvisions_matcher(seed) -> None:
    rng = np.random.default_rng(seed)
    anchors = generate((12, 12), 24, (32, 64, 128), (0.5, 1.0, 2.0))
    gt = random_boxes(rng, int(rng.integers(1, 6)))
    matcher = Matcher(0.7, 0.3, allow_low_quality_matches=True)
    matches = matcher(box_iou(torch.from_numpy(gt), torch.from_numpy(anchors))).numpy()
    result = assign(anchors, gt)
    expected = np.where(matches >= 0, POSITIVE, np.where(matches == -1, NEGATIVE, IGNORED))
    np.testing.assert_array_equal(result.labels, expected)
    np.testing.assert_array_equal(result.matched, np.where(matches >= 0, matches, -1))
    assert (result.labels == POSITIVE).sum() >= len(gt)  # every box has an anchor
    assert not result.low_quality[result.best_iou >= 0.7].any()


def test_assign_without_ground_truth_and_bad_thresholds() -> None:
    anchors = generate((2, 2), 16, (32,), (1.0,))
    assert (assign(anchors, np.zeros((0, 4))).labels == NEGATIVE).all()
    with pytest.raises(BoxError, match="negative threshold"):
        assign(anchors, anchors[:1], positive=0.3, negative=0.7)


def test_sample_balances_the_minibatch() -> None:
    labels = np.array([POSITIVE] * 300 + [NEGATIVE] * 1000 + [IGNORED] * 50)
    positives, negatives = sample(labels, 256, 0.5, seed=1)
    assert len(positives) == 128 and len(negatives) == 128
    assert (labels[positives] == POSITIVE).all() and (labels[negatives] == NEGATIVE).all()
    few = np.array([POSITIVE] * 10 + [NEGATIVE] * 1000)
    positives, negatives = sample(few, 256, 0.5)
    assert len(positives) == 10 and len(negatives) == 246  # negatives fill the batch


@pytest.mark.parametrize("weights", [RPN_WEIGHTS, ROI_HEAD_WEIGHTS])
def test_encode_decode_equal_torchvisions_box_coder_and_round_trip(weights) -> None:
    rng = np.random.default_rng(7)
    anchors = random_boxes(rng, 500)
    gt = (anchors + rng.normal(0, 15, anchors.shape)).astype(np.float32)
    gt[:, 2:] = np.maximum(gt[:, 2:], gt[:, :2] + 2)
    coder = BoxCoder(weights)
    expected = coder.encode_single(torch.from_numpy(gt), torch.from_numpy(anchors)).numpy()
    deltas = encode(anchors, gt, weights)
    np.testing.assert_allclose(deltas, expected, rtol=1e-5, atol=1e-5)
    decoded = coder.decode_single(torch.from_numpy(deltas.astype(np.float32)), torch.from_numpy(anchors)).numpy()  # fmt: skip
    np.testing.assert_allclose(decode(anchors, deltas, weights), decoded, rtol=1e-5, atol=1e-3)
    np.testing.assert_allclose(decode(anchors, deltas, weights), gt, atol=1e-9)  # exact round trip


def test_box_regression_by_hand_and_the_clamp() -> None:
    anchor, truth = np.array([[0.0, 0, 100, 50]]), np.array([[10.0, 5, 130, 55]])
    dx, dy, dw, dh = encode(anchor, truth)[0]
    assert (dx, dy) == pytest.approx(((70 - 50) / 100, (30 - 25) / 50))
    assert (dw, dh) == pytest.approx((np.log(120 / 100), np.log(50 / 50)))
    assert encode(anchor, truth, (10, 10, 5, 5))[0] == pytest.approx([10 * dx, 10 * dy, 5 * dw, 5 * dh])  # fmt: skip
    huge = decode(anchor, np.array([[0.0, 0, 50, 50]]))[0]
    assert huge[2] - huge[0] == pytest.approx(100 * 1000 / 16)  # exp(dw) clamped at 1000 / 16
    with pytest.raises(BoxError, match="positive width"):
        encode(np.array([[0.0, 0, 0, 10]]), truth)


def slow_assignment(wh: np.ndarray, centroids: np.ndarray, distance: str) -> np.ndarray:
    """The reference: a loop over boxes and priors."""
    out = []
    for w, h in wh:
        best, best_d = 0, None
        for j, (cw, ch) in enumerate(centroids):
            if distance == "iou":
                inter = min(w, cw) * min(h, ch)
                d = 1 - inter / (w * h + cw * ch - inter)
            else:
                d = (w - cw) ** 2 + (h - ch) ** 2
            if best_d is None or d < best_d:
                best, best_d = j, d
        out.append(best)
    return np.array(out)


@pytest.mark.parametrize("distance", ["iou", "euclidean"])
def test_kmeans_assignments_match_a_slow_loop(distance) -> None:
    rng = np.random.default_rng(2)
    wh = rng.uniform(5, 200, (60, 2))
    steps = list(kmeans_priors(wh, 5, distance, seed=3))
    assert steps
    previous = None
    for step in steps:
        if previous is not None:
            np.testing.assert_array_equal(step.assignment, slow_assignment(wh, previous, distance))
        previous = step.centroids
    final = slow_assignment(wh, steps[-1].centroids, distance)
    for j in range(5):  # converged: each prior is the mean of its boxes
        if (final == j).any():
            np.testing.assert_allclose(steps[-1].centroids[j], wh[final == j].mean(axis=0))
    assert steps[-1].mean_iou == pytest.approx(shape_iou(wh, steps[-1].centroids).max(axis=1).mean())  # fmt: skip


def shared_shapes() -> np.ndarray:
    import json

    shapes = []
    for folder in ("pedestrians", "faces"):
        boxes = json.loads((TESTDATA / folder / "boxes.json").read_text())
        shapes += [[b[2] - b[0], b[3] - b[1]] for found in boxes.values() for b in found]
    return np.array(shapes, float)


@needs_testdata
def test_iou_distance_gives_priors_at_least_as_good_as_euclidean() -> None:
    wh = shared_shapes()
    for k in range(1, 10):
        by_iou = best_priors(wh, k, "iou").mean_iou
        by_distance = mean_best_iou(wh, best_priors(wh, k, "euclidean").centroids)
        assert by_iou >= by_distance - 1e-12, k
