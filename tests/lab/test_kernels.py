"""lab.kernels against torch and OpenCV as oracles, and a property per preset."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
import torch
import torch.nn.functional as F

from lab import kernels
from tests.hostile import TEXTS, attack, must_refuse, outcome

TORCH_PAD = {"zero": "constant", "reflect": "reflect", "replicate": "replicate"}
CV2_BORDER = {
    "zero": cv2.BORDER_CONSTANT,
    "reflect": cv2.BORDER_REFLECT_101,
    "replicate": cv2.BORDER_REPLICATE,
}
RNG = np.random.default_rng(0)
RANDOM_KERNELS = {f"random {n}x{n}": RNG.normal(size=(n, n)) for n in (1, 3, 5, 7, 9)}
ALL_KERNELS = {
    **kernels.PRESETS,
    **RANDOM_KERNELS,
    "gaussian 9 s2": kernels.gaussian_kernel(9, 2.0),
}


def torch_reference(image: np.ndarray, kernel: np.ndarray, border: str) -> np.ndarray:
    """Cross-correlation by torch: pad as the border rule says, then a valid F.conv2d."""
    planes = image[None] if image.ndim == 2 else np.moveaxis(image, 2, 0)  # [C, H, W]
    x = torch.from_numpy(planes.astype(np.float64))[:, None]  # [C, 1, H, W]
    kh, kw = kernel.shape
    pad = (kw // 2, kw // 2, kh // 2, kh // 2)
    x = F.pad(x, pad, mode=TORCH_PAD[border])
    w = torch.from_numpy(kernel.astype(np.float64))[None, None]  # [1, 1, kh, kw]
    out = F.conv2d(x, w)[:, 0].numpy()  # [C, H, W]
    return out[0] if image.ndim == 2 else np.moveaxis(out, 0, 2)


@pytest.mark.parametrize("border", list(kernels.BORDERS))
@pytest.mark.parametrize("name", list(ALL_KERNELS))
def test_apply_kernel_matches_torch_conv2d(name: str, border: str) -> None:
    kernel = ALL_KERNELS[name]
    for image in (
        RNG.integers(0, 256, size=(23, 31)).astype(np.uint8),  # grayscale uint8
        RNG.integers(0, 256, size=(17, 12, 3)).astype(np.uint8),  # colour, per channel
        RNG.normal(size=(15, 19)).astype(np.float32),  # signed float input
    ):
        ours = kernels.apply_kernel(image, kernel, border)
        assert ours.dtype == np.float32 and ours.shape == image.shape
        np.testing.assert_allclose(
            ours, torch_reference(image, kernel, border), rtol=1e-5, atol=1e-3
        )


@pytest.mark.parametrize("border", list(kernels.BORDERS))
def test_apply_kernel_matches_cv2_filter2d(border: str) -> None:
    image = RNG.integers(0, 256, size=(40, 50, 3)).astype(np.uint8)
    for kernel in ALL_KERNELS.values():
        expected = cv2.filter2D(
            image.astype(np.float64), cv2.CV_64F, kernel, borderType=CV2_BORDER[border]
        )
        np.testing.assert_allclose(
            kernels.apply_kernel(image, kernel, border), expected, rtol=1e-5, atol=1e-3
        )


def test_apply_kernel_is_cross_correlation_not_convolution() -> None:
    # One bright pixel: cross-correlation writes the kernel flipped around it, convolution as is.
    image = np.zeros((5, 5), dtype=np.float32)
    image[2, 2] = 1
    kernel = np.arange(9, dtype=float).reshape(3, 3)
    np.testing.assert_array_equal(
        kernels.apply_kernel(image, kernel, "zero")[1:4, 1:4], kernel[::-1, ::-1]
    )


@pytest.mark.parametrize("border", list(kernels.BORDERS))
@pytest.mark.parametrize("name", ["sobel x", "gaussian 9 s2", "random 7x7", "random 1x1", "emboss"])
def test_pixel_window_sum_equals_output_pixel(name: str, border: str) -> None:
    image = RNG.integers(0, 256, size=(12, 9)).astype(np.float32)
    kernel = ALL_KERNELS[name]
    output = kernels.apply_kernel(image, kernel, border)
    for row, col in [(0, 0), (0, 8), (11, 0), (11, 8), (5, 4), (1, 7), (10, 2)]:
        window = kernels.pixel_window(image, kernel, row, col, border)
        np.testing.assert_allclose(window.value, output[row, col], rtol=1e-6, atol=1e-3)
        np.testing.assert_allclose(window.products, kernel * window.patch, rtol=1e-6)


def test_pixel_window_marks_and_fills_border_values() -> None:
    image = np.arange(1, 13, dtype=np.float32).reshape(3, 4)
    kernel = np.ones((3, 3))
    zero = kernels.pixel_window(image, kernel, 0, 0, "zero")
    assert zero.outside.sum() == 5 and zero.patch[zero.outside].sum() == 0
    reflect = kernels.pixel_window(image, kernel, 0, 0, "reflect")
    np.testing.assert_array_equal(reflect.patch, [[6, 5, 6], [2, 1, 2], [6, 5, 6]])
    replicate = kernels.pixel_window(image, kernel, 0, 0, "replicate")
    np.testing.assert_array_equal(replicate.patch, [[1, 1, 2], [1, 1, 2], [5, 5, 6]])


def test_sum_formula_writes_the_real_numbers() -> None:
    image = np.array([[10, 20, 30], [40, 50, 60], [70, 80, 90]], dtype=np.float32)
    window = kernels.pixel_window(image, kernels.PRESETS["sobel x"], 1, 1, "zero")
    assert kernels.sum_formula(window, kernels.PRESETS["sobel x"]) == (
        "(-1)*10 + 0*20 + 1*30 + (-2)*40 + 0*50 + 2*60 + (-1)*70 + 0*80 + 1*90 = 80"
    )


# --- a property of every preset that a wrong kernel would fail --------------------------------

STEP_RIGHT = np.tile(np.r_[np.zeros(8), np.full(8, 100.0)], (16, 1)).astype(
    np.float32
)  # dark | bright
STEP_DOWN = STEP_RIGHT.T.copy()
CONSTANT = np.full((16, 16), 77.0, dtype=np.float32)


@pytest.mark.parametrize("name", ["sobel x", "scharr x", "prewitt x"])
def test_x_derivatives_see_vertical_edges_only(name: str) -> None:
    kernel = kernels.PRESETS[name]
    across = kernels.apply_kernel(STEP_RIGHT, kernel, "replicate")
    along = kernels.apply_kernel(STEP_DOWN, kernel, "replicate")
    assert across[:, 7:9].min() > 0  # dark-to-bright to the right gives a positive response
    assert np.abs(across[:, :6]).max() == 0 and np.abs(across[:, 10:]).max() == 0
    assert np.abs(along).max() == 0  # a horizontal edge is invisible


@pytest.mark.parametrize("name", ["sobel y", "scharr y", "prewitt y"])
def test_y_derivatives_see_horizontal_edges_only(name: str) -> None:
    kernel = kernels.PRESETS[name]
    assert kernels.apply_kernel(STEP_DOWN, kernel, "replicate")[7:9].min() > 0
    assert np.abs(kernels.apply_kernel(STEP_RIGHT, kernel, "replicate")).max() == 0


def test_sobel_weights_are_the_course_ones() -> None:
    np.testing.assert_array_equal(kernels.PRESETS["sobel x"], [[-1, 0, 1], [-2, 0, 2], [-1, 0, 1]])
    np.testing.assert_array_equal(kernels.PRESETS["sobel y"], kernels.PRESETS["sobel x"].T)
    np.testing.assert_array_equal(
        kernels.PRESETS["gaussian"] * 16, [[1, 2, 1], [2, 4, 2], [1, 2, 1]]
    )


@pytest.mark.parametrize("border", list(kernels.BORDERS))
def test_sobel_magnitude_is_hypot_of_both_derivatives(border: str) -> None:
    image = RNG.integers(0, 256, size=(20, 20)).astype(np.float32)
    gx = kernels.apply_kernel(image, kernels.PRESETS["sobel x"], border)
    gy = kernels.apply_kernel(image, kernels.PRESETS["sobel y"], border)
    magnitude = kernels.gradient_magnitude(
        image, kernels.PRESETS["sobel x"], kernels.PRESETS["sobel y"], border
    )
    np.testing.assert_allclose(magnitude, np.hypot(gx, gy), rtol=1e-6)
    # The same edge at 0 and 90 degrees gives the same magnitude.
    a = kernels.gradient_magnitude(
        STEP_RIGHT, kernels.PRESETS["sobel x"], kernels.PRESETS["sobel y"], "replicate"
    )
    b = kernels.gradient_magnitude(
        STEP_DOWN, kernels.PRESETS["sobel x"], kernels.PRESETS["sobel y"], "replicate"
    )
    np.testing.assert_allclose(a, b.T)


@pytest.mark.parametrize("name", ["identity", "box blur", "gaussian", "sharpen", "emboss"])
@pytest.mark.parametrize("border", ["reflect", "replicate"])
def test_sum_one_kernels_keep_a_constant_image(name: str, border: str) -> None:
    np.testing.assert_allclose(
        kernels.apply_kernel(CONSTANT, kernels.PRESETS[name], border), CONSTANT, rtol=1e-6
    )


@pytest.mark.parametrize("name", ["laplacian", "outline", "sobel x", "sobel y", "scharr x"])
def test_sum_zero_kernels_turn_flat_regions_to_zero(name: str) -> None:
    np.testing.assert_allclose(
        kernels.apply_kernel(CONSTANT, kernels.PRESETS[name], "reflect"), 0, atol=1e-4
    )


def test_zero_border_darkens_a_blurred_constant_image_at_the_edges() -> None:
    blurred = kernels.apply_kernel(CONSTANT, kernels.PRESETS["box blur"], "zero")
    assert blurred[0, 0] == pytest.approx(77 * 4 / 9) and blurred[8, 8] == pytest.approx(77)


def test_identity_copies_the_image() -> None:
    image = RNG.integers(0, 256, size=(9, 11, 3)).astype(np.uint8)
    for size in (1, 3, 9):
        np.testing.assert_array_equal(
            kernels.apply_kernel(image, kernels.identity_kernel(size)), image
        )


def test_box_blur_averages_the_neighbourhood() -> None:
    image = RNG.integers(0, 256, size=(10, 10)).astype(np.float32)
    blurred = kernels.apply_kernel(image, kernels.box_kernel(5))
    assert blurred[4, 5] == pytest.approx(image[2:7, 3:8].mean(), rel=1e-5)


def test_sharpen_overshoots_at_an_edge() -> None:
    sharpened = kernels.apply_kernel(STEP_RIGHT, kernels.PRESETS["sharpen"], "replicate")
    assert sharpened[:, 7].max() < 0 and sharpened[:, 8].min() > 100  # darker dark, brighter bright


def test_laplacian_is_zero_on_a_ramp_and_negative_on_a_peak() -> None:
    ramp = np.tile(np.arange(16, dtype=np.float32) * 3, (16, 1))
    assert (
        np.abs(
            kernels.apply_kernel(ramp, kernels.PRESETS["laplacian"], "replicate")[2:-2, 2:-2]
        ).max()
        == 0
    )
    peak = np.zeros((5, 5), dtype=np.float32)
    peak[2, 2] = 10
    assert kernels.apply_kernel(peak, kernels.PRESETS["laplacian"], "zero")[2, 2] == -40
    assert kernels.apply_kernel(peak, kernels.PRESETS["outline"], "zero")[2, 2] == 80


def test_emboss_is_antisymmetric_along_the_diagonal() -> None:
    emboss = kernels.PRESETS["emboss"]
    off_centre = emboss.copy()
    off_centre[1, 1] = 0
    np.testing.assert_array_equal(off_centre, -off_centre[::-1, ::-1])
    assert emboss.sum() == 1


@pytest.mark.parametrize("size, sigma", [(3, 0.8), (5, 1.0), (9, 2.0), (7, 0.5)])
def test_gaussian_kernel_matches_opencv(size: int, sigma: float) -> None:
    profile = cv2.getGaussianKernel(size, sigma, cv2.CV_64F)[:, 0]
    np.testing.assert_allclose(
        kernels.gaussian_kernel(size, sigma), np.outer(profile, profile), rtol=1e-10
    )


def test_course_sigma_gives_the_course_gaussian() -> None:
    np.testing.assert_allclose(
        kernels.gaussian_kernel(3, kernels.COURSE_SIGMA), kernels.PRESETS["gaussian"], rtol=1e-12
    )
    np.testing.assert_allclose(
        kernels.preset_kernel("gaussian"), kernels.PRESETS["gaussian"], rtol=1e-12
    )


def test_gaussian_kernel_spreads_with_sigma() -> None:
    narrow, wide = kernels.gaussian_kernel(7, 0.7), kernels.gaussian_kernel(7, 3.0)
    assert narrow[3, 3] > wide[3, 3] and narrow[0, 0] < wide[0, 0]
    assert narrow.sum() == pytest.approx(1) and wide.sum() == pytest.approx(1)


@pytest.mark.parametrize(
    "size, sigma",
    [
        (4, 1.0),  # even size has no centre
        (0, 1.0),  # empty
        (3, 0.0),  # sigma must be positive
        (3, float("nan")),  # not a number
    ],
)
def test_gaussian_kernel_rejects_bad_parameters(size: int, sigma: float) -> None:
    with pytest.raises(ValueError):
        kernels.gaussian_kernel(size, sigma)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("0 -1 0\n-1 5 -1\n0 -1 0", kernels.PRESETS["sharpen"]),  # spaces and lines
        ("1,2,1; 2,4,2; 1,2,1", [[1, 2, 1], [2, 4, 2], [1, 2, 1]]),  # commas and semicolons
        ("[[1/16, 1/8, 1/16], [1/8, 1/4, 1/8], [1/16, 1/8, 1/16]]", kernels.PRESETS["gaussian"]),
        ("7", [[7]]),  # 1 x 1
    ],
)
def test_parse_kernel_reads_typed_kernels(text: str, expected) -> None:
    np.testing.assert_allclose(kernels.parse_kernel(text), expected)


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "at least one row"),  # nothing typed
        ("1 2\n3 4", "odd"),  # no centre
        ("1 2 3\n4 5\n6 7 8", "same number"),  # ragged
        ("1 x 3\n1 2 3\n1 2 3", "'x' is not a number"),  # a word
        ("1 1/0 1\n1 1 1\n1 1 1", "not a number"),  # division by zero
        ("1 nan 1\n1 1 1\n1 1 1", "finite"),  # NaN
    ],
)
def test_parse_kernel_explains_bad_text(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        kernels.parse_kernel(text)


def test_format_and_parse_round_trip() -> None:
    kernel = kernels.gaussian_kernel(5, 1.3)
    np.testing.assert_allclose(
        kernels.parse_kernel(kernels.format_kernel(kernel)), kernel, rtol=1e-5
    )


def test_resize_kernel_keeps_the_centre() -> None:
    grown = kernels.resize_kernel(kernels.PRESETS["sharpen"], 5)
    np.testing.assert_array_equal(grown[1:4, 1:4], kernels.PRESETS["sharpen"])
    assert grown.sum() == 1 and grown[0].sum() == 0
    np.testing.assert_array_equal(kernels.resize_kernel(grown, 3), kernels.PRESETS["sharpen"])


@pytest.mark.parametrize(
    "kernel, words",
    [
        (kernels.PRESETS["identity"], "Identity"),
        (kernels.PRESETS["box blur"], "blurred"),
        (kernels.PRESETS["box blur"] * 2, "brighter"),
        (kernels.PRESETS["sobel x"], "vertical edges"),
        (kernels.PRESETS["sobel y"], "horizontal edges"),
        (kernels.PRESETS["laplacian"], "every direction"),
        (kernels.PRESETS["sharpen"], "sharpened"),
        (np.array([[0, -1, 0], [0, 2, 0], [0, -1, 0]]), "above and below"),  # 'horizontal sharpen'
        (np.zeros((3, 3)), "disappears"),
    ],
)
def test_describe_kernel_says_what_it_does(kernel, words: str) -> None:
    assert words in kernels.describe_kernel(kernel)


@pytest.mark.parametrize(
    "kernel, border",
    [
        (np.ones((2, 2)), "reflect"),  # even size
        (np.ones(3), "reflect"),  # 1-D
        (np.full((3, 3), np.inf), "reflect"),  # infinite weight
        (np.ones((3, 3)), "wrap"),  # unknown border
    ],
)
def test_apply_kernel_rejects_bad_kernels(kernel, border: str) -> None:
    with pytest.raises(ValueError):
        kernels.apply_kernel(np.zeros((5, 5)), kernel, border)


# --- hostile values: every argument of every public function ------------------------------------

SMALL_IMAGE = np.arange(48, dtype=np.float64).reshape(6, 8)
EDGE_CASES = [
    (kernels.gaussian_kernel, {"size": 3, "sigma": 1.0}),
    (kernels.box_kernel, {"size": 3}),
    (kernels.identity_kernel, {"size": 3}),
    (kernels.preset_kernel, {"name": "gaussian", "size": 5, "sigma": 1.0}),
    (kernels.validate_kernel, {"kernel": kernels.PRESETS["sobel x"]}),
    (kernels.validate_image, {"image": SMALL_IMAGE}),
    (
        kernels.apply_kernel,
        {"image": SMALL_IMAGE, "kernel": kernels.PRESETS["laplacian"], "border": "zero"},
    ),
    (
        kernels.gradient_magnitude,
        {
            "image": SMALL_IMAGE,
            "kernel_x": kernels.PRESETS["sobel x"],
            "kernel_y": kernels.PRESETS["sobel y"],
            "border": "reflect",
        },
    ),
    (
        kernels.pixel_window,
        {
            "channel": SMALL_IMAGE,
            "kernel": kernels.PRESETS["sharpen"],
            "row": 2,
            "col": 3,
            "border": "replicate",
        },
    ),
    (kernels.describe_kernel, {"kernel": kernels.PRESETS["emboss"]}),
    (kernels.resize_kernel, {"kernel": kernels.PRESETS["outline"], "size": 5}),
    (kernels.format_kernel, {"kernel": kernels.PRESETS["gaussian"]}),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_kernel_error(
    function, kwargs, variant
) -> None:
    result = outcome(lambda: function(**kwargs), kernels.KernelError)
    if must_refuse(variant):
        assert result == "refused"


@pytest.mark.parametrize("name, text", list(TEXTS.items()))
def test_typed_kernels_are_read_or_refused_with_a_reason(name, text) -> None:
    for typed in (text, f"0 0 0\n0 {text} 0\n0 0 0"):
        if (
            outcome(lambda typed=typed: kernels.parse_kernel(typed), kernels.KernelError)
            == "finite"
        ):
            kernel = kernels.parse_kernel(typed)
            assert np.abs(kernel).max() <= kernels.MAX_WEIGHT


@pytest.mark.parametrize(
    "weights",
    [
        [[1e39]],  # finite in float64, infinite in float32
        [[1e38, 0, -1e38], [1e38, 1, 1e38], [0, 0, 0]],  # sums overflow float32
        [[0, 0, 0], [0, 1e7, 0], [0, 0, 0]],  # beyond MAX_WEIGHT
    ],
)
def test_weights_that_overflow_float32_are_refused_not_turned_into_nan(weights) -> None:
    with pytest.raises(kernels.KernelError, match="within ±1e\\+06"):
        kernels.apply_kernel(SMALL_IMAGE, np.array(weights))


def test_the_largest_weights_allowed_stay_finite_everywhere() -> None:
    photo = np.full((20, 20), 255.0)
    kernel = np.full((15, 15), kernels.MAX_WEIGHT)
    kernel[::2] *= -1
    output = kernels.apply_kernel(photo, kernel)
    assert np.all(np.isfinite(output))
    from lab.viz.kernels import histogram, kernel_heatmap

    histogram(output, signed=True)  # ranges of +-5.7e10: no NaN bins
    kernel_heatmap(kernel)


@pytest.mark.parametrize(
    "image, words",
    [
        (np.zeros((0, 5)), "empty"),
        (np.zeros((4, 4, 513)), "1 to 4 channels"),
        (np.zeros((2, 2, 2, 2)), "[H, W]"),
        (np.array([["a", "b"]]), "numbers"),
    ],
)
def test_images_cv2_cannot_filter_are_refused_in_words(image, words) -> None:
    with pytest.raises(kernels.KernelError, match=words.replace("[", "\\[").replace("]", "\\]")):
        kernels.apply_kernel(image, kernels.PRESETS["identity"])


def test_a_tiny_sigma_is_refused_not_nan() -> None:
    with pytest.raises(kernels.KernelError, match="sigma"):
        kernels.gaussian_kernel(3, 1e-200)
    assert np.all(np.isfinite(kernels.gaussian_kernel(15, kernels.SIGMA_RANGE[0])))
