"""NMS lab: step through non-maximum suppression, hard and soft, on a crowd of detections."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab import boxes as B
from lab.viz.nms import draw_boxes, hard_nms_frames, nms_figure, soft_nms_frames
from lab.viz.stepper import PrebuiltFigure
from ui.box_canvas import box_canvas, dragged_boxes
from ui.common import init_state, page_setup

SOURCES = ["generated clusters", "your own boxes", "from the Detection page"]
METHODS = ["hard NMS", "Soft-NMS (linear)", "Soft-NMS (gaussian)"]
CANVAS = (640, 480)
MAX_CANVAS = 4096
# Session-state contract with the Detection page: {"boxes": [N, 4] xyxy, "scores": [N],
# "labels": [N] class names, "image": [H, W, 3] uint8 or None, "detector": str}.
DETECTION_KEY = "detection_raw"
OWN_BOXES = "60 60 260 300 0.92 0\n80 70 270 320 0.85 0\n70 40 250 290 0.60 0\n360 120 560 400 0.88 1\n380 140 590 420 0.75 1"

page_setup("NMS lab", ":material/filter_center_focus:")
init_state(
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
        "nms_step": 0,
    }
)
state = st.session_state


def on_draw() -> None:
    """Canvas edits rewrite the typed lines: moved boxes keep their score, new ones get 0.5."""
    drawn = dragged_boxes("nms_canvas")
    if drawn is None:
        return
    try:
        _, scores, classes = B.parse_detections(state.nms_text)
    except B.BoxError:
        scores, classes = np.zeros(0), np.zeros(0, dtype=int)
    extra = len(drawn) - len(scores)
    scores = np.concatenate([scores[: len(drawn)], np.full(max(extra, 0), 0.5)])
    classes = np.concatenate([classes[: len(drawn)], np.zeros(max(extra, 0), dtype=int)])
    state.nms_text = B.format_detections(
        np.array(drawn, dtype=float).reshape(-1, 4), scores, classes
    )


@st.cache_data(max_entries=16, show_spinner=False)
def scene(
    objects: int, per_object: int, jitter: float, classes: int, seed: int, clutter: int
) -> B.Scene:
    return B.cluster_scene(objects, per_object, jitter, classes, seed, *CANVAS, clutter)


# --- the detections -----------------------------------------------------------------------------
with st.sidebar:
    st.subheader("Detections")
    st.radio("Source", SOURCES, key="nms_source")
    if state.nms_source == "generated clusters":
        st.slider("Objects", 1, 12, key="nms_objects")
        st.slider("Boxes per object", 1, 30, key="nms_per_object")
        st.slider("Jitter (fraction of the object size)", 0.0, 0.4, key="nms_jitter", step=0.01)
        st.slider("Classes", 1, 4, key="nms_classes")
        st.slider("Stray low-score boxes", 0, 20, key="nms_clutter")
        st.number_input("Seed", 0, 10_000, key="nms_seed")
background, class_names = None, None
if state.nms_source == "generated clusters":
    generated = scene(
        state.nms_objects,
        state.nms_per_object,
        state.nms_jitter,
        state.nms_classes,
        state.nms_seed,
        state.nms_clutter,
    )
    boxes, scores, classes = generated.boxes, generated.scores, generated.classes
    width, height = generated.width, generated.height
elif state.nms_source == "your own boxes":
    width, height = CANVAS
    st.markdown(
        "Drag on empty space to draw a box (score 0.5), drag boxes to move them, and edit the scores below."
    )
    try:
        boxes, scores, classes = B.parse_detections(state.nms_text)
    except B.BoxError as error:
        st.error(f"Your boxes could not be read: {error}.")
        boxes, scores, classes = np.zeros((0, 4)), np.zeros(0), np.zeros(0, dtype=int)
    box_canvas(
        "nms_canvas",
        boxes.tolist(),
        width,
        height,
        mode="draw",
        on_change=on_draw,
        names=[str(i) for i in range(len(boxes))],
        display_width=640,
    )
    st.text_area("Boxes, one per line: x1 y1 x2 y2 score class", key="nms_text", height=150)
else:
    raw = state.get(DETECTION_KEY)
    if not raw:
        st.info(
            "No detector output yet. When a detector runs on the Detection page, its raw boxes "
            "(before NMS) arrive here. Meanwhile, pick generated clusters or your own boxes."
        )
        st.stop()
    try:
        boxes = B.as_boxes(raw.get("boxes", []))
        scores = B.as_scores(raw.get("scores", []), len(boxes))
        names = np.asarray(raw.get("labels", []), dtype=str).reshape(-1)
        if names.shape != (len(boxes),):
            raise B.BoxError(f"{len(boxes)} boxes but {names.size} labels")
    except B.BoxError as error:
        st.error(f"The detector's output cannot be used: {error}.")
        st.stop()
    if len(boxes) == 0:
        st.info(
            f"{raw.get('detector', 'The detector')} found no boxes on this photo, so there is "
            "nothing to suppress. Try a lower score threshold there, or another source here."
        )
        st.stop()
    class_names, classes = np.unique(names, return_inverse=True)
    background = raw.get("image")
    if background is not None:
        height, width = background.shape[:2]
    else:  # a canvas that holds the boxes, within what a page can draw
        width = int(np.clip(np.ceil(boxes[:, 2].max()), 1, MAX_CANVAS))
        height = int(np.clip(np.ceil(boxes[:, 3].max()), 1, MAX_CANVAS))

# --- controls -----------------------------------------------------------------------------------
controls = st.columns(4)
controls[0].slider("Score threshold", 0.0, 1.0, key="nms_score_threshold", step=0.01)
controls[1].slider("IoU threshold", 0.0, 1.0, key="nms_iou_threshold", step=0.01)
controls[2].radio("Method", METHODS, key="nms_method")
if state.nms_method == "Soft-NMS (gaussian)":
    controls[2].slider("sigma", 0.05, 2.0, key="nms_sigma", step=0.05)
controls[3].toggle("Class-aware (per class)", key="nms_class_aware")
controls[3].number_input("Max detections", 0, 1000, key="nms_max_detections")

try:
    labels = classes if state.nms_class_aware else None
    report = B.nms_report(
        boxes,
        scores,
        state.nms_iou_threshold,
        state.nms_score_threshold,
        labels,
        state.nms_max_detections,
    )
    if state.nms_method == "hard NMS":
        frames = hard_nms_frames(report, scores, labels)
        kept = report.kept
    else:
        method = "linear" if "linear" in state.nms_method else "gaussian"
        soft_steps = list(
            B.soft_nms_steps(
                boxes,
                scores,
                state.nms_iou_threshold,
                state.nms_sigma,
                method,
                max(state.nms_score_threshold, 1e-3),
                labels,
            )
        )
        frames = soft_nms_frames(soft_steps, scores, max(state.nms_score_threshold, 1e-3))
        kept = np.array([s.kept for s in soft_steps][: state.nms_max_detections], dtype=np.int64)
except B.BoxError as error:
    st.error(f"NMS cannot run on these boxes: {error}.")
    st.stop()

# --- show ---------------------------------------------------------------------------------------
above = int((np.asarray(scores) >= state.nms_score_threshold).sum())
metrics = st.columns(4)
metrics[0].metric("Boxes in", len(boxes))
metrics[1].metric("Above score threshold", above)
metrics[2].metric("Kept", len(kept))
metrics[3].metric("Removed", len(boxes) - len(kept))
state.nms_step = int(np.clip(state.nms_step, 0, len(frames) - 1))
st.number_input(
    f"Jump to frame (0 = sorted list, {len(frames) - 1} = result)",
    0,
    len(frames) - 1,
    key="nms_step",
)
st.plotly_chart(
    PrebuiltFigure(nms_figure(boxes, width, height, frames, state.nms_step, background=background)),
    key="nms_fig",
    config={"displayModeBar": False},
)
st.code(frames[state.nms_step].title, language="text", wrap_lines=True)
st.caption(
    "Greedy NMS as taught: sort by score, drop boxes under the score threshold, keep the best box "
    "left and remove every box of its class (or any class) whose IoU with it is above the IoU "
    "threshold (IoU exactly at the threshold stays; equal scores go by box number). Soft-NMS "
    "decays scores instead: linear s·(1-IoU) above the threshold, gaussian s·exp(-IoU²/sigma)."
)

before_col, after_col = st.columns(2)
candidates = np.flatnonzero(np.asarray(scores) >= state.nms_score_threshold)
before_col.image(
    draw_boxes(
        width, height, boxes, candidates, background, "#7f7f7f", f"before: {len(candidates)} boxes"
    ),
    caption=f"Before NMS: {len(candidates)} boxes above the score threshold",
    width="stretch",
)
after_col.image(
    draw_boxes(width, height, boxes, kept, background, "#1a9850", f"after: {len(kept)} boxes"),
    caption=f"After {state.nms_method}: {len(kept)} boxes",
    width="stretch",
)

table = pd.DataFrame(
    {
        "box": np.arange(len(boxes)),
        "score": np.round(np.asarray(scores, dtype=float), 3),
        "class": class_names[classes] if class_names is not None else classes,
        "x1": np.asarray(boxes)[:, 0],
        "y1": np.asarray(boxes)[:, 1],
        "x2": np.asarray(boxes)[:, 2],
        "y2": np.asarray(boxes)[:, 3],
        "status (hard NMS)": report.notes,
    }
)
if state.nms_method != "hard NMS":
    final = {s.kept: s.kept_score for s in soft_steps}
    table["soft score"] = [round(final[i], 4) if i in final else None for i in range(len(boxes))]
st.dataframe(table.sort_values("score", ascending=False), hide_index=True)
