"""lab.grids: the inputs and kernels the stepper offers."""

from __future__ import annotations

import numpy as np
import pytest

from lab import convolution
from lab.grids import (
    MAX_STEPPED_GRID,
    MAX_STEPPED_KERNEL,
    GridError,
    example_input,
    example_kernel,
)
from tests.hostile import TEXTS, attack, must_refuse, outcome


def test_lecture_input_and_kernel_give_the_lecture_output() -> None:
    np.testing.assert_array_equal(
        convolution.conv2d(example_input("lecture 5×5 example"), example_kernel("lecture 3×3")),
        convolution.LECTURE_OUTPUT,
    )


def test_random_inputs_are_seeded_and_shaped() -> None:
    first = example_input("random integers", 3, (4, 6), seed=5)
    np.testing.assert_array_equal(first, example_input("random integers", 3, (4, 6), seed=5))
    assert first.shape == (3, 4, 6) and first.min() >= 0 and first.max() <= 9
    assert not np.array_equal(first, example_input("random integers", 3, (4, 6), seed=6))


def test_multichannel_lecture_channels_differ() -> None:
    volume = example_input("lecture 5×5 example", 3)
    assert volume.shape == (3, 5, 5) and not np.array_equal(volume[0], volume[1])


def test_photo_crop_is_gray_or_rgb() -> None:
    patch = np.zeros((4, 4, 3))
    patch[..., 0] = 100
    assert example_input("photo crop", 1, patch=patch)[0, 0] == round(0.299 * 100)
    np.testing.assert_array_equal(example_input("photo crop", 3, patch=patch)[0], 100)


def test_kernel_volume_for_channels() -> None:
    volume = example_kernel("lecture 3×3", channels=3, filters=2, shape=(2, 3))
    assert volume.shape == (2, 3, 2, 3) and set(np.unique(volume)) <= {-2, -1, 0, 1, 2}


@pytest.mark.parametrize(
    "call, words",
    [
        (lambda: example_kernel("typed", text="1 2 3 4 5 6 7 8"), "up to 7"),  # too wide
        (lambda: example_kernel("median"), "unknown kernel"),  # not a kernel
        (lambda: example_input("webcam"), "unknown input"),  # not a source
        (lambda: example_input("photo crop"), "patch"),  # no photo
        (lambda: example_input("typed grid", text="1 2\n3"), "same number"),  # ragged
    ],
)
def test_bad_choices_explain_themselves(call, words: str) -> None:
    with pytest.raises(ValueError, match=words):
        call()


# --- hostile values ------------------------------------------------------------------------------

EDGE_CASES = [
    (
        example_input,
        {"source": "random integers", "channels": 3, "shape": (4, 5), "seed": 3},
    ),
    (example_input, {"source": "typed grid", "channels": 1, "text": "1 2\n3 4"}),
    (
        example_kernel,
        {"choice": "random integers", "channels": 2, "filters": 2, "shape": (3, 3), "seed": 1},
    ),
    (example_kernel, {"choice": "typed", "text": "1 0 -1"}),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_a_grid_error(function, kwargs, variant) -> None:
    result = outcome(lambda: function(**kwargs), GridError)
    if must_refuse(variant):
        assert result == "refused"


@pytest.mark.parametrize("name, text", list(TEXTS.items()))
def test_typed_grids_are_read_or_refused(name, text) -> None:
    calls = (
        (lambda: example_input("typed grid", text=text), MAX_STEPPED_GRID),
        (lambda: example_kernel("typed", text=text), MAX_STEPPED_KERNEL),
    )
    for call, limit in calls:
        if outcome(call, GridError) == "finite":
            assert max(call().shape) <= limit


def test_a_typed_grid_over_32_is_refused_with_its_size() -> None:
    text = "\n".join(" ".join(["1"] * 33) for _ in range(33))
    with pytest.raises(GridError, match="up to 32 × 32 .* 33 × 33"):
        example_input("typed grid", text=text)
