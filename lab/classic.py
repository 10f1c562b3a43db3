"""The classic detectors OpenCV ships, offline and without torch: HOG + linear SVM people
(Dalal & Triggs 2005) and Viola-Jones Haar cascades (2001).

Both return their raw detections (every window the classifier accepted, before merging) and let
lab.nms merge them, as for every detector in the lab.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from lab import checks
from lab.boxes import BoxError
from lab.detections import Detections

HOG_WINDOW = (64, 128)
HOG_PERSON = (40, 96)
"""In the 64 x 128 window the INRIA person is about 40 px wide and 96 px tall (DOMAIN.md, 8): the
raw window is a third wider and a quarter taller than the person, so its IoU with a tight box is
at most (40 * 96) / (64 * 128) = 0.47. Windows are shrunk to the person around their centre."""

CASCADES = {
    "frontal face": ("haarcascade_frontalface_default.xml", "face"),
    "profile face": ("haarcascade_profileface.xml", "face"),
    "eyes": ("haarcascade_eye.xml", "eye"),
    "full body": ("haarcascade_fullbody.xml", "person"),
    "upper body": ("haarcascade_upperbody.xml", "upper body"),
    "cat face": ("haarcascade_frontalcatface.xml", "cat face"),
}
"""Haar cascades from cv2.data.haarcascades: name -> (file, the class its boxes are)."""


@dataclass(frozen=True)
class HogSettings:
    """Settings of OpenCV's HOG people detector.

    Attributes:
        win_stride: pixels between windows (8 is the paper's).
        scale: the step between pyramid levels (1.05: each level 5% smaller).
        hit_threshold: the SVM score a window needs (0: the SVM's own boundary).
        upscale: the photo is enlarged first, so people shorter than 96 px are found too.
        fit: shrink each window to the person inside it (see HOG_PERSON).
    """

    win_stride: int = 8
    scale: float = 1.05
    hit_threshold: float = 0.0
    upscale: float = 1.0
    fit: bool = True

    def __post_init__(self) -> None:
        checks.number(self.win_stride, "the window stride", BoxError, low=1, high=64, whole=True)
        checks.number(self.scale, "the scale step", BoxError, low=1.01, high=2.0)
        checks.number(self.hit_threshold, "the hit threshold", BoxError, low=-10, high=10)
        checks.number(self.upscale, "the upscale factor", BoxError, low=0.25, high=4.0)


@dataclass(frozen=True)
class HaarSettings:
    """Settings of a Haar cascade.

    Attributes:
        scale_factor: the step between the scales searched (1.1: 10% larger each time).
        min_neighbors: overlapping hits a window needs to count (0: every raw hit).
        min_size: the smallest object searched, in pixels.
    """

    scale_factor: float = 1.1
    min_neighbors: int = 3
    min_size: int = 24

    def __post_init__(self) -> None:
        checks.number(self.scale_factor, "the scale factor", BoxError, low=1.01, high=2.0)
        checks.number(self.min_neighbors, "min neighbours", BoxError, low=0, high=50, whole=True)
        checks.number(self.min_size, "the minimum size", BoxError, low=4, high=2000, whole=True)


def _gray(image: np.ndarray) -> np.ndarray:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or image.size == 0:
        raise BoxError("detectors take an RGB photo, uint8 [H, W, 3]")
    return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)


class _Pool:
    """OpenCV detector objects lent to one run at a time: a CascadeClassifier that two threads
    run at once returns boxes off by a pixel (its scratch buffers are shared; measured), so each
    concurrent run borrows its own, built on first need and kept for the next run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: dict[str, list] = {}

    @contextmanager
    def borrow(self, key: str, build: Callable[[], Any]) -> Iterator[Any]:
        with self._lock:
            idle = self._idle.setdefault(key, [])
            detector = idle.pop() if idle else None
        if detector is None:
            detector = build()
        try:
            yield detector
        finally:
            with self._lock:
                self._idle[key].append(detector)


_POOL = _Pool()


def _new_hog() -> cv2.HOGDescriptor:
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    return hog


def fit_to_person(windows: np.ndarray) -> np.ndarray:
    """Shrink 64 x 128-shaped windows [N, 4] to the person inside them, about their centre."""
    windows = np.asarray(windows, dtype=np.float32).reshape(-1, 4)
    centre = (windows[:, :2] + windows[:, 2:]) / 2  # [N, 2]
    size = (windows[:, 2:] - windows[:, :2]) * np.array(
        [HOG_PERSON[0] / HOG_WINDOW[0], HOG_PERSON[1] / HOG_WINDOW[1]], dtype=np.float32
    )  # [N, 2]
    return np.concatenate([centre - size / 2, centre + size / 2], axis=1)


def hog_people(image: np.ndarray, settings: HogSettings = HogSettings()) -> Detections:
    """Every window the HOG + linear SVM people detector accepts, not merged (merge with NMS).

    Returns:
        Detections labelled "person", scored by the SVM's margin (weights), boxes in the photo's
        pixels (fitted to the person unless settings.fit is off).
    """
    gray = _gray(image)
    scale = settings.upscale
    if scale != 1.0:
        size = (max(1, round(gray.shape[1] * scale)), max(1, round(gray.shape[0] * scale)))
        gray = cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)
    if gray.shape[0] < HOG_WINDOW[1] or gray.shape[1] < HOG_WINDOW[0]:
        return Detections.empty()
    stride = int(settings.win_stride)
    with _POOL.borrow("hog", _new_hog) as hog:
        rects, weights = hog.detectMultiScale(
            gray,
            hitThreshold=float(settings.hit_threshold),
            winStride=(stride, stride),
            padding=(8, 8),
            scale=float(settings.scale),
            groupThreshold=0,  # raw windows: the lab's NMS merges them
        )
    if len(rects) == 0:
        return Detections.empty()
    rects = np.asarray(rects, dtype=np.float32).reshape(-1, 4)
    boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], axis=1) / scale
    if settings.fit:
        boxes = fit_to_person(boxes)
    scores = np.asarray(weights, dtype=np.float32).reshape(-1)
    return _canonical(Detections(boxes, scores, np.full(len(boxes), "person")))


def _cascade(name: str) -> Callable[[], cv2.CascadeClassifier]:
    """A builder of the named cascade (checked here, built when the pool needs one)."""
    if name not in CASCADES:
        raise BoxError(f"unknown cascade {checks.show(name)}; choose one of {sorted(CASCADES)}")

    def build() -> cv2.CascadeClassifier:
        classifier = cv2.CascadeClassifier(cv2.data.haarcascades + CASCADES[name][0])
        if classifier.empty():
            raise BoxError(f"OpenCV could not load the {name} cascade")
        return classifier

    return build


def haar(image: np.ndarray, cascade: str, settings: HaarSettings = HaarSettings()) -> Detections:
    """A Haar cascade's detections, scored by the boosted classifier's last-stage weight
    (`detectMultiScale3` with outputRejectLevels): a confidence for ranking and AP, not a
    probability."""
    gray = _gray(image)
    size = int(settings.min_size)
    with _POOL.borrow(cascade, _cascade(cascade)) as classifier:
        rects, _, weights = classifier.detectMultiScale3(
            gray,
            scaleFactor=float(settings.scale_factor),
            minNeighbors=int(settings.min_neighbors),
            minSize=(size, size),
            outputRejectLevels=True,
        )
    if len(rects) == 0:
        return Detections.empty()
    rects = np.asarray(rects, dtype=np.float32).reshape(-1, 4)
    boxes = np.concatenate([rects[:, :2], rects[:, :2] + rects[:, 2:]], axis=1)
    scores = np.asarray(weights, dtype=np.float32).reshape(-1)
    return _canonical(Detections(boxes, scores, np.full(len(boxes), CASCADES[cascade][1])))


def _canonical(found: Detections) -> Detections:
    """Highest score first, then top-left first: OpenCV searches the pyramid's levels in
    parallel and lists their hits in whichever order the threads finish."""
    order = np.lexsort((found.boxes[:, 1], found.boxes[:, 0], -found.scores))
    return found[order]
