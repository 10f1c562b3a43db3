"""The sections of 'Inside a detector': selective search, anchors and box regression, RoI pooling,
YOLO, MTCNN. Each draws its controls and results; the maths is in lab/ (proposals, anchors, roi,
yolo, mtcnn)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pandas as pd
import streamlit as st

from lab import anchors as anchor_lab
from lab import proposals as search_lab
from lab import roi as roi_lab
from lab import yolo
from lab.annotations import AnnotationError, parse_truth
from lab.boxes import BoxError
from lab.iou import box_iou
from lab.viz import anatomy as viz
from lab.viz.animation import PrebuiltFigure
from ui.box_canvas import box_canvas, dragged_boxes, photo_url
from ui.player import player
from ui.state import Settings

ASTRONAUT_TRUTH = "178 60 272 170 face\n40 150 472 512 person"
DEFAULTS = {
    "anat_part": "Selective search",
    "anat_truth": ASTRONAUT_TRUTH,
    "anat_scale": 100,
    "anat_sigma": 0.8,
    "anat_min_size": 50,
    "anat_space": "hsv",
    "anat_similarities": list(search_lab.SIMILARITIES),
    "anat_merges": 0,
    "anat_shown": 50,
    "anat_stride": 32,
    "anat_sizes": [64, 128, 256],
    "anat_ratios": [0.5, 1.0, 2.0],
    "anat_view": "RPN labels",
    "anat_row": 4,
    "anat_col": 4,
    "anat_positive": 0.7,
    "anat_negative": 0.3,
    "anat_anchor": -1,
    "anat_weights": "RPN (1, 1, 1, 1)",
    "anat_dx": 0.0,
    "anat_dy": 0.0,
    "anat_dw": 0.0,
    "anat_dh": 0.0,
    "anat_roi_stride": 16,
    "anat_roi_box": 0,
    "anat_roi_size": 2,
    "anat_sampling": 2,
    "anat_aligned": True,
    "anat_grid": 7,
    "anat_class": "person",
    "anat_prediction": "170 70 290 190",
    "anat_confidence": 0.6,
    "anat_class_probability": 0.8,
    "anat_empty_confidence": 0.1,
    "anat_shapes": "example shapes",
    "anat_k": 5,
    "anat_distance": "iou",
    "anat_min_face": 20,
    "anat_stage": "pyramid",
    "anat_level": 0,
    "anat_window_row": 10,
    "anat_window_col": 10,
}
STRIDES = [4, 8, 16, 32, 64]
SIZES = [16, 32, 64, 128, 256, 512]
RATIOS = [0.25, 0.5, 1.0, 2.0, 4.0]
VIEWS = ["one position", "all anchors", "RPN labels"]
WEIGHTS = {"RPN (1, 1, 1, 1)": anchor_lab.RPN_WEIGHTS, "second stage (10, 10, 5, 5)": anchor_lab.ROI_HEAD_WEIGHTS}  # fmt: skip
MAX_DRAWN_ANCHORS = 6000


def image_key(image: np.ndarray) -> str:
    return hashlib.blake2b(np.ascontiguousarray(image).data, digest_size=12).hexdigest()


def truth_boxes(settings: Settings, height: int, width: int, where=None) -> np.ndarray:
    """The ground-truth boxes every section uses (typed once, in the sidebar)."""
    with where or st.sidebar:
        settings.text_area(
            "Ground-truth boxes (x1 y1 x2 y2 class), in the photo's pixels",
            "anat_truth",
            height=110,
            help="The anchors are labelled, proposals scored and YOLO's cells chosen by these.",
        )
    try:
        truth = parse_truth(st.session_state.anat_truth, "object")
    except AnnotationError as error:
        st.sidebar.error(f"The boxes could not be read: {error}.")
        return np.zeros((0, 4))
    boxes = np.clip(truth.boxes.astype(np.float64), 0, [width, height, width, height])
    keep = (boxes[:, 2] - boxes[:, 0] >= 2) & (boxes[:, 3] - boxes[:, 1] >= 2)
    if (~keep).any():
        st.sidebar.caption("Boxes outside the photo or thinner than 2 px are left out.")
    return boxes[keep]


@st.cache_data(max_entries=6, show_spinner=False)
def _search(key: str, scale, sigma, min_size, space, similarities, _image):
    items = list(search_lab.selective_search(_image, scale, sigma, min_size, space, similarities))
    return items[0], items[1:]


def selective_search(settings: Settings, image: np.ndarray, truth: np.ndarray, page) -> None:
    state = st.session_state
    columns = st.columns(4)
    with columns[0]:
        settings.slider(
            "Scale k",
            20,
            1000,
            "anat_scale",
            step=10,
            help="Felzenszwalb and Huttenlocher's k: the larger, the larger the first regions.",
        )
    with columns[1]:
        settings.slider(
            "Sigma",
            0.0,
            2.0,
            "anat_sigma",
            step=0.1,
            help="The Gaussian smoothing of the photo before it is segmented, in pixels.",
        )
    with columns[2]:
        settings.slider(
            "Min region (px)",
            10,
            500,
            "anat_min_size",
            step=10,
            help="The smallest first region, in pixels: smaller ones join a neighbour.",
        )
    with columns[3]:
        settings.radio("Colour space", ["hsv", "lab", "rgb"], "anat_space", horizontal=True)
    # Wide enough for all four names: in a fifth column at 1280 px only "colour" could be read.
    with st.columns(2)[0]:
        settings.multiselect("Similarities", list(search_lab.SIMILARITIES), "anat_similarities")
    similarities = tuple(state.anat_similarities) or search_lab.SIMILARITIES
    try:
        with st.spinner("Segmenting and grouping (a second or two)..."):
            initial, merges = _search(image_key(image), state.anat_scale, state.anat_sigma, state.anat_min_size, state.anat_space, similarities, image)  # fmt: skip
    except BoxError as error:
        st.error(f"Selective search cannot run: {error}.")
        return
    settings.slider("Merges done", 0, len(merges), "anat_merges")
    done = int(state.anat_merges)
    regions = search_lab.regions_after(initial, merges, done)
    last = merges[done - 1] if done else None
    boxes = np.concatenate([initial.boxes, [m.box for m in merges]]) if merges else initial.boxes
    cells = st.columns(4)
    cells[0].metric("Regions at the start", len(initial.sizes))
    cells[1].metric("Regions now", len(initial.sizes) - done)
    cells[2].metric(
        "Proposals",
        len(boxes),
        help="Every region formed: the first regions and each merge's, as boxes.",
    )
    cells[3].metric("Ground-truth boxes", len(truth))
    left, right = st.columns(2)
    with left if not page.projector else page.figure_area():
        st.image(viz.regions_picture(image, regions, last.box if last else None, 480), width="stretch")  # fmt: skip
        st.caption("Regions in their mean colour; the yellow box is the region just formed.")
    settings.slider("Proposals drawn (the largest regions are formed last)", 1, max(len(boxes), 1), "anat_shown")  # fmt: skip
    shown = boxes[::-1][: int(state.anat_shown)]  # the last merges first: whole objects
    right.image(viz.boxes_picture(image, [(shown, viz.ANCHOR, None, False), (truth, viz.TRUTH, "truth", True)], 480), width="stretch")  # fmt: skip
    right.caption(f"The {len(shown)} regions formed last, as boxes; ground truth dashed yellow.")
    if last is not None:
        parts = " + ".join(f"{name} {value:.3f}" for name, value in last.parts.items() if name in similarities)  # fmt: skip
        st.code(
            f"merge {last.step}: regions {last.a} + {last.b} -> region {last.new} ({last.size} px), "
            f"{last.remaining} regions left\nsimilarity = {parts} = {last.similarity:.3f} "
            "(the highest of all touching pairs)",
            language=None,
        )
    else:
        st.caption("Move 'Merges done' to step through the grouping, most similar pair first.")
    if len(truth):
        counts = [c for c in (10, 20, 50, 100, 200, 500, 1000, 2000) if c <= len(boxes)] + [len(boxes)]  # fmt: skip
        ranked = boxes[::-1].astype(np.float32)
        iou = box_iou(truth.astype(np.float32), ranked)
        recall = {t: [float((iou[:, :n].max(axis=1) >= t).mean()) for n in counts] for t in (0.5, 0.7)}  # fmt: skip
        st.plotly_chart(
            PrebuiltFigure(
                viz.lines_figure(
                    {f"recall at IoU {t}": (counts, r) for t, r in recall.items()},
                    "proposals (largest regions first)",
                    "ground truth found",
                    page.sizes,
                    log_x=True,
                )
            ),  # fmt: skip
            key="anat_recall",
            config={"displayModeBar": False},
        )
        st.dataframe(pd.DataFrame({"proposals": counts, "recall @0.5": recall[0.5], "recall @0.7": recall[0.7]}), hide_index=True, key="anat_recall_table")  # fmt: skip


def _anchor_settings(settings: Settings):
    # Two rows: in four columns at 1280 px the chosen sizes and ratios were clipped from the third.
    columns = st.columns(2)
    with columns[0]:
        settings.select_slider("Feature-map stride (px)", STRIDES, "anat_stride")
    with columns[1]:
        settings.radio("Show", VIEWS, "anat_view", horizontal=True)
    columns = st.columns(2)
    with columns[0]:
        settings.multiselect("Anchor sizes (px)", SIZES, "anat_sizes")
    with columns[1]:
        settings.multiselect("Aspect ratios (height / width)", RATIOS, "anat_ratios")


def anchors(settings: Settings, image: np.ndarray, truth: np.ndarray, page) -> None:
    state = st.session_state
    _anchor_settings(settings)
    sizes = tuple(state.anat_sizes) or (128,)
    ratios = tuple(state.anat_ratios) or (1.0,)
    height, width = image.shape[:2]
    stride = int(state.anat_stride)
    feature = (-(-height // stride), -(-width // stride))
    every = anchor_lab.generate(feature, stride, sizes, ratios)
    per_position = len(sizes) * len(ratios)
    cells = st.columns(4)
    cells[0].metric("Feature map", f"{feature[0]} x {feature[1]}")
    cells[1].metric("Anchors per position", per_position)
    cells[2].metric("Anchors per image", f"{len(every):,}")
    st.caption(
        f"{feature[0]} x {feature[1]} positions x {len(ratios)} ratios x {len(sizes)} sizes = "
        f"{len(every):,} anchors. Each is centred on its position (column x {stride}, row x {stride}); "  # fmt: skip
        "height = size x sqrt(ratio), width = size / sqrt(ratio), corners rounded (torchvision's "
        "AnchorGenerator)."
    )
    groups = [(truth, viz.TRUTH, "truth", True)]
    assignment = None
    if state.anat_view == "one position":
        row_col = st.columns(2)
        with row_col[0]:
            settings.slider("Row", 0, feature[0] - 1, "anat_row")
        with row_col[1]:
            settings.slider("Column", 0, feature[1] - 1, "anat_col")
        start = (int(state.anat_row) * feature[1] + int(state.anat_col)) * per_position
        groups.insert(0, (every[start : start + per_position], viz.ANCHOR, None, False))
    elif state.anat_view == "all anchors":
        drawn = every if len(every) <= MAX_DRAWN_ANCHORS else every[:: -(-len(every) // MAX_DRAWN_ANCHORS)]  # fmt: skip
        groups.insert(0, (drawn, viz.ANCHOR, None, False))
        if len(drawn) < len(every):
            st.caption(f"Every {len(every) // len(drawn)}th anchor is drawn ({len(drawn):,} of {len(every):,}).")  # fmt: skip
    thresholds = st.columns(2)
    with thresholds[0]:
        settings.slider("Positive at IoU >=", 0.3, 1.0, "anat_positive", step=0.05)
    with thresholds[1]:
        settings.slider("Negative below IoU", 0.0, float(state.anat_positive), "anat_negative", step=0.05)  # fmt: skip
    if len(truth):
        assignment = anchor_lab.assign(every, truth, state.anat_positive, state.anat_negative)
        labels = assignment.labels
        positives, negatives = anchor_lab.sample(labels, 256, 0.5)
        counts = st.columns(4)
        counts[0].metric("Positive", int((labels == anchor_lab.POSITIVE).sum()))
        counts[1].metric("of which best-for-a-box", int(assignment.low_quality.sum()))
        counts[2].metric("Negative", int((labels == anchor_lab.NEGATIVE).sum()))
        counts[3].metric("Ignored", int((labels == anchor_lab.IGNORED).sum()))
        st.caption(
            f"A minibatch of 256 anchors: {len(positives)} positives (at most half) and "
            f"{len(negatives)} negatives, drawn at random each training step. Positive: IoU >= "
            f"{state.anat_positive:g} with some box, or the best anchor for a box (so every box "
            f"gets one); negative: below {state.anat_negative:g} with every box; ignored: between."
        )
        if state.anat_view == "RPN labels":
            groups = [
                (every[labels == anchor_lab.POSITIVE], viz.POSITIVE, None, False),
                (truth, viz.TRUTH, "truth", True),
            ]
            dots = [(every[negatives], viz.NEGATIVE)]
    with page.figure_area():
        picture = viz.boxes_picture(image, groups, 640, 1.5 if page.projector else 1.0, dots if state.anat_view == "RPN labels" and len(truth) else ())  # fmt: skip
        st.image(picture, width="stretch")
    if state.anat_view == "RPN labels":
        st.caption("Green boxes: positive anchors; red dots: the centres of one minibatch's negatives; yellow dashed: ground truth.")  # fmt: skip
    if assignment is not None:
        _regression(settings, image, every, truth, assignment, page)


def _to_target(anchor: np.ndarray, box: np.ndarray, weights) -> None:
    deltas = anchor_lab.encode(anchor[None], box[None], weights)[0]
    for key, value in zip(("anat_dx", "anat_dy", "anat_dw", "anat_dh"), deltas.tolist(), strict=True):  # fmt: skip
        st.session_state[key] = float(np.clip(round(value, 2), -5.0, 5.0))


def _regression(settings, image, every, truth, assignment, page) -> None:
    state = st.session_state
    st.subheader("Box regression")
    positive = np.flatnonzero(assignment.labels == anchor_lab.POSITIVE)
    if not len(positive):
        st.info("No positive anchor: lower the positive threshold or draw a larger box.")
        return
    best = positive[np.argsort(-assignment.best_iou[positive], kind="stable")]
    options = [-1, *best[:50].tolist()]
    choose = st.columns(2)
    with choose[0]:
        settings.selectbox(
            "Anchor", options, "anat_anchor",
            format_func=lambda i: "the best anchor" if i == -1 else f"anchor {i}: IoU {assignment.best_iou[i]:.2f} with box {assignment.matched[i]}",  # fmt: skip
        )  # fmt: skip
    with choose[1]:
        settings.radio("Weights (wx, wy, ww, wh)", list(WEIGHTS), "anat_weights", horizontal=True)
    index = int(best[0] if state.anat_anchor == -1 else state.anat_anchor)
    anchor, box = every[index].astype(np.float64), truth[assignment.matched[index]]
    weights = WEIGHTS[state.anat_weights]
    target = anchor_lab.encode(anchor[None], box[None], weights)[0]
    px, py, pw, ph = (anchor[0] + anchor[2]) / 2, (anchor[1] + anchor[3]) / 2, anchor[2] - anchor[0], anchor[3] - anchor[1]  # fmt: skip
    gx, gy, gw, gh = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box[2] - box[0], box[3] - box[1]
    wx, wy, ww, wh = weights
    st.code(
        f"anchor P: centre ({px:.1f}, {py:.1f}), {pw:.0f} x {ph:.0f};  truth G: centre ({gx:.1f}, {gy:.1f}), {gw:.1f} x {gh:.1f}\n"  # fmt: skip
        f"dx = {wx:g}·(Gx - Px) / Pw = {wx:g}·({gx:.1f} - {px:.1f}) / {pw:.0f} = {target[0]:.4f}\n"
        f"dy = {wy:g}·(Gy - Py) / Ph = {wy:g}·({gy:.1f} - {py:.1f}) / {ph:.0f} = {target[1]:.4f}\n"
        f"dw = {ww:g}·log(Gw / Pw) = {ww:g}·log({gw:.1f} / {pw:.0f}) = {target[2]:.4f}\n"
        f"dh = {wh:g}·log(Gh / Ph) = {wh:g}·log({gh:.1f} / {ph:.0f}) = {target[3]:.4f}",
        language=None,
    )
    st.caption(
        "torchvision's second stage multiplies the targets by (10, 10, 5, 5) so that they have "
        "about unit variance for the smooth-L1 loss; decoding divides by the same weights, so "
        "the box is the same either way."
    )
    sliders = st.columns([1, 1, 1, 1, 1])
    for column, (key, label) in zip(sliders, (("anat_dx", "dx"), ("anat_dy", "dy"), ("anat_dw", "dw"), ("anat_dh", "dh")), strict=False):  # fmt: skip
        with column:
            settings.slider(label, -5.0, 5.0, key, step=0.01)
    sliders[4].button("Set to the target", on_click=_to_target, args=(anchor, box, weights))
    deltas = np.array([[state.anat_dx, state.anat_dy, state.anat_dw, state.anat_dh]])
    decoded = anchor_lab.decode(anchor[None], deltas, weights)[0]
    iou = float(box_iou(decoded[None].astype(np.float32), box[None].astype(np.float32))[0, 0])
    st.code(
        f"Ĝx = Pw·dx/{wx:g} + Px = {pw:.0f}·{deltas[0, 0]:.2f}/{wx:g} + {px:.1f} = {(decoded[0] + decoded[2]) / 2:.1f};  "  # fmt: skip
        f"Ĝw = Pw·exp(dw/{ww:g}) = {pw:.0f}·exp({deltas[0, 2]:.2f}/{ww:g}) = {decoded[2] - decoded[0]:.1f}\n"  # fmt: skip
        f"the decoded box: ({decoded[0]:.1f}, {decoded[1]:.1f}, {decoded[2]:.1f}, {decoded[3]:.1f}), IoU {iou:.3f} with the truth",  # fmt: skip
        language=None,
    )
    groups = [(anchor, viz.ANCHOR, "anchor P", False), (box, viz.TRUTH, "truth G", True), (decoded, viz.POSITIVE, "decoded", False)]  # fmt: skip
    st.image(viz.boxes_picture(image, groups, 640, 1.5 if page.projector else 1.0), width="stretch")  # fmt: skip


def roi(settings: Settings, image: np.ndarray, truth: np.ndarray, page) -> None:
    state = st.session_state
    if not len(truth):
        st.info("Type or keep a ground-truth box in the sidebar: it is the region pooled here.")
        return
    columns = st.columns(5)
    with columns[0]:
        settings.select_slider("Feature-map stride", [8, 16, 32], "anat_roi_stride")
    with columns[1]:
        settings.selectbox("Region", list(range(len(truth))), "anat_roi_box", format_func=lambda i: f"box {i}")  # fmt: skip
    with columns[2]:
        settings.slider("Output size", 1, 7, "anat_roi_size")
    with columns[3]:
        settings.select_slider(
            "Samples per bin",
            [-1, 1, 2, 3, 4],
            "anat_sampling",
            format_func=lambda v: "auto" if v == -1 else str(v),
            help="RoI Align only: sampling points per bin side, averaged (torchvision's "
            "sampling_ratio); auto takes ceil(bin size) of them.",
        )
    with columns[4]:
        settings.toggle(
            "aligned",
            "anat_aligned",
            help="RoI Align's half-pixel shift (torchvision's aligned=True): box corners go to "
            "x / stride - 0.5 on the feature map, so that each cell's value sits at the cell's "
            "centre rather than its corner.",
        )
    stride = int(state.anat_roi_stride)
    grey = image.astype(np.float64).mean(axis=2) / 25.5  # 0 .. 10
    rows, cols = -(-grey.shape[0] // stride), -(-grey.shape[1] // stride)
    padded = np.zeros((rows * stride, cols * stride))
    padded[: grey.shape[0], : grey.shape[1]] = grey
    features = np.round(padded.reshape(rows, stride, cols, stride).mean(axis=(1, 3)), 1)  # [R, C]
    box = truth[int(state.anat_roi_box)]
    size = int(state.anat_roi_size)
    pooled = roi_lab.roi_pool(features[None], box[None], size, 1 / stride)[0]
    aligned = roi_lab.roi_align(features[None], box[None], size, 1 / stride, int(state.anat_sampling), bool(state.anat_aligned))[0]  # fmt: skip
    st.caption(
        f"The 'feature map' here is the photo's brightness (0-10) averaged over {stride} x {stride} "
        f"blocks: {rows} x {cols} cells. The region ({box[0]:.0f}, {box[1]:.0f}, {box[2]:.0f}, "
        f"{box[3]:.0f}) projects to ({box[0] / stride:.2f}, {box[1] / stride:.2f}, {box[2] / stride:.2f}, {box[3] / stride:.2f}) cells."  # fmt: skip
    )
    with page.figure_area():
        figure = viz.roi_figure(features, tuple(box / stride), pooled, aligned, page.sizes)
        st.plotly_chart(PrebuiltFigure(figure), key="anat_roi_fig", config={"displayModeBar": False})  # fmt: skip
    left, right = st.columns(2)
    left.markdown("**RoI pooling output** (torchvision.ops.roi_pool)")
    left.dataframe(pd.DataFrame(pooled.output[0]).round(3), key="anat_roi_pool")
    right.markdown("**RoI Align output** (torchvision.ops.roi_align)")
    right.dataframe(pd.DataFrame(aligned.output[0]).round(3), key="anat_roi_align")
    st.caption(
        "RoI pooling rounds the region to whole cells and splits it into bins with floor / ceil "
        "edges, so bins overlap or leave cells out, and a shift of less than a cell changes "
        "nothing or everything; RoI Align keeps the exact region and reads each bin at evenly "
        "spaced points by bilinear interpolation, which is why Mask R-CNN's masks line up."
    )


SHAPE_SOURCES = ["example shapes", "the ground-truth boxes", "the shared test photos' boxes"]
SHARED = Path(__file__).resolve().parents[2] / "shared" / "testdata"


@st.cache_data(show_spinner=False)
def _shared_shapes() -> np.ndarray | None:
    """Box shapes of the course's test photos (../shared/testdata), read where they are."""
    import json

    shapes = []
    for folder in ("pedestrians", "faces"):
        path = SHARED / folder / "boxes.json"
        if not path.is_file():
            return None
        try:
            boxes = json.loads(path.read_text())
            shapes += [[float(b[2]) - float(b[0]), float(b[3]) - float(b[1])] for found in boxes.values() for b in found]  # fmt: skip
        except (ValueError, TypeError, IndexError, KeyError):
            return None
    wh = np.array(shapes, float).reshape(-1, 2)
    return wh[(wh > 0).all(axis=1)]


def _example_shapes(seed: int = 0) -> np.ndarray:
    """Box shapes like a street scene's: people (tall), cars (wide), faces (small squares)."""
    rng = np.random.default_rng(seed)
    people = np.stack([rng.uniform(25, 80, 30), rng.uniform(70, 240, 30)], axis=1)
    cars = np.stack([rng.uniform(70, 220, 20), rng.uniform(35, 110, 20)], axis=1)
    faces = rng.uniform(16, 60, 15)[:, None].repeat(2, axis=1) * rng.uniform(0.9, 1.2, (15, 2))
    return np.round(np.concatenate([people, cars, faces]), 1)


@st.cache_data(max_entries=8, show_spinner=False)
def _prior_curves(wh: np.ndarray) -> dict:
    ks = list(range(1, min(9, len(np.unique(wh, axis=0))) + 1))
    by_iou = [anchor_lab.best_priors(wh, k, "iou").mean_iou for k in ks]
    euclid = [anchor_lab.mean_best_iou(wh, anchor_lab.best_priors(wh, k, "euclidean").centroids) for k in ks]  # fmt: skip
    return {"k": ks, "iou": by_iou, "euclidean": euclid}


def _on_drag_prediction() -> None:
    dragged = dragged_boxes("anat_prediction_canvas")
    if dragged:
        st.session_state.anat_prediction = " ".join(f"{v:g}" for v in dragged[0])


def yolo_section(settings: Settings, image: np.ndarray, truth: np.ndarray, page) -> None:
    state = st.session_state
    height, width = image.shape[:2]
    columns = st.columns(3)
    with columns[0]:
        settings.slider("Grid S", 2, 14, "anat_grid")
    with columns[1]:
        settings.selectbox("Class of the first box", list(yolo.VOC_CLASSES), "anat_class")
    with columns[2]:
        settings.text_input("Predicted box (x1 y1 x2 y2)", "anat_prediction")
    grid = int(state.anat_grid)
    layout = yolo.tensor_layout()
    st.caption(
        f"The output is S x S x (B·5 + C) = {grid} x {grid} x (2·5 + 20) = "
        f"{grid * grid * 30:,} numbers: per cell, B = 2 boxes (x, y, w, h, confidence) and 20 "
        "class probabilities. The cell holding a box's centre is responsible for it."
    )
    cells = [yolo.responsible_cell(box[None], width, height, grid) for box in truth]
    try:
        predicted = [float(v) for v in state.anat_prediction.replace(",", " ").split()]
        if len(predicted) != 4 or not all(np.isfinite(predicted)) or predicted[2] <= predicted[0] or predicted[3] <= predicted[1]:  # fmt: skip
            raise ValueError
    except ValueError:
        st.error("The predicted box is four numbers x1 y1 x2 y2 with x2 > x1 and y2 > y1.")
        predicted = None
    with page.figure_area():
        if predicted is None:
            st.image(viz.grid_picture(image, grid, cells, truth, None, 560), width="stretch")
        else:
            grid_photo = viz.grid_picture(image, grid, cells, truth, None, 560)
            box_canvas(
                "anat_prediction_canvas",
                [predicted],
                width,
                height,
                colors=["#1f77b4"],
                names=["prediction"],
                mode="edit",
                on_change=_on_drag_prediction,
                display_width=760,
                background=photo_url(grid_photo),
            )
            st.caption("Drag the prediction or its corners; the loss below follows on release.")
    if not len(truth):
        st.info("Type a ground-truth box in the sidebar to see the target tensor and the loss.")
        return
    row, col = cells[0]
    tx, ty, tw, th = yolo.encode_box(truth[:1], width, height, grid)
    targets = [tx, ty, tw, th, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0] + [1.0 if c == state.anat_class else 0.0 for c in yolo.VOC_CLASSES]  # fmt: skip
    left, right = st.columns([2, 3])
    left.markdown(f"**Cell ({row}, {col})'s 30 targets** for the first box")
    left.dataframe(pd.DataFrame({"number": layout, "target": np.round(targets, 3)}), hide_index=True, height=300, key="anat_targets")  # fmt: skip
    with right:
        settings.slider("Predicted confidence Ĉ", 0.0, 1.0, "anat_confidence", step=0.01)
        settings.slider(f"Predicted P({state.anat_class} | object)", 0.0, 1.0, "anat_class_probability", step=0.01)  # fmt: skip
        settings.slider("Confidence of every predictor without an object", 0.0, 1.0, "anat_empty_confidence", step=0.01)  # fmt: skip
    if predicted is None:
        return
    empty = [state.anat_empty_confidence] * (grid * grid * 2 - 2 * len(set(cells)))
    terms = yolo.loss_terms(truth[:1], [predicted], width, height, state.anat_confidence, state.anat_class_probability, empty, grid)  # fmt: skip
    st.metric("Loss for this image", f"{terms.total:.4f}")
    st.code("\n".join(terms.lines), language=None)
    st.caption("λcoord = 5 and λnoobj = 0.5 (YOLO v1): most cells hold no object, so their confidences are weighed down; square roots make a 10 px error cost more on a small box than on a large one.")  # fmt: skip
    st.subheader("YOLO v2's anchor priors: k-means on box shapes")
    prior_columns = st.columns(3)
    with prior_columns[0]:
        sources = SHAPE_SOURCES if _shared_shapes() is not None else SHAPE_SOURCES[:2]
        settings.radio("Shapes", sources, "anat_shapes", horizontal=True)
    if state.anat_shapes == "example shapes":
        wh = _example_shapes()
    elif state.anat_shapes == SHAPE_SOURCES[2]:
        wh = _shared_shapes()
    else:
        wh = np.stack([truth[:, 2] - truth[:, 0], truth[:, 3] - truth[:, 1]], axis=1)
    distinct = len(np.unique(wh, axis=0))
    if distinct < 2:
        st.info("k-means needs at least two different box shapes.")
        return
    with prior_columns[1]:
        settings.slider("k (priors)", 1, min(9, distinct), "anat_k")
    with prior_columns[2]:
        settings.radio("Distance", ["iou", "euclidean"], "anat_distance", horizontal=True, format_func=lambda d: "1 - IoU" if d == "iou" else "Euclidean (w, h)")  # fmt: skip
    steps = list(anchor_lab.kmeans_priors(wh, int(state.anat_k), state.anat_distance, seed=0))
    figure = viz.kmeans_figure(wh, steps, state.anat_distance, page.sizes)
    st.plotly_chart(PrebuiltFigure(figure), key="anat_kmeans", config={"displayModeBar": False})
    player("anat_kmeans", unit="iteration")
    curves = _prior_curves(wh)
    st.plotly_chart(
        PrebuiltFigure(
            viz.lines_figure(
                {
                    "1 - IoU distance": (curves["k"], curves["iou"]),
                    "Euclidean distance": (curves["k"], curves["euclidean"]),
                },
                "k (priors)",
                "mean IoU with the best prior",
                page.sizes,
            )
        ),  # fmt: skip
        key="anat_prior_curves",
        config={"displayModeBar": False},
    )
    st.caption("Best of 10 seeded runs each. With 1 - IoU, large boxes do not dominate the distance, so the priors fit every size: a higher mean IoU for the same k (YOLO v2, table 1).")  # fmt: skip


def _nets():
    """MTCNN's networks, shared with the Detection lab (loaded once per server)."""
    from ui import detectors

    loaded, message = detectors.load("MTCNN faces", "cpu")
    if loaded is None:
        st.error(message)
        st.stop()
    return loaded.detector._model


@st.cache_data(max_entries=4, show_spinner=False)
def _cascade(key: str, min_face: int, _image, _nets) -> list:
    from lab.mtcnn import MTCNNSettings, mtcnn_steps

    return list(mtcnn_steps(_image, _nets, MTCNNSettings(min_face_size=min_face)))


def _stage_names(steps: list) -> list[str]:
    from lab.mtcnn import Merged, PNetScale, Pyramid, Refined

    names, level = [], 0
    for step in steps:
        if isinstance(step, Pyramid):
            names.append("pyramid")
        elif isinstance(step, PNetScale):
            level += 1
            names.append(f"P-Net, scale {level} ({step.scale:.3f})")
        elif isinstance(step, Merged):
            names.append("P-Net, across scales")
        elif isinstance(step, Refined):
            names.append(step.stage)
        else:
            names.append("faces")
    return names


def _montage(crops: np.ndarray, passed: np.ndarray, side: int = 56, columns: int = 12) -> np.ndarray:  # fmt: skip
    """Crops side by side, each framed green (passed) or red (rejected)."""
    from PIL import Image

    count = min(len(crops), 48)
    rows = max(1, -(-count // columns))
    canvas = np.full((rows * (side + 6), columns * (side + 6), 3), 255, np.uint8)
    for n in range(count):
        tile = np.asarray(Image.fromarray(crops[n]).resize((side, side), Image.Resampling.NEAREST))
        r, c = divmod(n, columns)
        y, x = r * (side + 6), c * (side + 6)
        canvas[y : y + side + 6, x : x + side + 6] = viz.POSITIVE if passed[n] else viz.NEGATIVE
        canvas[y + 3 : y + 3 + side, x + 3 : x + 3 + side] = tile
    return canvas


def mtcnn_section(settings: Settings, image: np.ndarray, truth: np.ndarray, page) -> None:
    from lab.mtcnn import (  # fmt: skip
        CELL,
        STRIDE,
        Merged,
        PNetScale,
        Pyramid,
        Refined,
        pyramid_level,
        sliding_window,
    )
    from lab.viz.detection import annotate

    state = st.session_state
    settings.slider("Smallest face (px): P-Net's 12 px window at the largest scale", 12, 120, "anat_min_face")  # fmt: skip
    with st.spinner("Loading MTCNN and running the cascade..."):
        nets = _nets()
        steps = _cascade(image_key(image), int(state.anat_min_face), image, nets)
    names = _stage_names(steps)
    pyramid = steps[0]
    counts = []
    for name, step in zip(names, steps, strict=True):
        if isinstance(step, PNetScale):
            counts.append((name, f"{len(step.candidates)} windows >= 0.6", f"{len(step.kept)} after NMS (IoU 0.5)"))  # fmt: skip
        elif isinstance(step, Merged):
            counts.append((name, f"{len(step.before)} from all scales", f"{len(step.kept)} after NMS (IoU 0.7), regressed, squared"))  # fmt: skip
        elif isinstance(step, Refined):
            counts.append((name, f"{len(step.scores)} crops", f"{int(step.passed.sum())} pass, {len(step.kept)} after NMS"))  # fmt: skip
        elif not isinstance(step, Pyramid):
            counts.append((name, f"{len(step)} faces", ""))
    st.dataframe(pd.DataFrame(counts, columns=["stage", "in", "out"]), hide_index=True, key="anat_mtcnn_counts")  # fmt: skip
    settings.select_slider("Stage", names, "anat_stage")
    step = steps[names.index(state.anat_stage)]
    text = 1.5 if page.projector else 1.0
    with page.figure_area():
        if isinstance(step, Pyramid):
            st.dataframe(pd.DataFrame({"scale": np.round(step.scales, 4), "photo resized to (h x w)": [f"{h} x {w}" for h, w in step.sizes], "faces P-Net's window fits (px)": [f"{CELL / s:.0f}" for s in step.scales]}), hide_index=True, key="anat_pyramid")  # fmt: skip
            st.caption("Each scale is the one before times 0.709; the 12 x 12 window at scale s covers a 12 / s pixel face of the photo.")  # fmt: skip
        elif isinstance(step, PNetScale):
            kept = step.candidates[step.kept] if len(step.kept) else np.zeros((0, 4))
            st.image(viz.heat_picture(image, step.probability, kept, 640, step.candidates), width="stretch")  # fmt: skip
            st.caption(f"P-Net's face probability for every 12 x 12 window at scale {step.scale:.3f} ({step.probability.shape[0]} x {step.probability.shape[1]} windows, stride 2), stretched over the photo; grey dashed: every window >= 0.6; yellow: those NMS keeps at this scale.")  # fmt: skip
        elif isinstance(step, Merged):
            groups = [(step.before, viz.IGNORED, None, True), (step.squared, viz.POSITIVE, None, False)]  # fmt: skip
            st.image(viz.boxes_picture(image, groups, 640, text), width="stretch")
            st.caption("Grey dashed: every scale's candidates; green: after NMS across scales, box regression and squaring (R-Net's input).")  # fmt: skip
        elif isinstance(step, Refined):
            st.image(_montage(step.crops, step.passed), caption=f"What {step.stage} saw ({step.crops.shape[1]} x {step.crops.shape[1]} crops, first 48): green passed, red rejected", width="stretch")  # fmt: skip
            st.image(viz.boxes_picture(image, [(step.boxes_out, viz.POSITIVE, None, False)], 640, text), width="stretch")  # fmt: skip
        else:
            st.image(annotate(image, [(step, None)], shown_width=640, text=text), width="stretch")
            st.caption("O-Net's faces with the five landmarks (eyes, nose, mouth corners).")
    st.subheader("A sliding window is a convolution")
    columns = st.columns(3)
    with columns[0]:
        settings.selectbox("Scale", list(range(len(pyramid.scales))), "anat_level", format_func=lambda i: f"{i + 1}: {pyramid.scales[i]:.3f}")  # fmt: skip
    level = pyramid_level(image, nets, pyramid.scales[int(state.anat_level)])
    rows = (level.shape[2] - CELL) // STRIDE + 1
    cols = (level.shape[3] - CELL) // STRIDE + 1
    with columns[1]:
        settings.slider("Row of the output map", 0, rows - 1, "anat_window_row")
    with columns[2]:
        settings.slider("Column of the output map", 0, cols - 1, "anat_window_col")
    window = sliding_window(level, nets, int(state.anat_window_row), int(state.anat_window_col))
    left, middle, right = st.columns([1, 1, 2])
    crop = np.clip((window.crop / 0.0078125 + 127.5), 0, 255).astype(np.uint8)
    from PIL import Image

    left.image(np.asarray(Image.fromarray(crop).resize((144, 144), Image.Resampling.NEAREST)), caption="the 12 x 12 crop P-Net saw")  # fmt: skip
    scale = pyramid.scales[int(state.anat_level)]
    top, side = STRIDE * int(state.anat_window_row) / scale, CELL / scale
    x0 = STRIDE * int(state.anat_window_col) / scale
    middle.image(viz.boxes_picture(image, [([x0, top, x0 + side, top + side], viz.TRUTH, None, False)], 300), caption="where it lies in the photo", width="stretch")  # fmt: skip
    with right:
        cells = st.columns(2)  # three in a row cut "0.015137" short at 1280 px
        cells[0].metric("P-Net on the crop alone", f"{window.alone:.6f}")
        cells[1].metric("The dense map's cell", f"{window.dense:.6f}")
        cells[0].metric("Difference", f"{abs(window.alone - window.dense):.1e}")
        st.caption(
            f"The crop starts at ({STRIDE} x row, {STRIDE} x column) = ({STRIDE * int(state.anat_window_row)}, {STRIDE * int(state.anat_window_col)}) of the resized photo. "  # fmt: skip
            "P-Net has no fully connected layer: run on the whole photo, its last layer computes "
            "every window's score at once, sharing the convolutions of overlapping windows "
            "(OverFeat). The numbers agree to float precision."
        )
