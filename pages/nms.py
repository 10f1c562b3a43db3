"""NMS lab: step through non-maximum suppression, hard and soft, on a crowd of detections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab.boxes import BoxError
from lab.detections import Detections
from lab.nms import nms_report, soft_nms_steps
from lab.scenes import Scene, cluster_scene, format_detections, parse_detections
from lab.viz.animation import PrebuiltFigure
from lab.viz.nms import draw_boxes, hard_nms_frames, nms_figure, soft_nms_frames
from ui.box_canvas import box_canvas, dragged_boxes
from ui.common import Page, page_body, page_setup
from ui.player import player
from ui.state import Settings

# The Detection page's raw boxes arrive in st.session_state[DETECTION_KEY] = {"detections":
# Detections (before NMS), "image": [H, W, 3] uint8 or None, "detector": its name}.
DETECTION_KEY = "detection_raw"
SOURCES = ["generated clusters", "your own boxes", "from the Detection page"]
METHODS = ["hard NMS", "Soft-NMS (linear)", "Soft-NMS (gaussian)"]
CANVAS = (640, 480)
MAX_CANVAS = 4096
MAX_FROM_DETECTOR = 400
OWN_BOXES = (
    "60 60 260 300 0.92 person\n80 70 270 320 0.85 person\n70 40 250 290 0.60 person\n"
    "360 120 560 400 0.88 car\n380 140 590 420 0.75 car"
)
SETTINGS = Settings(
    {
        "nms_source": "generated clusters",
        "nms_objects": 4,
        "nms_per_object": 8,
        "nms_jitter": 0.12,
        "nms_classes": 2,
        "nms_seed": 0,
        "nms_clutter": 3,
        "nms_text": OWN_BOXES,
        "nms_score_threshold": 0.05,
        "nms_iou_threshold": 0.5,
        "nms_class_aware": True,
        "nms_method": "hard NMS",
        "nms_sigma": 0.5,
        "nms_max_detections": 100,
        "nms_start": 0,
    }
)
state = st.session_state


def on_draw() -> None:
    """Canvas edits rewrite the typed lines: moved boxes keep their score and class, new ones get
    0.5 and the class of the last box."""
    drawn = dragged_boxes("nms_canvas")
    if drawn is None:
        return
    try:
        typed = parse_detections(state.nms_text)
    except BoxError:
        typed = Detections.empty()
    extra = max(len(drawn) - len(typed), 0)
    scores = np.concatenate([typed.scores[: len(drawn)], np.full(extra, 0.5)])
    last = typed.labels[-1] if len(typed) else "object"
    labels = [*typed.labels[: len(drawn)].tolist(), *[last] * extra]
    boxes = np.array(drawn, dtype=float).reshape(-1, 4)
    state.nms_text = format_detections(Detections(boxes, scores, labels))


@st.cache_data(max_entries=16, show_spinner=False)
def scene(
    objects: int, per_object: int, jitter: float, classes: int, seed: int, clutter: int
) -> Scene:
    return cluster_scene(objects, per_object, jitter, classes, seed, *CANVAS, clutter)


def detector_boxes() -> tuple[Detections, np.ndarray | None]:
    """The Detection page's raw output, and its photo."""
    raw = state.get(DETECTION_KEY)
    if not raw:
        st.info(
            "No detector output yet. When a detector runs on the Detection page, its raw boxes "
            "(before NMS) arrive here. Meanwhile, pick generated clusters or your own boxes."
        )
        st.stop()
    found = raw.get("detections")
    if not isinstance(found, Detections):
        st.error("The Detection page's output cannot be used here: it holds no detections.")
        st.stop()
    if len(found) == 0:
        st.info(
            f"{raw.get('detector', 'The detector')} found no boxes on this photo, so there is "
            "nothing to suppress. Try a lower score threshold there, or another source here."
        )
        st.stop()
    if len(found) > MAX_FROM_DETECTOR:
        found = found.filter(top=MAX_FROM_DETECTOR)
        st.caption(f"The {MAX_FROM_DETECTOR} highest-scoring raw boxes are stepped here.")
    return found, raw.get("image")


page = page_setup("NMS lab", ":material/filter_center_focus:", SETTINGS)
with st.sidebar:
    st.subheader("Detections")
    SETTINGS.radio("Source", SOURCES, "nms_source")
    if state.nms_source == "generated clusters":
        SETTINGS.slider("Objects", 1, 12, "nms_objects")
        SETTINGS.slider("Boxes per object", 1, 30, "nms_per_object")
        SETTINGS.slider("Jitter (fraction of the object size)", 0.0, 0.4, "nms_jitter", step=0.01)
        SETTINGS.slider("Classes", 1, 4, "nms_classes")
        SETTINGS.slider("Stray low-score boxes", 0, 20, "nms_clutter")
        SETTINGS.number_input("Seed", 0, 10_000, "nms_seed")
    st.subheader("Animation")
    SETTINGS.number_input("Start at frame", 0, 10_000, "nms_start")


def body(page: Page) -> None:
    """Everything under the title: its controls rerun only this (the sidebar reruns the page)."""
    background = None
    if state.nms_source == "generated clusters":
        generated = scene(
            state.nms_objects,
            state.nms_per_object,
            state.nms_jitter,
            state.nms_classes,
            state.nms_seed,
            state.nms_clutter,
        )
        found = generated.detections
        width, height = generated.width, generated.height
    elif state.nms_source == "your own boxes":
        width, height = CANVAS
        st.markdown(
            "Drag on empty space to draw a box (score 0.5), drag boxes to move them, and edit the "
            "scores and classes below."
        )
        canvas_slot = st.container()
        SETTINGS.text_area("Boxes, one per line: x1 y1 x2 y2 score class", "nms_text", height=150)
        try:
            found = parse_detections(state.nms_text)
        except BoxError as error:
            st.error(f"Your boxes could not be read: {error}.")
            found = Detections.empty()
        with canvas_slot:
            box_canvas(
                "nms_canvas",
                found.boxes.tolist(),
                width,
                height,
                mode="draw",
                on_change=on_draw,
                names=[str(i) for i in range(len(found))],
                display_width=640,
            )
    else:
        found, background = detector_boxes()
        boxes = found.boxes
        if background is not None:
            height, width = background.shape[:2]
        else:  # a canvas that holds the boxes, within what a page can draw
            width = int(np.clip(np.ceil(boxes[:, 2].max()), 1, MAX_CANVAS))
            height = int(np.clip(np.ceil(boxes[:, 3].max()), 1, MAX_CANVAS))

    boxes, scores = found.boxes, found.scores
    names, classes = np.unique(found.labels, return_inverse=True)  # class indices: colours
    class_names = names.tolist()
    controls = st.columns(4)
    with controls[0]:
        SETTINGS.slider("Score threshold", 0.0, 1.0, "nms_score_threshold", step=0.01)
    with controls[1]:
        SETTINGS.slider("IoU threshold", 0.0, 1.0, "nms_iou_threshold", step=0.01)
    with controls[2]:
        SETTINGS.radio("Method", METHODS, "nms_method")
        if state.nms_method == "Soft-NMS (gaussian)":
            SETTINGS.slider("sigma", 0.05, 2.0, "nms_sigma", step=0.05)
    with controls[3]:
        SETTINGS.toggle(
            "Class-aware",
            "nms_class_aware",
            help="NMS within each class: boxes of different classes never suppress each other.",
        )
        SETTINGS.number_input("Max detections", 0, 1000, "nms_max_detections")

    try:
        labels = classes if state.nms_class_aware else None
        report = nms_report(
            boxes,
            scores,
            state.nms_iou_threshold,
            state.nms_score_threshold,
            labels,
            state.nms_max_detections,
        )
        if state.nms_method == "hard NMS":
            frames = hard_nms_frames(report, scores, classes, class_names)
            kept = report.kept
        else:
            method = "linear" if "linear" in state.nms_method else "gaussian"
            floor = max(state.nms_score_threshold, 1e-3)
            soft_steps = list(
                soft_nms_steps(
                    boxes,
                    scores,
                    state.nms_iou_threshold,
                    SETTINGS.value("nms_sigma"),
                    method,
                    floor,
                    labels,
                )
            )
            frames = soft_nms_frames(soft_steps, scores, floor)
            kept = np.array(
                [s.kept for s in soft_steps][: state.nms_max_detections], dtype=np.int64
            )
    except BoxError as error:
        st.error(f"NMS cannot run on these boxes: {error}.")
        return

    above = int((np.asarray(scores) >= state.nms_score_threshold).sum())
    metrics = st.columns(4)
    metrics[0].metric("Boxes in", len(boxes))
    metrics[1].metric("Above score threshold", above)
    metrics[2].metric("Kept", len(kept))
    metrics[3].metric("Removed", len(boxes) - len(kept))

    with page.figure_area():
        figure = nms_figure(
            boxes,
            width,
            height,
            frames,
            classes,
            state.nms_start,
            background=background,
            class_names=class_names,
            sizes=page.sizes,
        )
        st.plotly_chart(PrebuiltFigure(figure), key="nms_fig", config={"displayModeBar": False})
        player("nms_fig", unit="frame")
    st.caption(
        "Greedy NMS as taught: sort by score, drop boxes under the score threshold, keep the best "
        "box left and remove every box of its class (or any class) whose IoU with it is above "
        "the IoU threshold (IoU exactly at the threshold stays; equal scores go by box number). "
        "Soft-NMS decays scores instead: linear s·(1-IoU) above the threshold, gaussian "
        "s·exp(-IoU²/sigma). Colours are classes; the line tells the status (see the legend)."
    )

    before_col, after_col = st.columns(2)
    candidates = np.flatnonzero(np.asarray(scores) >= state.nms_score_threshold)
    before_col.image(
        draw_boxes(width, height, boxes, candidates, background, classes),
        caption=f"Before NMS: {len(candidates)} boxes above the score threshold",
        width="stretch",
    )
    after_col.image(
        draw_boxes(width, height, boxes, kept, background, classes),
        caption=f"After {state.nms_method}: {len(kept)} boxes",
        width="stretch",
    )

    table = pd.DataFrame(
        {
            "box": np.arange(len(boxes)),
            "score": np.round(np.asarray(scores, dtype=float), 3),
            "class": found.labels,
            "x1": np.asarray(boxes)[:, 0],
            "y1": np.asarray(boxes)[:, 1],
            "x2": np.asarray(boxes)[:, 2],
            "y2": np.asarray(boxes)[:, 3],
            "status (hard NMS)": report.notes,
        }
    )
    if state.nms_method != "hard NMS":
        final = {s.kept: s.kept_score for s in soft_steps}
        table["soft score"] = [
            round(final[i], 4) if i in final else None for i in range(len(boxes))
        ]
    st.dataframe(table.sort_values("score", ascending=False), hide_index=True)


page_body(page, body, "nms_body")
