"""IoU lab: drag two boxes and read IoU, GIoU, DIoU and CIoU, and see why losses avoid plain IoU."""

from __future__ import annotations

import numpy as np
import pandas as pd
import streamlit as st

from lab.boxes import BoxError, overlap, sliding_overlaps
from lab.format import format_number
from lab.viz.iou import sliding_figure
from ui.box_canvas import box_canvas, dragged_boxes
from ui.common import init_state, page_setup

WIDTH, HEIGHT = 400, 300
COORDS = ("x1", "y1", "x2", "y2")
PRESETS = {
    "partial overlap": ([60, 60, 220, 200], [150, 110, 330, 250]),
    "identical": ([100, 80, 260, 220], [100, 80, 260, 220]),
    "nested": ([60, 40, 340, 260], [150, 110, 250, 190]),
    "touching edges": ([40, 80, 200, 220], [200, 80, 360, 220]),
    "disjoint": ([30, 60, 150, 200], [250, 100, 370, 240]),
    "same centre, different aspect": ([140, 40, 260, 260], [80, 100, 320, 200]),
}

page_setup("IoU lab", ":material/select_all:")
defaults = {"iou_preset": "partial overlap"}
for name, box in zip("ab", PRESETS["partial overlap"], strict=True):
    defaults |= {f"iou_{name}_{c}": v for c, v in zip(COORDS, box, strict=True)}
init_state(defaults)
state = st.session_state


def set_boxes(a, b) -> None:
    for name, box in zip("ab", (a, b), strict=True):
        for coord, value in zip(COORDS, box, strict=True):
            state[f"iou_{name}_{coord}"] = int(round(value))


def on_preset() -> None:
    set_boxes(*PRESETS[state.iou_preset])


def on_drag() -> None:
    boxes = dragged_boxes("iou_canvas")
    if boxes and len(boxes) == 2:
        set_boxes(*boxes)


def box(name: str) -> list[float]:
    return [float(state[f"iou_{name}_{c}"]) for c in COORDS]


st.markdown(
    "IoU = |A ∩ B| / |A ∪ B|. Drag a box to move it, drag a corner to resize it, or type exact "
    "coordinates (xyxy pixels, y down). The purple area is the intersection; the dashed box is the "
    "smallest box enclosing both, which GIoU uses."
)
canvas_col, numbers_col = st.columns([3, 2], gap="large")
with numbers_col:
    st.selectbox("Preset", list(PRESETS), key="iou_preset", on_change=on_preset)
    for name, color in (("a", "blue"), ("b", "red")):
        st.markdown(f"**Box {name.upper()}** (:{color}[{'blue' if name == 'a' else 'red'}])")
        for column, coord in zip(st.columns(4), COORDS, strict=True):
            limit = WIDTH if coord.startswith("x") else HEIGHT
            column.number_input(coord, 0, limit, key=f"iou_{name}_{coord}", step=1)

try:
    numbers = overlap(box("a"), box("b"))
except BoxError as error:
    with canvas_col:
        st.error(f"{error}. Fix the coordinates on the right (x1 <= x2 and y1 <= y2).")
    st.stop()

with canvas_col:
    box_canvas(
        "iou_canvas",
        [box("a"), box("b")],
        WIDTH,
        HEIGHT,
        colors=["#1f77b4", "#d62728"],
        names=["A", "B"],
        show_overlap=True,
        on_change=on_drag,
        display_width=620,
    )
    st.caption("While you drag, IoU and GIoU update in the browser; the table updates on release.")

metrics = st.columns(4)
for column, label, value in zip(
    metrics,
    ("IoU", "GIoU", "DIoU", "CIoU"),
    (numbers.iou, numbers.giou, numbers.diou, numbers.ciou),
    strict=True,
):
    column.metric(label, f"{value:.4f}")
st.code(
    f"IoU  = |A∩B| / |A∪B| = {format_number(numbers.intersection)} / {format_number(numbers.union)}"
    f" = {numbers.iou:.4f}\n"
    f"|A∪B| = |A| + |B| - |A∩B| = {format_number(numbers.area_a)} + {format_number(numbers.area_b)}"
    f" - {format_number(numbers.intersection)} = {format_number(numbers.union)}\n"
    f"GIoU = IoU - (|C| - |A∪B|) / |C| = {numbers.iou:.4f} - ({format_number(numbers.enclosing)} - "
    f"{format_number(numbers.union)}) / {format_number(numbers.enclosing)} = {numbers.giou:.4f}\n"
    f"DIoU = IoU - d²/c² (centre distance over enclosing diagonal) = {numbers.diou:.4f}\n"
    f"CIoU = DIoU - αv (v: aspect-ratio mismatch) = {numbers.ciou:.4f}",
    language="text",
)
st.dataframe(
    pd.DataFrame(
        {
            "quantity": ["area A", "area B", "intersection", "union", "enclosing box C"],
            "value": [
                numbers.area_a,
                numbers.area_b,
                numbers.intersection,
                numbers.union,
                numbers.enclosing,
            ],
        }
    ),
    hide_index=True,
)

st.subheader("Why losses don't use plain IoU")
a, b = box("a"), box("b")
shifts = np.linspace(-(b[2] - a[0]) - 60, (a[2] - b[0]) + 60, 401)
shifts = np.union1d(shifts, [0.0])
curves = sliding_overlaps(a, b, shifts)
st.plotly_chart(sliding_figure(curves, 0.0), key="iou_slide")
flat = (curves["iou"] == 0) & (np.abs(curves["d_iou"]) < 1e-12)
st.markdown(
    f"Sliding B left and right: over {100 * flat.mean():.0f}% of this range the boxes do not "
    "overlap, IoU is flat at 0 and its slope is 0, so a loss of 1 - IoU gives a network no hint "
    "which way to move the box. GIoU and DIoU keep a slope there that points back towards A."
)
