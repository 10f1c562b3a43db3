"""Evaluation speed against the reference implementations in the same run: the COCO summary
against pycocotools (500 images x 20 detections x 5 classes; target: not slower), ROC and PR
curves against scikit-learn.

Run: .venv/bin/python bench/metrics.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))  # tests.oracles: pycocotools
from common import median_seconds, ms, table  # noqa: E402

from lab.metrics import coco_summary, example_scores, pr_curve, roc_curve  # noqa: E402
from lab.scenes import evaluation_set  # noqa: E402
from tests.oracles import coco_reference  # noqa: E402


def benchmark_set() -> tuple[dict, list]:
    """500 images, 5 classes, about 20 detections per image (objects found, duplicates and
    false alarms), crowds included."""
    return evaluation_set(images=500, classes=5, objects=14, noise=0.1, miss_rate=0.2, false_alarms=6, seed=1, crowd=True)  # fmt: skip


def pycocotools_summary(gt: dict, det: list) -> np.ndarray:
    return coco_reference(gt, det).stats


def run() -> str:
    from sklearn import metrics as sk

    gt, det = benchmark_set()
    per_image = len(det) / len(gt["images"])
    ours = median_seconds(lambda: coco_summary(gt, det), repeat=3, warmup=1)
    theirs = median_seconds(lambda: pycocotools_summary(gt, det), repeat=3, warmup=1)
    same = np.allclose(
        list(coco_summary(gt, det).values()), pycocotools_summary(gt, det), atol=1e-6
    )
    rows = [
        (
            f"coco_summary, 500 images x {per_image:.0f} detections x 5 classes (same numbers: {same})",
            ms(ours),
            f"pycocotools evaluate+accumulate+summarize {ms(theirs)}",
            f"{ours / theirs:.2f}x",
            "not slower (<= 1x)",
        )
    ]
    scores, labels = example_scores(100_000, 1.5, seed=0)
    for name, function, reference in (
        (
            "roc_curve",
            lambda: roc_curve(scores, labels),
            lambda: (sk.roc_curve(labels, scores), sk.roc_auc_score(labels, scores)),
        ),
        (
            "pr_curve",
            lambda: pr_curve(scores, labels),
            lambda: (
                sk.precision_recall_curve(labels, scores),
                sk.average_precision_score(labels, scores),
            ),
        ),
    ):
        ours = median_seconds(function, repeat=5)
        theirs = median_seconds(reference, repeat=5)
        rows.append((f"{name} + its area, 100,000 scores", ms(ours), f"scikit-learn {ms(theirs)}", f"{ours / theirs:.2f}x", "-"))  # fmt: skip
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
