"""Detector speed on a 640 x 480 photo: milliseconds split into preprocessing, inference and
postprocessing, and images per second for a batch of 8, each against the same detector's own
library pipeline in the same run (torchvision's built-in post-processing, OpenCV's grouping,
facenet-pytorch's MTCNN).

torchvision's COCO weights cannot be downloaded here: a model whose weights are missing is timed
with random weights (same architecture, same work up to the detection heads, which then see
fewer boxes; said in the table). On a machine with CUDA, every model is also timed there in fp32
and fp16 (autocast), with the GPU named.

Run: .venv/bin/python bench/detection.py [--quick] [--device cuda]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import machine, table  # noqa: E402

from lab.detection import Detector, available_detectors, load_detector, postprocess  # noqa: E402
from lab.images import sample_image  # noqa: E402

BATCH = 8
HEADER = (
    "detector (weights)",
    "device",
    "pre (ms)",
    "inference (ms)",
    "post (ms)",
    "total (ms)",
    f"images/s, batch {BATCH}",
    "library's own pipeline (same run)",
    "ratio",
    "target",
)
MOBILE = ("Faster R-CNN MobileNetV3-Large FPN", "Faster R-CNN MobileNetV3-Large 320 FPN")


def photo() -> np.ndarray:
    return cv2.resize(sample_image("astronaut"), (640, 480), interpolation=cv2.INTER_AREA)


def _median(samples: list[float]) -> float:
    return statistics.median(samples) if samples else float("nan")


def _time(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return _median(times)


def classic_rows(image: np.ndarray, repeat: int) -> list[tuple]:
    from lab.classic import _cascade, _new_hog  # the same OpenCV models

    gray = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    hog, face = _new_hog(), _cascade("frontal face")()
    references = {
        "HOG people (OpenCV)": lambda: hog.detectMultiScale(
            gray, winStride=(8, 8), padding=(8, 8), scale=1.05, groupThreshold=2
        ),
        "Haar frontal face (OpenCV)": lambda: face.detectMultiScale(
            gray, scaleFactor=1.1, minNeighbors=3, minSize=(24, 24)
        ),
    }
    rows = []
    for name, reference in references.items():
        detector = load_detector(name)
        rows.append(_row(name, "built in", detector, image, repeat, reference, "cv2 with grouping"))
    return rows


def _row(name, weights, detector, image, repeat, reference, reference_name, target="-"):
    """Time `detector` (raw output, then the lab's threshold + NMS + cap) against `reference`."""
    spec = detector.spec
    detector.raw(image)  # warm-up
    pre, inference, post = [], [], []
    for _ in range(repeat):
        raw, timing = detector.raw(image)
        start = time.perf_counter()
        postprocess(raw, spec.score_threshold, spec.iou_threshold, None, spec.max_detections)
        pre.append(timing.preprocess)
        inference.append(timing.inference)
        post.append(timing.postprocess + (time.perf_counter() - start) * 1e3)
    total = _median(pre) + _median(inference) + _median(post)
    batch = _time(lambda: [detector.raw(image) for _ in range(BATCH)], 1)
    reference()  # warm-up
    theirs = _time(reference, repeat) * 1e3
    return (
        f"{name} ({weights})",
        detector.device,
        f"{_median(pre):.1f}",
        f"{_median(inference):.1f}",
        f"{_median(post):.1f}",
        f"{total:.1f}",
        f"{BATCH / batch:.1f} (one by one)",
        f"{reference_name} {theirs:.1f} ms",
        f"{total / theirs:.2f}x",
        target,
    )


def mtcnn_row(image: np.ndarray, repeat: int, device: str = "cpu") -> tuple:
    from facenet_pytorch import MTCNN

    detector = load_detector("MTCNN faces", device)
    theirs = MTCNN(keep_all=True, device=device)
    return _row(
        "MTCNN faces",
        "trained, from facenet-pytorch's wheel",
        detector,
        image,
        repeat,
        lambda: theirs.detect(image),
        "facenet-pytorch MTCNN.detect",
        "under 1 s" if device == "cpu" else "-",
    )


def zoo_rows(
    image: np.ndarray, repeat: int, device: str = "cpu", half: bool = False, quick: bool = False
) -> list[tuple]:
    import torch
    from torchvision.models import detection

    from lab import zoo

    tensor = torch.from_numpy(image).permute(2, 0, 1).float().div(255).to(device)
    specs = {spec.name: spec for spec in available_detectors()}
    rows = []
    models = [m for m in zoo.ZOO if not quick or m.name in MOBILE or "SSDlite" in m.name]
    for model in models:
        trained = zoo.weights_available(model)
        torch.manual_seed(0)
        if trained:
            detector = load_detector(model.name, device)
        else:
            network = zoo.build(model).to(device)
            categories = model.meta()["categories"]
            detector = Detector(specs[model.name], device, _model=network, _categories=categories)
        detector.half = half
        network = detector._model
        # torchvision's own pipeline: the same weights, its built-in NMS and thresholds.
        reference = getattr(detection, model.builder)(weights=None, weights_backbone=None)
        reference.load_state_dict(network.state_dict())
        reference = reference.to(device).eval()

        def theirs(reference=reference):
            with torch.inference_mode(), _precision(half):
                reference([tensor])
            if device == "cuda":
                torch.cuda.synchronize()

        heavy = not any(word in model.name for word in ("MobileNet", "SSD"))
        target = "under 1 s" if model.name in MOBILE and device == "cpu" else "-"
        row = _row(
            model.name,
            "COCO" if trained else "random",
            detector,
            image,
            1 if heavy and device == "cpu" else repeat,
            theirs,
            "torchvision default",
            target,
        )
        batch = _batch_seconds(network, tensor, device, half)
        rows.append(row[:6] + (f"{BATCH / batch:.1f}",) + row[7:])
    return rows


def _precision(half: bool):
    import torch

    return torch.autocast("cuda", dtype=torch.float16) if half else contextlib.nullcontext()


def _batch_seconds(network, tensor, device: str, half: bool) -> float:
    import torch

    def run():
        with torch.inference_mode(), _precision(half):
            network([tensor] * BATCH)
        if device == "cuda":
            torch.cuda.synchronize()

    run()
    return _time(run, 1)


def run(quick: bool = False, device: str = "auto") -> str:
    import torch

    image = photo()
    repeat = 3 if quick else 5
    lines = []
    if device in ("cpu", "auto"):
        rows = classic_rows(image, repeat) + [mtcnn_row(image, repeat)]
        rows += zoo_rows(image, repeat, quick=quick)
        lines += [
            f"CPU: {machine()}, torch {torch.__version__}, {torch.get_num_threads()} threads. "
            "Photo: the astronaut resized to 640 x 480. Post = the model's own box decoding "
            "plus the lab's score threshold, per-class NMS and cap (the page's path); the "
            "library's own pipeline is the same network with its built-in post-processing. "
            "'random' weights: the trained file is not on this machine (no network); the "
            "architecture's work is the same up to the heads, which then see fewer boxes.",
            "",
            table(rows, HEADER),
        ]
    if device == "cuda" or (device == "auto" and torch.cuda.is_available()):
        name = torch.cuda.get_device_name(0)
        for half in (False, True):
            rows = [mtcnn_row(image, repeat, "cuda")] if not half else []
            rows += zoo_rows(image, repeat, "cuda", half, quick)
            lines += ["", f"GPU: {name}, {'fp16 autocast' if half else 'fp32'}", ""]
            lines.append(table(rows, HEADER))
    elif device == "auto":
        lines += ["", "No CUDA GPU on this machine: no GPU rows in this run."]
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="the MobileNet and SSDlite models only"
    )
    parser.add_argument("--device", default="auto", choices=["cpu", "cuda", "auto"])
    options = parser.parse_args()
    print(run(options.quick, options.device))


if __name__ == "__main__":
    main()
