"""Inside a detector: selective search, anchors and box regression, RoI pooling and RoI Align,
YOLO's grid and anchor priors, and MTCNN taken apart, each stepped on a photo."""

from __future__ import annotations

import streamlit as st

from ui import anatomy_panels as panels
from ui.common import Page, page_body, page_setup, pick_image
from ui.state import Settings

PARTS = {
    "Selective search": panels.selective_search,
    "Anchors and box regression": panels.anchors,
    "RoI pooling": panels.roi,
    "YOLO": panels.yolo_section,
    "MTCNN": panels.mtcnn_section,
}
SETTINGS = Settings(panels.DEFAULTS | {"anat_part": "Selective search", "anat_sample": "astronaut"})

page = page_setup("Inside a detector", ":material/biotech:", SETTINGS)
picked = pick_image(SETTINGS, "anat", 512)
height, width = picked.image.shape[:2]
truth = panels.truth_boxes(SETTINGS, height, width)
SETTINGS.segmented_control("Part", list(PARTS), "anat_part", label_visibility="collapsed")


def body(page: Page) -> None:
    """The part chosen: its controls rerun only this (the Part control and the sidebar rerun the
    page)."""
    st.caption(f"Photo: {picked.label}.")
    PARTS[st.session_state.anat_part](SETTINGS, picked.image, truth, page)


page_body(page, body, "anat_body")
