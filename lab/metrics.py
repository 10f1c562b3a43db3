"""Evaluation as taught and as the reference implementations compute it: confusion-matrix metrics
(scikit-learn's definitions), ROC and precision-recall curves from scores, and detection metrics
(matching, AP three ways, the COCO summary as pycocotools computes it).

Pure numpy. Every function that a page steps through returns the intermediate numbers too, so the
page can show the formula filled in with them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import checks

MAX_CLASSES = 20
MAX_COUNT = 1e9
MAX_SCORES = 200_000


class MetricsError(ValueError):
    """Input a metric cannot be computed from; `str(error)` says why in plain words."""


# -- classification ------------------------------------------------------------------------


@dataclass(frozen=True)
class ConfusionReport:
    """Everything a confusion matrix gives.

    Attributes:
        matrix: np.ndarray[K, K] counts with TRUE labels in rows, predictions in columns
            (scikit-learn's layout, whatever layout the matrix was given in).
        tp, predicted, support: np.ndarray[K]: the diagonal, column sums (how often each class
            was predicted), row sums (how often it is the true class).
        precision, recall, f1: np.ndarray[K]; 0 where undefined (scikit-learn's zero_division=0),
            listed in `undefined`.
        accuracy: the diagonal over the total.
        averages: {"micro" | "macro" | "weighted": {"precision", "recall", "f1"}}.
        undefined: (metric, class index) pairs whose denominator is 0.
    """

    matrix: np.ndarray
    tp: np.ndarray
    predicted: np.ndarray
    support: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    f1: np.ndarray
    accuracy: float
    averages: dict
    undefined: list


def _ratio(numerator: np.ndarray, denominator: np.ndarray) -> np.ndarray:
    return np.divide(
        numerator, denominator, out=np.zeros(len(numerator)), where=denominator > 0
    ).astype(np.float64)


def confusion_metrics(matrix, rows: str = "true") -> ConfusionReport:
    """Per-class precision, recall, F1 and support, accuracy, and micro / macro / weighted
    averages of a confusion matrix, as scikit-learn's precision_recall_fscore_support.

    Args:
        matrix: [K, K] counts (whole numbers >= 0), 2 <= K <= MAX_CLASSES.
        rows: "true" when rows are the true labels (scikit-learn), "predicted" when rows are the
            predictions (the lecture's slide).

    Raises:
        MetricsError: not a square matrix of whole non-negative counts, or all zero.
    """
    if rows not in ("true", "predicted"):
        raise MetricsError(f"rows must be 'true' or 'predicted', got {checks.show(rows)}")
    counts = checks.array(matrix, "the confusion matrix", MetricsError, ndim=2, limit=MAX_COUNT)
    size = counts.shape[0]
    if counts.shape != (size, size) or not 2 <= size <= MAX_CLASSES:
        raise MetricsError(
            f"the confusion matrix must be square, 2 x 2 to {MAX_CLASSES} x {MAX_CLASSES}, "
            f"got {counts.shape[0]} x {counts.shape[1]}"
        )
    if np.any(counts < 0) or np.any(counts != np.round(counts)):
        raise MetricsError("a confusion matrix holds counts: whole numbers, 0 or more")
    if counts.sum() == 0:
        raise MetricsError("the confusion matrix is all zeros: there is nothing to measure")
    truth_rows = counts.T if rows == "predicted" else counts
    truth_rows = truth_rows.astype(np.float64)
    tp = np.diag(truth_rows).copy()
    predicted, support = truth_rows.sum(axis=0), truth_rows.sum(axis=1)
    precision, recall = _ratio(tp, predicted), _ratio(tp, support)
    f1 = _ratio(2 * precision * recall, precision + recall)
    undefined = [("precision", int(k)) for k in np.flatnonzero(predicted == 0)]
    undefined += [("recall", int(k)) for k in np.flatnonzero(support == 0)]
    total = truth_rows.sum()
    micro = float(tp.sum() / total)  # single-label: micro P = micro R = micro F1 = accuracy
    weights = support / support.sum() if support.sum() else np.zeros(size)
    averages = {
        "micro": {"precision": micro, "recall": micro, "f1": micro},
        "macro": {
            "precision": float(precision.mean()),
            "recall": float(recall.mean()),
            "f1": float(f1.mean()),
        },
        "weighted": {
            "precision": float((precision * weights).sum()),
            "recall": float((recall * weights).sum()),
            "f1": float((f1 * weights).sum()),
        },
    }
    return ConfusionReport(
        truth_rows, tp, predicted, support, precision, recall, f1, micro, averages, undefined
    )


def parse_matrix(text: str) -> np.ndarray:
    """A confusion matrix typed as rows of whole numbers (spaces, commas or tabs).

    Raises:
        MetricsError: naming the row that is wrong.
    """
    rows = []
    for number, line in enumerate(str(text).splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields:
            continue
        if len(rows) == MAX_CLASSES:
            raise MetricsError(f"at most {MAX_CLASSES} rows")
        try:
            values = [float(v) for v in fields]
        except ValueError:
            raise MetricsError(f"row {number} has something that is not a number") from None
        if not all(math.isfinite(v) and v >= 0 and v == round(v) for v in values):
            raise MetricsError(f"row {number}: counts are whole numbers, 0 or more")
        rows.append(values)
    if not rows:
        raise MetricsError("type the matrix, one row per line")
    if any(len(row) != len(rows) for row in rows):
        raise MetricsError(
            f"the matrix must be square: {len(rows)} rows need {len(rows)} numbers each"
        )
    return np.array(rows)


@dataclass(frozen=True)
class Curve:
    """A ROC or precision-recall curve from scores.

    Attributes:
        x, y: ROC: false-positive rate and true-positive rate; PR: recall and precision.
        thresholds: the score at each point (ROC's first point: +inf, nothing predicted).
        area: ROC AUC (trapezoids), or average precision (steps: sum of recall increase times
            precision, scikit-learn's average_precision_score).
    """

    x: np.ndarray
    y: np.ndarray
    thresholds: np.ndarray
    area: float


def _scored(scores, labels) -> tuple[np.ndarray, np.ndarray]:
    scores = checks.array(scores, "scores", MetricsError, ndim=1, limit=1e30)
    labels = np.asarray(labels).reshape(-1)
    if labels.shape != scores.shape:
        raise MetricsError(f"one label per score: {len(scores)} scores, {labels.size} labels")
    if len(scores) > MAX_SCORES:
        raise MetricsError(f"at most {MAX_SCORES:,} scores")
    if not np.isin(labels, [0, 1, True, False]).all():
        raise MetricsError("labels are 1 (positive) or 0 (negative)")
    labels = labels.astype(bool)
    if labels.all() or not labels.any():
        raise MetricsError("both classes must be present: some positives and some negatives")
    return scores.astype(np.float64), labels


def _cumulative(scores: np.ndarray, labels: np.ndarray):
    """True and false positives when predicting positive at each distinct score, highest first
    (scikit-learn's _binary_clf_curve)."""
    order = np.argsort(-scores, kind="mergesort")
    scores, labels = scores[order], labels[order]
    distinct = np.flatnonzero(np.diff(scores))
    ends = np.r_[distinct, len(scores) - 1]
    tps = np.cumsum(labels)[ends].astype(np.float64)
    fps = 1 + ends - tps
    return fps, tps, scores[ends]


def roc_curve(scores, labels, drop_intermediate: bool = True) -> Curve:
    """The ROC curve (false-positive rate, true-positive rate) and its AUC, as scikit-learn's
    roc_curve and roc_auc_score (collinear points dropped unless `drop_intermediate` is off).

    Raises:
        MetricsError: bad scores or labels, or a single class.
    """
    fps, tps, thresholds = _cumulative(*_scored(scores, labels))
    if drop_intermediate and len(fps) > 2:
        keep = np.flatnonzero(np.r_[True, np.logical_or(np.diff(fps, 2), np.diff(tps, 2)), True])
        fps, tps, thresholds = fps[keep], tps[keep], thresholds[keep]
    fps, tps = np.r_[0, fps], np.r_[0, tps]
    thresholds = np.r_[np.inf, thresholds]
    fpr, tpr = fps / fps[-1], tps / tps[-1]
    return Curve(fpr, tpr, thresholds, float(np.trapezoid(tpr, fpr)))


def pr_curve(scores, labels) -> Curve:
    """The precision-recall curve, recall decreasing with precision 1 at recall 0 appended, and
    average precision, as scikit-learn's precision_recall_curve and average_precision_score.

    Raises:
        MetricsError: bad scores or labels, or a single class.
    """
    fps, tps, thresholds = _cumulative(*_scored(scores, labels))
    precision = tps / (tps + fps)
    recall = tps / tps[-1]
    precision, recall = np.r_[precision[::-1], 1.0], np.r_[recall[::-1], 0.0]
    area = float(-np.sum(np.diff(recall) * precision[:-1]))
    return Curve(recall, precision, thresholds[::-1], area)


def at_threshold(scores, labels, threshold: float) -> np.ndarray:
    """The binary confusion matrix (rows: true positive, true negative; columns: predicted
    positive, predicted negative) when predicting positive for scores >= threshold."""
    scores, labels = _scored(scores, labels)
    threshold = checks.number(threshold, "the threshold", MetricsError)
    positive = scores >= threshold
    return np.array(
        [
            [np.sum(labels & positive), np.sum(labels & ~positive)],
            [np.sum(~labels & positive), np.sum(~labels & ~positive)],
        ]
    )


def one_vs_rest(scores, labels) -> dict:
    """Multi-class ROC one class against the rest: {class index: Curve}, plus "micro" (every
    (sample, class) pair pooled) and "macro" (the mean of the per-class AUCs) as scikit-learn's
    roc_auc_score(..., multi_class="ovr") and its micro average.

    Args:
        scores: [N, K] a score per class; labels: [N] the true class index.
    """
    scores = checks.array(scores, "scores", MetricsError, ndim=2, limit=1e30)
    labels = np.asarray(labels).reshape(-1)
    count = scores.shape[1]
    if labels.shape != (scores.shape[0],) or not 2 <= count <= MAX_CLASSES:
        raise MetricsError(f"scores must be [N, K] with 2 <= K <= {MAX_CLASSES}, one label each")
    if not np.isin(labels, np.arange(count)).all():
        raise MetricsError(f"labels are class indices 0 to {count - 1}")
    curves: dict = {}
    for k in range(count):
        if (labels == k).any() and (labels != k).any():
            curves[k] = roc_curve(scores[:, k], labels == k)
    truth = labels[:, None] == np.arange(count)[None, :]  # [N, K]
    curves["micro"] = roc_curve(scores.reshape(-1), truth.reshape(-1))
    per_class = [curves[k].area for k in range(count) if k in curves]
    curves["macro"] = float(np.mean(per_class)) if per_class else float("nan")
    return curves


# -- detection -------------------------------------------------------------------------------

IOU_THRESHOLDS = np.linspace(0.5, 0.95, 10)
RECALL_POINTS = np.linspace(0.0, 1.0, 101)
AREAS = {"all": (0.0, 1e10), "small": (0.0, 32.0**2), "medium": (32.0**2, 96.0**2), "large": (96.0**2, 1e10)}  # fmt: skip
MAX_DETS = (1, 10, 100)
SUMMARY_KEYS = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]  # fmt: skip
MAX_IMAGES = 20_000
MAX_ANNOTATIONS = 500_000


def average_precision(recall, precision, method: str = "coco101") -> float:
    """The area under a detection precision-recall curve, three ways.

    Args:
        recall, precision: the curve in ranked order (one point per detection, recall rising).
        method: "voc11": the mean over recall 0, 0.1, ..., 1 of the best precision at that
            recall or beyond (VOC2007, as py-faster-rcnn's voc_eval); "all": the area under the interpolated envelope at every
            recall change (VOC2010+); "coco101": the mean over recall 0, 0.01, ..., 1 of the
            envelope at the first point reaching that recall (COCO).

    Raises:
        MetricsError: curves of different lengths, values outside [0, 1], an unknown method.
    """
    recall = checks.array(recall, "recall", MetricsError, ndim=1).astype(np.float64)
    precision = checks.array(precision, "precision", MetricsError, ndim=1).astype(np.float64)
    if recall.shape != precision.shape:
        raise MetricsError("recall and precision need one value per point each")
    if np.any((recall < 0) | (recall > 1) | (precision < 0) | (precision > 1)):
        raise MetricsError("recall and precision lie between 0 and 1")
    if method == "voc11":
        # np.arange as py-faster-rcnn's voc_eval (and MATLAB's 0:0.1:1): 0.30000000000000004.
        points = np.arange(0.0, 1.1, 0.1)
        best = [precision[recall >= t].max() if (recall >= t).any() else 0.0 for t in points]
        return float(np.mean(best))
    envelope = np.maximum.accumulate(precision[::-1])[::-1]  # best precision from here on
    if method == "all":
        points = np.r_[0.0, recall, 1.0]
        heights = np.maximum.accumulate(np.r_[0.0, envelope, 0.0][::-1])[::-1]
        steps = np.flatnonzero(points[1:] != points[:-1])
        return float(np.sum((points[steps + 1] - points[steps]) * heights[steps + 1]))
    if method == "coco101":
        found = np.searchsorted(recall, RECALL_POINTS, side="left")  # first point reaching r
        inside = found < len(recall)
        return float(np.sum(envelope[found[inside]]) / len(RECALL_POINTS))
    raise MetricsError(f"method is 'voc11', 'all' or 'coco101', got {checks.show(method)}")


@dataclass(frozen=True)
class CocoSet:
    """Ground truth and detections in COCO's form, checked and indexed.

    Attributes:
        image_ids: sorted image ids; category_ids: sorted category ids; names: id -> name.
        gt: per (image id, category id): (boxes [G, 4] xywh, areas [G], crowd [G] bool).
        dt: per (image id, category id): (boxes [D, 4] xywh, scores [D]) in file order.
    """

    image_ids: list
    category_ids: list
    names: dict
    gt: dict
    dt: dict


def _xywh(value, where: str) -> list[float]:
    if not isinstance(value, list | tuple) or len(value) != 4:
        raise MetricsError(f"{where}: 'bbox' is [x, y, width, height]")
    box = [checks.number(v, f"{where}: a 'bbox' value", MetricsError) for v in value]
    if box[2] < 0 or box[3] < 0:
        raise MetricsError(f"{where}: a box cannot have a negative width or height")
    if max(abs(v) for v in box) > 1e7:
        raise MetricsError(f"{where}: coordinates must lie within ±1e7")
    return box


def coco_set(gt: dict, det: list) -> CocoSet:
    """Check and index a COCO annotation dict and a COCO results list.

    Raises:
        MetricsError: a malformed file, a result naming an image or category the annotation
            file does not have, NaN or negative boxes, too many entries.
    """
    if not isinstance(gt, dict) or not all(isinstance(gt.get(k), list) for k in ("images", "annotations", "categories")):  # fmt: skip
        raise MetricsError("the ground truth is a COCO annotation file: 'images', 'annotations' and 'categories' lists")  # fmt: skip
    if not isinstance(det, list):
        raise MetricsError("the detections are a COCO results file: a list of {image_id, category_id, bbox, score}")  # fmt: skip
    if len(gt["images"]) > MAX_IMAGES or len(gt["annotations"]) + len(det) > MAX_ANNOTATIONS:
        raise MetricsError(f"at most {MAX_IMAGES:,} images and {MAX_ANNOTATIONS:,} boxes")
    try:
        image_ids = sorted({int(image["id"]) for image in gt["images"]})
        names = {int(c["id"]): str(c.get("name", c["id"]))[:60] for c in gt["categories"]}
    except (KeyError, TypeError, ValueError):
        raise MetricsError("every image and category needs a whole-number 'id'") from None
    images, categories = set(image_ids), set(names)

    def entries(listed: list, kind: str, what: str):
        """(where, (image id, category id), entry) for each entry, its ids checked."""
        for number, entry in enumerate(listed):
            where = f"{kind} {number}"
            if not isinstance(entry, dict):
                raise MetricsError(f"{where} is not an object")
            try:
                key = (int(entry["image_id"]), int(entry["category_id"]))
            except (KeyError, TypeError, ValueError):
                raise MetricsError(f"{where} needs a whole-number 'image_id' and 'category_id'") from None  # fmt: skip
            if key[0] not in images:
                raise MetricsError(f"{where} is for image {key[0]}, which {what} does not list")
            if key[1] not in categories:
                raise MetricsError(f"{where} has category {key[1]}, which {what} does not list")
            yield where, key, entry

    boxes: dict = {}
    for where, key, entry in entries(gt["annotations"], "annotation", "the file"):
        box = _xywh(entry.get("bbox"), where)
        area = (
            checks.number(entry["area"], f"{where}: 'area'", MetricsError)
            if "area" in entry
            else box[2] * box[3]
        )
        boxes.setdefault(key, []).append((box, area, bool(entry.get("iscrowd", 0))))
    gt_index = {
        key: (
            np.array([b for b, _, _ in items], np.float64).reshape(-1, 4),
            np.array([a for _, a, _ in items], np.float64),
            np.array([c for _, _, c in items], bool),
        )
        for key, items in boxes.items()
    }
    found: dict = {}
    for where, key, entry in entries(det, "detection", "the ground truth"):
        score = checks.number(entry.get("score"), f"{where}: 'score'", MetricsError)
        found.setdefault(key, []).append((_xywh(entry.get("bbox"), where), score))
    dt_index = {
        key: (
            np.array([b for b, _ in items], np.float64).reshape(-1, 4),
            np.array([s for _, s in items], np.float64),
        )
        for key, items in found.items()
    }
    return CocoSet(image_ids, sorted(categories), names, gt_index, dt_index)


def _iou_xywh(dt: np.ndarray, gt: np.ndarray, crowd: np.ndarray) -> np.ndarray:
    """[D, G] IoU as pycocotools computes it for boxes: a crowd region's 'union' is the
    detection's own area."""
    dx2, dy2 = dt[:, 0] + dt[:, 2], dt[:, 1] + dt[:, 3]  # [D]
    gx2, gy2 = gt[:, 0] + gt[:, 2], gt[:, 1] + gt[:, 3]  # [G]
    width = np.minimum(dx2[:, None], gx2[None, :]) - np.maximum(
        dt[:, None, 0], gt[None, :, 0]
    )  # [D, G]
    height = np.minimum(dy2[:, None], gy2[None, :]) - np.maximum(
        dt[:, None, 1], gt[None, :, 1]
    )  # [D, G]
    inter = np.clip(width, 0, None) * np.clip(height, 0, None)  # [D, G]
    dt_area, gt_area = dt[:, 2] * dt[:, 3], gt[:, 2] * gt[:, 3]
    union = np.where(crowd[None, :], dt_area[:, None], dt_area[:, None] + gt_area[None, :] - inter)
    return np.divide(inter, union, out=np.zeros_like(inter), where=union > 0)


@dataclass(frozen=True)
class ImageMatch:
    """One image and category matched at every IoU threshold, for every area range.

    Attributes:
        scores: [D] detections by decreasing score (at most `max_dets`).
        matched: [A, T, D] bool: the detection is matched at threshold t, area range a.
        ignored: [A, T, D] bool: matched to an ignored ground truth (crowd, or outside the area
            range), or unmatched and itself outside the area range: counted neither way.
        gt_ignored: [A, G] bool; gt_for: [A, T, D] index of the ground truth matched (-1: none);
        iou: [A, T, D] the IoU of that match.
    """

    scores: np.ndarray
    matched: np.ndarray
    ignored: np.ndarray
    gt_ignored: np.ndarray
    gt_for: np.ndarray
    iou: np.ndarray


def match_image(
    dt_boxes: np.ndarray,
    dt_scores: np.ndarray,
    gt_boxes: np.ndarray,
    gt_areas: np.ndarray,
    gt_crowd: np.ndarray,
    thresholds: np.ndarray = IOU_THRESHOLDS,
    areas: np.ndarray | None = None,
    max_dets: int = 100,
) -> ImageMatch:
    """COCO's matching for one image and category (pycocotools' evaluateImg): detections by
    decreasing score each take the unmatched ground truth with the highest IoU at or above the
    threshold (ties: the later one), preferring ground truth that is not ignored; crowd regions
    can take any number of detections and are ignored. Every threshold and area range at once.

    Args:
        dt_boxes [D, 4], gt_boxes [G, 4]: x, y, width, height; dt_scores [D]; gt_areas [G] (the
            annotation's area); gt_crowd [G] bool; thresholds [T]; areas [A, 2] (low, high;
            every area by default).
    """
    areas = np.asarray(AREAS["all"] if areas is None else areas, np.float64).reshape(-1, 2)
    count_a, count_t = len(areas), len(thresholds)
    gt_ignored = gt_crowd[None, :] | (gt_areas[None, :] < areas[:, :1]) | (gt_areas[None, :] > areas[:, 1:])  # [A, G]  # fmt: skip
    order = np.argsort(-dt_scores, kind="mergesort")[:max_dets]
    boxes, scores = dt_boxes[order], dt_scores[order]
    count_d, count_g = len(scores), len(gt_boxes)
    rows = count_a * count_t  # one row per (area range, threshold)
    gt_for = np.full((rows, count_d), -1)
    best_iou = np.zeros((rows, count_d))
    if count_d and count_g:
        ious = _iou_xywh(boxes, gt_boxes, gt_crowd)  # [D, G]
        ignored_rows = np.repeat(gt_ignored, count_t, axis=0)  # [R, G]
        limits = np.tile(np.minimum(thresholds, 1 - 1e-10), count_a)[:, None]  # [R, 1]
        taken = np.zeros((rows, count_g), bool)
        reversed_index = np.arange(count_g)[::-1]
        lowest = limits.min()
        for d in range(count_d):
            if ious[d].max() < lowest:
                continue
            reach = (ious[d][None, :] >= limits) & (~taken | gt_crowd[None, :])  # [R, G]
            for counts in (True, False):  # ground truth that counts first, then ignored ones
                open_ = reach & (ignored_rows != counts) & (gt_for[:, d] < 0)[:, None]  # [R, G]
                has = open_.any(axis=1)  # [R]
                if not has.any():
                    continue
                values = np.where(open_, ious[d][None, :], -1.0)[:, ::-1]  # ties: the last one
                pick = reversed_index[np.argmax(values, axis=1)]  # [R]
                gt_for[has, d] = pick[has]
                best_iou[has, d] = ious[d, pick[has]]
                taken[has, pick[has]] = True
    matched = gt_for >= 0
    dt_area = boxes[:, 2] * boxes[:, 3]
    outside = np.repeat((dt_area[None, :] < areas[:, :1]) | (dt_area[None, :] > areas[:, 1:]), count_t, axis=0)  # [R, D]  # fmt: skip
    if count_g:
        gt_flag = np.take_along_axis(np.repeat(gt_ignored, count_t, axis=0), np.maximum(gt_for, 0), axis=1)  # fmt: skip
    else:
        gt_flag = np.zeros_like(matched)
    ignored = np.where(matched, gt_flag, outside)
    shape = (count_a, count_t, count_d)
    return ImageMatch(
        scores,
        matched.reshape(shape),
        ignored.reshape(shape),
        gt_ignored,
        gt_for.reshape(shape),
        best_iou.reshape(shape),
    )


@dataclass(frozen=True)
class Ranked:
    """One category's detections over every image, ranked as COCO ranks them, at one IoU
    threshold: each a TP or an FP, with the running counts and the PR curve.

    Attributes:
        image_ids, scores, true_positive, ignored, iou: [D] per ranked detection.
        cum_tp, cum_fp, precision, recall: [D] over the counted (not ignored) detections so far.
        ground_truth: how many ground-truth boxes count (crowds and out-of-range ones do not).
    """

    image_ids: np.ndarray
    scores: np.ndarray
    true_positive: np.ndarray
    ignored: np.ndarray
    iou: np.ndarray
    cum_tp: np.ndarray
    cum_fp: np.ndarray
    precision: np.ndarray
    recall: np.ndarray
    ground_truth: int


def _rank(data: CocoSet, category: int, thresholds, areas: np.ndarray, max_dets: int):
    """Per-image matches of one category in image order, and how many ground-truth boxes count
    in each area range ([A])."""
    parts = []
    count_gt = np.zeros(len(areas), int)
    for image in data.image_ids:
        gt = data.gt.get((image, category))
        dt = data.dt.get((image, category))
        if gt is None and dt is None:
            continue
        gt = gt or (np.zeros((0, 4)), np.zeros(0), np.zeros(0, bool))
        dt = dt or (np.zeros((0, 4)), np.zeros(0))
        result = match_image(dt[0], dt[1], gt[0], gt[1], gt[2], thresholds, areas, max_dets)
        count_gt += (~result.gt_ignored).sum(axis=1)
        parts.append((image, result))
    return parts, count_gt


def match_detections(gt: dict, det: list, iou_threshold: float = 0.5, category: int | None = None) -> Ranked:  # fmt: skip
    """One category's detections ranked over all images, TP or FP at `iou_threshold`, with the
    cumulative counts, precision and recall, exactly as COCO accumulates them (every area, up to
    100 detections per image). `category`: its id (default: the first in the file).

    Raises:
        MetricsError: see `coco_set`; a threshold outside (0, 1]; an unknown category.
    """
    threshold = checks.number(iou_threshold, "the IoU threshold", MetricsError, low=0, low_open=True, high=1)  # fmt: skip
    data = coco_set(gt, det)
    if not data.category_ids:
        raise MetricsError("the ground truth lists no categories")
    category = data.category_ids[0] if category is None else int(category)
    if category not in data.names:
        raise MetricsError(f"category {category} is not in the ground truth")
    parts, count_gt = _rank(data, category, np.array([threshold]), np.array([AREAS["all"]]), 100)
    return _ranked(parts, int(count_gt[0]))


def _ranked(parts, count_gt: int) -> Ranked:
    if not parts:
        empty = np.zeros(0)
        return Ranked(empty.astype(int), empty, empty.astype(bool), empty.astype(bool), empty, empty, empty, empty, empty, count_gt)  # fmt: skip
    images = np.concatenate([np.full(len(r.scores), image) for image, r in parts])
    scores = np.concatenate([r.scores for _, r in parts])
    matched = np.concatenate([r.matched[0, 0] for _, r in parts])
    ignored = np.concatenate([r.ignored[0, 0] for _, r in parts])
    ious = np.concatenate([r.iou[0, 0] for _, r in parts])
    order = np.argsort(-scores, kind="mergesort")
    images, scores, matched, ignored, ious = (
        a[order] for a in (images, scores, matched, ignored, ious)
    )
    tp = np.cumsum(matched & ~ignored).astype(np.float64)
    fp = np.cumsum(~matched & ~ignored).astype(np.float64)
    recall = tp / count_gt if count_gt else np.zeros_like(tp)
    precision = tp / (tp + fp + np.spacing(1))
    return Ranked(
        images, scores, matched & ~ignored, ignored, ious, tp, fp, precision, recall, count_gt
    )


def coco_evaluate(gt: dict, det: list) -> dict:
    """pycocotools' evaluate + accumulate: precision [T, 101, K, 4, 3] and recall [T, K, 4, 3]
    (-1 where undefined), over IoU 0.50:0.05:0.95, recall 0:0.01:1, categories, the areas all /
    small / medium / large and at most 1 / 10 / 100 detections per image."""
    data = coco_set(gt, det)
    count_t, count_k = len(IOU_THRESHOLDS), len(data.category_ids)
    precision = -np.ones((count_t, len(RECALL_POINTS), count_k, len(AREAS), len(MAX_DETS)))
    recall = -np.ones((count_t, count_k, len(AREAS), len(MAX_DETS)))
    areas = np.array(list(AREAS.values()))
    for k, category in enumerate(data.category_ids):
        parts, count_gt = _rank(data, category, IOU_THRESHOLDS, areas, MAX_DETS[-1])
        for a in range(len(areas)):
            if not parts or count_gt[a] == 0:
                continue
            for m, limit in enumerate(MAX_DETS):
                scores = np.concatenate([r.scores[:limit] for _, r in parts])
                order = np.argsort(-scores, kind="mergesort")
                matched = np.concatenate([r.matched[a, :, :limit] for _, r in parts], axis=1)[:, order]  # fmt: skip
                ignored = np.concatenate([r.ignored[a, :, :limit] for _, r in parts], axis=1)[:, order]  # fmt: skip
                tps = np.cumsum(matched & ~ignored, axis=1).astype(np.float64)  # [T, D]
                fps = np.cumsum(~matched & ~ignored, axis=1).astype(np.float64)  # [T, D]
                if tps.shape[1] == 0:
                    recall[:, k, a, m] = 0
                    precision[:, :, k, a, m] = 0
                    continue
                rc = tps / count_gt[a]
                pr = tps / (fps + tps + np.spacing(1))
                recall[:, k, a, m] = rc[:, -1]
                envelope = np.maximum.accumulate(pr[:, ::-1], axis=1)[:, ::-1]
                for t in range(count_t):
                    found = np.searchsorted(rc[t], RECALL_POINTS, side="left")
                    inside = found < rc.shape[1]
                    values = np.zeros(len(RECALL_POINTS))
                    values[inside] = envelope[t, found[inside]]
                    precision[t, :, k, a, m] = values
    return {"precision": precision, "recall": recall, "categories": data.category_ids, "names": data.names}  # fmt: skip


def _mean(values: np.ndarray) -> float:
    valid = values[values > -1]
    return float(valid.mean()) if valid.size else -1.0


def coco_summary(gt: dict, det: list, evaluated: dict | None = None) -> dict:
    """The 12 numbers pycocotools' COCOeval.summarize prints, under the keys AP, AP50, AP75, APs,
    APm, APl, AR1, AR10, AR100, ARs, ARm, ARl (-1 where no ground truth makes one defined).

    Raises:
        MetricsError: see `coco_set`.
    """
    evaluated = evaluated or coco_evaluate(gt, det)
    precision, recall = evaluated["precision"], evaluated["recall"]
    area = {name: i for i, name in enumerate(AREAS)}
    t50, t75 = 0, 5
    return {
        "AP": _mean(precision[:, :, :, area["all"], 2]),
        "AP50": _mean(precision[t50, :, :, area["all"], 2]),
        "AP75": _mean(precision[t75, :, :, area["all"], 2]),
        "APs": _mean(precision[:, :, :, area["small"], 2]),
        "APm": _mean(precision[:, :, :, area["medium"], 2]),
        "APl": _mean(precision[:, :, :, area["large"], 2]),
        "AR1": _mean(recall[:, :, area["all"], 0]),
        "AR10": _mean(recall[:, :, area["all"], 1]),
        "AR100": _mean(recall[:, :, area["all"], 2]),
        "ARs": _mean(recall[:, :, area["small"], 2]),
        "ARm": _mean(recall[:, :, area["medium"], 2]),
        "ARl": _mean(recall[:, :, area["large"], 2]),
    }


def per_category(evaluated: dict) -> dict:
    """{category id: (AP, AP50, AR100)} over every area, up to 100 detections per image."""
    precision, recall = evaluated["precision"], evaluated["recall"]
    return {
        category: (
            _mean(precision[:, :, k, 0, 2]),
            _mean(precision[0, :, k, 0, 2]),
            _mean(recall[:, k, 0, 2]),
        )
        for k, category in enumerate(evaluated["categories"])
    }


SUMMARY_LINES = [
    ("Average Precision", "AP", "0.50:0.95", "all", 100),
    ("Average Precision", "AP50", "0.50", "all", 100),
    ("Average Precision", "AP75", "0.75", "all", 100),
    ("Average Precision", "APs", "0.50:0.95", "small", 100),
    ("Average Precision", "APm", "0.50:0.95", "medium", 100),
    ("Average Precision", "APl", "0.50:0.95", "large", 100),
    ("Average Recall", "AR1", "0.50:0.95", "all", 1),
    ("Average Recall", "AR10", "0.50:0.95", "all", 10),
    ("Average Recall", "AR100", "0.50:0.95", "all", 100),
    ("Average Recall", "ARs", "0.50:0.95", "small", 100),
    ("Average Recall", "ARm", "0.50:0.95", "medium", 100),
    ("Average Recall", "ARl", "0.50:0.95", "large", 100),
]


def summary_text(summary: dict) -> str:
    """The summary laid out as pycocotools prints it."""
    lines = []
    for title, key, iou, area, dets in SUMMARY_LINES:
        short = "(AP)" if title.startswith("Average Precision") else "(AR)"
        lines.append(
            f" {title:<18} {short} @[ IoU={iou:<9} | area={area:>6} | maxDets={dets:>3} ] = {summary[key]:0.3f}"
        )
    return "\n".join(lines)


def formulas(report: ConfusionReport, k: int, names: list[str]) -> list[str]:
    """The formulas of class `k` and of the averages, filled in with the report's numbers."""
    name = names[k]
    tp, predicted, support = (int(v) for v in (report.tp[k], report.predicted[k], report.support[k]))  # fmt: skip
    p, r, f = report.precision[k], report.recall[k], report.f1[k]
    size = len(names)

    def listed(values: np.ndarray) -> str:
        return " + ".join(f"{v:.3f}" for v in values)

    weights = report.support.astype(int)
    total = int(report.matrix.sum())
    lines = [
        f"precision({name}) = TP / predicted {name} = {tp} / {predicted} = "
        + (f"{p:.3f}" if predicted else "undefined (0 / 0), counted as 0"),
        f"recall({name})    = TP / truly {name}     = {tp} / {support} = "
        + (f"{r:.3f}" if support else "undefined (0 / 0), counted as 0"),
        f"F1({name})        = 2·P·R / (P + R) = 2·{p:.3f}·{r:.3f} / ({p:.3f} + {r:.3f}) = {f:.3f}",
        f"accuracy = correct / all = ({' + '.join(str(int(v)) for v in report.tp)}) / {total} = {report.accuracy:.3f}",  # fmt: skip
        f"macro precision    = mean over classes = ({listed(report.precision)}) / {size} = {report.averages['macro']['precision']:.3f}",  # fmt: skip
        f"macro recall       = ({listed(report.recall)}) / {size} = {report.averages['macro']['recall']:.3f};  macro F1 = ({listed(report.f1)}) / {size} = {report.averages['macro']['f1']:.3f}",  # fmt: skip
        "weighted precision = Σ support·P / Σ support = ("
        + " + ".join(f"{w}·{v:.3f}" for w, v in zip(weights, report.precision, strict=True))
        + f") / {int(weights.sum())} = {report.averages['weighted']['precision']:.3f}",
        f"micro precision    = Σ TP / Σ predicted = {int(report.tp.sum())} / {total} = {report.averages['micro']['precision']:.3f} (= accuracy: one label per sample)",  # fmt: skip
    ]
    return lines


# -- scores to evaluate ----------------------------------------------------------------------

MAX_CSV_BYTES = 20 * 1024 * 1024


def example_scores(
    count: int = 400,
    separation: float = 1.5,
    positive_fraction: float = 0.4,
    seed: int = 0,
    classes: int = 2,
) -> tuple[np.ndarray, np.ndarray]:
    """Scores of a made-up classifier whose classes overlap as much as `separation` says.

    Binary (classes 2): scores [N] in (0, 1), the logistic of a normal score whose mean is
    `separation` standard deviations higher for positives; labels [N] 0 / 1.
    Multi-class: scores [N, K] (softmax of normal logits, the true class's raised by
    `separation`), labels [N] class indices.

    Raises:
        MetricsError: a setting out of range.
    """
    count = checks.number(count, "the number of samples", MetricsError, low=10, high=MAX_SCORES, whole=True)  # fmt: skip
    separation = checks.number(separation, "the separation", MetricsError, low=0, high=10)
    fraction = checks.number(positive_fraction, "the share of positives", MetricsError, low=0.01, high=0.99)  # fmt: skip
    classes = checks.number(classes, "classes", MetricsError, low=2, high=MAX_CLASSES, whole=True)
    rng = np.random.default_rng(checks.number(seed, "the seed", MetricsError, low=0, high=2**32 - 1, whole=True))  # fmt: skip
    if classes == 2:
        labels = (rng.random(count) < fraction).astype(int)
        labels[:2] = [1, 0]  # both classes, always
        raw = rng.normal(labels * separation, 1.0)
        return np.round(1 / (1 + np.exp(-raw)), 4), labels
    labels = rng.integers(0, classes, count)
    labels[:classes] = np.arange(classes)
    logits = rng.normal(0, 1, (count, classes)) + separation * np.eye(classes)[labels]
    scores = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.round(scores / scores.sum(axis=1, keepdims=True), 4), labels


def parse_scores(text: str) -> tuple[np.ndarray, np.ndarray]:
    """Scores typed one per line as 'score label' (label 1 positive, 0 negative).

    Raises:
        MetricsError: naming the line.
    """
    scores, labels = [], []
    for number, line in enumerate(str(text).splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(scores) == MAX_SCORES:
            raise MetricsError(f"at most {MAX_SCORES:,} scores")
        if len(fields) != 2:
            raise MetricsError(f"line {number}: expected 'score label', got {len(fields)} values")
        try:
            score = float(fields[0])
        except ValueError:
            raise MetricsError(f"line {number}: the score is not a number") from None
        if not math.isfinite(score):
            raise MetricsError(f"line {number}: the score must be a finite number")
        if fields[1] not in ("0", "1"):
            raise MetricsError(f"line {number}: the label is 1 (positive) or 0 (negative)")
        scores.append(score)
        labels.append(int(fields[1]))
    return np.array(scores, np.float64), np.array(labels, int)


def read_scores_csv(data: bytes) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """A CSV with a header: 'label,score' (binary: label 0 / 1), or 'label,<class 1>,<class
    2>,...' with a score per class (label: a class's column name or index).

    Returns:
        (scores [N] or [N, K], labels [N], class names; two names for binary).

    Raises:
        MetricsError: not a CSV of that shape, non-numbers, unknown labels, too large.
    """
    import csv
    import io

    if len(data) > MAX_CSV_BYTES:
        raise MetricsError(f"the file is {len(data) / 1e6:.0f} MB; up to {MAX_CSV_BYTES // 2**20} MB")  # fmt: skip
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise MetricsError("the file is not text (UTF-8 CSV)") from None
    rows = [row for row in csv.reader(io.StringIO(text)) if any(cell.strip() for cell in row)]
    if len(rows) < 3:
        raise MetricsError("the CSV needs a header row and at least two rows of scores")
    header = [cell.strip() for cell in rows[0]]
    if len(header) < 2 or header[0].lower() != "label":
        raise MetricsError("the header is 'label,score' or 'label,<class>,<class>,...'")
    if len(rows) - 1 > MAX_SCORES:
        raise MetricsError(f"at most {MAX_SCORES:,} rows")
    names = header[1:]
    scores, labels = [], []
    for number, row in enumerate(rows[1:], start=2):
        if len(row) != len(header):
            raise MetricsError(f"row {number}: {len(header)} values expected, got {len(row)}")
        try:
            values = [float(cell) for cell in row[1:]]
        except ValueError:
            raise MetricsError(f"row {number}: a score is not a number") from None
        if not all(math.isfinite(v) for v in values):
            raise MetricsError(f"row {number}: scores must be finite numbers")
        label = row[0].strip()
        if len(names) == 1:
            if label not in ("0", "1"):
                raise MetricsError(f"row {number}: the label is 1 (positive) or 0 (negative)")
            labels.append(int(label))
        elif label in names:
            labels.append(names.index(label))
        elif label.isdigit() and int(label) < len(names):
            labels.append(int(label))
        else:
            raise MetricsError(f"row {number}: the label names none of the score columns")
        scores.append(values if len(names) > 1 else values[0])
    names = names if len(names) > 1 else ["positive", "negative"]
    if len(names) > MAX_CLASSES:
        raise MetricsError(f"at most {MAX_CLASSES} classes")
    return np.array(scores, np.float64), np.array(labels, int), [n[:40] for n in names]
