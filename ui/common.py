"""Streamlit helpers shared by the pages: page set-up (title, projector mode, copy link), the
cached image picker.

This is the app side of the house: it may cache and draw widgets; the maths stays in `lab/`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, NamedTuple

import numpy as np
import streamlit as st
from PIL import Image, ImageDraw

from lab.images import MAX_UPLOAD_BYTES, SAMPLES, ImageError, downscale, load_photo, sample_image
from lab.viz.style import NORMAL, PROJECTOR, TextSizes
from ui import janitor
from ui.share import copy_link_button
from ui.state import BOUND, Settings

MAX_IMAGE_MB = MAX_UPLOAD_BYTES // 2**20
"""Photos: the browser refuses larger files (the server's own limit is higher, for checkpoints)."""

_CSS = """
<style>
/* Less blank space above the title; the toolbar needs about 3 rem. */
.stMainBlockContainer { padding-top: 3.2rem; }
h1 { padding-top: 0 !important; padding-bottom: 0.3rem !important; }
/* A picture fills its column but never grows taller than the screen (a 50 x 2000 upload). */
[data-testid="stImage"] img { max-height: 78vh; object-fit: contain; }
/* ...except the Kernel lab's output, which is as large as the input beside it (a component, not
   limited so; the page gives a tall photo a width that keeps both 560 px high). */
.st-key-kern_pair [data-testid="stImage"] img { max-height: none; }
/* A small laptop (1024 px beside the sidebar): the page's 5 rem side margins took ~110 px of
   its columns, and labels, metrics and tables were cut. */
@media (max-width: 1180px) {
  .stMainBlockContainer { padding-left: 1.5rem; padding-right: 1.5rem; }
}
/* A metric's or a toggle's label that does not fit wraps onto a second line instead of ending in
   an ellipsis ("η* = 2/(λmin+λ…" on a small laptop). */
[data-testid="stMetricLabel"] .stMarkdownEllipsis, [data-testid="stMetricLabel"] .stMarkdownEllipsis p,
[data-testid="stCheckbox"] .stMarkdownEllipsis, [data-testid="stCheckbox"] .stMarkdownEllipsis p {
  white-space: normal; overflow: visible;
}
</style>
"""

_PROJECTOR_CSS = """
<style>
/* Projector mode: read from the back of a lecture room. */
.stMarkdown p, .stMarkdown li { font-size: 1.3rem; }
[data-testid="stCaptionContainer"] { font-size: 1.1rem !important; }
.stCode pre, .stCode code { font-size: 20px !important; line-height: 1.45; }
[data-testid="stMetricValue"] { font-size: 2.4rem; }
[data-testid="stMetricLabel"] p { font-size: 1.15rem; }
[data-testid="stWidgetLabel"] p { font-size: 1.1rem; }
h1 { font-size: 2rem !important; }
.stMainBlockContainer { padding-left: 2rem; padding-right: 2rem; }
</style>
"""


@dataclass(frozen=True)
class Page:
    """What a page needs to know about how it is shown.

    Attributes:
        projector: projector mode is on: the key figure first, at full width, large text.
        sizes: font sizes for figures.
        top: a container right under the title, where the key figure goes in projector mode.
        note: a container above it for notes about the link (pages whose settings are only
            known after a slow import call `settings.expect_link(page.note)` themselves).
    """

    projector: bool
    sizes: TextSizes
    top: Any
    note: Any = None

    def figure_area(self) -> Any:
        """Where the key figure goes: the top of the page in projector mode, else right here."""
        return self.top if self.projector else st.container()


def projector_on() -> bool:
    """Projector mode, from the toggle, or from the link before the toggle has run."""
    if "app_projector" in st.session_state:
        return bool(st.session_state["app_projector"])
    return str(st.query_params.get("app_projector", "")).lower() in ("true", "1")


def page_setup(title: str, icon: str, settings: Settings | None = None) -> Page:
    """Wide layout, the title with the projector toggle and the copy-link button, and the slot for
    the key figure. Safe to call when the page runs alone or under st.navigation."""
    _route_through_app()
    janitor.start()
    projector = projector_on()
    st.set_page_config(
        page_title=f"{title} - CNN Visual Lab",
        page_icon=_favicon(),
        layout="wide",
        initial_sidebar_state="collapsed" if projector else "auto",
    )
    st.html(_CSS + (_PROJECTOR_CSS if projector else ""))  # static CSS, no user text
    heading, tools = st.columns([3, 1], vertical_alignment="center")
    heading.title(f"{icon} {title}")  # Material icons: emoji fonts are missing on many lecture PCs
    with tools.container(
        horizontal=True, horizontal_alignment="right", vertical_alignment="center"
    ):
        copy_link_button()
        st.toggle(
            "Projector",
            value=False,
            key="app_projector",
            help="Large text, the key figure first at full width, the sidebar folded away.",
            **BOUND,
        )
    note = st.container()
    if settings is not None:
        settings.expect_link(note)
    return Page(projector, PROJECTOR if projector else NORMAL, st.container(), note)


def page_body(page: Page, body: Callable[[Page], None], key: str) -> None:
    """Run a page's body (what lies under its title, beside its sidebar) as a fragment.

    A control inside the body then reruns the body alone: not the title bar, the sidebar or the
    image picker, whose elements would be sent again unchanged (bench/latency.py: the light pages
    answered 14-33% sooner; README, Speed). A control outside it (the sidebar) reruns the whole
    page, body included, so the body always draws from the settings shown. The rule that keeps
    the two in step: a callback of a control in the body that changes a setting shown outside it
    calls `rerun_page()`.

    The body gets the page with its slot for the key figure (under the title, before anything
    drawn between page_setup and this call) as a container the fragment makes in `page.top` on
    every run: Streamlit clears it with the fragment, and keeps its place (a fragment may only
    write where it also wrote in the last full run).
    """

    @st.fragment(key=key)
    def fragment() -> None:
        body(replace(page, top=page.top.container()))

    fragment()


def rerun_page() -> None:
    """From a callback in a page's body that changed a setting outside it: rerun the whole page
    (not just the body), so that the control outside shows the new value too."""
    st.rerun()


@lru_cache(maxsize=1)
def _favicon() -> Image.Image:
    """The tab icon, drawn here: a Material icon name would make the browser fetch it from
    fonts.gstatic.com, which a lab running offline cannot reach."""
    icon = Image.new("RGBA", (32, 32), (0, 0, 0, 0))
    draw = ImageDraw.Draw(icon)
    for row in range(3):
        for col in range(3):
            shade = (33, 102, 172) if (row + col) % 2 else (178, 24, 43)
            box = [2 + col * 10, 2 + row * 10, 10 + col * 10, 10 + row * 10]
            draw.rectangle(box, fill=shade)
    return icon


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


@st.cache_data(max_entries=8, show_spinner=False)
def cached_sample(name: str, max_side: int) -> np.ndarray:
    return downscale(sample_image(name), max_side)


@st.cache_data(max_entries=8, show_spinner=False)
def cached_sample_size(name: str) -> tuple[int, int]:
    return sample_image(name).shape[:2]


@st.cache_data(max_entries=8, show_spinner=False)
def cached_upload(data: bytes, max_side: int) -> tuple[np.ndarray | None, str, tuple[int, int]]:
    """Decode an upload once: (image or None, error message or "", original (H, W))."""
    try:
        image, original = load_photo(data, max_side)
    except ImageError as error:
        return None, str(error), (0, 0)
    return image, "", original


class Picked(NamedTuple):
    """A photo picked in the sidebar: the picture (downscaled), a label, its original size."""

    image: np.ndarray
    label: str
    original: tuple[int, int]
    """(height, width) of the photo before downscaling."""


def uploader(label: str, **kwargs: Any) -> Any:
    """st.file_uploader that turns a refused file type into a message: the browser filters by
    extension, but a client can send anything, and Streamlit then raises in the script."""
    from streamlit.errors import StreamlitAPIException

    try:
        return st.file_uploader(label, **kwargs)
    except StreamlitAPIException as error:
        if "extension" not in str(error).lower():
            raise
        allowed = ", ".join(kwargs.get("type") or [])
        st.error(f"That kind of file is not accepted here; please choose a {allowed} file.")
        return None


def image_picker(settings: Settings, prefix: str, max_side: int = 640) -> tuple[np.ndarray, str]:
    """Sample photo or upload, in the sidebar. Returns (RGB uint8 [H, W, 3], a label)."""
    return pick_image(settings, prefix, max_side)[:2]


def pick_image(settings: Settings, prefix: str, max_side: int = 640) -> Picked:
    """Sample photo or upload, in the sidebar, downscaled to at most `max_side` pixels.

    The sample is the setting `<prefix>_sample`. An upload is kept for the session (the uploader
    itself forgets its file when the page is left) until it is removed or replaced. A bad upload
    shows its message and the page carries on with the chosen sample photo.
    """
    kept = f"{prefix}_upload_kept"
    with st.sidebar:
        st.subheader("Image")
        settings.selectbox(
            "Sample photo", list(SAMPLES), f"{prefix}_sample", format_func=SAMPLES.get
        )
        # No `type=` filter: with one, a file of another extension (sent by any client) makes
        # Streamlit raise before the script runs, in the on_change check; the bytes are checked
        # here instead (lab.images.load_photo), whatever the name says.
        upload = uploader(
            f"...or upload your own (PNG, JPEG, WebP, BMP, TIFF, HEIC, GIF; up to {MAX_IMAGE_MB} MB)",  # fmt: skip
            key=f"{prefix}_upload",
            max_upload_size=MAX_IMAGE_MB,
            on_change=_forget_upload,
            args=(kept,),
        )
        data = upload.getvalue() if upload is not None else st.session_state.get(kept)
        if upload is None and data is not None:
            st.caption("Using the photo you uploaded earlier.")
            st.button(
                "Back to the sample photo",
                key=f"{prefix}_forget",
                on_click=_forget_upload,
                args=(kept,),
            )
    if data is not None:
        image, error, original = cached_upload(data, max_side)
        if image is not None:
            st.session_state[kept] = data  # only photos that load are kept for later visits
            note = ""
            if original != image.shape[:2]:
                note = f" (downscaled from {original[1]} x {original[0]})"
            label = f"your upload, {image.shape[1]} x {image.shape[0]} px{note}"
            return Picked(image, label, original)
        st.error(f"Could not use the uploaded file: {error} Showing the sample photo instead.")
    name = settings.value(f"{prefix}_sample")
    image = cached_sample(name, max_side)
    original = cached_sample_size(name)
    return Picked(image, f"{SAMPLES[name]}, {image.shape[1]} x {image.shape[0]} px", original)


def _forget_upload(kept: str) -> None:
    st.session_state.pop(kept, None)
