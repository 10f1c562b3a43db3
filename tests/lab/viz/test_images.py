"""lab.viz.images: filter outputs as pictures, the kernel window and its magnified inset."""

from __future__ import annotations

import numpy as np
import pytest

from lab.viz.colors import DIVERGING_LUT, DIVERGING_SCALE
from lab.viz.images import (
    draw_window,
    magnified_window,
    render_output,
    resolve_mode,
    signed_limit,
)


def test_signed_output_puts_zero_at_white_and_signs_at_the_ends() -> None:
    values = np.array([[-10.0, 0.0, 10.0]])
    picture = render_output(values, "signed")
    np.testing.assert_array_equal(picture[0, 1], DIVERGING_LUT[128])  # zero: the white middle
    assert picture[0, 0, 2] > picture[0, 0, 0]  # negative: blue
    assert picture[0, 2, 0] > picture[0, 2, 2]  # positive: red


@pytest.mark.parametrize(
    "mode, expected",
    [("clipped", [0, 0, 200, 255]), ("absolute", [255, 0, 128, 255])],
)
def test_clipped_and_absolute(mode, expected) -> None:
    values = np.array([[-400.0, 0.0, 200.0, 400.0]])
    picture = render_output(values, mode)
    assert picture[0, :, 0].tolist() == pytest.approx(expected, abs=1)


def test_the_limit_ignores_one_extreme_pixel() -> None:
    values = np.ones(1000)
    values[0] = 1e6
    assert signed_limit(values) == 1.0
    assert signed_limit(np.zeros(5)) == 1.0  # all zero: a scale that still draws


def test_auto_mode_is_signed_only_when_values_are_negative() -> None:
    assert resolve_mode(np.array([0.0, 1.0]), "auto") == "clipped"
    assert resolve_mode(np.array([-1.0, 1.0]), "auto") == "signed"
    with pytest.raises(ValueError, match="finite"):
        render_output(np.array([np.nan]), "auto")


def test_one_palette_for_signed_values() -> None:
    assert DIVERGING_SCALE[5][1] == "#f7f7f7"  # the middle of the scale is the LUT's middle
    assert tuple(DIVERGING_LUT[0]) == (5, 48, 97) and tuple(DIVERGING_LUT[-1]) == (103, 0, 31)


def test_draw_window_outlines_the_kernel_around_its_centre() -> None:
    image = np.full((20, 20, 3), 128, dtype=np.uint8)
    drawn = draw_window(image, 10, 10, 7, 7)
    assert tuple(drawn[7, 7]) == (255, 221, 0)  # the window's corner, yellow
    assert tuple(drawn[10, 10]) == (128, 128, 128)  # its centre untouched
    edge = draw_window(image, 0, 0, 5, 5)  # half outside: drawn without error
    assert edge.shape == image.shape


def test_magnified_window_enlarges_the_neighbourhood_and_hatches_outside() -> None:
    image = np.zeros((30, 30, 3), dtype=np.uint8)
    image[10, 10] = 255
    inset = magnified_window(image, 10, 10, 3, target=240)
    span = 3 + 2 * 2  # window plus a margin of 2 pixels a side
    zoom = inset.shape[0] // span
    assert inset.shape == (span * zoom, span * zoom, 3) and zoom >= 20
    centre = inset[span * zoom // 2, span * zoom // 2 + 3]
    assert tuple(centre) == (255, 255, 255)  # the bright pixel, at the centre, enlarged
    corner = magnified_window(image, 0, 0, 3)  # top-left: outside pixels are hatched grey
    assert {150, 200} <= set(np.unique(corner[2:20, 2:20, 0]).tolist())
