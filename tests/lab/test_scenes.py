"""lab.scenes: seeded scenes to practise NMS on, and boxes typed by hand, as Detections."""

from __future__ import annotations

import numpy as np
import pytest

from lab.boxes import BoxError
from lab.detections import Detections
from lab.scenes import (
    MAX_TYPED_BOXES,
    class_name,
    cluster_scene,
    format_detections,
    parse_detections,
)
from tests.hostile import TEXTS, attack, must_refuse, outcome


def test_cluster_scene_is_seeded_and_valid() -> None:
    first, second = cluster_scene(seed=3), cluster_scene(seed=3)
    np.testing.assert_array_equal(first.detections.boxes, second.detections.boxes)
    found = first.detections
    assert isinstance(found, Detections) and len(found) == 4 * 8 + 3
    assert (found.boxes[:, 2] <= first.width).all() and (found.scores <= 1).all()
    assert set(found.labels) == {"person", "car"} and len(first.objects) == 4


def test_classes_are_named() -> None:
    assert [class_name(i) for i in range(6)] == [
        "person",
        "car",
        "dog",
        "cat",
        "class 4",
        "class 5",
    ]
    assert set(cluster_scene(objects=8, classes=6).detections.labels) >= {"class 4", "class 5"}


@pytest.mark.parametrize("name, text", list(TEXTS.items()))
def test_typed_detections_are_parsed_or_refused_with_the_line(name, text) -> None:
    line = f"10 10 50 50 {text} person" if name != "empty" else ""
    for typed in (text, line, f"0 0 {text} 40 0.5", f"0 0 10 10 0.5 {text}"):
        if outcome(lambda typed=typed: parse_detections(typed), BoxError) == "refused":
            with pytest.raises(BoxError, match="line|at most|boxes"):
                parse_detections(typed)


@pytest.mark.parametrize(
    "line, words",
    [
        ("0 0 10 10 0.5 <script>", "the class is a name"),
        ("0 0 10 10 0.5 " + "x" * 41, "up to 40 characters"),
        ("0 0 1e300 1e300 0.5", "within ±1e+06 pixels"),
        ("0 0 1e9 10 0.5", "within ±1e+06 pixels"),
        ("0 0 10 10 1e39", "the score must lie within"),
        ("nan 0 10 10 0.5", "finite"),
        ("0 0 10", "expected 'x1 y1 x2 y2 score [class]'"),
        ("10 0 0 10 0.5", "x2 < x1"),
    ],
)
def test_typed_detections_name_what_is_wrong(line, words) -> None:
    with pytest.raises(BoxError, match="line 1") as raised:
        parse_detections(line)
    assert words in str(raised.value)


def test_a_huge_number_is_just_a_class_name_now() -> None:
    """The class is a name: '100000000000000000000000' is allowed (it overflowed int64 before)."""
    found = parse_detections("0 0 10 10 0.5 100000000000000000000000")
    assert found.labels.tolist() == ["100000000000000000000000"]


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
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_box_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), BoxError)
    if must_refuse(variant):
        assert result == "refused"


def test_typed_boxes_round_trip() -> None:
    text = "60 60 260 300 0.92 person\n80.5 70 270 320 0.85 car"
    found = parse_detections(text)
    assert found.labels.tolist() == ["person", "car"]
    assert format_detections(found) == text
    assert parse_detections("# a comment\n\n1,2,3,4,0.5").labels.tolist() == ["object"]


def test_typed_boxes_are_capped() -> None:
    text = "\n".join(["0 0 1 1 0.5"] * (MAX_TYPED_BOXES + 1))
    with pytest.raises(BoxError, match="at most 400"):
        parse_detections(text)
