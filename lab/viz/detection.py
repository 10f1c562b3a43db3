"""Detections drawn on the photo: boxes in their class's colour with 'class score' labels, masks
tinted, keypoint skeletons; two detectors compared (paired, only A, only B); detections against
ground truth (true positive, false positive, missed)."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageColor, ImageDraw, ImageFont

from lab.detections import Detections, Evaluation, Match
from lab.viz.colors import CLASS_COLORS

DASHES = [None, (12, 6), (3, 5), (16, 5, 3, 5)]
"""Line patterns for up to four detectors drawn on one picture (overlay)."""
PAIRED, ONLY_A, ONLY_B = (27, 158, 119), (217, 95, 2), (117, 112, 179)
"""Comparison colours (ColorBrewer Dark2, readable with red-green colour blindness)."""
TRUE_POSITIVE, FALSE_POSITIVE, MISSED, TRUTH = (
    (33, 102, 172),
    (178, 24, 43),
    (230, 171, 2),
    (0, 0, 0),
)
SKELETON = [
    (15, 13), (13, 11), (16, 14), (14, 12), (11, 12), (5, 11), (6, 12), (5, 6), (5, 7), (6, 8),
    (7, 9), (8, 10), (1, 2), (0, 1), (0, 2), (1, 3), (2, 4), (3, 5), (4, 6),
]  # fmt: skip
"""COCO's 17-keypoint skeleton (nose, eyes, ears, shoulders, elbows, wrists, hips, knees, ankles)."""


def class_colours(*detections: Detections) -> dict[str, tuple[int, int, int]]:
    """One colour per class name across all the detections given (sorted names, so stable)."""
    names = sorted({label for found in detections for label in found.labels.tolist()})
    return {
        name: ImageColor.getrgb(CLASS_COLORS[i % len(CLASS_COLORS)])[:3]
        for i, name in enumerate(names)
    }


def _font(size: int) -> ImageFont.ImageFont:
    try:
        return ImageFont.load_default(size=size)
    except TypeError:  # an old Pillow without sized default fonts
        return ImageFont.load_default()


class Pen:
    """Boxes with labels on one picture, lines and text sized to it."""

    def __init__(self, image: np.ndarray, shown_width: float | None = None, text: float = 1.0):
        self.height, self.width = image.shape[:2]
        self.canvas = Image.fromarray(np.ascontiguousarray(image[..., :3])).convert("RGBA")
        # Sized for the picture as it will be seen: about 13 px text and 2 px lines on screen.
        per_pixel = self.width / max(shown_width or min(self.width, 640), 1)
        self.line = max(1, round(2 * per_pixel * min(text, 1.5)))
        self.font = _font(max(8, round(13 * per_pixel * text)))
        self.labels: list[tuple[list[float], str, tuple[int, int, int]]] = []

    def tint(self, masks: np.ndarray, colours: list[tuple[int, int, int]]) -> None:
        pixels = np.zeros((self.height, self.width, 4), np.uint8)
        for mask, colour in zip(masks, colours, strict=True):
            if mask.shape == (self.height, self.width):
                pixels[mask] = (*colour, 90)
        self.canvas = Image.alpha_composite(self.canvas, Image.fromarray(pixels, "RGBA"))

    def box(self, box, colour, text: str = "", dash=None) -> None:
        """A rectangle (clipped to just outside the picture), its label drawn last, on top."""
        limit = [self.width + self.line, self.height + self.line] * 2
        x1, y1, x2, y2 = np.clip(np.asarray(box, np.float64), -self.line, limit).tolist()
        draw = ImageDraw.Draw(self.canvas)
        for side in ((x1, y1, x2, y1), (x2, y1, x2, y2), (x2, y2, x1, y2), (x1, y2, x1, y1)):
            for a, b in _dash_segments(*side, dash):
                draw.line([a, b], fill=colour, width=self.line)
        if text:
            self.labels.append(([x1, y1, x2, y2], text, colour))

    def dot(self, x: float, y: float, colour, radius: float | None = None) -> None:
        r = radius or self.line * 1.5
        ImageDraw.Draw(self.canvas).ellipse([x - r, y - r, x + r, y + r], fill=colour)

    def skeleton(self, points: np.ndarray, colour) -> None:
        draw = ImageDraw.Draw(self.canvas)
        visible = points[:, 2] > 0
        for a, b in SKELETON if len(points) == 17 else []:  # MTCNN's 5 landmarks: points only
            if visible[a] and visible[b]:
                draw.line(
                    [tuple(points[a, :2]), tuple(points[b, :2])], fill=colour, width=self.line
                )
        r = self.line
        for x, y, v in points.tolist():
            if v > 0:
                draw.ellipse([x - r, y - r, x + r, y + r], fill=(255, 255, 255), outline=colour)

    def finish(self) -> np.ndarray:
        """Draw the labels: above the box's top-left corner, else the first free place among
        inside the top, under the bottom, inside the bottom; never over an earlier label."""
        draw = ImageDraw.Draw(self.canvas)
        placed: list[tuple[float, float, float, float]] = []
        for (x1, y1, _, y2), text, colour in self.labels:
            bbox = draw.textbbox((0, 0), text, font=self.font)
            w, h = bbox[2] - bbox[0] + 6, bbox[3] - bbox[1] + 6
            left = min(max(x1, 0), max(self.width - w, 0))
            tops = [y1 - h, y1 + self.line, y2 + self.line, y2 - h - self.line]
            tops = [min(max(t, 0), max(self.height - h, 0)) for t in tops]
            free = [
                t for t in tops if not any(_overlaps((left, t, left + w, t + h), r) for r in placed)
            ]
            top = free[0] if free else tops[0]
            while not free and any(_overlaps((left, top, left + w, top + h), r) for r in placed):
                top += h  # everything taken: stack below the others
            placed.append((left, top, left + w, top + h))
            draw.rectangle([left, top, left + w, top + h], fill=(*colour, 225))
            draw.text((left + 3, top + 3 - bbox[1]), text, fill=(255, 255, 255), font=self.font)
        return np.asarray(self.canvas.convert("RGB"))


def _overlaps(a: tuple, b: tuple) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def _dash_segments(x1: float, y1: float, x2: float, y2: float, dash) -> list:
    """The drawn pieces of a line from (x1, y1) to (x2, y2) with a dash pattern (None: solid)."""
    if dash is None:
        return [((x1, y1), (x2, y2))]
    length = float(np.hypot(x2 - x1, y2 - y1))
    pieces, position, index = [], 0.0, 0
    while position < length:
        step = min(dash[index % len(dash)], length - position)
        if index % 2 == 0:
            a, b = position / length, (position + step) / length
            pieces.append(
                ((x1 + (x2 - x1) * a, y1 + (y2 - y1) * a), (x1 + (x2 - x1) * b, y1 + (y2 - y1) * b))
            )
        position, index = position + step, index + 1
    return pieces


def annotate(
    image: np.ndarray,
    layers: list[tuple[Detections, str | None]],
    colours: dict[str, tuple[int, int, int]] | None = None,
    shown_width: float | None = None,
    text: float = 1.0,
) -> np.ndarray:
    """The photo with each layer's detections drawn on it.

    Args:
        image: np.ndarray[H, W, 3] uint8.
        layers: (detections, the detector's name or None); several layers (overlay) are told
            apart by line pattern (solid, dashed, dotted, dash-dot) and the name in each label.
        colours: class name -> RGB (class_colours of all the layers by default).
        shown_width: how wide the picture will be on screen, in CSS pixels (its width, at most
            640, by default): lines and labels are sized for that.
        text: a factor on the label size (projector mode: 1.5).

    Returns:
        np.ndarray[H, W, 3] uint8.
    """
    colours = colours or class_colours(*(found for found, _ in layers))
    pen = Pen(image, shown_width, text)
    fallback = ImageColor.getrgb(CLASS_COLORS[0])
    for found, _ in layers:
        if found.masks is not None:
            pen.tint(found.masks, [colours.get(label, fallback) for label in found.labels])
    for layer, (found, name) in enumerate(layers[: len(DASHES)]):
        dash = DASHES[layer] if len(layers) > 1 else None
        tag = f" ({name})" if name and len(layers) > 1 else ""
        for box, score, label in zip(found.boxes, found.scores, found.labels, strict=True):
            pen.box(box, colours.get(label, fallback), f"{label} {score:.2f}{tag}", dash)
        if found.keypoints is not None:
            for points, label in zip(found.keypoints, found.labels, strict=True):
                pen.skeleton(points, colours.get(label, fallback))
    return pen.finish()


def comparison_image(
    image: np.ndarray,
    a: Detections,
    b: Detections,
    paired: Match,
    name_a: str = "A",
    name_b: str = "B",
    shown_width: float | None = None,
    text: float = 1.0,
) -> np.ndarray:
    """Two detectors on one photo: each pair as A's box in green with its IoU, what only A found
    in orange (solid), what only B found in purple (dashed)."""
    pen = Pen(image, shown_width, text)
    for i, j, iou in paired.pairs:
        pen.box(b.boxes[j], PAIRED, dash=DASHES[1])
        pen.box(a.boxes[i], PAIRED, f"IoU {iou:.2f}")
    for i in paired.only_a:
        pen.box(a.boxes[i], ONLY_A, f"only {name_a}: {a.labels[i]} {a.scores[i]:.2f}")
    for j in paired.only_b:
        pen.box(b.boxes[j], ONLY_B, f"only {name_b}: {b.labels[j]} {b.scores[j]:.2f}", DASHES[1])
    return pen.finish()


def evaluation_image(
    image: np.ndarray,
    found: Detections,
    truth: Detections,
    result: Evaluation,
    shown_width: float | None = None,
    text: float = 1.0,
) -> np.ndarray:
    """Detections against ground truth: ground truth dotted black, true positives blue, false
    positives red, missed ground-truth boxes dashed yellow ('missed')."""
    pen = Pen(image, shown_width, text)
    missed = set(result.pairs.only_b)
    for j, box in enumerate(truth.boxes):
        if j not in missed:
            pen.box(box, TRUTH, dash=DASHES[2])
    for i, _, iou in result.pairs.pairs:
        pen.box(found.boxes[i], TRUE_POSITIVE, f"TP {found.scores[i]:.2f} IoU {iou:.2f}")
    for i in result.pairs.only_a:
        pen.box(found.boxes[i], FALSE_POSITIVE, f"FP {found.labels[i]} {found.scores[i]:.2f}")
    for j in sorted(missed):
        pen.box(truth.boxes[j], MISSED, f"missed {truth.labels[j]}", DASHES[1])
    return pen.finish()


def png_bytes(image: np.ndarray) -> bytes:
    """The picture as PNG bytes (for a download button)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()
