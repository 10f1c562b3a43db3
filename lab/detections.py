"""Detections: the one type for boxes with scores and class names in the whole lab, and matching
two detectors' boxes one to one.

This module needs only numpy (the NMS lab uses it and stays light); the detectors that produce
Detections live in lab.detection.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from lab import checks
from lab.boxes import BoxError, as_boxes, as_scores
from lab.iou import box_iou

MAX_DETECTIONS = 100_000
MAX_SCORE = 1e30
"""Scores are stored as float32; any detector's confidence fits well within +-1e30."""


@dataclass(frozen=True, eq=False)
class Detections:
    """Boxes a detector found, with their scores and class names.

    Attributes:
        boxes: np.ndarray[N, 4] float32, xyxy pixels, x1 <= x2 and y1 <= y2.
        scores: np.ndarray[N] float32, higher is more confident (detectors without probabilities,
            such as Haar cascades, give their own confidence values; only the order matters).
        labels: np.ndarray[N] of str, class names ("person", "face").
        masks: np.ndarray[N, H, W] bool, one per box (instance segmentation), or None.
        keypoints: np.ndarray[N, K, 3] float32 (x, y, visibility), or None.

    Raises:
        BoxError: shapes that disagree, NaN or infinite values, x2 < x1 or y2 < y1.
    """

    boxes: np.ndarray
    scores: np.ndarray
    labels: np.ndarray
    masks: np.ndarray | None = None
    keypoints: np.ndarray | None = field(default=None)

    def __post_init__(self) -> None:
        boxes = as_boxes(self.boxes).astype(np.float32)
        if len(boxes) > MAX_DETECTIONS:
            raise BoxError(f"at most {MAX_DETECTIONS:,} detections, got {len(boxes):,}")
        scores = as_scores(self.scores, len(boxes))
        checks.array(scores, "scores", BoxError, limit=MAX_SCORE)
        scores = scores.astype(np.float32)
        labels = np.asarray(self.labels, dtype=object).reshape(-1)
        if labels.shape != (len(boxes),):
            raise BoxError(
                f"labels needs one class name per box: {len(boxes)} boxes, {labels.size}"
            )
        if not all(isinstance(label, str | np.str_) for label in labels):
            raise BoxError("labels are class names (text)")
        labels = labels.astype(str)
        object.__setattr__(self, "boxes", boxes)
        object.__setattr__(self, "scores", scores)
        object.__setattr__(self, "labels", labels)
        if self.masks is not None:
            masks = np.asarray(self.masks)
            if masks.ndim != 3 or masks.shape[0] != len(boxes):
                raise BoxError(f"masks must be [N, H, W] with N = {len(boxes)}")
            object.__setattr__(self, "masks", masks.astype(bool))
        if self.keypoints is not None:
            points = checks.array(self.keypoints, "keypoints", BoxError, ndim=3)
            if points.shape[0] != len(boxes) or points.shape[2] != 3:
                raise BoxError(f"keypoints must be [N, K, 3] with N = {len(boxes)}")
            object.__setattr__(self, "keypoints", points.astype(np.float32))

    @classmethod
    def empty(cls) -> Detections:
        return cls(np.zeros((0, 4), np.float32), np.zeros(0, np.float32), np.zeros(0, str))

    def __len__(self) -> int:
        return len(self.boxes)

    def __getitem__(self, which: np.ndarray | list | slice) -> Detections:
        """The detections selected by a boolean mask, indices or a slice, in that order."""
        index = np.asarray(which) if not isinstance(which, slice) else which
        if isinstance(index, np.ndarray) and index.dtype == bool and index.shape != (len(self),):
            raise BoxError(f"a mask needs one value per detection ({len(self)})")
        return Detections(
            self.boxes[index],
            self.scores[index],
            self.labels[index],
            None if self.masks is None else self.masks[index],
            None if self.keypoints is None else self.keypoints[index],
        )

    def filter(
        self,
        score: float | None = None,
        classes: list[str] | set[str] | None = None,
        top: int | None = None,
    ) -> Detections:
        """The detections scoring at least `score`, of the given classes, the `top` best of them.

        Raises:
            BoxError: a threshold that is not a finite number, or `top` not a whole number >= 0.
        """
        keep = np.ones(len(self), dtype=bool)
        if score is not None:
            threshold = checks.number(score, "the score threshold", BoxError)
            keep &= self.scores.astype(np.float64) >= threshold
        if classes is not None:
            keep &= np.isin(self.labels, np.asarray(list(classes), dtype=str))
        kept = self[keep]
        if top is not None:
            top = checks.number(top, "the number of detections", BoxError, low=0, whole=True)
            kept = kept[np.argsort(-kept.scores, kind="stable")[:top]]
        return kept

    def by_score(self) -> Detections:
        """The same detections, highest score first (equal scores keep their order)."""
        return self[np.argsort(-self.scores, kind="stable")]

    def classes(self) -> list[str]:
        """The class names present, sorted."""
        return sorted(set(self.labels.tolist()))


@dataclass(frozen=True)
class Match:
    """Two detectors' boxes paired one to one.

    Attributes:
        pairs: (index in a, index in b, IoU) for each pair, in the order A's boxes were matched
            (decreasing score).
        only_a, only_b: indices of the boxes left unpaired, by decreasing score.
    """

    pairs: list[tuple[int, int, float]]
    only_a: list[int]
    only_b: list[int]

    def __iter__(self):
        return iter((self.pairs, self.only_a, self.only_b))


def match(
    a: Detections, b: Detections, iou_threshold: float = 0.5, same_class: bool = False
) -> Match:
    """Pair A's boxes with B's, one to one, greedily by score.

    A's boxes are taken by decreasing score (ties by index); each takes the still unpaired B box
    with the highest IoU, if that IoU is at least `iou_threshold` (ties: B's higher score, then
    lower index). With `same_class`, only boxes of the same class can pair; otherwise pairs may
    disagree on the class (the table says so).

    Returns:
        Match(pairs, only_a, only_b); unpacks as (pairs, only_a, only_b).

    Raises:
        BoxError: a threshold that is not a finite number in (0, 1].
    """
    threshold = checks.number(
        iou_threshold, "the IoU threshold", BoxError, low=0, low_open=True, high=1
    )
    iou = box_iou(a.boxes, b.boxes)  # [Na, Nb]
    if same_class and len(a) and len(b):
        iou = np.where(a.labels[:, None] == b.labels[None, :], iou, 0.0)
    b_rank = np.empty(len(b), dtype=np.int64)
    b_rank[np.argsort(-b.scores, kind="stable")] = np.arange(len(b))
    taken = np.zeros(len(b), dtype=bool)
    pairs = []
    for i in np.argsort(-a.scores, kind="stable").tolist():
        candidates = np.flatnonzero(~taken & (iou[i] >= threshold))
        if candidates.size == 0:
            continue
        best = candidates[np.lexsort((b_rank[candidates], -iou[i, candidates]))[0]]
        taken[best] = True
        pairs.append((i, int(best), float(iou[i, best])))
    paired_a = {i for i, _, _ in pairs}
    only_a = [i for i in np.argsort(-a.scores, kind="stable").tolist() if i not in paired_a]
    only_b = [j for j in np.argsort(-b.scores, kind="stable").tolist() if not taken[j]]
    return Match(pairs, only_a, only_b)


def to_coco_results(
    detections: Detections, image_id: int, category_ids: dict[str, int]
) -> list[dict]:
    """COCO results entries: {"image_id", "category_id", "bbox": [x, y, w, h], "score"}.

    Classes missing from `category_ids` are numbered after the largest id given, in order of
    appearance (so every detection is written)."""
    ids = dict(category_ids)
    results = []
    for box, score, label in zip(
        detections.boxes, detections.scores, detections.labels, strict=True
    ):
        if label not in ids:
            ids[label] = max(ids.values(), default=0) + 1
        x1, y1, x2, y2 = (float(v) for v in box)
        results.append(
            {
                "image_id": int(image_id),
                "category_id": ids[label],
                "bbox": [round(x1, 2), round(y1, 2), round(x2 - x1, 2), round(y2 - y1, 2)],
                "score": round(float(score), 5),
            }
        )
    return results


@dataclass(frozen=True)
class Evaluation:
    """Detections scored against ground truth at one IoU threshold (one-to-one, same class).

    Attributes:
        tp: detections paired with a ground-truth box; fp: the other detections; fn: ground-truth
            boxes no detection paired with.
        precision = tp / (tp + fp), recall = tp / (tp + fn), f1 their harmonic mean (each None
            where its denominator is 0).
        pairs: the Match behind the counts (a = detections, b = ground truth).
    """

    tp: int
    fp: int
    fn: int
    precision: float | None
    recall: float | None
    f1: float | None
    pairs: Match


def evaluate(found: Detections, truth: Detections, iou_threshold: float = 0.5) -> Evaluation:
    """TP / FP / FN as taught: detections by decreasing score each take the unmatched
    ground-truth box of their class with the highest IoU, if it is at least `iou_threshold`.

    Raises:
        BoxError: a threshold that is not a finite number in (0, 1].
    """
    paired = match(found, truth, iou_threshold, same_class=True)
    tp = len(paired.pairs)
    fp, fn = len(found) - tp, len(truth) - tp
    precision = tp / (tp + fp) if tp + fp else None
    recall = tp / (tp + fn) if tp + fn else None
    f1 = (
        2 * precision * recall / (precision + recall)
        if precision is not None and recall is not None and precision + recall > 0
        else (0.0 if precision is not None and recall is not None else None)
    )
    return Evaluation(tp, fp, fn, precision, recall, f1, paired)


def plural(count: int, name: str) -> str:
    """'1 person', '3 people', '2 faces', '2 upper bodies'."""
    if count == 1:
        return f"1 {name}"
    irregular = {"person": "people", "mouse": "mice", "sheep": "sheep", "skis": "skis"}
    last = name.rsplit(" ", 1)[-1]
    if last in irregular:
        word = irregular[last]
    elif last.endswith("y") and last[-2:-1] not in "aeiou":
        word = last[:-1] + "ies"
    elif last.endswith(("s", "sh", "ch", "x")):
        word = last + "es"
    else:
        word = last + "s"
    return f"{count} {name[: len(name) - len(last)]}{word}"


def counts_words(found: Detections) -> str:
    """'2 people and 1 face', or 'nothing'."""
    names, counts = np.unique(found.labels, return_counts=True)
    parts = [
        plural(int(c), str(n))
        for n, c in sorted(zip(names, counts, strict=True), key=lambda p: -p[1])
    ]
    if not parts:
        return "nothing"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def where(box: np.ndarray, width: int, height: int) -> str:
    """Where a box is in the photo, in words: 'at the left edge', 'at the top right', 'in the
    middle'."""
    x1, y1, x2, y2 = (float(v) for v in box)
    margin = 0.02 * max(width, height)
    edges = [
        name
        for name, touches in (
            ("left", x1 <= margin),
            ("right", x2 >= width - margin),
            ("top", y1 <= margin),
            ("bottom", y2 >= height - margin),
        )
        if touches
    ]
    if len(edges) == 1:
        return f"at the {edges[0]} edge"
    cx, cy = (x1 + x2) / 2 / max(width, 1), (y1 + y2) / 2 / max(height, 1)
    row = "top" if cy < 1 / 3 else "bottom" if cy > 2 / 3 else ""
    column = "left" if cx < 1 / 3 else "right" if cx > 2 / 3 else ""
    if not row and not column:
        return "in the middle"
    return f"at the {' '.join(part for part in (row, column) if part)}"


def spanning(a: Detections, b: Detections, inside: float = 0.7) -> list[int]:
    """A's boxes that each hold two or more of B's boxes (at least `inside` of each B box's area
    within the A box): one box spanning several objects."""
    if not len(a) or not len(b):
        return []
    lt = np.maximum(a.boxes[:, None, :2], b.boxes[None, :, :2])  # [Na, Nb, 2]
    rb = np.minimum(a.boxes[:, None, 2:], b.boxes[None, :, 2:])  # [Na, Nb, 2]
    overlap = np.clip(rb - lt, 0, None).prod(axis=2)  # [Na, Nb]
    area_b = (b.boxes[:, 2:] - b.boxes[:, :2]).prod(axis=1)  # [Nb]
    held = overlap >= inside * np.maximum(area_b[None, :], 1e-9)
    return np.flatnonzero(held.sum(axis=1) >= 2).tolist()


def compare_words(
    a: Detections,
    b: Detections,
    paired: Match,
    name_a: str,
    name_b: str,
    width: int,
    height: int,
    listed: int = 3,
) -> list[str]:
    """The comparison in sentences, for the homework's argument: what each found, where they
    agree, what each missed (and where), low-confidence extras, boxes spanning several objects."""
    sentences = [f"{name_a} found {counts_words(a)}; {name_b} found {counts_words(b)}."]
    if paired.pairs:
        ious = [iou for _, _, iou in paired.pairs]
        differ = sum(a.labels[i] != b.labels[j] for i, j, _ in paired.pairs)
        agree = f"They agree on {plural(len(paired.pairs), 'box')}"
        spread = (
            f" (IoU {min(ious):.2f})"
            if len(ious) == 1
            else f" (IoU {min(ious):.2f} to {max(ious):.2f})"
        )
        sentences.append(
            agree
            + spread
            + (f"; {differ} of these pairs disagree on the class" if differ else "")
            + "."
        )
    elif len(a) and len(b):
        sentences.append("None of their boxes overlap enough to pair.")

    def missed(
        owner: Detections, owner_name: str, other_name: str, indices: list[int]
    ) -> str | None:
        if not indices:
            return None
        items = [
            f"the {owner.labels[i]} {where(owner.boxes[i], width, height)} "
            f"({owner_name}'s score {owner.scores[i]:.2f})"
            for i in indices[:listed]
        ]
        more = len(indices) - listed
        tail = f" and {more} more" if more > 0 else ""
        return f"{other_name} missed " + "; ".join(items) + tail + "."

    for owner, owner_name, other_name, only in (
        (a, name_a, name_b, paired.only_a),
        (b, name_b, name_a, paired.only_b),
    ):
        if len(owner) and len(a) and len(b):
            sentence = missed(owner, owner_name, other_name, only)
            if sentence:
                sentences.append(sentence)
    for owner, other, owner_name, only, side in (
        (a, b, name_a, paired.only_a, 0),
        (b, a, name_b, paired.only_b, 1),
    ):
        matched = [pair[side] for pair in paired.pairs]
        if matched and only:
            floor = float(owner.scores[matched].min())
            low = [i for i in only if owner.scores[i] < floor]
            if low:
                sentences.append(
                    f"{owner_name} has {plural(len(low), 'unpaired box')} scoring below all of "
                    f"its paired ones (lowest paired {floor:.2f}): likely low-confidence extras."
                )
        wide = spanning(owner, other)
        if wide:
            sentences.append(
                f"{owner_name} has {plural(len(wide), 'box')} spanning several of the other's "
                f"boxes (one box over two or more objects)."
            )
    return sentences
