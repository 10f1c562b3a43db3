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
    load_photo,
    photo_patch,
    sample_image,
    to_gray,
)
from tests.hostile import attack, must_refuse, outcome


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
    ("ICO is not accepted", encode(PHOTO, "ICO"), "not supported"),
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


# --- hostile values, high bit depths, memory ---------------------------------------------------

SMALL_RGB = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3)
EDGE_CASES = [
    (load_image, {"data": encode(PHOTO, "PNG")}),
    (downscale, {"image": SMALL_RGB, "max_side": 4}),
    (to_gray, {"image": SMALL_RGB}),
    (photo_patch, {"image": SMALL_RGB, "center": (0.5, 0.5), "crop": 4, "size": 2}),
    (sample_image, {"name": "coffee"}),
]


@pytest.mark.parametrize("function, kwargs, variant", attack(EDGE_CASES))
def test_every_argument_refuses_hostile_values_with_an_image_error(
    function, kwargs, variant
) -> None:
    result = outcome(lambda: function(**kwargs), ImageError)
    if must_refuse(variant):
        assert result == "refused"


def test_int32_tiff_is_scaled_by_bit_depth_not_content() -> None:
    alone = np.array([[0, 255]], dtype=np.int32)
    beside_256 = np.array([[0, 255, 256]], dtype=np.int32)
    first = load_image(encode(Image.fromarray(alone), "TIFF"))
    second = load_image(encode(Image.fromarray(beside_256), "TIFF"))
    assert first[0, 1, 0] == second[0, 1, 0]  # the same value, the same grey
    full = np.array([[0, 2**31 - 1, -5]], dtype=np.int32)
    np.testing.assert_array_equal(
        load_image(encode(Image.fromarray(full), "TIFF"))[0, :, 0], [0, 255, 0]
    )


def test_float_tiff_maps_its_finite_range_with_nan_black() -> None:
    values = np.array([[0.0, 0.5, 1.0, np.nan, np.inf, -np.inf]], dtype=np.float32)
    rgb = load_image(encode(Image.fromarray(values), "TIFF"))
    np.testing.assert_array_equal(rgb[0, :, 0], [0, 128, 255, 0, 255, 0])
    np.testing.assert_array_equal(rgb[..., 0], rgb[..., 2])


def test_big_float_tiff_loads_without_float64_copies(tmp_path) -> None:
    """6300 x 6300 float32, deflated to a few hundred KB: the peak memory of decoding it stays near
    Pillow's own float32 decode (1.33x the RGB result) plus the RGB result, no float64 copies
    (those took 1.85 GB). Measured in a fresh process, where ru_maxrss starts clean."""
    import subprocess
    import sys

    side = 6300
    values = np.zeros((side, side), dtype=np.float32)
    values[::7, ::5] = 3.5
    values[0, 0] = np.nan
    path = tmp_path / "big.tif"
    Image.fromarray(values).save(path, compression="tiff_deflate")
    del values
    script = (
        "import resource, sys\n"
        "from lab.images import load_image\n"
        "data = open(sys.argv[1], 'rb').read()\n"
        "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "image = load_image(data)\n"
        "peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss\n"
        "print((peak - base) * 1024, image.nbytes, int(image[0, 5, 0]), int(image[0, 0, 0]))\n"
    )
    output = subprocess.run(
        [sys.executable, "-c", script, str(path)], capture_output=True, text=True, check=True
    ).stdout.split()
    rise, rgb_bytes, marked, nan_pixel = (int(v) for v in output)
    assert rgb_bytes == side * side * 3
    assert (marked, nan_pixel) == (255, 0)
    assert rise < 3 * rgb_bytes, (
        f"peak rose by {rise / 2**20:.0f} MB for a {rgb_bytes / 2**20:.0f} MB image"
    )


def test_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (16, 8), colour) for colour in ("red", "blue")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=100)
    rgb = load_image(buffer.getvalue())
    assert rgb.shape == (8, 16, 3)
    np.testing.assert_array_equal(rgb[0, 0], [255, 0, 0])


def test_heic_loads_upright() -> None:
    """iPhones' default format: decoded by pillow-heif, with its orientation applied once."""
    pillow_heif = pytest.importorskip("pillow_heif")
    stored = np.zeros((20, 40, 3), dtype=np.uint8)
    stored[:, :20] = (200, 30, 30)
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.fromarray(stored)).save(buffer, quality=-1)
    rgb = load_image(buffer.getvalue())
    assert rgb.shape == (20, 40, 3)
    assert np.abs(rgb[10, 5].astype(int) - [200, 30, 30]).max() < 12
    assert rgb[10, 35].max() < 12


def big_jpeg(width: int, height: int) -> bytes:
    rows, cols = np.mgrid[0:height, 0:width]
    pixels = np.stack([cols * 255 // width, rows * 255 // height, (cols + rows) % 256], axis=2)
    return encode(Image.fromarray(pixels.astype(np.uint8)), "JPEG", quality=90)


def test_big_jpeg_is_decoded_at_reduced_scale_and_matches_a_full_decode() -> None:
    """A 48 MP phone photo (over the 40 MP full-decode limit) is accepted for a page that shows it
    at 640 px: the decoder works at 1/8 scale, and the result stays within a few levels of a
    full-size decode downscaled the same way (checked on a 12 MP photo, which can be decoded)."""
    data = big_jpeg(4000, 3000)
    small, original = load_photo(data, 640)
    assert original == (3000, 4000) and small.shape == (480, 640, 3)
    reference = downscale(load_image(data), 640)
    assert np.abs(small.astype(int) - reference.astype(int)).mean() < 3

    huge = big_jpeg(8000, 6000)  # 48 MP
    with pytest.raises(ImageError, match="too large|pixels"):
        load_image(huge)
    small, original = load_photo(huge, 640)
    assert original == (6000, 8000) and small.shape == (480, 640, 3)


def test_reduced_scale_reports_the_upright_size_of_a_rotated_photo() -> None:
    exif = Image.Exif()
    exif[0x0112] = 6
    stored = Image.fromarray(np.zeros((300, 400, 3), dtype=np.uint8))
    small, original = load_photo(encode(stored, "JPEG", exif=exif.tobytes()), 100)
    assert original == (400, 300) and small.shape == (100, 75, 3)


@pytest.mark.parametrize("max_side", [0, -5, 2.5, float("nan"), 1 << 20])
def test_load_photo_refuses_a_bad_max_side(max_side) -> None:
    with pytest.raises(ImageError):
        load_photo(JPEG, max_side)


def test_heic_with_exif_orientation_is_turned_upright() -> None:
    pillow_heif = pytest.importorskip("pillow_heif")
    stored = np.zeros((20, 40, 3), dtype=np.uint8)
    stored[:5, :5] = 255  # white mark at the stored top-left
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90 degrees clockwise to display
    buffer = io.BytesIO()
    pillow_heif.from_pillow(Image.fromarray(stored)).save(buffer, quality=-1, exif=exif.tobytes())
    rgb, original = load_photo(buffer.getvalue(), 640)
    assert rgb.shape == (40, 20, 3) and original == (40, 20)
    assert rgb[:5, -5:].mean() > 200 and rgb[:5, :5].mean() < 50  # the mark is now top-right
