"""Streamlit helpers shared by the pages: page set-up, state defaults and the image picker.

This is the app side of the house: it may cache and draw widgets; the maths stays in `lab/`.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import streamlit as st

from lab.images import SAMPLES, ImageError, downscale, load_image, sample_image

UPLOAD_TYPES = ["png", "jpg", "jpeg", "webp", "bmp", "tif", "tiff"]


def page_setup(title: str, icon: str) -> None:
    """Wide layout and a title; safe to call when the page runs alone or under st.navigation."""
    _route_through_app()
    st.set_page_config(page_title=f"{title} - CNN Visual Lab", page_icon=icon, layout="wide")
    st.title(f"{icon} {title}")  # Material icons: emoji fonts are missing on many lecture PCs


def _route_through_app() -> None:
    """Send a first visit to a page URL through app.py's st.navigation.

    Until some session has run st.navigation, Streamlit treats pages/ as an old-style pages
    directory and runs pages/x.py directly, with a sidebar of file names. A rerun after clearing
    that flag runs app.py, which routes to the same URL. Page files run alone (AppTest, `streamlit
    run pages/x.py`) never have the flag set, as there is no pages/ folder beside them.
    """
    try:
        from streamlit.runtime.pages_manager import PagesManager
    except ImportError:  # a future Streamlit without the old mode
        return
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def init_state(defaults: dict[str, Any]) -> None:
    """Set each session-state key once, so widgets keyed by it keep the user's value.

    Keys that exist are written back to themselves: Streamlit forgets the value of a widget that
    a run does not draw (a control of another mode), and this keeps it for when it comes back.
    """
    for key, value in defaults.items():
        if key not in st.session_state:
            st.session_state[key] = value
        else:
            st.session_state[key] = st.session_state[key]


@st.cache_data(max_entries=8, show_spinner=False)
def cached_sample(name: str, max_side: int) -> np.ndarray:
    return downscale(sample_image(name), max_side)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_upload(data: bytes, max_side: int) -> tuple[np.ndarray | None, str, tuple[int, int]]:
    """Decode an upload once: (image or None, error message or "", original (H, W))."""
    try:
        image = load_image(data)
    except ImageError as error:
        return None, str(error), (0, 0)
    return downscale(image, max_side), "", image.shape[:2]


def image_picker(
    prefix: str, max_side: int = 640, default: str = "camera"
) -> tuple[np.ndarray, str]:
    """Sample photo or upload, in the sidebar. Returns (RGB uint8 [H, W, 3], a label).

    A bad upload shows its message and the page carries on with the chosen sample photo.
    """
    sample_key = f"{prefix}_sample"
    init_state({sample_key: default})
    with st.sidebar:
        st.subheader("Image")
        st.selectbox(
            "Sample photo",
            list(SAMPLES),
            format_func=lambda name: SAMPLES[name],
            key=sample_key,
        )
        upload = st.file_uploader(
            "...or upload your own (PNG, JPEG, WebP, BMP, TIFF; up to 25 MB)",
            type=UPLOAD_TYPES,
            key=f"{prefix}_upload",
        )
    if upload is not None:
        image, error, original = cached_upload(upload.getvalue(), max_side)
        if image is not None:
            note = ""
            if original != image.shape[:2]:
                note = f" (downscaled from {original[1]} x {original[0]})"
            return image, f"your upload, {image.shape[1]} x {image.shape[0]} px{note}"
        st.error(f"Could not use the uploaded file: {error} Showing the sample photo instead.")
    name = st.session_state[sample_key]
    image = cached_sample(name, max_side)
    return image, f"{SAMPLES[name]}, {image.shape[1]} x {image.shape[0]} px"
