"""Kernel lab speed: apply_kernel against cv2.filter2D on a 1024x768 RGB image, and the page rerun.

Run: .venv/bin/python bench/kernels.py   (prints a Markdown table)
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median_seconds, ms, page_row, table  # noqa: E402

from lab.kernels import apply_kernel, gaussian_kernel  # noqa: E402

KERNEL_TEXTS = [
    "1 2 1\n2 4 2\n1 2 1",
    "0 -1 0\n-1 5 -1\n0 -1 0",
    "1 0 -1\n2 0 -2\n1 0 -1",
    "1 1 1\n1 -8 1\n1 1 1",
]


def run() -> str:
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, size=(768, 1024, 3), dtype=np.uint8)
    rows = []
    for name, kernel in (("3x3", rng.normal(size=(3, 3))), ("9x9", gaussian_kernel(9, 2.0))):
        ours = median_seconds(lambda k=kernel: apply_kernel(image, k, "reflect"))
        reference = median_seconds(
            lambda k=kernel: cv2.filter2D(
                image, cv2.CV_32F, k.astype(np.float32), borderType=cv2.BORDER_REFLECT_101
            )
        )
        rows.append(
            (
                f"apply_kernel {name}, 1024x768 RGB",
                ms(ours),
                f"cv2.filter2D {ms(reference)}",
                f"{ours / reference:.2f}x",
                "within 2x",
            )
        )
    changes = [lambda app, t=text: app.text_area(key="kern_text").input(t) for text in KERNEL_TEXTS]
    rows.append(
        page_row(
            "Kernel lab rerun after a kernel edit (AppTest, median)",
            "kernel_lab",
            changes,
            "under 150 ms",
        )
    )
    return table(rows, ("measurement", "ours", "reference (same run)", "ratio", "target"))


if __name__ == "__main__":
    print(run())
