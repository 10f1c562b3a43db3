"""IoU and its variants (GIoU, DIoU, CIoU), and the numbers the IoU lab shows for a pair of boxes.

IoU with a zero-area box is 0 (torchvision gives NaN when both boxes have zero area, as 0 / 0; we
return 0, since nothing overlaps).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.boxes import MAX_COORDINATE, BoxError, as_boxes, box_area, one_box

PAIRS = {
    "partial overlap": ([60, 60, 220, 200], [150, 110, 330, 250]),
    "identical": ([100, 80, 260, 220], [100, 80, 260, 220]),
    "nested": ([60, 40, 340, 260], [150, 110, 250, 190]),
    "touching edges": ([40, 80, 200, 220], [200, 80, 360, 220]),
    "disjoint": ([30, 60, 150, 200], [250, 100, 370, 240]),
    "same centre, different aspect": ([140, 40, 260, 260], [80, 100, 320, 200]),
}
"""Box pairs (A, B) on a 400 x 300 canvas that show each case of the lecture."""


def _inter_union(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lt = np.maximum(a[:, None, :2], b[None, :, :2])  # [N, M, 2]
    rb = np.minimum(a[:, None, 2:], b[None, :, 2:])  # [N, M, 2]
    wh = np.clip(rb - lt, 0, None)  # [N, M, 2]
    inter = wh[..., 0] * wh[..., 1]  # [N, M]
    union = box_area(a)[:, None] + box_area(b)[None, :] - inter  # [N, M]
    return inter, union


def _safe_divide(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    """numerator / denominator, 0 where the denominator is 0."""
    out = np.zeros(
        np.broadcast(numerator, denominator).shape, dtype=np.result_type(numerator, denominator)
    )
    np.divide(numerator, denominator, out=out, where=denominator != 0)
    return out


def box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Pairwise intersection over union.

    Args:
        a: np.ndarray[N, 4], b: np.ndarray[M, 4], xyxy.

    Returns:
        np.ndarray[N, M] in [0, 1]; 0 where the union is empty (two zero-area boxes).
    """
    a, b = as_boxes(a, "a"), as_boxes(b, "b")
    inter, union = _inter_union(a, b)
    return _safe_divide(inter, union)


def _enclosing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Width and height of the smallest box enclosing each pair: [N, M, 2]."""
    lt = np.minimum(a[:, None, :2], b[None, :, :2])  # [N, M, 2]
    rb = np.maximum(a[:, None, 2:], b[None, :, 2:])  # [N, M, 2]
    return np.clip(rb - lt, 0, None)


def generalized_box_iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """GIoU = IoU - (|C| - |A u B|) / |C|, C the smallest enclosing box. Range (-1, 1]; [N, M]."""
    a, b = as_boxes(a, "a"), as_boxes(b, "b")
    inter, union = _inter_union(a, b)
    wh = _enclosing(a, b)
    enclosing = wh[..., 0] * wh[..., 1]  # [N, M]
    return _safe_divide(inter, union) - _safe_divide(enclosing - union, enclosing)


def distance_box_iou(a: np.ndarray, b: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """DIoU = IoU - d^2 / c^2: d the distance between centres, c the enclosing box's diagonal."""
    a, b = as_boxes(a, "a"), as_boxes(b, "b")
    return _diou_iou(a, b, eps)[0]


def _diou_iou(a: np.ndarray, b: np.ndarray, eps: float) -> tuple[np.ndarray, np.ndarray]:
    inter, union = _inter_union(a, b)
    iou = _safe_divide(inter, union)
    wh = _enclosing(a, b)
    diagonal = wh[..., 0] ** 2 + wh[..., 1] ** 2 + eps  # [N, M]
    centre_a = (a[:, :2] + a[:, 2:]) / 2  # [N, 2]
    centre_b = (b[:, :2] + b[:, 2:]) / 2  # [M, 2]
    distance = ((centre_a[:, None, :] - centre_b[None, :, :]) ** 2).sum(axis=2)  # [N, M]
    return iou - distance / diagonal, iou


def complete_box_iou(a: np.ndarray, b: np.ndarray, eps: float = 1e-7) -> np.ndarray:
    """CIoU = DIoU - alpha v, v = 4/pi^2 (atan(w_a/h_a) - atan(w_b/h_b))^2, alpha = v/(1-IoU+v)."""
    a, b = as_boxes(a, "a"), as_boxes(b, "b")
    diou, iou = _diou_iou(a, b, eps)
    with np.errstate(divide="ignore", invalid="ignore"):
        angle_a = np.arctan((a[:, 2] - a[:, 0]) / (a[:, 3] - a[:, 1]))  # [N]
        angle_b = np.arctan((b[:, 2] - b[:, 0]) / (b[:, 3] - b[:, 1]))  # [M]
    v = (4 / np.pi**2) * (angle_a[:, None] - angle_b[None, :]) ** 2  # [N, M]
    v = np.nan_to_num(v)  # a zero-height-and-width box has no aspect ratio: no penalty
    alpha = v / (1 - iou + v + eps)
    return diou - alpha * v


@dataclass(frozen=True)
class Overlap:
    """Every quantity the IoU lab shows for one pair of boxes (a, b)."""

    area_a: float
    area_b: float
    intersection: float
    union: float
    enclosing: float
    iou: float
    giou: float
    diou: float
    ciou: float
    enclosing_box: tuple[float, float, float, float]


def overlap(a: np.ndarray, b: np.ndarray) -> Overlap:
    """All the IoU lab's numbers for two xyxy boxes, from the same functions NMS uses.

    Raises:
        BoxError: either box is not four finite coordinates with x1 <= x2 and y1 <= y2.
    """
    a, b = one_box(a, "box A"), one_box(b, "box B")
    inter, union = _inter_union(a, b)
    wh = _enclosing(a, b)[0, 0]
    return Overlap(
        area_a=float(box_area(a)[0]),
        area_b=float(box_area(b)[0]),
        intersection=float(inter[0, 0]),
        union=float(union[0, 0]),
        enclosing=float(wh[0] * wh[1]),
        iou=float(box_iou(a, b)[0, 0]),
        giou=float(generalized_box_iou(a, b)[0, 0]),
        diou=float(distance_box_iou(a, b)[0, 0]),
        ciou=float(complete_box_iou(a, b)[0, 0]),
        enclosing_box=(
            *np.minimum(a[0, :2], b[0, :2]).tolist(),
            *np.maximum(a[0, 2:], b[0, 2:]).tolist(),
        ),
    )


def sliding_overlaps(a: np.ndarray, b: np.ndarray, shifts: np.ndarray) -> dict[str, np.ndarray]:
    """IoU, GIoU, DIoU and CIoU of a against b moved right by each shift, with their slopes.

    Shows why losses use GIoU and friends: once the boxes separate, IoU is flat at 0 (slope 0, no
    gradient to follow) while GIoU and DIoU keep pointing back towards the overlap.

    Args:
        shifts: np.ndarray[S], S >= 2, increasing (the slopes are finite differences between them).

    Returns:
        {"shift": [S], "iou": [S], "giou": [S], "diou": [S], "ciou": [S], and "d_iou", "d_giou",
        "d_diou", "d_ciou": numerical derivatives with respect to the shift}.

    Raises:
        BoxError: a bad box, fewer than two shifts, shifts not increasing, or a shifted box
            beyond MAX_COORDINATE.
    """
    a, b = one_box(a, "box A"), one_box(b, "box B")
    shifts = checks.array(shifts, "shifts", BoxError, ndim=1, limit=MAX_COORDINATE)
    if shifts.size < 2 or np.any(np.diff(shifts) <= 0):
        raise BoxError("shifts must be at least two increasing numbers (slopes need two points)")
    moved = as_boxes(b + np.stack([shifts, np.zeros_like(shifts)] * 2, axis=1), "shifted B")
    curves = {
        "shift": shifts,
        "iou": box_iou(a, moved)[0],
        "giou": generalized_box_iou(a, moved)[0],
        "diou": distance_box_iou(a, moved)[0],
        "ciou": complete_box_iou(a, moved)[0],
    }
    for name in ("iou", "giou", "diou", "ciou"):
        curves[f"d_{name}"] = np.gradient(curves[name], shifts)
    return curves
