"""IoU and NMS speed against torchvision in the same run, and the NMS page rerun for 300 boxes.

Run: .venv/bin/python bench/boxes.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, ms, page_row, table  # noqa: E402

from lab.iou import box_iou  # noqa: E402
from lab.nms import nms  # noqa: E402


def random_boxes(n: int, rng: np.random.Generator) -> np.ndarray:
    """Boxes of 10..100 px in a 1000 x 1000 image (float32, xyxy)."""
    xy = rng.uniform(0, 1000, (n, 2))
    wh = rng.uniform(10, 100, (n, 2))
    return np.concatenate([xy, xy + wh], axis=1).astype(np.float32)


def run() -> str:
    import torch
    import torchvision.ops as ops

    torch.set_num_threads(1)
    rng = np.random.default_rng(0)
    rows = []
    for n in (1000, 5000):
        boxes, scores = random_boxes(n, rng), rng.random(n).astype(np.float32)
        tb, ts = torch.from_numpy(boxes), torch.from_numpy(scores)
        repeat = 5
        ours = median_seconds(lambda b=boxes, s=scores: nms(b, s, 0.5), repeat=repeat, warmup=1)
        reference = median_seconds(lambda b=tb, s=ts: ops.nms(b, s, 0.5), repeat=repeat, warmup=1)
        target = "within 3x" if n == 5000 else "-"
        rows.append(
            (
                f"nms, {n} boxes",
                ms(ours),
                f"torchvision.ops.nms {ms(reference)}",
                f"{ours / reference:.2f}x",
                target,
            )
        )
    a, b = random_boxes(2000, rng), random_boxes(2000, rng)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    ours = median_seconds(lambda: box_iou(a, b), repeat=5)
    reference = median_seconds(lambda: ops.box_iou(ta, tb), repeat=5)
    rows.append(
        (
            "box_iou, 2000 x 2000",
            ms(ours),
            f"torchvision.ops.box_iou {ms(reference)}",
            f"{ours / reference:.2f}x",
            "within 3x",
        )
    )

    def scene(app) -> None:
        app.slider(key="nms_objects").set_value(10)
        app.slider(key="nms_per_object").set_value(29)
        app.slider(key="nms_clutter").set_value(10)

    changes = [scene] + [
        lambda app, v=v: app.slider(key="nms_iou_threshold").set_value(v)
        for v in (0.3, 0.4, 0.6, 0.7, 0.45)
    ]
    description = "NMS page rerun after a threshold change, 300 boxes (AppTest, median)"
    rows.append(page_row(description, "nms", changes, "under 200 ms"))
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
