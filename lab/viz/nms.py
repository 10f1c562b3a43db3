"""The NMS stepper: boxes coloured by class and styled by status, one frame per round, with the
score-sorted list beside them.

A box's colour is its class; its line says where it stands (dotted grey: below the score
threshold; thin: waiting in the queue; thick: kept; dashed red: suppressed now; faded: suppressed
earlier). Only the box kept in a round carries a label (its rank, score and class), so labels
never pile up; the boxes it suppresses, with their IoU, are listed in the frame's title.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw

from lab.nms import NMSReport, SoftNMSStep, score_order
from lab.viz.animation import Frame, animated_figure, slider_margin, title_margin
from lab.viz.colors import CLASS_COLORS
from lab.viz.style import NORMAL, TextSizes, axis_px

SUPPRESSED_NOW = "#d73027"
STYLES = {
    # status: (width, dash, opacity, legend words)
    "below": (1, "dot", 0.35, "below score threshold"),
    "queue": (1.5, "solid", 0.8, "in the queue"),
    "suppressed": (1, "dot", 0.35, "suppressed earlier"),
    "suppressed_now": (2.5, "dash", 1.0, "suppressed now (red)"),
    "decayed": (2, "dashdot", 0.9, "score decayed"),
    "kept": (3, "solid", 1.0, "kept"),
    "current": (5, "solid", 1.0, "kept now"),
}
LISTED = 8
"""Suppressed boxes named in a round's title; the rest are counted."""


@dataclass(frozen=True)
class BoxFrame:
    """One picture of the algorithm: a status per box, labels for a few, scores, a title."""

    status: list[str]
    labels: list[str]
    scores: np.ndarray
    title: str


def _named(pairs: list[tuple[int, float]], words: str) -> str:
    shown = ", ".join(f"{index} ({value:.2f})" for index, value in pairs[:LISTED])
    more = f" and {len(pairs) - LISTED} more" if len(pairs) > LISTED else ""
    return f"{words} {len(pairs)}" + (f": {shown}{more}" if pairs else "")


def hard_nms_frames(
    report: NMSReport,
    scores: np.ndarray,
    classes: np.ndarray | None,
    names: list[str] | None = None,
) -> list[BoxFrame]:
    """Frames for greedy NMS: the sorted queue, then one frame per kept box, then the result.

    Args:
        names: a class name per class index, for the labels (else "class 0", ...).
    """
    scores = np.asarray(scores, dtype=float)
    n = len(report.status)
    tag = (lambda i: "") if classes is None else (lambda i: f" {_class_name(classes[i], names)}")
    status = ["below" if s == "below" else "queue" for s in report.status]
    frames = [
        BoxFrame(
            list(status),
            [""] * n,
            scores,
            "Start: boxes sorted by score; thin ones wait in the queue",
        )
    ]
    for step in report.steps:
        status = [
            "kept" if s == "current" else "suppressed" if s == "suppressed_now" else s
            for s in status
        ]
        labels = [""] * n
        status[step.kept] = "current"
        labels[step.kept] = f"#{step.rank} {scores[step.kept]:.2f}{tag(step.kept)}"
        pairs = list(zip(step.suppressed.tolist(), step.suppressed_iou.tolist(), strict=True))
        for index, _ in pairs:
            status[index] = "suppressed_now"
        frames.append(
            BoxFrame(
                list(status),
                labels,
                scores,
                f"Round {step.rank + 1}: keep box {step.kept} (score {scores[step.kept]:.3f});<br>"
                + _named(pairs, "suppress, IoU above the threshold:")
                + f";<br>{step.remaining.size} left in the queue",
            )
        )
    kept = set(report.kept.tolist())
    final = [
        "kept" if i in kept else "below" if report.status[i] == "below" else "suppressed"
        for i in range(n)
    ]
    labels = [f"{scores[i]:.2f}{tag(i)}" if final[i] == "kept" else "" for i in range(n)]
    frames.append(BoxFrame(final, labels, scores, f"Result: {len(kept)} of {n} boxes kept"))
    return frames


def soft_nms_frames(
    steps: list[SoftNMSStep], scores: np.ndarray, score_threshold: float
) -> list[BoxFrame]:
    """Frames for Soft-NMS: each round keeps the best box and decays the others' scores."""
    current = np.asarray(scores, dtype=float).copy()
    n = len(current)
    status = ["queue" if s >= score_threshold else "below" for s in current]
    frames = [BoxFrame(list(status), [""] * n, current.copy(), "Start: boxes sorted by score")]
    for step in steps:
        status = [
            {"current": "kept", "suppressed_now": "suppressed", "decayed": "queue"}.get(s, s)
            for s in status
        ]
        labels = [""] * n
        status[step.kept] = "current"
        labels[step.kept] = f"#{step.rank} {step.kept_score:.2f}"
        dropped = set(step.dropped.tolist())
        decayed = []
        for index, before, after in zip(
            step.others.tolist(), step.before.tolist(), step.after.tolist(), strict=True
        ):
            current[index] = after
            if index in dropped:
                status[index] = "suppressed_now"
            elif after < before:
                status[index] = "decayed"
                decayed.append((index, after))
        frames.append(
            BoxFrame(
                list(status),
                labels,
                current.copy(),
                f"Round {step.rank + 1}: keep box {step.kept} (score {step.kept_score:.3f});<br>"
                + _named(decayed, "scores decayed, now:")
                + f";<br>{len(dropped)} fell below {score_threshold:g}",
            )
        )
    kept = {s.kept for s in steps}
    final = [
        "kept" if i in kept else "below" if status[i] == "below" else "suppressed" for i in range(n)
    ]
    frames.append(
        BoxFrame(
            final,
            [f"{current[i]:.2f}" if i in kept else "" for i in range(n)],
            current.copy(),
            f"Result: {len(kept)} boxes kept, with decayed scores",
        )
    )
    return frames


def _class_name(label, names: list[str] | None) -> str:
    index = int(label)
    return names[index] if names is not None and 0 <= index < len(names) else f"class {index}"


def _outlines(boxes: np.ndarray, width: int, height: int) -> list[tuple[list, list]]:
    """Each box as a closed polyline (x and y lists ending in a gap), coordinates to 0.1 pixel,
    clipped to a margin around the canvas (the axes show only the canvas)."""
    limits = [2 * width, 2 * height] * 2
    shown = np.clip(np.asarray(boxes, dtype=float).reshape(-1, 4), [-width, -height] * 2, limits)
    return [
        ([x1, x2, x2, x1, x1, None], [y1, y1, y2, y2, y1, None])
        for x1, y1, x2, y2 in np.round(shown, 1).tolist()
    ]


def _image_uri(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def nms_figure(
    boxes: np.ndarray,
    width: int,
    height: int,
    frames: list[BoxFrame],
    classes: np.ndarray | None = None,
    start: int = 0,
    frame_ms: int = 800,
    background: np.ndarray | None = None,
    class_names: list[str] | None = None,
    sizes: TextSizes = NORMAL,
) -> dict:
    """The NMS animation as a figure dict (see lab.viz.animation): the canvas with every box
    outlined (left) and the score-sorted list coloured by status (right).

    Args:
        classes: np.ndarray[N] class indices (colours); None draws every box in the first colour.
    """
    boxes = np.asarray(boxes, dtype=float)
    n = len(boxes)
    colour_of = (
        np.zeros(n, dtype=int) if classes is None else np.asarray(classes, int) % len(CLASS_COLORS)
    )
    used = sorted(set(colour_of.tolist())) or [0]
    order = score_order(np.asarray(frames[0].scores)) if n else np.zeros(0, dtype=int)
    outlines = _outlines(boxes, width, height)
    groups = [(colour, status) for colour in used for status in STYLES]  # one trace per pair
    data = []
    for colour, status in groups:
        line_width, dash, opacity, words = STYLES[status]
        shown_colour = SUPPRESSED_NOW if status == "suppressed_now" else CLASS_COLORS[colour]
        first_of_status = colour == used[0]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "x": [],
                "y": [],
                "name": words,
                "legendgroup": status,
                "showlegend": first_of_status,
                "hoverinfo": "skip",
                "opacity": opacity,
                "line": {"color": shown_colour, "width": line_width * sizes.scale, "dash": dash},
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "x": [],
            "y": [],
            "text": [],
            "textposition": "top right",
            "textfont": {"size": sizes.label, "color": "#000"},
            "showlegend": False,
            "hoverinfo": "skip",
            "xaxis": "x",
            "yaxis": "y",
        }
    )
    status_codes = {status: code for code, status in enumerate(STYLES)}
    scale = []
    for code, status in enumerate(STYLES):
        colour = (
            SUPPRESSED_NOW
            if status.startswith("suppressed")
            else ("#1a9850" if status in ("kept", "current") else "#9e9e9e")
        )
        scale += [[code / len(STYLES), colour], [(code + 1) / len(STYLES), colour]]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "showlegend": False,
            "x": list(range(n)),
            "y": [],
            "text": [f"box {i}" for i in order],
            "marker": {
                "size": 9,
                "cmin": -0.5,
                "cmax": len(STYLES) - 0.5,
                "color": [],
                "colorscale": scale,
                "line": {"color": "#333", "width": 0.5},
            },
            "hovertemplate": "%{text}: score %{y:.3f}<extra></extra>",
            "xaxis": "x2",
            "yaxis": "y2",
        }
    )

    group_of = {group: index for index, group in enumerate(groups)}
    colours = colour_of.tolist()

    def frame_of(index: int, frame: BoxFrame) -> Frame:
        updates = [{"x": [], "y": []} for _ in groups]
        for i in range(n):  # one pass, boxes in index order within each (colour, status) trace
            update = updates[group_of[colours[i], frame.status[i]]]
            update["x"] += outlines[i][0]
            update["y"] += outlines[i][1]
        labelled = [i for i in range(n) if frame.labels[i]]
        updates.append(
            {
                "x": [outlines[i][0][0] for i in labelled],
                "y": [outlines[i][1][0] for i in labelled],
                "text": [frame.labels[i] for i in labelled],
            }
        )
        updates.append(
            {
                "y": np.round(np.asarray(frame.scores, float)[order], 3).tolist(),
                "marker": {"color": [status_codes[frame.status[i]] for i in order]},
            }
        )
        return Frame(str(index), frame.title, updates, list(range(len(data))))

    lines = max(frame.title.count("<br>") + 1 for frame in frames)
    top = title_margin(lines, sizes)
    below = axis_px(sizes)  # tick labels and the list's axis title
    bottom = slider_margin(sizes, below, legend_rows=2)
    layout = {
        "height": round(470 * sizes.scale) + top + bottom,
        # Room for the y tick labels on the left and the score list's axis on the right, so
        # Plotly does not grow the margins and draw the figure twice (tested in Chromium).
        "margin": {
            "l": round(3 * sizes.tick + 4),
            "r": round(3 * sizes.tick + sizes.label + 24),
            "t": top,
            "b": bottom,
        },
        "xaxis": {
            "domain": [0, 0.7],
            "range": [0, width],
            "showgrid": False,
            "constrain": "domain",
            "constraintoward": "left",
            "tickfont": {"size": sizes.tick},
        },
        "yaxis": {
            "range": [height, 0],
            "scaleanchor": "x",
            "showgrid": False,
            "constrain": "domain",
            "constraintoward": "top",
            "tickfont": {"size": sizes.tick},
        },
        "xaxis2": {
            "domain": [0.76, 1.0],
            "anchor": "y2",
            "title": {"text": "rank (sorted by score)", "font": {"size": sizes.label}},
            "tickfont": {"size": sizes.tick},
        },
        "yaxis2": {
            "anchor": "x2",
            "side": "right",  # on the page's background, readable in light and dark themes
            "range": [0, 1.05],
            "title": {"text": "score", "font": {"size": sizes.label}},
            "tickfont": {"size": sizes.tick},
        },
        "plot_bgcolor": "white",
    }
    if background is not None:
        layout["images"] = [
            {
                "source": _image_uri(background),
                "xref": "x",
                "yref": "y",
                "x": 0,
                "y": 0,
                "sizex": width,
                "sizey": height,
                "sizing": "stretch",
                "layer": "below",
                "opacity": 0.85,
            }
        ]
    return animated_figure(
        data,
        layout,
        [frame_of(i, frame) for i, frame in enumerate(frames)],
        start,
        frame_ms=frame_ms,
        prefix="frame ",
        sizes=sizes,
        axis_px=below,
        legend_rows=2,
    )


def draw_boxes(
    width: int,
    height: int,
    boxes: np.ndarray,
    indices: np.ndarray,
    background: np.ndarray | None = None,
    classes: np.ndarray | None = None,
    title: str = "",
) -> np.ndarray:
    """A still picture of some boxes (by index) over the image or a blank canvas, uint8 [H, W, 3],
    each outlined in its class colour.

    Boxes are clipped to just outside the canvas before drawing: Pillow rasterises a rectangle's
    whole outline, so a box of 1e9 pixels would take half a minute to draw off-screen.
    """
    canvas = (
        Image.fromarray(background)
        if background is not None
        else Image.new("RGB", (width, height), "white")
    )
    draw = ImageDraw.Draw(canvas)
    line = max(2, round(max(width, height) / 250))
    limits = [width + line, height + line] * 2
    shown = np.clip(np.asarray(boxes, dtype=np.float64).reshape(-1, 4), -line, limits)
    for i in np.asarray(indices, dtype=int).tolist():
        colour = CLASS_COLORS[0 if classes is None else int(classes[i]) % len(CLASS_COLORS)]
        draw.rectangle(shown[i].tolist(), outline=colour, width=line)
    if title:
        draw.rectangle([0, 0, 8 * len(title) + 12, 22], fill="white")
        draw.text((6, 5), title, fill="black")
    return np.asarray(canvas)
