"""lab.yolo: YOLO v1's grid, the responsible cell, the 30 numbers of a cell, the loss by hand."""

from __future__ import annotations

import math

import pytest

from lab.boxes import BoxError
from lab.yolo import encode_box, loss_terms, responsible_cell, tensor_layout


def test_the_cell_holding_the_centre_is_responsible() -> None:
    assert responsible_cell([[0, 0, 100, 100]], 448, 448) == (0, 0)  # centre 50, 50: cell 64 wide
    assert responsible_cell([[400, 300, 448, 448]], 448, 448) == (5, 6)  # centre y 374: row 5
    assert responsible_cell([[127, 0, 129, 10]], 448, 448) == (0, 2)  # centre x 128 = 2 cells
    x, y, w, h = encode_box([[100, 50, 200, 150]], 448, 448)
    assert (x, y) == pytest.approx((150 / 64 - 2, 100 / 64 - 1)) and (w, h) == pytest.approx((100 / 448, 100 / 448))  # fmt: skip


def test_a_cell_holds_thirty_numbers_for_voc() -> None:
    layout = tensor_layout()
    assert len(layout) == 2 * 5 + 20 == 30
    assert layout[:5] == ["box 1 x", "box 1 y", "box 1 w", "box 1 h", "box 1 confidence"]
    assert layout[10] == "P(aeroplane | object)" and layout[-1] == "P(tvmonitor | object)"


def test_loss_terms_by_hand() -> None:
    truth, predicted = [[100, 50, 200, 150]], [[110, 60, 230, 150]]
    terms = loss_terms(truth, predicted, 448, 448, confidence=0.6, class_probability=0.8, empty_confidences=[0.1, 0.2])  # fmt: skip
    tx, ty, tw, th = encode_box(truth, 448, 448)
    px, py = 170 / 64 - 2, 105 / 64 - 1
    pw, ph = 120 / 448, 90 / 448
    assert terms.coordinates == pytest.approx(5 * ((tx - px) ** 2 + (ty - py) ** 2))
    assert terms.size == pytest.approx(5 * ((math.sqrt(tw) - math.sqrt(pw)) ** 2 + (math.sqrt(th) - math.sqrt(ph)) ** 2))  # fmt: skip
    iou = (90 * 90) / (100 * 100 + 120 * 90 - 90 * 90)
    assert terms.iou == pytest.approx(iou) and terms.confidence == pytest.approx((iou - 0.6) ** 2)
    assert terms.no_object == pytest.approx(0.5 * (0.01 + 0.04))
    assert terms.classes == pytest.approx(0.2**2 + 19 * (0.2 / 19) ** 2)
    assert terms.total == pytest.approx(sum([terms.coordinates, terms.size, terms.confidence, terms.no_object, terms.classes]))  # fmt: skip
    perfect = loss_terms(truth, truth, 448, 448, 1.0, 1.0)
    assert perfect.total == pytest.approx(0)


def test_bad_values_are_refused() -> None:
    with pytest.raises(BoxError, match="confidence"):
        loss_terms([[0, 0, 10, 10]], [[0, 0, 10, 10]], 100, 100, 1.5, 0.5)
