"""Ground truth for a photo: COCO annotation files, Pascal VOC XML, or boxes typed by hand.

Every reader returns `Annotation`s whose boxes are `Detections` with score 1 (the one box type of
the lab), in 0-based pixel-edge coordinates of the photo as annotated. Names inside the files (file
names, class names) are only shown on the page, never used as paths.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.detections import Detections

MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_BOXES = 5_000
MAX_IMAGES = 10_000
MAX_COORDINATE = 1e6
MAX_NAME = 60
_NAME = re.compile(r"[\w .\-+/()']+")


class AnnotationError(ValueError):
    """A ground-truth file or typed boxes that cannot be read; `str(error)` says why."""


@dataclass(frozen=True)
class Annotation:
    """The ground truth of one photo.

    Attributes:
        name: the photo's name in the file (shown, never opened).
        width, height: the photo's size as annotated (0 when the file does not say).
        truth: the boxes, score 1, labels the class names.
        ignored: how many boxes were left out (COCO crowds, VOC 'difficult').
    """

    name: str
    width: int
    height: int
    truth: Detections
    ignored: int = 0

    def scaled(self, width: int, height: int) -> Annotation:
        """The same boxes in a photo of another size (the page shows a downscaled copy)."""
        if self.width <= 0 or self.height <= 0 or (self.width, self.height) == (width, height):
            return self
        factor = np.array([width / self.width, height / self.height] * 2, dtype=np.float64)
        boxes = self.truth.boxes.astype(np.float64) * factor
        truth = Detections(boxes, self.truth.scores, self.truth.labels)
        return Annotation(self.name, width, height, truth, self.ignored)


def _name(value: object, what: str) -> str:
    text = str(value).strip()
    if not text or len(text) > MAX_NAME or not _NAME.fullmatch(text):
        raise AnnotationError(
            f"{what} must be a short name (letters, digits, spaces, - _ . + / ( ) '), "
            f"got {checks.show(text)}"
        )
    return text


def _size_check(data: bytes) -> None:
    if not isinstance(data, bytes | bytearray):
        raise AnnotationError("an annotation file is read from its bytes")
    if len(data) == 0:
        raise AnnotationError("the file is empty")
    if len(data) > MAX_FILE_BYTES:
        raise AnnotationError(
            f"the file is {len(data) / 1e6:.1f} MB; annotation files up to "
            f"{MAX_FILE_BYTES // 1024 // 1024} MB are read here"
        )


def _box(values: list[float], where: str) -> list[float]:
    if not all(np.isfinite(values)) or max(abs(v) for v in values) > MAX_COORDINATE:
        raise AnnotationError(f"{where}: coordinates must be finite numbers within ±1e+06")
    x1, y1, x2, y2 = values
    if x2 < x1 or y2 < y1:
        raise AnnotationError(f"{where}: the box has a negative width or height")
    return values


def _truth(boxes: list[list[float]], labels: list[str]) -> Detections:
    if len(boxes) > MAX_BOXES:
        raise AnnotationError(f"at most {MAX_BOXES:,} boxes per photo, got {len(boxes):,}")
    return Detections(np.array(boxes, dtype=np.float64).reshape(-1, 4), np.ones(len(boxes)), labels)


def read_coco(data: bytes) -> list[Annotation]:
    """Every image of a COCO annotation file (instances JSON: images, annotations, categories).

    `bbox` is [x, y, width, height]; crowd regions (iscrowd 1) are left out and counted.

    Raises:
        AnnotationError: not JSON, not a COCO annotation file, or a bad box (named).
    """
    _size_check(data)
    try:
        document = json.loads(bytes(data).decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise AnnotationError(f"this is not a JSON file ({str(error)[:120]})") from None
    if isinstance(document, list):
        raise AnnotationError(
            "this looks like a COCO *results* file (a list of detections); the ground truth is "
            "a COCO annotation file with 'images', 'annotations' and 'categories'"
        )
    if not isinstance(document, dict) or not all(
        isinstance(document.get(key), list) for key in ("images", "annotations", "categories")
    ):
        raise AnnotationError(
            "a COCO annotation file is a JSON object with the lists 'images', 'annotations' "
            "and 'categories'"
        )
    if len(document["images"]) > MAX_IMAGES:
        raise AnnotationError(f"at most {MAX_IMAGES:,} images per file")
    try:
        categories = {
            int(c["id"]): _name(c["name"], "a category name") for c in document["categories"]
        }
        images = {}
        for entry in document["images"]:
            image_id = int(entry["id"])
            images[image_id] = (
                _name(entry.get("file_name", f"image {image_id}"), "a file name"),
                int(entry.get("width", 0) or 0),
                int(entry.get("height", 0) or 0),
            )
    except (KeyError, TypeError, ValueError, OverflowError) as error:
        if isinstance(error, AnnotationError):
            raise
        raise AnnotationError(
            f"an image or category entry lacks its 'id', 'name' or 'file_name' ({error})"
        ) from None
    boxes: dict[int, list[list[float]]] = {image_id: [] for image_id in images}
    labels: dict[int, list[str]] = {image_id: [] for image_id in images}
    crowds = dict.fromkeys(images, 0)
    for number, entry in enumerate(document["annotations"]):
        where = f"annotation {number}"
        try:
            image_id, category = int(entry["image_id"]), int(entry["category_id"])
            x, y, w, h = (float(v) for v in entry["bbox"])
        except (KeyError, TypeError, ValueError, OverflowError):
            raise AnnotationError(
                f"{where} needs 'image_id', 'category_id' and 'bbox': [x, y, width, height]"
            ) from None
        if image_id not in images:
            raise AnnotationError(f"{where} refers to image {image_id}, which is not listed")
        if category not in categories:
            raise AnnotationError(f"{where} has category {category}, which is not listed")
        if entry.get("iscrowd", 0):
            crowds[image_id] += 1
            continue
        boxes[image_id].append(_box([x, y, x + w, y + h], where))
        labels[image_id].append(categories[category])
    return [
        Annotation(name, width, height, _truth(boxes[image_id], labels[image_id]), crowds[image_id])
        for image_id, (name, width, height) in images.items()
    ]


def read_voc(data: bytes, keep_difficult: bool = False) -> Annotation:
    """A Pascal VOC annotation (one XML file per photo).

    VOC counts pixels from 1 and includes both ends, so `xmin` 1 .. `xmax` 10 covers pixels 0..9:
    the box in pixel-edge coordinates is (xmin - 1, ymin - 1, xmax, ymax). Objects marked
    difficult are left out (and counted) unless `keep_difficult`.

    Raises:
        AnnotationError: not XML, an XML bomb or external entity (refused by defusedxml), not a
            VOC annotation, or a bad box (named).
    """
    from defusedxml import ElementTree
    from defusedxml.common import DefusedXmlException

    _size_check(data)
    try:
        root = ElementTree.fromstring(bytes(data))
    except DefusedXmlException:
        raise AnnotationError(
            "refused: the XML declares entities or a DTD (a possible XML bomb); a VOC "
            "annotation needs neither"
        ) from None
    except ElementTree.ParseError as error:
        raise AnnotationError(f"this is not an XML file ({str(error)[:120]})") from None
    if root.tag != "annotation":
        raise AnnotationError("a Pascal VOC file has <annotation> as its root element")
    name = _name(root.findtext("filename") or "photo", "the file name")
    try:
        width = int(float(root.findtext("size/width") or 0))
        height = int(float(root.findtext("size/height") or 0))
    except ValueError:
        raise AnnotationError("<size> holds a width or height that is not a number") from None
    boxes, labels, difficult = [], [], 0
    for number, item in enumerate(root.iter("object"), start=1):
        where = f"object {number}"
        label = _name(item.findtext("name") or "", f"{where}'s <name>")
        if (item.findtext("difficult") or "0").strip() == "1" and not keep_difficult:
            difficult += 1
            continue
        try:
            xmin, ymin, xmax, ymax = (
                float(item.findtext(f"bndbox/{tag}")) for tag in ("xmin", "ymin", "xmax", "ymax")
            )
        except (TypeError, ValueError):
            raise AnnotationError(
                f"{where} needs <bndbox> with numbers in xmin, ymin, xmax, ymax"
            ) from None
        boxes.append(_box([xmin - 1, ymin - 1, xmax, ymax], where))
        labels.append(label)
    return Annotation(name, width, height, _truth(boxes, labels), difficult)


def read_annotation(data: bytes) -> list[Annotation]:
    """A COCO JSON or a VOC XML file, told apart by its first character."""
    _size_check(data)
    head = bytes(data[:64]).lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith((b"{", b"[")):
        return read_coco(data)
    if head.startswith(b"<"):
        return [read_voc(data)]
    raise AnnotationError("expected a COCO annotation (.json) or a Pascal VOC annotation (.xml)")


def parse_truth(text: str, default_class: str = "object") -> Detections:
    """Boxes typed one per line as 'x1 y1 x2 y2 [class]' (spaces or commas; # starts a comment;
    the class is the rest of the line, so 'traffic light' is one class).

    Raises:
        AnnotationError: naming the line and what is wrong with it.
    """
    boxes, labels = [], []
    for number, line in enumerate(str(text).splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(boxes) == MAX_BOXES:
            raise AnnotationError(f"at most {MAX_BOXES:,} boxes can be typed")
        if len(fields) < 4:
            raise AnnotationError(
                f"line {number}: expected 'x1 y1 x2 y2 [class]', got {len(fields)} values"
            )
        try:
            values = [float(v) for v in fields[:4]]
        except ValueError:
            raise AnnotationError(
                f"line {number}: {checks.show(line.strip())} has something that is not a number"
            ) from None
        boxes.append(_box(values, f"line {number}"))
        label = " ".join(fields[4:])
        labels.append(_name(label, f"line {number}: the class") if label else "")
    labels = [label or _name(default_class, "the class") for label in labels]
    return _truth(boxes, labels)


def format_truth(truth: Detections) -> str:
    """The inverse of `parse_truth`: 'x1 y1 x2 y2 class' per line."""
    return "\n".join(
        f"{b[0]:g} {b[1]:g} {b[2]:g} {b[3]:g} {label}"
        for b, label in zip(truth.boxes.astype(float), truth.labels, strict=True)
    )


def to_coco(
    annotations: list[Annotation], detectors: dict[str, list[Detections]] | None = None
) -> tuple[dict, dict[str, list]]:
    """Ground truth (one Annotation per image) and detectors' detections (one Detections per
    image, in the same order) as a COCO annotation dict and COCO results lists.

    Images are numbered 1, 2, ... in order; categories 1, 2, ... by sorted ground-truth class
    name. Detections of a class the ground truth never names cannot be scored and are left out.

    Returns:
        (annotation dict, {detector: results list}).
    """
    names = sorted({label for a in annotations for label in a.truth.labels.tolist()})
    ids = {name: index for index, name in enumerate(names, start=1)}
    gt = {
        "images": [
            {"id": i, "file_name": a.name, "width": a.width, "height": a.height}
            for i, a in enumerate(annotations, start=1)
        ],
        "categories": [{"id": index, "name": name} for name, index in ids.items()],
        "annotations": [],
    }
    for image_id, annotation in enumerate(annotations, start=1):
        for box, label in zip(annotation.truth.boxes.astype(float), annotation.truth.labels, strict=True):  # fmt: skip
            w, h = box[2] - box[0], box[3] - box[1]
            gt["annotations"].append(
                {
                    "id": len(gt["annotations"]) + 1,
                    "image_id": image_id,
                    "category_id": ids[label],
                    "bbox": [box[0], box[1], w, h],
                    "area": w * h,
                    "iscrowd": 0,
                }
            )
    results: dict[str, list] = {}
    for name, per_image in (detectors or {}).items():
        entries = []
        for image_id, found in enumerate(per_image, start=1):
            for box, score, label in zip(found.boxes.astype(float), found.scores.astype(float), found.labels, strict=True):  # fmt: skip
                if label in ids:
                    bbox = [box[0], box[1], box[2] - box[0], box[3] - box[1]]
                    entries.append({"image_id": image_id, "category_id": ids[label], "bbox": bbox, "score": score})  # fmt: skip
        results[name] = entries
    return gt, results


def read_voc_results(data: bytes, images: dict[str, int], categories: dict[str, int]) -> list:
    """Detections in Pascal VOC's results style, one per line:
    'image class score xmin ymin xmax ymax' (the image as in the XML's <filename>, with or
    without its extension; VOC's 1-based pixels, converted as `read_voc` converts boxes).

    Returns:
        A COCO results list for the images and categories given (name -> id).

    Raises:
        AnnotationError: naming the line and what is wrong.
    """
    _size_check(data)
    try:
        text = bytes(data).decode("utf-8-sig")
    except UnicodeDecodeError:
        raise AnnotationError("the detections file is not text (UTF-8)") from None
    stems = {name.rsplit(".", 1)[0]: image_id for name, image_id in images.items()}
    results = []
    for number, line in enumerate(text.splitlines(), start=1):
        fields = line.replace(",", " ").split()
        if not fields or fields[0].startswith("#"):
            continue
        if len(results) >= MAX_BOXES * 20:
            raise AnnotationError(f"at most {MAX_BOXES * 20:,} detections")
        if len(fields) != 7:
            raise AnnotationError(
                f"line {number}: expected 'image class score xmin ymin xmax ymax', got {len(fields)} values"  # fmt: skip
            )
        image, label = fields[0], fields[1]
        image_id = images.get(image, stems.get(image))
        if image_id is None:
            raise AnnotationError(f"line {number}: image {checks.show(image[:40])} has no annotation file")  # fmt: skip
        if label not in categories:
            raise AnnotationError(f"line {number}: class {checks.show(label[:40])} is not in the ground truth")  # fmt: skip
        try:
            score, xmin, ymin, xmax, ymax = (float(v) for v in fields[2:])
        except ValueError:
            raise AnnotationError(f"line {number}: score and box must be numbers") from None
        if not np.isfinite(score):
            raise AnnotationError(f"line {number}: the score must be a finite number")
        x1, y1, x2, y2 = _box([xmin - 1, ymin - 1, xmax, ymax], f"line {number}")
        results.append({"image_id": image_id, "category_id": categories[label], "bbox": [x1, y1, x2 - x1, y2 - y1], "score": score})  # fmt: skip
    return results
