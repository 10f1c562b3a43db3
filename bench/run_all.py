"""Run every speed script and write BENCHMARKS.md (`make bench`).

`python bench/run_all.py detection metrics` re-runs only the sections whose module is named and
keeps the others as BENCHMARKS.md has them (the detection section alone takes ~12 minutes on 2
cores, the class load ~8)."""

from __future__ import annotations

import datetime
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import anatomy  # noqa: E402
import boxes  # noqa: E402
import convolution  # noqa: E402
import detection  # noqa: E402
import kernels  # noqa: E402
import latency  # noqa: E402
import load  # noqa: E402
import metrics  # noqa: E402
import optim  # noqa: E402
import startup  # noqa: E402
from common import ROOT, machine  # noqa: E402

SECTIONS = [
    ("Kernel lab", kernels),
    ("Convolution stepper", convolution),
    ("IoU and NMS", boxes),
    ("Gradient descent", optim),
    ("Interaction latency in Chromium", latency),
    ("Detectors", detection),
    ("Evaluation", metrics),
    ("Inside a detector", anatomy),
    ("Start-up", startup),
    ("A class of thirty", load),
]


def _existing() -> dict[str, str]:
    """The sections BENCHMARKS.md has now: title -> body."""
    path = ROOT / "BENCHMARKS.md"
    if not path.is_file():
        return {}
    sections, title = {}, None
    for line in path.read_text().splitlines():
        if line.startswith("## "):
            title = line[3:].strip()
            sections[title] = []
        elif title is not None:
            sections[title].append(line)
    return {key: "\n".join(lines).strip() for key, lines in sections.items()}


def main() -> None:
    only = set(sys.argv[1:])
    known = {module.__name__ for _, module in SECTIONS}
    if only - known:
        raise SystemExit(f"unknown sections {sorted(only - known)}; choose from {sorted(known)}")
    kept = _existing() if only else {}
    parts = [
        "# Benchmarks",
        "",
        f"Written by `make bench` (bench/run_all.py) on {datetime.date.today()}: {machine()}, CPU only.",
        "Each row compares with a reference measured in the same run; page reruns are AppTest `.run()`",
        "times (script start to end) and the empty page is a one-slider Streamlit script.",
    ]
    for title, module in SECTIONS:
        if only and module.__name__ not in only and title in kept:
            parts += ["", f"## {title}", "", kept[title]]
            continue
        print(f"== {title}", flush=True)
        result = module.run()
        print(result, flush=True)
        parts += ["", f"## {title}", "", result]
    (ROOT / "BENCHMARKS.md").write_text("\n".join(parts) + "\n")
    print(f"wrote {ROOT / 'BENCHMARKS.md'}")


if __name__ == "__main__":
    main()
