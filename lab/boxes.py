"""Boxes with scores and labels: the checks every box-handling module shares.

Boxes are xyxy pixels: [x1, y1, x2, y2] with x1 <= x2 and y1 <= y2. Degenerate input is handled
as follows (and tested):

- zero-area boxes are allowed; IoU with them is 0 (see lab.iou);
- x2 < x1 or y2 < y1 is rejected with `BoxError` (swapped corners are a bug upstream, not a box);
- NaN or infinite coordinates or scores, and coordinates beyond +-MAX_COORDINATE, are rejected
  with `BoxError`;
- empty arrays give empty results.

The rest lives along its own seams: `lab.iou` (IoU, GIoU, DIoU, CIoU), `lab.nms` (hard and soft
NMS, stepped) and `lab.scenes` (scenes to practise on, typed boxes).
"""

from __future__ import annotations

import numpy as np

from lab import checks

MAX_COORDINATE = 1e6
"""Box coordinates beyond +-1e6 pixels are refused: no photo is that large, areas of such boxes
lose float32's precision, and drawing them would rasterise millions of pixels off the canvas."""


class BoxError(ValueError):
    """Boxes or scores that cannot be used; `str(error)` says which and why."""


def _numeric(values: object, name: str) -> np.ndarray:
    """An array of real numbers (float32 kept, other types as float64)."""
    try:
        array = np.asarray(values)
        if array.dtype != np.float32:
            array = array.astype(np.float64)
    except (TypeError, ValueError, OverflowError):
        raise BoxError(f"{name} must be numbers in rows of equal length") from None
    return array


def as_boxes(boxes: np.ndarray, name: str = "boxes") -> np.ndarray:
    """Check boxes and return them as a float array [N, 4] (float32 kept, others float64).

    Raises:
        BoxError: wrong shape, NaN or infinite coordinates, coordinates beyond MAX_COORDINATE,
            or x2 < x1 / y2 < y1.
    """
    array = _numeric(boxes, name)
    if array.size == 0:
        return np.zeros((0, 4), dtype=array.dtype)
    if array.ndim != 2 or array.shape[1] != 4:
        raise BoxError(f"{name} must have shape [N, 4] (x1, y1, x2, y2), got {list(array.shape)}")
    if not np.all(np.isfinite(array)):
        bad = int(np.flatnonzero(~np.all(np.isfinite(array), axis=1))[0])
        raise BoxError(f"{name}[{bad}] has a NaN or infinite coordinate: {array[bad].tolist()}")
    if np.abs(array).max() > MAX_COORDINATE:
        bad = int(np.flatnonzero(np.abs(array).max(axis=1) > MAX_COORDINATE)[0])
        raise BoxError(
            f"{name}[{bad}] has a coordinate beyond ±{MAX_COORDINATE:g} pixels: "
            f"{[checks.show(v) for v in array[bad].tolist()]}"
        )
    flipped = (array[:, 2] < array[:, 0]) | (array[:, 3] < array[:, 1])
    if flipped.any():
        bad = int(np.flatnonzero(flipped)[0])
        raise BoxError(
            f"{name}[{bad}] = {array[bad].tolist()} has x2 < x1 or y2 < y1; boxes are "
            "[x1, y1, x2, y2] with the top-left corner first"
        )
    return array


def as_scores(scores: np.ndarray, count: int | None, name: str = "scores") -> np.ndarray:
    """Check scores: one finite number per box (any number of them when count is None).
    Returns float array [N] (float32 kept, others float64)."""
    array = _numeric(scores, name)
    array = array.reshape(-1) if array.size else np.zeros(0, dtype=array.dtype)
    if count is not None and array.shape != (count,):
        raise BoxError(f"{name} needs one value per box: {count} boxes, {array.size} {name}")
    if not np.all(np.isfinite(array)):
        raise BoxError(f"{name} must be finite numbers; found NaN or infinity")
    return array


def as_labels(classes: object, count: int, name: str = "classes") -> np.ndarray:
    """Check class labels: one per box, whole numbers or names (text), no NaN. Returns [N]."""
    try:
        labels = np.asarray(classes)
    except (TypeError, ValueError):
        raise BoxError(f"{name} must be one label per box") from None
    if labels.dtype.kind not in "iubUSO" and not (
        labels.dtype.kind == "f" and np.all(np.isfinite(labels))
    ):
        raise BoxError(f"{name} must be whole numbers or names, without NaN or infinity")
    if labels.dtype.kind == "O" and not all(isinstance(v, str | int) for v in labels.ravel()):
        raise BoxError(f"{name} must be whole numbers or names")
    labels = labels.reshape(-1)
    if labels.shape != (count,):
        raise BoxError(f"{name} needs one label per box: {count} boxes, {labels.size} labels")
    return labels


def box_area(boxes: np.ndarray) -> np.ndarray:
    """(x2 - x1) * (y2 - y1) for boxes [N, 4] -> [N]."""
    boxes = as_boxes(boxes)
    return (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])


def one_box(box: object, name: str = "box") -> np.ndarray:
    """One box as float64 [1, 4], checked like `as_boxes`."""
    array = _numeric(box, name)
    if array.size != 4:
        raise BoxError(f"{name} must be four numbers (x1, y1, x2, y2), got {array.size}")
    return as_boxes(array.astype(np.float64).reshape(1, 4), name)
