"""lab.images: every kind of upload a class can throw at the lab, good and bad."""

from __future__ import annotations

import io
import struct
import time
import zlib

import numpy as np
import pytest
from PIL import Image

from lab.images import (
    MAX_PIXELS,
    MAX_UPLOAD_BYTES,
    SAMPLES,
    ImageError,
    downscale,
    load_image,
    sample_image,
    to_gray,
)


def encode(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload))
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny PNG whose header claims width x height pixels (a decompression-bomb shape)."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", header)
        + png_chunk(b"IDAT", zlib.compress(b"\x00" * 64))
        + png_chunk(b"IEND", b"")
    )


GRADIENT = Image.fromarray(np.tile(np.arange(0, 256, 4, dtype=np.uint8), (48, 1)))  # 64 x 48 'L'
_ROWS, _COLS = np.mgrid[0:30, 0:40]
PHOTO = Image.fromarray(  # smooth colours, so lossy codecs stay close
    np.stack([_COLS * 6, _ROWS * 8, 255 - _COLS * 3], axis=2).astype(np.uint8)
)
JPEG = encode(PHOTO, "JPEG", quality=95)

BAD_UPLOADS = [
    # (case, bytes, words expected in the message)
    ("empty file", b"", "empty"),
    ("truncated JPEG", JPEG[: len(JPEG) // 2], "truncated"),
    ("text renamed .png", b"hello, this is not a picture\n" * 20, "not an image"),
    ("30000 x 30000 PNG header", png_claiming(30000, 30000), "too large"),
    ("PNG header only, no pixel data", png_claiming(64, 64)[:33], "not an image"),
    ("GIF is not accepted", encode(GRADIENT, "GIF"), "not supported"),
    ("PNG signature then garbage", b"\x89PNG\r\n\x1a\n" + b"\x00" * 100, ""),
    ("over the byte limit", b"\xff\xd8" + b"\x00" * (MAX_UPLOAD_BYTES + 1), "limit"),
]


@pytest.mark.parametrize("case, data, words", BAD_UPLOADS, ids=[case for case, _, _ in BAD_UPLOADS])
def test_bad_uploads_raise_image_error_with_a_message(case: str, data: bytes, words: str) -> None:
    started = time.perf_counter()
    with pytest.raises(ImageError) as raised:
        load_image(data)
    message = str(raised.value)
    assert words.lower() in message.lower()
    assert message and message[0].isupper() and "Traceback" not in message
    assert time.perf_counter() - started < 5  # refused from the header, not by decoding 900 MP


def test_pixel_limit_is_well_below_pillows() -> None:
    assert MAX_PIXELS <= 40_000_000 < Image.MAX_IMAGE_PIXELS


def test_sixteen_bit_png_is_scaled_by_bit_depth() -> None:
    values = np.array([[0, 257, 32896], [65535, 1000, 50000]], dtype=np.uint16)
    data = encode(Image.fromarray(values), "PNG")
    rgb = load_image(data)
    assert rgb.shape == (2, 3, 3) and rgb.dtype == np.uint8
    np.testing.assert_array_equal(rgb[..., 0], np.rint(values / 65535 * 255))
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_cmyk_jpeg_comes_back_as_rgb() -> None:
    red = Image.new("RGB", (16, 16), (220, 30, 30)).convert("CMYK")
    rgb = load_image(encode(red, "JPEG", quality=100))
    assert rgb.shape == (16, 16, 3)
    assert np.abs(rgb.astype(int) - [220, 30, 30]).max() <= 6


def test_palette_with_transparency_becomes_white_where_transparent() -> None:
    palette_image = Image.new("P", (4, 2), 0)
    palette_image.putpalette([0, 0, 0, 10, 200, 30] + [0] * 762)
    palette_image.putpixel((1, 0), 1)
    data = encode(palette_image, "PNG", transparency=0)
    rgb = load_image(data)
    np.testing.assert_array_equal(rgb[0, 0], [255, 255, 255])  # index 0 is transparent
    np.testing.assert_array_equal(rgb[0, 1], [10, 200, 30])


def test_rgba_is_composited_on_white() -> None:
    pixels = np.zeros((2, 2, 4), dtype=np.uint8)
    pixels[0, 0] = [255, 0, 0, 255]  # opaque red
    pixels[0, 1] = [0, 0, 255, 0]  # fully transparent blue
    pixels[1, 0] = [0, 0, 0, 128]  # half-transparent black
    rgb = load_image(encode(Image.fromarray(pixels, "RGBA"), "PNG"))
    np.testing.assert_array_equal(rgb[0, 0], [255, 0, 0])
    np.testing.assert_array_equal(rgb[0, 1], [255, 255, 255])
    assert 120 <= rgb[1, 0, 0] <= 135


def test_exif_rotated_jpeg_is_turned_upright() -> None:
    stored = np.zeros((20, 40, 3), dtype=np.uint8)  # 40 wide, 20 high as stored
    stored[:5, :5] = 255  # white mark at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation 6: rotate 90 degrees clockwise to display
    rgb = load_image(encode(Image.fromarray(stored), "JPEG", quality=95, exif=exif.tobytes()))
    assert rgb.shape == (40, 20, 3)  # upright: 20 wide, 40 high
    assert rgb[:5, -5:].mean() > 200 and rgb[:5, :5].mean() < 50  # the mark is now top-right


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "BMP", "TIFF"])
def test_every_accepted_format_loads(fmt: str) -> None:
    options = {"JPEG": {"quality": 100}, "WEBP": {"lossless": True}}.get(fmt, {})
    rgb = load_image(encode(PHOTO, fmt, **options))
    assert rgb.shape == (30, 40, 3) and rgb.dtype == np.uint8
    error = np.abs(rgb.astype(int) - np.asarray(PHOTO))
    assert error.max() <= (8 if fmt == "JPEG" else 0)


def test_grayscale_becomes_three_equal_channels() -> None:
    rgb = load_image(encode(GRADIENT, "PNG"))
    assert rgb.shape == (48, 64, 3)
    np.testing.assert_array_equal(rgb[..., 0], np.asarray(GRADIENT))
    np.testing.assert_array_equal(rgb[..., 1], rgb[..., 2])


def test_downscale_keeps_aspect_and_leaves_small_images_alone() -> None:
    big = np.zeros((300, 1200, 3), dtype=np.uint8)
    small = downscale(big, 600)
    assert small.shape == (150, 600, 3)
    assert downscale(small, 600) is small


def test_to_gray_uses_bt601_weights() -> None:
    pixel = np.array([[[100, 150, 200]]], dtype=np.uint8)
    assert to_gray(pixel)[0, 0] == pytest.approx(0.299 * 100 + 0.587 * 150 + 0.114 * 200, rel=1e-6)


@pytest.mark.parametrize("name", list(SAMPLES))
def test_samples_are_embedded_rgb_photos(name: str) -> None:
    image = sample_image(name)
    assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
    assert min(image.shape[:2]) >= 256
