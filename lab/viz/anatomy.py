"""Pictures and figures for 'Inside a detector': regions of selective search, anchors and their
labels, box regression, RoI pooling against RoI Align, YOLO's grid, k-means priors stepped in the
browser, MTCNN's probability maps."""

from __future__ import annotations

import numpy as np
from PIL import Image

from lab.roi import PooledRoI
from lab.viz.animation import Frame, animated_figure, slider_margin, title_margin
from lab.viz.colors import CLASS_COLORS
from lab.viz.detection import DASHES, Pen
from lab.viz.style import (
    NORMAL,
    TextSizes,
    axis_px,
    bottom_margin,
    left_margin,
    legend_px,
    top_margin,
)

POSITIVE, NEGATIVE, IGNORED, TRUTH = (27, 158, 119), (215, 48, 39), (150, 150, 150), (255, 215, 0)
ANCHOR = (31, 119, 180)
_PALETTE = np.array([Image.new("RGB", (1, 1), c).getpixel((0, 0)) for c in CLASS_COLORS])


def regions_picture(image: np.ndarray, regions: np.ndarray, highlight=None, shown_width=None) -> np.ndarray:  # fmt: skip
    """Each region painted in its mean colour, region borders dark, and the box of the region
    just formed (`highlight`, xyxy) drawn on top."""
    from skimage.segmentation import find_boundaries

    flat = regions.reshape(-1)
    _, index = np.unique(flat, return_inverse=True)
    counts = np.bincount(index).astype(np.float64)
    means = np.stack([np.bincount(index, weights=image[..., c].reshape(-1)) / counts for c in range(3)], axis=1)  # fmt: skip
    painted = means[index].reshape(image.shape).astype(np.uint8)
    painted[find_boundaries(regions, mode="inner")] = (20, 20, 20)
    pen = Pen(painted, shown_width)
    if highlight is not None:
        pen.box(highlight, TRUTH, "just merged")
    return pen.finish()


def boxes_picture(image: np.ndarray, groups: list[tuple], shown_width=None, text: float = 1.0, dots=()) -> np.ndarray:  # fmt: skip
    """The photo with groups of boxes, each (boxes [N, 4], RGB colour, label or None, dashed),
    and groups of dots at box centres, each (boxes [N, 4], RGB colour)."""
    pen = Pen(image, shown_width, text)
    for boxes, colour in dots:
        for x1, y1, x2, y2 in np.asarray(boxes, float).reshape(-1, 4).tolist():
            pen.dot((x1 + x2) / 2, (y1 + y2) / 2, colour)
    for boxes, colour, label, dashed in groups:
        for box in np.asarray(boxes, float).reshape(-1, 4):
            pen.box(box, colour, label or "", DASHES[1] if dashed else None)
    return pen.finish()


def heat_picture(image: np.ndarray, probability: np.ndarray, boxes=(), shown_width=None, before=()) -> np.ndarray:  # fmt: skip
    """A probability map [h, w] stretched over the photo (dark: 0, bright red: 1), with boxes
    (yellow) and the boxes `before` some step (grey, dashed)."""
    height, width = image.shape[:2]
    heat = np.asarray(Image.fromarray((probability * 255).astype(np.uint8)).resize((width, height), Image.Resampling.NEAREST))  # fmt: skip
    alpha = heat[..., None] / 255.0
    red = np.array([215, 48, 39], float)
    blended = image * (0.35 + 0.3 * (1 - alpha)) + red * alpha * 0.65
    pen = Pen(np.clip(blended, 0, 255).astype(np.uint8), shown_width)
    for box in np.asarray(before, float).reshape(-1, 4):
        pen.box(box, IGNORED, dash=DASHES[1])
    for box in np.asarray(boxes, float).reshape(-1, 4):
        pen.box(box, TRUTH)
    return pen.finish()


def grid_picture(
    image: np.ndarray,
    grid: int,
    cells: list[tuple[int, int]],
    truth,
    predicted=None,
    shown_width=None,
) -> np.ndarray:
    """YOLO's S x S grid over the photo, each responsible cell filled, the truth and the
    prediction drawn, a dot at each truth's centre."""
    height, width = image.shape[:2]
    canvas = image.astype(np.float64).copy()
    for row, col in cells:
        y0, y1 = round(row * height / grid), round((row + 1) * height / grid)
        x0, x1 = round(col * width / grid), round((col + 1) * width / grid)
        canvas[y0:y1, x0:x1] = canvas[y0:y1, x0:x1] * 0.55 + np.array(TRUTH) * 0.45
    for k in range(1, grid):
        canvas[:, min(round(k * width / grid), width - 1)] = 255
        canvas[min(round(k * height / grid), height - 1), :] = 255
    pen = Pen(canvas.astype(np.uint8), shown_width)
    for box in np.asarray(truth, float).reshape(-1, 4):
        pen.box(box, POSITIVE, "truth")
        cx, cy = (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
        pen.box([cx - 3, cy - 3, cx + 3, cy + 3], POSITIVE)
    if predicted is not None:
        pen.box(np.asarray(predicted, float).reshape(4), ANCHOR, "prediction", DASHES[1])
    return pen.finish()


def roi_figure(
    features: np.ndarray,
    box_cells: tuple[float, float, float, float],
    pooled: PooledRoI,
    aligned: PooledRoI,
    sizes: TextSizes = NORMAL,
) -> dict:
    """The feature map around the region twice: left RoI pooling (the whole cells of each bin,
    the maximum marked), right RoI Align (exact bins, the bilinear sample points)."""
    height, width = features.shape
    x1, y1, x2, y2 = box_cells
    pad = 2
    c0, c1 = max(int(np.floor(min(x1, pooled.bins[..., 0].min()))) - pad, 0), min(int(np.ceil(max(x2, pooled.bins[..., 2].max()))) + pad, width)  # fmt: skip
    r0, r1 = max(int(np.floor(min(y1, pooled.bins[..., 1].min()))) - pad, 0), min(int(np.ceil(max(y2, pooled.bins[..., 3].max()))) + pad, height)  # fmt: skip
    crop = features[r0:r1, c0:c1]
    xs, ys = list(range(c0, c1)), list(range(r0, r1))
    show_numbers = crop.size <= 400
    data, shapes = [], []
    for axis in ("", "2"):
        data.append({
            "type": "heatmap", "z": np.round(crop, 2).tolist(), "x": xs, "y": ys, "colorscale": "Blues", "reversescale": True,
            "zmin": float(crop.min()), "zmax": float(crop.min() + 1.8 * (np.ptp(crop) or 1)),
            "textfont": {"color": "black", "size": max(9, sizes.tick - 1)},
            "showscale": False, "xaxis": f"x{axis}", "yaxis": f"y{axis}",
            "text": np.round(crop, 1).astype(str).tolist() if show_numbers else None,
            "texttemplate": "%{text}" if show_numbers else None,
            "hovertemplate": "cell (%{y}, %{x}): %{z}<extra></extra>",
        })  # fmt: skip
        shapes.append({"type": "rect", "xref": f"x{axis}", "yref": f"y{axis}", "x0": x1 - 0.5, "x1": x2 - 0.5, "y0": y1 - 0.5, "y1": y2 - 0.5, "line": {"color": "#ffd700", "width": 3, "dash": "dash"}})  # fmt: skip
    for bx1, by1, bx2, by2 in pooled.bins.reshape(-1, 4).tolist():
        shapes.append({"type": "rect", "xref": "x", "yref": "y", "x0": bx1 - 0.5, "x1": bx2 - 0.5, "y0": by1 - 0.5, "y1": by2 - 0.5, "line": {"color": "#1b9e77", "width": 2}})  # fmt: skip
    for bx1, by1, bx2, by2 in aligned.bins.reshape(-1, 4).tolist():  # sampling coordinates
        shapes.append({"type": "rect", "xref": "x2", "yref": "y2", "x0": bx1, "x1": bx2, "y0": by1, "y1": by2, "line": {"color": "#1b9e77", "width": 2}})  # fmt: skip
    maxima = pooled.argmax[0].reshape(-1, 2)
    maxima = maxima[maxima[:, 0] >= 0]
    data.append({"type": "scatter", "x": maxima[:, 1].tolist(), "y": maxima[:, 0].tolist(), "mode": "markers", "marker": {"symbol": "square-open", "size": 16, "color": "#d73027", "line": {"width": 3}}, "name": "each bin's maximum", "xaxis": "x", "yaxis": "y"})  # fmt: skip
    points = aligned.points.reshape(-1, 2) if aligned.points is not None else np.zeros((0, 2))
    # Cell (r, c) is drawn centred on (c, r): RoI Align's sampling coordinates, where bilinear
    # interpolation reads cell c's value at x = c. aligned=True shifts the box half a cell into
    # them; without it the box's edges are read as cell centres (the half-cell misalignment).
    data.append({"type": "scatter", "x": points[:, 0].tolist(), "y": points[:, 1].tolist(), "mode": "markers", "marker": {"size": 7, "color": "#d73027"}, "name": "bilinear samples", "xaxis": "x2", "yaxis": "y2"})  # fmt: skip
    axis = {"tickfont": {"size": sizes.tick}, "showgrid": False, "zeroline": False}
    return {
        "data": data,
        "layout": {
            "height": int(520 * sizes.scale),
            # the tick labels, the panel titles above, the legend at the bottom of the figure
            "margin": {
                "l": left_margin(sizes, 2) - sizes.label,
                "r": left_margin(sizes, 2) - sizes.label,  # the right panel's ticks, on its right
                "t": 40,
                "b": bottom_margin(sizes) - sizes.label + legend_px(sizes),
            },
            "xaxis": {**axis, "domain": [0, 0.48]},
            "yaxis": {**axis, "autorange": "reversed", "scaleanchor": "x"},
            "xaxis2": {**axis, "domain": [0.52, 1.0], "anchor": "y2"},
            "yaxis2": {
                **axis,
                "autorange": "reversed",
                "scaleanchor": "x2",
                "anchor": "x2",
                "side": "right",
            },
            "shapes": shapes,
            "annotations": [
                _heading("RoI pooling: corners rounded to cells, max per bin", 0.0, sizes),
                _heading("RoI Align: exact bins, mean of bilinear samples", 0.52, sizes),
            ],
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": 0,
                "yref": "container",
                "yanchor": "bottom",
                "font": {"size": sizes.tick},
            },
        },
    }


def _heading(text: str, x: float, sizes: TextSizes) -> dict:
    """A panel's title above the plot (paper coordinates)."""
    return {
        "text": text,
        "x": x,
        "y": 1.06,
        "xref": "paper",
        "yref": "paper",
        "showarrow": False,
        "xanchor": "left",
        "font": {"size": sizes.label},
    }


def kmeans_figure(wh: np.ndarray, steps: list, distance: str, sizes: TextSizes = NORMAL) -> dict:
    """Box shapes (width, height) coloured by their prior, the priors as large crosses, one frame
    per k-means iteration."""
    k = len(steps[0].centroids)
    frames = []
    for number, step in enumerate(steps, start=1):
        colours = [CLASS_COLORS[j % len(CLASS_COLORS)] for j in step.assignment.tolist()]
        frames.append(
            Frame(
                str(number),
                f"iteration {number} of {len(steps)} ({distance} distance): mean IoU of each box with its best prior = {step.mean_iou:.4f}",  # fmt: skip
                [
                    {"marker": {"color": colours, "size": 9}},
                    {
                        "x": step.centroids[:, 0].tolist(),
                        "y": step.centroids[:, 1].tolist(),
                        "marker": {
                            "color": [CLASS_COLORS[j % len(CLASS_COLORS)] for j in range(k)],
                            "size": 22,
                            "symbol": "x",
                            "line": {"width": 2, "color": "black"},
                        },
                    },
                ],
                [0, 1],
            )
        )
    top, bottom = title_margin(1, sizes), slider_margin(sizes, axis_px(sizes))
    data = [
        {
            "type": "scatter",
            "x": wh[:, 0].tolist(),
            "y": wh[:, 1].tolist(),
            "mode": "markers",
            "marker": {"size": 9},
            "name": "box shapes",
        },  # fmt: skip
        {"type": "scatter", "x": [], "y": [], "mode": "markers", "name": "priors"},
    ]
    layout = {
        "height": int(420 * sizes.scale) + top + bottom,
        "margin": {"l": left_margin(sizes, 4), "r": 20, "t": top, "b": bottom},
        "xaxis": {
            "title": {"text": "width (px)", "font": {"size": sizes.label}},
            "tickfont": {"size": sizes.tick},
            "rangemode": "tozero",
        },  # fmt: skip
        "yaxis": {
            "title": {"text": "height (px)", "font": {"size": sizes.label}},
            "tickfont": {"size": sizes.tick},
            "rangemode": "tozero",
        },  # fmt: skip
        "showlegend": False,
    }
    return animated_figure(data, layout, frames, len(frames) - 1, frame_ms=500, prefix="iteration ", sizes=sizes, axis_px=axis_px(sizes))  # fmt: skip


def lines_figure(series: dict[str, tuple[list, list]], x_title: str, y_title: str, sizes: TextSizes = NORMAL, log_x: bool = False) -> dict:  # fmt: skip
    """Simple line plot: name -> (x, y)."""
    return {
        "data": [
            {
                "type": "scatter",
                "x": x,
                "y": y,
                "mode": "lines+markers",
                "name": name,
                "line": {"color": CLASS_COLORS[i % len(CLASS_COLORS)]},
            }  # fmt: skip
            for i, (name, (x, y)) in enumerate(series.items())
        ],
        "layout": {
            "height": int(320 * sizes.scale),
            "margin": {
                "l": left_margin(sizes, 3),
                "r": 20,
                "t": top_margin(sizes) + 4,  # a few px more than the descent lab's figures needed
                "b": bottom_margin(sizes) + 4,
            },
            "xaxis": {
                "title": {"text": x_title, "font": {"size": sizes.label}},
                "type": "log" if log_x else "linear",
                "tickfont": {"size": sizes.tick},
            },
            "yaxis": {
                "title": {"text": y_title, "font": {"size": sizes.label}},
                "range": [0, 1.02],
                "tickfont": {"size": sizes.tick},
            },
            # one row above the plot (on the right it took a third of the width)
            "legend": {
                "orientation": "h",
                "x": 0,
                "y": 1.0,
                "yanchor": "bottom",
                "font": {"size": sizes.tick},
            },
        },
    }
