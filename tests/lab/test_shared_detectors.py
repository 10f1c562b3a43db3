"""One loaded detector serves every session of the server: sessions that run it at the same time,
on different photos, get exactly what each gets running alone (no state shared between runs).

Checked twice: on the engine's detectors called from threads with no lock at all, and through
ui.detectors, the path the Detection page takes (its per-model lock and result cache)."""

from __future__ import annotations

import threading
from dataclasses import replace

import numpy as np
import pytest
import torch

from lab import zoo
from lab.detection import Detector, available_detectors, load_detector
from lab.images import downscale, sample_image

pytestmark = pytest.mark.usefixtures("no_network")

PHOTOS = {
    name: downscale(sample_image(name), 320)
    for name in ("astronaut", "coffee", "chelsea", "camera")
}
THREADS = 6


def specs() -> dict:
    return {spec.name: spec for spec in available_detectors()}


def zoo_detector() -> Detector:
    """Faster R-CNN MobileNetV3 320 with seeded random weights (no download here), its class 1
    biased up so boxes pass the score threshold: their coordinates and scores still depend on
    every layer, so crosstalk between runs would show."""
    model = zoo.BY_NAME["Faster R-CNN MobileNetV3-Large 320 FPN"]
    torch.manual_seed(3)
    network = zoo.build(model)
    with torch.no_grad():
        network.roi_heads.box_predictor.cls_score.bias[1] += 8.0
    spec = specs()[model.name]
    return Detector(spec, "cpu", _model=network, _categories=model.meta()["categories"])


def detector(name: str) -> Detector:
    if name == "zoo":
        return zoo_detector()
    found = load_detector(name)
    if name.startswith("HOG"):  # no upright people in these photos: take weaker windows too
        from lab.classic import HogSettings

        found = replace(found, settings=HogSettings(hit_threshold=-0.5))
    return found


def same(a, b) -> None:
    np.testing.assert_array_equal(a.boxes, b.boxes)
    np.testing.assert_array_equal(a.scores, b.scores)
    assert list(a.labels) == list(b.labels)


def run_together(jobs) -> list:
    """Run each job in its own thread, all released at once; re-raise the first failure."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list[BaseException] = []

    def work(index: int, job) -> None:
        try:
            barrier.wait()
            results[index] = job()
        except BaseException as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert not any(thread.is_alive() for thread in threads), "a run did not finish"
    if errors:
        raise errors[0]
    return results


NAMES = ["MTCNN faces", "HOG people (OpenCV)", "Haar frontal face (OpenCV)", "zoo"]


@pytest.mark.parametrize("name", NAMES)
def test_engine_detector_shared_by_threads_gives_the_results_of_a_lone_run(name: str) -> None:
    shared = detector(name)
    alone = {photo: shared.raw(image)[0] for photo, image in PHOTOS.items()}
    order = [list(PHOTOS)[i % len(PHOTOS)] for i in range(THREADS)]
    together = run_together([lambda p=p: shared.raw(PHOTOS[p])[0] for p in order])
    for photo, found in zip(order, together, strict=True):
        same(found, alone[photo])
    assert any(len(found) for found in alone.values()), "no detections at all: a weak check"


def test_page_path_two_sessions_at_once_get_the_lone_result(monkeypatch) -> None:
    """ui.detectors: one Loaded model, its lock, and the per-photo cache, as two sessions of the
    Detection page use them; each session's settings stay its own."""
    from lab.mtcnn import MTCNNSettings
    from ui import detectors

    loaded = detectors.Loaded(load_detector("MTCNN faces"), 0.0)
    image = PHOTOS["astronaut"]
    strict = MTCNNSettings(thresholds=(0.8, 0.8, 0.9))
    lenient = MTCNNSettings(thresholds=(0.5, 0.6, 0.6))
    alone = {
        settings: replace(loaded.detector, settings=settings).raw(image)[0]
        for settings in (strict, lenient)
    }
    detectors._raw.clear()
    jobs = [
        lambda s=settings: detectors.run_raw(loaded, image, s).detections
        for settings in (strict, lenient, strict, lenient)
    ]
    together = run_together(jobs)
    for settings, found in zip((strict, lenient, strict, lenient), together, strict=True):
        same(found, alone[settings])
    assert not np.array_equal(alone[lenient].boxes, alone[strict].boxes)
    assert loaded.runs == 2  # each setting computed once, the twin session served from the cache


def test_a_busy_model_says_the_session_is_waiting_for_it() -> None:
    from ui import detectors

    loaded = detectors.Loaded(load_detector("Haar frontal face (OpenCV)"), 0.0)
    assert detectors.busy_message(loaded, "MTCNN faces", "cpu").startswith("Running MTCNN")
    image = PHOTOS["astronaut"]
    with loaded.lock:  # another session's photo is running
        queued = threading.Thread(target=detectors.run_raw, args=(loaded, image))
        queued.start()
        for _ in range(200):
            if loaded.waiting:
                break
            threading.Event().wait(0.01)
        message = detectors.busy_message(loaded, "MTCNN faces", "cpu")
    queued.join(timeout=60)
    assert message.startswith("Waiting for the model") and "busy with 2 other photos" in message
    assert loaded.waiting == 0 and loaded.runs == 1
