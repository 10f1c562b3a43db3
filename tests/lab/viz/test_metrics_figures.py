"""Evaluation figures: valid Plotly, and every frame's numbers equal to the metrics they draw."""

from __future__ import annotations

import re

import numpy as np
import plotly.graph_objects as go
import pytest

from lab.metrics import (
    at_threshold,
    average_precision,
    example_scores,
    match_detections,
    one_vs_rest,
    pr_curve,
    roc_curve,
)
from lab.scenes import evaluation_set
from lab.viz.metrics import (
    MAX_FRAMES,
    confusion_figure,
    detection_pr_figure,
    frame_thresholds,
    one_vs_rest_figure,
    sampled_points,
    threshold_figure,
)
from lab.viz.style import PROJECTOR


def test_confusion_figure_labels_its_axes_by_the_layout() -> None:
    matrix = np.array([[30, 20, 10], [50, 60, 10], [20, 20, 80]])
    figure = confusion_figure(matrix, ["A", "B", "C"], rows="predicted")
    go.Figure(figure)  # valid
    assert figure["data"][0]["z"] == matrix.tolist()
    assert figure["layout"]["yaxis"]["title"]["text"] == "predicted label"
    assert figure["layout"]["xaxis"]["title"]["text"] == "true label"
    texts = [a["text"] for a in figure["layout"]["annotations"]]
    assert texts == [str(v) for v in matrix.reshape(-1)]
    swapped = confusion_figure(matrix, ["A", "B", "C"], rows="true", sizes=PROJECTOR)
    assert swapped["layout"]["yaxis"]["title"]["text"] == "true label"


def test_every_threshold_frame_states_its_confusion_matrix() -> None:
    scores, labels = example_scores(300, 1.2, seed=4)
    roc, pr = roc_curve(scores, labels), pr_curve(scores, labels)
    figure = threshold_figure(scores, labels, roc, pr, 0.5)
    go.Figure(figure)
    thresholds, start = frame_thresholds(scores, 0.5)
    assert len(figure["frames"]) == len(thresholds) <= MAX_FRAMES + 1
    assert figure["layout"]["sliders"][0]["active"] == start and thresholds[start] == 0.5
    positives, negatives = labels.sum(), (1 - labels).sum()
    for frame, threshold in list(zip(figure["frames"], thresholds, strict=True))[::7]:
        (tp, fn), (fp, tn) = at_threshold(scores, labels, threshold).tolist()
        title = frame["layout"]["annotations"][0]["text"]
        assert f"TP {tp}  FN {fn}  FP {fp}  TN {tn}" in title
        roc_point, pr_point = frame["data"]
        assert roc_point["x"][0] == pytest.approx(fp / negatives)
        assert roc_point["y"][0] == pytest.approx(tp / positives)
        if tp + fp:
            assert pr_point["y"][0] == pytest.approx(tp / (tp + fp))


def test_one_vs_rest_figure() -> None:
    scores, labels = example_scores(300, 1.5, seed=1, classes=3)
    figure = one_vs_rest_figure(one_vs_rest(scores, labels), ["a", "b", "c"])
    go.Figure(figure)
    assert len(figure["data"]) == 3 + 2  # one per class, micro, chance
    assert re.search(r"macro average AUC .* = 0\.\d{3}", figure["layout"]["title"]["text"])


@pytest.mark.parametrize("method", ["coco101", "all", "voc11"])
def test_the_pr_animation_ends_on_the_ranked_curve(method) -> None:
    gt, det = evaluation_set(images=6, classes=2, objects=6, seed=3)
    ranked = match_detections(gt, det, 0.5, 1)
    ap = average_precision(ranked.recall, ranked.precision, method)
    figure = detection_pr_figure(ranked, method, ap)
    go.Figure(figure)
    last = figure["frames"][-1]
    counted = ~ranked.ignored
    curve, envelope, current, sampled = last["data"]
    assert curve["x"] == ranked.recall[counted].tolist()
    assert curve["y"] == ranked.precision[counted].tolist()
    assert np.all(np.diff(envelope["y"]) <= 1e-12)  # the envelope never rises to the right
    assert f"AP ({method}) = {ap:.4f}" in last["layout"]["annotations"][0]["text"]
    expected = {"coco101": 101, "voc11": 11}.get(method)
    if expected:
        assert len(sampled["x"]) == expected
        assert np.mean(sampled["y"]) == pytest.approx(ap)
    assert figure["frames"][0]["data"][3]["x"] == []  # the sampled points come at the end


def test_sampled_points_of_the_hand_case() -> None:
    recall = np.array([1, 1, 2, 2, 3]) / 3
    precision = np.array([1, 1 / 2, 2 / 3, 2 / 4, 3 / 5])
    x, y = sampled_points(recall, precision, "voc11")
    assert y == pytest.approx([1, 1, 1, 1, 2 / 3, 2 / 3, 2 / 3, 3 / 5, 3 / 5, 3 / 5, 3 / 5])
    x, y = sampled_points(recall, precision, "all")
    assert x == pytest.approx([1 / 3, 2 / 3, 1]) and y == pytest.approx([1, 2 / 3, 3 / 5])
