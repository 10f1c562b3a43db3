"""The gradient-descent figures: the animated path, the loss curves, the stability map."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from lab import optim
from lab.format import format_number
from lab.viz.optim import (
    LabelledPath,
    contour_figure,
    curves_figure,
    follow_divergence,
    plot_radius,
    stability_figure,
)

A = optim.quadratic(1, 2)


def paths(*rates: float, steps: int = 30) -> list[LabelledPath]:
    return [
        LabelledPath(f"η = {rate}", "#000", optim.descent_path(A, [-4, 3], rate, steps))
        for rate in rates
    ]


def test_contour_figure_is_valid_and_ends_at_the_last_iterate() -> None:
    drawn = paths(0.9, 1.1, steps=300)
    figure = contour_figure(A, drawn, plot_radius(drawn, np.array([-4.0, 3.0])))
    go.Figure(figure)
    go.Figure(curves_figure(A, drawn))
    go.Figure(stability_figure(A, 0.9))
    trail = next(t for t in figure["data"] if t.get("mode") == "lines+markers")
    assert trail["x"][-1] == pytest.approx(drawn[0].points[-1, 0], abs=1e-6)
    assert len(figure["frames"]) <= 121
    values = [v for frame in figure["frames"] for d in frame["data"] for v in d["x"]]
    assert all(np.isfinite(values))


def test_each_frame_writes_its_iteration_and_losses() -> None:
    drawn = paths(0.5)
    figure = contour_figure(A, drawn, 6.0)
    for frame in figure["frames"]:
        step = int(frame["name"])
        text = frame["layout"]["annotations"][0]["text"]
        w = drawn[0].points[step]
        assert text.startswith(f"iteration {step}<br>")
        assert f"L = {format_number(float(optim.loss(A, w)))}" in text


def test_contour_lines_are_exact_level_sets() -> None:
    figure = contour_figure(A, paths(0.5), 6.0)
    lines = figure["data"][0]
    points = np.array(
        [(x, y) for x, y in zip(lines["x"], lines["y"], strict=True) if x is not None]
    )
    levels = np.sqrt(optim.loss(A, points))
    assert len(np.unique(np.round(levels, 3))) == 17  # every point on one of 17 levels


def test_the_view_is_the_one_given_and_a_path_can_be_drawn_on_top() -> None:
    drawn = paths(0.3, 0.6667, 0.99)
    figure = contour_figure(A, drawn, 7.5, on_top=1)
    assert figure["layout"]["xaxis"]["range"] == [-7.5, 7.5]
    trails = [t for t in figure["data"] if t.get("mode") == "lines+markers"]
    assert trails[-1]["name"] == "η = 0.6667" and trails[-1]["line"]["width"] == 3


def test_the_view_follows_a_diverging_path_far_enough_to_show_it() -> None:
    diverging = paths(1.1, steps=500)
    assert diverging[0].points.diverged
    radius = follow_divergence(5.0, diverging)
    assert radius > 5.0
    assert radius >= np.abs(diverging[0].points[:6]).max()
    assert follow_divergence(5.0, paths(0.5)) == 5.0  # converging paths leave it alone


def shading_pixels(figure: dict) -> np.ndarray:
    import base64
    import io

    from PIL import Image

    source = figure["layout"]["images"][0]["source"]
    data = base64.b64decode(source.removeprefix("data:image/png;base64,"))
    return np.asarray(Image.open(io.BytesIO(data)).convert("RGB"), dtype=float)


@pytest.mark.parametrize("angle", [0, 30])
def test_the_shading_is_sqrt_loss_of_its_own_bowl_even_when_kept_between_reruns(angle) -> None:
    # The picture is kept per (A, view): a second bowl of the same shape, or a second view,
    # must get its own, and the kept one must equal the first one drawn.
    bowl = optim.quadratic(1, 10, angle)
    first = shading_pixels(contour_figure(bowl, paths(0.1), 5.0))
    again = shading_pixels(contour_figure(bowl, paths(0.15), 5.0))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, shading_pixels(contour_figure(A, paths(0.1), 5.0)))
    # sqrt(L) is linear in w, so a wider view has the same picture but deeper contour levels.
    outer = []
    for radius in (5.0, 7.0):
        lines = contour_figure(bowl, paths(0.1), radius)["data"][0]
        points = np.array([p for p in zip(lines["x"], lines["y"], strict=True) if p[0] is not None])
        outer.append(float(np.sqrt(optim.loss(bowl, points)).max()))
    assert outer[1] == pytest.approx(outer[0] * 7 / 5, rel=1e-4)
    axis = np.linspace(-5.0, 5.0, first.shape[0])
    w1, w2 = np.meshgrid(axis, axis[::-1])
    depth = np.sqrt(optim.loss(bowl, np.stack([w1, w2], axis=-1)))
    light, dark = np.array([247, 251, 255]), np.array([66, 110, 190])
    expected = np.rint(light + (dark - light) * (depth / depth.max())[..., None])
    np.testing.assert_array_equal(first, expected)


@pytest.mark.parametrize(
    "labels", [["η = 0.15"], ["0.5η* = 0.09091", "η* = 0.1818", "0.99·2/λmax = 0.198"]]
)
def test_frame_titles_fit_the_figure_beside_the_numbers(labels) -> None:
    # At 1024 px with the sidebar open the title has ~310 px from the plot's left edge: ~36
    # monospace characters at the formula size ("0.99·2/λmax = 0.198: w = (-6.47e-05," was cut
    # there; at 1280 px one line a path, "η = 0.15: w = (-5.03e-04, -2.90e-04), L = 1.69e-07").
    bowl = optim.quadratic(1, 10, 30)
    drawn = [
        LabelledPath(label, "#000", optim.descent_path(bowl, [-4, 3], rate, 50))
        for label, rate in zip(labels, (0.15, 0.1818, 0.198), strict=False)
    ]
    figure = contour_figure(bowl, drawn, 6.0)
    for frame in figure["frames"]:
        lines = frame["layout"]["annotations"][0]["text"].split("<br>")
        assert len(lines) == 1 + 2 * len(drawn)
        assert max(len(line) for line in lines) <= 36, lines
        for path, (named, where) in zip(
            drawn, zip(lines[1::2], lines[2::2], strict=True), strict=True
        ):
            assert named.startswith(f"{path.label}: L = ")
            assert where.lstrip("\u00a0").startswith("w = (")
    top = figure["layout"]["margin"]["t"]
    assert top >= (1 + 2 * len(drawn)) * 12  # room above the plot for every line


def test_the_contour_plot_is_as_tall_as_it_is_wide_and_its_legend_has_room() -> None:
    # The page passes the width it draws the figure at: the square plot's side and the legend's
    # rows (three paths and the minimum wrap in a 3:2 column at 1280 px) follow from it.
    from lab.viz.animation import slider_margin
    from lab.viz.style import NORMAL, left_margin

    three = paths(0.09, 0.18, 0.198)
    for width, rows in ((463, 2), (1200, 1)):
        layout = contour_figure(A, three, 6.0, sizes=NORMAL, width=width)["layout"]
        margin = layout["margin"]
        side = width - left_margin(NORMAL, 3) - 10
        assert layout["height"] - margin["t"] - margin["b"] == round(min(520, side))
        assert margin["b"] == slider_margin(NORMAL, NORMAL.tick + NORMAL.label + 14, rows)
