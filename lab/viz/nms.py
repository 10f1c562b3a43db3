"""The NMS stepper: boxes drawn by status, one Plotly frame per round, plus the sorted list."""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass

import numpy as np
from PIL import Image

from lab import boxes as B
from lab.viz.stepper import player_controls

STYLES = {
    # status: (colour, width, dash, legend name)
    "below": ("#d9d9d9", 1, "dot", "below score threshold"),
    "queue": ("#7f7f7f", 1.5, "solid", "in the queue"),
    "suppressed": ("#f4a582", 1, "dot", "suppressed earlier"),
    "suppressed_now": ("#d73027", 2.5, "dash", "suppressed now"),
    "decayed": ("#fdae61", 2, "solid", "score decayed"),
    "kept": ("#1a9850", 3, "solid", "kept"),
    "current": ("#00441b", 5, "solid", "kept now"),
}


@dataclass(frozen=True)
class BoxFrame:
    """One picture of the algorithm: a status and a label per box, scores for the list, a title."""

    status: list[str]
    labels: list[str]
    scores: np.ndarray
    title: str


def hard_nms_frames(
    report: B.NMSReport, scores: np.ndarray, classes: np.ndarray | None
) -> list[BoxFrame]:
    """Frames for greedy NMS: the sorted queue, then one frame per kept box, then the result."""
    n = len(report.status)
    below = ["below" if s == "below" else "queue" for s in report.status]
    tag = (lambda i: f" c{classes[i]}") if classes is not None else (lambda i: "")
    frames = [
        BoxFrame(
            below,
            [""] * n,
            np.asarray(scores, float),
            "Start: boxes sorted by score; grey ones wait in the queue",
        )
    ]
    status = list(below)
    for step in report.steps:
        status = [
            "kept" if s == "current" else "suppressed" if s == "suppressed_now" else s
            for s in status
        ]
        labels = [""] * n
        status[step.kept] = "current"
        labels[step.kept] = f"#{step.rank} keep {scores[step.kept]:.2f}{tag(step.kept)}"
        for index, iou in zip(step.suppressed.tolist(), step.suppressed_iou.tolist(), strict=True):
            status[index] = "suppressed_now"
            labels[index] = f"IoU {iou:.2f}"
        dropped = ", ".join(
            f"{i} ({v:.2f})"
            for i, v in zip(step.suppressed.tolist(), step.suppressed_iou.tolist(), strict=True)
        )
        frames.append(
            BoxFrame(
                list(status),
                labels,
                np.asarray(scores, float),
                f"Round {step.rank + 1}: keep box {step.kept} (score {scores[step.kept]:.3f}); "
                f"suppress {len(step.suppressed)}{': ' + dropped if dropped else ''}; "
                f"{step.remaining.size} left in the queue",
            )
        )
    final = [
        "kept"
        if i in set(report.kept.tolist())
        else ("below" if report.status[i] == "below" else "suppressed")
        for i in range(n)
    ]
    labels = [f"{scores[i]:.2f}" if final[i] == "kept" else "" for i in range(n)]
    frames.append(
        BoxFrame(
            final,
            labels,
            np.asarray(scores, float),
            f"Result: {len(report.kept)} of {n} boxes kept",
        )
    )
    return frames


def soft_nms_frames(
    steps: list[B.SoftNMSStep], scores: np.ndarray, score_threshold: float
) -> list[BoxFrame]:
    """Frames for Soft-NMS: each round keeps the best box and decays the others' scores."""
    n = len(scores)
    current = np.asarray(scores, dtype=float).copy()
    status = ["queue" if s >= score_threshold else "below" for s in current]
    frames = [BoxFrame(list(status), [""] * n, current.copy(), "Start: boxes sorted by score")]
    for step in steps:
        status = [
            "kept"
            if s == "current"
            else "suppressed"
            if s == "suppressed_now"
            else "queue"
            if s == "decayed"
            else s
            for s in status
        ]
        labels = [""] * n
        status[step.kept] = "current"
        labels[step.kept] = f"#{step.rank} keep {step.kept_score:.2f}"
        dropped = set(step.dropped.tolist())
        for index, before, after in zip(
            step.others.tolist(), step.before.tolist(), step.after.tolist(), strict=True
        ):
            current[index] = after
            if index in dropped:
                status[index], labels[index] = "suppressed_now", f"dropped {after:.3f}"
            elif after < before:
                status[index], labels[index] = "decayed", f"{before:.2f}→{after:.2f}"
        frames.append(
            BoxFrame(
                list(status),
                labels,
                current.copy(),
                f"Round {step.rank + 1}: keep box {step.kept} (score {step.kept_score:.3f}); "
                f"{sum(1 for s in status if s == 'decayed')} scores decayed, {len(dropped)} fell below {score_threshold:g}",
            )
        )
    kept = {s.kept for s in steps}
    final = [
        "kept" if i in kept else ("below" if status[i] == "below" else "suppressed")
        for i in range(n)
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


def _outlines(boxes: np.ndarray, width: int, height: int) -> list[tuple[list, list]]:
    """Each box as a closed polyline (x and y lists ending in a gap), coordinates to 0.1 pixel,
    clipped to a margin around the canvas (the axes show only the canvas)."""
    out = []
    limits = [2 * width, 2 * height] * 2
    shown = np.clip(np.asarray(boxes, dtype=float).reshape(-1, 4), [-width, -height] * 2, limits)
    for x1, y1, x2, y2 in np.round(shown, 1).tolist():
        out.append(([x1, x2, x2, x1, x1, None], [y1, y1, y2, y2, y1, None]))
    return out


def _image_uri(image: np.ndarray) -> str:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="JPEG", quality=80)
    return "data:image/jpeg;base64," + base64.b64encode(buffer.getvalue()).decode()


def nms_figure(
    boxes: np.ndarray,
    width: int,
    height: int,
    frames: list[BoxFrame],
    start: int = 0,
    frame_ms: int = 800,
    background: np.ndarray | None = None,
) -> dict:
    """The NMS animation as a figure dict (see lab.viz.stepper.PrebuiltFigure): the canvas with
    every box outlined by status (left) and the score-sorted list coloured the same way (right)."""
    boxes = np.asarray(boxes, dtype=float)
    n = len(boxes)
    order = B.score_order(np.asarray(frames[0].scores)) if n else np.zeros(0, dtype=int)
    statuses = list(STYLES)
    start = int(np.clip(start, 0, len(frames) - 1))

    outlines = _outlines(boxes, width, height)
    status_code = {status: code for code, status in enumerate(statuses)}

    def traces(frame: BoxFrame) -> list[dict]:
        out = []
        for status in statuses:
            xs, ys = [], []
            for i in range(n):
                if frame.status[i] == status:
                    xs += outlines[i][0]
                    ys += outlines[i][1]
            out.append({"type": "scatter", "x": xs, "y": ys})
        labelled = [i for i in range(n) if frame.labels[i]]
        out.append(
            {
                "type": "scatter",
                "x": [outlines[i][0][0] for i in labelled],
                "y": [outlines[i][1][0] for i in labelled],
                "text": [frame.labels[i] for i in labelled],
            }
        )
        out.append(
            {
                "type": "scatter",
                "y": np.round(np.asarray(frame.scores, float)[order], 3).tolist(),
                "marker": {"color": [status_code[frame.status[i]] for i in order]},
            }
        )
        return out

    data = []
    for status in statuses:
        color, line_width, dash, name = STYLES[status]
        data.append(
            {
                "type": "scatter",
                "mode": "lines",
                "name": name,
                "hoverinfo": "skip",
                "line": {"color": color, "width": line_width, "dash": dash},
                "xaxis": "x",
                "yaxis": "y",
            }
        )
    data.append(
        {
            "type": "scatter",
            "mode": "text",
            "textposition": "top right",
            "showlegend": False,
            "textfont": {"size": 12, "color": "#000"},
            "hoverinfo": "skip",
            "xaxis": "x",
            "yaxis": "y",
        }
    )
    colorscale = []
    for code, status in enumerate(statuses):  # a discrete scale: status code -> its colour
        colorscale += [
            [code / len(statuses), STYLES[status][0]],
            [(code + 1) / len(statuses), STYLES[status][0]],
        ]
    data.append(
        {
            "type": "scatter",
            "mode": "markers",
            "showlegend": False,
            "xaxis": "x2",
            "yaxis": "y2",
            "x": list(range(n)),
            "text": [f"box {i}" for i in order],
            "marker": {
                "size": 9,
                "cmin": -0.5,
                "cmax": len(statuses) - 0.5,
                "colorscale": colorscale,
                "line": {"color": "#333", "width": 0.5},
            },
            "hovertemplate": "%{text}: score %{y:.3f}<extra></extra>",
        }
    )
    frame_dicts = []
    for index, frame in enumerate(frames):
        frame_dicts.append(
            {
                "name": str(index),
                "data": traces(frame),
                "traces": list(range(len(data))),
                "layout": {"title": {"text": frame.title}},
            }
        )
    for trace, update in zip(data, frame_dicts[start]["data"], strict=True):
        for key, value in update.items():  # merge nested dicts (marker) as Plotly's frames do
            trace[key] = (
                {**trace[key], **value} if isinstance(value, dict) and key in trace else value
            )
    layout = {
        "height": 560,
        "margin": {"l": 10, "r": 10, "t": 60, "b": 90},
        "title": {"text": frames[start].title, "x": 0.01, "font": {"size": 14}},
        "xaxis": {
            "domain": [0, 0.68],
            "range": [0, width],
            "showgrid": False,
            "constrain": "domain",
        },
        "yaxis": {
            "range": [height, 0],
            "scaleanchor": "x",
            "showgrid": False,
            "constrain": "domain",
        },
        "xaxis2": {
            "domain": [0.74, 1.0],
            "anchor": "y2",
            "title": {"text": "rank (sorted by score)"},
        },
        "yaxis2": {"anchor": "x2", "range": [0, 1.05], "title": {"text": "score"}},
        "legend": {"orientation": "h", "y": -0.08, "x": 0},
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
    names = [str(i) for i in range(len(frames))]
    layout.update(player_controls(names, names, start, frame_ms, y=-0.16, prefix="frame "))
    return {"data": data, "layout": layout, "frames": frame_dicts}


def draw_boxes(
    width: int,
    height: int,
    boxes: np.ndarray,
    indices: np.ndarray,
    background: np.ndarray | None = None,
    color: str = "#1a9850",
    title: str = "",
) -> np.ndarray:
    """A still picture of some boxes (by index) over the image or a blank canvas, uint8 [H, W, 3].

    Boxes are clipped to just outside the canvas before drawing: Pillow rasterises a rectangle's
    whole outline, so a box of 1e9 pixels would take half a minute to draw off-screen.
    """
    from PIL import ImageDraw

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
        draw.rectangle(shown[i].tolist(), outline=color, width=line)
    if title:
        draw.rectangle([0, 0, 8 * len(title) + 12, 22], fill="white")
        draw.text((6, 5), title, fill="black")
    return np.asarray(canvas)
