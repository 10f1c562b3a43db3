"""Non-maximum suppression, hard and soft, one round at a time.

Ties: boxes are visited by decreasing score, equal scores in increasing index order (a stable sort,
as torchvision's CPU kernel); a box is suppressed when its IoU with a kept box is strictly greater
than `iou_threshold`, so IoU exactly at the threshold survives. IoU inside NMS is computed in the
boxes' own precision (float32 stays float32) with the same operations as torchvision, and compared
with the threshold in float64, so decisions match torchvision bit for bit.

One loop serves every size the lab meets: each round compares the kept box with the boxes left in
the queue. (A sweep over x that precomputes the overlapping pairs was faster for thousands of
scattered boxes, but slower for the NMS page's clustered scenes of a few hundred; it was removed.)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from lab import checks
from lab.boxes import BoxError, as_boxes, as_labels, as_scores
from lab.iou import box_iou


@dataclass(frozen=True)
class _Queue:
    """Shared by the steps of one NMS run: the visiting order and when each box left the queue."""

    order: np.ndarray  # [Q] box indices by decreasing score (the boxes that entered the queue)
    position: np.ndarray  # [N] position of each box in `order`, -1 if it never entered
    left_at: np.ndarray  # [N] rank of the round in which each box was kept or suppressed


@dataclass(frozen=True)
class NMSStep:
    """One round of greedy NMS.

    Attributes:
        rank: 0 for the first box kept, 1 for the second, ...
        kept: index of the box kept this round (the highest score left).
        suppressed: indices dropped by it, in queue order.
        suppressed_iou: their IoU with the kept box (each > the threshold).
    """

    rank: int
    kept: int
    suppressed: np.ndarray
    suppressed_iou: np.ndarray
    _queue: _Queue = field(repr=False, compare=False)

    @property
    def remaining(self) -> np.ndarray:
        """The queue after this round, highest score first (computed on demand: O(N))."""
        queue = self._queue
        after = queue.order[queue.position[self.kept] + 1 :]
        return after[queue.left_at[after] > self.rank]


def score_order(scores: np.ndarray) -> np.ndarray:
    """Indices by decreasing score; equal scores keep increasing index order (stable)."""
    scores = as_scores(scores, None)
    return np.argsort(-scores, kind="stable")


def nms_steps(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    classes: np.ndarray | None = None,
    score_threshold: float | None = None,
) -> Iterator[NMSStep]:
    """Greedy NMS as taught, one kept box at a time: the core that `nms`, `batched_nms` and the
    NMS page share.

    Args:
        boxes: np.ndarray[N, 4] xyxy; scores: np.ndarray[N].
        iou_threshold: a box is suppressed when its IoU with a kept box is > this.
        classes: np.ndarray[N] of labels; when given, boxes only suppress boxes of their class.
        score_threshold: boxes scoring below it never enter the queue (None: all enter).

    Raises:
        BoxError: bad boxes, scores, classes or thresholds.
    """
    boxes = as_boxes(boxes)
    scores = as_scores(scores, len(boxes))
    threshold = _check_threshold(iou_threshold)
    labels = None if classes is None else as_labels(classes, len(boxes))
    order = score_order(scores)
    if score_threshold is not None:
        floor = _check_threshold(score_threshold, "score_threshold")
        order = order[scores[order] >= floor]
    position = np.full(len(boxes), -1, dtype=np.int64)
    position[order] = np.arange(order.size)
    queue = _Queue(order, position, np.full(len(boxes), np.iinfo(np.int64).max, dtype=np.int64))
    x1, y1, x2, y2 = (np.ascontiguousarray(boxes[:, k]) for k in range(4))
    areas = (x2 - x1) * (y2 - y1)  # [N], the same operations as torchvision's kernel
    alive = queue.order
    rank = 0
    while alive.size:
        kept, rest = alive[0], alive[1:]
        iou = _pair_iou(x1, y1, x2, y2, areas, kept, rest)  # [R]
        suppress = iou.astype(np.float64) > threshold  # compared in float64, as torchvision's C++
        if labels is not None:
            suppress &= labels[rest] == labels[kept]
        queue.left_at[kept] = rank
        queue.left_at[rest[suppress]] = rank
        alive = rest[~suppress]
        yield NMSStep(rank, int(kept), rest[suppress], iou[suppress], queue)  # NaN never suppresses
        rank += 1


def _pair_iou(x1, y1, x2, y2, areas, i, j) -> np.ndarray:
    """IoU of box pairs (i[k], j[k]) with torchvision's operations, in the boxes' precision."""
    zero = x1.dtype.type(0)
    width = np.maximum(zero, np.minimum(x2[i], x2[j]) - np.maximum(x1[i], x1[j]))
    height = np.maximum(zero, np.minimum(y2[i], y2[j]) - np.maximum(y1[i], y1[j]))
    inter = width * height
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / (areas[i] + areas[j] - inter)  # 0/0 = NaN never suppresses


def _check_threshold(value: float, name: str = "iou_threshold") -> float:
    """Any finite number: thresholds outside [0, 1] are allowed and mean what they say (below 0
    every overlapping pair is suppressed, above 1 none is)."""
    return checks.number(value, name, BoxError)


def nms(boxes: np.ndarray, scores: np.ndarray, iou_threshold: float) -> np.ndarray:
    """Indices of the boxes kept by greedy NMS, by decreasing score (int64 [K])."""
    return np.array([step.kept for step in nms_steps(boxes, scores, iou_threshold)], dtype=np.int64)


def batched_nms(
    boxes: np.ndarray, scores: np.ndarray, classes: np.ndarray, iou_threshold: float
) -> np.ndarray:
    """Class-aware NMS: boxes of different classes never suppress each other. int64 [K]."""
    steps = nms_steps(boxes, scores, iou_threshold, classes)
    return np.array([step.kept for step in steps], dtype=np.int64)


@dataclass(frozen=True)
class NMSReport:
    """Everything the NMS page shows about one run.

    Attributes:
        steps: the `NMSStep`s over the boxes above the score threshold.
        kept: indices kept after max_detections, by decreasing score.
        status: one code per box: "kept", "suppressed", "below" (the score threshold) or "cut"
            (kept by NMS but over max_detections).
        notes: one sentence per box for people ("kept (#1)", "suppressed by box 0 (#0) at IoU
            0.720", ...).
    """

    steps: list[NMSStep]
    kept: np.ndarray
    status: list[str]
    notes: list[str]


def nms_report(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    score_threshold: float = 0.0,
    classes: np.ndarray | None = None,
    max_detections: int | None = None,
) -> NMSReport:
    """Run NMS as a detector does: drop low scores, suppress, keep the top `max_detections`.

    Boxes with score < score_threshold never enter the queue.

    Raises:
        BoxError: bad boxes, scores or classes, a threshold that is not a finite number, or
            max_detections that is not a whole number >= 0.
    """
    boxes = as_boxes(boxes)
    scores = as_scores(scores, len(boxes))
    score_threshold = _check_threshold(score_threshold, "score_threshold")
    if max_detections is not None:
        max_detections = checks.number(
            max_detections, "max_detections", BoxError, low=0, high=1e9, whole=True
        )
    steps = list(nms_steps(boxes, scores, iou_threshold, classes, score_threshold))
    kept_all = np.array([s.kept for s in steps], dtype=np.int64)
    limit = len(kept_all) if max_detections is None else int(max_detections)
    status = ["below"] * len(boxes)
    notes = [f"below score threshold ({score_threshold:g})"] * len(boxes)
    for step in steps:
        if step.rank < limit:
            status[step.kept], notes[step.kept] = "kept", f"kept (#{step.rank})"
        else:
            status[step.kept], notes[step.kept] = "cut", f"cut: over max detections ({limit})"
        for index, iou in zip(step.suppressed.tolist(), step.suppressed_iou.tolist(), strict=True):
            status[index] = "suppressed"
            notes[index] = f"suppressed by box {step.kept} (#{step.rank}) at IoU {iou:.3f}"
    return NMSReport(steps, kept_all[:limit], status, notes)


@dataclass(frozen=True)
class SoftNMSStep:
    """One round of Soft-NMS: the box selected and how it decayed the others' scores.

    Attributes:
        rank, kept: as for `NMSStep`; `kept_score` its (decayed) score when selected.
        others: indices still in the queue before this round's decay.
        iou: their IoU with the kept box.
        before, after: their scores before and after the decay.
        dropped: those whose new score fell below the score threshold.
    """

    rank: int
    kept: int
    kept_score: float
    others: np.ndarray
    iou: np.ndarray
    before: np.ndarray
    after: np.ndarray
    dropped: np.ndarray


def soft_nms_steps(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float = 0.3,
    sigma: float = 0.5,
    method: str = "linear",
    score_threshold: float = 0.001,
    classes: np.ndarray | None = None,
) -> Iterator[SoftNMSStep]:
    """Soft-NMS (Bodla et al., 2017): decay overlapping scores instead of dropping the boxes.

    Each round keeps the box with the highest current score (ties: lowest index), then every other
    box's score s with IoU u against it becomes
      linear:   s * (1 - u) if u > iou_threshold, else s;
      gaussian: s * exp(-u^2 / sigma) (for every box; iou_threshold unused).
    Boxes whose score drops below score_threshold leave the queue.
    """
    if method not in ("linear", "gaussian"):
        raise BoxError(f"method must be 'linear' or 'gaussian', got {method!r}")
    boxes = as_boxes(boxes).astype(np.float64)
    current = as_scores(scores, len(boxes)).astype(np.float64)
    labels = None if classes is None else as_labels(classes, len(boxes))
    threshold = _check_threshold(iou_threshold)
    score_threshold = _check_threshold(score_threshold, "score_threshold")
    sigma = _check_threshold(sigma, "sigma")
    if method == "gaussian" and sigma <= 0:
        raise BoxError(f"sigma must be > 0, got {sigma}")
    queue = np.flatnonzero(current >= score_threshold)
    rank = 0
    while queue.size:
        kept = int(queue[np.argmax(current[queue])])  # argmax: the first (lowest index) on ties
        others = queue[queue != kept]
        iou = box_iou(boxes[kept : kept + 1], boxes[others])[0]  # [R]
        if method == "linear":
            decay = np.where(iou > threshold, 1 - iou, 1.0)
        else:
            decay = np.exp(-(iou**2) / sigma)
        if labels is not None:
            decay = np.where(labels[others] == labels[kept], decay, 1.0)
        before = current[others].copy()
        current[others] = before * decay
        dropped = others[current[others] < score_threshold]
        yield SoftNMSStep(
            rank, kept, float(current[kept]), others, iou, before, current[others].copy(), dropped
        )
        queue = others[current[others] >= score_threshold]
        rank += 1


def soft_nms(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float = 0.3,
    sigma: float = 0.5,
    method: str = "linear",
    score_threshold: float = 0.001,
    classes: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Soft-NMS, assembled from `soft_nms_steps`.

    Returns:
        (keep int64 [K] in selection order, their decayed scores float64 [K], non-increasing).
    """
    steps = list(
        soft_nms_steps(boxes, scores, iou_threshold, sigma, method, score_threshold, classes)
    )
    keep = np.array([s.kept for s in steps], dtype=np.int64)
    return keep, np.array([s.kept_score for s in steps], dtype=np.float64)
