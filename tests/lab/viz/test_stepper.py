"""The grid stepper figures: valid Plotly, one frame per step, frames in sync with the maths."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from lab import convolution
from lab.viz.convolution import (
    conv_figure,
    matrix_heatmap,
    pool_figure,
    transpose_figure,
    wrap_title,
)
from lab.viz.style import PROJECTOR


def stepped(x: np.ndarray, w: np.ndarray, **settings):
    """What the page does: the steps once, the maps collected from them, the figure drawn."""
    volume = x if x.ndim == 3 else x[None]
    weights = w if w.ndim == 4 else w[None, None]
    geo = convolution.geometry(volume.shape[1:], weights.shape[2:], **settings)
    steps = list(convolution.conv2d_steps(volume, weights, **settings))
    maps = convolution.collect(steps, (weights.shape[0], *geo.output))
    return volume, steps, geo, maps


def lecture_figure(start: int = 0, **settings) -> tuple[dict, list]:
    volume, steps, geo, maps = stepped(
        convolution.LECTURE_INPUT, convolution.LECTURE_KERNEL, **settings
    )
    return conv_figure(volume, steps, geo, maps[0], "Output", start=start), steps


def title(frame_or_layout: dict) -> str:
    return frame_or_layout["annotations"][0]["text"]


def heatmaps(figure: dict) -> list[dict]:
    return [trace for trace in figure["data"] if trace["type"] == "heatmap"]


def test_conv_figure_is_valid_plotly_with_a_frame_per_step() -> None:
    figure, steps = lecture_figure(start=4)
    go.Figure(figure)  # full schema validation: raises on any invalid property
    assert len(figure["frames"]) == len(steps) == 9
    assert figure["layout"]["sliders"][0]["active"] == 4
    assert "output[1, 1]" in title(figure["layout"])
    assert title(figure["layout"]).endswith("= 17")  # the lecture's centre value


def test_each_frame_shows_its_steps_window_products_and_value() -> None:
    figure, steps = lecture_figure(stride=2, padding=1)
    taps_x0 = figure["data"][0]["x0"]
    for frame, step in zip(figure["frames"], steps, strict=True):
        taps, products = frame["data"][0], frame["data"][1]
        assert sorted(set(np.array(taps["y"]) - taps_x0)) == step.rows.tolist()
        assert sorted(set(np.array(taps["x"]) - taps_x0)) == step.cols.tolist()
        np.testing.assert_array_equal(products["z"], step.products[0])
        assert title(frame["layout"]).endswith(f"= {step.value:g}")
        assert title(frame["layout"]).startswith(f"step {step.index + 1}/{len(steps)}")


def test_output_cells_not_yet_computed_are_veiled() -> None:
    volume, steps, geo, maps = stepped(np.arange(16.0).reshape(4, 4), np.ones((2, 2)))
    figure = conv_figure(volume, steps, geo, maps[0], "Output")

    def veils(frame: dict) -> list[dict]:
        shapes = frame["layout"]["shapes"]
        return [s for s in shapes if "rgba(255,255,255" in s.get("fillcolor", "") and s["visible"]]

    # Every frame carries the same number of shapes: Plotly merges shape lists index by index.
    assert len({len(frame["layout"]["shapes"]) for frame in figure["frames"]}) == 1
    out = heatmaps(figure)[-1]
    # After step 4 (output [1, 0]) the rest of row 1 and all of row 2 are hidden.
    shown = [
        (v["x0"] - out["x0"], v["y0"] - out["y0"], v["x1"] - out["x0"], v["y1"] - out["y0"])
        for v in veils(figure["frames"][3])
    ]
    assert shown == [(0.5, 0.5, 2.5, 1.5), (-0.5, 1.5, 2.5, 2.5)]
    assert not veils(figure["frames"][8])


def test_every_panel_has_cells_of_one_size() -> None:
    """Input channels, kernel window and output share one pair of axes: same size on screen."""
    x = np.random.default_rng(0).integers(0, 5, (3, 9, 9)).astype(float)
    w = np.random.default_rng(1).integers(-1, 2, (2, 3, 3, 3)).astype(float)
    volume, steps, geo, maps = stepped(x, w, padding=1)
    mine = [s for s in steps if s.filter == 1]
    figure = conv_figure(volume, mine, geo, maps[1], "Output map 1", ("R", "G", "B"))
    go.Figure(figure)
    grids = heatmaps(figure)
    inputs, output = grids[0:6:2], grids[-1]
    assert {(g["dx"], g["dy"]) for g in inputs + [output]} == {(1.0, 1.0)}
    assert len({g["x0"] for g in inputs}) == 1  # stacked in one column
    assert len({np.array(g["z"]).shape for g in inputs}) == 1
    np.testing.assert_array_equal(output["z"], convolution.conv2d(x, w, padding=1)[1])
    assert len(figure["frames"][0]["data"]) == 6  # taps + products for each of 3 channels
    assert all(step.filter == 1 for step in mine)


def test_a_multichannel_formula_is_a_line_per_channel_and_a_total() -> None:
    x = np.ones((3, 4, 4))
    w = np.ones((1, 3, 2, 2))
    volume, steps, geo, maps = stepped(x, w)
    figure = conv_figure(volume, steps, geo, maps[0], "Output", ("R", "G", "B"))
    text = title(figure["frames"][0]["layout"])
    assert "<br>R: " in text and "<br>G: " in text and text.endswith("total = 4 + 4 + 4 = 12")


@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool_figure_matches_pool2d(mode: str) -> None:
    x = np.random.default_rng(2).integers(0, 9, (6, 6)).astype(float)
    steps = list(convolution.pool2d_steps(x, 2, 2, mode))
    out = convolution.collect(steps, (1, 3, 3))[0]
    figure = pool_figure(x, steps, out, mode)
    go.Figure(figure)
    np.testing.assert_array_equal(heatmaps(figure)[-1]["z"], convolution.pool2d(x, 2, 2, mode))
    assert len(figure["frames"]) == 9
    assert title(figure["frames"][0]["layout"]).endswith(f"= {out[0, 0]:g}")


def test_transpose_figure_accumulates_to_the_result() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = convolution.LECTURE_KERNEL
    geo = convolution.transpose_geometry(x.shape, w.shape, 2, 1)
    steps = list(convolution.conv_transpose2d_steps(x, w, 2, 1))
    figure = transpose_figure(x, w, steps, geo)
    go.Figure(figure)
    last = np.array(figure["frames"][-1]["data"][-1]["z"])
    top, left = geo.padding
    np.testing.assert_array_equal(
        last[top : top + geo.output[0], left : left + geo.output[1]],
        convolution.conv_transpose2d(x, w, 2, 1),
    )


def test_projector_sizes_write_bigger_numbers_in_the_cells() -> None:
    volume, steps, geo, maps = stepped(convolution.LECTURE_INPUT, convolution.LECTURE_KERNEL)
    figure = conv_figure(volume, steps, geo, maps[0], "Output", sizes=PROJECTOR)
    assert heatmaps(figure)[0]["textfont"]["size"] >= 18
    assert figure["layout"]["annotations"][0]["font"]["size"] >= 20


def test_numbers_that_cannot_fit_are_not_written() -> None:
    """A 32 x 32 grid of three-digit values with a 7 x 7 kernel: cells too small for text."""
    x = np.full((32, 32), 255.0)
    volume, steps, geo, maps = stepped(x, np.ones((7, 7)))
    figure = conv_figure(volume, steps, geo, maps[0], "Output")
    assert "texttemplate" not in heatmaps(figure)[0]


def test_wrap_title_breaks_long_sums() -> None:
    formula = " + ".join(["1*2"] * 20) + " = 40"
    text = wrap_title("step 1/1", formula, per_line=9)
    assert text.count("<br>") == 3 and text.startswith("step 1/1<br>1*2 + ")


def test_matrix_heatmap_draws_the_matrix_with_whole_ticks() -> None:
    matrix = convolution.conv_matrix((4, 4), convolution.LECTURE_KERNEL)
    figure = matrix_heatmap(matrix, "C", "out", "in")
    np.testing.assert_array_equal(figure.data[0].z, matrix)
    assert figure.layout.xaxis.dtick == 1 and figure.layout.xaxis.tick0 == 0
    assert figure.layout.yaxis.tickmode == "linear"
