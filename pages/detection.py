"""Detection lab: run two to four detectors on one photo and compare them box by box, with
ground truth when there is some."""

from __future__ import annotations

import time
from dataclasses import dataclass

import streamlit as st

from lab.boxes import BoxError
from lab.detection import CUSTOM, Detector, postprocess
from lab.detections import Detections, compare_words, counts_words, evaluate, match, plural
from lab.viz.detection import annotate, class_colours, comparison_image, evaluation_image
from ui import detection_panels as panels
from ui import detectors
from ui.common import Page, page_body, page_setup, pick_image
from ui.detection_panels import defaults, detector_controls, kind
from ui.state import Settings

MAX_SIDE = 800
MAIN_WIDTH = 1000  # about how wide the main area is on screen (CSS pixels): labels fit it
LETTERS = "ABCD"
RAW_KEY = "detection_raw"  # the NMS lab steps through these raw boxes
TRUTH_KEY = "evaluation_ground_truth"  # the Evaluation page scores against this
DEFAULT_DETECTORS = ["Haar frontal face (OpenCV)", "MTCNN faces", "HOG people (OpenCV)"]


@dataclass
class Result:
    """One detector's run on the photo."""

    letter: str
    name: str
    detector: Detector
    raw: detectors.RawRun
    final: Detections
    score_threshold: float
    iou_threshold: float
    ranked: Detections
    postprocess_ms: float
    load_ms: float
    cached: bool


page = page_setup("Detection lab", ":material/center_focus_strong:")
with st.spinner("Starting PyTorch (a few seconds, on the first visit only)..."):
    SPECS = detectors.specs()
ARCHITECTURES = [name for name, spec in SPECS.items() if kind(spec) == "cnn"]
DEVICES = ["auto", *detectors.devices()]
SETTINGS = Settings(
    {
        "det_sample": "astronaut",
        "det_detectors": DEFAULT_DETECTORS,
        "det_device": "auto",
        "det_half": False,
        "det_channels_last": False,
        "det_overlay": False,
        "det_a": DEFAULT_DETECTORS[0],
        "det_b": DEFAULT_DETECTORS[1],
        "det_match_iou": 0.5,
        "det_same_class": False,
        "det_truth_source": "none",
        "det_truth_text": "",
        "det_truth_class": "face",
        "det_eval_iou": 0.5,
        "det_eval_show": DEFAULT_DETECTORS[0],
        "det_ckpt_arch": "Mask R-CNN ResNet-50 FPN v2",
        "det_ckpt_classes": 2,
        "det_ckpt_names": "pedestrian",
    }
    | {key: value for spec in SPECS.values() for key, value in defaults(spec).items()}
    | {key: value for key, value in defaults(detectors.own_spec()).items()}
)
SETTINGS.expect_link(page.note)
state = st.session_state

picked = pick_image(SETTINGS, "det", MAX_SIDE)
image = picked.image
height, width = image.shape[:2]
with st.sidebar:
    st.subheader("Detectors")
    SETTINGS.multiselect(
        "Two to four detectors", [*SPECS, CUSTOM], "det_detectors", max_selections=4
    )
    for name in state.det_detectors:
        if name in SPECS:
            st.caption(panels.spec_words(SPECS[name]))
    SETTINGS.radio(
        "Device",
        DEVICES,
        "det_device",
        horizontal=True,
        help="auto: CUDA, then Apple MPS, then CPU",
    )
    device = detectors.device_for(state.det_device)
    st.caption(f"Running on: {detectors.device_label(device)}")
    on_gpu = device == "cuda"
    SETTINGS.toggle("fp16 (autocast)", "det_half", disabled=not on_gpu, help="CUDA only")
    SETTINGS.toggle("Channels-last", "det_channels_last", disabled=not on_gpu, help="CUDA only")
    with st.expander("Your own checkpoint", expanded=CUSTOM in state.det_detectors):
        own = panels.own_checkpoint_panel(SETTINGS, ARCHITECTURES)


def body(page: Page) -> None:
    """The detectors on the photo and all that follows: its controls rerun only this (the
    sidebar reruns the page)."""
    chosen_names = list(state.det_detectors)
    if not chosen_names:
        st.info("Choose two to four detectors in the sidebar to run them on the photo.")
        return
    st.caption(
        f"Photo: {picked.label}. Boxes are in the pixels of the photo as shown; downloads are in "
        "the original photo's pixels."
    )

    with st.expander("Detector settings: thresholds, NMS, classes, and each detector's own"):
        tabs = st.tabs([f"{LETTERS[i]}: {name}" for i, name in enumerate(chosen_names)])
        asked = {}
        for tab, name in zip(tabs, chosen_names, strict=True):
            with tab:
                names = own["class_names"] if name == CUSTOM and own else ()
                spec = detectors.own_spec(names) if name == CUSTOM else SPECS[name]
                try:
                    asked[name] = detector_controls(spec, SETTINGS)
                except (BoxError, ValueError) as error:
                    st.error(f"These settings cannot be used: {error}.")

    started = time.time()
    results: list[Result] = []
    for index, name in enumerate(chosen_names):
        if name not in asked:
            continue
        if name == CUSTOM and own is None:
            st.info(f"{LETTERS[index]}: upload your checkpoint under 'Your own checkpoint' first.")
            continue
        loaded, message = detectors.load(
            name,
            device,
            **({} if name != CUSTOM else own),
        )
        if loaded is None:
            st.warning(f"{LETTERS[index]}: {message}")
            if name in SPECS and SPECS[name].needs_weights and not SPECS[name].weights_available:
                st.button(
                    "Try the download again",
                    key=f"det_retry_{LETTERS[index]}",
                    on_click=detectors.retry_downloads,
                )
            continue
        chosen = asked[name]
        try:
            with st.spinner(detectors.busy_message(loaded, name, device)):
                raw = detectors.run_raw(
                    loaded, image, chosen.own, state.det_half and on_gpu, state.det_channels_last
                )
            clock = time.perf_counter()
            final = postprocess(
                raw.unpacked(),
                chosen.score_threshold,
                chosen.iou_threshold,
                chosen.classes,
                chosen.max_detections,
            )
            post_ms = (time.perf_counter() - clock) * 1e3
            ranked = postprocess(raw.detections, None, chosen.iou_threshold, chosen.classes, 100)
        except (BoxError, ValueError, RuntimeError) as error:  # bad settings, GPU out of memory
            st.error(f"{LETTERS[index]}: {name} could not run: {str(error)[:300]}")
            continue
        cached = raw.finished < started
        results.append(
            Result(
                LETTERS[index],
                name,
                loaded.detector,
                raw,
                final,
                chosen.score_threshold,
                chosen.iou_threshold,
                ranked,
                post_ms,
                loaded.load_ms,
                cached,
            )
        )
    if not results:
        return

    st.subheader("What each detector found")
    SETTINGS.toggle("Overlay them on one picture", "det_overlay")
    colours = class_colours(*(r.final for r in results))
    text = 1.5 if page.projector else 1.0

    def shown_width(fraction: float) -> float:
        """About how wide a picture in `fraction` of the main area is on screen (CSS pixels); the
        page's style caps pictures at 78% of the screen's height, about 680 px."""
        return min(MAIN_WIDTH * fraction, 680 * width / height)

    with page.figure_area():
        if state.det_overlay:
            picture_col, list_col = st.columns([3, 2])
            layers = [(r.final, r.letter) for r in results]
            patterns = ("solid", "dashed", "dotted", "dash-dot")
            picture_col.image(
                annotate(image, layers, colours, shown_width(0.6), text),
                caption="Lines: "
                + ", ".join(f"{r.letter} {patterns[i]}" for i, r in enumerate(results)),
                width="stretch",
            )
            columns = [list_col] * len(results)
        else:
            columns = st.columns(max(2, min(len(results), 2 if page.projector else 4)))
        for index, result in enumerate(results):
            with columns[index % len(columns)]:
                st.metric(f"{result.letter}: {result.name}", plural(len(result.final), "box"))
                if not state.det_overlay:
                    fraction = 1 / len(columns)
                    picture = annotate(
                        image, [(result.final, None)], colours, shown_width(fraction), text
                    )
                    st.image(picture, width="stretch")
                st.caption(counts_words(result.final))
                panels.result_actions(result, image, picked.original, colours, RAW_KEY)

    st.subheader("Timing")
    timings = panels.timing_table(results)
    st.dataframe(timings, hide_index=True)
    devices = {result.detector.device for result in results}
    st.caption(
        ("" if "device" in timings else f"All on {devices.pop()}. ")
        + "Load: reading the weights, once per server. Pre: photo to tensor. Post: boxes back "
        "to the photo, then this page's score threshold, per-class NMS and cap. Cached: the same "
        "photo and settings as before, nothing run again. Warm-up: the model's first run, slower "
        "than the ones after it."
    )

    if len(results) >= 2:
        st.subheader("Compare two detectors")
        options = [f"{r.letter}: {r.name}" for r in results]
        by_label = dict(zip(options, results, strict=True))
        left, middle, right = st.columns([2, 2, 2])
        with left:
            SETTINGS.selectbox("A", options, "det_a")
        with middle:
            SETTINGS.selectbox("B", [o for o in options if o != state.det_a], "det_b")
        with right:
            SETTINGS.slider("Pair boxes at IoU at least", 0.05, 1.0, "det_match_iou", step=0.05)
            SETTINGS.toggle(
                "Same class only",
                "det_same_class",
                help="Pair a box only with a box of the same class.",
            )
        first, second = by_label[state.det_a], by_label[state.det_b]
        paired = match(first.final, second.final, state.det_match_iou, state.det_same_class)
        words = compare_words(
            first.final, second.final, paired, first.letter, second.letter, width, height
        )
        st.markdown("\n".join(f"- {panels.plain(sentence)}" for sentence in words))
        picture_col, table_col = st.columns([2, 3])
        picture_col.image(
            comparison_image(
                image,
                first.final,
                second.final,
                paired,
                first.letter,
                second.letter,
                shown_width(0.4),
                text,
            ),
            caption=f"Green: paired (dashed: {second.letter}'s box); orange: only {first.letter}; "
            f"purple dashed: only {second.letter}",
            width="stretch",
        )
        with table_col:
            panels.only_tables(first, second, paired)
        # Full width: in the table column its eight columns scrolled ("same class" out of sight).
        panels.pairs_table(first, second, paired)

    st.subheader("Ground truth (optional)")
    truth = panels.ground_truth_panel(SETTINGS, image, picked.original)
    if truth is not None:
        SETTINGS.slider("A detection counts as found at IoU at least", 0.05, 1.0, "det_eval_iou")
        scores = {r.name: evaluate(r.final, truth, state.det_eval_iou) for r in results}
        table_col, picture_col = st.columns([3, 2])
        with table_col:
            st.dataframe(panels.evaluation_table(results, scores), hide_index=True)
            st.caption(
                "One-to-one matching as taught: detections by decreasing score each take the "
                "unmatched ground-truth box of their class with the highest IoU. Precision = "
                "TP / (TP + FP), recall = TP / (TP + FN), F1 their harmonic mean."
            )
            SETTINGS.selectbox("Show on the photo", [r.name for r in results], "det_eval_show")
        result = next(r for r in results if r.name == state.det_eval_show)
        picture_col.image(
            evaluation_image(
                image, result.final, truth, scores[result.name], shown_width(0.4), text
            ),
            caption="Blue: true positive; red: false positive; yellow dashed: missed; black "
            "dotted: ground truth found",
            width="stretch",
        )
        state[TRUTH_KEY] = {
            "image": image,
            "truth": truth,
            "detections": {r.name: r.final for r in results},
            # For AP: after NMS but before the score threshold (every score ranks).
            "ranked": {r.name: r.ranked for r in results},
        }

    with st.expander("About the detectors: family, COCO box mAP, size, weights on this machine"):
        st.dataframe(panels.info_table(SPECS), hide_index=True)


page_body(page, body, "det_body")
