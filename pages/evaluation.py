"""Evaluation lab: a confusion matrix and its metrics, ROC and precision-recall curves from
scores, and detection metrics (matching, AP three ways, the COCO summary), every step shown."""

from __future__ import annotations

import streamlit as st

from ui import evaluation_panels as panels
from ui.common import Page, page_body, page_setup
from ui.state import Settings

PARTS = ["Classification", "Scores: ROC and PR", "Detection: AP and COCO"]
SETTINGS = Settings(panels.DEFAULTS | {"eval_part": PARTS[0]})

page = page_setup("Evaluation lab", ":material/analytics:", SETTINGS)
SETTINGS.segmented_control("Part", PARTS, "eval_part", label_visibility="collapsed")
PANELS = dict(zip(PARTS, (panels.classification, panels.scores, panels.detection), strict=True))


def body(page: Page) -> None:
    """The part chosen: its controls rerun only this (the Part control reruns the page)."""
    PANELS[st.session_state.eval_part](SETTINGS, page)


page_body(page, body, "eval_body")
