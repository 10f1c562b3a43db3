"""Turning filter outputs into pictures: diverging colour maps for signed values, overlays."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

DISPLAY_MODES = {
    "auto": "signed colours when the output has negative values, else the ordinary 0..255 grey "
    "scale",
    "signed": "zero is white-grey in the middle, positive red, negative blue (gray images); "
    "for colour images each channel is mapped so that 0 is mid-grey",
    "absolute": "|value|, scaled so the largest magnitude is white",
    "clipped": "values clipped to 0..255, as saving the result as an ordinary image would",
}


def _diverging_lut() -> np.ndarray:
    """A 256-entry blue - white - red colour table (RdBu reversed), uint8 [256, 3]."""
    anchors = np.array(
        [
            [5, 48, 97],
            [33, 102, 172],
            [67, 147, 195],
            [146, 197, 222],
            [209, 229, 240],
            [247, 247, 247],
            [253, 219, 199],
            [244, 165, 130],
            [214, 96, 77],
            [178, 24, 43],
            [103, 0, 31],
        ],
        dtype=np.float64,
    )
    positions = np.linspace(0, 255, len(anchors))
    table = np.stack(
        [np.interp(np.arange(256), positions, anchors[:, c]) for c in range(3)], axis=1
    )
    return np.rint(table).astype(np.uint8)


DIVERGING_LUT = _diverging_lut()


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


def render_output(values: np.ndarray, mode: str, limit: float | None = None) -> np.ndarray:
    """Map a float filter output to a displayable uint8 image.

    Args:
        values: np.ndarray[H, W] or [H, W, 3] float.
        mode: "auto", "signed" (zero in the middle of a diverging scale), "absolute" or "clipped".
        limit: the magnitude drawn at the ends of the scale (signed / absolute); by default the
            largest |value|.

    Returns:
        np.ndarray[H, W, 3] uint8.
    """
    values = np.asarray(values, dtype=np.float32)
    mode = resolve_mode(values, mode)
    if mode == "clipped":
        image = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    elif mode == "absolute":
        limit = limit or signed_limit(values)
        image = np.clip(np.rint(np.abs(values) / limit * 255), 0, 255).astype(np.uint8)
    elif mode == "signed":
        limit = limit or signed_limit(values)
        index = np.clip(np.rint((values / limit + 1) * 127.5), 0, 255).astype(np.uint8)
        if values.ndim == 2:
            return DIVERGING_LUT[index]  # [H, W, 3]
        image = index
    else:
        raise ValueError(f"display mode must be one of {sorted(DISPLAY_MODES)}, got {mode!r}")
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return image


def draw_window(
    image: np.ndarray, row: int, col: int, height: int, width: int, scale: float = 1.0
) -> np.ndarray:
    """Draw the kernel window centred on (row, col) as a rectangle outline.

    Args:
        image: np.ndarray[H, W, 3] uint8, the picture as displayed (possibly resized).
        row, col: the centre pixel in image coordinates before `scale`.
        height, width: kernel size in pixels.
        scale: displayed pixels per image pixel.
    """
    canvas = Image.fromarray(image)
    draw = ImageDraw.Draw(canvas)
    top = (row - height // 2) * scale
    left = (col - width // 2) * scale
    bottom = (row + height // 2 + 1) * scale - 1
    right = (col + width // 2 + 1) * scale - 1
    line = max(2, round(scale))
    draw.rectangle(
        [left - line, top - line, right + line, bottom + line], outline=(0, 0, 0), width=line
    )
    draw.rectangle([left, top, right, bottom], outline=(255, 221, 0), width=line)
    return np.asarray(canvas)
