"""lab.roi against torchvision.ops.roi_pool and roi_align on random feature maps and boxes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torchvision.ops import roi_align as tv_roi_align
from torchvision.ops import roi_pool as tv_roi_pool

from lab.boxes import BoxError
from lab.roi import roi_align, roi_pool


def case(seed: int):
    rng = np.random.default_rng(seed)
    features = rng.normal(size=(3, 14, 19))
    xy = rng.uniform(-20, 280, (6, 2))
    wh = rng.uniform(0, 120, (6, 2))
    boxes = np.concatenate([xy, xy + wh], axis=1)
    boxes[0] = [35.5, 27.5, 36.5, 28.5]  # a box smaller than a cell
    boxes[1] = [0, 0, 300, 220]  # beyond the map
    return features, boxes


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("scale", [1 / 16, 1 / 8])
def test_roi_pool_equals_torchvision(seed, scale) -> None:
    features, boxes = case(seed)
    expected = tv_roi_pool(torch.from_numpy(features)[None], [torch.from_numpy(boxes)], (7, 7), scale).numpy()  # fmt: skip
    ours = np.stack([r.output for r in roi_pool(features, boxes, 7, scale)])
    np.testing.assert_allclose(ours, expected, atol=1e-12)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("sampling_ratio", [-1, 0, 2])
@pytest.mark.parametrize("aligned", [False, True])
def test_roi_align_equals_torchvision(seed, sampling_ratio, aligned) -> None:
    features, boxes = case(seed)
    expected = tv_roi_align(torch.from_numpy(features)[None], [torch.from_numpy(boxes)], (5, 4), 1 / 16, sampling_ratio, aligned).numpy()  # fmt: skip
    ours = np.stack([r.output for r in roi_align(features, boxes, (5, 4), 1 / 16, sampling_ratio, aligned)])  # fmt: skip
    np.testing.assert_allclose(ours, expected, atol=1e-12)


def test_the_sampled_points_and_bins_are_exposed() -> None:
    features = np.arange(64, dtype=float).reshape(1, 8, 8)
    aligned = roi_align(features, [[16, 16, 48, 48]], 2, 1 / 8, sampling_ratio=2, aligned=True)[0]
    assert aligned.points.shape == (2, 2, 4, 2)
    np.testing.assert_allclose(aligned.bins[0, 0], [1.5, 1.5, 3.5, 3.5])  # 16/8 - 0.5 = 1.5
    np.testing.assert_allclose(aligned.points[0, 0, 0], [2.0, 2.0])  # a quarter into the bin
    pooled = roi_pool(features, [[16, 16, 48, 48]], 2, 1 / 8)[0]
    np.testing.assert_array_equal(pooled.bins[0, 0], [2, 2, 5, 5])  # cells 2..4, rounded out
    assert pooled.output[0, 1, 1] == features[0, 6, 6] and tuple(pooled.argmax[0, 1, 1]) == (6, 6)


def test_bad_input_is_refused() -> None:
    with pytest.raises(BoxError, match="feature map"):
        roi_pool(np.zeros((4, 4)), [[0, 0, 1, 1]], 2)
    with pytest.raises(BoxError, match="output size"):
        roi_align(np.zeros((1, 4, 4)), [[0, 0, 1, 1]], 0)
    with pytest.raises(BoxError, match="spatial scale"):
        roi_align(np.zeros((1, 4, 4)), [[0, 0, 1, 1]], 2, 0.0)
