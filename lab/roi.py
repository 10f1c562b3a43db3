"""RoI pooling (Fast R-CNN) and RoI Align (Mask R-CNN) in numpy, the same numbers as
torchvision.ops.roi_pool and roi_align, with the bins and the sampled points exposed.

A region of interest in photo pixels is projected onto a feature map with `spatial_scale`
(1 / stride). RoI pooling rounds the region to whole cells and takes the maximum of each bin
(quantised); RoI Align keeps the exact region, samples each bin at a few points by bilinear
interpolation and averages them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from lab import checks
from lab.boxes import BoxError, as_boxes


@dataclass(frozen=True)
class PooledRoI:
    """One region pooled.

    Attributes:
        output: np.ndarray[C, ph, pw].
        bins: [ph, pw, 4] each bin in feature-map coordinates (x1, y1, x2, y2): whole cells for
            RoI pooling (the cells it takes the maximum of: x1..x2-1), exact for RoI Align.
        points: RoI Align only: [ph, pw, n, 2] the (x, y) sampled in each bin (feature-map
            coordinates, before clamping); None for RoI pooling.
        argmax: RoI pooling only: [C, ph, pw, 2] (row, column) of each maximum (-1 when empty).
    """

    output: np.ndarray
    bins: np.ndarray
    points: np.ndarray | None = None
    argmax: np.ndarray | None = None


def _inputs(features, boxes, output_size, spatial_scale):
    features = checks.array(features, "the feature map", BoxError, ndim=3, limit=1e30).astype(np.float64)  # fmt: skip
    boxes = as_boxes(boxes).astype(np.float64)
    if isinstance(output_size, int):
        output_size = (output_size, output_size)
    out_h, out_w = (checks.number(v, "the output size", BoxError, low=1, high=64, whole=True) for v in output_size)  # fmt: skip
    scale = checks.number(spatial_scale, "the spatial scale", BoxError, low=0, low_open=True, high=1e3)  # fmt: skip
    return features, boxes, out_h, out_w, scale


def _round(value: float) -> int:
    """C's round(): halves away from zero (numpy rounds them to even)."""
    return int(math.copysign(math.floor(abs(value) + 0.5), value))


def roi_pool(features, boxes, output_size, spatial_scale: float = 1.0) -> list[PooledRoI]:
    """torchvision.ops.roi_pool for one image: features [C, H, W], boxes [K, 4] xyxy in photo
    pixels. Each box's corners are scaled and rounded to cells (inclusive), the region split
    into output_size bins with floor / ceil edges, and each bin's maximum taken (0 if empty).

    Raises:
        BoxError: a feature map that is not [C, H, W], bad boxes, sizes or scale.
    """
    features, boxes, out_h, out_w, scale = _inputs(features, boxes, output_size, spatial_scale)
    channels, height, width = features.shape
    pooled = []
    for box in boxes:
        start_w, start_h = _round(box[0] * scale), _round(box[1] * scale)
        end_w, end_h = _round(box[2] * scale), _round(box[3] * scale)
        roi_w, roi_h = max(end_w - start_w + 1, 1), max(end_h - start_h + 1, 1)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        output = np.zeros((channels, out_h, out_w))
        argmax = np.full((channels, out_h, out_w, 2), -1)
        bins = np.zeros((out_h, out_w, 4))
        for ph in range(out_h):
            h0 = min(max(math.floor(ph * bin_h) + start_h, 0), height)
            h1 = min(max(math.ceil((ph + 1) * bin_h) + start_h, 0), height)
            for pw in range(out_w):
                w0 = min(max(math.floor(pw * bin_w) + start_w, 0), width)
                w1 = min(max(math.ceil((pw + 1) * bin_w) + start_w, 0), width)
                bins[ph, pw] = (w0, h0, w1, h1)
                if h1 <= h0 or w1 <= w0:
                    continue
                window = features[:, h0:h1, w0:w1].reshape(channels, -1)
                best = window.argmax(axis=1)  # first maximum in raster order, as torchvision
                output[:, ph, pw] = window[np.arange(channels), best]
                argmax[:, ph, pw] = np.stack(
                    [h0 + best // (w1 - w0), w0 + best % (w1 - w0)], axis=1
                )
        pooled.append(PooledRoI(output, bins, argmax=argmax))
    return pooled


def bilinear(features: np.ndarray, y: float, x: float) -> np.ndarray:
    """torchvision's bilinear_interpolate: [C] at (y, x); 0 outside [-1, size], edges clamped."""
    _, height, width = features.shape
    if y < -1.0 or y > height or x < -1.0 or x > width:
        return np.zeros(features.shape[0])
    y, x = max(y, 0.0), max(x, 0.0)
    y_low, x_low = int(y), int(x)
    if y_low >= height - 1:
        y_high = y_low = height - 1
        y = float(y_low)
    else:
        y_high = y_low + 1
    if x_low >= width - 1:
        x_high = x_low = width - 1
        x = float(x_low)
    else:
        x_high = x_low + 1
    ly, lx = y - y_low, x - x_low
    hy, hx = 1.0 - ly, 1.0 - lx
    return (
        hy * hx * features[:, y_low, x_low]
        + hy * lx * features[:, y_low, x_high]
        + ly * hx * features[:, y_high, x_low]
        + ly * lx * features[:, y_high, x_high]
    )


def roi_align(
    features,
    boxes,
    output_size,
    spatial_scale: float = 1.0,
    sampling_ratio: int = -1,
    aligned: bool = False,
) -> list[PooledRoI]:
    """torchvision.ops.roi_align for one image: each bin's value is the mean of a grid of
    bilinear samples (sampling_ratio per side, or ceil(bin size) when it is <= 0). `aligned`
    shifts the box by half a pixel so that pixel centres line up (Detectron2's fix); without it
    a box is at least one cell wide.

    Raises:
        BoxError: a feature map that is not [C, H, W], bad boxes, sizes or scale.
    """
    features, boxes, out_h, out_w, scale = _inputs(features, boxes, output_size, spatial_scale)
    sampling_ratio = int(checks.number(sampling_ratio, "the sampling ratio", BoxError, low=-1, high=16, whole=True))  # fmt: skip
    offset = 0.5 if aligned else 0.0
    pooled = []
    for box in boxes:
        start_w, start_h = box[0] * scale - offset, box[1] * scale - offset
        roi_w, roi_h = box[2] * scale - offset - start_w, box[3] * scale - offset - start_h
        if not aligned:
            roi_w, roi_h = max(roi_w, 1.0), max(roi_h, 1.0)
        bin_h, bin_w = roi_h / out_h, roi_w / out_w
        grid_h = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_h / out_h)
        grid_w = sampling_ratio if sampling_ratio > 0 else math.ceil(roi_w / out_w)
        count = max(grid_h * grid_w, 1)
        output = np.zeros((features.shape[0], out_h, out_w))
        bins = np.zeros((out_h, out_w, 4))
        points = np.zeros((out_h, out_w, grid_h * grid_w, 2))
        for ph in range(out_h):
            for pw in range(out_w):
                y0, x0 = start_h + ph * bin_h, start_w + pw * bin_w
                bins[ph, pw] = (x0, y0, x0 + bin_w, y0 + bin_h)
                total = np.zeros(features.shape[0])
                for iy in range(grid_h):
                    y = y0 + (iy + 0.5) * bin_h / grid_h
                    for ix in range(grid_w):
                        x = x0 + (ix + 0.5) * bin_w / grid_w
                        points[ph, pw, iy * grid_w + ix] = (x, y)
                        total += bilinear(features, y, x)
                output[:, ph, pw] = total / count
        pooled.append(PooledRoI(output, bins, points=points))
    return pooled
