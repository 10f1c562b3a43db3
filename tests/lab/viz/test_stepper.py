"""The stepper figures: valid Plotly, one frame per step, frames in sync with the maths."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from lab import convolution as C
from lab.viz.convolution import conv_stepper, matrix_heatmap, pool_stepper, transpose_stepper
from lab.viz.stepper import PrebuiltFigure


def test_conv_stepper_is_a_valid_plotly_figure_with_a_frame_per_step() -> None:
    figure, steps, geo = conv_stepper(C.LECTURE_INPUT, C.LECTURE_KERNEL, start=4)
    go.Figure(figure)  # full schema validation: raises on any invalid property
    assert len(figure["frames"]) == len(steps) == 9
    assert figure["layout"]["sliders"][0]["active"] == 4
    assert "output[1, 1]" in figure["layout"]["title"]["text"]
    assert "= 17" in figure["layout"]["title"]["text"]  # the lecture's centre value


def test_each_frame_shows_its_steps_window_products_and_value() -> None:
    figure, steps, _ = conv_stepper(C.LECTURE_INPUT, C.LECTURE_KERNEL, stride=2, padding=1)
    for frame, step in zip(figure["frames"], steps, strict=True):
        taps, products = frame["data"][0], frame["data"][1]
        assert sorted(set(taps["y"])) == step.rows.tolist()
        assert sorted(set(taps["x"])) == step.cols.tolist()
        np.testing.assert_array_equal(products["z"], step.products[0])
        assert frame["layout"]["title"]["text"].endswith(f"= {step.value:g}")


def test_output_cells_not_yet_computed_are_veiled() -> None:
    figure, _, _ = conv_stepper(np.arange(16.0).reshape(4, 4), np.ones((2, 2)))  # 3 x 3 output

    def veils(frame: dict) -> list[dict]:
        shapes = frame["layout"]["shapes"]
        return [s for s in shapes if "rgba(255,255,255" in s.get("fillcolor", "") and s["visible"]]

    # Every frame carries the same number of shapes: Plotly merges shape lists index by index.
    assert len({len(frame["layout"]["shapes"]) for frame in figure["frames"]}) == 1
    # After step 4 (output [1, 0]) the rest of row 1 and all of row 2 are hidden.
    shown = [(v["x0"], v["y0"], v["x1"], v["y1"]) for v in veils(figure["frames"][3])]
    assert shown == [(0.5, 0.5, 2.5, 1.5), (-0.5, 1.5, 2.5, 2.5)]
    assert not veils(figure["frames"][8])


def test_multichannel_stepper_has_a_row_per_channel() -> None:
    x = np.random.default_rng(0).integers(0, 5, (3, 5, 5)).astype(float)
    w = np.random.default_rng(1).integers(-1, 2, (2, 3, 3, 3)).astype(float)
    figure, steps, _ = conv_stepper(x, w, filter_index=1, channel_names=("R", "G", "B"))
    go.Figure(figure)
    assert all(step.filter == 1 for step in steps)
    assert len(figure["frames"][0]["data"]) == 6  # taps + products for each of 3 channels
    np.testing.assert_array_equal(figure["data"][-1]["z"], C.conv2d(x, w)[1])


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_stepper_matches_pool2d(mode: str) -> None:
    x = np.random.default_rng(2).integers(0, 9, (6, 6)).astype(float)
    figure, steps = pool_stepper(x, 2, 2, mode)
    go.Figure(figure)
    np.testing.assert_array_equal(figure["data"][-1]["z"], C.pool2d(x, 2, 2, mode))
    assert len(figure["frames"]) == 9


def test_transpose_stepper_accumulates_to_the_result() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    figure, steps, geo = transpose_stepper(x, C.LECTURE_KERNEL, stride=2, padding=1)
    go.Figure(figure)
    last = np.array(figure["frames"][-1]["data"][-1]["z"])
    top, left = geo.padding
    np.testing.assert_array_equal(
        last[top : top + geo.output[0], left : left + geo.output[1]],
        C.conv_transpose2d(x, C.LECTURE_KERNEL, 2, 1),
    )


def test_prebuilt_figure_hands_over_its_dict_unchanged() -> None:
    figure, _, _ = conv_stepper(C.LECTURE_INPUT, C.LECTURE_KERNEL)
    assert PrebuiltFigure(figure).to_dict() is figure


def test_matrix_heatmap_draws_the_matrix() -> None:
    matrix = C.conv_matrix((4, 4), C.LECTURE_KERNEL)
    np.testing.assert_array_equal(matrix_heatmap(matrix, "C", "out", "in").data[0].z, matrix)


def test_nms_figure_first_frame_keeps_the_status_colours() -> None:
    from lab import boxes as B
    from lab.viz.nms import STYLES, hard_nms_frames, nms_figure

    scene = B.cluster_scene(seed=1)
    report = B.nms_report(scene.boxes, scene.scores, 0.5, 0.05, scene.classes)
    frames = hard_nms_frames(report, scene.scores, scene.classes)
    figure = nms_figure(scene.boxes, scene.width, scene.height, frames, start=len(frames) - 1)
    go.Figure(figure)
    marker = figure["data"][-1]["marker"]
    assert "colorscale" in marker and len(marker["color"]) == len(scene.boxes)
    kept_code = list(STYLES).index("kept")
    assert marker["color"].count(kept_code) == len(report.kept)
    assert len(figure["frames"]) == len(report.steps) + 2  # sorted list, each round, result


def test_descent_contour_figure_is_valid_and_ends_at_the_last_iterate() -> None:
    from lab import optim as O
    from lab.viz.optim import LabelledPath, contour_figure, curves_figure, stability_figure

    A = O.quadratic(1, 2)
    paths = [
        LabelledPath("a", "#000", O.descent_path(A, [-4, 3], 0.9, 30)),
        LabelledPath("b", "#111", O.descent_path(A, [-4, 3], 1.1, 300)),
    ]
    figure = contour_figure(A, paths, np.array([-4.0, 3.0]))
    go.Figure(figure)
    go.Figure(curves_figure(A, paths))
    go.Figure(stability_figure(A, 0.9))
    trail = figure["data"][2]
    assert trail["x"][-1] == pytest.approx(paths[0].points[-1, 0], abs=1e-6)
    assert len(figure["frames"]) <= 121
    values = [v for frame in figure["frames"] for d in frame["data"] for v in d["x"]]
    assert all(np.isfinite(values))
