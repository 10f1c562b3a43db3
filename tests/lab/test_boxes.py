"""lab.boxes: the checks every box-handling module shares."""

from __future__ import annotations

import numpy as np
import pytest

from lab.boxes import BoxError, as_boxes, as_labels, as_scores, box_area, one_box
from tests.hostile import attack, must_refuse, outcome

GOOD_BOXES = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 40]], dtype=np.float64)
GOOD_SCORES = np.array([0.9, 0.8, 0.7])
EDGE_CASES = [
    (as_boxes, {"boxes": GOOD_BOXES}),
    (as_scores, {"scores": GOOD_SCORES, "count": 3}),
    (as_labels, {"classes": [0, 1, 0], "count": 3}),
    (box_area, {"boxes": GOOD_BOXES}),
    (one_box, {"box": [0.0, 0.0, 10.0, 10.0]}),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_box_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), BoxError)
    if must_refuse(variant):
        assert result == "refused"


@pytest.mark.parametrize(
    "boxes, message",
    [
        ([[10, 0, 0, 10]], "x2 < x1"),  # swapped corners are rejected, not normalised
        ([[0, 10, 10, 0]], "x2 < x1 or y2 < y1"),  # swapped y
        ([[0, 0, np.nan, 10]], "NaN or infinite"),  # NaN coordinate
        ([[0, 0, np.inf, 10]], "NaN or infinite"),  # infinite coordinate
        ([[0, 0, 10]], "shape"),  # three coordinates
        ([[0, 0, 1e7, 10]], "beyond ±1e\\+06 pixels"),  # beyond any photo
    ],
)
def test_bad_boxes_are_a_clear_error(boxes, message) -> None:
    with pytest.raises(BoxError, match=message):
        as_boxes(np.array(boxes, dtype=float))


def test_labels_may_be_names_or_whole_numbers_but_not_nan() -> None:
    assert as_labels(["person", "cat"], 2).tolist() == ["person", "cat"]
    assert as_labels(np.array([1.0, 2.0]), 2).tolist() == [1.0, 2.0]
    with pytest.raises(BoxError, match="NaN"):
        as_labels([1.0, np.nan], 2)
    with pytest.raises(BoxError, match="one label per box"):
        as_labels([1, 2, 3], 2)


def test_boxes_far_off_the_canvas_are_refused_beyond_the_limit_and_drawn_quickly_within() -> None:
    from lab.viz.nms import draw_boxes

    with pytest.raises(BoxError, match="beyond"):
        as_boxes([[0, 0, 1e9, 1e9]])
    picture = draw_boxes(64, 48, np.array([[0, 0, 1e9, 1e9], [-1e6, 5, 1e6, 20]]), [0, 1])
    assert picture.shape == (48, 64, 3)
    assert (picture[0, :, 1] < 255).any()  # the clipped outlines are still drawn along the edges
