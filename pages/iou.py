"""IoU lab: drag two boxes and read IoU, GIoU, DIoU and CIoU, and see why losses avoid plain IoU."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab.boxes import BoxError
from lab.format import format_number
from lab.iou import PAIRS as PRESETS
from lab.iou import overlap, sliding_overlaps
from lab.viz.iou import sliding_figure
from ui.box_canvas import box_canvas, dragged_boxes
from ui.common import Page, page_body, page_setup
from ui.overlap_panel import LABELS, overlap_panel
from ui.state import Settings

WIDTH, HEIGHT = 400, 300
COORDS = ("x1", "y1", "x2", "y2")
SETTINGS = Settings(
    {
        f"iou_{name}_{coord}": value
        for name, box in zip("ab", PRESETS["partial overlap"], strict=True)
        for coord, value in zip(COORDS, box, strict=True)
    }
)
state = st.session_state


def set_boxes(a, b) -> None:
    for name, box in zip("ab", (a, b), strict=True):
        for coord, value in zip(COORDS, box, strict=True):
            state[f"iou_{name}_{coord}"] = int(round(value))


def on_drag() -> None:
    boxes = dragged_boxes("iou_canvas")
    if boxes and len(boxes) == 2:
        set_boxes(*boxes)


def box(name: str) -> list[float]:
    return [float(state[f"iou_{name}_{c}"]) for c in COORDS]


def sorted_box(values: list[float]) -> list[float]:
    """The same corners, top-left first: how the canvas draws a box typed the wrong way round."""
    x1, y1, x2, y2 = values
    return [min(x1, x2), min(y1, y2), max(x1, x2), max(y1, y2)]


def problems(name: str) -> list[str]:
    """What is wrong with a typed box, in words: which box, which coordinate, what to do."""
    x1, y1, x2, y2 = box(name)
    found = []
    if x2 < x1:
        found.append(
            f"Box {name.upper()}: its right edge x2 = {x2:g} is left of its left edge x1 = {x1:g}. "
            f"Make x2 at least {x1:g} (or drag a corner on the canvas)."
        )
    if y2 < y1:
        found.append(
            f"Box {name.upper()}: its bottom edge y2 = {y2:g} is above its top edge y1 = {y1:g}. "
            f"Make y2 at least {y1:g} (or drag a corner on the canvas)."
        )
    return found


page = page_setup("IoU lab", ":material/select_all:", SETTINGS)


def body(page: Page) -> None:
    """Everything under the title: its controls rerun only this."""
    st.markdown(
        "IoU = |A ∩ B| / |A ∪ B|. Drag a box to move it, drag a corner to resize it, or type "
        "exact coordinates (xyxy pixels, y down). The purple area is the intersection; the dashed "
        "box is the smallest box enclosing both, which GIoU uses."
    )
    # Projector mode: the canvas is at the top, so the controls take the whole width (no blank
    # column where the canvas was), the two boxes side by side.
    canvas_col, numbers_col = (
        (None, st.container()) if page.projector else st.columns([3, 2], gap="large")
    )
    with numbers_col:
        st.markdown("**Presets** (each sets both boxes)")
        presets = st.container(horizontal=True)
        for index, (name, boxes) in enumerate(PRESETS.items()):
            presets.button(name, key=f"iou_preset_{index}", on_click=set_boxes, args=boxes)
        holders = st.columns(2, gap="large") if page.projector else (numbers_col, numbers_col)
        for (name, colour), holder in zip((("a", "blue"), ("b", "red")), holders, strict=True):
            with holder:
                st.markdown(f"**Box {name.upper()}** (:{colour}[{colour}])")
                for column, coord in zip(st.columns(4), COORDS, strict=True):
                    with column:
                        limit = WIDTH if coord.startswith("x") else HEIGHT
                        SETTINGS.number_input(coord, 0, limit, f"iou_{name}_{coord}", step=1)

    found = problems("a") + problems("b")
    area = page.figure_area() if page.projector else canvas_col
    for message in found:
        area.error(message)
    canvas_area, beside = area, None
    if page.projector and not found:  # the measures beside the canvas, above the fold
        canvas_area, beside = area.columns([3, 1], gap="large")
    with canvas_area:
        shown = [sorted_box(box(name)) for name in "ab"] if found else [box("a"), box("b")]
        box_canvas(
            "iou_canvas",
            shown,
            WIDTH,
            HEIGHT,
            colors=["#1f77b4", "#d62728"],
            names=["A", "B"],
            show_overlap=True,
            on_change=on_drag,
            display_width=900 if page.projector else 620,
            inputs=[
                [
                    (f"iou_{name}_{coord}", 0, WIDTH if coord.startswith("x") else HEIGHT)
                    for coord in COORDS
                ]
                for name in "ab"
            ],
            presets=[
                (f"iou_preset_{index}", list(boxes)) for index, boxes in enumerate(PRESETS.values())
            ],
            live=None if found else "iou_measures",
        )
    if beside is not None:
        with beside:
            overlap_panel("iou_measures", box("a"), box("b"), True, part="cards")
    area.caption(
        "While you drag, or when you type a coordinate, the measures and formulas update at "
        "once (computed in your browser); the table of every quantity follows a moment later."
    )
    if found:
        return

    try:
        numbers = overlap(box("a"), box("b"))
    except BoxError as error:  # the checks above catch what a student can type; this is a backstop
        st.error(f"{error}.")
        return
    # The measures and formulas are drawn in the browser, which redraws them the moment a box
    # moves (dragged or typed): the same arithmetic as lab.iou, held to it by the browser tests.
    if page.projector:  # the measures are beside the canvas
        overlap_panel("iou_measures", box("a"), box("b"), True, part="formula")
    else:
        overlap_panel("iou_measures", box("a"), box("b"))
    st.table(
        pd.DataFrame(
            {
                "quantity": [
                    "area A",
                    "area B",
                    "intersection |A∩B|",
                    "union |A∪B|",
                    "enclosing box |C|",
                    *LABELS,
                ],
                "value": [
                    format_number(numbers.area_a),
                    format_number(numbers.area_b),
                    format_number(numbers.intersection),
                    format_number(numbers.union),
                    format_number(numbers.enclosing),
                    *(
                        f"{value:.4f}"
                        for value in (numbers.iou, numbers.giou, numbers.diou, numbers.ciou)
                    ),
                ],
            }
        ).set_index("quantity")
    )

    st.subheader("Why losses don't use plain IoU")
    a, b = box("a"), box("b")
    shifts = np.union1d(np.linspace(-(b[2] - a[0]) - 60, (a[2] - b[0]) + 60, 401), [0.0])
    curves = sliding_overlaps(a, b, shifts)
    st.plotly_chart(sliding_figure(curves, 0.0, page.sizes), key="iou_slide")
    flat = (curves["iou"] == 0) & (np.abs(curves["d_iou"]) < 1e-12)
    st.markdown(
        f"Sliding B left and right: over {100 * flat.mean():.0f}% of this range the boxes do not "
        "overlap, IoU is flat at 0 and its slope is 0, so a loss of 1 - IoU gives a network no "
        "hint which way to move the box. GIoU and DIoU keep a slope there that points back "
        "towards A."
    )


page_body(page, body, "iou_body")
