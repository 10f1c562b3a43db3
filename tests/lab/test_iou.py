"""lab.iou against torchvision.ops: IoU, GIoU, DIoU and CIoU, the IoU lab's numbers."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torchvision.ops as ops

from lab.boxes import BoxError
from lab.iou import (
    box_iou,
    complete_box_iou,
    distance_box_iou,
    generalized_box_iou,
    overlap,
    sliding_overlaps,
)
from tests.hostile import attack, must_refuse, outcome

RNG = np.random.default_rng(11)


def random_boxes(n: int, rng=RNG, size=100.0, integer=False, dtype=np.float32) -> np.ndarray:
    xy = rng.uniform(0, size, (n, 2))
    wh = rng.uniform(1, size / 2, (n, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    return (np.round(boxes) if integer else boxes).astype(dtype)


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (box_iou, ops.box_iou),
        (generalized_box_iou, ops.generalized_box_iou),
        (distance_box_iou, ops.distance_box_iou),
        (complete_box_iou, ops.complete_box_iou),
    ],
    ids=["iou", "giou", "diou", "ciou"],
)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_pairwise_ious_equal_torchvision(ours, theirs, dtype) -> None:
    for n, m in [(1, 1), (7, 13), (50, 40), (200, 3)]:
        a, b = random_boxes(n, dtype=dtype), random_boxes(m, dtype=dtype)
        expected = theirs(torch.from_numpy(a), torch.from_numpy(b)).numpy()
        np.testing.assert_allclose(
            ours(a, b), expected, rtol=1e-5 if dtype == np.float32 else 1e-12, atol=1e-6
        )


@pytest.mark.parametrize(
    "a, b, iou, giou",
    [
        ([0, 0, 10, 10], [0, 0, 10, 10], 1.0, 1.0),  # identical
        ([0, 0, 10, 10], [2, 2, 6, 6], 0.16, 0.16),  # nested: the enclosing box is the outer one
        ([0, 0, 10, 10], [10, 0, 20, 10], 0.0, 0.0),  # touching edges: no overlap, no gap
        ([0, 0, 10, 10], [20, 0, 30, 10], 0.0, -1 / 3),  # disjoint: GIoU still measures the gap
        ([0, 0, 2, 1], [1, 0, 2, 1], 0.5, 0.5),  # exactly one half
    ],
)
def test_iou_cases_from_the_lecture(a, b, iou, giou) -> None:
    assert box_iou([a], [b])[0, 0] == pytest.approx(iou)
    assert generalized_box_iou([a], [b])[0, 0] == pytest.approx(giou)


def test_zero_area_iou_is_zero_not_nan() -> None:
    assert box_iou([[5, 5, 5, 5]], [[5, 5, 5, 5]])[0, 0] == 0.0
    assert generalized_box_iou([[5, 5, 5, 5]], [[5, 5, 5, 5]])[0, 0] == 0.0
    assert box_iou(np.zeros((0, 4)), np.zeros((3, 4))).shape == (0, 3)


def test_overlap_gathers_the_iou_labs_numbers() -> None:
    numbers = overlap([0, 0, 10, 10], [5, 5, 20, 15])
    assert (numbers.area_a, numbers.area_b, numbers.intersection) == (100, 150, 25)
    assert numbers.union == 225 and numbers.enclosing == 20 * 15
    assert numbers.enclosing_box == (0, 0, 20, 15)
    a, b = torch.tensor([[0.0, 0, 10, 10]]), torch.tensor([[5.0, 5, 20, 15]])
    assert numbers.iou == pytest.approx(ops.box_iou(a, b).item())
    assert numbers.ciou == pytest.approx(ops.complete_box_iou(a, b).item(), abs=1e-6)
    assert overlap([0, 0, 10, 10], [10, 0, 20, 10]).intersection == 0  # touching


def test_sliding_curves_show_iou_flat_and_giou_sloped_once_apart() -> None:
    shifts = np.linspace(-40, 40, 161)
    curves = sliding_overlaps([0, 0, 10, 10], [0, 0, 10, 10], shifts)
    apart = np.abs(shifts) > 11  # beyond touching, with a margin for the numerical slope
    assert np.all(curves["iou"][apart] == 0) and np.all(curves["d_iou"][apart] == 0)
    assert np.all(np.abs(curves["d_giou"][apart]) > 0)
    assert np.all(np.sign(curves["d_giou"][shifts > 11]) == -1)  # moving further right: GIoU falls
    assert curves["iou"][np.argmin(np.abs(shifts))] == 1.0


def test_sliding_overlaps_needs_two_increasing_shifts() -> None:
    with pytest.raises(BoxError, match="at least two"):
        sliding_overlaps([0, 0, 10, 10], [5, 5, 15, 15], [0.0])
    with pytest.raises(BoxError, match="increasing"):
        sliding_overlaps([0, 0, 10, 10], [5, 5, 15, 15], [1.0, 0.0])


GOOD_BOXES = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 40]], dtype=np.float64)
EDGE_CASES = [
    (box_iou, {"a": GOOD_BOXES, "b": GOOD_BOXES[:2]}),
    (generalized_box_iou, {"a": GOOD_BOXES, "b": GOOD_BOXES[:2]}),
    (distance_box_iou, {"a": GOOD_BOXES, "b": GOOD_BOXES[:2]}),
    (complete_box_iou, {"a": GOOD_BOXES, "b": GOOD_BOXES[:2]}),
    (overlap, {"a": [0.0, 0.0, 10.0, 10.0], "b": [5.0, 5.0, 15.0, 15.0]}),
    (
        sliding_overlaps,
        {
            "a": [0.0, 0.0, 10.0, 10.0],
            "b": [5.0, 5.0, 15.0, 15.0],
            "shifts": np.linspace(-5, 5, 11),
        },
    ),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_box_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), BoxError)
    if must_refuse(variant):
        assert result == "refused"
