"""The IoU lab in AppTest: presets and exact coordinates drive every number."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
import torchvision.ops as ops

from lab.iou import PAIRS as PRESETS
from lab.iou import sliding_overlaps
from tests.pages.conftest import assault, texts


def quantities(app) -> dict[str, str]:
    """The table of every quantity, as the page writes them (what AppTest can read: the big
    measures and the formulas above it are drawn in the browser, ui.overlap_panel)."""
    (table,) = app.table
    return dict(zip(table.value.index, table.value["value"], strict=True))


def metric(app, label: str) -> float:
    return float(quantities(app)[label])


def panel(app) -> dict:
    """What the page hands the browser's panel: the boxes it computes the measures from."""
    (mounted,) = [
        e for e in app.get("bidi_component") if e.proto.component_name == "cnn_lab_overlap_panel"
    ]
    return json.loads(mounted.proto.json)


def boxes(app) -> tuple[list[float], list[float]]:
    state = app.session_state
    return tuple([float(state[f"iou_{n}_{c}"]) for c in ("x1", "y1", "x2", "y2")] for n in "ab")


def oracle(app):
    a, b = (torch.tensor([box]) for box in boxes(app))
    return {
        "IoU": ops.box_iou(a, b).item(),
        "GIoU": ops.generalized_box_iou(a, b).item(),
        "DIoU": ops.distance_box_iou(a, b).item(),
        "CIoU": ops.complete_box_iou(a, b).item(),
    }


def test_default_pair_matches_torchvision(run_page) -> None:
    app = run_page("iou")
    for label, value in oracle(app).items():
        assert metric(app, label) == pytest.approx(value, abs=5e-5)
    shown = quantities(app)
    assert shown["intersection |A∩B|"] == "6300" and shown["union |A∪B|"] == "41300"
    assert shown["IoU"] == "0.1525" and shown["enclosing box |C|"] == "51300"
    # The measures above the table are computed in the browser from these boxes (their numbers
    # are held to lab.iou in tests/browser/test_iou_browser.py).
    assert panel(app)["boxes"] == [list(map(float, box)) for box in boxes(app)]
    assert panel(app)["projector"] is False


def test_moving_a_box_numerically_updates_the_iou(run_page) -> None:
    app = run_page("iou")
    app.number_input(key="iou_b_x1").set_value(60).run()
    app.number_input(key="iou_b_x2").set_value(220).run()
    app.number_input(key="iou_b_y1").set_value(60).run()
    app.number_input(key="iou_b_y2").set_value(200).run()
    assert metric(app, "IoU") == 1.0 and metric(app, "GIoU") == 1.0
    app.number_input(key="iou_b_x1").set_value(140).run()  # B: 140..220, inside A
    assert metric(app, "IoU") == pytest.approx(0.5)


@pytest.mark.parametrize(
    "preset, iou, giou",
    [
        ("identical", 1.0, 1.0),
        ("touching edges", 0.0, 0.0),
        ("disjoint", 0.0, None),
        ("nested", 8000 / 61600, 8000 / 61600),
    ],
)
def test_presets(run_page, preset, iou, giou) -> None:
    app = run_page("iou")
    app.button(key=f"iou_preset_{list(PRESETS).index(preset)}").click().run()
    assert metric(app, "IoU") == pytest.approx(iou, abs=5e-5)
    if giou is None:
        assert metric(app, "GIoU") < 0  # disjoint: GIoU measures the gap
    else:
        assert metric(app, "GIoU") == pytest.approx(giou, abs=5e-5)
    for label, value in oracle(app).items():
        assert metric(app, label) == pytest.approx(value, abs=5e-5)


def test_a_preset_always_resets_both_boxes(run_page) -> None:
    app = run_page("iou")
    app.button(key="iou_preset_1").click().run()  # identical
    app.number_input(key="iou_b_x1").set_value(10).run()
    app.button(key="iou_preset_1").click().run()  # the same preset again: both boxes reset
    assert boxes(app) == tuple(list(map(float, box)) for box in PRESETS["identical"])
    assert metric(app, "IoU") == 1.0


def test_swapped_corners_name_the_box_and_the_coordinate(run_page) -> None:
    app = run_page("iou")
    app.number_input(key="iou_a_x1").set_value(300).run()  # x1 = 300 > x2 = 220
    assert not app.exception
    errors = " ".join(e.value for e in app.error)
    assert "Box A: its right edge x2 = 220 is left of its left edge x1 = 300" in errors
    assert "Make x2 at least 300" in errors and "a[0]" not in errors
    assert not app.table
    assert not [
        e for e in app.get("bidi_component") if e.proto.component_name == "cnn_lab_overlap_panel"
    ]  # no measures for a box that is not one
    app.number_input(key="iou_a_x2").set_value(340).run()  # fixed: the numbers come back
    assert not app.error and metric(app, "IoU") == pytest.approx(oracle(app)["IoU"], abs=5e-5)
    assert panel(app)["boxes"][0] == [300.0, 60.0, 340.0, 200.0]


@pytest.mark.parametrize("preset", ["partial overlap", "disjoint", "nested"])
def test_the_flat_iou_argument_is_quantified(run_page, preset) -> None:
    app = run_page("iou")
    app.button(key=f"iou_preset_{list(PRESETS).index(preset)}").click().run()
    a, b = boxes(app)
    shifts = np.union1d(np.linspace(-(b[2] - a[0]) - 60, (a[2] - b[0]) + 60, 401), [0.0])
    curves = sliding_overlaps(a, b, shifts)
    flat = ((curves["iou"] == 0) & (np.abs(curves["d_iou"]) < 1e-12)).mean()
    assert 0 < flat < 1
    assert f"over {100 * flat:.0f}% of this range the boxes do not overlap" in texts(app)


def test_hostile_values_in_every_input_give_messages_not_tracebacks(run_page) -> None:
    def healthy(app) -> bool:
        return len(app.table) == 1 and "IoU" in quantities(app)

    app = run_page("iou")
    for box in "ab":
        for coordinate in ("x1", "y1", "x2", "y2"):
            assault(app, "number_input", f"iou_{box}_{coordinate}", healthy)


def test_projector_mode_splits_the_measures_beside_the_canvas_from_the_formulas(run_page) -> None:
    app = run_page("iou")
    app.toggle(key="app_projector").set_value(True).run()
    assert not app.exception
    parts = {
        e.proto.id: json.loads(e.proto.json)
        for e in app.get("bidi_component")
        if e.proto.component_name == "cnn_lab_overlap_panel"
    }
    sent = sorted((data["part"], data["projector"]) for data in parts.values())
    assert sent == [("cards", True), ("formula", True)]
    expected = [list(map(float, box)) for box in boxes(app)]
    assert all(
        data["boxes"] == expected and data["name"] == "iou_measures" for data in parts.values()
    )
    assert metric(app, "IoU") == pytest.approx(oracle(app)["IoU"], abs=5e-5)


def test_the_panel_refuses_a_part_it_does_not_have() -> None:
    from ui.overlap_panel import overlap_panel

    with pytest.raises(ValueError, match="part must be one of"):
        overlap_panel("x", [0, 0, 1, 1], [0, 0, 1, 1], part="everything")
