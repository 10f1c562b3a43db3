"""The Detection lab in AppTest: the offline detectors on the default photo, the matching table
against the lab's engine and torchvision's IoU, ground truth typed and uploaded, the COCO zoo
without a network, and the student's own checkpoint (good, wrong, hostile).

Nothing here may touch the network: `no_network` fails any attempt, and the zoo's download is
replaced by what urlopen does offline."""

from __future__ import annotations

import io
import json
import pickle
import urllib.error

import numpy as np
import pytest
import streamlit as st
import torch
from torchvision.ops import box_iou

from lab import zoo
from lab.detection import load_detector, postprocess, run_detector
from lab.detections import counts_words
from lab.images import downscale, sample_image
from tests.pages.conftest import assault, messages, texts

HAAR, MTCNN, HOG = "Haar frontal face (OpenCV)", "MTCNN faces", "HOG people (OpenCV)"
SSDLITE = "SSDlite320 MobileNetV3-Large"

pytestmark = pytest.mark.usefixtures("no_network")


@pytest.fixture(autouse=True)
def offline_zoo(no_network, monkeypatch, tmp_path):
    """An empty torch hub cache, and a download that fails as it does without a network."""
    monkeypatch.setenv("TORCH_HOME", str(tmp_path / "torch"))
    monkeypatch.setattr(torch.hub, "_hub_dir", None)
    calls = []

    def offline(url, *args, **kwargs):
        calls.append(url)
        raise urllib.error.URLError("Temporary failure in name resolution")

    monkeypatch.setattr(zoo.urllib.request, "urlopen", offline)
    st.cache_resource.clear()
    st.cache_data.clear()
    return calls


def photo() -> np.ndarray:
    return downscale(sample_image("astronaut"), 800)


def metric(app, letter: str) -> int:
    value = next(m.value for m in app.metric if m.label.startswith(f"{letter}: "))
    return int(value.split()[0])


def table(app, first_column: str):
    return next(d.value for d in app.dataframe if first_column in d.value.columns)


def test_the_default_photo_runs_three_offline_detectors(run_page) -> None:
    app = run_page("detection")
    image = photo()
    expected = {letter: run_detector(load_detector(name), image) for letter, name in zip("ABC", (HAAR, MTCNN, HOG), strict=True)}  # fmt: skip
    for letter, found in expected.items():
        assert metric(app, letter) == len(found)
    assert metric(app, "A") == metric(app, "B") == 1  # the astronaut's face, by both
    timing = table(app, "inference (ms)")
    assert timing["detector"].tolist() == [f"A: {HAAR}", f"B: {MTCNN}", f"C: {HOG}"]
    assert (timing["inference (ms)"] > 0).all()
    # One device for all: said once under the table, not on every row.
    assert "device" not in timing.columns
    assert any(caption.value.startswith("All on cpu. Load:") for caption in app.caption)


def test_the_timing_table_names_devices_when_they_differ() -> None:
    from types import SimpleNamespace

    from ui.detection_panels import timing_table

    def result(letter: str, device: str):
        raw = SimpleNamespace(preprocess_ms=1.0, inference_ms=2.0, postprocess_ms=0.5, detections=[], warm_up=False)  # fmt: skip
        return SimpleNamespace(letter=letter, name="x", raw=raw, cached=False, load_ms=3.0, postprocess_ms=0.25, detector=SimpleNamespace(device=device))  # fmt: skip

    assert timing_table([result("A", "cpu"), result("B", "cuda")])["device"].tolist() == ["cpu", "cuda"]  # fmt: skip
    same = timing_table([result("A", "cuda"), result("B", "cuda")])
    assert "device" not in same.columns and same["post (ms)"].tolist() == [0.8, 0.8]


def test_the_matching_table_pairs_haar_and_mtcnn_by_iou(run_page) -> None:
    app = run_page("detection")
    image = photo()
    haar = run_detector(load_detector(HAAR), image)
    mtcnn = run_detector(load_detector(MTCNN), image)
    iou = float(box_iou(torch.from_numpy(haar.boxes), torch.from_numpy(mtcnn.boxes))[0, 0])
    pairs = table(app, "IoU")
    assert len(pairs) == 1
    assert pairs["IoU"].iloc[0] == pytest.approx(iou, abs=5e-4)
    assert pairs["A class"].iloc[0] == pairs["B class"].iloc[0] == "face"
    assert bool(pairs["same class"].iloc[0])
    words = texts(app)
    assert "A found 1 face; B found 1 face." in words
    assert f"They agree on 1 box (IoU {iou:.2f})." in words


def test_comparing_faces_with_people_lists_what_only_each_found(run_page) -> None:
    app = run_page("detection")
    app.selectbox(key="det_b").set_value(f"C: {HOG}").run()
    assert table(app, "IoU").empty  # a face and a person do not overlap enough
    only = [d.value for d in app.dataframe if list(d.value.columns) == ["box", "class", "score"]]
    assert len(only[0]) == metric(app, "A") and len(only[1]) == metric(app, "C")
    assert "C missed the face" in texts(app) and "A missed the person" in texts(app)


def test_thresholds_apply_without_new_inference(run_page) -> None:
    app = run_page("detection")
    image = photo()
    raw, _ = load_detector(HOG).raw(image)
    app.number_input(key="det_hog_people_score").set_value(0.5).run()
    assert metric(app, "C") == len(postprocess(raw, 0.5, 0.3, None, 100))
    app.number_input(key="det_hog_people_max").set_value(1).run()
    assert metric(app, "C") == 1
    notes = table(app, "inference (ms)").set_index("detector")["note"]
    assert notes[f"C: {HOG}"].startswith("cached")  # same photo, same HOG settings


def test_a_detectors_own_setting_reruns_it(run_page) -> None:
    app = run_page("detection")
    app.slider(key="det_haar_frontal_face_neighbors").set_value(0).run()
    image = photo()
    from lab.classic import HaarSettings, haar

    raw = haar(image, "frontal face", HaarSettings(min_neighbors=0))
    assert metric(app, "A") == len(postprocess(raw, -20.0, 0.3, None, 100))
    assert len(raw) > metric(app, "A") >= 1  # raw hits merged by NMS


def test_typed_ground_truth_gives_tp_fp_fn(run_page) -> None:
    app = run_page("detection")
    app.radio(key="det_truth_source").set_value("draw or type boxes").run()
    app.text_area(key="det_truth_text").input("180 63 270 168 face\n400 300 500 500 face").run()
    scores = table(app, "TP").set_index("detector")
    assert scores.loc[f"A: {HAAR}", ["TP", "FP", "FN"]].tolist() == [1, 0, 1]
    assert scores.loc[f"B: {MTCNN}", "recall"] == "0.500"
    hog = scores.loc[f"C: {HOG}"]
    assert (hog["TP"], hog["FN"], hog["precision"]) == (0, 2, "0.000")  # people are not faces
    handed = app.session_state["evaluation_ground_truth"]
    assert handed["truth"].boxes.shape == (2, 4)
    assert set(handed["ranked"]) == {HAAR, MTCNN, HOG}  # NMS-ed, every score, for AP


def test_an_uploaded_coco_file_is_scaled_to_the_photo_shown(run_page) -> None:
    app = run_page("detection")
    app.radio(key="det_truth_source").set_value("upload a COCO or VOC file").run()
    coco = {
        "images": [{"id": 1, "file_name": "astronaut.png", "width": 1024, "height": 1024}],
        "categories": [{"id": 1, "name": "face"}],
        "annotations": [{"image_id": 1, "category_id": 1, "bbox": [360, 126, 180, 210]}],
    }
    app.file_uploader(key="det_truth_upload").set_value(
        ("astronaut.json", json.dumps(coco).encode(), "application/json")
    ).run()
    assert not app.exception
    assert "scaled from 1024 x 1024 to the 512 x 512 shown" in texts(app)
    truth = app.session_state["evaluation_ground_truth"]["truth"]
    assert truth.boxes.tolist() == [[180, 63, 270, 168]]
    assert table(app, "TP").set_index("detector").loc[f"A: {HAAR}", "TP"] == 1


def test_a_bad_annotation_file_gets_a_message(run_page) -> None:
    app = run_page("detection")
    app.radio(key="det_truth_source").set_value("upload a COCO or VOC file").run()
    bomb = b'<!DOCTYPE a [<!ENTITY x "xx">]><annotation><filename>&x;</filename></annotation>'
    app.file_uploader(key="det_truth_upload").set_value(("a.xml", bomb, "text/xml")).run()
    assert not app.exception
    assert any("refused" in m for m in messages(app))
    assert metric(app, "A") == 1  # the detectors still show


def test_a_coco_model_without_weights_names_the_file_url_and_folder(run_page, offline_zoo) -> None:
    app = run_page("detection")
    app.multiselect(key="det_detectors").set_value([HAAR, SSDLITE]).run()
    assert not app.exception
    meta = zoo.BY_NAME[SSDLITE].meta()
    warning = next(m for m in messages(app) if SSDLITE in m)
    assert meta["file"] in warning and meta["url"] in warning
    assert str(zoo.checkpoints_folder()) in warning
    assert offline_zoo == [meta["url"]]  # one try, not one per rerun
    app.number_input(key="det_haar_frontal_face_max").set_value(5).run()
    assert offline_zoo == [meta["url"]]
    assert metric(app, "A") == 1  # the page keeps working with the detectors it has
    app.button(key="det_retry_B").click().run()  # the reader asks: one more try
    assert offline_zoo == [meta["url"]] * 2 and not app.exception


def _checkpoint(architecture: str, classes: int, seed: int = 0) -> tuple[torch.nn.Module, bytes]:
    torch.manual_seed(seed)
    network = zoo.build(zoo.BY_NAME[architecture], num_classes=classes)
    buffer = io.BytesIO()
    torch.save(network.state_dict(), buffer)
    return network, buffer.getvalue()


def _upload_checkpoint(app, data: bytes, architecture: str = SSDLITE, classes: int = 2):
    app.multiselect(key="det_detectors").set_value([HAAR, "Your own checkpoint"]).run()
    app.selectbox(key="det_ckpt_arch").set_value(architecture).run()
    app.number_input(key="det_ckpt_classes").set_value(classes).run()
    app.file_uploader(key="det_ckpt_upload").set_value(("model.pth", data, "application/octet-stream")).run()  # fmt: skip


def test_your_own_checkpoint_runs_like_the_model_in_memory(run_page) -> None:
    app = run_page("detection")
    network, data = _checkpoint(SSDLITE, 2)
    _upload_checkpoint(app, data)
    assert not app.exception and not messages(app), messages(app)
    raw, _ = zoo.run(network, photo(), ["__background__", "pedestrian"])
    expected = postprocess(raw, 0.5, 0.5, None, 100)
    assert metric(app, "B") == len(expected)
    app.slider(key="det_own_score").set_value(0.05).run()
    expected = postprocess(raw, 0.05, 0.5, None, 100)
    assert metric(app, "B") == len(expected) > 0
    assert counts_words(expected) in texts(app)  # named by the class names typed on the page
    assert set(expected.labels) == {"pedestrian"}


class Payload:
    def __reduce__(self):
        return (print, ("this code ran",))


@pytest.mark.parametrize(
    ("case", "data", "words"),
    [
        ("code in the pickle", pickle.dumps({"weight": Payload()}), "refused"),
        ("not a checkpoint", b"GIF89a not a model", "not a PyTorch checkpoint"),
        ("truncated", lambda: _checkpoint(SSDLITE, 2)[1][:50_000], "not a complete"),
        ("another architecture", lambda: _checkpoint(SSDLITE, 2)[1], "not a SSD300 VGG16"),
        ("another class count", lambda: _checkpoint(SSDLITE, 3)[1], "with 2 classes"),
    ],
    ids=["code", "not-a-checkpoint", "truncated", "architecture", "class-count"],
)
def test_bad_checkpoints_get_a_message_and_the_page_carries_on(
    run_page, capsys, case, data, words
) -> None:
    app = run_page("detection")
    architecture = "SSD300 VGG16" if case == "another architecture" else SSDLITE
    _upload_checkpoint(app, data() if callable(data) else data, architecture)
    assert not app.exception
    assert any(words in m for m in messages(app)), (case, messages(app))
    assert "this code ran" not in capsys.readouterr().out
    assert metric(app, "A") == 1


def test_nms_lab_button_hands_over_the_raw_boxes(run_page) -> None:
    app = run_page("detection")
    next(b for b in app.button if b.key == "det_nms_hog_people").click().run()
    handed = app.session_state["detection_raw"]
    raw, _ = load_detector(HOG).raw(photo())
    assert handed["detector"] == HOG and len(handed["detections"]) == len(raw)
    np.testing.assert_array_equal(handed["detections"].boxes, raw.boxes)
    assert app.session_state["nms_source"] == "from the Detection page"
    assert app.session_state["nms_iou_threshold"] == 0.3  # HOG's own NMS threshold


def test_one_detector_and_none(run_page) -> None:
    app = run_page("detection")
    app.multiselect(key="det_detectors").set_value([MTCNN]).run()
    assert metric(app, "A") == 1 and not any(d for d in app.dataframe if "IoU" in d.value.columns)
    app.multiselect(key="det_detectors").set_value([]).run()
    assert "Choose two to four detectors" in texts(app)


def test_a_link_sets_detectors_and_bad_values_are_named(run_page) -> None:
    from streamlit.testing.v1 import AppTest

    from tests.pages.conftest import ROOT

    app = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    app.query_params["det_detectors"] = [MTCNN, "Nonsense detector"]
    app.query_params["det_mtcnn_faces_min_face"] = "40"
    app.switch_page("pages/detection.py").run()
    assert not app.exception
    assert [m.label for m in app.metric] == [f"A: {MTCNN}"]
    assert app.slider(key="det_mtcnn_faces_min_face").value == 40
    assert "Nonsense" in texts(app) and "not an allowed value" in texts(app)


@pytest.mark.parametrize(
    ("kind", "key"),
    [
        ("number_input", "det_hog_people_score"),
        ("number_input", "det_haar_frontal_face_max"),
        ("number_input", "det_ckpt_classes"),
        ("text_input", "det_ckpt_names"),
    ],
)
def test_hostile_values_in_every_typed_input(run_page, kind, key) -> None:
    app = run_page("detection")
    assault(app, kind, key, lambda a: metric(a, "A") == 1)


def test_hostile_ground_truth_text(run_page) -> None:
    app = run_page("detection")

    def typed(a) -> None:
        a.radio(key="det_truth_source").set_value("draw or type boxes").run()

    assault(app, "text_area", "det_truth_text", lambda a: metric(a, "A") == 1, typed)
    assault(app, "text_input", "det_truth_class", lambda a: metric(a, "A") == 1)
