"""Safe image loading for every page that takes uploads, and the embedded sample photos.

`load_image` turns untrusted bytes into an RGB uint8 array or raises `ImageError` with a sentence a
student can act on. It never trusts the file name (it is never given one) and checks the pixel count
from the header before decoding, so a tiny file that claims 30000 x 30000 pixels costs nothing.
"""

from __future__ import annotations

import io
import warnings

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 25 * 1024 * 1024
"""Uploads larger than this are refused before decoding (25 MiB)."""

MAX_PIXELS = 40_000_000
"""Images with more pixels than this (40 MP) are refused; Pillow's own limit is about 89 MP."""

ALLOWED_FORMATS = {"PNG", "JPEG", "WEBP", "BMP", "TIFF", "MPO"}
"""Pillow format names accepted (MPO is what some phone cameras call a JPEG)."""

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
    """Decode an uploaded file into an RGB image.

    Args:
        data: the raw bytes of the file (PNG, JPEG, WebP, BMP or TIFF).

    Returns:
        np.ndarray[H, W, 3] uint8, EXIF orientation applied; grayscale, palette, 16-bit, CMYK and
        images with transparency converted (transparent pixels become white).

    Raises:
        ImageError: empty, too large, not an image, unsupported format, too many pixels, truncated
            or otherwise undecodable files. The message says which, in plain words.
    """
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
                "BMP or TIFF file."
            ) from None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise ImageError(_too_many_pixels_message(None)) from None
        except Exception as error:  # Pillow raises many types for corrupt headers.
            raise ImageError(f"The image header could not be read ({_short(error)}).") from None
        if image.format not in ALLOWED_FORMATS:
            raise ImageError(
                f"{image.format or 'This'} images are not supported. Please upload a PNG, JPEG, "
                "WebP, BMP or TIFF file."
            )
        width, height = image.size
        if width < 1 or height < 1:
            raise ImageError("The image has no pixels.")
        if width * height > MAX_PIXELS:
            raise ImageError(_too_many_pixels_message((width, height)))
        try:
            image.load()
            image = ImageOps.exif_transpose(image)
            return _to_rgb(image)
        except ImageError:
            raise
        except Exception as error:
            raise ImageError(
                f"The image could not be decoded; the file looks truncated or damaged "
                f"({_short(error)})."
            ) from None


def _too_many_pixels_message(size: tuple[int, int] | None) -> str:
    claimed = f" ({size[0]} x {size[1]} = {size[0] * size[1] / 1e6:.0f} MP)" if size else ""
    return (
        f"The image is too large{claimed}; the limit is {MAX_PIXELS / 1e6:.0f} megapixels. "
        "Please downscale it first."
    )


def _short(error: Exception) -> str:
    text = str(error) or type(error).__name__
    return text if len(text) <= 120 else text[:117] + "..."


def _to_rgb(image: Image.Image) -> np.ndarray:
    """Convert any Pillow mode to RGB uint8 [H, W, 3], scaling high bit depths correctly."""
    mode = image.mode
    if mode in ("I;16", "I;16L", "I;16B", "I;16N"):
        gray = np.asarray(image, dtype=np.float64) / 65535.0  # [H, W] in [0, 1]
        return _gray_to_rgb(gray)
    if mode == "I":
        values = np.asarray(image, dtype=np.float64)
        # A 16-bit file decoded as 32-bit integers: scale by its bit depth, not by its content.
        scale = 65535.0 if values.max(initial=0) > 255 else 255.0
        return _gray_to_rgb(values / scale)
    if mode == "F":
        values = np.asarray(image, dtype=np.float64)
        finite = values[np.isfinite(values)]
        low, high = (finite.min(), finite.max()) if finite.size else (0.0, 1.0)
        gray = (np.nan_to_num(values, nan=low) - low) / (high - low if high > low else 1.0)
        return _gray_to_rgb(gray)
    if mode == "P" or mode == "PA" or mode in ("LA", "La"):
        image = image.convert("RGBA")
    if image.mode in ("RGBA", "RGBa"):
        white = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(white, image.convert("RGBA"))
    rgb = np.asarray(image.convert("RGB"), dtype=np.uint8)
    return np.ascontiguousarray(rgb)


def _gray_to_rgb(gray: np.ndarray) -> np.ndarray:
    gray8 = np.clip(np.rint(gray * 255.0), 0, 255).astype(np.uint8)  # [H, W]
    return np.repeat(gray8[:, :, None], 3, axis=2)


def downscale(image: np.ndarray, max_side: int = 1024) -> np.ndarray:
    """Shrink an image so that its longer side is at most `max_side` pixels (area averaging).

    Args:
        image: np.ndarray[H, W] or [H, W, C] uint8.
        max_side: the longest side allowed.

    Returns:
        The same array if it already fits, else a resized uint8 copy with the aspect ratio kept.
    """
    height, width = image.shape[:2]
    longest = max(height, width)
    if longest <= max_side:
        return image
    scale = max_side / longest
    size = (max(1, round(width * scale)), max(1, round(height * scale)))
    resized = Image.fromarray(image).resize(size, Image.Resampling.BOX)
    return np.asarray(resized, dtype=np.uint8)


def to_gray(image: np.ndarray) -> np.ndarray:
    """ITU-R BT.601 luma of an RGB uint8 image, as float32 [H, W] in 0..255 (as OpenCV's)."""
    if image.ndim == 2:
        return image.astype(np.float32)
    weights = np.array([0.299, 0.587, 0.114], dtype=np.float32)
    return image[..., :3].astype(np.float32) @ weights  # [H, W]


def sample_image(name: str) -> np.ndarray:
    """One of the embedded scikit-image sample photos as RGB uint8 [H, W, 3].

    Raises:
        KeyError: `name` is not in `SAMPLES`.
    """
    if name not in SAMPLES:
        raise KeyError(f"unknown sample {name!r}; choose one of {sorted(SAMPLES)}")
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
    """
    height, width = image.shape[:2]
    crop = int(np.clip(crop, size, min(height, width)))
    top = int(np.clip(round(center[0] * height - crop / 2), 0, height - crop))
    left = int(np.clip(round(center[1] * width - crop / 2), 0, width - crop))
    patch = Image.fromarray(image[top : top + crop, left : left + crop])
    small = patch.resize((size, size), Image.Resampling.BOX)
    return np.asarray(small, dtype=np.float64)
