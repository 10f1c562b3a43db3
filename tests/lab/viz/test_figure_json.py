"""The figures reach the browser as JSON written by orjson (plotly's "auto" engine picks it when it
is installed, and it is several times faster than the standard library's encoder on figures with
frames). The browser must get the same figure either way: same keys, same numbers, the same
gaps (None) in polylines and the same NaN handling."""

from __future__ import annotations

import importlib.util
import json
import math

import numpy as np
import plotly.io as pio
import pytest

from lab import optim
from lab.nms import nms_report
from lab.scenes import cluster_scene
from lab.viz.animation import PrebuiltFigure
from lab.viz.nms import hard_nms_frames, nms_figure
from lab.viz.optim import LabelledPath, contour_figure, curves_figure, stability_figure


def same(a, b, where: str = "") -> None:
    """Equal JSON values, floats compared exactly (to the last bit) or both NaN."""
    if isinstance(a, dict):
        assert isinstance(b, dict) and a.keys() == b.keys(), where
        for key in a:
            same(a[key], b[key], f"{where}/{key}")
    elif isinstance(a, list):
        assert isinstance(b, list) and len(a) == len(b), where
        for index, (x, y) in enumerate(zip(a, b, strict=True)):
            same(x, y, f"{where}[{index}]")
    elif isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        assert math.isnan(b), where
    else:
        assert a == b and type(a) is type(b), f"{where}: {a!r} != {b!r}"


def figures() -> dict[str, dict]:
    A = optim.quadratic(1.0, 10.0, 30)
    paths = [
        LabelledPath(f"η = {rate}", "#000", optim.descent_path(A, [-4, 3], rate, 60))
        for rate in (0.05, 0.19, 0.25)  # the last one diverges: huge numbers
    ]
    scene = cluster_scene(objects=3, per_object=12, seed=1)
    found = scene.detections
    classes = np.unique(found.labels, return_inverse=True)[1]
    report = nms_report(found.boxes, found.scores, 0.5, 0.05, classes)
    frames = hard_nms_frames(report, found.scores, classes)
    return {
        "descent contours": contour_figure(A, paths, 6.0),
        "descent curves": curves_figure(A, paths),
        "stability": stability_figure(A, 0.25),
        "nms": nms_figure(found.boxes, scene.width, scene.height, frames, classes, 1),
        "nan and gaps": {"data": [{"type": "scatter", "x": [0, None, np.nan], "y": [1, 2, 3]}]},
    }


def test_orjson_is_the_encoder_in_use() -> None:
    assert importlib.util.find_spec("orjson") is not None
    assert pio.json.config.default_engine in ("auto", "orjson")


@pytest.mark.parametrize("name", list(figures()))
def test_orjson_writes_the_same_figure_as_the_standard_encoder(name) -> None:
    figure = PrebuiltFigure(figures()[name])
    fast = json.loads(pio.to_json(figure, validate=False, engine="orjson"))
    slow = json.loads(pio.to_json(figure, validate=False, engine="json"))
    same(fast, slow)
