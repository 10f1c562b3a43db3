"""The Evaluation lab's three parts: a confusion matrix, scores (ROC and precision-recall with a
threshold), and detections (matching, AP three ways, the COCO summary). Each draws its controls
and results into the page; the maths is lab.metrics."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import streamlit as st

from lab import metrics
from lab.annotations import AnnotationError, read_voc, read_voc_results, to_coco
from lab.boxes import BoxError
from lab.metrics import MetricsError
from lab.scenes import evaluation_set
from lab.viz.animation import PrebuiltFigure
from lab.viz.metrics import (
    confusion_figure,
    detection_pr_figure,
    one_vs_rest_figure,
    threshold_figure,
)
from ui.common import uploader
from ui.player import player
from ui.state import Settings

PRESETS = {
    "lecture: binary (TP 80, FN 25, FP 10, TN 35)": (
        "80 25\n10 35",
        "true labels",
        "positive, negative",
    ),
    "lecture: 3 classes (rows = predictions)": (
        "30 20 10\n50 60 10\n20 20 80",
        "predictions",
        "A, B, C",
    ),
    "your own": None,
}
ROWS = ["true labels", "predictions"]
SCORE_SOURCES = ["generated", "typed", "CSV upload"]
DETECTION_SOURCES = ["generated", "from the Detection lab", "COCO upload", "Pascal VOC upload"]
METHODS = {"coco101": "COCO 101-point", "all": "all-point (VOC2010+)", "voc11": "11-point (VOC2007)"}  # fmt: skip
HEADERS = {
    "precision": "precision",
    "recall": "recall",
    "f1": "F1",
}  # the averages table, as the per-class one
TYPED_SCORES = "\n".join(
    f"{s} {y}"
    for s, y in [
        (0.9, 1),
        (0.8, 1),
        (0.7, 0),
        (0.6, 1),
        (0.55, 1),
        (0.54, 1),
        (0.53, 0),
        (0.52, 0),
        (0.51, 1),
        (0.505, 0),
        (0.4, 1),
        (0.39, 0),
        (0.38, 1),
        (0.37, 0),
        (0.36, 0),
        (0.35, 0),
        (0.34, 1),
        (0.33, 0),
        (0.30, 1),
        (0.1, 0),
    ]
)
"""Fawcett's (2006) 20-instance ROC example."""
MAX_JSON_MB = 50
DETECTION_KEY = "evaluation_ground_truth"
DEFAULTS = {
    "eval_part": "Classification",
    "eval_preset": next(iter(PRESETS)),
    "eval_rows": "true labels",
    "eval_matrix": "80 25\n10 35",
    "eval_names": "positive, negative",
    "eval_class": 0,
    "eval_source": "generated",
    "eval_count": 400,
    "eval_separation": 1.5,
    "eval_positive": 0.4,
    "eval_classes": 2,
    "eval_seed": 0,
    "eval_scores_text": TYPED_SCORES,
    "eval_positive_class": 0,
    "eval_threshold": 0.5,
    "eval_det_source": "generated",
    "eval_images": 6,
    "eval_det_classes": 2,
    "eval_objects": 6,
    "eval_noise": 0.1,
    "eval_miss": 0.2,
    "eval_false": 3,
    "eval_det_seed": 0,
    "eval_iou": 0.5,
    "eval_category": "",
    "eval_method": "coco101",
    "eval_detector": "",
}


def _names(text: str, count: int) -> list[str]:
    given = [name.strip()[:30] for name in str(text).split(",") if name.strip()]
    return (given + [f"class {i}" for i in range(len(given), count)])[:count]


def _apply_preset() -> None:
    chosen = PRESETS.get(st.session_state.eval_preset)
    if chosen is not None:
        st.session_state.eval_matrix, st.session_state.eval_rows, st.session_state.eval_names = chosen  # fmt: skip


def _to_own() -> None:
    st.session_state.eval_preset = "your own"


def classification(settings: Settings, page) -> None:
    """A confusion matrix the reader edits, its metrics with their formulas filled in."""
    state = st.session_state
    left, right = st.columns([2, 3])
    with left:
        settings.selectbox("Example", list(PRESETS), "eval_preset", on_change=_apply_preset)
        settings.radio("Rows are", ROWS, "eval_rows", horizontal=True, on_change=_to_own)
        settings.text_area("Counts, one row per line", "eval_matrix", height=130, on_change=_to_own)
        settings.text_input("Class names, comma-separated", "eval_names", on_change=_to_own)
    try:
        matrix = metrics.parse_matrix(state.eval_matrix)
        rows = "true" if state.eval_rows == "true labels" else "predicted"
        report = metrics.confusion_metrics(matrix, rows)
    except MetricsError as error:
        left.error(f"The matrix cannot be used: {error}.")
        return
    names = _names(state.eval_names, len(matrix))
    with right if not page.projector else page.figure_area():
        figure = confusion_figure(matrix, names, rows, page.sizes)
        st.plotly_chart(PrebuiltFigure(figure), key="eval_confusion", config={"displayModeBar": False})  # fmt: skip
        st.caption(
            f"Rows: {state.eval_rows}; columns: the other. scikit-learn puts the true labels in "
            "rows; the lecture's slide puts the predictions there. The diagonal is correct."
        )
    averages = report.averages
    cells = st.columns(4)
    cells[0].metric("Accuracy", f"{report.accuracy:.3f}")
    cells[1].metric("Macro F1", f"{averages['macro']['f1']:.3f}")
    cells[2].metric("Weighted F1", f"{averages['weighted']['f1']:.3f}")
    cells[3].metric("Samples", f"{int(matrix.sum())}")
    per_class, averaged = st.columns([3, 2])
    per_class.dataframe(
        pd.DataFrame(
            {
                "class": names,
                "precision": report.precision.round(3),
                "recall": report.recall.round(3),
                "F1": report.f1.round(3),
                "support (truly)": report.support.astype(int),
                "predicted": report.predicted.astype(int),
            }
        ),
        hide_index=True,
        key="eval_per_class",
        column_config={  # short headers: at 1024 px the table was wider than its column
            "support (truly)": st.column_config.NumberColumn(
                "support", help="How many samples truly are of this class."
            ),
            "predicted": st.column_config.NumberColumn(
                "predicted", help="How many samples were predicted as this class."
            ),
        },
    )
    averaged.dataframe(
        pd.DataFrame(
            [
                {"average": kind, **{HEADERS[k]: round(v, 3) for k, v in values.items()}}
                for kind, values in averages.items()
            ]
        ),
        hide_index=True,
        key="eval_averages",
    )
    settings.selectbox(
        "Formulas for class", list(range(len(names))), "eval_class", format_func=lambda k: names[k]
    )
    st.code("\n".join(metrics.formulas(report, int(state.eval_class), names)), language=None)
    if report.undefined:
        st.caption(
            "0 / 0 counts as 0 (scikit-learn's zero_division=0): "
            + ", ".join(f"{what} of {names[k]}" for what, k in report.undefined)
            + "."
        )


@st.cache_data(max_entries=16, show_spinner=False)
def _csv(data: bytes):
    try:
        return metrics.read_scores_csv(data), ""
    except MetricsError as error:
        return None, str(error)


def _scores(settings: Settings):
    """(scores [N] or [N, K], labels, class names) from the chosen source, or None."""
    state = st.session_state
    settings.radio("Scores", SCORE_SOURCES, "eval_source", horizontal=True)
    if state.eval_source == "generated":
        columns = st.columns(5)
        with columns[0]:
            settings.slider("Samples", 20, 5000, "eval_count", step=10)
        with columns[1]:
            settings.slider(
                "Class separation",
                0.0,
                5.0,
                "eval_separation",
                step=0.1,
                help="How many standard deviations apart the classes' scores are: 0 is a coin "
                "toss, 3 almost perfect.",
            )
        with columns[2]:
            settings.slider("Share of positives", 0.05, 0.95, "eval_positive", step=0.05)
        with columns[3]:
            settings.slider("Classes", 2, 6, "eval_classes")
        with columns[4]:
            settings.number_input("Seed", 0, 10_000, "eval_seed")
        scores, labels = metrics.example_scores(
            state.eval_count,
            state.eval_separation,
            state.eval_positive,
            state.eval_seed,
            state.eval_classes,
        )
        names = ["positive", "negative"] if state.eval_classes == 2 else [f"class {k}" for k in range(state.eval_classes)]  # fmt: skip
        return scores, labels, names
    if state.eval_source == "typed":
        settings.text_area("One per line: score label (1 positive, 0 negative)", "eval_scores_text", height=160)  # fmt: skip
        scores, labels = metrics.parse_scores(state.eval_scores_text)
        return scores, labels, ["positive", "negative"]
    upload = uploader(
        "A CSV with a header: label,score (labels 0 / 1), or label,<class>,<class>,... "
        "(a score per class; the label names the true class)",
        type=["csv", "txt"],
        key="eval_scores_upload",
        max_upload_size=metrics.MAX_CSV_BYTES // 2**20,
    )
    if upload is not None:
        state["eval_scores_kept"] = upload.getvalue()
    data = state.get("eval_scores_kept")
    if data is None:
        st.info("Upload a CSV of scores, or pick generated or typed scores.")
        return None
    parsed, error = _csv(data)
    if parsed is None:
        raise MetricsError(error)
    return parsed


def scores(settings: Settings, page) -> None:
    """ROC and precision-recall curves from scores, a threshold moved in the browser, and the
    confusion matrix at the threshold set here."""
    state = st.session_state
    try:
        picked = _scores(settings)
    except MetricsError as error:
        st.error(f"These scores cannot be used: {error}.")
        return
    if picked is None:
        return
    values, labels, names = picked
    if values.ndim == 2:
        try:
            curves = metrics.one_vs_rest(values, labels)
        except MetricsError as error:
            st.error(f"These scores cannot be used: {error}.")
            return
        st.plotly_chart(PrebuiltFigure(one_vs_rest_figure(curves, names, page.sizes)), key="eval_ovr", config={"displayModeBar": False})  # fmt: skip
        cells = st.columns(2)
        cells[0].metric("Macro AUC (mean over classes)", f"{curves['macro']:.3f}")
        cells[1].metric("Micro AUC (pooled)", f"{curves['micro'].area:.3f}")
        settings.selectbox(
            "One class against the rest",
            list(range(len(names))),
            "eval_positive_class",
            format_func=lambda k: names[k],
        )
        k = int(state.eval_positive_class)
        values, labels = values[:, k], (labels == k).astype(int)
        st.markdown(f"**{names[k]}** against the rest:")
    try:
        roc = metrics.roc_curve(values, labels)
        pr = metrics.pr_curve(values, labels)
    except MetricsError as error:
        st.error(f"These scores cannot be used: {error}.")
        return
    low, high = float(values.min()), float(values.max())
    step = max((high - low) / 200, 1e-6)
    settings.slider("Threshold: predict positive when score >= this", low, high, "eval_threshold", step=step)  # fmt: skip
    threshold = float(state.eval_threshold)
    cells = st.columns(4)
    cells[0].metric("ROC AUC", f"{roc.area:.3f}")
    cells[1].metric("Average precision", f"{pr.area:.3f}")
    (tp, fn), (fp, tn) = metrics.at_threshold(values, labels, threshold).tolist()
    cells[2].metric("Precision at the threshold", f"{tp / (tp + fp):.3f}" if tp + fp else "undefined")  # fmt: skip
    cells[3].metric("Recall at the threshold", f"{tp / (tp + fn):.3f}")
    with page.figure_area():
        figure = threshold_figure(values, labels, roc, pr, threshold, page.sizes)
        st.plotly_chart(PrebuiltFigure(figure), key="eval_threshold_fig", config={"displayModeBar": False})  # fmt: skip
        player("eval_threshold_fig", unit="threshold")
    st.caption(
        "Scrub the slider under the curves (or press play) to move the threshold in the browser: "
        "the point moves on both curves and the title gives the confusion matrix. AUC is the area "
        "under the ROC curve (trapezoids); average precision sums each recall step times the "
        "precision there (scikit-learn's average_precision_score)."
    )
    st.dataframe(
        pd.DataFrame(
            {
                "": ["truly positive", "truly negative"],
                "predicted positive": [tp, fp],
                "predicted negative": [fn, tn],
            }
        ),
        hide_index=True,
        key="eval_threshold_table",
    )


def _generated(settings: Settings):
    state = st.session_state
    # Two rows of four: in one row of seven, three labels wrapped and their sliders sat lower.
    controls = [
        ("Images", 1, 50, "eval_images", 1),
        ("Classes", 1, 5, "eval_det_classes", 1),
        ("Objects / image", 0, 30, "eval_objects", 1),
        ("False alarms / image", 0, 20, "eval_false", 1),
        ("Localisation noise", 0.0, 0.5, "eval_noise", 0.01),
        ("Miss rate", 0.0, 1.0, "eval_miss", 0.05),
    ]
    columns = [*st.columns(4), *st.columns(4)]
    for column, (label, low, high, key, step) in zip(columns, controls, strict=False):
        with column:
            settings.slider(label, low, high, key, step=step)
    with columns[6]:
        settings.number_input("Seed", 0, 10_000, "eval_det_seed")
    options = dict(
        images=state.eval_images,
        classes=state.eval_det_classes,
        objects=state.eval_objects,
        miss_rate=state.eval_miss,
        false_alarms=state.eval_false,
        seed=state.eval_det_seed,
        crowd=True,
    )
    gt, careful = evaluation_set(noise=state.eval_noise, **options)
    _, sloppy = evaluation_set(noise=min(1.0, 1.5 * state.eval_noise + 0.03), **options)
    return gt, {"A: as set": careful, "B: 1.5 x the noise": sloppy}


def _from_detection_lab():
    handed = st.session_state.get(DETECTION_KEY)
    if not handed or "truth" not in handed:
        st.info(
            "No ground truth from the Detection lab yet: draw or upload ground truth there, and "
            "its detectors are scored here."
        )
        return None
    from lab.annotations import Annotation

    image = handed.get("image")
    height, width = image.shape[:2] if image is not None else (0, 0)
    truth = Annotation("the Detection lab's photo", width, height, handed["truth"])
    ranked = handed.get("ranked") or handed.get("detections") or {}
    gt, results = to_coco([truth], {name: [found] for name, found in ranked.items()})
    return gt, results


@st.cache_data(max_entries=8, show_spinner=False)
def _coco_files(annotation: bytes, results: tuple[bytes, ...]):
    def load(data: bytes, what: str):
        if len(data) > MAX_JSON_MB * 2**20:
            raise MetricsError(f"the {what} is {len(data) / 1e6:.0f} MB; files up to {MAX_JSON_MB} MB are read")  # fmt: skip
        try:
            return json.loads(bytes(data).decode("utf-8-sig"))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
            raise MetricsError(f"the {what} is not JSON ({str(error)[:100]})") from None

    try:
        gt = load(annotation, "annotation file")
        found = {f"results {i + 1}": load(data, f"results file {i + 1}") for i, data in enumerate(results)}  # fmt: skip
        for det in found.values():
            metrics.coco_set(gt, det)  # checked here, once per upload
        return (gt, found), ""
    except MetricsError as error:
        return None, str(error)


def _coco_upload():
    state = st.session_state
    left, right = st.columns(2)
    with left:
        annotation = uploader(
            "COCO annotation file (.json: images, annotations, categories)",
            type=["json"],
            key="eval_coco_gt",
            max_upload_size=MAX_JSON_MB,
        )
    with right:
        results = uploader(
            "COCO results files (.json: a list of image_id, category_id, bbox, score), one per "
            "detector",
            type=["json"],
            key="eval_coco_dt",
            accept_multiple_files=True,
            max_upload_size=MAX_JSON_MB,
        )
    if annotation is not None:
        state["eval_coco_gt_kept"] = annotation.getvalue()
    if results:
        state["eval_coco_dt_kept"] = tuple(r.getvalue() for r in results)
    if "eval_coco_gt_kept" not in state or "eval_coco_dt_kept" not in state:
        st.info("Upload an annotation file and at least one results file.")
        return None
    loaded, error = _coco_files(state["eval_coco_gt_kept"], state["eval_coco_dt_kept"])
    if loaded is None:
        raise MetricsError(error)
    return loaded


def _voc_upload():
    state = st.session_state
    left, right = st.columns(2)
    with left:
        xmls = uploader(
            "Pascal VOC annotations (.xml, one per photo)",
            type=["xml"],
            key="eval_voc_gt",
            accept_multiple_files=True,
            max_upload_size=10,
        )
    with right:
        found = uploader(
            "Detections (.txt): one per line, image class score xmin ymin xmax ymax",
            type=["txt"],
            key="eval_voc_dt",
            max_upload_size=20,
        )
    if xmls:
        state["eval_voc_gt_kept"] = tuple(x.getvalue() for x in xmls)
    if found is not None:
        state["eval_voc_dt_kept"] = found.getvalue()
    if "eval_voc_gt_kept" not in state or "eval_voc_dt_kept" not in state:
        st.info("Upload the VOC annotation files and a detections file.")
        return None
    try:
        annotations = [read_voc(data) for data in state["eval_voc_gt_kept"]]
        gt, _ = to_coco(annotations)
        images = {a.name: i for i, a in enumerate(annotations, start=1)}
        categories = {c["name"]: c["id"] for c in gt["categories"]}
        results = read_voc_results(state["eval_voc_dt_kept"], images, categories)
    except AnnotationError as error:
        raise MetricsError(str(error)) from None
    return gt, {"detections": results}


@st.cache_data(max_entries=16, show_spinner=False)
def _evaluate(gt_json: str, det_json: str) -> dict:
    return metrics.coco_evaluate(json.loads(gt_json), json.loads(det_json))


def detection(settings: Settings, page) -> None:
    """Detections against ground truth: the ranked table, the PR curve step by step, AP three
    ways, and the COCO summary for each detector side by side."""
    state = st.session_state
    settings.radio("Ground truth and detections", DETECTION_SOURCES, "eval_det_source", horizontal=True)  # fmt: skip
    source = state.eval_det_source
    try:
        if source == "generated":
            loaded = _generated(settings)
        elif source == "from the Detection lab":
            loaded = _from_detection_lab()
        elif source == "COCO upload":
            loaded = _coco_upload()
        else:
            loaded = _voc_upload()
    except (MetricsError, BoxError) as error:
        st.error(f"The evaluation cannot run: {error}.")
        return
    if loaded is None:
        return
    gt, detectors = loaded
    gt_json = json.dumps(gt, sort_keys=True)
    try:
        evaluated = {name: _evaluate(gt_json, json.dumps(det)) for name, det in detectors.items()}
    except MetricsError as error:
        st.error(f"The evaluation cannot run: {error}.")
        return
    names = {c["id"]: str(c["name"]) for c in gt["categories"]}
    if not names or not detectors:
        st.info("There is nothing to evaluate: no categories or no detectors.")
        return
    summaries = {name: metrics.coco_summary(gt, det, evaluated[name]) for name, det in detectors.items()}  # fmt: skip
    st.subheader("Step by step: one class, one IoU threshold")
    columns = st.columns(4)
    with columns[0]:
        settings.selectbox("Detector", list(detectors), "eval_detector")
    with columns[1]:
        settings.selectbox("Class", list(names.values()), "eval_category")
    with columns[2]:
        settings.slider("IoU threshold", 0.05, 0.95, "eval_iou", step=0.05)
    with columns[3]:
        settings.radio("AP as", list(METHODS), "eval_method", format_func=METHODS.get)
    category = next(k for k, v in names.items() if v == state.eval_category)
    ranked = metrics.match_detections(gt, detectors[state.eval_detector], state.eval_iou, category)
    aps = {m: metrics.average_precision(ranked.recall, ranked.precision, m) for m in METHODS}
    cells = st.columns(4)
    cells[0].metric("Ground-truth boxes that count", ranked.ground_truth)
    for cell, (method, label) in zip(cells[1:], METHODS.items(), strict=True):
        cell.metric(f"AP, {label}", f"{aps[method]:.4f}")
    with page.figure_area():
        figure = detection_pr_figure(ranked, state.eval_method, aps[state.eval_method], sizes=page.sizes)  # fmt: skip
        st.plotly_chart(PrebuiltFigure(figure), key="eval_pr_fig", config={"displayModeBar": False})
        player("eval_pr_fig", unit="detection")
    st.caption(
        "Matching as COCO does it, per image and class: detections by decreasing score each take "
        "the unmatched ground-truth box with the highest IoU at or above the threshold; crowd "
        "regions are ignored (a detection on one counts neither way). 11-point: the mean of the "
        "best precision at recall >= 0, 0.1, ..., 1; all-point: the area under the envelope; "
        "COCO: the envelope at recall 0, 0.01, ..., 1, averaged."
    )
    st.dataframe(_ranked_table(ranked), hide_index=True, key="eval_ranked")
    st.subheader("The COCO summary, every detector")
    table = pd.DataFrame({name: [round(s[key], 3) for key in metrics.SUMMARY_KEYS] for name, s in summaries.items()}, index=metrics.SUMMARY_KEYS)  # fmt: skip
    st.dataframe(table, key="eval_summary")
    for name, summary in summaries.items():
        with st.expander(f"{name}: as pycocotools prints it"):
            st.code(metrics.summary_text(summary), language=None)
            per_class = metrics.per_category(evaluated[name])
            st.dataframe(
                pd.DataFrame(
                    [
                        {
                            "class": names[k],
                            "AP": round(v[0], 3),
                            "AP50": round(v[1], 3),
                            "AR100": round(v[2], 3),
                        }
                        for k, v in per_class.items()
                    ]
                ),
                hide_index=True,
            )
    st.caption("-1 marks a number no ground truth defines (no small objects, say), as COCO prints it.")  # fmt: skip


def _ranked_table(ranked) -> pd.DataFrame:
    counted = ~ranked.ignored
    return pd.DataFrame(
        {
            "rank": np.arange(1, len(ranked.scores) + 1),
            "image": ranked.image_ids,
            "score": ranked.scores.round(4),
            "result": np.where(
                ranked.ignored, "ignored", np.where(ranked.true_positive, "TP", "FP")
            ),
            "IoU": [
                f"{v:.3f}" if tp else ""
                for v, tp in zip(ranked.iou, ranked.true_positive, strict=True)
            ],
            "TP so far": ranked.cum_tp.astype(int),
            "FP so far": ranked.cum_fp.astype(int),
            "precision": [
                f"{v:.4f}" if c else "" for v, c in zip(ranked.precision, counted, strict=True)
            ],
            "recall": [
                f"{v:.4f}" if c else "" for v, c in zip(ranked.recall, counted, strict=True)
            ],
        }
    )
