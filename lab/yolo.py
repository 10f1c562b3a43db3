"""YOLO v1 (Redmon et al. 2016) as the lecture writes it: an S x S grid over the photo, B boxes and
C class probabilities per cell (S x S x (B * 5 + C), 7 x 7 x 30 for VOC), the cell holding an
object's centre responsible for it, and the sum-squared loss with its weights.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.boxes import BoxError, as_boxes
from lab.iou import box_iou

VOC_CLASSES = (
    "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow",
    "diningtable", "dog", "horse", "motorbike", "person", "pottedplant", "sheep", "sofa",
    "train", "tvmonitor",
)  # fmt: skip
LAMBDA_COORD, LAMBDA_NOOBJ = 5.0, 0.5


def tensor_layout(boxes_per_cell: int = 2, classes: int = 20) -> list[str]:
    """What each of a cell's B * 5 + C numbers means: 'box 1 x', ..., 'P(person | object)'."""
    names = []
    for b in range(1, boxes_per_cell + 1):
        names += [f"box {b} {part}" for part in ("x", "y", "w", "h", "confidence")]
    labels = VOC_CLASSES if classes == len(VOC_CLASSES) else [f"class {k}" for k in range(classes)]
    return names + [f"P({label} | object)" for label in labels]


def responsible_cell(box, width: int, height: int, grid: int = 7) -> tuple[int, int]:
    """(row, column) of the cell that holds the box's centre (clamped to the grid)."""
    x1, y1, x2, y2 = (float(v) for v in as_boxes(box)[0])
    cx, cy = (x1 + x2) / 2, (y1 + y2) / 2
    column = min(max(int(cx / width * grid), 0), grid - 1)
    row = min(max(int(cy / height * grid), 0), grid - 1)
    return row, column


def encode_box(box, width: int, height: int, grid: int = 7) -> tuple[float, float, float, float]:
    """YOLO v1's target for a box: (x, y) the centre's offset within its cell (0..1), (w, h)
    relative to the whole photo."""
    x1, y1, x2, y2 = (float(v) for v in as_boxes(box)[0])
    row, column = responsible_cell(box, width, height, grid)
    cx, cy = (x1 + x2) / 2 / width * grid, (y1 + y2) / 2 / height * grid
    return cx - column, cy - row, (x2 - x1) / width, (y2 - y1) / height


@dataclass(frozen=True)
class LossTerms:
    """The five terms of YOLO v1's loss for one object and its responsible predictor.

    Attributes:
        coordinates: lambda_coord [(x - x^)^2 + (y - y^)^2].
        size: lambda_coord [(sqrt w - sqrt w^)^2 + (sqrt h - sqrt h^)^2].
        confidence: (C - C^)^2, the target C being the predicted box's IoU with the truth.
        no_object: lambda_noobj sum of C^2 over the predictors of cells without objects.
        classes: sum over classes of (p(c) - p^(c))^2 in the responsible cell.
        target, predicted: the (x, y, w, h) each side; iou: the target confidence.
        lines: each term with its numbers filled in.
    """

    coordinates: float
    size: float
    confidence: float
    no_object: float
    classes: float
    target: tuple
    predicted: tuple
    iou: float
    lines: list

    @property
    def total(self) -> float:
        return self.coordinates + self.size + self.confidence + self.no_object + self.classes


def loss_terms(
    truth,
    predicted,
    width: int,
    height: int,
    confidence: float,
    class_probability: float,
    empty_confidences: list[float] | np.ndarray = (),
    grid: int = 7,
    classes: int = 20,
) -> LossTerms:
    """YOLO v1's loss for one ground-truth box and the predicted box of its responsible cell.

    Args:
        truth, predicted: boxes xyxy in photo pixels (the prediction is read in the truth's cell).
        confidence: the predictor's confidence C^; class_probability: its P(true class | object)
            (the other classes share the rest equally).
        empty_confidences: C^ of the predictors in cells without objects.

    Raises:
        BoxError: bad boxes or values outside [0, 1].
    """
    confidence = checks.number(confidence, "the confidence", BoxError, low=0, high=1)
    probability = checks.number(class_probability, "the class probability", BoxError, low=0, high=1)  # fmt: skip
    empty = checks.array(np.asarray(empty_confidences, float), "confidences", BoxError, ndim=1)
    if np.any((empty < 0) | (empty > 1)):
        raise BoxError("confidences lie between 0 and 1")
    row, column = responsible_cell(truth, width, height, grid)
    tx, ty, tw, th = encode_box(truth, width, height, grid)
    px1, py1, px2, py2 = (float(v) for v in as_boxes(predicted)[0])
    px = ((px1 + px2) / 2 / width * grid) - column
    py = ((py1 + py2) / 2 / height * grid) - row
    pw, ph = (px2 - px1) / width, (py2 - py1) / height
    iou = float(box_iou(as_boxes(truth), as_boxes(predicted))[0, 0])
    coordinates = LAMBDA_COORD * ((tx - px) ** 2 + (ty - py) ** 2)
    size = LAMBDA_COORD * ((math.sqrt(tw) - math.sqrt(pw)) ** 2 + (math.sqrt(th) - math.sqrt(ph)) ** 2)  # fmt: skip
    conf = (iou - confidence) ** 2
    no_object = LAMBDA_NOOBJ * float((empty**2).sum())
    rest = (1 - probability) / max(classes - 1, 1)
    class_term = (1 - probability) ** 2 + (classes - 1) * rest**2
    lines = [
        f"coordinates = λcoord[(x - x̂)² + (y - ŷ)²] = 5·[({tx:.3f} - {px:.3f})² + ({ty:.3f} - {py:.3f})²] = {coordinates:.4f}",  # fmt: skip
        f"size        = λcoord[(√w - √ŵ)² + (√h - √ĥ)²] = 5·[(√{tw:.3f} - √{pw:.3f})² + (√{th:.3f} - √{ph:.3f})²] = {size:.4f}",  # fmt: skip
        f"confidence  = (C - Ĉ)², C = IoU(truth, prediction) = ({iou:.3f} - {confidence:.3f})² = {conf:.4f}",  # fmt: skip
        f"no object   = λnoobj Σ Ĉ² over {len(empty)} empty predictors = 0.5·{float((empty**2).sum()):.3f} = {no_object:.4f}",  # fmt: skip
        f"classes     = Σ (p - p̂)² = (1 - {probability:.3f})² + {classes - 1}·{rest:.4f}² = {class_term:.4f}",  # fmt: skip
    ]
    return LossTerms(coordinates, size, conf, no_object, class_term, (tx, ty, tw, th), (px, py, pw, ph), iou, lines)  # fmt: skip
