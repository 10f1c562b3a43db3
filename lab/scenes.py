"""Detections to practise NMS on: seeded clusters around true boxes, and boxes typed by hand."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.boxes import MAX_COORDINATE, BoxError
from lab.detections import Detections
from lab.iou import box_iou

MAX_TYPED_BOXES = 400
"""The NMS lab animates every round with every box: 400 boxes keep a page under a second."""
CLASS_NAMES = ("person", "car", "dog", "cat")
"""Generated scenes name their classes with these (then "class 4", "class 5", ...)."""
MAX_NAME = 40
_NAME = re.compile(r"[\w\-.]+")


@dataclass(frozen=True)
class Scene:
    """Detections around a few objects: what a detector emits before NMS.

    Attributes:
        detections: the boxes, scores and class names.
        objects: np.ndarray[O, 4] the true boxes the detections cluster around.
        width, height: the canvas size.
    """

    detections: Detections
    objects: np.ndarray
    width: int
    height: int


def class_name(index: int) -> str:
    """The name generated scenes give class `index`."""
    return CLASS_NAMES[index] if index < len(CLASS_NAMES) else f"class {index}"


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
        classes: how many classes the objects cycle through (named by `class_name`).

    Raises:
        BoxError: a count, size or seed out of range.
    """
    objects = checks.number(objects, "objects", BoxError, low=0, high=100, whole=True)
    per_object = checks.number(
        per_object, "boxes per object", BoxError, low=1, high=100, whole=True
    )
    jitter = checks.number(jitter, "jitter", BoxError, low=0, high=1)
    classes = checks.number(classes, "classes", BoxError, low=1, high=1000, whole=True)
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
        label = o % classes
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
        labels.append(int(rng.integers(0, classes)))
    clipped = np.clip(
        np.array(boxes, dtype=np.float64).reshape(-1, 4), 0, [width, height, width, height]
    )
    detections = Detections(
        np.round(clipped, 1),
        np.round(np.array(scores, dtype=np.float64), 3),
        [class_name(label) for label in labels],
    )
    return Scene(detections, np.array(truth, dtype=np.float32).reshape(-1, 4), width, height)


def parse_detections(text: str) -> Detections:
    """Read boxes typed one per line as 'x1 y1 x2 y2 score [class]' (spaces or commas).

    The class is a name (letters, digits, - _ .; up to 40 characters), "object" when left out.

    Returns:
        Detections: at most MAX_TYPED_BOXES, coordinates within +-MAX_COORDINATE.

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
        if abs(values[4]) > 1e30:
            raise BoxError(f"line {number}: the score must lie within ±1e+30")
        label = fields[5] if len(fields) == 6 else "object"
        if len(label) > MAX_NAME or not _NAME.fullmatch(label):
            raise BoxError(
                f"line {number}: the class is a name of letters, digits, - _ . "
                f"(up to {MAX_NAME} characters), got {checks.show(label)}"
            )
        if values[2] < values[0] or values[3] < values[1]:
            raise BoxError(f"line {number}: x2 < x1 or y2 < y1 (write the top-left corner first)")
        boxes.append(values[:4])
        scores.append(values[4])
        classes.append(label)
    return Detections(np.array(boxes, dtype=np.float64).reshape(-1, 4), np.array(scores), classes)


def format_detections(detections: Detections) -> str:
    """The inverse of `parse_detections`: one line per box, 'x1 y1 x2 y2 score class'."""
    return "\n".join(
        f"{b[0]:g} {b[1]:g} {b[2]:g} {b[3]:g} {s:g} {label}"
        for b, s, label in zip(
            detections.boxes.astype(float),
            detections.scores.astype(float),
            detections.labels,
            strict=True,
        )
    )


def evaluation_set(
    images: int = 4,
    classes: int = 2,
    objects: int = 5,
    noise: float = 0.1,
    miss_rate: float = 0.2,
    false_alarms: int = 2,
    seed: int = 0,
    width: int = 640,
    height: int = 480,
    crowd: bool = False,
) -> tuple[dict, list]:
    """A seeded detection benchmark in COCO's form: ground truth and a detector's results.

    Each image holds about `objects` true boxes of sizes from small (< 32² px) to large, of
    `classes` classes. The detector finds each with probability 1 - `miss_rate`, its box moved
    and resized by `noise` (a fraction of the object's size), scored higher the closer it is; it
    also reports `false_alarms` boxes per image where nothing is, and a duplicate of some objects.

    Returns:
        (COCO annotation dict, COCO results list).

    Raises:
        BoxError: a setting out of range.
    """
    images = checks.number(images, "images", BoxError, low=1, high=500, whole=True)
    classes = checks.number(classes, "classes", BoxError, low=1, high=20, whole=True)
    objects = checks.number(objects, "objects per image", BoxError, low=0, high=100, whole=True)
    noise = checks.number(noise, "the localisation noise", BoxError, low=0, high=1)
    miss_rate = checks.number(miss_rate, "the miss rate", BoxError, low=0, high=1)
    false_alarms = checks.number(
        false_alarms, "false alarms", BoxError, low=0, high=100, whole=True
    )
    rng = np.random.default_rng(
        checks.number(seed, "the seed", BoxError, low=0, high=2**32 - 1, whole=True)
    )
    gt = {
        "images": [
            {"id": i + 1, "file_name": f"image {i + 1}", "width": width, "height": height}
            for i in range(images)
        ],
        "categories": [{"id": k + 1, "name": class_name(k)} for k in range(classes)],
        "annotations": [],
    }
    results = []

    def add_result(image_id: int, category: int, box: np.ndarray, score: float) -> None:
        x1, y1 = max(0.0, box[0]), max(0.0, box[1])
        x2, y2 = min(float(width), box[2]), min(float(height), box[3])
        if x2 - x1 >= 1 and y2 - y1 >= 1:
            bbox = [round(float(v), 2) for v in (x1, y1, x2 - x1, y2 - y1)]
            results.append({"image_id": image_id, "category_id": category, "bbox": bbox, "score": round(float(score), 4)})  # fmt: skip

    for image_id in range(1, images + 1):
        count = int(rng.poisson(objects)) if objects else 0
        for _ in range(count):
            size = float(np.exp(rng.uniform(np.log(12), np.log(min(width, height) * 0.6))))
            w, h = size * rng.uniform(0.6, 1.4), size * rng.uniform(0.6, 1.4)
            x, y = rng.uniform(0, width - w), rng.uniform(0, height - h)
            category = int(rng.integers(1, classes + 1))
            is_crowd = bool(crowd and rng.random() < 0.1)
            annotation_id = len(gt["annotations"]) + 1
            gt["annotations"].append(
                {
                    "id": annotation_id,
                    "image_id": image_id,
                    "category_id": category,
                    "bbox": [round(x, 2), round(y, 2), round(w, 2), round(h, 2)],
                    "area": round(w * h, 2),
                    "iscrowd": int(is_crowd),
                }
            )
            if rng.random() < miss_rate:
                continue
            shift = rng.normal(0, noise, 4) * [w, h, w, h]
            box = np.array([x, y, x + w, y + h]) + shift
            box[2:] = np.maximum(box[2:], box[:2] + 2)
            error = float(np.abs(shift).mean() / max(size, 1))
            add_result(
                image_id, category, box, np.clip(0.95 - 2 * error + rng.normal(0, 0.1), 0.01, 1)
            )
            if rng.random() < 0.15:  # a duplicate, scored lower
                add_result(image_id, category, box + rng.normal(0, 3, 4), rng.uniform(0.05, 0.5))
        for _ in range(false_alarms):
            size = float(np.exp(rng.uniform(np.log(12), np.log(min(width, height) * 0.4))))
            x, y = rng.uniform(0, width - size), rng.uniform(0, height - size)
            box = np.array([x, y, x + size, y + size * rng.uniform(0.6, 1.4)])
            add_result(image_id, int(rng.integers(1, classes + 1)), box, rng.uniform(0.01, 0.7))
    return gt, results
