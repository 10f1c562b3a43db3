"""Ground-truth readers: COCO against pycocotools' own reader, Pascal VOC's 1-based pixels,
typed boxes, and files that must be refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from pycocotools.coco import COCO

from lab.annotations import (
    MAX_FILE_BYTES,
    Annotation,
    AnnotationError,
    format_truth,
    parse_truth,
    read_annotation,
    read_coco,
    read_voc,
    read_voc_results,
    to_coco,
)
from lab.detections import Detections

COCO_FILE = {
    "images": [
        {"id": 7, "file_name": "street.jpg", "width": 640, "height": 480},
        {"id": 9, "file_name": "empty.jpg", "width": 320, "height": 240},
    ],
    "categories": [{"id": 1, "name": "person"}, {"id": 3, "name": "car"}],
    "annotations": [
        {"id": 1, "image_id": 7, "category_id": 1, "bbox": [10.5, 20, 30, 60], "iscrowd": 0},
        {"id": 2, "image_id": 7, "category_id": 3, "bbox": [100, 200, 50, 25], "iscrowd": 0},
        {"id": 3, "image_id": 7, "category_id": 1, "bbox": [0, 0, 640, 100], "iscrowd": 1},
    ],
}
VOC_FILE = b"""<annotation>
  <filename>000005.jpg</filename>
  <size><width>500</width><height>375</height><depth>3</depth></size>
  <object><name>chair</name><difficult>0</difficult>
    <bndbox><xmin>263</xmin><ymin>211</ymin><xmax>324</xmax><ymax>339</ymax></bndbox></object>
  <object><name>chair</name><difficult>1</difficult>
    <bndbox><xmin>5</xmin><ymin>244</ymin><xmax>67</xmax><ymax>374</ymax></bndbox></object>
  <object><name>person</name>
    <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>10</xmax><ymax>20</ymax></bndbox></object>
</annotation>"""


def test_coco_boxes_match_pycocotools(tmp_path) -> None:
    path = tmp_path / "instances.json"
    path.write_text(json.dumps(COCO_FILE))
    oracle = COCO(str(path))
    found = {a.name: a for a in read_coco(path.read_bytes())}
    street = found["street.jpg"]
    expected = [
        a for a in oracle.loadAnns(oracle.getAnnIds(imgIds=[7], iscrowd=False)) if not a["iscrowd"]
    ]
    boxes = np.array([[x, y, x + w, y + h] for x, y, w, h in (a["bbox"] for a in expected)])
    np.testing.assert_allclose(street.truth.boxes, boxes, rtol=0, atol=1e-4)
    names = [oracle.loadCats(a["category_id"])[0]["name"] for a in expected]
    assert street.truth.labels.tolist() == names
    assert (street.width, street.height, street.ignored) == (640, 480, 1)  # the crowd left out
    assert len(found["empty.jpg"].truth) == 0


def test_voc_counts_pixels_from_one_and_leaves_difficult_out() -> None:
    annotation = read_voc(VOC_FILE)
    assert (annotation.name, annotation.width, annotation.height) == ("000005.jpg", 500, 375)
    # xmin 263 .. xmax 324 (1-based, both included) covers 0-based pixels 262..323: edges 262, 324
    assert annotation.truth.boxes.tolist() == [[262, 210, 324, 339], [0, 0, 10, 20]]
    assert annotation.truth.labels.tolist() == ["chair", "person"]
    assert annotation.ignored == 1
    assert len(read_voc(VOC_FILE, keep_difficult=True).truth) == 3


def test_read_annotation_tells_the_formats_apart() -> None:
    assert read_annotation(json.dumps(COCO_FILE).encode())[0].name == "street.jpg"
    assert read_annotation(b"\xef\xbb\xbf  " + VOC_FILE)[0].name == "000005.jpg"


def test_scaled_follows_the_photo_shown() -> None:
    annotation = Annotation("x", 1000, 500, Detections([[100, 50, 300, 250]], [1], ["a"]))
    half = annotation.scaled(500, 250)
    assert half.truth.boxes.tolist() == [[50, 25, 150, 125]]
    assert annotation.scaled(1000, 500) is annotation
    unknown = Annotation("x", 0, 0, annotation.truth)
    assert unknown.scaled(10, 10) is unknown  # no size in the file: nothing to scale by


BAD_FILES = [
    # (case, bytes, words in the message)
    ("empty", b"", "empty"),
    ("not json nor xml", b"hello", "expected a COCO"),
    ("broken json", b'{"images": [', "not a JSON"),
    ("a results file", b'[{"image_id": 1, "bbox": [0, 0, 1, 1]}]', "results"),
    ("json without lists", b'{"images": 3}', "lists 'images'"),
    (
        "annotation of an unknown image",
        json.dumps(
            {**COCO_FILE, "annotations": [{"image_id": 99, "category_id": 1, "bbox": [0] * 4}]}
        ).encode(),
        "not listed",
    ),
    (
        "a negative width",
        json.dumps(
            {**COCO_FILE, "annotations": [{"image_id": 7, "category_id": 1, "bbox": [0, 0, -5, 5]}]}
        ).encode(),
        "negative width",
    ),
    (
        "NaN coordinates",
        b'{"images": [{"id": 1, "file_name": "a"}], "categories": [{"id": 1, "name": "p"}], '
        b'"annotations": [{"image_id": 1, "category_id": 1, "bbox": [NaN, 0, 1, 1]}]}',
        "finite",
    ),
    (
        "markup in a class name",
        json.dumps({**COCO_FILE, "categories": [{"id": 1, "name": "<b>x</b>"}]}).encode(),
        "category name",
    ),
    ("broken xml", b"<annotation><object>", "not an XML"),
    ("not voc", b"<svg></svg>", "root element"),
    (
        "billion laughs",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
        b"<annotation><filename>&lol2;</filename></annotation>",
        "refused",
    ),
    (
        "external entity",
        b'<?xml version="1.0"?><!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        b"<annotation><filename>&x;</filename></annotation>",
        "refused",
    ),
    (
        "voc box without numbers",
        b"<annotation><object><name>a</name><bndbox><xmin>one</xmin></bndbox></object></annotation>",
        "bndbox",
    ),
    ("too large", b"{" + b" " * MAX_FILE_BYTES + b"}", "MB"),
]


@pytest.mark.parametrize(("case", "data", "words"), BAD_FILES, ids=[c[0] for c in BAD_FILES])
def test_bad_files_are_refused_with_a_reason(case, data, words) -> None:
    with pytest.raises(AnnotationError, match=words):
        read_annotation(data)


def test_typed_boxes_round_trip_with_class_words() -> None:
    truth = parse_truth("10 20 30 40 traffic light\n# a comment\n\n1,2,3,4", "face")
    assert truth.boxes.tolist() == [[10, 20, 30, 40], [1, 2, 3, 4]]
    assert truth.labels.tolist() == ["traffic light", "face"]
    assert (truth.scores == 1).all()
    again = parse_truth(format_truth(truth))
    assert again.boxes.tolist() == truth.boxes.tolist()
    assert again.labels.tolist() == truth.labels.tolist()


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("1 2 3", "line 1: expected"),  # too few values
        ("1 2 x 4", "not a number"),
        ("1 2 inf 4", "finite"),
        ("10 10 5 20", "negative width"),  # x2 < x1
        ("1 2 3 4 <script>", "the class"),
        ("1 2 3 4 " + "a" * 61, "the class"),
    ],
)
def test_typed_boxes_errors_name_the_line(text, words) -> None:
    with pytest.raises(AnnotationError, match=words):
        parse_truth("0 0 1 1\n" + text if "line 1" not in words else text)


def test_to_coco_numbers_images_and_categories_and_drops_unknown_classes() -> None:
    first = Annotation("a.jpg", 100, 80, Detections([[10, 10, 30, 50], [0, 0, 5, 5]], [1, 1], ["person", "car"]))  # fmt: skip
    second = Annotation("b.jpg", 100, 80, Detections([[1, 2, 3, 4]], [1], ["person"]))
    found = [
        Detections([[10, 10, 30, 50], [0, 0, 9, 9]], [0.9, 0.8], ["person", "dog"]),
        Detections.empty(),
    ]
    gt, results = to_coco([first, second], {"A": found})
    assert [c["name"] for c in gt["categories"]] == ["car", "person"]
    assert gt["annotations"][0] == {"id": 1, "image_id": 1, "category_id": 2, "bbox": [10.0, 10.0, 20.0, 40.0], "area": 800.0, "iscrowd": 0}  # fmt: skip
    assert [a["image_id"] for a in gt["annotations"]] == [1, 1, 2]
    assert results["A"] == [{"image_id": 1, "category_id": 2, "bbox": [10.0, 10.0, 20.0, 40.0], "score": pytest.approx(0.9)}]  # fmt: skip


def test_voc_results_lines() -> None:
    images, categories = {"000005.jpg": 1}, {"chair": 1}
    found = read_voc_results(b"000005 chair 0.9 263 211 324 339\n000005.jpg chair 0.5 1 1 10 10\n", images, categories)  # fmt: skip
    assert found[0] == {"image_id": 1, "category_id": 1, "bbox": [262.0, 210.0, 62.0, 129.0], "score": 0.9}  # fmt: skip
    assert found[1]["bbox"] == [0.0, 0.0, 10.0, 10.0]
    for text, words in (
        (b"x chair 0.9 1 1 2 2", "no annotation file"),
        (b"000005 sofa 0.9 1 1 2 2", "not in the ground truth"),
        (b"000005 chair high 1 1 2 2", "numbers"),
        (b"000005 chair 0.9 1 1 2", "expected"),
        (b"000005 chair nan 1 1 2 2", "finite"),
        (b"000005 chair 0.9 5 1 2 2", "negative width"),
    ):
        with pytest.raises(AnnotationError, match=words):
            read_voc_results(text, images, categories)
