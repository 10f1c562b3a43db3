"""'Inside a detector' speed: selective search on a 500 x 375 photo and the MTCNN stage stepper on
a 640 x 480 photo (seconds on this CPU), and the anchors / assignment / RoI views' reruns against
the empty page.

Run: .venv/bin/python bench/anatomy.py
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, ms, page_row, table  # noqa: E402

from lab.images import sample_image  # noqa: E402
from lab.proposals import FAST, proposals, selective_search  # noqa: E402


def run() -> str:
    from lab.mtcnn import load_nets, mtcnn_steps

    photo = cv2.resize(sample_image("astronaut"), (500, 375), interpolation=cv2.INTER_AREA)
    one = median_seconds(lambda: list(selective_search(photo)), repeat=3, warmup=1)
    fast = median_seconds(lambda: proposals(photo, FAST), repeat=1, warmup=0)
    nets = load_nets()
    wide = cv2.resize(sample_image("astronaut"), (640, 480), interpolation=cv2.INTER_AREA)
    cascade = median_seconds(lambda: list(mtcnn_steps(wide, nets)), repeat=5, warmup=1)

    def part(name: str):
        return lambda app: app.segmented_control(key="anat_part").set_value(name)

    rows = [
        (
            "selective search, one strategy, 500 x 375 (every merge)",
            ms(one),
            "-",
            "-",
            "a few seconds",
        ),  # fmt: skip
        (
            f"selective search proposals, the paper's fast mode ({len(FAST)} strategies), 500 x 375",
            ms(fast),
            "-",
            "-",
            "-",
        ),  # fmt: skip
        (
            "MTCNN cascade, every stage kept for the stepper, 640 x 480",
            ms(cascade),
            "-",
            "-",
            "under 1 s",
        ),  # fmt: skip
        page_row(
            "anchors view rerun (stride, thresholds)",
            "inside_detector",
            [part("Anchors and box regression")]
            + [lambda app, v=v: app.select_slider(key="anat_stride").set_value(v) for v in (16, 32)]
            + [lambda app, v=v: app.slider(key="anat_positive").set_value(v) for v in (0.6, 0.7)],
            "under 150 ms",
        ),
        page_row(
            "box regression rerun (a delta slider)",
            "inside_detector",
            [part("Anchors and box regression")]
            + [lambda app, v=v: app.slider(key="anat_dx").set_value(v) for v in (0.1, 0.2, 0.3)],
            "under 150 ms",
        ),
        page_row(
            "RoI view rerun (output size, aligned)",
            "inside_detector",
            [part("RoI pooling")]
            + [lambda app, v=v: app.slider(key="anat_roi_size").set_value(v) for v in (3, 4, 2)],
            "under 150 ms",
        ),
    ]
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
