"""Detections to practise NMS on: seeded clusters around true boxes, and boxes typed by hand."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.boxes import MAX_COORDINATE, BoxError, as_boxes, as_labels, as_scores
from lab.iou import box_iou

MAX_CLASS = 999
"""Typed class labels are whole numbers from 0 to MAX_CLASS."""


MAX_TYPED_BOXES = 400
"""The NMS lab animates every round with every box: 400 boxes keep a page under a second."""


@dataclass(frozen=True)
class Scene:
    """Detections around a few objects: what a detector emits before NMS.

    Attributes:
        boxes: np.ndarray[N, 4] float32 xyxy; scores: [N]; classes: [N] int labels.
        objects: np.ndarray[O, 4] the true boxes the detections cluster around.
        width, height: the canvas size.
    """

    boxes: np.ndarray
    scores: np.ndarray
    classes: np.ndarray
    objects: np.ndarray
    width: int
    height: int


def cluster_scene(
    objects: int = 4,
    per_object: int = 8,
    jitter: float = 0.12,
    classes: int = 2,
    seed: int = 0,
    width: int = 640,
    height: int = 480,
    clutter: int = 3,
) -> Scene:
    """A seeded scene: `objects` true boxes, each with `per_object` jittered detections whose score
    falls with their distance from the truth, plus `clutter` low-scoring stray boxes.

    Args:
        jitter: box offsets and size changes as a fraction of the object's size (0 to 1).

    Raises:
        BoxError: a count, size or seed out of range.
    """
    objects = checks.number(objects, "objects", BoxError, low=0, high=100, whole=True)
    per_object = checks.number(
        per_object, "boxes per object", BoxError, low=1, high=100, whole=True
    )
    jitter = checks.number(jitter, "jitter", BoxError, low=0, high=1)
    classes = checks.number(classes, "classes", BoxError, low=1, high=MAX_CLASS + 1, whole=True)
    seed = checks.number(seed, "seed", BoxError, low=0, high=2**32 - 1, whole=True)
    width = checks.number(width, "width", BoxError, low=16, high=10_000, whole=True)
    height = checks.number(height, "height", BoxError, low=16, high=10_000, whole=True)
    clutter = checks.number(clutter, "clutter", BoxError, low=0, high=1000, whole=True)
    rng = np.random.default_rng(seed)
    truth, boxes, scores, labels = [], [], [], []
    for o in range(objects):
        w = rng.uniform(0.12, 0.3) * width
        h = rng.uniform(0.18, 0.45) * height
        x1 = rng.uniform(0, width - w)
        y1 = rng.uniform(0, height - h)
        truth.append([x1, y1, x1 + w, y1 + h])
        label = o % max(1, classes)
        for _ in range(per_object):
            dx, dy = rng.normal(0, jitter, 2) * (w, h)
            sw, sh = np.exp(rng.normal(0, jitter, 2))
            cx, cy = x1 + w / 2 + dx, y1 + h / 2 + dy
            box = [cx - w * sw / 2, cy - h * sh / 2, cx + w * sw / 2, cy + h * sh / 2]
            boxes.append(box)
            quality = box_iou(np.array([box]), np.array([truth[-1]]))[0, 0]
            scores.append(np.clip(0.35 + 0.6 * quality + rng.normal(0, 0.05), 0.01, 0.999))
            labels.append(label)
    for _ in range(clutter):
        w, h = rng.uniform(0.05, 0.2) * width, rng.uniform(0.05, 0.25) * height
        x1, y1 = rng.uniform(0, width - w), rng.uniform(0, height - h)
        boxes.append([x1, y1, x1 + w, y1 + h])
        scores.append(rng.uniform(0.02, 0.3))
        labels.append(int(rng.integers(0, max(1, classes))))
    clipped = np.clip(
        np.array(boxes, dtype=np.float64).reshape(-1, 4), 0, [width, height, width, height]
    )
    return Scene(
        np.round(clipped, 1).astype(np.float32),
        np.round(np.array(scores), 3).astype(np.float32),
        np.array(labels, dtype=np.int64),
        np.array(truth, dtype=np.float32),
        width,
        height,
    )


def parse_detections(text: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read boxes typed one per line as 'x1 y1 x2 y2 score [class]' (spaces or commas).

    Returns:
        (boxes float64 [N, 4], scores float64 [N], classes int64 [N]; class 0 when omitted).
        At most MAX_TYPED_BOXES boxes, coordinates within +-MAX_COORDINATE, classes 0..MAX_CLASS.

    Raises:
        BoxError: naming the line and what is wrong with it.
    """
    boxes, scores, classes = [], [], []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(boxes) == MAX_TYPED_BOXES:
            raise BoxError(f"at most {MAX_TYPED_BOXES} boxes can be typed here")
        if len(fields) not in (5, 6):
            raise BoxError(
                f"line {number}: expected 'x1 y1 x2 y2 score [class]', got {len(fields)} values"
            )
        try:
            values = [float(v) for v in fields[:5]]
        except ValueError:
            raise BoxError(
                f"line {number}: {checks.show(line.strip())} has something that is not a number"
            ) from None
        if not np.all(np.isfinite(values)):
            raise BoxError(f"line {number}: coordinates and score must be finite numbers")
        if max(abs(v) for v in values[:4]) > MAX_COORDINATE:
            raise BoxError(f"line {number}: coordinates must lie within ±{MAX_COORDINATE:g} pixels")
        label = 0
        if len(fields) == 6:
            label = checks.number(
                _to_number(fields[5]),
                f"line {number}: the class",
                BoxError,
                low=0,
                high=MAX_CLASS,
                whole=True,
            )
        if values[2] < values[0] or values[3] < values[1]:
            raise BoxError(f"line {number}: x2 < x1 or y2 < y1 (write the top-left corner first)")
        boxes.append(values[:4])
        scores.append(values[4])
        classes.append(label)
    return (
        np.array(boxes, dtype=np.float64).reshape(-1, 4),
        np.array(scores, dtype=np.float64),
        np.array(classes, dtype=np.int64),
    )


def _to_number(text: str) -> float | str:
    try:
        return float(text)
    except ValueError:
        return text


def format_detections(boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray) -> str:
    """The inverse of `parse_detections`."""
    boxes = as_boxes(boxes)
    scores = as_scores(scores, len(boxes))
    classes = as_labels(classes, len(boxes))
    if classes.dtype.kind not in "iu" and not (
        classes.dtype.kind == "f" and np.all(classes == np.round(classes))
    ):
        raise BoxError("typed classes are whole numbers")
    return "\n".join(
        f"{b[0]:g} {b[1]:g} {b[2]:g} {b[3]:g} {s:g} {int(c)}"
        for b, s, c in zip(np.asarray(boxes), np.asarray(scores), np.asarray(classes), strict=True)
    )
