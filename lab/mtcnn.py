"""MTCNN (Zhang et al. 2016): a cascade of three small CNNs that finds faces and five landmarks.

P-Net runs fully convolutionally over an image pyramid: a 12 x 12 sliding-window classifier with
stride 2, computed for every window at once. Its candidates are merged by NMS within each scale
and across scales, moved by their box regression and made square; R-Net scores 24 x 24 crops of
them and refines the survivors; O-Net does the same at 48 x 48 and adds five landmarks.

The networks are defined here; their trained weights are the state_dicts the facenet-pytorch
wheel ships (`facenet_pytorch/data/{pnet,rnet,onet}.pt`, MIT licence), loaded with
`torch.load(..., weights_only=True)`. The cascade follows facenet-pytorch's `detect_face`
step for step (crops clipped to the image, 'Min' overlap in the last NMS), so the boxes agree with
its `MTCNN.detect` to a pixel; the tests check that. `mtcnn_steps` yields every stage for the
"Inside a detector" page; `detect_faces` is the same generator run to its end.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn.functional import interpolate

from lab import checks
from lab.boxes import BoxError
from lab.detections import Detections
from lab.nms import nms

CELL, STRIDE = 12, 2
"""P-Net sees a 12 x 12 window and moves 2 pixels (one max-pool of stride 2)."""
LANDMARKS = ("left eye", "right eye", "nose", "mouth left", "mouth right")


class MTCNNError(ValueError):
    """MTCNN cannot run: its weights are missing, or a setting is out of range."""


class PNet(nn.Module):
    """Proposal network: 12 x 12 input; face probability and box regression for each window."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 10, kernel_size=3)
        self.prelu1 = nn.PReLU(10)
        self.pool1 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(10, 16, kernel_size=3)
        self.prelu2 = nn.PReLU(16)
        self.conv3 = nn.Conv2d(16, 32, kernel_size=3)
        self.prelu3 = nn.PReLU(32)
        self.conv4_1 = nn.Conv2d(32, 2, kernel_size=1)
        self.softmax4_1 = nn.Softmax(dim=1)
        self.conv4_2 = nn.Conv2d(32, 4, kernel_size=1)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.prelu1(self.conv1(x))
        x = self.pool1(x)
        x = self.prelu2(self.conv2(x))
        x = self.prelu3(self.conv3(x))
        return self.conv4_2(x), self.softmax4_1(self.conv4_1(x))  # regression, probabilities


class RNet(nn.Module):
    """Refinement network: 24 x 24 crops; face probability and box regression."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 28, kernel_size=3)
        self.prelu1 = nn.PReLU(28)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(28, 48, kernel_size=3)
        self.prelu2 = nn.PReLU(48)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(48, 64, kernel_size=2)
        self.prelu3 = nn.PReLU(64)
        self.dense4 = nn.Linear(576, 128)
        self.prelu4 = nn.PReLU(128)
        self.dense5_1 = nn.Linear(128, 2)
        self.softmax5_1 = nn.Softmax(dim=1)
        self.dense5_2 = nn.Linear(128, 4)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.prelu3(self.conv3(x))
        x = x.permute(0, 3, 2, 1).contiguous()  # the trained weights expect (W, H, C) order
        x = self.prelu4(self.dense4(x.view(x.shape[0], -1)))
        return self.dense5_2(x), self.softmax5_1(self.dense5_1(x))


class ONet(nn.Module):
    """Output network: 48 x 48 crops; probability, box regression and five landmarks."""

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, kernel_size=3)
        self.prelu1 = nn.PReLU(32)
        self.pool1 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv2 = nn.Conv2d(32, 64, kernel_size=3)
        self.prelu2 = nn.PReLU(64)
        self.pool2 = nn.MaxPool2d(3, 2, ceil_mode=True)
        self.conv3 = nn.Conv2d(64, 64, kernel_size=3)
        self.prelu3 = nn.PReLU(64)
        self.pool3 = nn.MaxPool2d(2, 2, ceil_mode=True)
        self.conv4 = nn.Conv2d(64, 128, kernel_size=2)
        self.prelu4 = nn.PReLU(128)
        self.dense5 = nn.Linear(1152, 256)
        self.prelu5 = nn.PReLU(256)
        self.dense6_1 = nn.Linear(256, 2)
        self.softmax6_1 = nn.Softmax(dim=1)
        self.dense6_2 = nn.Linear(256, 4)
        self.dense6_3 = nn.Linear(256, 10)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        x = self.pool1(self.prelu1(self.conv1(x)))
        x = self.pool2(self.prelu2(self.conv2(x)))
        x = self.pool3(self.prelu3(self.conv3(x)))
        x = self.prelu4(self.conv4(x))
        x = x.permute(0, 3, 2, 1).contiguous()
        x = self.prelu5(self.dense5(x.view(x.shape[0], -1)))
        return self.dense6_2(x), self.dense6_3(x), self.softmax6_1(self.dense6_1(x))


@dataclass(frozen=True)
class Nets:
    """The three trained networks, on one device, in eval mode."""

    pnet: PNet
    rnet: RNet
    onet: ONet
    device: torch.device


def weights_folder() -> Path:
    """Where the facenet-pytorch wheel keeps MTCNN's trained weights.

    Raises:
        MTCNNError: facenet-pytorch is not installed (`make` installs it, without its
            dependencies, as requirements-mtcnn.txt explains).
    """
    spec = importlib.util.find_spec("facenet_pytorch")
    if spec is None or not spec.submodule_search_locations:
        raise MTCNNError(
            "MTCNN's trained weights come with the facenet-pytorch package, which is not "
            "installed. `make run` installs it (pip install --no-deps -r requirements-mtcnn.txt)."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data"


def load_nets(device: str | torch.device = "cpu") -> Nets:
    """P-, R- and O-Net with their trained weights (weights_only loading: tensors, no code).

    Raises:
        MTCNNError: the weights are missing or do not fit the networks.
    """
    folder = weights_folder()
    nets = []
    for name, network in (("pnet", PNet()), ("rnet", RNet()), ("onet", ONet())):
        path = folder / f"{name}.pt"
        if not path.is_file():
            raise MTCNNError(f"MTCNN's weights are missing: {path} does not exist")
        try:
            network.load_state_dict(torch.load(path, map_location="cpu", weights_only=True))
        except Exception as error:  # an unpickling error, or keys that do not fit
            raise MTCNNError(f"MTCNN's weights in {path} could not be loaded: {error}") from None
        nets.append(network.to(device).eval())
    return Nets(*nets, device=torch.device(device))


@dataclass(frozen=True)
class MTCNNSettings:
    """The cascade's settings (facenet-pytorch's defaults).

    Attributes:
        min_face_size: the smallest face searched, in pixels (sets the largest pyramid scale).
        thresholds: the face probability each network's candidates need (P-, R-, O-Net).
        factor: the pyramid's scale step.
    """

    min_face_size: int = 20
    thresholds: tuple[float, float, float] = (0.6, 0.7, 0.7)
    factor: float = 0.709

    def __post_init__(self) -> None:
        checks.number(self.min_face_size, "the minimum face size", MTCNNError, low=12, high=4096)
        if len(self.thresholds) != 3:
            raise MTCNNError("MTCNN takes three thresholds: P-Net, R-Net, O-Net")
        for threshold in self.thresholds:
            checks.number(threshold, "a threshold", MTCNNError, low=0, high=1)
        checks.number(self.factor, "the pyramid factor", MTCNNError, low=0.1, high=0.95)


@dataclass(frozen=True)
class Pyramid:
    """Stage 0: the scales P-Net runs at, and the size of the photo at each."""

    scales: list[float]
    sizes: list[tuple[int, int]]


@dataclass(frozen=True)
class PNetScale:
    """Stage 1, one scale: P-Net's face probability for every 12 x 12 window at once.

    Attributes:
        probability: np.ndarray[h, w], the window at (row, col) covers photo pixels from
            ((2 col + 1) / scale, (2 row + 1) / scale), 12 / scale wide.
        candidates: np.ndarray[N, 4] float32 windows above the threshold (photo pixels),
            scores [N], regression [N, 4].
        kept: indices of the candidates NMS (IoU 0.5) keeps within this scale.
    """

    scale: float
    size: tuple[int, int]
    probability: np.ndarray
    candidates: np.ndarray
    scores: np.ndarray
    regression: np.ndarray
    kept: np.ndarray


@dataclass(frozen=True)
class Merged:
    """Stage 1, all scales: NMS (IoU 0.7) across scales, box regression, squared boxes."""

    before: np.ndarray
    kept: np.ndarray
    regressed: np.ndarray
    squared: np.ndarray
    scores: np.ndarray


@dataclass(frozen=True)
class Refined:
    """Stage 2 (R-Net, 24 x 24) or 3 (O-Net, 48 x 48).

    Attributes:
        stage: "R-Net" or "O-Net".
        boxes_in: np.ndarray[N, 4] the boxes cropped (photo pixels, before clipping).
        crops: np.ndarray[N, S, S, 3] uint8, what the network saw.
        scores: np.ndarray[N] its face probability.
        passed: np.ndarray[N] bool, above the stage's threshold.
        kept: indices (into the passed ones) that NMS keeps.
        boxes_out: np.ndarray[K, 4] after regression (squared for R-Net).
        landmarks: np.ndarray[K, 5, 2] for O-Net, else None.
    """

    stage: str
    boxes_in: np.ndarray
    crops: np.ndarray
    scores: np.ndarray
    passed: np.ndarray
    kept: np.ndarray
    boxes_out: np.ndarray
    scores_out: np.ndarray
    landmarks: np.ndarray | None


def _scales(height: int, width: int, settings: MTCNNSettings) -> list[float]:
    m = 12.0 / settings.min_face_size
    shortest = min(height, width) * m
    scales, scale = [], m
    while shortest >= 12:
        scales.append(scale)
        scale *= settings.factor
        shortest *= settings.factor
    return scales


def _normalise(pixels: torch.Tensor) -> torch.Tensor:
    return (pixels - 127.5) * 0.0078125


def _windows(
    regression: torch.Tensor, probability: torch.Tensor, scale: float, threshold: float
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """P-Net's windows above the threshold, mapped back to the photo: (boxes, scores, reg)."""
    mask = probability >= threshold  # [h, w]
    rows_cols = mask.nonzero()  # [N, 2]
    scores = probability[mask]
    reg = regression[:, mask].permute(1, 0)  # [N, 4]
    xy = rows_cols.flip(1).to(regression.dtype)  # (col, row) = (x, y) of each window
    top_left = ((STRIDE * xy + 1) / scale).floor()
    bottom_right = ((STRIDE * xy + CELL) / scale).floor()
    return torch.cat([top_left, bottom_right], dim=1), scores, reg


def _square(boxes: torch.Tensor) -> torch.Tensor:
    """Each box made square about its centre, side = its longer side."""
    boxes = boxes.clone()
    h = boxes[:, 3] - boxes[:, 1]
    w = boxes[:, 2] - boxes[:, 0]
    side = torch.max(w, h)
    boxes[:, 0] = boxes[:, 0] + w * 0.5 - side * 0.5
    boxes[:, 1] = boxes[:, 1] + h * 0.5 - side * 0.5
    boxes[:, 2:4] = boxes[:, :2] + side.repeat(2, 1).permute(1, 0)
    return boxes


def _regress(boxes: torch.Tensor, reg: torch.Tensor) -> torch.Tensor:
    """R- and O-Net's box regression: offsets in units of the box size (+1 pixel convention)."""
    w = boxes[:, 2] - boxes[:, 0] + 1
    h = boxes[:, 3] - boxes[:, 1] + 1
    return torch.stack(
        [
            boxes[:, 0] + reg[:, 0] * w,
            boxes[:, 1] + reg[:, 1] * h,
            boxes[:, 2] + reg[:, 2] * w,
            boxes[:, 3] + reg[:, 3] * h,
        ],
        dim=1,
    )


def _crops(photo: torch.Tensor, boxes: torch.Tensor, size: int) -> torch.Tensor:
    """The part of each box inside the photo, resized to size x size by area averaging.
    photo: [1, 3, H, W] float; returns [N, 3, size, size]."""
    height, width = photo.shape[2:]
    corners = boxes.trunc().int().cpu().numpy()
    x = np.maximum(corners[:, 0], 1)
    y = np.maximum(corners[:, 1], 1)
    ex = np.minimum(corners[:, 2], width)
    ey = np.minimum(corners[:, 3], height)
    crops = []
    for k in range(len(boxes)):
        if ey[k] > y[k] - 1 and ex[k] > x[k] - 1:
            crop = photo[:, :, y[k] - 1 : ey[k], x[k] - 1 : ex[k]]
        else:  # a box entirely off the photo: one pixel, scored as what it is
            crop = photo[:, :, :1, :1]
        crops.append(interpolate(crop, size=(size, size), mode="area"))
    return torch.cat(crops, dim=0)


def _nms_min(boxes: np.ndarray, scores: np.ndarray, threshold: float) -> np.ndarray:
    """NMS by intersection over the smaller box ('Min'), +1 pixel areas, as in MTCNN's code."""
    x1, y1, x2, y2 = (boxes[:, k].copy() for k in range(4))
    area = (x2 - x1 + 1) * (y2 - y1 + 1)
    order = np.argsort(scores)  # ascending; the best is last
    picked = []
    while order.size > 0:
        best, rest = order[-1], order[:-1]
        picked.append(best)
        w = np.maximum(0.0, np.minimum(x2[best], x2[rest]) - np.maximum(x1[best], x1[rest]) + 1)
        h = np.maximum(0.0, np.minimum(y2[best], y2[rest]) - np.maximum(y1[best], y1[rest]) + 1)
        overlap = w * h / np.minimum(area[best], area[rest])
        order = rest[overlap <= threshold]
    return np.asarray(picked, dtype=np.int64)


def _as_photo(image: np.ndarray, device: torch.device) -> torch.Tensor:
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3:
        raise BoxError("MTCNN takes an RGB photo, uint8 [H, W, 3]")
    return torch.as_tensor(image.copy(), device=device).permute(2, 0, 1)[None].float()


def _numpy(tensor: torch.Tensor) -> np.ndarray:
    return tensor.detach().float().cpu().numpy()


def mtcnn_steps(
    image: np.ndarray, nets: Nets, settings: MTCNNSettings = MTCNNSettings()
) -> Iterator[Pyramid | PNetScale | Merged | Refined | Detections]:
    """Run the cascade on an RGB photo, yielding each stage; the last item is the Detections.

    Yields, in order: Pyramid; a PNetScale per scale; Merged; Refined (R-Net); Refined (O-Net);
    Detections (label "face", score = O-Net's probability, keypoints = the five landmarks).
    Stages after the candidates run out are not yielded; the Detections always are.
    """
    photo = _as_photo(image, nets.device)
    height, width = photo.shape[2:]
    scales = _scales(height, width, settings)
    sizes = [(int(height * s + 1), int(width * s + 1)) for s in scales]
    yield Pyramid(scales, sizes)
    thresholds = settings.thresholds
    candidates, scores, regressions = [], [], []
    with torch.inference_mode():
        for scale, size in zip(scales, sizes, strict=True):
            resized = _normalise(interpolate(photo, size=size, mode="area"))
            regression, probability = nets.pnet(resized)
            boxes, box_scores, reg = _windows(
                regression[0], probability[0, 1], scale, thresholds[0]
            )
            boxes_np, scores_np = _numpy(boxes), _numpy(box_scores)
            kept = nms(boxes_np, scores_np, 0.5)
            yield PNetScale(
                scale, size, _numpy(probability[0, 1]), boxes_np, scores_np, _numpy(reg), kept
            )
            candidates.append(boxes[torch.as_tensor(kept, dtype=torch.long)])
            scores.append(box_scores[torch.as_tensor(kept, dtype=torch.long)])
            regressions.append(reg[torch.as_tensor(kept, dtype=torch.long)])
        if not candidates or sum(len(c) for c in candidates) == 0:
            yield Detections.empty()
            return
        boxes, box_scores = torch.cat(candidates), torch.cat(scores)
        reg = torch.cat(regressions)
        kept = torch.as_tensor(nms(_numpy(boxes), _numpy(box_scores), 0.7), dtype=torch.long)
        before = boxes
        boxes, box_scores, reg = boxes[kept], box_scores[kept], reg[kept]
        w, h = boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]
        regressed = torch.stack(
            [
                boxes[:, 0] + reg[:, 0] * w,
                boxes[:, 1] + reg[:, 1] * h,
                boxes[:, 2] + reg[:, 2] * w,
                boxes[:, 3] + reg[:, 3] * h,
            ],
            dim=1,
        )
        boxes = _square(regressed)
        yield Merged(
            _numpy(before), _numpy(kept), _numpy(regressed), _numpy(boxes), _numpy(box_scores)
        )
        for stage, network, size, threshold in (
            ("R-Net", nets.rnet, 24, thresholds[1]),
            ("O-Net", nets.onet, 48, thresholds[2]),
        ):
            crops = _crops(photo, boxes, size)
            outputs = network(_normalise(crops))
            probability = outputs[-1][:, 1]
            passed = probability > threshold
            inside, scored = boxes[passed], probability[passed]
            reg = outputs[0][passed]
            landmarks = None
            if stage == "R-Net":
                kept = nms(_numpy(inside), _numpy(scored), 0.7)
                index = torch.as_tensor(kept, dtype=torch.long)
                out = _square(_regress(inside[index], reg[index]))
                out_scores = scored[index]
            else:
                points = outputs[1][passed]  # [K, 10]: five x, then five y, in box units
                w = inside[:, 2] - inside[:, 0] + 1
                h = inside[:, 3] - inside[:, 1] + 1
                xs = w[:, None] * points[:, :5] + inside[:, 0:1] - 1
                ys = h[:, None] * points[:, 5:] + inside[:, 1:2] - 1
                regressed = _regress(inside, reg)
                kept = _nms_min(_numpy(regressed), _numpy(scored), 0.7)
                index = torch.as_tensor(kept, dtype=torch.long)
                out, out_scores = regressed[index], scored[index]
                landmarks = np.stack([_numpy(xs[index]), _numpy(ys[index])], axis=2)  # [K, 5, 2]
            yield Refined(
                stage,
                _numpy(boxes),
                np.clip(np.rint(_numpy(crops.permute(0, 2, 3, 1))), 0, 255).astype(np.uint8),
                _numpy(probability),
                _numpy(passed).astype(bool),
                np.asarray(kept, dtype=np.int64),
                _numpy(out),
                _numpy(out_scores),
                landmarks,
            )
            boxes = out
            if len(boxes) == 0:
                yield Detections.empty()
                return
    keypoints = np.concatenate([landmarks, np.ones((*landmarks.shape[:2], 1))], axis=2)
    yield Detections(
        _numpy(boxes), _numpy(out_scores), np.full(len(boxes), "face"), None, keypoints
    )


def detect_faces(
    image: np.ndarray, nets: Nets, settings: MTCNNSettings = MTCNNSettings()
) -> Detections:
    """The faces MTCNN finds: `mtcnn_steps` run to its end."""
    result = Detections.empty()
    for step in mtcnn_steps(image, nets, settings):
        result = step
    return result


def pyramid_level(image: np.ndarray, nets: Nets, scale: float) -> torch.Tensor:
    """The photo resized for one pyramid scale and normalised as P-Net sees it: [1, 3, h, w]."""
    photo = _as_photo(image, nets.device)
    height, width = photo.shape[2:]
    size = (int(height * scale + 1), int(width * scale + 1))
    return _normalise(interpolate(photo, size=size, mode="area"))


@dataclass(frozen=True)
class Window:
    """One 12 x 12 window of a pyramid level, classified on its own and read off the dense map.

    Attributes:
        crop: np.ndarray[12, 12, 3] the normalised pixels P-Net saw (-1 .. 1).
        alone: P-Net's face probability for the crop by itself.
        dense: the value at (row, col) of P-Net run over the whole level at once.
    """

    crop: np.ndarray
    alone: float
    dense: float


def sliding_window(level: torch.Tensor, nets: Nets, row: int, col: int) -> Window:
    """P-Net on the 12 x 12 crop at (STRIDE * row, STRIDE * col) of a pyramid level, against the
    same cell of P-Net run on the whole level: a sliding-window classifier made fully
    convolutional computes every window at once (OverFeat), with the same numbers.

    Raises:
        MTCNNError: a cell outside the level's output map.
    """
    with torch.inference_mode():
        _, dense = nets.pnet(level)
        rows, cols = dense.shape[2:]
        if not (0 <= row < rows and 0 <= col < cols):
            raise MTCNNError(f"P-Net's map at this scale is {rows} x {cols}; cell ({row}, {col}) is outside it")  # fmt: skip
        top, left = STRIDE * row, STRIDE * col
        crop = level[:, :, top : top + CELL, left : left + CELL]
        _, alone = nets.pnet(crop)
    return Window(
        _numpy(crop[0].permute(1, 2, 0)), float(alone[0, 1, 0, 0]), float(dense[0, 1, row, col])
    )
