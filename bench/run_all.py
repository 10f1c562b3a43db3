"""Run every speed script and write BENCHMARKS.md (`make bench`)."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import boxes  # noqa: E402
import convolution  # noqa: E402
import kernels  # noqa: E402
import latency  # noqa: E402
import optim  # noqa: E402
from common import ROOT, machine  # noqa: E402

SECTIONS = [
    ("Kernel lab", kernels),
    ("Convolution stepper", convolution),
    ("IoU and NMS", boxes),
    ("Gradient descent", optim),
    ("Interaction latency in Chromium", latency),
]


def main() -> None:
    parts = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run_all.py) on {datetime.date.today()}: {machine()}, CPU only.",
        "Each row compares with a reference measured in the same run; page reruns are AppTest `.run()`",
        "times (script start to end) and the empty page is a one-slider Streamlit script.",
    ]
    for title, module in SECTIONS:
        print(f"== {title}", flush=True)
        result = module.run()
        print(result, flush=True)
        parts += ["", f"## {title}", "", result]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts) + "\n")
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
