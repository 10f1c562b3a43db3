"""lab.scenes: seeded scenes to practise NMS on, and boxes typed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lab.boxes import BoxError, as_boxes
from lab.scenes import MAX_TYPED_BOXES, cluster_scene, format_detections, parse_detections
from tests.hostile import TEXTS, attack, must_refuse, outcome


def test_cluster_scene_is_seeded_and_valid() -> None:
    first, second = cluster_scene(seed=3), cluster_scene(seed=3)
    np.testing.assert_array_equal(first.boxes, second.boxes)
    assert len(first.boxes) == 4 * 8 + 3
    as_boxes(first.boxes)
    assert (first.boxes[:, 2] <= first.width).all() and (first.scores <= 1).all()


@pytest.mark.parametrize("name, text", list(TEXTS.items()))
def test_typed_detections_are_parsed_or_refused_with_the_line(name, text) -> None:
    line = f"10 10 50 50 {text} 1" if name != "empty" else ""
    for typed in (text, line, f"0 0 {text} 40 0.5"):
        if outcome(lambda typed=typed: parse_detections(typed), BoxError) == "refused":
            with pytest.raises(BoxError, match="line|at most|boxes"):
                parse_detections(typed)


@pytest.mark.parametrize(
    "line, words",
    [
        ("0 0 10 10 0.5 100000000000000000000000", "class must be a whole number from 0 to 999"),
        ("0 0 10 10 0.5 1e23", "class must be a whole number from 0 to 999"),
        ("0 0 10 10 0.5 -1", "class must be a whole number from 0 to 999"),
        ("0 0 10 10 0.5 cat", "class must be a whole number"),
        ("0 0 1e300 1e300 0.5", "within ±1e+06 pixels"),
        ("0 0 1e9 10 0.5", "within ±1e+06 pixels"),
        ("nan 0 10 10 0.5", "finite"),
    ],
)
def test_typed_detections_name_what_is_wrong(line, words) -> None:
    with pytest.raises(BoxError, match="line 1") as raised:
        parse_detections(line)
    assert words in str(raised.value)


GOOD_BOXES = np.array([[0, 0, 10, 10], [5, 5, 15, 15], [20, 20, 30, 40]], dtype=np.float64)
EDGE_CASES = [
    (
        cluster_scene,
        {
            "objects": 2,
            "per_object": 3,
            "jitter": 0.1,
            "classes": 2,
            "seed": 0,
            "width": 64,
            "height": 48,
            "clutter": 1,
        },
    ),
    (format_detections, {"boxes": GOOD_BOXES, "scores": [0.9, 0.8, 0.7], "classes": [0, 1, 0]}),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_box_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), BoxError)
    if must_refuse(variant):
        assert result == "refused"


def test_typed_boxes_round_trip() -> None:
    text = "60 60 260 300 0.92 0\n80.5 70 270 320 0.85 1"
    boxes, scores, classes = parse_detections(text)
    assert format_detections(boxes, scores, classes) == text
    assert parse_detections("# a comment\n\n1,2,3,4,0.5")[2].tolist() == [0]  # class 0 by default


def test_typed_boxes_are_capped() -> None:
    text = "\n".join(["0 0 1 1 0.5"] * (MAX_TYPED_BOXES + 1))
    with pytest.raises(BoxError, match="at most 400"):
        parse_detections(text)
