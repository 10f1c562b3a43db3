"""Small pictures for the home page cards, drawn from the lab's own maths (no stored files)."""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageDraw

SIZE = (240, 150)


def kernel_thumbnail(photo: np.ndarray) -> np.ndarray:
    """Sobel x of a photo drawn on the diverging scale: the Kernel lab's signature picture."""
    from lab.images import to_gray
    from lab.kernels import PRESETS, apply_kernel
    from lab.viz.images import render_output

    gray = to_gray(photo)
    picture = render_output(apply_kernel(gray, PRESETS["sobel x"]), "signed")
    return np.asarray(Image.fromarray(picture).resize(SIZE, Image.Resampling.BOX))


def grid_thumbnail() -> np.ndarray:
    """The lecture's 5 x 5 example with a 3 x 3 window and the cell it fills."""
    canvas = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(canvas)
    values = [[3, 3, 2, 1, 0], [0, 0, 1, 3, 1], [3, 1, 2, 2, 3], [2, 0, 0, 2, 2], [2, 0, 0, 0, 1]]
    cell = 24
    for r, row in enumerate(values):
        for c, value in enumerate(row):
            box = [10 + c * cell, 15 + r * cell, 10 + (c + 1) * cell, 15 + (r + 1) * cell]
            draw.rectangle(
                box, fill=(220, 230, 250) if r < 3 and c < 3 else "white", outline="grey"
            )
            draw.text((box[0] + 9, box[1] + 6), str(value), fill="black")
    draw.rectangle([10, 15, 10 + 3 * cell, 15 + 3 * cell], outline=(230, 160, 0), width=3)
    for r in range(3):
        for c in range(3):
            box = [160 + c * cell, 39 + r * cell, 160 + (c + 1) * cell, 39 + (r + 1) * cell]
            draw.rectangle(
                box, fill=(255, 225, 150) if (r, c) == (0, 0) else "white", outline="grey"
            )
    draw.text((166, 45), "12", fill="black")
    draw.line([(140, 75), (155, 75)], fill="black", width=2)
    return np.asarray(canvas)


def boxes_thumbnail(nms: bool) -> np.ndarray:
    """Two overlapping boxes with the intersection shaded, or a crowd with the kept box bold."""
    canvas = Image.new("RGB", SIZE, (250, 250, 250))
    draw = ImageDraw.Draw(canvas, "RGBA")
    if not nms:
        draw.rectangle([30, 25, 140, 115], fill=(66, 133, 244, 60), outline=(66, 133, 244), width=3)
        draw.rectangle([90, 45, 210, 135], fill=(234, 67, 53, 60), outline=(234, 67, 53), width=3)
        draw.rectangle([90, 45, 140, 115], fill=(120, 60, 160, 120))
        draw.text((95, 72), "IoU", fill="black")
        return np.asarray(canvas)
    rng = np.random.default_rng(3)
    for cx, cy in ((70, 75), (170, 70)):
        for _ in range(5):
            dx, dy, w, h = rng.normal(0, 6), rng.normal(0, 6), rng.normal(80, 6), rng.normal(90, 6)
            draw.rectangle(
                [cx + dx - w / 2, cy + dy - h / 2, cx + dx + w / 2, cy + dy + h / 2],
                outline=(150, 150, 150, 160),
                width=1,
            )
        draw.rectangle([cx - 40, cy - 45, cx + 40, cy + 45], outline=(16, 150, 72), width=4)
    return np.asarray(canvas)


def descent_thumbnail() -> np.ndarray:
    """Contours of an elongated quadratic and a zig-zag gradient-descent path to its minimum."""
    canvas = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(canvas)
    cx, cy = SIZE[0] / 2, SIZE[1] / 2
    for level in range(1, 6):
        rx, ry = 22 * level, 6.5 * level * 2
        draw.ellipse([cx - rx, cy - ry, cx + rx, cy + ry], outline=(120, 160, 210))
    point = np.array([-1.0, 1.0])
    a, b, eta = 1.0, 8.0, 0.22
    path = []
    for _ in range(25):
        path.append((cx + point[0] * 100, cy - point[1] * 60))
        point = point * np.array([1 - eta * a, 1 - eta * b])
    draw.line(path, fill=(220, 60, 40), width=2)
    draw.ellipse([cx - 4, cy - 4, cx + 4, cy + 4], fill="black")
    return np.asarray(canvas)


def detection_thumbnail(photo: np.ndarray) -> np.ndarray:
    """Two detectors compared on a photo: the Haar face cascade and the HOG people detector's
    boxes after NMS, as the Detection lab draws them (OpenCV only: the home page stays light)."""
    from lab.classic import haar, hog_people
    from lab.nms import nms
    from lab.viz.detection import annotate

    faces = haar(photo, "frontal face")
    people = hog_people(photo)
    people = people[nms(people.boxes, people.scores, 0.3)].filter(score=0.3)
    picture = annotate(photo, [(faces, "Haar"), (people, "HOG")], shown_width=240 * 0.8)
    crop = picture[: round(photo.shape[1] * SIZE[1] / SIZE[0])]
    return np.asarray(Image.fromarray(crop).resize(SIZE, Image.Resampling.BOX))


def evaluation_thumbnail() -> np.ndarray:
    """A ROC curve and a precision-recall curve of a made-up classifier, side by side."""
    from lab.metrics import example_scores, pr_curve, roc_curve

    scores, labels = example_scores(300, 1.6, seed=3)
    canvas = Image.new("RGB", SIZE, "white")
    draw = ImageDraw.Draw(canvas)
    for left, curve, colour in (
        (12, roc_curve(scores, labels), (31, 119, 180)),
        (128, pr_curve(scores, labels), (217, 95, 2)),
    ):
        box = [left, 12, left + 100, 132]
        draw.rectangle(box, outline="grey")
        points = [(left + 100 * x, 132 - 120 * y) for x, y in zip(curve.x, curve.y, strict=True)]
        draw.line(points, fill=colour, width=3)
    draw.line([(12, 132), (112, 12)], fill=(180, 180, 180), width=1)
    return np.asarray(canvas)


def anchors_thumbnail(photo: np.ndarray) -> np.ndarray:
    """The nine anchors of one position over a photo: three sizes, three aspect ratios."""
    from lab.anchors import generate
    from lab.viz.anatomy import ANCHOR, boxes_picture

    height, width = photo.shape[:2]
    every = generate((height // 32, width // 32), 32, (64, 128, 256), (0.5, 1.0, 2.0))
    middle = ((height // 64) * (width // 32) + width // 64) * 9
    picture = boxes_picture(photo, [(every[middle : middle + 9], ANCHOR, None, False)], 200)
    crop = picture[: round(width * SIZE[1] / SIZE[0])]
    return np.asarray(Image.fromarray(crop).resize(SIZE, Image.Resampling.BOX))
