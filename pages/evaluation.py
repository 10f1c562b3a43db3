"""Evaluation lab: a confusion matrix and its metrics, ROC and precision-recall curves from
scores, and detection metrics (matching, AP three ways, the COCO summary), every step shown."""

from __future__ import annotations

import streamlit as st

from ui import evaluation_panels as panels
from ui.common import page_setup
from ui.state import Settings

PARTS = ["Classification", "Scores: ROC and PR", "Detection: AP and COCO"]
SETTINGS = Settings(panels.DEFAULTS | {"eval_part": PARTS[0]})

page = page_setup("Evaluation lab", ":material/analytics:", SETTINGS)
SETTINGS.segmented_control("Part", PARTS, "eval_part", label_visibility="collapsed")
part = st.session_state.eval_part
if part == PARTS[0]:
    panels.classification(SETTINGS, page)
elif part == PARTS[1]:
    panels.scores(SETTINGS, page)
else:
    panels.detection(SETTINGS, page)
