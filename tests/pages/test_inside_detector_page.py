"""'Inside a detector' in AppTest: each section's numbers against the engine (itself tested
against torchvision, skimage and facenet-pytorch) and hostile values in its typed inputs."""

from __future__ import annotations

import numpy as np
import pytest

from lab import anchors, roi
from lab.images import downscale, sample_image
from lab.proposals import selective_search
from tests.pages.conftest import assault, messages, texts

PARTS = ["Selective search", "Anchors and box regression", "RoI pooling", "YOLO", "MTCNN"]
TRUTH = np.array([[178, 60, 272, 170], [40, 150, 472, 512]], float)


def metric(app, label: str) -> str:
    return next(m.value for m in app.metric if m.label == label)


def table(app, column, which: int = 0):
    """The `which`-th dataframe on the page with a column named `column` (AppTest has no keys)."""
    return [d.value for d in app.dataframe if column in d.value.columns][which]


def part(app, name: str):
    app.segmented_control(key="anat_part").set_value(name).run()
    assert not app.exception, [e.value for e in app.exception]
    return app


def photo() -> np.ndarray:
    return downscale(sample_image("astronaut"), 512)


def test_selective_search_steps_the_merges(run_page) -> None:
    app = run_page("inside_detector")
    items = list(selective_search(photo(), 100, 0.8, 50, "hsv"))
    initial, merges = items[0], items[1:]
    assert metric(app, "Regions at the start") == str(len(initial.sizes))
    app.slider(key="anat_merges").set_value(10).run()
    assert metric(app, "Regions now") == str(len(initial.sizes) - 10)
    merge = merges[9]
    assert f"merge 10: regions {merge.a} + {merge.b} -> region {merge.new}" in texts(app)
    recall = table(app, "recall @0.5")
    assert recall["recall @0.5"].is_monotonic_increasing and recall["recall @0.5"].iloc[-1] == 1.0
    app.slider(key="anat_scale").set_value(300).run()  # larger regions: fewer to start with
    assert int(metric(app, "Regions at the start")) < len(initial.sizes)


def test_anchors_and_their_labels(run_page) -> None:
    app = part(run_page("inside_detector"), PARTS[1])
    every = anchors.generate((16, 16), 32, (64, 128, 256), (0.5, 1.0, 2.0))
    assert metric(app, "Anchors per image") == f"{len(every):,}"
    labels = anchors.assign(every, TRUTH).labels
    assert metric(app, "Positive") == str(int((labels == anchors.POSITIVE).sum()))
    assert metric(app, "Negative") == str(int((labels == anchors.NEGATIVE).sum()))
    app.select_slider(key="anat_stride").set_value(16).run()
    assert metric(app, "Feature map") == "32 x 32"
    app.slider(key="anat_positive").set_value(0.5).run()
    labels = anchors.assign(anchors.generate((32, 32), 16, (64, 128, 256), (0.5, 1.0, 2.0)), TRUTH, 0.5).labels  # fmt: skip
    assert metric(app, "Positive") == str(int((labels == anchors.POSITIVE).sum()))


def test_box_regression_targets_and_the_decoded_box(run_page) -> None:
    app = part(run_page("inside_detector"), PARTS[1])
    every = anchors.generate((16, 16), 32, (64, 128, 256), (0.5, 1.0, 2.0))
    result = anchors.assign(every, TRUTH)
    positive = np.flatnonzero(result.labels == anchors.POSITIVE)
    best = positive[np.argsort(-result.best_iou[positive], kind="stable")][0]
    target = anchors.encode(every[best][None], TRUTH[result.matched[best]][None])[0]
    assert f"= {target[0]:.4f}" in texts(app) and f"= {target[2]:.4f}" in texts(app)
    app.button[0].click().run()  # "Set to the target"
    assert app.slider(key="anat_dx").value == pytest.approx(round(target[0], 2))
    assert "IoU 0.9" in texts(app) or "IoU 1.000" in texts(
        app
    )  # the decoded box is the truth (to 0.01)
    app.radio(key="anat_weights").set_value("second stage (10, 10, 5, 5)").run()
    assert f"= {10 * target[0]:.4f}" in texts(app)


def test_roi_pool_and_align_outputs(run_page) -> None:
    app = part(run_page("inside_detector"), PARTS[2])
    image = photo()
    grey = image.astype(float).mean(axis=2) / 25.5
    features = np.round(grey.reshape(32, 16, 32, 16).mean(axis=(1, 3)), 1)
    pooled = roi.roi_pool(features[None], TRUTH[:1], 2, 1 / 16)[0].output[0]
    aligned = roi.roi_align(features[None], TRUTH[:1], 2, 1 / 16, 2, True)[0].output[0]
    np.testing.assert_allclose(table(app, 0, 0).to_numpy(), pooled.round(3))
    np.testing.assert_allclose(table(app, 0, 1).to_numpy(), aligned.round(3))
    app.toggle(key="anat_aligned").set_value(False).run()
    unaligned = roi.roi_align(features[None], TRUTH[:1], 2, 1 / 16, 2, False)[0].output[0]
    np.testing.assert_allclose(table(app, 0, 1).to_numpy(), unaligned.round(3))


def test_yolo_targets_loss_and_priors(run_page) -> None:
    from lab import yolo

    app = part(run_page("inside_detector"), PARTS[3])
    targets = table(app, "target")
    assert len(targets) == 30 and targets["target"].iloc[4] == 1.0  # box 1's confidence
    tx, ty, tw, th = yolo.encode_box(TRUTH[:1], 512, 512, 7)
    assert targets["target"].iloc[:4].tolist() == pytest.approx([round(v, 3) for v in (tx, ty, tw, th)])  # fmt: skip
    terms = yolo.loss_terms(TRUTH[:1], [[170, 70, 290, 190]], 512, 512, 0.6, 0.8, [0.1] * (98 - 4))
    assert metric(app, "Loss for this image") == f"{terms.total:.4f}"
    app.text_input(key="anat_prediction").input("178 60 272 170").run()
    perfect = yolo.loss_terms(TRUTH[:1], TRUTH[:1], 512, 512, 0.6, 0.8, [0.1] * 94)
    assert metric(app, "Loss for this image") == f"{perfect.total:.4f}"
    app.text_input(key="anat_prediction").input("5 5 1").run()
    assert any("four numbers" in m for m in messages(app))


def test_mtcnn_stages_and_the_sliding_window(run_page) -> None:
    app = part(run_page("inside_detector"), PARTS[4])
    counts = table(app, "stage")
    assert counts["stage"].iloc[-1] == "faces" and counts["in"].iloc[-1] == "1 faces"
    assert abs(float(metric(app, "P-Net on the crop alone")) - float(metric(app, "The dense map's cell"))) < 1e-5  # fmt: skip
    app.select_slider(key="anat_stage").set_value("O-Net").run()
    assert not app.exception
    app.slider(key="anat_window_row").set_value(50).run()
    assert float(metric(app, "Difference")) < 1e-5


@pytest.mark.parametrize(("where", "kind", "key"), [(0, "text_area", "anat_truth"), (3, "text_input", "anat_prediction")])  # fmt: skip
def test_hostile_values(run_page, where, kind, key) -> None:
    app = run_page("inside_detector")
    if where:
        part(app, PARTS[where])
    assault(app, kind, key, lambda a: bool(a.metric))
