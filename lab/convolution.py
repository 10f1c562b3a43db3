"""Convolution arithmetic, one window at a time (Dumoulin & Visin, "A guide to convolution arithmetic").

Every result here is built from step records: `conv2d` is the sum of what `conv2d_steps` yields,
`pool2d` of `pool2d_steps`, `conv_transpose2d` of `conv_transpose2d_steps`, and `conv_matrix` walks
the same windows. What the stepper animates is therefore exactly what the result is.

Like a CNN layer, `conv2d` is a cross-correlation: the kernel is not flipped.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.format import format_number, format_term

LECTURE_INPUT = np.array(
    [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]],
    dtype=float,
)
LECTURE_KERNEL = np.array([[0, 1, 2], [2, 2, 0], [0, 1, 2]], dtype=float)
LECTURE_OUTPUT = np.array([[12, 12, 17], [10, 17, 19], [9, 6, 14]], dtype=float)

Pair = int | tuple[int, int]
Padding = int | tuple[int, int] | tuple[int, int, int, int] | str


MAX_LENGTH = 4096
"""The largest size, stride, padding or dilation accepted along an axis."""
MAX_VALUE = 1e6
"""Input, kernel and bias values beyond +-1e6 are refused: sums stay exact enough to read."""
MAX_MATRIX_ENTRIES = 4_000_000
"""`conv_matrix` refuses matrices larger than this (it is for small grids you can look at)."""


class ConvolutionError(ValueError):
    """Settings that give no valid convolution; `str(error)` explains why, with the numbers."""


def _whole(value: object, name: str, minimum: int) -> int:
    return checks.number(value, name, ConvolutionError, low=minimum, high=MAX_LENGTH, whole=True)


def _pair(value: Pair, name: str, minimum: int) -> tuple[int, int]:
    if isinstance(value, str):
        raise ConvolutionError(f"{name} must be one number or a (row, column) pair, got {value!r}")
    pair = (value, value) if np.isscalar(value) else tuple(np.asarray(value, dtype=object).ravel())
    if len(pair) != 2:
        raise ConvolutionError(
            f"{name} must be one number or a (row, column) pair, got {checks.show(value)}"
        )
    return _whole(pair[0], name, minimum), _whole(pair[1], name, minimum)


def _shape(shape: object, name: str) -> tuple[int, int]:
    """A (rows, columns) size of a grid, each a whole number from 1 to MAX_LENGTH."""
    try:
        items = tuple(shape)
    except TypeError:
        raise ConvolutionError(
            f"{name} must be (rows, columns), got {checks.show(shape)}"
        ) from None
    if len(items) != 2:
        raise ConvolutionError(f"{name} must be (rows, columns), got {checks.show(shape)}")
    return _whole(items[0], f"{name} rows", 1), _whole(items[1], f"{name} columns", 1)


def _grid(values: object, name: str, ndim: int | tuple[int, ...]) -> np.ndarray:
    """A non-empty float64 grid of finite values within +-MAX_VALUE."""
    grid = checks.array(
        values, name, ConvolutionError, ndim=ndim, limit=MAX_VALUE, allow_empty=False
    )
    if max(grid.shape[-2:]) > MAX_LENGTH:
        raise ConvolutionError(f"{name} is larger than {MAX_LENGTH} along an axis")
    return grid


def output_size(n: int, kernel: int, stride: int = 1, padding: int = 0, dilation: int = 1) -> int:
    """Output length along one axis: floor((n + 2p - d(k - 1) - 1) / s) + 1.

    Raises:
        ConvolutionError: sizes that are not whole numbers from 1 to MAX_LENGTH (padding from 0),
            NaN or infinity, or a (dilated) kernel larger than the padded input.
    """
    return _axis_output(n, kernel, stride, padding, padding, dilation, "")


def _axis_output(
    n: int, kernel: int, stride: int, before: int, after: int, dilation: int, axis: str
) -> int:
    where = f" along {axis}" if axis else ""
    n = _whole(n, f"input size{where}", 1)
    kernel = _whole(kernel, f"kernel size{where}", 1)
    stride = _whole(stride, f"stride{where}", 1)
    dilation = _whole(dilation, f"dilation{where}", 1)
    before = _whole(before, f"padding{where}", 0)
    after = _whole(after, f"padding{where}", 0)
    span = dilation * (kernel - 1) + 1
    padded = n + before + after
    if span > padded:
        dilated = f" (dilated to {span})" if dilation > 1 else ""
        raise ConvolutionError(
            f"the kernel{where} covers {span} cells{dilated} but the padded input has only "
            f"{padded} ({n} + {before + after} padding): the output would be empty. Add padding, "
            "or use a smaller kernel or dilation."
        )
    return (padded - span) // stride + 1


@dataclass(frozen=True)
class Geometry:
    """Sizes of one 2-D convolution; every length is (rows, columns).

    Attributes:
        input: (H, W) of the unpadded input.
        kernel: (kh, kw).
        stride, dilation: per axis.
        padding: (top, bottom, left, right) zeros added.
        padded: (H + top + bottom, W + left + right).
        output: (out_h, out_w).
    """

    input: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    dilation: tuple[int, int]
    padding: tuple[int, int, int, int]
    padded: tuple[int, int]
    output: tuple[int, int]

    def formula(self, axis: int) -> str:
        """The output-size formula with this geometry's numbers, for axis 0 (rows) or 1 (cols)."""
        n, k, s, d = self.input[axis], self.kernel[axis], self.stride[axis], self.dilation[axis]
        before, after = self.padding[2 * axis], self.padding[2 * axis + 1]
        pad = f"2*{before}" if before == after else f"{before}+{after}"
        inner = n + before + after - d * (k - 1) - 1
        return (
            f"floor(({n} + {pad} - {d}*({k}-1) - 1) / {s}) + 1 = floor({inner}/{s}) + 1 "
            f"= {self.output[axis]}"
        )


def geometry(
    input_shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    stride: Pair = 1,
    padding: Padding = 0,
    dilation: Pair = 1,
) -> Geometry:
    """Resolve stride, padding and dilation into a `Geometry`.

    Args:
        padding: an int (all sides), (rows, cols), (top, bottom, left, right), "valid" (none) or
            "same" (output = ceil(n / stride); the odd extra zero goes to the bottom / right, as in
            TensorFlow and torch).

    Raises:
        ConvolutionError: any invalid combination, with the reason.
    """
    stride = _pair(stride, "stride", 1)
    dilation = _pair(dilation, "dilation", 1)
    input_shape = _shape(input_shape, "input size")
    kernel_shape = _shape(kernel_shape, "kernel size")
    if isinstance(padding, str):
        if padding == "valid":
            pads = (0, 0, 0, 0)
        elif padding == "same":
            sides = []
            for n, k, s, d in zip(input_shape, kernel_shape, stride, dilation, strict=True):
                total = max((math.ceil(n / s) - 1) * s + d * (k - 1) + 1 - n, 0)
                sides += [total // 2, total - total // 2]
            pads = tuple(sides)
        else:
            raise ConvolutionError(f"padding must be a number, 'valid' or 'same', got {padding!r}")
    elif np.isscalar(padding):
        pads = (padding,) * 4
    else:
        items = tuple(padding) if isinstance(padding, list | tuple | np.ndarray) else ()
        if len(items) == 2:
            pads = (items[0], items[0], items[1], items[1])
        elif len(items) == 4:
            pads = items
        else:
            raise ConvolutionError(f"padding must be 1, 2 or 4 numbers, got {checks.show(padding)}")
    pads = tuple(_whole(pad, "padding", 0) for pad in pads)
    output = tuple(
        _axis_output(n, k, s, pads[2 * a], pads[2 * a + 1], d, name)
        for a, (n, k, s, d, name) in enumerate(
            zip(input_shape, kernel_shape, stride, dilation, ("rows", "columns"), strict=True)
        )
    )
    padded = (input_shape[0] + pads[0] + pads[1], input_shape[1] + pads[2] + pads[3])
    return Geometry(tuple(input_shape), tuple(kernel_shape), stride, dilation, pads, padded, output)


def _windows(geo: Geometry) -> Iterator[tuple[int, int, np.ndarray, np.ndarray]]:
    """Each output cell in raster order, with the padded-input rows and columns of its taps."""
    tap_rows = np.arange(geo.kernel[0]) * geo.dilation[0]  # [kh]
    tap_cols = np.arange(geo.kernel[1]) * geo.dilation[1]  # [kw]
    for i in range(geo.output[0]):
        for j in range(geo.output[1]):
            yield i, j, i * geo.stride[0] + tap_rows, j * geo.stride[1] + tap_cols


def pad(x: np.ndarray, geo: Geometry) -> np.ndarray:
    """Zero-pad the last two axes of x as `geo` says."""
    top, bottom, left, right = geo.padding
    widths = [(0, 0)] * (x.ndim - 2) + [(top, bottom), (left, right)]
    return np.pad(x, widths)


@dataclass(frozen=True)
class ConvStep:
    """One output cell of a convolution.

    Attributes:
        index: the step number, 0-based, in the order steps are yielded.
        filter: which filter (output map) this cell belongs to.
        row, col: the output cell.
        rows, cols: np.ndarray[kh], [kw] rows and columns of the taps in the padded input.
        patch: np.ndarray[C, kh, kw] input values under the taps.
        weights: np.ndarray[C, kh, kw] the filter.
        products: np.ndarray[C, kh, kw] weights * patch.
        bias: the filter's bias (0 without one).
        value: products.sum() + bias, the output cell.
    """

    index: int
    filter: int
    row: int
    col: int
    rows: np.ndarray
    cols: np.ndarray
    patch: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    bias: float
    value: float

    def channel_sums(self) -> np.ndarray:
        """np.ndarray[C]: each channel's sum of products."""
        return self.products.reshape(self.products.shape[0], -1).sum(axis=1)

    def formula(self, channel_names: tuple[str, ...] | None = None) -> str:
        """The sum written out with the actual numbers, e.g. '3*0 + 3*1 + 2*2 + ... = 12'.

        Args:
            channel_names: labels for multi-channel sums ("R", "G", "B").
        """

        def terms(channel: int) -> str:
            return " + ".join(
                format_term(w, x)
                for w, x in zip(
                    self.weights[channel].ravel(), self.patch[channel].ravel(), strict=True
                )
            )

        bias = f" + {format_number(self.bias)} (bias)" if self.bias else ""
        if self.patch.shape[0] == 1:
            return f"{terms(0)}{bias} = {format_number(self.value)}"
        names = channel_names or tuple(f"channel {c}" for c in range(self.patch.shape[0]))
        sums = self.channel_sums()
        parts = [f"{names[c]}: {terms(c)} = {format_number(sums[c])}" for c in range(len(sums))]
        total = " + ".join(format_number(s) for s in sums)
        return "\n".join(parts) + f"\ntotal = {total}{bias} = {format_number(self.value)}"


def _as_volume(x: np.ndarray, w: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    x = _grid(x, "the input", (2, 3))
    w = _grid(w, "the kernel", (2, 3, 4))
    if x.ndim == 2:
        x = x[None]  # [1, H, W]
    if w.ndim == 2:
        w = w[None, None]  # [1, 1, kh, kw]
    elif w.ndim == 3:
        w = w[None]  # one filter over C channels: [1, C, kh, kw]
    if x.ndim != 3 or w.ndim != 4:
        raise ConvolutionError(
            "input must be [H, W] or [C, H, W]; kernel [kh, kw] or [K, C, kh, kw]"
        )
    if w.shape[1] != x.shape[0]:
        raise ConvolutionError(
            f"the kernel has {w.shape[1]} channel slices but the input has {x.shape[0]} channels; "
            "each filter needs one slice per input channel"
        )
    return x, w


def conv2d_steps(
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair = 1,
    padding: Padding = 0,
    dilation: Pair = 1,
    bias: np.ndarray | None = None,
) -> Iterator[ConvStep]:
    """Yield one `ConvStep` per output cell: filter by filter, then row by row (raster order).

    Args:
        x: np.ndarray[H, W] or [C, H, W].
        w: np.ndarray[kh, kw] (one filter, one channel), [C, kh, kw] (one filter) or
            [K, C, kh, kw] (K filters).
        stride, padding, dilation: as for `geometry`.
        bias: np.ndarray[K] or None.
    """
    x, w = _as_volume(x, w)
    geo = geometry(x.shape[1:], w.shape[2:], stride, padding, dilation)
    padded = pad(x, geo)  # [C, Hp, Wp]
    biases = (
        np.zeros(w.shape[0])
        if bias is None
        else checks.array(bias, "bias", ConvolutionError, limit=MAX_VALUE).ravel()
    )
    if biases.shape != (w.shape[0],):
        raise ConvolutionError(f"bias needs one value per filter ({w.shape[0]})")
    index = 0
    for k in range(w.shape[0]):
        for i, j, rows, cols in _windows(geo):
            patch = padded[:, rows[:, None], cols[None, :]]  # [C, kh, kw]
            products = w[k] * patch  # [C, kh, kw]
            value = float(products.sum() + biases[k])
            yield ConvStep(
                index, k, i, j, rows, cols, patch, w[k], products, float(biases[k]), value
            )
            index += 1


def conv2d(
    x: np.ndarray,
    w: np.ndarray,
    stride: Pair = 1,
    padding: Padding = 0,
    dilation: Pair = 1,
    bias: np.ndarray | None = None,
) -> np.ndarray:
    """Cross-correlation as in a CNN layer, assembled from `conv2d_steps`.

    Returns:
        np.ndarray[out_h, out_w] when w is [kh, kw] or [C, kh, kw]; [K, out_h, out_w] when w is
        [K, C, kh, kw].
    """
    x_volume, w_volume = _as_volume(x, w)
    geo = geometry(x_volume.shape[1:], w_volume.shape[2:], stride, padding, dilation)
    steps = conv2d_steps(x_volume, w_volume, stride, padding, dilation, bias)
    out = collect(steps, (w_volume.shape[0], *geo.output))
    return out if np.asarray(w).ndim == 4 else out[0]


def collect(steps: Iterable[ConvStep | PoolStep], shape: tuple[int, int, int]) -> np.ndarray:
    """The result of a convolution or pooling, assembled from its steps.

    Args:
        steps: `ConvStep`s (placed by filter) or `PoolStep`s (placed by channel).
        shape: (maps, out_h, out_w).

    Returns:
        np.ndarray[maps, out_h, out_w] float64.
    """
    out = np.zeros(shape)
    for step in steps:
        which = step.filter if isinstance(step, ConvStep) else step.channel
        out[which, step.row, step.col] = step.value
    return out


def parameter_count(
    kernel_size: tuple[int, int], in_channels: int, filters: int
) -> tuple[int, int]:
    """(weights, biases) of a conv layer: (F*F*D1)*K weights and K biases."""
    rows, cols = _shape(kernel_size, "kernel size")
    in_channels = _whole(in_channels, "input channels", 1)
    filters = _whole(filters, "filters", 1)
    return rows * cols * in_channels * filters, filters


# --- pooling ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PoolStep:
    """One output cell of a pooling layer.

    Attributes:
        index, channel, row, col: step number, channel and output cell.
        rows, cols: input rows and columns of the window.
        window: np.ndarray[kh, kw] the values pooled.
        value: their max or mean.
        chosen: (r, c) inside the window of the max (first in raster order on ties), or None for avg.
    """

    index: int
    channel: int
    row: int
    col: int
    rows: np.ndarray
    cols: np.ndarray
    window: np.ndarray
    value: float
    chosen: tuple[int, int] | None

    def formula(self, mode: str) -> str:
        values = ", ".join(format_number(v) for v in self.window.ravel())
        if mode == "max":
            return f"max({values}) = {format_number(self.value)}"
        terms = " + ".join(format_number(v) for v in self.window.ravel())
        return f"({terms}) / {self.window.size} = {format_number(self.value)}"


def pool2d_steps(
    x: np.ndarray, size: Pair, stride: Pair | None = None, mode: str = "max"
) -> Iterator[PoolStep]:
    """Yield one `PoolStep` per output cell (channel by channel, raster order).

    Args:
        x: np.ndarray[H, W] or [C, H, W].
        size: window (rows, cols) or one number.
        stride: defaults to the window size (non-overlapping pooling).
        mode: "max" or "avg".
    """
    if mode not in ("max", "avg"):
        raise ConvolutionError(f"pooling mode must be 'max' or 'avg', got {checks.show(mode)}")
    x = _grid(x, "the pooling input", (2, 3))
    volume = x[None] if x.ndim == 2 else x
    size = _pair(size, "pool size", 1)
    geo = geometry(volume.shape[1:], size, size if stride is None else stride, 0, 1)
    index = 0
    for channel in range(volume.shape[0]):
        for i, j, rows, cols in _windows(geo):
            window = volume[channel][rows[:, None], cols[None, :]]  # [kh, kw]
            if mode == "max":
                flat = int(np.argmax(window))
                chosen = divmod(flat, window.shape[1])
                value = float(window.ravel()[flat])
            else:
                chosen, value = None, float(window.mean())
            yield PoolStep(index, channel, i, j, rows, cols, window, value, chosen)
            index += 1


def pool2d(x: np.ndarray, size: Pair, stride: Pair | None = None, mode: str = "max") -> np.ndarray:
    """Max or average pooling, assembled from `pool2d_steps`; same leading shape as x."""
    x = _grid(x, "the pooling input", (2, 3))
    steps = list(pool2d_steps(x, size, stride, mode))
    channels = 1 if x.ndim == 2 else x.shape[0]
    out = collect(steps, (channels, steps[-1].row + 1, steps[-1].col + 1))
    return out[0] if x.ndim == 2 else out


# --- transposed convolution ----------------------------------------------------------------------


@dataclass(frozen=True)
class TransposeStep:
    """One input cell of a transposed convolution scattering its scaled kernel.

    Attributes:
        index: step number (raster order over the input).
        row, col: the input cell.
        rows, cols: np.ndarray[kh], [kw] where the contribution lands in the full (uncropped) output.
        contribution: np.ndarray[kh, kw] x[row, col] * w.
    """

    index: int
    row: int
    col: int
    rows: np.ndarray
    cols: np.ndarray
    contribution: np.ndarray


@dataclass(frozen=True)
class TransposeGeometry:
    """Sizes of a transposed convolution: full output (before cropping `padding`) and output."""

    input: tuple[int, int]
    kernel: tuple[int, int]
    stride: tuple[int, int]
    padding: tuple[int, int]
    output_padding: tuple[int, int]
    full: tuple[int, int]
    output: tuple[int, int]

    def formula(self, axis: int) -> str:
        n, k, s = self.input[axis], self.kernel[axis], self.stride[axis]
        p, op = self.padding[axis], self.output_padding[axis]
        extra = f" + {op}" if op else ""
        return f"({n}-1)*{s} - 2*{p} + {k}{extra} = {self.output[axis]}"


def transpose_geometry(
    input_shape: tuple[int, int],
    kernel_shape: tuple[int, int],
    stride: Pair = 1,
    padding: Pair = 0,
    output_padding: Pair = 0,
) -> TransposeGeometry:
    """Output size (n - 1) * s - 2p + k + output_padding per axis, checked.

    Raises:
        ConvolutionError: sizes out of range, padding that crops everything, or
            output_padding >= stride.
    """
    input_shape = _shape(input_shape, "input size")
    kernel_shape = _shape(kernel_shape, "kernel size")
    stride = _pair(stride, "stride", 1)
    padding = _pair(padding, "padding", 0)
    output_padding = _pair(output_padding, "output padding", 0)
    for op, s in zip(output_padding, stride, strict=True):
        if op >= s:
            raise ConvolutionError(f"output padding ({op}) must be smaller than the stride ({s})")
    full = tuple(
        (n - 1) * s + k + op
        for n, k, s, op in zip(input_shape, kernel_shape, stride, output_padding, strict=True)
    )
    output = tuple(f - 2 * p for f, p in zip(full, padding, strict=True))
    if min(output) < 1:
        raise ConvolutionError(
            f"padding {padding} crops the whole {full[0]} x {full[1]} result: output would be "
            f"{output[0]} x {output[1]}"
        )
    return TransposeGeometry(
        tuple(input_shape), tuple(kernel_shape), stride, padding, output_padding, full, output
    )


def conv_transpose2d_steps(
    x: np.ndarray, w: np.ndarray, stride: Pair = 1, padding: Pair = 0, output_padding: Pair = 0
) -> Iterator[TransposeStep]:
    """Yield, for each input cell in raster order, the scaled kernel it adds to the output.

    Args:
        x: np.ndarray[H, W]; w: np.ndarray[kh, kw].
    """
    x = _grid(x, "the input", 2)
    w = _grid(w, "the kernel", 2)
    geo = transpose_geometry(x.shape, w.shape, stride, padding, output_padding)
    for index, (i, j) in enumerate(np.ndindex(*x.shape)):
        rows = i * geo.stride[0] + np.arange(w.shape[0])
        cols = j * geo.stride[1] + np.arange(w.shape[1])
        yield TransposeStep(index, i, j, rows, cols, x[i, j] * w)


def conv_transpose2d(
    x: np.ndarray, w: np.ndarray, stride: Pair = 1, padding: Pair = 0, output_padding: Pair = 0
) -> np.ndarray:
    """Transposed convolution (as torch's F.conv_transpose2d), assembled from its steps.

    Returns:
        np.ndarray[(H-1)*s - 2p + kh + op, (W-1)*s - 2p + kw + op].
    """
    x = _grid(x, "the input", 2)
    w = _grid(w, "the kernel", 2)
    geo = transpose_geometry(x.shape, np.shape(w), stride, padding, output_padding)
    full = accumulate(conv_transpose2d_steps(x, w, stride, padding, output_padding), geo)[-1]
    top, left = geo.padding
    return full[top : top + geo.output[0], left : left + geo.output[1]]


def accumulate(steps: Iterable[TransposeStep], geo: TransposeGeometry) -> list[np.ndarray]:
    """The full (uncropped) output of a transposed convolution after each step.

    Returns:
        One np.ndarray[full_h, full_w] per step (the last one is the whole sum); at least one
        array (zeros) when there are no steps.
    """
    full = np.zeros(geo.full)
    after = [full]
    for step in steps:
        full = full.copy()
        full[step.rows[:, None], step.cols[None, :]] += step.contribution
        after.append(full)
    return after[1:] if len(after) > 1 else after


def conv_matrix(
    input_shape: tuple[int, int],
    w: np.ndarray,
    stride: Pair = 1,
    padding: Padding = 0,
    dilation: Pair = 1,
) -> np.ndarray:
    """The convolution as a matrix C: conv2d(x, w).ravel() == C @ x.ravel().

    Padding zeros contribute nothing, so C maps the unpadded input. Its transpose is the
    transposed convolution: C.T @ y.ravel() == conv_transpose2d(y, w, stride, padding, op).ravel()
    for the output_padding op that restores the input size.

    Returns:
        np.ndarray[out_h * out_w, H * W].

    Raises:
        ConvolutionError: invalid settings, or a matrix over MAX_MATRIX_ENTRIES entries.
    """
    w = _grid(w, "the kernel", 2)
    geo = geometry(input_shape, w.shape, stride, padding, dilation)
    entries = geo.output[0] * geo.output[1] * geo.input[0] * geo.input[1]
    if entries > MAX_MATRIX_ENTRIES:
        raise ConvolutionError(
            f"the matrix C would have {entries:,} entries (at most {MAX_MATRIX_ENTRIES:,}): use a "
            "smaller input"
        )
    height, width = geo.input
    top, left = geo.padding[0], geo.padding[2]
    matrix = np.zeros((geo.output[0] * geo.output[1], height * width))
    for i, j, rows, cols in _windows(geo):
        for a, r in enumerate(rows - top):
            for b, c in enumerate(cols - left):
                if 0 <= r < height and 0 <= c < width:
                    matrix[i * geo.output[1] + j, r * width + c] += w[a, b]
    return matrix


def restoring_output_padding(
    input_shape: tuple[int, int], kernel_shape: tuple[int, int], stride: Pair = 1, padding: Pair = 0
) -> tuple[int, int]:
    """The output_padding with which conv_transpose2d maps a conv2d output back to input_shape."""
    stride = _pair(stride, "stride", 1)
    padding = _pair(padding, "padding", 0)
    input_shape = _shape(input_shape, "input size")
    kernel_shape = _shape(kernel_shape, "kernel size")
    geo = geometry(input_shape, kernel_shape, stride, padding)
    return tuple(
        n - ((o - 1) * s - 2 * p + k)
        for n, o, s, p, k in zip(
            input_shape, geo.output, stride, padding, kernel_shape, strict=True
        )
    )
