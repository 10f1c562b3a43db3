"""Safe image loading for every page that takes uploads, and the embedded sample photos.

`load_image` turns untrusted bytes into an RGB uint8 array or raises `ImageError` with a sentence a
student can act on. It never trusts the file name (it is never given one) and checks the pixel count
from the header before decoding, so a tiny file that claims 30000 x 30000 pixels costs nothing.
"""

from __future__ import annotations

import io
import threading
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from lab import checks

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""Uploads larger than this are refused before decoding (25 MiB)."""

MAX_PIXELS = 40_000_000
"""Images decoded at more pixels than this (40 MP) are refused; Pillow's own limit is ~89 MP."""

MAX_DRAFT_PIXELS = 120_000_000
"""A JPEG is decoded at reduced scale (1/2, 1/4 or 1/8, in the decoder itself) when the page
shows it smaller: phone photos of 48-108 MP are accepted when that brings them under MAX_PIXELS."""

ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "MPO", "HEIF", "GIF"}
"""Pillow format names accepted (MPO is what some phone cameras call a JPEG; HEIF, iPhones'
default, needs pillow-heif; a GIF or multi-page TIFF gives its first frame)."""

Image.MAX_IMAGE_PIXELS = MAX_DRAFT_PIXELS  # Pillow's bomb check, raised to ours (checked here)

DECODING = threading.BoundedSemaphore(2)
"""At most two full decodes at once per process: thirty students uploading phone photos together
queue here instead of holding thirty full-size images in memory."""

try:  # HEIC / HEIF photos (iPhones' default format)
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a runtime requirement
    pass

SAMPLES = {
    "astronaut": "Astronaut (Eileen Collins), colour",
    "camera": "Cameraman, grayscale",
    "coffee": "Coffee cup, colour",
    "chelsea": "Chelsea the cat, colour",
    "rocket": "Rocket launch, colour",
}
"""Embedded public-domain sample photos from scikit-image: name -> description."""


class ImageError(ValueError):
    """An upload could not be turned into an image; `str(error)` is a message for the page."""


def load_image(data: bytes) -> np.ndarray:
    """Decode an uploaded file into an RGB image at full size.

    Args:
        data: the raw bytes of the file (PNG, JPEG, WebP, BMP, TIFF or HEIC).

    Returns:
        np.ndarray[H, W, 3] uint8, EXIF orientation applied; grayscale, palette, 16-bit, CMYK and
        images with transparency converted (transparent pixels become white).

    Raises:
        ImageError: empty, too large, not an image, unsupported format, too many pixels, truncated
            or otherwise undecodable files. The message says which, in plain words.
    """
    return load_photo(data)[0]


def load_photo(data: bytes, max_side: int | None = None) -> tuple[np.ndarray, tuple[int, int]]:
    """Decode an upload for a page that shows it at most `max_side` pixels on its longer side.

    A JPEG is decoded at reduced scale by the decoder itself (Pillow's draft mode) when that is
    enough for `max_side`, so a 48 MP phone photo costs a few megabytes, not 150; the result is
    then downscaled to `max_side` (area averaging).

    Returns:
        (np.ndarray[h, w, 3] uint8, the photo's (height, width) as stored, after EXIF rotation).

    Raises:
        ImageError: as `load_image`.
    """
    if not isinstance(data, bytes | bytearray | memoryview):
        raise ImageError("An upload is the file's bytes.")
    if not data:
        raise ImageError("The file is empty (0 bytes). Please choose an image file.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageError(
            f"The file is {len(data) / 2**20:.1f} MiB; the limit is "
            f"{MAX_UPLOAD_BYTES / 2**20:.0f} MiB. Please upload a smaller image."
        )
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image = Image.open(io.BytesIO(data))
        except UnidentifiedImageError:
            raise ImageError(
                "This file is not an image that can be read. Please upload a PNG, JPEG, WebP, "
                "BMP, TIFF or HEIC file."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(_too_many_pixels_message(None)) from None
        except Exception as error:  # Pillow raises many types for corrupt headers.
            raise ImageError(f"The image header could not be read ({_short(error)}).") from None
        if image.format not in ALLOWED_FORMATS:
            raise ImageError(
                f"{image.format or 'This'} images are not supported. Please upload a PNG, JPEG, "
                "WebP, BMP, TIFF or HEIC file."
            )
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageError("The image has no pixels.")
        if max_side is not None:
            max_side = checks.number(max_side, "max_side", ImageError, low=1, high=1 << 16, whole=True)  # fmt: skip
        if image.format in ("JPEG", "MPO") and max_side and width * height <= MAX_DRAFT_PIXELS:
            scale = max_side / max(width, height)
            if scale < 1:  # the decoder shrinks by 1/2, 1/4 or 1/8, to at least this size
                image.draft("RGB", (max(1, round(width * scale)), max(1, round(height * scale))))
        drawn = image.size
        if drawn[0] * drawn[1] > MAX_PIXELS:
            raise ImageError(_too_many_pixels_message((width, height)))
        try:
            with DECODING:
                image.load()
                orientation = image.getexif().get(0x0112, 1)
                image = ImageOps.exif_transpose(image)
                rgb = _to_rgb(image)
        except ImageError:
            raise
        except Exception as error:
            raise ImageError(
                f"The image could not be decoded; the file looks truncated or damaged "
                f"({_short(error)})."
            ) from None
    rotated = orientation in (5, 6, 7, 8)  # EXIF orientation: a quarter turn
    original = (width, height) if rotated else (height, width)
    return (downscale(rgb, max_side) if max_side else rgb), original


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    claimed = f" ({size[0]} x {size[1]} = {size[0] * size[1] / 1e6:.0f} MP)" if size else ""
    return (
        f"The image is too large{claimed}; the limit is {MAX_PIXELS / 1e6:.0f} megapixels. "
        "Please downscale it first."
    )


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


_STRIP_PIXELS = 1 << 20
"""High-bit-depth images are converted a strip of about a megapixel at a time, so the only full-size
arrays are Pillow's decoded image and the RGB result."""

_UNSIGNED_16 = ("I;16", "I;16L", "I;16B", "I;16N")
_SIGNED_16 = ("I;16S", "I;16BS", "I;16LS", "I;16NS")


def _to_rgb(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to RGB uint8 [H, W, 3], scaling high bit depths by their depth."""
    mode = image.mode
    if mode in _UNSIGNED_16 or mode in _SIGNED_16 or mode == "I":
        low, high = _integer_range(image)
        return _strips_to_rgb(image, low, high)
    if mode == "F":
        low, high = _finite_extrema(image)
        return _strips_to_rgb(image, low, high)
    if mode == "P" or mode == "PA" or mode in ("LA", "La"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb)


def _integer_range(image: Image.Image) -> tuple[float, float]:
    """The values drawn black and white for an integer image: 0 and the largest value its bit
    depth holds (negative values of signed images are drawn black). Never the content's range:
    the same pixel value always gives the same grey."""
    if image.mode in _UNSIGNED_16:
        return 0.0, 65535.0
    if image.mode in _SIGNED_16:
        return 0.0, 32767.0
    bits, signed = 32, True  # Pillow's "I" holds int32
    tags = getattr(image, "tag_v2", None)
    if tags is not None:
        depth = tags.get(258)
        depth = depth[0] if isinstance(depth, tuple) else depth
        sample = tags.get(339)
        sample = sample[0] if isinstance(sample, tuple) else sample
        if isinstance(depth, int) and 1 <= depth <= 32:
            bits = depth
            signed = sample == 2
    return 0.0, float(2 ** (bits - 1) - 1 if signed else 2**bits - 1)


def _rows(image: Image.Image) -> int:
    return max(1, _STRIP_PIXELS // max(1, image.size[0]))


def _strip(image: Image.Image, top: int, rows: int) -> np.ndarray:
    width, height = image.size
    return np.asarray(image.crop((0, top, width, min(height, top + rows))))


def _finite_extrema(image: Image.Image) -> tuple[float, float]:
    """(min, max) of the finite values of a float image; (0, 1) if none."""
    low, high = image.getextrema()  # fast, in C, but NaN or infinite when the image holds them
    if np.isfinite(low) and np.isfinite(high):
        return float(low), float(high)
    low, high = np.inf, -np.inf
    rows = _rows(image)
    for top in range(0, image.size[1], rows):
        values = _strip(image, top, rows)
        finite = values[np.isfinite(values)]
        if finite.size:
            low, high = min(low, float(finite.min())), max(high, float(finite.max()))
    return (low, high) if low <= high else (0.0, 1.0)


def _strips_to_rgb(image: Image.Image, low: float, high: float) -> np.ndarray:
    """Grey RGB uint8 [H, W, 3] with `low` black and `high` white, one strip of rows at a time
    in float32 (NaN black, values beyond the range clipped)."""
    import cv2  # imported here: only high-bit-depth uploads need it

    width, height = image.size
    rgb = np.empty((height, width, 3), dtype=np.uint8)
    scale = np.float32(255.0 / (high - low if high > low else 1.0))
    rows = _rows(image)
    for top in range(0, height, rows):
        values = _strip(image, top, rows).astype(np.float32)  # [rows, W]
        values -= np.float32(low)
        values *= scale
        np.fmax(values, 0, out=values)  # fmax / fmin drop NaN: NaN becomes 0 (black)
        np.fmin(values, 255, out=values)
        np.rint(values, out=values)
        gray = values.astype(np.uint8)
        # cv2 writes the three channels in one pass, in place; numpy broadcasting is 5x slower.
        cv2.cvtColor(gray, cv2.COLOR_GRAY2RGB, dst=rgb[top : top + gray.shape[0]])
    return rgb


def downscale(image: np.ndarray, max_side: int = 1024) -> np.ndarray:
    """Shrink an image so that its longer side is at most `max_side` pixels (area averaging).

    Args:
        image: np.ndarray[H, W] or [H, W, C] uint8.
        max_side: the longest side allowed.

    Returns:
        The same array if it already fits, else a resized uint8 copy with the aspect ratio kept.

    Raises:
        ImageError: not a non-empty uint8 image with 1, 3 or 4 channels, or max_side < 1.
    """
    image = _uint8_image(image)
    max_side = checks.number(max_side, "max_side", ImageError, low=1, high=1 << 20, whole=True)
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(image).resize(size, Image.Resampling.BOX)
    return np.asarray(resized, dtype=np.uint8)


def _uint8_image(image: np.ndarray) -> np.ndarray:
    """Check a decoded image: uint8 [H, W] or [H, W, C] with C in (1, 3, 4), not empty."""
    try:
        image = np.asarray(image)
    except (TypeError, ValueError):
        raise ImageError("an image is a grid of numbers with rows of equal length") from None
    if image.dtype != np.uint8:
        raise ImageError(f"images here are uint8 (0..255), got {image.dtype}")
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3, 4)):
        raise ImageError(f"an image is [H, W] or [H, W, 1/3/4], got {list(image.shape)}")
    if image.size == 0:
        raise ImageError(f"the image is empty (shape {list(image.shape)})")
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[:, :, 0]
    return image


def to_gray(image: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma of an RGB uint8 image, as float32 [H, W] in 0..255 (as OpenCV's).

    Raises:
        ImageError: not a non-empty uint8 image.
    """
    image = _uint8_image(image)
    if image.ndim == 2:
        return image.astype(np.float32)
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return image[..., :3].astype(np.float32) @ weights  # [H, W]


def sample_image(name: str) -> np.ndarray:
    """One of the embedded scikit-image sample photos as RGB uint8 [H, W, 3].

    Raises:
        ImageError: `name` is not in `SAMPLES`.
    """
    if not isinstance(name, str) or name not in SAMPLES:
        raise ImageError(f"unknown sample {checks.show(name)}; choose one of {sorted(SAMPLES)}")
    from skimage import data  # imported here: skimage is slow to import and only samples need it

    image = getattr(data, name)()
    if image.ndim == 2:
        image = np.repeat(image[:, :, None], 3, axis=2)
    return np.ascontiguousarray(image[..., :3].astype(np.uint8))


def photo_patch(image: np.ndarray, center: tuple[float, float], crop: int, size: int) -> np.ndarray:
    """A small grid of pixel values from a photo, for stepping by hand.

    Args:
        image: np.ndarray[H, W, 3] uint8.
        center: (row, col) of the crop centre as fractions 0..1 of the height and width.
        crop: side of the square crop in photo pixels (clipped to the photo).
        size: side of the returned grid; the crop is area-averaged down to it.

    Returns:
        np.ndarray[size, size, 3] float64 of whole numbers 0..255.

    Raises:
        ImageError: a bad image, a centre outside 0..1, or sizes that are not whole numbers
            from 1 to 4096.
    """
    image = _uint8_image(image)
    if image.ndim != 3 or image.shape[2] < 3:
        raise ImageError("photo_patch takes an RGB photo [H, W, 3]")
    image = image[:, :, :3]
    centre = checks.array(center, "the centre", ImageError).ravel()
    if centre.shape != (2,):
        raise ImageError("the centre is (row, column) as fractions from 0 to 1")
    row, col = (checks.number(v, "the centre", ImageError, low=0, high=1) for v in centre)
    crop = checks.number(crop, "the crop", ImageError, low=1, high=4096, whole=True)
    size = checks.number(size, "the grid size", ImageError, low=1, high=4096, whole=True)
    center = (row, col)
    height, width = image.shape[:2]
    crop = int(np.clip(crop, size, min(height, width)))
    top = int(np.clip(round(center[0] * height - crop / 2), 0, height - crop))
    left = int(np.clip(round(center[1] * width - crop / 2), 0, width - crop))
    patch = Image.fromarray(image[top : top + crop, left : left + crop])
    small = patch.resize((size, size), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float64)
