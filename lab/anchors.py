"""Anchors and box regression as Faster R-CNN's region proposal network uses them, and YOLO v2's
anchor priors from k-means: the same numbers as torchvision, in numpy, with every step exposed.

    generate(feature_size, stride, sizes, ratios)   anchors over a feature map (AnchorGenerator)
    assign(anchors, gt, positive=0.7, negative=0.3)  RPN labels (Matcher, low-quality matches on)
    sample(labels, batch=256, positive_fraction=0.5)  the minibatch of anchors a step trains on
    encode(anchors, gt, weights) / decode(anchors, deltas, weights)   (BoxCoder)
    kmeans_priors(wh, k, distance, seed)             yields each iteration
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.boxes import BoxError, as_boxes
from lab.iou import box_iou

BBOX_XFORM_CLIP = math.log(1000.0 / 16)
"""torchvision clamps dw, dh to this before exp(): no box grows more than 1000/16 times."""
RPN_WEIGHTS = (1.0, 1.0, 1.0, 1.0)
ROI_HEAD_WEIGHTS = (10.0, 10.0, 5.0, 5.0)
"""torchvision's box coder weights: the RPN's, and the second stage's (Fast R-CNN head)."""
MAX_ANCHORS = 2_000_000
POSITIVE, NEGATIVE, IGNORED = 1, 0, -1


def generate(
    feature_size: tuple[int, int],
    stride: tuple[int, int] | int,
    sizes: tuple[float, ...] = (128, 256, 512),
    ratios: tuple[float, ...] = (0.5, 1.0, 2.0),
) -> np.ndarray:
    """Anchors at every position of a feature map, as torchvision's AnchorGenerator makes them.

    At each position (x, y) = (column * stride, row * stride), one anchor per (ratio, size),
    ratios outer: height = size * sqrt(ratio), width = size / sqrt(ratio) (ratio = height /
    width), centred there, corners rounded to whole pixels.

    Args:
        feature_size: (rows, columns) of the feature map.
        stride: pixels of the photo per feature-map cell (rows, columns) or one for both.

    Returns:
        np.ndarray[rows * columns * len(ratios) * len(sizes), 4] float32 xyxy, position by
        position in raster order, the anchors of one position together.

    Raises:
        BoxError: sizes, ratios or strides that are not positive, or too many anchors.
    """
    rows, columns = (checks.number(v, "the feature map size", BoxError, low=1, high=4096, whole=True) for v in feature_size)  # fmt: skip
    stride_r, stride_c = (stride, stride) if np.isscalar(stride) else stride
    stride_r = checks.number(stride_r, "the stride", BoxError, low=1, high=4096, whole=True)
    stride_c = checks.number(stride_c, "the stride", BoxError, low=1, high=4096, whole=True)
    scales = np.array([checks.number(s, "an anchor size", BoxError, low=1, high=1e5) for s in sizes], np.float32)  # fmt: skip
    aspect = np.array([checks.number(r, "an aspect ratio", BoxError, low=0.01, high=100) for r in ratios], np.float32)  # fmt: skip
    if rows * columns * len(scales) * len(aspect) > MAX_ANCHORS:
        raise BoxError(f"at most {MAX_ANCHORS:,} anchors")
    h_ratios = np.sqrt(aspect)
    w_ratios = 1 / h_ratios
    ws = (w_ratios[:, None] * scales[None, :]).reshape(-1)  # [A]
    hs = (h_ratios[:, None] * scales[None, :]).reshape(-1)  # [A]
    base = np.round(np.stack([-ws, -hs, ws, hs], axis=1) / 2)  # [A, 4], halves to even as torch
    shift_y, shift_x = np.meshgrid(
        np.arange(rows, dtype=np.float32) * stride_r,
        np.arange(columns, dtype=np.float32) * stride_c,
        indexing="ij",
    )
    shifts = np.stack([shift_x, shift_y, shift_x, shift_y], axis=-1).reshape(-1, 1, 4)  # [P, 1, 4]
    return (shifts + base[None]).reshape(-1, 4).astype(np.float32)


@dataclass(frozen=True)
class Assignment:
    """Each anchor's label for the region proposal network.

    Attributes:
        labels: [A] POSITIVE (1), NEGATIVE (0) or IGNORED (-1).
        matched: [A] the ground-truth box each anchor regresses to (its best IoU), -1 for
            negatives and ignored ones.
        best_iou: [A] each anchor's highest IoU with any ground-truth box.
        low_quality: [A] bool: positive only because it is the best anchor for some box.
    """

    labels: np.ndarray
    matched: np.ndarray
    best_iou: np.ndarray
    low_quality: np.ndarray


def assign(anchors, gt, positive: float = 0.7, negative: float = 0.3) -> Assignment:
    """Faster R-CNN's RPN labels (torchvision's Matcher with allow_low_quality_matches):
    positive at IoU >= `positive`, negative below `negative`, ignored between; and for each
    ground-truth box, the anchors with its highest IoU are positive too (matched to their own
    best box), so every box gets at least one anchor.

    Raises:
        BoxError: bad boxes, thresholds outside [0, 1] or negative above positive.
    """
    anchors, gt = as_boxes(anchors), as_boxes(gt)
    positive = checks.number(positive, "the positive threshold", BoxError, low=0, high=1)
    negative = checks.number(negative, "the negative threshold", BoxError, low=0, high=positive)
    count = len(anchors)
    if len(gt) == 0:
        return Assignment(np.zeros(count, int), np.full(count, -1), np.zeros(count), np.zeros(count, bool))  # fmt: skip
    iou = box_iou(gt, anchors)  # [G, A], float32 as torchvision
    best = iou.max(axis=0)  # [A]
    argmax = iou.argmax(axis=0)  # [A]: the first box with the highest IoU, as torch.max
    matched = argmax.copy()
    below = best < negative
    between = (best >= negative) & (best < positive)
    matched[below] = -1
    matched[between] = -2
    best_for_box = iou.max(axis=1)  # [G]
    _, low = np.nonzero(iou == best_for_box[:, None])  # every anchor tying for a box's best
    low_quality = np.zeros(count, bool)
    low_quality[low] = matched[low] < 0
    matched[low] = argmax[low]
    labels = np.where(matched >= 0, POSITIVE, np.where(matched == -1, NEGATIVE, IGNORED))
    return Assignment(labels, np.where(matched >= 0, matched, -1), best.astype(np.float64), low_quality)  # fmt: skip


def sample(labels: np.ndarray, batch: int = 256, positive_fraction: float = 0.5, seed: int = 0):
    """The anchors one training step uses (torchvision's BalancedPositiveNegativeSampler, seeded
    numpy instead of torch's generator): at most batch * positive_fraction positives, negatives
    to fill the batch.

    Returns:
        (positive indices, negative indices).
    """
    batch = checks.number(batch, "the batch", BoxError, low=1, high=100_000, whole=True)
    fraction = checks.number(positive_fraction, "the positive fraction", BoxError, low=0, high=1)
    rng = np.random.default_rng(checks.number(seed, "the seed", BoxError, low=0, high=2**32 - 1, whole=True))  # fmt: skip
    positives = np.flatnonzero(labels == POSITIVE)
    negatives = np.flatnonzero(labels == NEGATIVE)
    take_positive = min(len(positives), int(batch * fraction))
    take_negative = min(len(negatives), batch - take_positive)
    return (
        np.sort(rng.permutation(positives)[:take_positive]),
        np.sort(rng.permutation(negatives)[:take_negative]),
    )


def _centres(boxes: np.ndarray) -> tuple[np.ndarray, ...]:
    widths = boxes[:, 2] - boxes[:, 0]
    heights = boxes[:, 3] - boxes[:, 1]
    return boxes[:, 0] + 0.5 * widths, boxes[:, 1] + 0.5 * heights, widths, heights


def encode(anchors, gt, weights: tuple[float, ...] = RPN_WEIGHTS) -> np.ndarray:
    """Regression targets of each ground-truth box from its anchor (R-CNN's parametrisation,
    torchvision's BoxCoder.encode_single):
    dx = wx (Gx - Px) / Pw, dy = wy (Gy - Py) / Ph, dw = ww log(Gw / Pw), dh = wh log(Gh / Ph).

    Args:
        anchors, gt: [N, 4] xyxy, paired row by row; anchors of positive width and height.
        weights: (wx, wy, ww, wh): (1, 1, 1, 1) in the RPN, (10, 10, 5, 5) in the second stage,
            so the targets have about unit variance.

    Returns:
        np.ndarray[N, 4] float64 (dx, dy, dw, dh).

    Raises:
        BoxError: boxes that disagree in number, or a box of zero width or height.
    """
    anchors, gt = as_boxes(anchors).astype(np.float64), as_boxes(gt).astype(np.float64)
    if anchors.shape != gt.shape:
        raise BoxError(f"one ground-truth box per anchor: {len(anchors)} anchors, {len(gt)} boxes")  # fmt: skip
    wx, wy, ww, wh = _weights(weights)
    px, py, pw, ph = _centres(anchors)
    gx, gy, gw, gh = _centres(gt)
    if np.any(pw <= 0) or np.any(ph <= 0) or np.any(gw <= 0) or np.any(gh <= 0):
        raise BoxError("boxes need a positive width and height (log of a ratio)")
    return np.stack(
        [wx * (gx - px) / pw, wy * (gy - py) / ph, ww * np.log(gw / pw), wh * np.log(gh / ph)],
        axis=1,
    )


def decode(anchors, deltas, weights: tuple[float, ...] = RPN_WEIGHTS) -> np.ndarray:
    """Boxes from anchors and predicted deltas (BoxCoder.decode_single): G-hat x = Pw dx/wx + Px,
    G-hat y = Ph dy/wy + Py, G-hat w = Pw exp(dw/ww), G-hat h = Ph exp(dh/wh), with dw and dh
    clamped to log(1000 / 16) first.

    Returns:
        np.ndarray[N, 4] float64 xyxy.
    """
    anchors = as_boxes(anchors).astype(np.float64)
    deltas = checks.array(deltas, "the deltas", BoxError, ndim=2, limit=1e6).astype(np.float64)
    if deltas.shape != (len(anchors), 4):
        raise BoxError(f"deltas must be [N, 4] with N = {len(anchors)}")
    wx, wy, ww, wh = _weights(weights)
    px, py, pw, ph = _centres(anchors)
    dx, dy = deltas[:, 0] / wx, deltas[:, 1] / wy
    dw = np.minimum(deltas[:, 2] / ww, BBOX_XFORM_CLIP)
    dh = np.minimum(deltas[:, 3] / wh, BBOX_XFORM_CLIP)
    cx, cy = dx * pw + px, dy * ph + py
    w, h = np.exp(dw) * pw, np.exp(dh) * ph
    return np.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], axis=1)


def _weights(weights) -> tuple[float, float, float, float]:
    values = tuple(checks.number(w, "a box coder weight", BoxError, low=0, low_open=True, high=1e6) for w in weights)  # fmt: skip
    if len(values) != 4:
        raise BoxError("the box coder takes four weights (wx, wy, ww, wh)")
    return values


# -- YOLO v2's anchor priors -------------------------------------------------------------------


def shape_iou(wh: np.ndarray, centroids: np.ndarray) -> np.ndarray:
    """[N, K] IoU of box shapes placed at a common centre: min(w) min(h) / (union)."""
    inter = np.minimum(wh[:, None, 0], centroids[None, :, 0]) * np.minimum(wh[:, None, 1], centroids[None, :, 1])  # fmt: skip
    union = (wh[:, 0] * wh[:, 1])[:, None] + (centroids[:, 0] * centroids[:, 1])[None, :] - inter
    return inter / union


@dataclass(frozen=True)
class KMeansStep:
    """One k-means iteration.

    Attributes:
        centroids: [K, 2] (width, height) after this iteration's update.
        assignment: [N] each box's prior (by the distance used) before the update.
        mean_iou: each box's IoU with its best prior, averaged (after the update).
    """

    centroids: np.ndarray
    assignment: np.ndarray
    mean_iou: float


def kmeans_priors(
    wh, k: int, distance: str = "iou", seed: int = 0, max_iterations: int = 100
) -> Iterator[KMeansStep]:
    """k-means on box shapes, yielding each iteration until the assignment stops changing.

    distance "iou": d = 1 - IoU of the shapes at a common centre (YOLO v2); "euclidean": the
    distance between (w, h) points. Centroids start at k distinct boxes chosen with the seed;
    each update is the mean shape of a prior's boxes (an empty prior keeps its shape).

    Raises:
        BoxError: shapes that are not positive, or k outside 1 .. number of distinct shapes.
    """
    wh = checks.array(wh, "box shapes", BoxError, ndim=2, limit=1e6).astype(np.float64)
    if wh.shape[1] != 2 or np.any(wh <= 0):
        raise BoxError("box shapes are [N, 2] positive widths and heights")
    distinct = np.unique(wh, axis=0)
    k = checks.number(k, "k", BoxError, low=1, high=len(distinct), whole=True)
    if distance not in ("iou", "euclidean"):
        raise BoxError(f"distance is 'iou' or 'euclidean', got {checks.show(distance)}")
    rng = np.random.default_rng(checks.number(seed, "the seed", BoxError, low=0, high=2**32 - 1, whole=True))  # fmt: skip
    centroids = distinct[rng.choice(len(distinct), k, replace=False)]
    previous = None
    for _ in range(max_iterations):
        assignment = nearest(wh, centroids, distance)
        if previous is not None and np.array_equal(assignment, previous):
            return
        centroids = centroids.copy()  # the step yielded before keeps its own
        for j in range(k):
            members = wh[assignment == j]
            if len(members):
                centroids[j] = members.mean(axis=0)
        yield KMeansStep(centroids, assignment, mean_best_iou(wh, centroids))
        previous = assignment


def nearest(wh: np.ndarray, centroids: np.ndarray, distance: str) -> np.ndarray:
    """[N] each shape's nearest centroid (ties: the lower index)."""
    if distance == "iou":
        return np.argmin(1 - shape_iou(wh, centroids), axis=1)
    return np.argmin(((wh[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2), axis=1)


def mean_best_iou(wh: np.ndarray, centroids: np.ndarray) -> float:
    """Each box's IoU with its best prior, averaged: the figure YOLO v2 compares."""
    return float(shape_iou(wh, centroids).max(axis=1).mean())


def best_priors(wh, k: int, distance: str = "iou", restarts: int = 10) -> KMeansStep:
    """The best of `restarts` seeded runs: highest mean IoU (IoU distance) or lowest sum of
    squared distances (Euclidean), as each method would choose by its own criterion."""
    best, best_value = None, None
    for seed in range(restarts):
        steps = list(kmeans_priors(wh, k, distance, seed))
        if not steps:
            continue
        last = steps[-1]
        wh_array = np.asarray(wh, np.float64)
        if distance == "iou":
            value = -last.mean_iou
        else:
            value = float(((wh_array - last.centroids[nearest(wh_array, last.centroids, "euclidean")]) ** 2).sum())  # fmt: skip
        if best_value is None or value < best_value:
            best, best_value = last, value
    return best
