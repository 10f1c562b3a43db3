"""Image kernels: the presets of the course, applying them, and the arithmetic of one output pixel.

CNN layers compute cross-correlation: the kernel is laid on the image as written, not flipped.
`apply_kernel` does exactly that, so a Sobel x kernel [[-1, 0, 1], ...] gives positive values where
the image gets brighter to the right.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from lab import checks
from lab.format import format_number, format_term


class KernelError(ValueError):
    """A kernel, image or setting the Kernel lab cannot use; `str(error)` says which and why."""


BORDERS = {
    "zero": "pads with zeros: edges darken under a blur and show false edges under Sobel",
    "reflect": "mirrors the image without repeating the edge pixel (d c b | a b c d): "
    "edges look natural",
    "replicate": "repeats the edge pixel (a a a | a b c d): edges look natural, "
    "thin lines at the border get thicker",
}
"""Border modes of `apply_kernel`, with what each does at the image edges."""

_CV2_BORDER = {
    "zero": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
}
_NUMPY_PAD = {"zero": "constant", "reflect": "reflect", "replicate": "edge"}

MAX_KERNEL_SIZE = 15
MAX_WEIGHT = 1e6
"""Kernel weights beyond +-1e6 are refused: filtering runs in float32, where 1e39 is infinite and
sums of a few 1e38 overflow, and no kernel of the course comes near."""
MAX_PIXEL_VALUE = 1e6
"""Image values beyond +-1e6 are refused, for the same reason (photos are 0..255)."""
MAX_CHANNELS = 4
SIGMA_RANGE = (0.01, 100.0)
"""Gaussian sigma in pixels: below 0.01 every weight but the centre underflows to 0 (the identity),
above 100 a 15 x 15 kernel is flat (the box blur)."""
MAX_GRID_CELLS = 64 * 64
MAX_GRID_TEXT = 100_000

COURSE_SIGMA = 1 / np.sqrt(2 * np.log(2))
"""sigma = 0.8493: the 3 x 3 Gaussian of this sigma is exactly the course's [[1,2,1],[2,4,2],[1,2,1]]/16,
since exp(-1 / (2 sigma^2)) = 1/2."""


def gaussian_kernel(size: int, sigma: float) -> np.ndarray:
    """A normalised 2-D Gaussian kernel.

    Args:
        size: odd side length, 1 <= size <= MAX_KERNEL_SIZE.
        sigma: standard deviation in pixels, > 0.

    Returns:
        np.ndarray[size, size] float64 summing to 1.
    """
    size = _check_size(size)
    sigma = checks.number(sigma, "sigma", KernelError, low=SIGMA_RANGE[0], high=SIGMA_RANGE[1])
    offsets = np.arange(size) - (size - 1) / 2  # [size]
    profile = np.exp(-(offsets**2) / (2 * sigma**2))
    kernel = np.outer(profile, profile)  # [size, size]
    return kernel / kernel.sum()


def box_kernel(size: int) -> np.ndarray:
    """The n x n box blur: all ones divided by n^2."""
    size = _check_size(size)
    return np.full((size, size), 1.0 / size**2)


def identity_kernel(size: int = 3) -> np.ndarray:
    """A single 1 in the centre: the output equals the input."""
    size = _check_size(size)
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def _check_size(size: int) -> int:
    size = checks.number(size, "kernel size", KernelError, low=1, high=MAX_KERNEL_SIZE, whole=True)
    if size % 2 == 0:
        raise KernelError(f"kernel size must be odd, between 1 and {MAX_KERNEL_SIZE}; got {size}")
    return size


PRESETS: dict[str, np.ndarray] = {
    "identity": identity_kernel(3),
    "box blur": box_kernel(3),
    "gaussian": np.array([[1, 2, 1], [2, 4, 2], [1, 2, 1]], dtype=float) / 16,
    "sharpen": np.array([[0, -1, 0], [-1, 5, -1], [0, -1, 0]], dtype=float),
    "sobel x": np.array([[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]], dtype=float),
    "sobel y": np.array([[-1, -2, -1], [0, 0, 0], [1, 2, 1]], dtype=float),
    "scharr x": np.array([[-3, 0, 3], [-10, 0, 10], [-3, 0, 3]], dtype=float),
    "scharr y": np.array([[-3, -10, -3], [0, 0, 0], [3, 10, 3]], dtype=float),
    "prewitt x": np.array([[-1, 0, 1], [-1, 0, 1], [-1, 0, 1]], dtype=float),
    "prewitt y": np.array([[-1, -1, -1], [0, 0, 0], [1, 1, 1]], dtype=float),
    "laplacian": np.array([[0, 1, 0], [1, -4, 1], [0, 1, 0]], dtype=float),
    "emboss": np.array([[-2, -1, 0], [-1, 1, 1], [0, 1, 2]], dtype=float),
    "outline": np.array([[-1, -1, -1], [-1, 8, -1], [-1, -1, -1]], dtype=float),
}
"""Linear kernels of the course, name -> 2-D float array (the 3 x 3 defaults)."""

GRADIENT_MAGNITUDE = {"sobel magnitude": ("sobel x", "sobel y")}
"""Non-linear presets: sqrt(gx^2 + gy^2) of two kernels from PRESETS."""

SIZED_PRESETS = {"identity", "box blur", "gaussian"}
"""Presets whose size the user chooses (the gaussian also takes sigma)."""


def preset_kernel(name: str, size: int = 3, sigma: float = COURSE_SIGMA) -> np.ndarray:
    """A preset at the requested size: sized presets are rebuilt, fixed ones are returned as is.

    Raises:
        KernelError: an unknown name, or a size / sigma out of range.
    """
    if name == "identity":
        return identity_kernel(size)
    if name == "box blur":
        return box_kernel(size)
    if name == "gaussian":
        return gaussian_kernel(size, sigma)
    if name not in PRESETS:
        raise KernelError(f"unknown kernel {name!r}; choose one of {sorted(PRESETS)}")
    return PRESETS[name].copy()


def validate_kernel(kernel: np.ndarray) -> np.ndarray:
    """Check that a kernel is a 2-D array with odd sides of finite weights within +-MAX_WEIGHT;
    return it as float64.

    Raises:
        KernelError: with a message fit for the page.
    """
    kernel = np.asarray(checks.array(kernel, "a kernel", KernelError))
    if kernel.ndim != 2 or kernel.size == 0:
        raise KernelError("a kernel is a 2-D grid of numbers")
    rows, cols = kernel.shape
    if rows % 2 == 0 or cols % 2 == 0:
        raise KernelError(f"kernel sides must be odd so it has a centre pixel; got {rows} x {cols}")
    if max(rows, cols) > MAX_KERNEL_SIZE:
        raise KernelError(f"kernels up to {MAX_KERNEL_SIZE} x {MAX_KERNEL_SIZE} are supported")
    checks.array(kernel, "every kernel weight", KernelError, limit=MAX_WEIGHT)
    return kernel


def validate_image(image: np.ndarray) -> np.ndarray:
    """Check an image to filter: [H, W] or [H, W, C] with 1 <= C <= 4, not empty, finite values
    within +-MAX_PIXEL_VALUE. Returns it as an array (dtype kept).

    Raises:
        KernelError: with a message fit for the page.
    """
    try:
        image = np.asarray(image)
    except (TypeError, ValueError):
        raise KernelError("an image is a grid of numbers with rows of equal length") from None
    if image.dtype.kind not in "uif":
        raise KernelError(f"an image holds numbers, got {image.dtype} values")
    if image.ndim not in (2, 3):
        raise KernelError(f"an image is [H, W] or [H, W, C], got shape {list(image.shape)}")
    if image.size == 0:
        raise KernelError(f"the image is empty (shape {list(image.shape)})")
    if image.ndim == 3 and not 1 <= image.shape[2] <= MAX_CHANNELS:
        raise KernelError(f"an image has 1 to {MAX_CHANNELS} channels, got {image.shape[2]}")
    if image.dtype.kind == "f" or image.dtype.itemsize > 2:
        checks.array(image, "image values", KernelError, limit=MAX_PIXEL_VALUE)
    return image


def apply_kernel(image: np.ndarray, kernel: np.ndarray, border: str = "reflect") -> np.ndarray:
    """Cross-correlate an image with a kernel, as a CNN layer does (no flip).

    Args:
        image: np.ndarray[H, W] or [H, W, C], any real dtype (uint8 photos: 0..255).
        kernel: np.ndarray[kh, kw], odd sides.
        border: "zero", "reflect" (mirror without repeating the edge, as numpy's "reflect") or
            "replicate".

    Returns:
        np.ndarray float32 of the image's shape: out[y, x] = sum_ij kernel[i, j] *
        image[y + i - kh // 2, x + j - kw // 2], per channel for colour images.

    Raises:
        KernelError: a kernel or image that `validate_kernel` / `validate_image` refuse, or an
            unknown border.
    """
    kernel = validate_kernel(kernel)
    _check_border(border)
    image = validate_image(image)
    # float32 input: OpenCV's uint8 path is slower here and not exact (identity 9x9 gave 128.99998
    # for 129). cv2.filter2D switches to a DFT for kernels of 11 x 11 and more; below that it sums
    # the products directly, which is what the pixel inspector shows.
    source = image.astype(np.float32, copy=False)
    output = cv2.filter2D(
        source, cv2.CV_32F, kernel.astype(np.float32), borderType=_CV2_BORDER[border]
    )
    return output.reshape(image.shape)


def _check_border(border: str) -> None:
    if border not in _CV2_BORDER:
        raise KernelError(f"border must be one of {sorted(_CV2_BORDER)}, got {checks.show(border)}")


def gradient_magnitude(
    image: np.ndarray, kernel_x: np.ndarray, kernel_y: np.ndarray, border: str = "reflect"
) -> np.ndarray:
    """sqrt(gx^2 + gy^2) for two derivative kernels, float32 of the image's shape.

    Computed as a hypotenuse, so large gradients do not overflow float32 when squared.
    """
    gx = apply_kernel(image, kernel_x, border)
    gy = apply_kernel(image, kernel_y, border)
    return np.hypot(gx, gy)


@dataclass(frozen=True)
class PixelWindow:
    """The arithmetic of one output pixel.

    Attributes:
        row, col: output pixel (same coordinates as the input pixel under the kernel centre).
        patch: np.ndarray[kh, kw] input values under the kernel (border values included).
        products: np.ndarray[kh, kw] kernel * patch, element-wise.
        value: the sum of the products, the output pixel.
        outside: np.ndarray[kh, kw] bool, True where the patch value comes from the border rule.
    """

    row: int
    col: int
    patch: np.ndarray
    products: np.ndarray
    value: float
    outside: np.ndarray


def pixel_window(
    channel: np.ndarray, kernel: np.ndarray, row: int, col: int, border: str = "reflect"
) -> PixelWindow:
    """The patch, products and sum behind output pixel (row, col) of `apply_kernel`.

    Args:
        channel: np.ndarray[H, W], one channel of the image.
        kernel: np.ndarray[kh, kw], odd sides.
        row, col: the output pixel, 0 <= row < H, 0 <= col < W.
        border: as for `apply_kernel`.

    Raises:
        KernelError: a bad kernel, channel or border, or a pixel outside the image.
    """
    kernel = validate_kernel(kernel)
    _check_border(border)
    channel = validate_image(channel)
    if channel.ndim != 2:
        raise KernelError(f"pixel_window takes one channel [H, W], got {list(channel.shape)}")
    height, width = channel.shape
    row = checks.number(row, "row", KernelError, low=0, high=height - 1, whole=True)
    col = checks.number(col, "column", KernelError, low=0, high=width - 1, whole=True)
    half_r, half_c = kernel.shape[0] // 2, kernel.shape[1] // 2
    rows = np.arange(row - half_r, row + half_r + 1)  # [kh]
    cols = np.arange(col - half_c, col + half_c + 1)  # [kw]
    outside = ((rows < 0) | (rows >= height))[:, None] | ((cols < 0) | (cols >= width))[
        None, :
    ]  # [kh, kw]
    rows_in = _fold(rows, height, border)
    cols_in = _fold(cols, width, border)
    patch = channel[np.ix_(rows_in, cols_in)].astype(np.float32)  # [kh, kw]
    if border == "zero":
        patch[outside] = 0.0
    # float32 products summed in float64 agree with cv2.filter2D to float32 rounding.
    products = kernel.astype(np.float32) * patch
    value = float(products.astype(np.float64).sum())
    return PixelWindow(row, col, patch, products, value, outside)


def _fold(index: np.ndarray, size: int, border: str) -> np.ndarray:
    """Map out-of-range indices back into [0, size) as the border rule does."""
    if border in ("replicate", "zero"):  # zero: clipped here, then blanked by the caller
        return np.clip(index, 0, size - 1)
    if size == 1:
        return np.zeros_like(index)
    period = 2 * (size - 1)  # reflect without repeating the edge: 0 1 2 .. n-1 n-2 .. 1 | 0 ..
    folded = np.mod(index, period)
    return np.where(folded >= size, period - folded, folded)


def _only_centre_column(kernel: np.ndarray) -> bool:
    """True when every non-zero weight lies in the centre column (the kernel acts vertically)."""
    outside = np.delete(kernel, kernel.shape[1] // 2, axis=1)
    return kernel.shape[1] > 1 and np.allclose(outside, 0)


def describe_kernel(kernel: np.ndarray) -> str:
    """One or two sentences on what a kernel does to an image, and why."""
    kernel = validate_kernel(kernel)
    total = float(kernel.sum())
    rows, cols = kernel.shape
    center = float(kernel[rows // 2, cols // 2])
    others = np.delete(kernel.ravel(), kernel.size // 2)
    negative = bool((kernel < 0).any())
    flipped_x = np.allclose(kernel, -kernel[:, ::-1])
    flipped_y = np.allclose(kernel, -kernel[::-1, :])
    if np.allclose(kernel, 0):
        return "All weights are 0: every output pixel is 0, the image disappears."
    if np.allclose(others, 0):
        if np.isclose(center, 1):
            return (
                "Identity: a single 1 in the centre copies each pixel, the output equals the input."
            )
        return f"Only the centre weight is set, so the output is the input scaled by {center:g}" + (
            " (darker)." if abs(center) < 1 else " (brighter, clipped at 255 for display)."
        )
    if np.isclose(total, 0):
        if flipped_x and not flipped_y:
            direction = (
                "responds to vertical edges (brightness changing left to right); "
                "the sign says which way"
            )
        elif flipped_y and not flipped_x:
            direction = (
                "responds to horizontal edges (brightness changing top to bottom); "
                "the sign says which way"
            )
        elif _only_centre_column(kernel):
            direction = (
                "compares each pixel with the pixels above and below it only: it responds to "
                "horizontal edges and lines, and vertical ones vanish"
            )
        elif _only_centre_column(kernel.T):
            direction = (
                "compares each pixel with the pixels left and right of it only: it responds to "
                "vertical edges and lines, and horizontal ones vanish"
            )
        elif center < 0 or center > 0 and np.all(others <= 0):
            direction = (
                "compares each pixel with its neighbours (a second derivative): edges and fine "
                "detail in every direction"
            )
        else:
            direction = "keeps only changes in brightness"
        return (
            f"The weights sum to 0, so flat regions become 0: it {direction}. "
            "Output values are signed, so zero is drawn in the middle of the colour scale."
        )
    if not negative:
        gain = (
            ""
            if np.isclose(total, 1)
            else (
                f" The weights sum to {total:g}, not 1, so the image gets "
                + ("brighter." if total > 1 else "darker.")
            )
        )
        return (
            "All weights are positive: each output is a weighted average of its neighbourhood, "
            "so the image is blurred (noise and fine detail smoothed out)." + gain
        )
    if np.isclose(total, 1):
        if center > 1:
            return (
                "The weights sum to 1, so flat regions keep their brightness, and the positive "
                "centre with negative neighbours adds back the difference from the neighbourhood: "
                "edges and detail are sharpened."
            )
        return (
            "The weights sum to 1, so flat regions keep their brightness; the negative weights "
            "add a signed difference, giving a relief (embossed) look along edges."
        )
    return (
        f"The weights sum to {total:g}: flat regions are scaled by {total:g} "
        + ("(brighter)" if total > 1 else "(darker or inverted)")
        + ", and the negative weights add differences between neighbours, so edges are stressed."
    )


def parse_grid(text: str) -> np.ndarray:
    """Read a grid typed as rows of numbers: one row per line (or separated by ';'), numbers
    separated by spaces or commas; fractions such as 1/16 and [[a, b], [c, d]] are allowed.

    Returns:
        np.ndarray[rows, cols] float64 of finite values, at most MAX_GRID_CELLS of them (callers
        check their own size limits and value ranges).

    Raises:
        KernelError: a message that names the bad row or number.
    """
    from fractions import Fraction

    if not isinstance(text, str):
        raise KernelError("type the grid as text")
    if len(text) > MAX_GRID_TEXT:
        raise KernelError(
            f"the text is too long ({len(text):,} characters; at most {MAX_GRID_TEXT:,})"
        )
    rows_text = text.replace("],", "\n").replace(";", "\n")  # also reads [[a, b], [c, d]]
    lines = [line.strip().strip("[]() ,") for line in rows_text.splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        raise KernelError("type at least one row of numbers")
    rows = []
    for number, line in enumerate(lines, start=1):
        row = []
        for cell in line.replace(",", " ").replace("[", " ").replace("]", " ").split():
            try:
                value = float(Fraction(cell)) if "/" in cell else float(cell)
            except (ValueError, ZeroDivisionError, OverflowError):
                raise KernelError(f"row {number}: {checks.show(cell)} is not a number") from None
            if not np.isfinite(value):
                raise KernelError(
                    f"row {number}: {checks.show(cell)} is not a finite number (too large, or "
                    "NaN / infinity)"
                )
            row.append(value)
        rows.append(row)
        if sum(len(r) for r in rows) > MAX_GRID_CELLS:
            raise KernelError(f"the grid is too large (more than {MAX_GRID_CELLS:,} values)")
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        raise KernelError(
            "every row needs the same number of values; got rows of "
            + ", ".join(str(len(row)) for row in rows)
        )
    return np.array(rows, dtype=np.float64)


def parse_kernel(text: str) -> np.ndarray:
    """`parse_grid`, then `validate_kernel` (odd sides, finite weights)."""
    return validate_kernel(parse_grid(text))


def format_kernel(kernel: np.ndarray) -> str:
    """The inverse of `parse_kernel`: one line per row, weights with up to 6 significant digits."""
    return "\n".join(" ".join(f"{v:.6g}" for v in row) for row in validate_kernel(kernel))


def resize_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    """Grow (zero border) or crop a square kernel around its centre to size x size."""
    size = _check_size(size)
    kernel = validate_kernel(kernel)
    rows, cols = kernel.shape
    out = np.zeros((size, size))
    take_r, take_c = min(rows, size), min(cols, size)
    src_r, src_c = (rows - take_r) // 2, (cols - take_c) // 2
    dst_r, dst_c = (size - take_r) // 2, (size - take_c) // 2
    out[dst_r : dst_r + take_r, dst_c : dst_c + take_c] = kernel[
        src_r : src_r + take_r, src_c : src_c + take_c
    ]
    return out


FORMULA_TERMS = 25
"""Kernels up to 5 x 5 are written out in full; larger ones show their first 25 non-zero terms."""


def sum_formula(window: PixelWindow, kernel: np.ndarray, digits: int = 6) -> str:
    """The output pixel written out: 'w1*p1 + w2*p2 + ... = value', with the real numbers.

    Kernels up to 5 x 5 show every term. Larger ones leave out zero weights (they add nothing) and
    show at most FORMULA_TERMS terms, counting the rest, so a 15 x 15 kernel stays readable. The
    total is `window.value` to `digits` significant digits, as the page shows the output pixel.
    """
    weights = validate_kernel(kernel).ravel()
    patch = window.patch.ravel()
    if weights.size != patch.size:
        raise KernelError("the window and the kernel differ in size")
    if weights.size <= FORMULA_TERMS:
        shown, hidden, zeros = np.arange(weights.size), 0, 0
    else:
        nonzero = np.flatnonzero(weights)
        shown, hidden = nonzero[:FORMULA_TERMS], max(0, nonzero.size - FORMULA_TERMS)
        zeros = weights.size - nonzero.size
    terms = [format_term(weights[i], patch[i]) for i in shown]
    if hidden:
        terms.append(f"... ({hidden} more terms)")
    text = " + ".join(terms) if terms else "0"
    note = f"   ({zeros} zero weights left out)" if zeros else ""
    return f"{text} = {format_number(window.value, digits)}{note}"
