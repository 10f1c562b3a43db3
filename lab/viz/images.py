"""Turning filter outputs into pictures: diverging colour maps for signed values, overlays."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

from lab.viz.colors import DIVERGING_LUT

DISPLAY_MODES = {
    "auto": "signed colours when the output has negative values, else the ordinary 0..255 grey "
    "scale",
    "signed": "zero is white-grey in the middle, positive red, negative blue (gray images); "
    "for colour images each channel is mapped so that 0 is mid-grey",
    "absolute": "|value|, scaled so the largest magnitude is white",
    "clipped": "values clipped to 0..255, as saving the result as an ordinary image would",
}


def signed_limit(values: np.ndarray, percentile: float = 99.5) -> float:
    """The symmetric colour range +-limit for signed values (1 when all are 0).

    The `percentile` of |value| rather than the maximum: one extreme pixel would otherwise wash
    every other edge out to white. Values beyond the limit are drawn at full colour.
    """
    finite = np.abs(values[np.isfinite(values)])
    limit = float(np.percentile(finite, percentile)) if finite.size else 0.0
    if limit <= 0 and finite.size:
        limit = float(finite.max())
    return limit if limit > 0 else 1.0


def resolve_mode(values: np.ndarray, mode: str) -> str:
    """The display mode actually used: "auto" becomes "signed" or "clipped"."""
    if mode != "auto":
        return mode
    return "signed" if float(np.nanmin(values)) < 0 else "clipped"


def render_output(values: np.ndarray, mode: str) -> np.ndarray:
    """Map a float filter output to a displayable uint8 image.

    Args:
        values: np.ndarray[H, W] or [H, W, 3] float, finite.
        mode: "auto", "signed" (zero in the middle of a diverging scale), "absolute" or "clipped".
            Signed and absolute scales end at `signed_limit(values)`.

    Returns:
        np.ndarray[H, W, 3] uint8.

    Raises:
        ValueError: an unknown mode, or values that are not finite.
    """
    values = np.asarray(values, dtype=np.float32)
    if not np.all(np.isfinite(values)):
        raise ValueError("filter outputs to draw must be finite")
    mode = resolve_mode(values, mode)
    if mode == "clipped":
        image = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    elif mode == "absolute":
        limit = signed_limit(values)
        image = np.clip(np.rint(np.abs(values) / limit * 255), 0, 255).astype(np.uint8)
    elif mode == "signed":
        limit = signed_limit(values)
        index = np.clip(np.rint((values / limit + 1) * 127.5), 0, 255).astype(np.uint8)
        if values.ndim == 2:
            return DIVERGING_LUT[index]  # [H, W, 3]
        image = index
    else:
        raise ValueError(f"display mode must be one of {sorted(DISPLAY_MODES)}, got {mode!r}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image


def draw_window(image: np.ndarray, row: int, col: int, height: int, width: int) -> np.ndarray:
    """Draw the kernel window centred on (row, col) as a rectangle outline.

    Args:
        image: np.ndarray[H, W, 3] uint8.
        row, col: the centre pixel.
        height, width: kernel size in pixels.
    """
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    top = row - height // 2
    left = col - width // 2
    bottom = row + height // 2
    right = col + width // 2
    line = 2
    draw.rectangle(
        [left - line, top - line, right + line, bottom + line], outline=(0, 0, 0), width=line
    )
    draw.rectangle([left, top, right, bottom], outline=(255, 221, 0), width=line)
    return np.asarray(canvas)


def magnified_window(
    image: np.ndarray, row: int, col: int, size: int, target: int = 240
) -> np.ndarray:
    """The kernel window and its neighbourhood, enlarged so that every pixel is a visible square.

    Args:
        image: np.ndarray[H, W, 3] uint8, the picture the kernel slides over.
        row, col: the window's centre pixel.
        size: the kernel's side (odd).
        target: about how many pixels wide the result should be.

    Returns:
        np.ndarray[S, S, 3] uint8: (size + 2 * margin) pixels a side, each drawn as a square of
        `zoom` pixels with thin grid lines, the window outlined in yellow and black, and pixels
        outside the image hatched grey (their values come from the border rule).
    """
    height, width = image.shape[:2]
    margin = max(2, size // 2)
    span = size + 2 * margin
    top, left = row - size // 2 - margin, col - size // 2 - margin
    rows, cols = np.arange(top, top + span), np.arange(left, left + span)  # [span]
    inside_r, inside_c = (rows >= 0) & (rows < height), (cols >= 0) & (cols < width)
    crop = np.full((span, span, 3), 200, dtype=np.uint8)
    crop[np.ix_(inside_r, inside_c)] = image[np.ix_(rows[inside_r], cols[inside_c])]
    zoom = max(3, target // span)
    big = np.repeat(np.repeat(crop, zoom, axis=0), zoom, axis=1)  # [span*zoom, span*zoom, 3]
    outside = ~(inside_r[:, None] & inside_c[None, :])  # [span, span]
    hatch = (np.add.outer(np.arange(span * zoom), np.arange(span * zoom)) // 3) % 2 == 0
    big[np.repeat(np.repeat(outside, zoom, 0), zoom, 1) & hatch] = 150
    big[::zoom, :] = big[::zoom, :] // 2 + 64  # grid lines between pixels
    big[:, ::zoom] = big[:, ::zoom] // 2 + 64
    canvas = Image.fromarray(big)
    draw = ImageDraw.Draw(canvas)
    start, end = margin * zoom, (margin + size) * zoom - 1
    draw.rectangle([start - 2, start - 2, end + 2, end + 2], outline=(0, 0, 0), width=2)
    draw.rectangle([start, start, end, end], outline=(255, 221, 0), width=2)
    return np.asarray(canvas)
