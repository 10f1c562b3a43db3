"""lab.mtcnn against facenet-pytorch's own MTCNN (a test-only import): the same boxes to a pixel,
the same probabilities to 1e-4, the same landmarks, on the sample photos and a real portrait."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from lab.detections import Detections
from lab.images import sample_image
from lab.mtcnn import (
    Merged,
    MTCNNError,
    MTCNNSettings,
    PNetScale,
    Pyramid,
    Refined,
    detect_faces,
    load_nets,
    mtcnn_steps,
)
from tests.shared_data import TESTDATA, grace_hopper

facenet = pytest.importorskip("facenet_pytorch", reason="facenet-pytorch is the oracle")


@pytest.fixture(scope="module")
def nets():
    return load_nets("cpu")


@pytest.fixture(scope="module")
def reference():
    return facenet.MTCNN(keep_all=True, select_largest=False, device="cpu")


def photos() -> dict[str, np.ndarray]:
    found = {name: sample_image(name) for name in ("astronaut", "camera", "coffee", "chelsea")}
    if TESTDATA.is_dir():
        found["grace_hopper"] = grace_hopper()[0]
    return found


@pytest.mark.parametrize("name", list(photos()))
def test_boxes_probabilities_and_landmarks_equal_facenet_pytorch(nets, reference, name) -> None:
    image = photos()[name]
    ours = detect_faces(image, nets)
    boxes, probabilities, points = reference.detect(image, landmarks=True)
    if boxes is None:
        assert len(ours) == 0
        return
    mine = ours.by_score()
    boxes, points = boxes.astype(float), points.astype(float)
    probabilities = probabilities.astype(float)
    theirs = np.argsort(-probabilities, kind="stable")
    assert len(mine) == len(boxes)
    np.testing.assert_allclose(mine.boxes, boxes[theirs], atol=1.0)
    np.testing.assert_allclose(mine.scores, probabilities[theirs], atol=1e-4)
    np.testing.assert_allclose(mine.keypoints[..., :2], points[theirs], atol=1.0)


def test_the_astronauts_face_is_found_and_the_coffee_has_none(nets) -> None:
    faces = detect_faces(sample_image("astronaut"), nets)
    assert len(faces) == 1 and faces.labels.tolist() == ["face"] and faces.scores[0] > 0.99
    x1, y1, x2, y2 = faces.boxes[0]
    assert 170 < x1 < 190 and 55 < y1 < 75 and 255 < x2 < 280 and 160 < y2 < 185
    assert len(detect_faces(sample_image("coffee"), nets)) == 0


def test_the_stages_tell_the_cascade_in_order(nets) -> None:
    steps = list(mtcnn_steps(sample_image("astronaut"), nets))
    pyramid, scales = steps[0], [s for s in steps if isinstance(s, PNetScale)]
    assert isinstance(pyramid, Pyramid) and len(scales) == len(pyramid.scales) > 3
    assert all(a > b for a, b in zip(pyramid.scales, pyramid.scales[1:], strict=False))
    for stage in scales:
        height, width = stage.size
        # P-Net is a 12 x 12 window moved 2 pixels at a time, computed as one convolution (its
        # pooling rounds up, so an odd size adds one window reaching a pixel past the edge).
        rows, cols = (int(np.ceil((n - 2) / 2)) - 4 for n in (height, width))
        assert stage.probability.shape == (rows, cols)
        assert set(stage.kept.tolist()) <= set(range(len(stage.candidates)))
        assert np.all(stage.scores >= 0.6)
    merged = next(s for s in steps if isinstance(s, Merged))
    assert len(merged.squared) <= sum(len(s.kept) for s in scales)
    sides = merged.squared[:, 2:] - merged.squared[:, :2]
    np.testing.assert_allclose(sides[:, 0], sides[:, 1], rtol=1e-5)  # made square
    refined = [s for s in steps if isinstance(s, Refined)]
    assert [r.stage for r in refined] == ["R-Net", "O-Net"]
    assert refined[0].crops.shape[1:] == (24, 24, 3) and refined[1].crops.shape[1:] == (48, 48, 3)
    assert refined[1].landmarks.shape == (len(refined[1].boxes_out), 5, 2)
    assert isinstance(steps[-1], Detections) and len(steps[-1]) == len(refined[1].boxes_out)


def test_settings_change_the_search(nets) -> None:
    image = sample_image("astronaut")
    strict = detect_faces(image, nets, MTCNNSettings(thresholds=(0.6, 0.7, 0.9999999)))
    assert len(strict) == 0
    few = next(mtcnn_steps(image, nets, MTCNNSettings(min_face_size=200)))
    many = next(mtcnn_steps(image, nets, MTCNNSettings(min_face_size=20)))
    assert len(few.scales) < len(many.scales)
    with pytest.raises(MTCNNError):
        MTCNNSettings(factor=1.5)


def test_weights_load_as_plain_tensors(nets) -> None:
    assert all(p.dtype == torch.float32 for p in nets.onet.parameters())
    assert not nets.pnet.training


def test_a_sliding_window_equals_the_dense_map(nets) -> None:
    from lab.mtcnn import pyramid_level, sliding_window

    rng = np.random.default_rng(0)
    for scale in (0.6, 0.25):
        level = pyramid_level(sample_image("astronaut"), nets, scale)
        rows = (level.shape[2] - 12) // 2 + 1
        cols = (level.shape[3] - 12) // 2 + 1
        for _ in range(20):
            row, col = int(rng.integers(0, rows)), int(rng.integers(0, cols))
            window = sliding_window(level, nets, row, col)
            assert window.crop.shape == (12, 12, 3)
            assert abs(window.alone - window.dense) < 1e-5
    with pytest.raises(MTCNNError, match="outside"):
        sliding_window(level, nets, rows + 5, 0)
