"""lab.classic: OpenCV's HOG people detector and Haar cascades, on real photos."""

from __future__ import annotations

import numpy as np
import pytest

from lab.boxes import BoxError
from lab.classic import CASCADES, HaarSettings, HogSettings, fit_to_person, haar, hog_people
from lab.detection import postprocess
from lab.detections import match
from lab.images import sample_image
from tests.shared_data import needs_testdata, pedestrians


def test_haar_finds_the_astronauts_face_and_no_face_in_the_coffee() -> None:
    faces = haar(sample_image("astronaut"), "frontal face")
    assert len(faces) == 1
    x1, y1, x2, y2 = faces.boxes[0]
    assert 170 <= x1 <= 185 and 60 <= y1 <= 72 and 265 <= x2 <= 280 and 155 <= y2 <= 168
    assert faces.labels.tolist() == ["face"]
    assert len(haar(sample_image("coffee"), "frontal face")) == 0


def test_haar_scores_rank_and_min_neighbours_zero_gives_raw_hits() -> None:
    raw = haar(sample_image("astronaut"), "frontal face", HaarSettings(min_neighbors=0))
    grouped = haar(sample_image("astronaut"), "frontal face", HaarSettings(min_neighbors=3))
    assert len(raw) > len(grouped) >= 1
    assert np.all(np.isfinite(raw.scores))


@pytest.mark.parametrize("cascade", list(CASCADES))
def test_every_cascade_loads_and_runs(cascade) -> None:
    found = haar(sample_image("chelsea"), cascade)
    assert set(found.labels.tolist()) <= {CASCADES[cascade][1]}


def test_windows_are_fitted_to_the_person_inside_them() -> None:
    fitted = fit_to_person(np.array([[0, 0, 64, 128], [100, 50, 228, 306]], float))
    np.testing.assert_allclose(fitted[0], [12, 16, 52, 112])  # 40 x 96, same centre
    np.testing.assert_allclose(fitted[1], [124, 82, 204, 274])  # twice the size: 80 x 192


@needs_testdata
def test_hog_recall_on_the_inria_street_photos() -> None:
    found = total = 0
    for _, image, truth in pedestrians():
        people = postprocess(hog_people(image), 0.0, 0.3, None, 100)
        truth_detections = people.__class__(truth, np.ones(len(truth)), ["person"] * len(truth))
        pairs, _, _ = match(truth_detections, people, 0.5)
        found += len(pairs)
        total += len(truth)
    assert found / total >= 0.7, f"recall {found}/{total}"


@needs_testdata
def test_raw_windows_without_fitting_score_low_iou() -> None:
    """The reason windows are fitted: the raw 64 x 128 window is much larger than the person."""
    _, image, truth = pedestrians()[0]
    unfitted = postprocess(hog_people(image, HogSettings(fit=False)), 0.0, 0.3, None, 100)
    fitted = postprocess(hog_people(image), 0.0, 0.3, None, 100)
    truth_detections = fitted.__class__(truth, np.ones(len(truth)), ["person"] * len(truth))
    assert len(match(truth_detections, fitted, 0.5).pairs) > len(
        match(truth_detections, unfitted, 0.5).pairs
    )


@pytest.mark.parametrize(
    "settings",
    [
        lambda: HogSettings(win_stride=0),
        lambda: HogSettings(scale=1.0),
        lambda: HogSettings(hit_threshold=float("nan")),
        lambda: HaarSettings(scale_factor=5),
        lambda: HaarSettings(min_neighbors=-1),
        lambda: HaarSettings(min_size=1),
    ],
)
def test_settings_out_of_range_are_refused(settings) -> None:
    with pytest.raises(BoxError):
        settings()


def test_a_photo_smaller_than_a_window_and_a_bad_image() -> None:
    assert len(hog_people(np.zeros((50, 30, 3), np.uint8))) == 0
    with pytest.raises(BoxError, match="RGB photo"):
        hog_people(np.zeros((50, 30), np.uint8))
    with pytest.raises(BoxError, match="unknown cascade"):
        haar(sample_image("coffee"), "no such cascade")


def test_raw_hits_come_in_one_order_whatever_the_threads_did() -> None:
    photo = sample_image("astronaut")
    for found in (hog_people(photo), haar(photo, "frontal face", HaarSettings(min_neighbors=0))):
        assert len(found) > 1
        assert np.all(np.diff(found.scores) <= 0)  # highest score first
        again = (
            hog_people(photo)
            if found.labels[0] == "person"
            else haar(photo, "frontal face", HaarSettings(min_neighbors=0))
        )
        np.testing.assert_array_equal(found.boxes, again.boxes)
