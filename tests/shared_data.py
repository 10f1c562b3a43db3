"""The real photos with boxes in ../shared/testdata (read there, never copied into the project).
Tests that need them skip, visibly, where that folder is absent."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

TESTDATA = Path(__file__).resolve().parents[2] / "shared" / "testdata"
needs_testdata = pytest.mark.skipif(
    not TESTDATA.is_dir(), reason=f"{TESTDATA} is absent: the shared test photos are not here"
)


def photo(relative: str) -> np.ndarray:
    return np.asarray(Image.open(TESTDATA / relative).convert("RGB"))


def pedestrians() -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(file name, RGB photo, true person boxes [N, 4] xyxy) for the INRIA street photos."""
    boxes = json.loads((TESTDATA / "pedestrians" / "boxes.json").read_text())
    return [
        (name, photo(f"pedestrians/images/{name}"), np.array([b[:4] for b in found], float))
        for name, found in sorted(boxes.items())
    ]


def grace_hopper() -> tuple[np.ndarray, np.ndarray]:
    boxes = json.loads((TESTDATA / "faces" / "boxes.json").read_text())["grace_hopper.jpg"]
    return photo("faces/grace_hopper.jpg"), np.array([b[:4] for b in boxes], float)
