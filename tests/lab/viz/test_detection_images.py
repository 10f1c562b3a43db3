"""Annotated detection pictures: each box drawn where it is, in its class's colour; overlays told
apart by line pattern; comparisons and evaluations in their own colours."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageColor

from lab.detections import Detections, evaluate, match
from lab.viz.colors import CLASS_COLORS
from lab.viz.detection import (
    FALSE_POSITIVE,
    MISSED,
    ONLY_A,
    ONLY_B,
    PAIRED,
    TRUE_POSITIVE,
    annotate,
    class_colours,
    comparison_image,
    evaluation_image,
    png_bytes,
)

GREY = np.full((200, 300, 3), 128, np.uint8)


def colour_at(picture: np.ndarray, x: int, y: int) -> tuple[int, int, int]:
    return tuple(int(v) for v in picture[y, x])


def make(boxes, scores, labels) -> Detections:
    return Detections(np.array(boxes, float), np.array(scores, float), labels)


def test_boxes_are_drawn_on_their_edges_in_their_class_colour() -> None:
    found = make([[50, 100, 120, 180], [200, 60, 280, 150]], [0.9, 0.8], ["person", "car"])
    colours = class_colours(found)
    assert colours == {
        "car": ImageColor.getrgb(CLASS_COLORS[0]),
        "person": ImageColor.getrgb(CLASS_COLORS[1]),
    }
    picture = annotate(GREY, [(found, None)], shown_width=300)
    assert picture.shape == GREY.shape and picture.dtype == np.uint8
    assert colour_at(picture, 50, 150) == colours["person"]  # left edge, below the label
    assert colour_at(picture, 280, 120) == colours["car"]  # right edge
    assert colour_at(picture, 85, 150) == (128, 128, 128)  # inside: untouched
    assert colour_at(picture, 10, 10) == (128, 128, 128)


def test_overlay_layers_differ_in_line_pattern() -> None:
    found = make([[40, 40, 260, 160]], [0.9], ["face"])
    empty = make(np.zeros((0, 4)), [], [])
    alone = annotate(GREY, [(found, "A")], shown_width=300)
    second = annotate(GREY, [(empty, "A"), (found, "B")], shown_width=300)
    third = annotate(GREY, [(empty, "A"), (empty, "B"), (found, "C")], shown_width=300)

    def drawn(picture: np.ndarray) -> np.ndarray:  # the bottom edge (no label on it)
        return (picture[160, 60:240] != 128).any(axis=1)

    assert drawn(alone).all()  # one detector: solid
    assert 0.5 < drawn(second).mean() < 0.9  # the second detector: dashed (12 on, 6 off)
    assert drawn(third).mean() < 0.5  # the third: dotted (3 on, 5 off)


def test_masks_are_tinted_and_landmarks_drawn_without_a_coco_skeleton() -> None:
    mask = np.zeros((1, 200, 300), bool)
    mask[0, 120:140, 60:80] = True
    found = Detections(np.array([[50.0, 100, 150, 190]]), np.array([0.9]), ["person"], masks=mask)
    picture = annotate(GREY, [(found, None)])
    assert colour_at(picture, 70, 130) != (128, 128, 128)  # tinted
    assert colour_at(picture, 100, 170) == (128, 128, 128)  # inside the box, outside the mask
    points = np.zeros((1, 5, 3), np.float32)
    points[0, :, :2] = [[100, 120], [140, 120], [120, 140], [105, 160], [135, 160]]
    points[0, :, 2] = 1
    face = Detections(
        np.array([[90.0, 100, 150, 175]]), np.array([0.99]), ["face"], keypoints=points
    )
    picture = annotate(GREY, [(face, None)])
    assert colour_at(picture, 100, 120) == (255, 255, 255)  # a landmark
    assert colour_at(picture, 120, 120) == (128, 128, 128)  # no line between the eyes


def test_labels_never_cover_each_other() -> None:
    box = [[100, 80, 200, 160]]
    layers = [(make(box, [0.9], ["face"]), "A"), (make(box, [0.7], ["face"]), "B")]
    picture = annotate(GREY, layers, shown_width=300)
    label_colour = class_colours(layers[0][0])["face"]
    rows = np.flatnonzero(
        (np.abs(picture.astype(int) - label_colour).sum(axis=2) < 60).sum(axis=1) > 40
    )
    assert len(rows) > 0 and np.ptp(rows) > 20  # two label bands, one under the other


def test_comparison_colours_pairs_and_leftovers() -> None:
    a = make([[10, 60, 60, 140], [200, 60, 260, 140]], [0.9, 0.8], ["person", "person"])
    b = make([[12, 60, 62, 140], [120, 60, 170, 140]], [0.9, 0.8], ["person", "person"])
    paired = match(a, b, 0.5)
    picture = comparison_image(GREY, a, b, paired, "A", "B", shown_width=300)
    assert colour_at(picture, 10, 120) == PAIRED
    assert colour_at(picture, 260, 120) == ONLY_A
    assert colour_at(picture, 120, 130) == ONLY_B or colour_at(picture, 120, 75) == ONLY_B


def test_evaluation_colours_tp_fp_and_missed() -> None:
    truth = make([[10, 60, 60, 140], [120, 60, 170, 140]], [1, 1], ["person", "person"])
    found = make([[10, 60, 60, 140], [220, 60, 280, 140]], [0.9, 0.8], ["person", "person"])
    result = evaluate(found, truth, 0.5)
    picture = evaluation_image(GREY, found, truth, result, shown_width=300)
    assert colour_at(picture, 10, 120) == TRUE_POSITIVE
    assert colour_at(picture, 280, 120) == FALSE_POSITIVE
    assert MISSED in {colour_at(picture, 120, y) for y in range(70, 140)}


def test_png_bytes_round_trip() -> None:
    picture = annotate(GREY, [(make([[1, 1, 50, 50]], [0.5], ["a"]), None)])
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(png_bytes(picture)))), picture)


def test_boxes_far_outside_the_photo_are_clipped() -> None:
    found = make([[-1e6, -1e6, 1e6, 1e6], [500, 500, 900, 900]], [0.9, 0.8], ["a", "a"])
    picture = annotate(GREY, [(found, None)])
    assert picture.shape == GREY.shape
