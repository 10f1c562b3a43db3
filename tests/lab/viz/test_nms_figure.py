"""The NMS stepper frames and figure: statuses, labels and titles follow lab.nms exactly."""

from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest

from lab.nms import nms_report, soft_nms, soft_nms_steps
from lab.scenes import cluster_scene
from lab.viz.nms import CLASS_COLORS, LISTED, STYLES, hard_nms_frames, nms_figure, soft_nms_frames

SCENE = cluster_scene(objects=3, per_object=12, seed=1)
FOUND = SCENE.detections
CLASSES = np.unique(FOUND.labels, return_inverse=True)[1]


def test_hard_frames_follow_the_report() -> None:
    report = nms_report(FOUND.boxes, FOUND.scores, 0.5, 0.05, CLASSES)
    frames = hard_nms_frames(report, FOUND.scores, CLASSES, ["cat", "dog"])
    assert len(frames) == len(report.steps) + 2  # the sorted queue, each round, the result
    for frame, step in zip(frames[1:-1], report.steps, strict=True):
        assert frame.status[step.kept] == "current"
        assert all(frame.status[i] == "suppressed_now" for i in step.suppressed)
        labelled = [i for i, label in enumerate(frame.labels) if label]
        assert labelled == [step.kept]  # one label per round: labels never pile up
        assert frame.labels[step.kept].endswith(("cat", "dog"))
        assert frame.title.startswith(f"Round {step.rank + 1}: keep box {step.kept}")
        named = min(LISTED, len(step.suppressed))
        for index, iou in list(zip(step.suppressed, step.suppressed_iou, strict=True))[:named]:
            assert f"{index} ({iou:.2f})" in frame.title
        if len(step.suppressed) > LISTED:
            assert f"and {len(step.suppressed) - LISTED} more" in frame.title
    final = frames[-1]
    assert sorted(i for i, s in enumerate(final.status) if s == "kept") == sorted(report.kept)


def test_soft_frames_carry_the_decayed_scores() -> None:
    steps = list(soft_nms_steps(FOUND.boxes, FOUND.scores, 0.3, 0.5, "gaussian", 0.05))
    frames = soft_nms_frames(steps, FOUND.scores, 0.05)
    keep, kept_scores = soft_nms(FOUND.boxes, FOUND.scores, 0.3, 0.5, "gaussian", 0.05)
    np.testing.assert_allclose(frames[-1].scores[keep], kept_scores)
    for frame, step in zip(frames[1:-1], steps, strict=True):
        decayed = [i for i, s in enumerate(frame.status) if s == "decayed"]
        assert all(
            step.after[list(step.others).index(i)] < step.before[list(step.others).index(i)]
            for i in decayed
        )
        assert all(frame.status[i] == "suppressed_now" for i in step.dropped)


def test_figure_is_valid_and_colours_boxes_by_class() -> None:
    report = nms_report(FOUND.boxes, FOUND.scores, 0.5, 0.05, CLASSES)
    frames = hard_nms_frames(report, FOUND.scores, CLASSES)
    figure = nms_figure(FOUND.boxes, SCENE.width, SCENE.height, frames, CLASSES, len(frames) - 1)
    go.Figure(figure)
    lines = [t for t in figure["data"] if t.get("mode") == "lines"]
    assert len(lines) == len(set(CLASSES.tolist())) * len(STYLES)
    kept_lines = [t for t in lines if t["name"] == "kept" and t["x"]]
    colours = {t["line"]["color"] for t in kept_lines}
    expected = {CLASS_COLORS[int(CLASSES[i])] for i in report.kept}
    assert colours == expected
    boxes_drawn = sum(len(t["x"]) for t in lines) // 6  # each outline is 5 points and a gap
    assert boxes_drawn == len(FOUND.boxes)
    marker = figure["data"][-1]["marker"]
    assert marker["color"].count(list(STYLES).index("kept")) == len(report.kept)


@pytest.mark.parametrize("frame", [0, 1])
def test_every_frame_updates_every_trace(frame) -> None:
    report = nms_report(FOUND.boxes, FOUND.scores, 0.5, 0.05, CLASSES)
    frames = hard_nms_frames(report, FOUND.scores, CLASSES)
    figure = nms_figure(FOUND.boxes, SCENE.width, SCENE.height, frames, CLASSES, frame)
    assert all(f["traces"] == list(range(len(figure["data"]))) for f in figure["frames"])


def test_each_frame_draws_each_box_in_its_class_and_status_trace() -> None:
    """Trace by trace, a frame's outlines are exactly those of the boxes of that colour with
    that status in that frame, in index order (each outline: 5 corners and a gap)."""
    report = nms_report(FOUND.boxes, FOUND.scores, 0.5, 0.05, CLASSES)
    frames = hard_nms_frames(report, FOUND.scores, CLASSES)
    figure = nms_figure(FOUND.boxes, SCENE.width, SCENE.height, frames, CLASSES, 0)
    colour_of = CLASSES % len(CLASS_COLORS)
    groups = [(c, s) for c in sorted(set(colour_of.tolist())) for s in STYLES]
    for frame, drawn in zip(frames, figure["frames"], strict=True):
        seen = set()
        for (colour, status), update in zip(groups, drawn["data"], strict=False):
            members = [
                i
                for i in range(len(FOUND.boxes))
                if frame.status[i] == status and colour_of[i] == colour
            ]
            x1 = [np.round(FOUND.boxes[i][0], 1) for i in members]
            assert update["x"][0::6] == pytest.approx(x1)
            assert update["x"][5::6] == [None] * len(members)
            seen.update(members)
        assert seen == set(range(len(FOUND.boxes)))
