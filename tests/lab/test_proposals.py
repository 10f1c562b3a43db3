"""lab.proposals: selective search starts from skimage's felzenszwalb, merges adjacent regions
greedily by similarity, and its proposals find most people in the shared street photos."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.segmentation import felzenszwalb

from lab.boxes import BoxError
from lab.images import downscale, sample_image
from lab.iou import box_iou
from lab.proposals import (
    Initial,
    Merge,
    Strategy,
    _colour_space,
    proposals,
    regions_after,
    selective_search,
)
from tests.shared_data import needs_testdata, pedestrians


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    return downscale(sample_image("coffee"), 200)


@pytest.fixture(scope="module")
def steps(photo) -> list:
    return list(selective_search(photo, scale=100, sigma=0.8, min_size=30))


def test_the_first_step_is_felzenszwalbs_segmentation(photo, steps) -> None:
    initial = steps[0]
    assert isinstance(initial, Initial)
    expected = felzenszwalb(_colour_space(photo, "hsv"), scale=100, sigma=0.8, min_size=30)
    np.testing.assert_array_equal(initial.labels, expected)
    for region in range(len(initial.sizes)):
        rows, cols = np.nonzero(initial.labels == region)
        assert initial.boxes[region].tolist() == [cols.min(), rows.min(), cols.max() + 1, rows.max() + 1]  # fmt: skip
        assert initial.sizes[region] == len(rows)


def test_merges_run_until_one_region_covers_the_photo(photo, steps) -> None:
    initial, merges = steps[0], steps[1:]
    count = len(initial.sizes)
    assert len(merges) == count - 1 and all(isinstance(m, Merge) for m in merges)
    assert [m.new for m in merges] == list(range(count, 2 * count - 1))
    assert merges[-1].remaining == 1 and merges[-1].size == photo.shape[0] * photo.shape[1]
    assert merges[-1].box.tolist() == [0, 0, photo.shape[1], photo.shape[0]]
    used = [region for m in merges for region in (m.a, m.b)]
    assert len(used) == len(set(used))  # a region merges once
    for m in merges:
        assert m.similarity == pytest.approx(sum(m.parts.values()))


def test_each_merge_joins_touching_regions(steps) -> None:
    initial, merges = steps[0], steps[1:]
    for n in (0, 5, len(merges) // 2):
        regions = regions_after(initial, merges, n)
        a, b = merges[n].a, merges[n].b
        mask_a, mask_b = regions == a, regions == b
        grown = np.zeros_like(mask_a)
        grown[:-1] |= mask_a[1:]
        grown[1:] |= mask_a[:-1]
        grown[:, :-1] |= mask_a[:, 1:]
        grown[:, 1:] |= mask_a[:, :-1]
        assert (grown & mask_b).any(), n  # a and b share a border
        assert len(np.unique(regions)) == len(initial.sizes) - n


def test_size_only_similarity_merges_the_smallest_pairs_first(photo) -> None:
    items = list(selective_search(photo, 100, 0.8, 30, "hsv", ("size",)))
    sizes = [m.size for m in items[1:6]]
    initial = items[0]
    smallest_pair = sorted(initial.sizes)[:2]
    assert sizes[0] <= sum(sorted(initial.sizes)[-2:]) and sizes[0] >= sum(smallest_pair)


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"image": np.zeros((10, 10), np.uint8)}, "RGB photo"),
        ({"scale": 0}, "scale"),
        ({"similarities": ("smell",)}, "similarities"),
        ({"colour_space": "cmyk"}, "colour space"),
        ({"image": np.zeros((1200, 1200, 3), np.uint8)}, "1 megapixel"),
    ],
)
def test_bad_settings_are_refused(photo, kwargs, words) -> None:
    with pytest.raises(BoxError, match=words):
        list(selective_search(**{"image": photo} | kwargs))


def test_proposals_are_ranked_unique_boxes(photo) -> None:
    boxes = proposals(photo, (Strategy("hsv", 100), Strategy("lab", 100)), min_size=30)
    assert len(np.unique(boxes, axis=0)) == len(boxes)
    assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
    again = proposals(photo, (Strategy("hsv", 100), Strategy("lab", 100)), min_size=30)
    np.testing.assert_array_equal(boxes, again)  # seeded


@needs_testdata
def test_proposals_find_most_people_in_the_street_photos() -> None:
    found = {100: 0, 500: 0, 2000: 0}
    total = 0
    for _, photo, truth in pedestrians():
        small = downscale(photo, 400)
        factor = small.shape[1] / photo.shape[1]
        boxes = (proposals(small) / factor).astype(np.float32)
        total += len(truth)
        for count in found:
            best = box_iou(truth.astype(np.float32), boxes[:count]).max(axis=1)
            found[count] += int((best >= 0.5).sum())
    recall = {count: hits / total for count, hits in found.items()}
    print(f"selective search recall at IoU 0.5 (21 people): {recall}")
    assert recall[100] <= recall[500] <= recall[2000]
    assert recall[2000] > 0.5  # most people
