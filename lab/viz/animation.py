"""One builder for every animated figure: the base figure showing the start frame, one Plotly frame
per step, and a scrubbing slider.

Scrubbing, play, pause, previous / next, jump and the arrow keys all run in the browser
(`ui/player.py` drives Plotly there), so stepping costs no Streamlit rerun. Each frame carries its
own title, the formula or status of that step, so what is written always matches what is drawn.
Figures are plain dicts: validating hundreds of frames through plotly.graph_objects would cost more
than the maths (the tests validate them with `go.Figure`).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import plotly.graph_objects as go

from lab.viz.style import NORMAL, TextSizes, legend_px


@dataclass(frozen=True)
class Frame:
    """One step of an animation.

    Attributes:
        label: the slider's label for this frame ("3", "round 2").
        title: the formula or status of this step, written above the plot (Plotly's <br> allowed;
            never user text). It is the layout's first annotation, anchored at its bottom line:
            a multi-line Plotly title anchors its last line and clips the first.
        data: updates for the traces listed in `traces`, in the same order; Plotly merges them
            into the traces (nested dicts merged, lists and values replaced).
        traces: indices of the base figure's traces that this frame updates.
        shapes: the complete list of layout shapes for this frame, or None to keep the base
            figure's. Plotly merges shape lists index by index, so every frame that sets shapes
            must set the same number of them.
    """

    label: str
    title: str
    data: list[dict] = field(default_factory=list)
    traces: list[int] = field(default_factory=list)
    shapes: list[dict] | None = None


def merge(target: dict, update: dict) -> dict:
    """Plotly's rule for applying a frame to a trace: nested dicts merged, anything else replaced.
    Returns `target`, changed in place."""
    for key, value in update.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            merge(target[key], value)
        else:
            target[key] = copy.deepcopy(value)
    return target


def animated_figure(
    data: list[dict],
    layout: dict,
    frames: list[Frame],
    start: int = 0,
    *,
    frame_ms: int = 400,
    redraw: bool = True,
    prefix: str = "step ",
    sizes: TextSizes = NORMAL,
    axis_px: int = 0,
    legend_rows: int = 0,
) -> dict:
    """Assemble an animated figure dict.

    Args:
        data: the base traces (their contents before any frame is applied).
        layout: the base layout; its margins must leave room for the title lines and the slider
            (`slider_margin` tells how much the slider needs).
        frames: one `Frame` per step, at least one.
        start: the frame shown first and where the slider starts (clipped to the frames).
        frame_ms: milliseconds per frame when playing (read by the player).
        redraw: False is smoother, but only safe when frames change scatter traces alone.
        prefix: written before the slider's current label ("step 4").
        sizes: font sizes (larger in projector mode).
        axis_px: pixels the x-axis labels take under the plot; the slider goes below them.
        legend_rows: rows of a horizontal legend to place under the slider (0: leave the
            layout's legend alone). The layout's height and margins must be final, and its bottom
            margin `slider_margin(sizes, axis_px, legend_rows)`.

    Returns:
        {"data", "layout", "frames"}: the base traces show frame `start`.
    """
    if not frames:
        raise ValueError("an animation needs at least one frame")
    counts = {len(frame.shapes) for frame in frames if frame.shapes is not None}
    if len(counts) > 1:
        raise ValueError("every frame that sets shapes must set the same number of them")
    start = min(max(int(start), 0), len(frames) - 1)
    names = [str(index) for index in range(len(frames))]
    base = copy.deepcopy(data)
    first = frames[start]
    for trace_index, update in zip(first.traces, first.data, strict=True):
        merge(base[trace_index], update)
    layout = copy.deepcopy(layout)
    heading = {
        "text": first.title,
        "x": 0.0,
        "xref": "paper",
        "xanchor": "left",
        "y": 1.0,
        "yref": "paper",
        "yanchor": "bottom",
        "yshift": 8,
        "align": "left",
        "showarrow": False,
        "font": {"family": "monospace", "size": sizes.formula},
    }
    layout["annotations"] = [heading, *layout.get("annotations", [])]
    if first.shapes is not None:
        layout["shapes"] = copy.deepcopy(first.shapes)
    animate = {"mode": "immediate", "transition": {"duration": 0}}
    layout["sliders"] = [
        {
            "active": start,
            "x": 0.0,
            "len": 1.0,
            "xanchor": "left",
            "y": 0.0,
            "yanchor": "top",
            "pad": {"t": 8 + axis_px, "b": 0},
            "currentvalue": {"prefix": prefix, "font": {"size": sizes.label}, "xanchor": "left"},
            "font": {"size": max(10, sizes.tick - 2)},
            "steps": [
                {
                    "label": frame.label,
                    "method": "animate",
                    "args": [[name], {**animate, "frame": {"duration": 0, "redraw": redraw}}],
                }
                for name, frame in zip(names, frames, strict=True)
            ],
        }
    ]
    if legend_rows:  # under the slider's labels, where it covers neither the title nor the slider
        plot_px = layout["height"] - layout["margin"]["t"] - layout["margin"]["b"]
        below = _slider_bottom(sizes, axis_px)
        layout["legend"] = {
            **layout.get("legend", {}),
            "orientation": "h",
            "x": 0.0,
            "xanchor": "left",
            "y": -below / max(plot_px, 1),
            "yanchor": "top",
            "font": {"size": sizes.tick},
        }
    # Read by ui/player.py in the browser (layout.meta is Plotly's free-form slot).
    layout["meta"] = {"player": {"frame_ms": int(frame_ms), "redraw": bool(redraw)}}
    frame_dicts = []
    for name, frame in zip(names, frames, strict=True):
        frame_layout: dict = {"annotations": [{"text": frame.title}]}  # merged by index
        if frame.shapes is not None:
            frame_layout["shapes"] = frame.shapes
        # Each update names its trace's type, as Plotly's frame schema expects.
        updates = [
            {"type": data[index].get("type", "scatter"), **update}
            for index, update in zip(frame.traces, frame.data, strict=True)
        ]
        frame_dicts.append(
            {"name": name, "data": updates, "traces": frame.traces, "layout": frame_layout}
        )
    return {"data": base, "layout": layout, "frames": frame_dicts}


_SLIDER_PX = 44
"""The slider's rail and ticks, without its labels."""


def _slider_bottom(sizes: TextSizes, axis_px: int) -> int:
    """Pixels from the plot's bottom edge to just under the slider's tick labels, where a legend
    can start (measured in Chromium: a legend placed at the rail's ticks sat on the labels)."""
    return axis_px + _SLIDER_PX + sizes.label + 2 * sizes.tick + 10


def slider_margin(sizes: TextSizes = NORMAL, axis_px: int = 0, legend_rows: int = 0) -> int:
    """Pixels needed below the plot: axis labels, the slider (current value, rail, tick labels),
    and a legend of `legend_rows` rows under it."""
    if not legend_rows:
        return _slider_bottom(sizes, axis_px) + 4  # +2 was a pixel short in Chromium
    return _slider_bottom(sizes, axis_px) + legend_px(sizes, legend_rows) + 10


def title_margin(lines: int, sizes: TextSizes = NORMAL) -> int:
    """Pixels the frames' title of `lines` lines needs above the plot."""
    return 20 + round(lines * sizes.formula * 1.3)


class PrebuiltFigure(go.Figure):
    """A figure dict built (and schema-checked in the tests) by hand, handed to st.plotly_chart as is.

    st.plotly_chart validates plain dicts through plotly.graph_objects, which takes over a second for
    hundreds of frames; a Figure instance is trusted and serialised with `to_dict()`.
    """

    def __init__(self, spec: dict) -> None:
        # go.Figure.__init__ is skipped on purpose: it copies Plotly's default template into an
        # empty figure (about 1 ms a figure, several under a loaded server), which `to_dict()`
        # never returns. st.plotly_chart only checks the type and calls `to_dict()`.
        self._spec = spec

    def to_dict(self) -> dict:
        return self._spec

    def to_plotly_json(self) -> dict:
        return self._spec
