"""lab.convolution against torch (F.conv2d, pooling, F.conv_transpose2d) as the oracle."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lab import convolution
from tests.hostile import attack, must_refuse, outcome

RNG = np.random.default_rng(7)


def torch_conv(x, w, stride, padding, dilation, bias=None):
    """F.conv2d on [C, H, W] / [K, C, kh, kw] numpy arrays; padding as (top, bottom, left, right)."""
    xt = torch.from_numpy(x)[None]
    top, bottom, left, right = padding
    xt = F.pad(xt, (left, right, top, bottom))
    bt = None if bias is None else torch.from_numpy(bias)
    return F.conv2d(xt, torch.from_numpy(w), bt, stride=stride, dilation=dilation)[0].numpy()


CONV_CASES = [
    # (input H, W, channels, filters, kernel kh, kw, stride, padding, dilation)
    (5, 5, 1, 1, 3, 3, 1, 0, 1),  # the lecture's case
    (7, 6, 1, 1, 3, 3, 2, 1, 1),  # stride 2, padding 1
    (8, 8, 1, 1, 3, 3, (1, 2), (0, 1), 1),  # per-axis stride and padding
    (9, 7, 1, 1, 3, 3, 1, 0, 2),  # dilation 2
    (10, 11, 1, 1, 3, 2, 2, (2, 1, 0, 3), (2, 1)),  # rectangular kernel, asymmetric pads
    (6, 9, 3, 1, 1, 1, 1, 0, 1),  # 1 x 1 over 3 channels
    (6, 6, 3, 4, 3, 3, 1, 1, 1),  # 3 channels, 4 filters
    (12, 10, 2, 3, 5, 3, (3, 2), 2, (1, 2)),  # everything at once
    (4, 4, 1, 1, 4, 4, 1, 0, 1),  # kernel as large as the input
    (5, 5, 1, 1, 7, 7, 1, 3, 1),  # kernel larger than the input, saved by padding
    (32, 32, 1, 1, 5, 5, 1, 2, 1),  # the benchmark size
]


def pads4(padding):
    if isinstance(padding, int):
        return (padding,) * 4
    if len(padding) == 2:
        return (padding[0], padding[0], padding[1], padding[1])
    return padding


@pytest.mark.parametrize("case", CONV_CASES)
def test_conv2d_matches_torch(case) -> None:
    h, w_, channels, filters, kh, kw, stride, padding, dilation = case
    x = RNG.integers(-5, 6, size=(channels, h, w_)).astype(np.float64)
    w = RNG.integers(-3, 4, size=(filters, channels, kh, kw)).astype(np.float64)
    bias = RNG.normal(size=filters)
    ours = convolution.conv2d(x, w, stride, padding, dilation, bias)
    expected = torch_conv(x, w, stride, pads4(padding), dilation, bias)
    assert ours.shape == expected.shape
    np.testing.assert_allclose(ours, expected, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(
    "n, k, s, p, d",
    list(itertools.product([1, 4, 7, 10], [1, 2, 3, 5], [1, 2, 3], [0, 1, 2], [1, 2])),
)
def test_output_size_formula_matches_torch(n, k, s, p, d) -> None:
    span = d * (k - 1) + 1
    if n + 2 * p < span:
        with pytest.raises(convolution.ConvolutionError, match="empty"):
            convolution.output_size(n, k, s, p, d)
        return
    x = torch.zeros(1, 1, n, n)
    w = torch.zeros(1, 1, k, k)
    expected = F.conv2d(x, w, stride=s, padding=p, dilation=d).shape[-1]
    assert (
        convolution.output_size(n, k, s, p, d) == expected == (n + 2 * p - d * (k - 1) - 1) // s + 1
    )


def test_the_lecture_example() -> None:
    out = convolution.conv2d(convolution.LECTURE_INPUT, convolution.LECTURE_KERNEL)
    np.testing.assert_array_equal(out, [[12, 12, 17], [10, 17, 19], [9, 6, 14]])
    first = next(convolution.conv2d_steps(convolution.LECTURE_INPUT, convolution.LECTURE_KERNEL))
    assert first.formula() == "0*3 + 1*3 + 2*2 + 2*0 + 2*0 + 0*1 + 0*3 + 1*1 + 2*2 = 12"


def test_steps_reproduce_the_result_cell_by_cell() -> None:
    x = RNG.normal(size=(3, 9, 8))
    w = RNG.normal(size=(2, 3, 3, 2))
    out = convolution.conv2d(x, w, stride=(2, 1), padding=1, dilation=(1, 2))
    steps = list(convolution.conv2d_steps(x, w, stride=(2, 1), padding=1, dilation=(1, 2)))
    assert len(steps) == out.size
    assert [s.index for s in steps] == list(range(out.size))
    for step in steps:
        assert step.value == pytest.approx(step.products.sum())
        assert out[step.filter, step.row, step.col] == step.value
        np.testing.assert_allclose(step.channel_sums().sum(), step.value)


def test_step_windows_follow_stride_and_dilation() -> None:
    steps = list(
        convolution.conv2d_steps(np.zeros((9, 9)), np.ones((3, 3)), stride=2, padding=1, dilation=2)
    )
    second = steps[1]  # output (0, 1)
    np.testing.assert_array_equal(second.rows, [0, 2, 4])
    np.testing.assert_array_equal(second.cols, [2, 4, 6])


@pytest.mark.filterwarnings("ignore:Using padding='same'")
@pytest.mark.parametrize(
    "n, k, s, d", [(5, 3, 1, 1), (7, 3, 2, 1), (8, 3, 3, 2), (6, 4, 1, 1), (9, 2, 2, 3)]
)
def test_same_padding_gives_ceil_n_over_s(n, k, s, d) -> None:
    geo = convolution.geometry((n, n), (k, k), s, "same", d)
    assert geo.output == (-(-n // s),) * 2
    if s == 1:  # torch implements 'same' for stride 1 only
        x = torch.from_numpy(RNG.normal(size=(1, 1, n, n)))
        w = torch.from_numpy(RNG.normal(size=(1, 1, k, k)))
        expected = F.conv2d(x, w, padding="same", dilation=d)[0, 0].numpy()
        np.testing.assert_allclose(
            convolution.conv2d(x[0, 0].numpy(), w[0, 0].numpy(), 1, "same", d), expected
        )


def test_valid_padding_is_no_padding() -> None:
    x, w = RNG.normal(size=(6, 7)), RNG.normal(size=(3, 3))
    np.testing.assert_array_equal(
        convolution.conv2d(x, w, padding="valid"), convolution.conv2d(x, w, padding=0)
    )


def test_geometry_formula_shows_the_numbers() -> None:
    geo = convolution.geometry((7, 7), (3, 3), stride=2, padding=1)
    assert geo.formula(0) == "floor((7 + 2*1 - 1*(3-1) - 1) / 2) + 1 = floor(6/2) + 1 = 4"
    assert convolution.parameter_count((3, 3), 3, 8) == (216, 8)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"x": np.zeros((3, 3)), "w": np.ones((5, 5))}, "covers 5 cells"),  # kernel > input
        ({"x": np.zeros((5, 5)), "w": np.ones((3, 3)), "dilation": 3}, "dilated to 7"),  # dilated
        ({"x": np.zeros((5, 5)), "w": np.ones((3, 3)), "stride": 0}, "stride"),  # stride 0
        ({"x": np.zeros((5, 5)), "w": np.ones((3, 3)), "padding": -1}, "padding"),  # negative pad
        ({"x": np.zeros((5, 5)), "w": np.ones((3, 3)), "padding": "full"}, "valid"),  # unknown word
        ({"x": np.zeros((5, 5)), "w": np.ones((3, 3)), "stride": 1.5}, "whole number"),  # fraction
        ({"x": np.zeros((2, 5, 5)), "w": np.ones((1, 3, 3, 3))}, "channel"),  # channel mismatch
        ({"x": np.full((5, 5), np.nan), "w": np.ones((3, 3))}, "finite"),  # NaN input
    ],
)
def test_invalid_settings_raise_convolution_error(kwargs, message) -> None:
    with pytest.raises(convolution.ConvolutionError, match=message):
        convolution.conv2d(**kwargs)


# --- pooling ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "shape, size, stride",
    [
        ((4, 4), 2, None),
        ((5, 7), 2, 1),
        ((6, 6), 3, 2),
        ((3, 8, 9), (2, 3), (1, 2)),
        ((7, 5), (3, 1), None),
    ],
)
@pytest.mark.parametrize("mode", ["max", "avg"])
def test_pool2d_matches_torch(shape, size, stride, mode) -> None:
    x = RNG.normal(size=shape)
    xt = torch.from_numpy(x if x.ndim == 3 else x[None])[None]
    pool = F.max_pool2d if mode == "max" else F.avg_pool2d
    expected = pool(xt, size, stride)[0].numpy()
    ours = convolution.pool2d(x, size, stride, mode)
    np.testing.assert_allclose(ours, expected if x.ndim == 3 else expected[0], rtol=1e-12)


def test_pool_steps_name_the_chosen_value() -> None:
    x = np.array([[1, 5, 2, 2], [3, 0, 2, 2], [0, 0, 9, 1], [0, 4, 1, 1]], dtype=float)
    steps = list(convolution.pool2d_steps(x, 2, mode="max"))
    assert [s.value for s in steps] == [5, 2, 4, 9]
    assert steps[0].chosen == (0, 1) and steps[1].chosen == (0, 0)  # ties: first in raster order
    assert steps[0].formula("max") == "max(1, 5, 3, 0) = 5"
    avg = next(convolution.pool2d_steps(x, 2, mode="avg"))
    assert avg.formula("avg") == "(1 + 5 + 3 + 0) / 4 = 2.25"


def test_pooling_rejects_bad_settings() -> None:
    with pytest.raises(convolution.ConvolutionError, match="empty"):
        convolution.pool2d(np.zeros((2, 2)), 3)
    with pytest.raises(convolution.ConvolutionError, match="mode"):
        convolution.pool2d(np.zeros((4, 4)), 2, mode="median")


# --- transposed convolution and the matrix C --------------------------------------------------


TRANSPOSE_CASES = [
    # (input H, W, kernel kh, kw, stride, padding, output padding)
    (2, 2, 3, 3, 1, 0, 0),
    (3, 3, 3, 3, 2, 0, 0),
    (3, 4, 3, 3, 2, 1, 1),
    (4, 2, 2, 3, (2, 1), (0, 1), (1, 0)),
    (5, 5, 4, 4, 3, 1, 2),
]


@pytest.mark.parametrize("case", TRANSPOSE_CASES)
def test_conv_transpose2d_matches_torch(case) -> None:
    h, w_, kh, kw, stride, padding, output_padding = case
    x = RNG.normal(size=(h, w_))
    w = RNG.normal(size=(kh, kw))
    expected = F.conv_transpose2d(
        torch.from_numpy(x)[None, None],
        torch.from_numpy(w)[None, None],
        stride=stride,
        padding=padding,
        output_padding=output_padding,
    )[0, 0].numpy()
    np.testing.assert_allclose(
        convolution.conv_transpose2d(x, w, stride, padding, output_padding),
        expected,
        rtol=1e-12,
        atol=1e-12,
    )


def test_transpose_steps_scatter_scaled_kernels() -> None:
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    w = np.ones((3, 3))
    steps = list(convolution.conv_transpose2d_steps(x, w, stride=2))
    assert len(steps) == 4
    np.testing.assert_array_equal(steps[3].contribution, 4 * w)
    np.testing.assert_array_equal(steps[3].rows, [2, 3, 4])
    assert convolution.transpose_geometry((2, 2), (3, 3), 2).formula(0) == "(2-1)*2 - 2*0 + 3 = 5"


@pytest.mark.parametrize(
    "shape, kernel, stride, padding",
    [
        ((4, 4), (3, 3), 1, 0),
        ((5, 5), (3, 3), 2, 1),
        ((6, 5), (3, 2), (2, 1), (1, 0)),
        ((7, 7), (3, 3), 3, 1),
    ],
)
def test_conv_matrix_is_the_convolution_and_its_transpose_the_transposed_one(
    shape, kernel, stride, padding
) -> None:
    w = RNG.normal(size=kernel)
    x = RNG.normal(size=shape)
    matrix = convolution.conv_matrix(shape, w, stride, padding)
    y = convolution.conv2d(x, w, stride, padding)
    assert matrix.shape == (y.size, x.size)
    np.testing.assert_allclose(matrix @ x.ravel(), y.ravel(), atol=1e-12)
    output_padding = convolution.restoring_output_padding(shape, kernel, stride, padding)
    back = convolution.conv_transpose2d(y, w, stride, padding, output_padding)
    assert back.shape == shape
    np.testing.assert_allclose(matrix.T @ y.ravel(), back.ravel(), atol=1e-12)


def test_lecture_conv_matrix_is_4_by_16() -> None:
    matrix = convolution.conv_matrix((4, 4), convolution.LECTURE_KERNEL)
    assert matrix.shape == (4, 16)
    np.testing.assert_array_equal(matrix[0, :3], convolution.LECTURE_KERNEL[0])
    np.testing.assert_array_equal(matrix[0, 4:7], convolution.LECTURE_KERNEL[1])
    assert (matrix != 0).sum() == 4 * np.count_nonzero(
        convolution.LECTURE_KERNEL
    )  # sparse: 4 windows


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"stride": 2, "output_padding": 2}, "smaller than the stride"),
        ({"padding": 3}, "crops"),
    ],
)
def test_transpose_rejects_bad_settings(kwargs, message) -> None:
    with pytest.raises(convolution.ConvolutionError, match=message):
        convolution.conv_transpose2d(np.ones((2, 2)), np.ones((3, 3)), **kwargs)


# --- hostile values: every argument of every public function ------------------------------------

GRID = np.arange(25, dtype=np.float64).reshape(5, 5)
EDGE_CASES = [
    (
        convolution.output_size,
        {"n": 5, "kernel": 3, "stride": 1, "padding": 0, "dilation": 1},
    ),
    (
        convolution.geometry,
        {
            "input_shape": (5, 5),
            "kernel_shape": (3, 3),
            "stride": (1, 2),
            "padding": (1, 0, 1, 0),
            "dilation": 1,
        },
    ),
    (
        convolution.conv2d,
        {
            "x": GRID,
            "w": convolution.LECTURE_KERNEL,
            "stride": 1,
            "padding": 1,
            "dilation": 1,
            "bias": np.array([0.5]),
        },
    ),
    (
        convolution.conv2d_steps,
        {"x": GRID, "w": convolution.LECTURE_KERNEL, "stride": 2, "padding": 0},
    ),
    (convolution.parameter_count, {"kernel_size": (3, 3), "in_channels": 3, "filters": 2}),
    (convolution.pool2d, {"x": GRID, "size": 2, "stride": 1, "mode": "max"}),
    (convolution.pool2d_steps, {"x": GRID, "size": (2, 3), "stride": 2, "mode": "avg"}),
    (
        convolution.transpose_geometry,
        {
            "input_shape": (2, 2),
            "kernel_shape": (3, 3),
            "stride": 2,
            "padding": 1,
            "output_padding": 1,
        },
    ),
    (
        convolution.conv_transpose2d,
        {
            "x": GRID[:2, :3],
            "w": convolution.LECTURE_KERNEL,
            "stride": 2,
            "padding": 1,
            "output_padding": 0,
        },
    ),
    (
        convolution.conv_transpose2d_steps,
        {"x": GRID[:2, :3], "w": convolution.LECTURE_KERNEL, "stride": 1},
    ),
    (
        convolution.conv_matrix,
        {
            "input_shape": (4, 4),
            "w": convolution.LECTURE_KERNEL,
            "stride": 1,
            "padding": 0,
            "dilation": 1,
        },
    ),
    (
        convolution.restoring_output_padding,
        {"input_shape": (6, 6), "kernel_shape": (3, 3), "stride": 2, "padding": 1},
    ),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_convolution_error(
    function, kwargs, variant
) -> None:
    result = outcome(lambda: function(**kwargs), convolution.ConvolutionError)
    if must_refuse(variant):
        assert result == "refused"


@pytest.mark.parametrize(
    "call, words",
    [
        (
            lambda: convolution.output_size(5, 3, math.inf),
            "stride must be a whole number from 1 to 4096",
        ),
        (lambda: convolution.output_size(math.nan, 3), "input size must be a whole number"),
        (
            lambda: convolution.geometry((5, 5), (3, 3), padding=math.inf),
            "padding must be a whole number",
        ),
        (lambda: convolution.pool2d(np.array([[1.0, math.nan]]), 1), "finite"),
        (lambda: convolution.conv_transpose2d(np.array([[math.inf]]), np.ones((2, 2))), "finite"),
        (lambda: convolution.conv_matrix((4, 4), np.array([[math.nan]])), "finite"),
        (lambda: convolution.conv_matrix((300, 300), np.ones((1, 1))), "entries"),
    ],
)
def test_edge_values_get_messages_in_words(call, words) -> None:
    with pytest.raises(convolution.ConvolutionError, match=words):
        call()
