"""Reference implementations the tests (and bench/) compare the lab against."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np


def coco_reference(gt: dict, det: list, iou: float | None = None):
    """pycocotools' COCOeval on a COCO annotation dict and results list, evaluated, accumulated
    and summarised (quietly); `iou`: a single IoU threshold instead of 0.50:0.05:0.95."""
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    with contextlib.redirect_stdout(io.StringIO()):
        truth = COCO()
        truth.dataset = json.loads(json.dumps(gt))
        truth.createIndex()
        found = truth.loadRes(json.loads(json.dumps(det))) if det else COCO()
        evaluation = COCOeval(truth, found, "bbox")
        if iou is not None:
            evaluation.params.iouThrs = np.array([iou])
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation
