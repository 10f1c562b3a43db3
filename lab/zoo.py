"""torchvision's COCO detectors, and detectors fine-tuned by students, through the weights API.

Models are always built with `weights=None, weights_backbone=None` (nothing is fetched by the
builder); trained weights are read from torch's hub cache (`TORCH_HOME`) with
`torch.load(..., weights_only=True)`, downloaded there first when the network allows, with
progress. Without them, `WeightsMissing` names the file, its URL and the folder to put it in.

Every model runs in *raw* mode: its own NMS is switched off (IoU threshold 1.0), so what comes out
is every scored box before suppression. The Detection page applies the score threshold, the
class-aware NMS of lab.nms and the detection cap itself (no new inference when they change), and
the NMS lab can step through the same raw boxes.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import pickle
import time
import urllib.request
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lab.detections import Detections

RAW_SCORE = 0.05
"""Raw mode keeps boxes scoring at least this (torchvision's own default for most models)."""


class WeightsMissing(RuntimeError):
    """The trained weights are not on this machine and could not be downloaded."""


class CheckpointError(ValueError):
    """An uploaded checkpoint cannot be used; `str(error)` says why in plain words."""


@dataclass(frozen=True)
class ZooModel:
    """One of torchvision's detection architectures and its COCO weights.

    Attributes:
        name: how the page calls it.
        builder: the torchvision.models.detection function.
        weights: the name of its weights enum (the COCO_V1 entry is used).
        family: the lecture's family ("two-stage", "one-stage").
        output: "boxes", "masks" (Mask R-CNN) or "keypoints" (Keypoint R-CNN).
    """

    name: str
    builder: str
    weights: str
    family: str
    output: str = "boxes"

    def enum(self):
        from torchvision.models import detection

        return getattr(detection, self.weights).COCO_V1

    def meta(self) -> dict:
        """What the weights' own meta says: COCO box mAP, parameters, GFLOPS, file size (MB),
        the file's URL and name, the categories."""
        weights = self.enum()
        meta = weights.meta
        return {
            "box mAP (COCO val)": meta["_metrics"]["COCO-val2017"]["box_map"],
            "parameters (M)": round(meta["num_params"] / 1e6, 1),
            "GFLOPS": meta["_ops"],
            "file (MB)": meta["_file_size"],
            "url": weights.url,
            "file": weights.url.rsplit("/", 1)[-1],
            "categories": list(meta["categories"]),
        }


ZOO = [
    ZooModel(
        "Faster R-CNN ResNet-50 FPN v2",
        "fasterrcnn_resnet50_fpn_v2",
        "FasterRCNN_ResNet50_FPN_V2_Weights",
        "two-stage (Faster R-CNN)",
    ),
    ZooModel(
        "Faster R-CNN MobileNetV3-Large FPN",
        "fasterrcnn_mobilenet_v3_large_fpn",
        "FasterRCNN_MobileNet_V3_Large_FPN_Weights",
        "two-stage (Faster R-CNN)",
    ),
    ZooModel(
        "Faster R-CNN MobileNetV3-Large 320 FPN",
        "fasterrcnn_mobilenet_v3_large_320_fpn",
        "FasterRCNN_MobileNet_V3_Large_320_FPN_Weights",
        "two-stage (Faster R-CNN)",
    ),
    ZooModel(
        "RetinaNet ResNet-50 FPN v2",
        "retinanet_resnet50_fpn_v2",
        "RetinaNet_ResNet50_FPN_V2_Weights",
        "one-stage (RetinaNet, focal loss)",
    ),
    ZooModel(
        "FCOS ResNet-50 FPN", "fcos_resnet50_fpn", "FCOS_ResNet50_FPN_Weights", "one-stage (FCOS)"
    ),
    ZooModel("SSD300 VGG16", "ssd300_vgg16", "SSD300_VGG16_Weights", "one-stage (SSD)"),
    ZooModel(
        "SSDlite320 MobileNetV3-Large",
        "ssdlite320_mobilenet_v3_large",
        "SSDLite320_MobileNet_V3_Large_Weights",
        "one-stage (SSD)",
    ),
    ZooModel(
        "Mask R-CNN ResNet-50 FPN v2",
        "maskrcnn_resnet50_fpn_v2",
        "MaskRCNN_ResNet50_FPN_V2_Weights",
        "two-stage (Mask R-CNN)",
        "masks",
    ),
    ZooModel(
        "Keypoint R-CNN ResNet-50 FPN",
        "keypointrcnn_resnet50_fpn",
        "KeypointRCNN_ResNet50_FPN_Weights",
        "two-stage (Keypoint R-CNN)",
        "keypoints",
    ),
]
BY_NAME = {model.name: model for model in ZOO}


def checkpoints_folder() -> Path:
    """torch's hub cache for weights: $TORCH_HOME/hub/checkpoints (~/.cache/torch/...)."""
    return Path(torch.hub.get_dir()) / "checkpoints"


def weights_file(model: ZooModel) -> Path:
    return checkpoints_folder() / model.meta()["file"]


def weights_available(model: ZooModel) -> bool:
    return weights_file(model).is_file()


def missing_message(model: ZooModel, reason: str = "") -> str:
    meta = model.meta()
    why = f" ({reason})" if reason else ""
    return (
        f"{model.name}: its COCO weights are not on this machine and could not be downloaded"
        f"{why}. Download {meta['file']} ({meta['file (MB)']:.0f} MB) from {meta['url']} and "
        f"put it in {checkpoints_folder()}, then reload the page."
    )


def download_weights(
    model: ZooModel, progress: Callable[[float], None] | None = None, timeout: float = 20
) -> Path:
    """Fetch the weights into the hub cache (to a temporary name, checked against the hash
    prefix in the file name, then renamed). `progress` gets the fraction done.

    Raises:
        WeightsMissing: no network, a bad answer, or a file whose hash does not match.
    """
    meta = model.meta()
    target = weights_file(model)
    if target.is_file():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_suffix(".partial")
    digest = hashlib.sha256()
    try:
        with urllib.request.urlopen(meta["url"], timeout=timeout) as response:
            total = int(response.headers.get("Content-Length") or 0)
            done = 0
            with open(partial, "wb") as out:
                while chunk := response.read(1 << 20):
                    out.write(chunk)
                    digest.update(chunk)
                    done += len(chunk)
                    if progress and total:
                        progress(min(1.0, done / total))
    except OSError as error:  # URLError, timeouts, DNS: no network here
        partial.unlink(missing_ok=True)
        raise WeightsMissing(missing_message(model, str(error))) from None
    expected = meta["file"].rsplit("-", 1)[-1].split(".")[0]
    if not digest.hexdigest().startswith(expected):
        partial.unlink(missing_ok=True)
        raise WeightsMissing(missing_message(model, "the download was damaged"))
    partial.rename(target)
    return target


def build(
    model: ZooModel, num_classes: int | None = None, min_size: int | None = None
) -> torch.nn.Module:
    """The architecture with random weights (nothing downloaded), in raw mode, eval mode.

    Args:
        num_classes: background included (the COCO weights: 91).
        min_size: the shorter side the R-CNN, RetinaNet and FCOS models resize photos to
            (torchvision: 800); SSD models keep their fixed 300 / 320.
    """
    from torchvision.models import detection

    classes = num_classes or len(model.meta()["categories"])
    options = {"weights": None, "weights_backbone": None, "num_classes": classes}
    if min_size is not None and not model.builder.startswith("ssd"):
        options.update(min_size=int(min_size), max_size=int(min_size * 1333 / 800))
    if model.output == "keypoints":
        options["num_keypoints"] = 17
    network = getattr(detection, model.builder)(**options)
    raw_mode(network, model)
    return network.eval()


def raw_mode(network: torch.nn.Module, model: ZooModel) -> None:
    """Switch the model's own NMS off and keep every box scoring >= RAW_SCORE (at most 300, or
    100 for the mask and keypoint models, whose heads run on every box)."""
    cap = 300 if model.output == "boxes" else 100
    heads = getattr(network, "roi_heads", None)
    target = heads if heads is not None else network
    target.nms_thresh = 1.0  # IoU is never above 1: nothing is suppressed
    target.score_thresh = RAW_SCORE
    target.detections_per_img = cap
    if hasattr(network, "topk_candidates"):
        network.topk_candidates = max(network.topk_candidates, cap)


def load(
    model: ZooModel,
    device: str = "cpu",
    state_dict: dict | None = None,
    num_classes: int | None = None,
) -> torch.nn.Module:
    """The model with trained weights: the COCO file in the hub cache, or `state_dict`.

    Raises:
        WeightsMissing: the COCO weights are not in the cache (call download_weights first).
        CheckpointError: the state_dict does not fit the architecture.
    """
    network = build(model, num_classes)
    if state_dict is None:
        path = weights_file(model)
        if not path.is_file():
            raise WeightsMissing(missing_message(model))
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    try:
        network.load_state_dict(state_dict)
    except RuntimeError as error:
        raise CheckpointError(_mismatch(model, num_classes, error)) from None
    return network.to(device).eval()


def _mismatch(model: ZooModel, num_classes: int | None, error: Exception) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()][1:4]
    classes = f" with {num_classes} classes" if num_classes else ""
    return (
        f"this checkpoint is not a {model.name}{classes}: "
        + "; ".join(lines)[:400]
        + ". Check the architecture and the number of classes (background included)."
    )


def read_checkpoint(data: bytes) -> dict:
    """The state_dict in an uploaded .pth / .pt file, read with weights_only=True: tensors and
    plain containers only; a pickle that would run code is refused, nothing is executed.

    Accepts a bare state_dict or a training checkpoint holding one under "model" or "state_dict".

    Raises:
        CheckpointError: not a PyTorch file, truncated, carrying code, or holding no tensors.
    """
    if not data:
        raise CheckpointError("the file is empty")
    if not (data[:4] == b"PK\x03\x04" or data[:1] == b"\x80"):  # torch's zip, or a pickle
        raise CheckpointError("this is not a PyTorch checkpoint (.pt / .pth) file")
    try:
        loaded = torch.load(io.BytesIO(data), map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            "refused: the file holds Python objects other than tensors (a pickle that could run "
            f"code); only plain state_dicts are loaded ({str(error).splitlines()[0][:160]})"
        ) from None
    except (RuntimeError, EOFError, zipfile.BadZipFile, ValueError, OSError) as error:
        raise CheckpointError(
            f"this is not a complete PyTorch checkpoint (truncated or another kind of file: "
            f"{str(error).splitlines()[0][:160]})"
        ) from None
    if isinstance(loaded, dict):
        for key in ("model", "state_dict", "model_state_dict"):
            if isinstance(loaded.get(key), dict):
                loaded = loaded[key]
                break
    if not isinstance(loaded, dict) or not any(
        isinstance(v, torch.Tensor) for v in loaded.values()
    ):
        raise CheckpointError("the file holds no state_dict (a mapping of names to tensors)")
    return {key: value for key, value in loaded.items() if isinstance(value, torch.Tensor)}


def pick_device(choice: str = "auto") -> str:
    """ "auto": CUDA, then Apple's MPS, then the CPU; otherwise the device asked for, if present."""
    if choice == "auto":
        if torch.cuda.is_available():
            return "cuda"
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return "mps"
        return "cpu"
    if choice == "cuda" and not torch.cuda.is_available():
        raise ValueError("no CUDA GPU here")
    if choice == "mps" and not (
        getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available()
    ):
        raise ValueError("no Apple MPS device here")
    return choice


def device_name(device: str) -> str:
    if device == "cuda":
        return torch.cuda.get_device_name(0)
    if device == "mps":
        return "Apple GPU (MPS)"
    return "CPU"


@dataclass(frozen=True)
class Timing:
    """Milliseconds of one run: photo to tensor, the network, back to boxes."""

    preprocess: float
    inference: float
    postprocess: float


def run(
    network: torch.nn.Module,
    image: np.ndarray,
    categories: list[str],
    device: str = "cpu",
    half: bool = False,
    channels_last: bool = False,
) -> tuple[Detections, Timing]:
    """Raw detections (before NMS) of a torchvision model on an RGB photo, and the timing.

    Args:
        categories: class names by index (index 0 is the background).
        half: fp16 autocast (CUDA only); channels_last: NHWC memory layout (CUDA only).
    """
    start = time.perf_counter()
    tensor = torch.from_numpy(np.array(image, dtype=np.uint8)).permute(2, 0, 1).float().div_(255)
    tensor = tensor.to(device)
    if channels_last and device == "cuda":
        tensor = tensor.contiguous(memory_format=torch.channels_last)
    _sync(device)
    prepared = time.perf_counter()
    precision = (
        torch.autocast("cuda", dtype=torch.float16)
        if half and device == "cuda"
        else contextlib.nullcontext()
    )
    with torch.inference_mode(), precision:
        output = network([tensor])[0]
    _sync(device)
    inferred = time.perf_counter()
    labels = output["labels"].cpu().numpy()
    names = np.array(
        [categories[i] if 0 <= i < len(categories) else f"class {i}" for i in labels.tolist()],
        dtype=object,
    )
    masks = None
    if "masks" in output:
        masks = (output["masks"][:, 0] > 0.5).cpu().numpy()
    keypoints = None
    if "keypoints" in output:
        keypoints = output["keypoints"].float().cpu().numpy()
    detections = Detections(
        output["boxes"].float().cpu().numpy(),
        output["scores"].float().cpu().numpy(),
        names.astype(str),
        masks,
        keypoints,
    )
    done = time.perf_counter()
    return detections, Timing(
        (prepared - start) * 1e3, (inferred - prepared) * 1e3, (done - inferred) * 1e3
    )


def _sync(device: str) -> None:
    if device == "cuda":
        torch.cuda.synchronize()
