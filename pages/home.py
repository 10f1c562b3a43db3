"""Home: what the lab is, and a card for each page."""

from __future__ import annotations

import numpy as np
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lab.viz import thumbnails
from ui.common import cached_sample, page_setup

CARDS = [
    (
        "pages/kernel_lab.py",
        "Kernel lab",
        "Edit a kernel and watch it filter a photo, down to one pixel's sum.",
        "kernel",
    ),
    (
        "pages/convolution.py",
        "Convolution stepper",
        "Stride, padding, dilation, pooling and transposed convolution, one window at a time.",
        "grid",
    ),
    (
        "pages/iou.py",
        "IoU lab",
        "Drag two boxes: IoU, GIoU, DIoU and CIoU, and why losses don't use plain IoU.",
        "iou",
    ),
    (
        "pages/nms.py",
        "NMS lab",
        "Step through non-maximum suppression, hard and soft, box by box.",
        "nms",
    ),
    (
        "pages/gradient_descent.py",
        "Gradient descent",
        "Why a learning rate converges, oscillates or explodes on a quadratic.",
        "descent",
    ),
    (
        "pages/detection.py",
        "Detection lab",
        "Run two to four detectors on a photo: which is better, and why? Box by box.",
        "detection",
    ),
    (
        "pages/evaluation.py",
        "Evaluation lab",
        "Confusion matrices, ROC and PR curves, AP three ways and the COCO table, step by step.",
        "evaluation",
    ),
    (
        "pages/inside_detector.py",
        "Inside a detector",
        "Selective search, anchors, box regression, RoI Align, YOLO's grid, MTCNN's cascade.",
        "anatomy",
    ),
]


@st.cache_data(max_entries=8, show_spinner=False)
def thumbnail(kind: str) -> np.ndarray:
    if kind == "kernel":
        return thumbnails.kernel_thumbnail(cached_sample("camera", 640))
    if kind == "grid":
        return thumbnails.grid_thumbnail()
    if kind in ("iou", "nms"):
        return thumbnails.boxes_thumbnail(nms=kind == "nms")
    if kind == "anatomy":
        return thumbnails.anchors_thumbnail(cached_sample("astronaut", 512))
    if kind == "evaluation":
        return thumbnails.evaluation_thumbnail()
    if kind == "detection":
        return thumbnails.detection_thumbnail(cached_sample("astronaut", 512))
    return thumbnails.descent_thumbnail()


page_setup("CNN Visual Lab", ":material/neurology:")
st.markdown(
    "A hands-on lab for convolutional networks. Every idea is shown with its formula, its real "
    "numbers and its picture, in sync: change a control and all three follow. Everything runs "
    "offline on a laptop; the photos are built in, and you can upload your own."
)
columns = st.columns(3)
for index, (path, title, description, kind) in enumerate(CARDS):
    with columns[index % 3].container(border=True):
        st.image(thumbnail(kind), width="stretch")
        try:
            st.page_link(path, label=f"**{title}**")
        except StreamlitAPIException:  # this file runs alone, outside app.py's navigation
            st.markdown(f"**{title}**")
        st.caption(description)
