"""R-CNN's region proposals: selective search (Uijlings et al. 2013), step by step.

An over-segmentation (Felzenszwalb and Huttenlocher's graph-based method) gives the first
regions; then the two most similar adjacent regions are merged, again and again, until one
region is left. Similarity adds colour (histogram intersection), texture (histograms of
Gaussian-derivative responses in eight orientations), size (small regions merge first) and fill
(regions whose bounding box they would fill well). Every region ever formed is a proposal.

    selective_search(image, ...)      yields Initial, then one Merge per merge
    proposals(image, strategies)      the boxes of several strategies, ranked as the paper does
"""

from __future__ import annotations

import heapq
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from lab import checks
from lab.boxes import BoxError

COLOUR_BINS, TEXTURE_BINS, ORIENTATIONS = 25, 10, 8
SIMILARITIES = ("colour", "texture", "size", "fill")
MAX_PIXELS = 1024 * 1024
MAX_REGIONS = 5000


@dataclass(frozen=True)
class Initial:
    """The over-segmentation selective search starts from.

    Attributes:
        labels: np.ndarray[H, W] int, a region index per pixel (skimage's felzenszwalb).
        boxes: np.ndarray[R, 4] each region's bounding box (xyxy, pixel edges).
        sizes: np.ndarray[R] pixels per region.
    """

    labels: np.ndarray
    boxes: np.ndarray
    sizes: np.ndarray


@dataclass(frozen=True)
class Merge:
    """One merge: regions a and b (the most similar adjacent pair) become region `new`.

    Attributes:
        step: 1, 2, ...; a, b, new: region indices (new = R + step - 1).
        similarity: the pair's total; parts: {colour, texture, size, fill} (0 for those off).
        box: the new region's bounding box; size: its pixels; remaining: regions left after it.
    """

    step: int
    a: int
    b: int
    new: int
    similarity: float
    parts: dict = field(default_factory=dict)
    box: np.ndarray | None = None
    size: int = 0
    remaining: int = 0


def _colour_space(image: np.ndarray, space: str) -> np.ndarray:
    """The photo in [0, 1] per channel in the colour space asked for."""
    rgb = image.astype(np.float64) / 255.0
    if space == "rgb":
        return rgb
    from skimage import color

    if space == "hsv":
        return color.rgb2hsv(rgb)
    if space == "lab":
        lab = color.rgb2lab(rgb)
        return np.stack([lab[..., 0] / 100, (lab[..., 1] + 128) / 255, (lab[..., 2] + 128) / 255], axis=-1)  # fmt: skip
    raise BoxError(f"colour space is 'rgb', 'hsv' or 'lab', got {checks.show(space)}")


def _texture_bins(channels: np.ndarray) -> np.ndarray:
    """[H, W, C * 8] the bin (0..9) of each pixel's Gaussian-derivative response in eight
    orientations per channel (sigma 1, half-wave rectified, scaled to [0, 1] per map)."""
    from scipy import ndimage

    bins = []
    for c in range(channels.shape[2]):
        dy = ndimage.gaussian_filter(channels[..., c], 1.0, order=(1, 0))
        dx = ndimage.gaussian_filter(channels[..., c], 1.0, order=(0, 1))
        for k in range(ORIENTATIONS):
            angle = 2 * np.pi * k / ORIENTATIONS
            response = np.maximum(np.cos(angle) * dx + np.sin(angle) * dy, 0)
            top = response.max()
            scaled = response / top if top > 0 else response
            bins.append(np.minimum((scaled * TEXTURE_BINS).astype(int), TEXTURE_BINS - 1))
    return np.stack(bins, axis=-1)


def _histograms(labels: np.ndarray, bins: np.ndarray, count: int, per: int) -> np.ndarray:
    """[R, maps * per] L1-normalised histograms per region of binned maps [H, W, maps]."""
    flat = labels.reshape(-1)
    parts = []
    for m in range(bins.shape[-1]):
        index = flat * per + bins[..., m].reshape(-1)
        parts.append(np.bincount(index, minlength=count * per).reshape(count, per))
    histograms = np.concatenate(parts, axis=1).astype(np.float64)
    return histograms / np.maximum(histograms.sum(axis=1, keepdims=True), 1)


def _neighbours(labels: np.ndarray, count: int) -> list[tuple[int, int]]:
    """Pairs (i < j) of regions that touch (left-right or up-down)."""
    codes = []
    for a, b in ((labels[:, :-1], labels[:, 1:]), (labels[:-1, :], labels[1:, :])):
        touching = a != b
        low, high = np.minimum(a, b)[touching], np.maximum(a, b)[touching]
        codes.append(low.astype(np.int64) * count + high)
    unique = np.unique(np.concatenate(codes))
    return list(zip((unique // count).tolist(), (unique % count).tolist(), strict=True))


def selective_search(
    image: np.ndarray,
    scale: float = 100,
    sigma: float = 0.8,
    min_size: int = 50,
    colour_space: str = "hsv",
    similarities: tuple[str, ...] = SIMILARITIES,
) -> Iterator[Initial | Merge]:
    """Selective search on an RGB photo: yields the Initial over-segmentation, then each Merge
    until one region is left (R - 1 merges for R initial regions).

    Args:
        scale, sigma, min_size: skimage.segmentation.felzenszwalb's (larger scale: larger
            regions; sigma smooths the photo first; min_size merges smaller regions away).
        colour_space: "hsv", "lab" or "rgb" (for the segmentation and the colour histograms).
        similarities: which of colour, texture, size, fill are added up.

    Raises:
        BoxError: a photo that is not RGB uint8 or larger than 1 megapixel, bad settings.
    """
    image, scale, sigma, min_size = _check(image, scale, sigma, min_size, similarities)
    initial, channels = _segment(image, scale, sigma, min_size, colour_space)
    yield initial
    yield from _merges(initial, *_features(initial, channels), similarities)


def _check(image, scale, sigma, min_size, similarities):
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3 or image.shape[2] != 3 or image.size == 0:
        raise BoxError("selective search takes an RGB photo, uint8 [H, W, 3]")
    if image.shape[0] * image.shape[1] > MAX_PIXELS:
        raise BoxError("selective search runs on photos up to 1 megapixel here")
    scale = checks.number(scale, "the scale", BoxError, low=1, high=10_000)
    sigma = checks.number(sigma, "sigma", BoxError, low=0, high=10)
    min_size = checks.number(min_size, "the minimum size", BoxError, low=1, high=100_000, whole=True)  # fmt: skip
    unknown = set(similarities) - set(SIMILARITIES)
    if unknown or not similarities:
        raise BoxError(f"similarities are some of {', '.join(SIMILARITIES)}")
    return image, scale, sigma, int(min_size)


def _segment(image, scale, sigma, min_size, colour_space) -> tuple[Initial, np.ndarray]:
    """Felzenszwalb's over-segmentation and each region's box and size."""
    from scipy import ndimage
    from skimage.segmentation import felzenszwalb

    channels = _colour_space(image, colour_space)
    labels = felzenszwalb(channels, scale=scale, sigma=sigma, min_size=min_size)
    count = int(labels.max()) + 1
    if count > MAX_REGIONS:
        raise BoxError(f"the segmentation gave {count:,} regions; raise the scale or the minimum size (at most {MAX_REGIONS:,})")  # fmt: skip
    slices = ndimage.find_objects(labels + 1)  # one (rows, cols) slice pair per region, in C
    boxes = np.array([[c.start, r.start, c.stop, r.stop] for r, c in slices], np.float64)
    sizes = np.bincount(labels.reshape(-1), minlength=count).astype(np.float64)
    return Initial(labels, boxes, sizes), channels


def _features(initial: Initial, channels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each region's colour and texture histograms."""
    count = len(initial.sizes)
    colour_bins = np.minimum((np.clip(channels, 0, 1) * COLOUR_BINS).astype(int), COLOUR_BINS - 1)
    colour = _histograms(initial.labels, colour_bins, count, COLOUR_BINS)
    texture = _histograms(initial.labels, _texture_bins(channels), count, TEXTURE_BINS)
    return colour, texture


def _merges(
    initial: Initial, colour: np.ndarray, texture: np.ndarray, similarities: tuple[str, ...]
) -> Iterator[Merge]:
    """The greedy grouping: always merge the most similar adjacent pair."""
    labels = initial.labels
    count = len(initial.sizes)
    height, width = labels.shape
    image_size = float(height * width)
    used = set(similarities)
    all_boxes = [tuple(box) for box in initial.boxes.tolist()]
    all_sizes = initial.sizes.tolist()
    colours, textures = list(colour), list(texture)

    def similar(i: int, j: int) -> tuple[float, dict]:
        (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = all_boxes[i], all_boxes[j]
        box_area = (max(ax2, bx2) - min(ax1, bx1)) * (max(ay2, by2) - min(ay1, by1))
        together = all_sizes[i] + all_sizes[j]
        parts = {"colour": 0.0, "texture": 0.0, "size": 0.0, "fill": 0.0}
        if "colour" in used:
            parts["colour"] = float(np.minimum(colours[i], colours[j]).sum())
        if "texture" in used:
            parts["texture"] = float(np.minimum(textures[i], textures[j]).sum())
        if "size" in used:
            parts["size"] = 1 - together / image_size
        if "fill" in used:
            parts["fill"] = 1 - (box_area - together) / image_size
        return sum(parts.values()), parts

    adjacent: dict[int, set[int]] = {i: set() for i in range(count)}
    heap = []
    for i, j in _neighbours(labels, count):
        adjacent[i].add(j)
        adjacent[j].add(i)
        total, _ = similar(i, j)
        heap.append((-total, i, j))
    heapq.heapify(heap)
    alive = set(range(count))
    step = 0
    while heap:
        negative, i, j = heapq.heappop(heap)
        if i not in alive or j not in alive:
            continue  # a pair whose region has merged since
        total, parts = similar(i, j)
        new = len(all_boxes)
        size = all_sizes[i] + all_sizes[j]
        (ax1, ay1, ax2, ay2), (bx1, by1, bx2, by2) = all_boxes[i], all_boxes[j]
        all_boxes.append((min(ax1, bx1), min(ay1, by1), max(ax2, bx2), max(ay2, by2)))
        all_sizes.append(size)
        colours.append((all_sizes[i] * colours[i] + all_sizes[j] * colours[j]) / size)
        textures.append((all_sizes[i] * textures[i] + all_sizes[j] * textures[j]) / size)
        alive -= {i, j}
        alive.add(new)
        adjacent[new] = (adjacent.pop(i) | adjacent.pop(j)) - {i, j}
        for k in adjacent[new]:
            adjacent[k] -= {i, j}
            adjacent[k].add(new)
            heapq.heappush(heap, (-similar(k, new)[0], k, new))
        step += 1
        yield Merge(step, i, j, new, total, parts, np.array(all_boxes[new]), int(size), len(alive))


def regions_after(initial: Initial, merges: list[Merge], steps: int) -> np.ndarray:
    """[H, W] the region each pixel belongs to after the first `steps` merges."""
    owner = np.arange(len(initial.sizes) + len(merges))
    for merge in merges[:steps]:
        owner[merge.a] = merge.new
        owner[merge.b] = merge.new
    # Follow each initial region up its chain of merges (owner[r] > r while merged).
    current = np.arange(len(initial.sizes))
    while True:
        following = owner[current]
        if np.array_equal(following, current):
            break
        current = following
    return current[initial.labels]


@dataclass(frozen=True)
class Strategy:
    """One diversification of selective search (the paper combines several)."""

    colour_space: str = "hsv"
    scale: float = 100
    similarities: tuple[str, ...] = SIMILARITIES


FAST = (
    Strategy("hsv", 50),
    Strategy("hsv", 100),
    Strategy("lab", 50),
    Strategy("lab", 100),
    Strategy("hsv", 50, ("texture", "size", "fill")),
    Strategy("lab", 100, ("texture", "size", "fill")),
)
"""Colour spaces x scales x similarity sets, after the paper's 'fast' mode."""


def proposals(
    image: np.ndarray,
    strategies: tuple[Strategy, ...] = FAST,
    sigma: float = 0.8,
    min_size: int = 50,
    seed: int = 0,
) -> np.ndarray:
    """Every region of every strategy as a box, ranked as the paper does: within a strategy a
    region's rank is its place in the hierarchy (the last merge first) times a random number,
    then all strategies are interleaved by that value and duplicate boxes dropped.

    Returns:
        np.ndarray[N, 4] float64 xyxy, best first.
    """
    rng = np.random.default_rng(checks.number(seed, "the seed", BoxError, low=0, high=2**32 - 1, whole=True))  # fmt: skip
    ranked = []
    prepared: dict[tuple, tuple] = {}  # one segmentation per colour space and scale
    for strategy in strategies:
        image, scale, sigma, min_size = _check(image, strategy.scale, sigma, min_size, strategy.similarities)  # fmt: skip
        key = (strategy.colour_space, scale)
        if key not in prepared:
            initial, channels = _segment(image, scale, sigma, min_size, strategy.colour_space)
            prepared[key] = (initial, *_features(initial, channels))
        initial, colour, texture = prepared[key]
        merges = _merges(initial, colour, texture, strategy.similarities)
        boxes = np.concatenate([initial.boxes, [m.box for m in merges]]) if len(initial.sizes) > 1 else initial.boxes  # fmt: skip
        position = np.arange(len(boxes), 0, -1)  # the last region formed (the whole photo): 1
        ranked.append((position * rng.random(len(boxes)), boxes))
    values = np.concatenate([v for v, _ in ranked])
    boxes = np.concatenate([b for _, b in ranked])
    boxes = boxes[np.argsort(values, kind="stable")]
    _, first = np.unique(boxes, axis=0, return_index=True)
    return boxes[np.sort(first)]
