"""Every detector the lab runs, behind one small API:

    available_detectors() -> [DetectorSpec]      what there is, and whether its weights are here
    load_detector(name, device, weights_path)   -> Detector (load once, run many times)
    run_detector(detector, image)               -> Detections, after the detector's own defaults
    detector.raw(image)                          -> (raw Detections before NMS, Timing)
    postprocess(raw, ...)                        -> score threshold, class-aware NMS, top k
    match(a, b, iou_threshold)                   -> (pairs, only_a, only_b)

The OpenCV classics (HOG people, Haar cascades) need neither torch nor downloads; MTCNN's trained
weights ship with the facenet-pytorch wheel; torchvision's COCO models need their weight files in
torch's hub cache. This module imports no torch itself (torch is imported when a CNN is loaded),
so light pages can use `Detections` and `match` from here.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from lab import checks
from lab.boxes import BoxError
from lab.classic import CASCADES, HaarSettings, HogSettings, haar, hog_people
from lab.detections import Detections, Match, match, to_coco_results
from lab.nms import batched_nms, nms

__all__ = [
    "DetectorSpec",
    "Detector",
    "Detections",
    "Match",
    "available_detectors",
    "load_detector",
    "run_detector",
    "postprocess",
    "match",
    "to_coco_results",
]

CUSTOM = "Your own checkpoint"


@dataclass(frozen=True)
class DetectorSpec:
    """What a detector is, before loading it.

    Attributes:
        name: its name on the page.
        family: the lecture's family ("HOG + linear SVM", "two-stage (Faster R-CNN)", ...).
        needs_weights: trained weights must be on this machine to run it.
        weights_available: they are (always True for the OpenCV classics).
        score_threshold, iou_threshold, max_detections: its defaults for `postprocess`.
        classes: the class names it can output.
        info: figures from its weights' meta (COCO mAP, parameters, GFLOPS, file size).
        category_ids: class name -> id for COCO results files (COCO's own ids for the COCO
            models; the class's index in a checkpoint's classes; 1 for a one-class classic).
    """

    name: str
    family: str
    needs_weights: bool
    weights_available: bool
    score_threshold: float | None
    iou_threshold: float
    max_detections: int
    classes: list[str]
    info: dict = field(default_factory=dict)
    category_ids: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.category_ids:
            object.__setattr__(
                self, "category_ids", {name: i for i, name in enumerate(self.classes, start=1)}
            )


def _classic_specs() -> list[DetectorSpec]:
    specs = [
        DetectorSpec(
            "HOG people (OpenCV)",
            "HOG + linear SVM (Dalal & Triggs 2005)",
            False,
            True,
            0.0,
            0.3,
            100,
            ["person"],
        )
    ]
    for cascade, (_, label) in CASCADES.items():
        specs.append(
            DetectorSpec(
                f"Haar {cascade} (OpenCV)",
                "Haar cascade (Viola & Jones 2001)",
                False,
                True,
                None,
                0.3,
                100,
                [label],
            )
        )
    return specs


def _mtcnn_spec() -> DetectorSpec:
    import importlib.util

    spec = importlib.util.find_spec("facenet_pytorch")
    folder = None if spec is None else Path(next(iter(spec.submodule_search_locations))) / "data"
    here = folder is not None and all(
        (folder / f"{n}.pt").is_file() for n in ("pnet", "rnet", "onet")
    )
    return DetectorSpec(
        "MTCNN faces",
        "CNN cascade (P-, R-, O-Net; Zhang et al. 2016)",
        True,
        here,
        0.7,
        0.5,
        100,
        ["face"],
    )


def _zoo_specs() -> list[DetectorSpec]:
    try:
        from lab import zoo
    except ImportError:  # torch missing: only the classics
        return []
    specs = []
    for model in zoo.ZOO:
        meta = model.meta()
        info = {k: meta[k] for k in ("box mAP (COCO val)", "parameters (M)", "GFLOPS", "file (MB)")}
        specs.append(
            DetectorSpec(
                model.name,
                model.family,
                True,
                zoo.weights_available(model),
                0.5,
                0.5,
                100,
                [c for c in meta["categories"] if c not in ("__background__", "N/A")],
                info,
                {
                    name: index
                    for index, name in enumerate(meta["categories"])
                    if name not in ("__background__", "N/A")
                },
            )
        )
    return specs


def available_detectors() -> list[DetectorSpec]:
    """Every detector the lab knows, whether or not its weights are on this machine."""
    return _classic_specs() + [_mtcnn_spec()] + _zoo_specs()


@dataclass
class Detector:
    """A loaded detector: `raw(image)` gives its detections before NMS and the timing.

    Attributes:
        spec: what it is.
        device: where it runs ("cpu", "cuda", "mps").
        settings: the classic detectors' and MTCNN's own settings (a settings dataclass).
        half, channels_last: CUDA options for the CNNs.
    """

    spec: DetectorSpec
    device: str = "cpu"
    settings: Any = None
    half: bool = False
    channels_last: bool = False
    _model: Any = field(default=None, repr=False)
    _categories: list[str] = field(default_factory=list, repr=False)

    def raw(self, image: np.ndarray):
        """(Detections before NMS, lab.zoo.Timing)."""
        import time

        name = self.spec.name
        start = time.perf_counter()
        if name.startswith("HOG"):
            found = hog_people(image, self.settings or HogSettings())
        elif name.startswith("Haar"):
            cascade = name.removeprefix("Haar ").removesuffix(" (OpenCV)")
            found = haar(image, cascade, self.settings or HaarSettings())
        elif name == "MTCNN faces":
            from lab.mtcnn import MTCNNSettings, detect_faces

            found = detect_faces(image, self._model, self.settings or MTCNNSettings())
        else:
            from lab import zoo

            return zoo.run(
                self._model, image, self._categories, self.device, self.half, self.channels_last
            )
        from lab.zoo import Timing

        return found, Timing(0.0, (time.perf_counter() - start) * 1e3, 0.0)


def load_detector(
    name: str,
    device: str = "cpu",
    weights_path: str | Path | None = None,
    num_classes: int | None = None,
    class_names: list[str] | None = None,
    checkpoint: bytes | None = None,
) -> Detector:
    """Load a detector by its name in `available_detectors()`.

    Args:
        device: "cpu", "cuda" or "mps" (the CNNs; the OpenCV classics run on the CPU).
        weights_path: a state_dict file for a torchvision architecture (a student's fine-tuned
            checkpoint); with it, `num_classes` (background included) and `class_names`: all
            `num_classes` names (the first is the background's), or the names of classes 1, 2,
            ... (unnamed ones are called "class i").
        checkpoint: the same file's bytes (an upload), instead of `weights_path`.

    Raises:
        KeyError: no such detector.
        lab.zoo.WeightsMissing: its trained weights are not on this machine.
        lab.zoo.CheckpointError, lab.mtcnn.MTCNNError: weights that cannot be loaded.
    """
    specs = {spec.name: spec for spec in available_detectors()}
    if name not in specs:
        raise KeyError(f"unknown detector {checks.show(name)}")
    spec = specs[name]
    if not spec.needs_weights:
        return Detector(spec, "cpu")
    if name == "MTCNN faces":
        from lab.mtcnn import load_nets

        return Detector(spec, device, _model=load_nets(device))
    from lab import zoo

    model = zoo.BY_NAME[name]
    state = None
    categories = model.meta()["categories"]
    own = weights_path is not None or checkpoint is not None
    if own:
        if checkpoint is None:
            checkpoint = Path(weights_path).read_bytes()
        state = zoo.read_checkpoint(checkpoint)
        count = int(num_classes or len(categories))
        names = [str(n) for n in class_names or []]
        if len(names) != count:  # names of classes 1.. only (class 0 is the background)
            names = ["__background__", *names[: count - 1]]
            names += [f"class {i}" for i in range(len(names), count)]
        categories = names
        spec = replace(
            spec,
            name=CUSTOM,
            family=f"{spec.family}, fine-tuned ({name})",
            classes=categories[1:],
            info={},
            category_ids={name: i for i, name in enumerate(categories) if i > 0},
        )
    network = zoo.load(model, device, state, num_classes if own else None)
    return Detector(spec, device, _model=network, _categories=list(categories))


def postprocess(
    raw: Detections,
    score_threshold: float | None = None,
    iou_threshold: float = 0.5,
    classes: list[str] | None = None,
    max_detections: int = 100,
    class_aware: bool = True,
) -> Detections:
    """What a detector reports: boxes scoring at least `score_threshold`, of the classes asked
    for, merged by greedy NMS (per class, or across classes), the `max_detections` best.

    Raises:
        BoxError: a threshold that is not a finite number, or a bad max_detections.
    """
    kept = raw.filter(score=score_threshold, classes=classes)
    checks.number(max_detections, "max detections", BoxError, low=0, high=1e6, whole=True)
    if class_aware:
        order = batched_nms(kept.boxes, kept.scores, kept.labels, iou_threshold)
    else:
        order = nms(kept.boxes, kept.scores, iou_threshold)
    return kept[order[: int(max_detections)]]


def run_detector(detector: Detector, image: np.ndarray) -> Detections:
    """The detector's detections on an RGB photo with its default threshold, NMS and cap."""
    raw, _ = detector.raw(image)
    spec = detector.spec
    return postprocess(raw, spec.score_threshold, spec.iou_threshold, None, spec.max_detections)
