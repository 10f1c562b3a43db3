"""What the clickable photo reports, read back as a pixel of the photo."""

from __future__ import annotations

import pytest

from ui.image_click import parse_pixel


@pytest.mark.parametrize(
    ("value", "pixel"),
    [
        ([384, 128, 1], (384, 128)),
        ([0, 511, 7], (0, 511)),
        ([600, -3, 2], (511, 0)),  # clipped into the photo
        ((10.7, 2.2), (10, 2)),
    ],
)
def test_a_reported_pixel_is_read_inside_the_photo(value, pixel) -> None:
    assert parse_pixel(value, (512, 512)) == pixel


@pytest.mark.parametrize(
    "value", [None, [], [3], "12", {"row": 1}, ["a", 2], [float("nan"), 1], [1e400, 2], [None, 1]]
)
def test_anything_else_is_ignored(value) -> None:
    assert parse_pixel(value, (512, 512)) is None
