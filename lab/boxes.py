"""Boxes: IoU and its variants, hard and soft non-maximum suppression, step by step.

Boxes are xyxy pixels: [x1, y1, x2, y2] with x1 <= x2 and y1 <= y2. Degenerate input is handled
as follows (and tested):

- zero-area boxes are allowed; IoU with them is 0 (torchvision gives NaN when both boxes have zero
  area, as 0 / 0; we return 0, since nothing overlaps);
- x2 < x1 or y2 < y1 is rejected with `BoxError` (swapped corners are a bug upstream, not a box);
- NaN or infinite coordinates or scores, and coordinates beyond +-MAX_COORDINATE, are rejected
  with `BoxError`;
- empty arrays give empty results.

NMS ties: boxes are visited by decreasing score, equal scores in increasing index order (a stable
sort, as torchvision's CPU kernel); a box is suppressed when its IoU with a kept box is strictly
greater than `iou_threshold`, so IoU exactly at the threshold survives. IoU inside NMS is computed in
the boxes' own precision (float32 stays float32) with the same operations as torchvision, and compared
with the threshold in float64, so decisions match torchvision bit for bit.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from lab import checks

MAX_COORDINATE = 1e6
"""Box coordinates beyond +-1e6 pixels are refused: no photo is that large, areas of such boxes
lose float32's precision, and drawing them would rasterise millions of pixels off the canvas."""
MAX_CLASS = 999
"""Typed class labels are whole numbers from 0 to MAX_CLASS."""
MAX_TYPED_BOXES = 400
"""The NMS lab animates every round with every box: 400 boxes keep a page under a second."""


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


def as_scores(scores: np.ndarray, count: int, name: str = "scores") -> np.ndarray:
    """Check scores: one finite number per box. Returns float array [N]."""
    array = _numeric(scores, name)
    array = array.reshape(-1) if array.size else np.zeros(0, dtype=array.dtype)
    if array.shape != (count,):
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


# --- hard NMS ----------------------------------------------------------------------------------


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
    scores = _numeric(scores, "scores").reshape(-1)
    scores = as_scores(scores, scores.size)
    return np.argsort(-scores, kind="stable")


SPARSE_PAIR_LIMIT = 8_000_000
"""Above this many x-overlapping pairs NMS uses the dense loop (bounded memory)."""


def nms_steps(
    boxes: np.ndarray,
    scores: np.ndarray,
    iou_threshold: float,
    classes: np.ndarray | None = None,
    score_threshold: float | None = None,
    method: str = "auto",
) -> Iterator[NMSStep]:
    """Greedy NMS as taught, one kept box at a time: the core that `nms`, `batched_nms` and the
    NMS page share.

    Args:
        boxes: np.ndarray[N, 4] xyxy; scores: np.ndarray[N].
        iou_threshold: a box is suppressed when its IoU with a kept box is > this.
        classes: np.ndarray[N] of labels; when given, boxes only suppress boxes of their class.
        score_threshold: boxes scoring below it never enter the queue (None: all enter).
        method: "sparse" finds the overlapping pairs once (sweep over x) and walks them; "dense"
            compares each kept box with the whole queue; "auto" picks sparse unless the pairs would
            be too many. Both give the same steps.
    """
    boxes = as_boxes(boxes)
    scores = as_scores(scores, len(boxes))
    threshold = _check_threshold(iou_threshold)
    labels = None if classes is None else as_labels(classes, len(boxes))
    if method not in ("auto", "sparse", "dense"):
        raise BoxError(f"method must be 'auto', 'sparse' or 'dense', got {method!r}")
    order = score_order(scores)
    if score_threshold is not None:
        floor = _check_threshold(score_threshold, "score_threshold")
        order = order[scores[order] >= floor]
    position = np.full(len(boxes), -1, dtype=np.int64)
    position[order] = np.arange(order.size)
    queue = _Queue(order, position, np.full(len(boxes), np.iinfo(np.int64).max, dtype=np.int64))
    x1, y1, x2, y2 = (np.ascontiguousarray(boxes[:, k]) for k in range(4))
    areas = (x2 - x1) * (y2 - y1)  # [N], the same operations as torchvision's kernel
    pairs = None
    if method != "dense" and threshold >= 0:  # a negative threshold suppresses disjoint boxes too
        pairs = _suppression_pairs(
            x1, y1, x2, y2, areas, order, threshold, labels, method == "sparse"
        )
    if pairs is None:
        yield from _dense_steps(x1, y1, x2, y2, areas, threshold, labels, queue)
    else:
        yield from _sparse_steps(pairs, queue)


def _pair_iou(x1, y1, x2, y2, areas, i, j) -> np.ndarray:
    """IoU of box pairs (i[k], j[k]) with torchvision's operations, in the boxes' precision."""
    zero = x1.dtype.type(0)
    width = np.maximum(zero, np.minimum(x2[i], x2[j]) - np.maximum(x1[i], x1[j]))
    height = np.maximum(zero, np.minimum(y2[i], y2[j]) - np.maximum(y1[i], y1[j]))
    inter = width * height
    with np.errstate(divide="ignore", invalid="ignore"):
        return inter / (areas[i] + areas[j] - inter)  # 0/0 = NaN never suppresses


def _dense_steps(x1, y1, x2, y2, areas, threshold, labels, queue: _Queue) -> Iterator[NMSStep]:
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
        yield NMSStep(
            rank, int(kept), rest[suppress], iou[suppress], queue
        )  # NaN is never > threshold
        rank += 1


def _suppression_pairs(x1, y1, x2, y2, areas, order, threshold, labels, force):
    """All queue pairs whose IoU exceeds the threshold, as CSR lists from the earlier (higher-score)
    box to the later ones in queue order; None if the x-overlapping pairs would be too many."""
    members = order
    by_x = members[np.argsort(x1[members], kind="stable")]  # [Q]
    starts = x1[by_x]
    # Box b (later in x order) can overlap box a only if it starts before a ends.
    ends = np.searchsorted(starts, x2[by_x], side="left")  # [Q]
    counts = np.maximum(ends - np.arange(by_x.size) - 1, 0)
    total = int(counts.sum())
    if total > SPARSE_PAIR_LIMIT and not force:
        return None
    first = np.repeat(np.arange(by_x.size), counts)  # [P]
    offsets = np.arange(total) - np.repeat(np.cumsum(counts) - counts, counts)
    a, b = by_x[first], by_x[first + 1 + offsets]  # [P] box indices
    cross = (y1[a] < y2[b]) & (y1[b] < y2[a])  # overlap in y too; others have IoU 0 (or 0/0)
    a, b = a[cross], b[cross]
    iou = _pair_iou(x1, y1, x2, y2, areas, a, b)
    hit = iou.astype(np.float64) > threshold
    if labels is not None:
        hit &= labels[a] == labels[b]
    a, b, iou = a[hit], b[hit], iou[hit]
    position = np.empty(x1.size, dtype=np.int64)
    position[order] = np.arange(order.size)
    swap = position[a] > position[b]  # point every pair from the earlier box to the later one
    source = np.where(swap, b, a)
    target = np.where(swap, a, b)
    ranked = np.lexsort((position[target], position[source]))
    source, target, iou = source[ranked], target[ranked], iou[ranked]
    indptr = np.searchsorted(position[source], np.arange(order.size + 1), side="left")
    return indptr, target, iou


def _sparse_steps(pairs, queue: _Queue) -> Iterator[NMSStep]:
    indptr, target, iou = pairs
    targets = target.tolist()
    gone = np.zeros(queue.left_at.size, dtype=bool)
    gone_list = gone.tolist()
    rank = 0
    for place, kept in enumerate(queue.order.tolist()):
        if gone_list[kept]:
            continue
        start, end = int(indptr[place]), int(indptr[place + 1])
        picked = [k for k in range(start, end) if not gone_list[targets[k]]]
        suppressed = (
            target[start:end][np.asarray(picked, dtype=np.int64) - start] if picked else target[:0]
        )
        for index in suppressed.tolist():
            gone_list[index] = True
        queue.left_at[kept] = rank
        queue.left_at[suppressed] = rank
        gone_list[kept] = True
        yield NMSStep(rank, kept, suppressed, iou[picked] if picked else iou[:0], queue)
        rank += 1


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


# --- Soft-NMS ----------------------------------------------------------------------------------


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


# --- scenes to practise on ------------------------------------------------------------------------


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
    intersection_box: tuple[float, float, float, float] | None
    enclosing_box: tuple[float, float, float, float]


def overlap(a: np.ndarray, b: np.ndarray) -> Overlap:
    """All the IoU lab's numbers for two xyxy boxes, from the same functions NMS uses.

    Raises:
        BoxError: either box is not four finite coordinates with x1 <= x2 and y1 <= y2.
    """
    a, b = _one_box(a, "box A"), _one_box(b, "box B")
    inter, union = _inter_union(a, b)
    wh = _enclosing(a, b)[0, 0]
    lt = np.maximum(a[0, :2], b[0, :2])
    rb = np.minimum(a[0, 2:], b[0, 2:])
    inside = bool(np.all(rb > lt))
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
        intersection_box=(*lt.tolist(), *rb.tolist()) if inside else None,
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
    a, b = _one_box(a, "box A"), _one_box(b, "box B")
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


def _one_box(box: object, name: str) -> np.ndarray:
    array = _numeric(box, name)
    if array.size != 4:
        raise BoxError(f"{name} must be four numbers (x1, y1, x2, y2), got {array.size}")
    return as_boxes(array.astype(np.float64).reshape(1, 4), name)


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
