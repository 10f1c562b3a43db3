"""Small grids to step through by hand: the lecture's example, seeded random integers, typed
values, a photo crop; and the kernels to go with them."""

from __future__ import annotations

import numpy as np

from lab import checks
from lab.convolution import LECTURE_INPUT, LECTURE_KERNEL, MAX_VALUE
from lab.images import to_gray
from lab.kernels import PRESETS, KernelError, parse_grid

SOURCES = ("lecture 5×5 example", "random integers", "typed grid", "photo crop")
KERNELS = ("lecture 3×3", *PRESETS, "random integers", "typed")
MAX_STEPPED_GRID = 32
"""Inputs up to 32 x 32 are stepped: beyond that a window is too small to read, and the frames
for every step take seconds to build."""
MAX_STEPPED_KERNEL = 7
MAX_CHANNELS = 4
MAX_FILTERS = 8
MAX_STEPPED_PRODUCTS = 50_000
"""The stepper animates every product of every step in the browser; beyond ~50,000 numbers the
figure takes seconds to build and megabytes to send."""


class GridError(ValueError):
    """An input grid or kernel the stepper cannot use; `str(error)` says why."""


def _typed(text: str, what: str, limit: int) -> np.ndarray:
    """A typed grid of at most limit x limit finite values within +-MAX_VALUE."""
    try:
        grid = parse_grid(text)
    except KernelError as error:
        raise GridError(str(error)) from None
    if max(grid.shape) > limit:
        raise GridError(
            f"{what} up to {limit} × {limit} are stepped here; this one is "
            f"{grid.shape[0]} × {grid.shape[1]}"
        )
    checks.array(grid, f"{what} values", GridError, limit=MAX_VALUE)
    return grid


def check_stepping(steps: int, products_per_step: int) -> None:
    """Refuse a setup whose animation would carry more than MAX_STEPPED_PRODUCTS numbers.

    Raises:
        GridError: saying how many there would be and what to change.
    """
    total = steps * products_per_step
    if total > MAX_STEPPED_PRODUCTS:
        raise GridError(
            f"this setup has {steps:,} steps of {products_per_step:,} products each "
            f"({total:,} numbers to animate); the stepper animates at most "
            f"{MAX_STEPPED_PRODUCTS:,}. Use a smaller grid, kernel or padding, or a larger stride"
        )


def _count(value: object, name: str, high: int) -> int:
    return checks.number(value, name, GridError, low=1, high=high, whole=True)


def _seed(seed: object) -> int:
    return checks.number(seed, "seed", GridError, low=0, high=2**32 - 1, whole=True)


def example_input(
    source: str,
    channels: int = 1,
    shape: tuple[int, int] = (7, 7),
    seed: int = 0,
    text: str = "",
    patch: np.ndarray | None = None,
) -> np.ndarray:
    """An input grid: [H, W] for one channel, [channels, H, W] for more.

    Args:
        source: one of SOURCES. With several channels the lecture grid is shifted one column per
            channel and a typed grid is repeated, so that the channels differ or match visibly.
        shape: rows and columns of random grids; seed: their seed (values 0..9).
        text: the typed grid (see lab.kernels.parse_grid), at most MAX_STEPPED_GRID square.
        patch: np.ndarray[S, S, 3] pixel values for "photo crop" (lab.images.photo_patch).

    Raises:
        GridError: an unknown source, unreadable or oversized text, a shape, seed or channel
            count out of range, or a missing patch.
    """
    channels = _count(channels, "channels", MAX_CHANNELS)
    if source == "lecture 5×5 example":
        if channels == 1:
            return LECTURE_INPUT.copy()
        return np.stack([np.roll(LECTURE_INPUT, c, axis=1) for c in range(channels)])
    if source == "random integers":
        rows, cols = (_count(n, "rows", MAX_STEPPED_GRID) for n in _pair(shape, "shape"))
        size = (rows, cols) if channels == 1 else (channels, rows, cols)
        return np.random.default_rng(_seed(seed)).integers(0, 10, size=size).astype(float)
    if source == "typed grid":
        grid = _typed(text, "grids", MAX_STEPPED_GRID)
        return grid if channels == 1 else np.stack([grid] * channels)
    if source == "photo crop":
        if patch is None:
            raise GridError("a photo crop needs the photo's patch")
        patch = checks.array(patch, "the photo patch", GridError, ndim=3, allow_empty=False)
        if patch.shape[2] < 3 or max(patch.shape[:2]) > MAX_STEPPED_GRID:
            raise GridError(f"a photo patch is [S, S, 3] with S <= {MAX_STEPPED_GRID}")
        if channels == 1:
            return np.rint(to_gray(patch.astype(np.uint8))).astype(float)
        return np.moveaxis(np.asarray(patch, dtype=float), 2, 0)[:channels]
    raise GridError(f"unknown input source {checks.show(source)}; choose one of {SOURCES}")


def _pair(shape: object, name: str) -> tuple[object, object]:
    try:
        rows, cols = shape
    except (TypeError, ValueError):
        raise GridError(f"{name} must be (rows, columns), got {checks.show(shape)}") from None
    return rows, cols


def example_kernel(
    choice: str,
    channels: int = 1,
    filters: int = 1,
    shape: tuple[int, int] = (3, 3),
    seed: int = 0,
    text: str = "",
) -> np.ndarray:
    """A kernel: [kh, kw], or [filters, channels, kh, kw] of seeded integers -2..2 for several
    channels (a volume has no presets).

    Raises:
        GridError: an unknown choice, unreadable text, a typed kernel over 7 x 7, or a shape,
            seed, channel or filter count out of range.
    """
    channels = _count(channels, "channels", MAX_CHANNELS)
    filters = _count(filters, "filters", MAX_FILTERS)
    if choice not in KERNELS:
        raise GridError(f"unknown kernel {checks.show(choice)}; choose one of {KERNELS}")
    if choice == "random integers" or channels > 1:
        rows, cols = (_count(n, "kernel rows", MAX_STEPPED_KERNEL) for n in _pair(shape, "shape"))
        size = (rows, cols) if channels == 1 else (filters, channels, rows, cols)
        return np.random.default_rng(_seed(seed) + 1).integers(-2, 3, size=size).astype(float)
    if choice == "lecture 3×3":
        return LECTURE_KERNEL.copy()
    if choice == "typed":
        return _typed(text, "kernels", MAX_STEPPED_KERNEL)
    return PRESETS[choice].copy()
