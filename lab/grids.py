"""Small grids to step through by hand: the lecture's example, seeded random integers, typed
values, a photo crop; and the kernels to go with them."""

from __future__ import annotations

import numpy as np

from lab.convolution import LECTURE_INPUT, LECTURE_KERNEL
from lab.images import to_gray
from lab.kernels import PRESETS, parse_grid

SOURCES = ("lecture 5×5 example", "random integers", "typed grid", "photo crop")
KERNELS = ("lecture 3×3", *PRESETS, "random integers", "typed")
MAX_STEPPED_KERNEL = 7


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
        text: the typed grid (see lab.kernels.parse_grid).
        patch: np.ndarray[S, S, 3] pixel values for "photo crop" (lab.images.photo_patch).

    Raises:
        ValueError: an unknown source, unreadable text or a missing patch.
    """
    if source == "lecture 5×5 example":
        if channels == 1:
            return LECTURE_INPUT.copy()
        return np.stack([np.roll(LECTURE_INPUT, c, axis=1) for c in range(channels)])
    if source == "random integers":
        size = tuple(shape) if channels == 1 else (channels, *shape)
        return np.random.default_rng(seed).integers(0, 10, size=size).astype(float)
    if source == "typed grid":
        grid = parse_grid(text)
        return grid if channels == 1 else np.stack([grid] * channels)
    if source == "photo crop":
        if patch is None:
            raise ValueError("a photo crop needs the photo's patch")
        if channels == 1:
            return np.rint(to_gray(patch.astype(np.uint8))).astype(float)
        return np.moveaxis(np.asarray(patch, dtype=float), 2, 0)[:channels]
    raise ValueError(f"unknown input source {source!r}; choose one of {SOURCES}")


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
        ValueError: an unknown choice, unreadable text or a typed kernel over 7 x 7.
    """
    if choice == "random integers" or channels > 1:
        size = tuple(shape) if channels == 1 else (filters, channels, *shape)
        return np.random.default_rng(seed + 1).integers(-2, 3, size=size).astype(float)
    if choice == "lecture 3×3":
        return LECTURE_KERNEL.copy()
    if choice == "typed":
        kernel = parse_grid(text)
        if max(kernel.shape) > MAX_STEPPED_KERNEL:
            raise ValueError(
                f"kernels up to {MAX_STEPPED_KERNEL} × {MAX_STEPPED_KERNEL} are stepped here"
            )
        return kernel
    if choice in PRESETS:
        return PRESETS[choice].copy()
    raise ValueError(f"unknown kernel {choice!r}; choose one of {KERNELS}")
