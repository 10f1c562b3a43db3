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
