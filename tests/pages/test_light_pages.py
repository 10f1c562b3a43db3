"""The light pages never import torch (it takes seconds, and they do not need it): each runs in
a fresh Python, and torch must be absent from sys.modules afterwards."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.pages.conftest import ROOT

LIGHT = ["home", "kernel_lab", "convolution", "iou", "nms", "gradient_descent", "evaluation"]
SCRIPT = """
import sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file({path!r}, default_timeout=120)
app.run()
assert not app.exception, [e.value for e in app.exception]
heavy = sorted(name for name in ("torch", "torchvision") if name in sys.modules)
print("HEAVY:" + ",".join(heavy))
"""


def heavy_modules(page: str) -> str:
    """Run the page alone in a fresh Python; the heavy modules imported by then."""
    path = str(ROOT / "pages" / f"{page}.py")
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT.format(path=path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.split("HEAVY:")[-1].strip()


@pytest.mark.parametrize("page", LIGHT)
def test_a_light_page_runs_without_torch(page) -> None:
    assert heavy_modules(page) == ""


def test_the_detection_page_is_the_one_that_needs_it() -> None:
    assert heavy_modules("detection") == "torch,torchvision"  # the check can see torch
