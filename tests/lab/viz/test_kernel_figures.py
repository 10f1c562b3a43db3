"""The Kernel lab's figures: valid Plotly, numbers only where they fit, every pixel counted."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go

from lab import kernels
from lab.viz.kernels import histogram, kernel_heatmap
from lab.viz.style import PROJECTOR


def test_a_small_kernel_shows_every_weight() -> None:
    figure = kernel_heatmap(kernels.PRESETS["sobel x"], "Sobel x")
    go.Figure(figure)
    heatmap = figure["data"][0]
    assert heatmap["texttemplate"] == "%{text}" and heatmap["text"][1] == ["-2", "0", "2"]
    assert figure["layout"]["title"]["text"] == "Sobel x  (sum = 0)"
    assert heatmap["zmin"] == -heatmap["zmax"]  # zero in the middle of the diverging scale


def test_a_15x15_gaussian_shows_no_unreadable_numbers() -> None:
    figure = kernel_heatmap(kernels.gaussian_kernel(15, 3.0))
    go.Figure(figure)
    assert "texttemplate" not in figure["data"][0]  # hover and the page's table have them


def test_projector_numbers_are_larger() -> None:
    figure = kernel_heatmap(kernels.PRESETS["laplacian"], sizes=PROJECTOR)
    assert figure["data"][0]["textfont"]["size"] >= 18


def test_the_histogram_counts_every_pixel_and_marks_zero_when_signed() -> None:
    values = np.linspace(-5, 10, 1000)
    figure = histogram(values, signed=True)
    go.Figure(figure)
    assert sum(figure["data"][0]["y"]) == 1000
    assert figure["layout"]["shapes"][0]["x0"] == 0
    assert histogram(np.abs(values), signed=False)["layout"]["shapes"] == []
