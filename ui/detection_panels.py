"""The Detection page's panels: each detector's settings, your own checkpoint, the ground truth.

Settings keys are `det_<detector>_<setting>` (kept for the session and in the URL like every
page's settings); the detector part is a slug of its name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd
import streamlit as st
from streamlit.errors import StreamlitAPIException

from lab.annotations import (
    AnnotationError,
    format_truth,
    parse_truth,
    read_annotation,
)
from lab.classic import HaarSettings, HogSettings
from lab.detection import CUSTOM, DetectorSpec
from lab.detections import Detections
from ui.box_canvas import box_canvas, dragged_boxes, photo_url
from ui.common import uploader
from ui.state import Settings

LOWEST_MARGIN = -20.0
"""HOG and Haar scores are classifier margins, not probabilities: this threshold keeps all."""
HOG_STRIDES = [4, 8, 16, 32]
HOG_UPSCALES = [1.0, 1.5, 2.0]
TRUTH_SOURCES = ["none", "draw or type boxes", "upload a COCO or VOC file"]
MAX_ANNOTATION_MB = 10
OWN_FIELDS = {
    "hog": (
        HogSettings,
        {
            "stride": "win_stride",
            "scale": "scale",
            "hit": "hit_threshold",
            "upscale": "upscale",
            "fit": "fit",
        },
    ),
    "haar": (
        HaarSettings,
        {"scale_factor": "scale_factor", "neighbors": "min_neighbors", "min_size": "min_size"},
    ),
}
"""The classic detectors' own settings: settings key suffix -> field of their settings type."""


def slug(name: str) -> str:
    """A detector's part of a settings key: 'Haar frontal face (OpenCV)' -> 'haar_frontal_face'."""
    if name == CUSTOM:
        return "own"
    return re.sub(r"[^a-z0-9]+", "_", name.lower().replace("(opencv)", "")).strip("_")


def kind(spec: DetectorSpec) -> str:
    """'hog', 'haar', 'mtcnn' or 'cnn' (torchvision's models and your own)."""
    if spec.name.startswith("HOG"):
        return "hog"
    if spec.name.startswith("Haar"):
        return "haar"
    return "mtcnn" if spec.name == "MTCNN faces" else "cnn"


def defaults(spec: DetectorSpec) -> dict[str, Any]:
    """Every setting of one detector, at the detector's own defaults."""
    key = f"det_{slug(spec.name)}"
    margin = kind(spec) in ("hog", "haar")
    score = spec.score_threshold
    found = {
        f"{key}_score": (LOWEST_MARGIN if score is None else float(score))
        if margin
        else float(score or 0.0),
        f"{key}_iou": float(spec.iou_threshold),
        f"{key}_max": int(spec.max_detections),
        f"{key}_classes": [],
    }
    if kind(spec) in OWN_FIELDS:
        settings_type, fields = OWN_FIELDS[kind(spec)]
        own = settings_type()
        found |= {f"{key}_{short}": getattr(own, field) for short, field in fields.items()}
    elif kind(spec) == "mtcnn":
        from lab.mtcnn import MTCNNSettings

        mtcnn = MTCNNSettings()
        found |= {
            f"{key}_min_face": int(mtcnn.min_face_size),
            f"{key}_p": mtcnn.thresholds[0],
            f"{key}_r": mtcnn.thresholds[1],
            f"{key}_o": mtcnn.thresholds[2],
            f"{key}_factor": mtcnn.factor,
        }
    return found


@dataclass(frozen=True)
class Chosen:
    """What one detector's panel asks for.

    Attributes:
        own: the detector's own settings (HogSettings, HaarSettings, MTCNNSettings) or None.
        score_threshold, iou_threshold, classes (None: all), max_detections: for postprocess.
    """

    own: Any
    score_threshold: float
    iou_threshold: float
    classes: list[str] | None
    max_detections: int


def detector_controls(spec: DetectorSpec, settings: Settings) -> Chosen:
    """One detector's settings (draws into the current container)."""
    key = f"det_{slug(spec.name)}"
    state = st.session_state
    family = kind(spec)
    columns = st.columns(2)
    with columns[0]:
        if family in ("hog", "haar"):
            settings.number_input(
                "Score threshold (classifier margin)",
                LOWEST_MARGIN,
                20.0,
                f"{key}_score",
                step=0.1,
                help="HOG's SVM margin or the Haar cascade's last-stage weight: not a "
                f"probability; {LOWEST_MARGIN:g} keeps every box.",
            )
        else:
            settings.slider("Score threshold", 0.0, 1.0, f"{key}_score", step=0.01)
        settings.slider(
            "NMS IoU threshold",
            0.05,
            1.0,
            f"{key}_iou",
            step=0.05,
            help="Boxes of one class overlapping a better one by more than this are removed "
            "(1.0: no NMS).",
        )
        settings.number_input("Max detections", 1, 1000, f"{key}_max")
        if len(spec.classes) > 1:
            settings.multiselect(
                "Classes to keep (none chosen: all)",
                spec.classes,
                f"{key}_classes",
                placeholder="all classes",
            )
    own = None
    with columns[1]:
        if family == "hog":
            settings.select_slider("Window stride (px)", HOG_STRIDES, f"{key}_stride")
            settings.slider("Pyramid scale step", 1.01, 1.5, f"{key}_scale", step=0.01)
            settings.slider("SVM hit threshold", -1.0, 1.0, f"{key}_hit", step=0.05)
            settings.select_slider(
                "Enlarge the photo first", HOG_UPSCALES, f"{key}_upscale", format_func=_times
            )
            settings.toggle(
                "Fit windows to the person",
                f"{key}_fit",
                help="The 64 x 128 window holds a person of about 40 x 96 px: shrink each "
                "window to that before comparing boxes.",
            )
            own = _own_settings("hog", key)
        elif family == "haar":
            settings.slider("Scale factor", 1.02, 1.5, f"{key}_scale_factor", step=0.01)
            settings.slider(
                "Min neighbours",
                0,
                10,
                f"{key}_neighbors",
                help="Overlapping hits a face needs; 0 gives every raw hit (then NMS merges).",
            )
            settings.slider("Min size (px)", 8, 200, f"{key}_min_size")
            own = _own_settings("haar", key)
        elif family == "mtcnn":
            from lab.mtcnn import MTCNNSettings

            settings.slider("Smallest face (px)", 12, 200, f"{key}_min_face")
            settings.slider("P-Net threshold", 0.0, 1.0, f"{key}_p", step=0.05)
            settings.slider("R-Net threshold", 0.0, 1.0, f"{key}_r", step=0.05)
            settings.slider("O-Net threshold", 0.0, 1.0, f"{key}_o", step=0.05)
            settings.slider("Pyramid factor", 0.5, 0.9, f"{key}_factor", step=0.01)
            own = MTCNNSettings(
                int(state[f"{key}_min_face"]),
                (float(state[f"{key}_p"]), float(state[f"{key}_r"]), float(state[f"{key}_o"])),
                float(state[f"{key}_factor"]),
            )
        else:
            st.caption(
                f"{spec.family}. Runs in raw mode: its own NMS is off, every box scoring "
                "0.05 or more comes out, and the threshold and NMS on the left apply (no new "
                "inference when they change)."
            )
    classes = state.get(f"{key}_classes") or None
    return Chosen(
        own,
        float(state[f"{key}_score"]),
        float(state[f"{key}_iou"]),
        classes,
        int(state[f"{key}_max"]),
    )


def _own_settings(family: str, key: str) -> Any:
    settings_type, fields = OWN_FIELDS[family]
    return settings_type(
        **{field: st.session_state[f"{key}_{short}"] for short, field in fields.items()}
    )


def _times(factor: float) -> str:
    return "no" if factor == 1.0 else f"x{factor:g}"


def _on_draw(text_key: str, class_key: str) -> None:
    drawn = dragged_boxes("det_truth_canvas")
    if drawn is None:
        return
    try:
        typed = parse_truth(st.session_state[text_key])
    except AnnotationError:
        typed = Detections.empty()
    fallback = str(st.session_state.get(class_key) or "object")
    labels = [*typed.labels[: len(drawn)].tolist()]
    labels += [fallback] * (len(drawn) - len(labels))
    boxes = np.array(drawn, dtype=float).reshape(-1, 4)
    st.session_state[text_key] = format_truth(Detections(boxes, np.ones(len(boxes)), labels))


def _clear(text_key: str) -> None:
    st.session_state[text_key] = ""


def ground_truth_panel(
    settings: Settings, image: np.ndarray, original: tuple[int, int]
) -> Detections | None:
    """The ground truth, drawn on the photo, typed, or from an uploaded COCO / VOC file, in the
    shown photo's pixels; None when there is none."""
    state = st.session_state
    height, width = image.shape[:2]
    settings.radio(
        "Ground truth",
        TRUTH_SOURCES,
        "det_truth_source",
        horizontal=True,
        label_visibility="collapsed",
    )
    source = state.det_truth_source
    if source == TRUTH_SOURCES[1]:
        st.caption(
            "Drag on the photo to draw a box; drag a box to move it, its corners to resize it. "
            "The lines below hold the boxes (x1 y1 x2 y2 class, in the photo's pixels as shown)."
        )
        try:
            truth = parse_truth(state.get("det_truth_text", ""), "object")
            message = ""
        except AnnotationError as error:
            truth, message = Detections.empty(), f"Your boxes could not be read: {error}."
        box_canvas(
            "det_truth_canvas",
            truth.boxes.tolist(),
            width,
            height,
            colors=["#e6ab02"] * len(truth),
            names=[str(label) for label in truth.labels],
            mode="draw",
            on_change=lambda: _on_draw("det_truth_text", "det_truth_class"),
            display_width=min(width, 720),
            background=_cached_photo_url(image),
        )
        left, right = st.columns([3, 1])
        with left:
            settings.text_area(
                "Ground-truth boxes: x1 y1 x2 y2 class", "det_truth_text", height=120
            )
        with right:
            settings.text_input("Class of new boxes", "det_truth_class", max_chars=40)
            st.button("Clear the boxes", on_click=_clear, args=("det_truth_text",))
        if message:
            st.error(message)
            return None
        return truth if len(truth) else None
    if source == TRUTH_SOURCES[2]:
        upload = uploader(
            "A COCO annotation file (.json: images, annotations, categories) or a Pascal VOC "
            f"annotation (.xml), up to {MAX_ANNOTATION_MB} MB",
            type=["json", "xml"],
            key="det_truth_upload",
            max_upload_size=MAX_ANNOTATION_MB,
        )
        if upload is not None:
            state["det_truth_kept"] = upload.getvalue()
        data = state.get("det_truth_kept")
        if data is None:
            return None
        if upload is None:
            st.caption("Using the annotation file you uploaded earlier.")
            st.button("Forget it", on_click=lambda: state.pop("det_truth_kept", None))
        try:
            annotations = read_annotation(data)
        except AnnotationError as error:
            st.error(f"The annotation file cannot be used: {error}.")
            return None
        if not annotations:
            st.error("The annotation file lists no images.")
            return None
        names = [f"{i}: {a.name}" for i, a in enumerate(annotations)]
        index = 0
        if len(annotations) > 1:
            picked = st.selectbox("The photo's entry in the file", names, key="det_truth_image")
            index = names.index(picked)
        annotation = annotations[index]
        size = (annotation.width, annotation.height)
        if size[0] <= 0 or size[1] <= 0:  # the file does not say: the photo's original size
            size = (original[1], original[0])
        scaled = replace(annotation, width=size[0], height=size[1]).scaled(width, height)
        notes = [f"{len(scaled.truth)} boxes for {annotation.name}"]
        if annotation.ignored:
            notes.append(f"{annotation.ignored} crowd or difficult boxes left out")
        if size != (width, height):
            notes.append(f"scaled from {size[0]} x {size[1]} to the {width} x {height} shown")
        st.caption("; ".join(notes) + ".")
        return scaled.truth if len(scaled.truth) else None
    return None


@st.cache_data(max_entries=4, show_spinner=False)
def _cached_photo_url(image: np.ndarray) -> str:
    return photo_url(image)


MAX_CHECKPOINT_MB = 300
_CLASS_NAME = re.compile(r"[\w .\-+/()']{1,40}")


def own_checkpoint_panel(settings: Settings, architectures: list[str]) -> dict | None:
    """The architecture, classes and state_dict of a detector the student fine-tuned; the keyword
    arguments of `ui.detectors.load` once a checkpoint is uploaded, else None."""
    state = st.session_state
    settings.selectbox("Architecture", architectures, "det_ckpt_arch")
    settings.number_input("Classes, background included", 2, 1000, "det_ckpt_classes")
    settings.text_input(
        "Class names, comma-separated (without the background)", "det_ckpt_names", max_chars=400
    )
    upload = uploader(
        f"Its state_dict (.pth / .pt), up to {MAX_CHECKPOINT_MB} MB",
        type=["pth", "pt"],
        key="det_ckpt_upload",
        max_upload_size=MAX_CHECKPOINT_MB,
        help="Saved with torch.save(model.state_dict(), path), or a training checkpoint holding "
        "it under 'model' or 'state_dict'. Read with weights_only=True: no code runs.",
    )
    if upload is not None:
        state["det_ckpt_kept"] = upload.getvalue()
    data = state.get("det_ckpt_kept")
    names = [name.strip() for name in str(state.det_ckpt_names).split(",") if name.strip()]
    bad = [name for name in names if not _CLASS_NAME.fullmatch(name)]
    if bad:
        st.error(
            "Class names are short names (letters, digits, spaces, - _ . + / ( ) '); "
            f"{len(bad)} of them are not."
        )
        return None
    if data is None:
        st.caption(
            "The homework's model: Mask R-CNN fine-tuned on pedestrians, 2 classes "
            "(background + pedestrian). Then pick 'Your own checkpoint' among the detectors."
        )
        return None
    if upload is None:
        st.caption(f"Using the checkpoint uploaded earlier ({len(data) / 1e6:.0f} MB).")
        st.button("Forget it", on_click=lambda: state.pop("det_ckpt_kept", None))
    return {
        "checkpoint": data,
        "architecture": state.det_ckpt_arch,
        "num_classes": int(state.det_ckpt_classes),
        "class_names": tuple(names),
    }


def plain(text: str) -> str:
    """Text shown as markdown without being read as markdown (class names come from uploads)."""
    return re.sub(r"([\\`*_\[\]<>#|~$])", r"\\\1", str(text))


def _box_text(box: np.ndarray) -> str:
    return " ".join(f"{v:.0f}" for v in box)


def pairs_table(first, second, paired) -> None:
    """The pairs: A's box, B's box, both classes and scores, their IoU, class agreement."""
    a, b = first.final, second.final
    st.markdown("**Pairs** (A's boxes by decreasing score, each with B's best unpaired box)")
    pairs = pd.DataFrame(
        [
            {
                f"{first.letter} box": _box_text(a.boxes[i]),
                f"{first.letter} class": a.labels[i],
                f"{first.letter} score": round(float(a.scores[i]), 3),
                f"{second.letter} box": _box_text(b.boxes[j]),
                f"{second.letter} class": b.labels[j],
                f"{second.letter} score": round(float(b.scores[j]), 3),
                "IoU": round(iou, 3),
                "same class": bool(a.labels[i] == b.labels[j]),
            }
            for i, j, iou in paired.pairs
        ],
        columns=[
            f"{first.letter} box",
            f"{first.letter} class",
            f"{first.letter} score",
            f"{second.letter} box",
            f"{second.letter} class",
            f"{second.letter} score",
            "IoU",
            "same class",
        ],
    )
    st.dataframe(pairs, hide_index=True, key="det_pairs_table")


def only_tables(first, second, paired) -> None:
    """What only A found, and what only B found."""
    for result, only in ((first, paired.only_a), (second, paired.only_b)):
        found = result.final
        st.markdown(f"**Only {result.letter}** ({len(only)})")
        table = pd.DataFrame(
            {
                "box": [_box_text(found.boxes[i]) for i in only],
                "class": [found.labels[i] for i in only],
                "score": [round(float(found.scores[i]), 3) for i in only],
            }
        )
        st.dataframe(table, hide_index=True, key=f"det_only_{result.letter}")


def timing_table(results) -> pd.DataFrame:
    """Per detector: load (once per server), preprocessing, inference, postprocessing (the
    detector's own and the page's threshold + NMS), and whether the run was a warm-up or cached."""
    rows = []
    for result in results:
        raw = result.raw
        note = "cached" if result.cached else ""
        if raw.warm_up and not result.cached:
            note = "warm-up"
        rows.append(
            {
                "detector": f"{result.letter}: {result.name}",
                "device": result.detector.device,
                "load (ms)": round(result.load_ms, 1),
                "pre (ms)": round(raw.preprocess_ms, 1),
                "inference (ms)": round(raw.inference_ms, 1),
                "post (ms)": round(raw.postprocess_ms + result.postprocess_ms, 1),
                "raw boxes": len(raw.detections),
                "note": note,
            }
        )
    table = pd.DataFrame(rows)
    if table["device"].nunique() == 1:  # said once, in the caption, not on every row
        table = table.drop(columns="device")
    return table


def evaluation_table(results, scores) -> pd.DataFrame:
    def show(value: float | None) -> str:
        return "n/a" if value is None else f"{value:.3f}"

    return pd.DataFrame(
        [
            {
                "detector": f"{r.letter}: {r.name}",
                "TP": scores[r.name].tp,
                "FP": scores[r.name].fp,
                "FN": scores[r.name].fn,
                "precision": show(scores[r.name].precision),
                "recall": show(scores[r.name].recall),
                "F1": show(scores[r.name].f1),
            }
            for r in results
        ]
    )


def spec_words(spec: DetectorSpec) -> str:
    """One line about a detector for the sidebar: family, COCO figures, where its weights are."""
    info = spec.info
    figures = ""
    if info:
        figures = (
            f" COCO box mAP {info['box mAP (COCO val)']}, {info['parameters (M)']} M parameters, "
            f"{info['GFLOPS']} GFLOPS, {info['file (MB)']:.0f} MB"
        )
        figures += "." if spec.weights_available else ", downloaded on first use."
    return f"**{spec.name}**: {spec.family}.{figures}"


def info_table(specs: dict[str, DetectorSpec]) -> pd.DataFrame:
    rows = []
    for spec in specs.values():
        info = spec.info
        rows.append(
            {
                "detector": spec.name,
                "family": spec.family,
                "weights": "built in"
                if not spec.needs_weights
                else ("on this machine" if spec.weights_available else "downloaded on first use"),
                "COCO box mAP": info.get("box mAP (COCO val)"),
                "parameters (M)": info.get("parameters (M)"),
                "GFLOPS": info.get("GFLOPS"),
                "file (MB)": info.get("file (MB)"),
                "classes": len(spec.classes),
            }
        )
    return pd.DataFrame(rows)


def result_actions(result, image: np.ndarray, original: tuple[int, int], colours, raw_key: str):
    """Under a detector's picture: download the picture and the detections, or step through its
    NMS in the NMS lab."""
    from lab.detections import to_coco_results
    from lab.viz.detection import annotate, png_bytes

    key = slug(result.name)
    factor = original[1] / image.shape[1]
    found = result.final

    def coco_json() -> str:
        scaled = Detections(found.boxes.astype(np.float64) * factor, found.scores, found.labels)
        return json.dumps(to_coco_results(scaled, 1, result.detector.spec.category_ids), indent=1)

    row = st.container(horizontal=True)
    with row:
        st.download_button(
            "PNG",
            lambda: png_bytes(annotate(image, [(found, None)], colours)),
            file_name=f"detections-{key}.png",
            mime="image/png",
            key=f"det_png_{key}",
            on_click="ignore",
            icon=":material/download:",
        )
        st.download_button(
            "COCO JSON",
            coco_json,
            file_name=f"detections-{key}.json",
            mime="application/json",
            key=f"det_json_{key}",
            on_click="ignore",
            icon=":material/download:",
            help="COCO results format, boxes [x, y, width, height] in the original photo's pixels",
        )
        go = st.button(
            "NMS lab",
            key=f"det_nms_{key}",
            icon=":material/filter_center_focus:",
            help="Step through NMS on this detector's raw boxes (before the threshold and NMS)",
        )
    if go:
        chosen_score = min(max(result.score_threshold, 0.0), 1.0)
        st.session_state[raw_key] = {
            "detections": result.raw.detections,
            "image": image,
            "detector": result.name,
        }
        st.session_state["nms_source"] = "from the Detection page"
        st.session_state["nms_score_threshold"] = chosen_score
        st.session_state["nms_iou_threshold"] = result.iou_threshold
        try:
            st.switch_page("pages/nms.py")
        except StreamlitAPIException:  # this page runs alone, outside app.py's navigation
            st.success("The raw boxes are in the NMS lab: open it from the menu.")
