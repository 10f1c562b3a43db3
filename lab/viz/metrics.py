"""Evaluation figures as plain dicts (lab.viz.animation.PrebuiltFigure): the confusion matrix, ROC
and precision-recall with a threshold scrubbed in the browser, one-vs-rest ROC, and a detection
precision-recall curve drawn one detection at a time with its envelope and the points each AP
method samples."""

from __future__ import annotations

import numpy as np

from lab.metrics import RECALL_POINTS, Curve, Ranked
from lab.viz.animation import Frame, animated_figure, slider_margin, title_margin
from lab.viz.colors import CLASS_COLORS, INK
from lab.viz.style import NORMAL, TextSizes, axis_px, bottom_margin, left_margin

MAX_FRAMES = 120
"""Threshold and detection animations: at most this many frames (evenly spread)."""
ENVELOPE, CURVE, SAMPLED, CURRENT = "#d95f02", "#1f77b4", "#1b9e77", "#d73027"


def _axis(title: str, sizes: TextSizes, domain: list | None = None, anchor: str | None = None) -> dict:  # fmt: skip
    axis = {
        "title": {"text": title, "font": {"size": sizes.label}},
        "range": [-0.02, 1.02],
        "tickfont": {"size": sizes.tick},
        "zeroline": False,
        "gridcolor": "rgba(128,128,128,0.2)",
    }
    if domain is not None:
        axis["domain"] = domain
    if anchor is not None:
        axis["anchor"] = anchor
    return axis


def confusion_figure(
    matrix: np.ndarray, names: list[str], rows: str = "true", sizes: TextSizes = NORMAL
) -> dict:
    """The matrix as the reader typed it (rows: true labels or predictions), counts in the
    cells, the diagonal outlined, both axes labelled."""
    matrix = np.asarray(matrix, dtype=float)
    size = len(matrix)
    row_title, column_title = ("true label", "predicted label") if rows == "true" else ("predicted label", "true label")  # fmt: skip
    top = float(matrix.max()) or 1.0
    cell = sizes.cell_for(sizes.width * 0.6 / size, len(f"{int(top)}")) or sizes.tick
    annotations = [
        {
            "x": j,
            "y": i,
            "text": f"{int(matrix[i, j])}",
            "showarrow": False,
            "font": {"size": cell, "color": "white" if matrix[i, j] > top * 0.6 else "black"},
        }
        for i in range(size)
        for j in range(size)
    ]
    shapes = [
        {
            "type": "rect",
            "x0": k - 0.5,
            "x1": k + 0.5,
            "y0": k - 0.5,
            "y1": k + 0.5,
            "line": {"color": "#1b9e77", "width": 3},
        }
        for k in range(size)
    ]
    height = int((150 + 64 * size) * sizes.scale)
    return {
        "data": [
            {
                "type": "heatmap",
                "z": matrix.tolist(),
                "x": list(range(size)),
                "y": list(range(size)),
                "colorscale": "Blues",
                "reversescale": True,  # Plotly's Blues runs dark to light: light for few here
                "showscale": False,
                "hovertemplate": f"{row_title} %{{y}}<br>{column_title} %{{x}}<br>count %{{z}}<extra></extra>",  # fmt: skip
            }
        ],
        "layout": {
            "height": height,
            # the names on the left, the x axis (names and title) on top
            "margin": {
                "l": left_margin(sizes, max(map(len, names), default=1)),
                "r": 10,
                "t": bottom_margin(sizes),
                "b": 10,
            },  # fmt: skip
            "xaxis": {
                "title": {"text": column_title, "font": {"size": sizes.label}},
                "side": "top",
                "tickvals": list(range(size)),
                "ticktext": names,
                "tickfont": {"size": sizes.tick},
                "showgrid": False,
                "zeroline": False,  # it ran through the first column
                "constrain": "domain",  # the square matrix beside its row names, not far from them
            },
            "yaxis": {
                "title": {"text": row_title, "font": {"size": sizes.label}},
                "tickvals": list(range(size)),
                "ticktext": names,
                "autorange": "reversed",
                "scaleanchor": "x",
                "constrain": "domain",
                "tickfont": {"size": sizes.tick},
                "showgrid": False,
                "zeroline": False,  # it ran through the first row, past the matrix
            },
            "annotations": annotations,
            "shapes": shapes,
        },
    }


def _threshold_table(scores: np.ndarray, labels: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """[N, 4] TP, FN, FP, TN when predicting positive for scores >= each threshold."""
    positives, negatives = labels.sum(), (~labels).sum()
    order = np.argsort(-scores, kind="mergesort")
    ranked_scores, ranked = scores[order], labels[order]
    above = np.searchsorted(-ranked_scores, -thresholds, side="right")  # how many >= t
    cum_tp = np.r_[0, np.cumsum(ranked)]
    tp = cum_tp[above]
    fp = above - tp
    return np.stack([tp, positives - tp, fp, negatives - fp], axis=1)


def frame_thresholds(scores: np.ndarray, start: float) -> tuple[np.ndarray, int]:
    """The thresholds the animation visits (each distinct score, at most MAX_FRAMES evenly
    spread, plus `start`), high to low, and the index of `start`."""
    distinct = np.unique(scores)[::-1]
    if len(distinct) > MAX_FRAMES:
        distinct = distinct[np.linspace(0, len(distinct) - 1, MAX_FRAMES).round().astype(int)]
    visited = np.unique(np.r_[distinct, start])[::-1]
    return visited, int(np.flatnonzero(visited == start)[0])


def threshold_figure(
    scores: np.ndarray,
    labels: np.ndarray,
    roc: Curve,
    pr: Curve,
    start: float,
    sizes: TextSizes = NORMAL,
) -> dict:
    """ROC (left) and precision-recall (right) with the point of one threshold on both; the
    slider and the player move the threshold in the browser, and the title gives the confusion
    matrix and the rates at that threshold."""
    scores = np.asarray(scores, float)
    labels = np.asarray(labels).astype(bool)
    thresholds, start_index = frame_thresholds(scores, start)
    counts = _threshold_table(scores, labels, thresholds)
    positives, negatives = int(labels.sum()), int((~labels).sum())
    frames = []
    for threshold, (tp, fn, fp, tn) in zip(thresholds, counts.tolist(), strict=True):
        fpr, tpr = fp / negatives, tp / positives
        precision = tp / (tp + fp) if tp + fp else 1.0  # nothing predicted: scikit-learn's point
        shown_p = f"{tp}/{tp + fp} = {precision:.3f}" if tp + fp else "undefined (1 by convention)"
        title = (
            f"predict positive when score >= {threshold:.4g}:  TP {tp}  FN {fn}  FP {fp}  TN {tn}<br>"
            f"recall = TPR = {tp}/{positives} = {tpr:.3f}   FPR = {fp}/{negatives} = {fpr:.3f}   "
            f"precision = {shown_p}"
        )
        frames.append(
            Frame(
                f"{threshold:.3g}",
                title,
                [{"x": [fpr], "y": [tpr]}, {"x": [tpr], "y": [precision]}],
                [2, 3],
            )
        )
    top = title_margin(2, sizes)
    bottom = slider_margin(sizes, axis_px(sizes))
    height = int(420 * sizes.scale) + top + bottom
    baseline = positives / len(labels)
    data = [
        {
            "type": "scatter",
            "x": roc.x.tolist(),
            "y": roc.y.tolist(),
            "mode": "lines",
            "line": {"color": CURVE, "width": 2.5, "shape": "linear"},
            "name": f"ROC, AUC {roc.area:.3f}",
            "xaxis": "x",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "x": pr.x.tolist(),
            "y": pr.y.tolist(),
            "mode": "lines",
            "line": {"color": ENVELOPE, "width": 2.5, "shape": "vh"},
            "name": f"precision-recall, AP {pr.area:.3f}",
            "xaxis": "x2",
            "yaxis": "y2",
        },
        _marker("x", "y", "this threshold"),
        _marker("x2", "y2"),
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [0, 1],
            "mode": "lines",
            "line": {"color": "grey", "dash": "dot", "width": 1},
            "name": "chance",
            "xaxis": "x",
            "yaxis": "y",
        },
        {
            "type": "scatter",
            "x": [0, 1],
            "y": [baseline, baseline],
            "mode": "lines",
            "line": {"color": "grey", "dash": "dot", "width": 1},
            "showlegend": False,
            "xaxis": "x2",
            "yaxis": "y2",
        },
    ]
    layout = {
        "height": height,
        "margin": {"l": left_margin(sizes, 3), "r": 20, "t": top, "b": bottom},
        "xaxis": _axis("false-positive rate", sizes, [0.0, 0.45], "y"),
        "yaxis": _axis("true-positive rate (recall)", sizes, None, "x"),
        "xaxis2": _axis("recall", sizes, [0.55, 1.0], "y2"),
        "yaxis2": _axis("precision", sizes, None, "x2"),
        "legend": {
            "orientation": "h",
            "x": 0,
            "y": 1.0,
            "yanchor": "bottom",
            "yref": "paper",
            "font": {"size": sizes.tick},
        },
        "showlegend": False,
    }
    return animated_figure(
        data,
        layout,
        frames,
        start_index,
        frame_ms=150,
        redraw=True,
        prefix="threshold ",
        sizes=sizes,
        axis_px=axis_px(sizes),
    )


def _marker(xaxis: str, yaxis: str, name: str | None = None) -> dict:
    """The current point: a large red dot (in the legend when it has a name)."""
    marker = {"size": 14, "color": CURRENT, "line": {"color": "white", "width": 2}}
    trace = {"type": "scatter", "x": [0], "y": [0], "mode": "markers", "marker": marker}
    trace |= {"name": name} if name else {"showlegend": False}
    return trace | {"xaxis": xaxis, "yaxis": yaxis}


def one_vs_rest_figure(curves: dict, names: list[str], sizes: TextSizes = NORMAL) -> dict:
    """One ROC curve per class against the rest, the micro average, and the macro AUC."""
    data = []
    for k, name in enumerate(names):
        if k in curves:
            curve = curves[k]
            data.append({"type": "scatter", "x": curve.x.tolist(), "y": curve.y.tolist(), "mode": "lines", "line": {"color": CLASS_COLORS[k % len(CLASS_COLORS)], "width": 2}, "name": f"{name} vs rest, AUC {curve.area:.3f}"})  # fmt: skip
    micro = curves["micro"]
    data.append({"type": "scatter", "x": micro.x.tolist(), "y": micro.y.tolist(), "mode": "lines", "line": {"color": INK, "width": 3, "dash": "dash"}, "name": f"micro average, AUC {micro.area:.3f}"})  # fmt: skip
    data.append({"type": "scatter", "x": [0, 1], "y": [0, 1], "mode": "lines", "line": {"color": "grey", "dash": "dot", "width": 1}, "name": "chance"})  # fmt: skip
    return {
        "data": data,
        "layout": {
            "height": int(440 * sizes.scale),
            "margin": {"l": left_margin(sizes, 3), "r": 20, "t": 50, "b": bottom_margin(sizes)},
            "title": {
                "text": f"macro average AUC (mean of the classes') = {curves['macro']:.3f}",
                "font": {"size": sizes.label},
            },
            "xaxis": _axis("false-positive rate", sizes),
            "yaxis": _axis("true-positive rate", sizes),
            # bottom right, inside: ROC curves rise from the bottom left towards the top left;
            # no bgcolor: Plotly fills a legend with the theme's paper colour, in either theme
            "legend": {
                "x": 0.99,
                "xanchor": "right",
                "y": 0.02,
                "yanchor": "bottom",
                "font": {"size": sizes.tick},
            },
        },
    }


def sampled_points(recall: np.ndarray, precision: np.ndarray, method: str) -> tuple[list, list]:
    """The points an AP method reads off the envelope: 11 or 101 recall levels (with the
    envelope's value there), or every recall change (all-point)."""
    envelope = np.maximum.accumulate(precision[::-1])[::-1] if len(precision) else precision
    if method == "voc11":
        levels = np.arange(0.0, 1.1, 0.1)
        values = [precision[recall >= t].max() if (recall >= t).any() else 0.0 for t in levels]
        return levels.tolist(), values
    if method == "coco101":
        found = np.searchsorted(recall, RECALL_POINTS, side="left")
        values = [float(envelope[i]) if i < len(envelope) else 0.0 for i in found]
        return RECALL_POINTS.tolist(), values
    changes = np.flatnonzero(np.diff(np.r_[0.0, recall]) > 0)
    return recall[changes].tolist(), envelope[changes].tolist()


def detection_pr_figure(
    ranked: Ranked, method: str, ap: float, start: int | None = None, sizes: TextSizes = NORMAL
) -> dict:
    """The precision-recall curve of ranked detections, one detection per frame: the curve so
    far, its interpolated envelope (the best precision at this recall or beyond), the current
    detection; the last frame adds the points the AP method samples."""
    counted = np.flatnonzero(~ranked.ignored)
    recall, precision = ranked.recall[counted], ranked.precision[counted]
    total = len(counted)
    steps = np.arange(total) if total <= MAX_FRAMES else np.linspace(0, total - 1, MAX_FRAMES).round().astype(int)  # fmt: skip
    sample_x, sample_y = sampled_points(recall, precision, method)
    frames = []
    for index in steps.tolist():
        shown_r, shown_p = recall[: index + 1], precision[: index + 1]
        envelope = np.maximum.accumulate(shown_p[::-1])[::-1]
        which = "TP" if ranked.true_positive[counted[index]] else "FP"
        title = (
            f"detection {index + 1} of {total} (score {ranked.scores[counted[index]]:.3f}): {which};  "
            f"TP {int(ranked.cum_tp[counted[index]])}  FP {int(ranked.cum_fp[counted[index]])}<br>"
            f"precision = {precision[index]:.3f}   recall = {int(ranked.cum_tp[counted[index]])}/{ranked.ground_truth} = {recall[index]:.3f}"  # fmt: skip
        )
        last = index == total - 1
        frames.append(
            Frame(
                str(index + 1),
                title + (f"   AP ({method}) = {ap:.4f}" if last else ""),
                [
                    {"x": shown_r.tolist(), "y": shown_p.tolist()},
                    {"x": shown_r.tolist(), "y": envelope.tolist()},
                    {"x": [float(recall[index])], "y": [float(precision[index])]},
                    {"x": sample_x if last else [], "y": sample_y if last else []},
                ],
                [0, 1, 2, 3],
            )
        )
    if not frames:
        frames = [Frame("0", "no detections to rank", [], [])]
    top = title_margin(2, sizes)
    bottom = slider_margin(sizes, axis_px(sizes))
    data = [
        {
            "type": "scatter",
            "x": [],
            "y": [],
            "mode": "lines+markers",
            "line": {"color": CURVE, "width": 1.5},
            "marker": {"size": 5},
            "name": "precision, recall after each detection",
        },
        {
            "type": "scatter",
            "x": [],
            "y": [],
            "mode": "lines",
            "line": {"color": ENVELOPE, "width": 2.5, "shape": "hv"},
            "name": "envelope (interpolated precision)",
        },
        {
            "type": "scatter",
            "x": [],
            "y": [],
            "mode": "markers",
            "marker": {"size": 14, "color": CURRENT, "line": {"color": "white", "width": 2}},
            "name": "this detection",
        },
        {
            "type": "scatter",
            "x": [],
            "y": [],
            "mode": "markers",
            "marker": {"size": 7, "color": SAMPLED, "symbol": "diamond"},
            "name": f"points {method} averages",
        },
    ]
    layout = {
        "height": int(430 * sizes.scale) + top + bottom,
        "margin": {"l": left_margin(sizes, 3), "r": 20, "t": top, "b": bottom},
        "xaxis": _axis("recall", sizes),
        "yaxis": _axis("precision", sizes),
        # bottom left: a PR curve starts top left and ends bottom right; filled with the theme's
        # paper colour (Plotly's default): a white veil left the dark theme's white text unreadable
        "legend": {
            "x": 0.01,
            "xanchor": "left",
            "y": 0.02,
            "yanchor": "bottom",
            "font": {"size": sizes.tick},
        },
    }
    start = len(frames) - 1 if start is None else start
    return animated_figure(
        data,
        layout,
        frames,
        start,
        frame_ms=120,
        redraw=True,
        prefix="detection ",
        sizes=sizes,
        axis_px=axis_px(sizes),
    )
