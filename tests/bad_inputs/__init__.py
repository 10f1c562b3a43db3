"""Hostile and odd uploads, generated (nothing downloaded, nothing stored in the repository).

`images()` -> {name: (file name, bytes, expected)}: expected is "image" (the page must use it) or
words the page's message must contain. `other_files()` gives the same for the checkpoint,
annotation, results and score uploads. File names carry HTML and path characters on purpose:
they must never be shown as HTML or used as paths.
"""

from __future__ import annotations

import io
import json
import pickle
import struct
import zipfile
import zlib

import numpy as np
from PIL import Image

HOSTILE_NAMES = ["<script>alert(1)</script>.png", "../../etc/passwd.jpg", "a\\b\\c.png", "x" * 300 + ".png"]  # fmt: skip


def _save(image: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


def _photo(width: int = 160, height: int = 120, seed: int = 0) -> Image.Image:
    rng = np.random.default_rng(seed)
    small = (rng.random((max(1, height // 8), max(1, width // 8), 3)) * 255).astype(np.uint8)
    return Image.fromarray(small).resize((width, height))


def _png_bomb(width: int = 50_000, height: int = 50_000) -> bytes:
    """A valid PNG header claiming width x height pixels, with a few bytes of data."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))  # fmt: skip

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")  # fmt: skip


def images() -> dict[str, tuple[str, bytes, str]]:
    photo = _photo()
    png = _save(photo, "PNG")
    jpeg = _save(photo, "JPEG", quality=85)
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate a quarter turn on display
    animated = io.BytesIO()
    frames = [_photo(seed=s).convert("P") for s in range(3)]
    frames[0].save(animated, "GIF", save_all=True, append_images=frames[1:], duration=100, loop=0)
    pages = io.BytesIO()
    _photo(seed=1).save(pages, "TIFF", save_all=True, append_images=[_photo(seed=2), _photo(seed=3)])  # fmt: skip
    palette = Image.new("P", (64, 48))
    palette.putpalette([v for i in range(256) for v in (i, 255 - i, 128)])
    palette.info["transparency"] = 0
    zipped = io.BytesIO()
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.writestr("../../evil.txt", "nothing to see")
    big = _save(_photo(8000, 6000), "JPEG", quality=70)
    files = {
        "empty": ("empty.png", b"", "empty"),
        "one byte": ("one.png", b"\x89", "not an image"),
        "truncated png": ("cut.png", png[: len(png) // 2], "truncated"),
        "truncated jpeg": ("cut.jpg", jpeg[: len(jpeg) // 3], "truncated"),
        "png named jpg": ("really-a-png.jpg", png, "image"),
        "png bomb 50000 x 50000": ("bomb.png", _png_bomb(), "too large"),
        "48 MP jpeg (8000 x 6000)": ("phone.jpg", big, "image"),
        "1 x 1": ("dot.png", _save(Image.new("RGB", (1, 1), "red"), "PNG"), "image"),
        "10000 x 10": ("strip.png", _save(Image.new("RGB", (10000, 10), "blue"), "PNG"), "image"),
        "16-bit grey": (
            "deep.png",
            _save(
                Image.fromarray((np.arange(64 * 48).reshape(48, 64) * 20).astype(np.uint16)), "PNG"
            ),
            "image",
        ),  # fmt: skip
        "cmyk jpeg": ("print.jpg", _save(photo.convert("CMYK"), "JPEG"), "image"),
        "palette with transparency": ("palette.png", _save(palette, "PNG"), "image"),
        "animated gif": ("moving.gif", animated.getvalue(), "image"),
        "exif rotated jpeg": ("rotated.jpg", _save(photo, "JPEG", exif=exif), "image"),
        "grayscale": ("grey.png", _save(photo.convert("L"), "PNG"), "image"),
        "multi-page tiff": ("pages.tif", pages.getvalue(), "image"),
        "svg": (
            "drawing.svg",
            b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
            "not an image",
        ),  # fmt: skip
        "zip named jpg": ("archive.jpg", zipped.getvalue(), "not an image"),
        "html named png": (
            HOSTILE_NAMES[0],
            b"<html><script>alert(1)</script></html>",
            "not an image",
        ),  # fmt: skip
        "path name, valid jpeg": (HOSTILE_NAMES[1], jpeg, "image"),
        "backslash name, valid png": (HOSTILE_NAMES[2], png, "image"),
        "very long name": (HOSTILE_NAMES[3], png, "image"),
        "float tiff with nan": (
            "float.tif",
            _save(
                Image.fromarray(
                    np.where(
                        np.eye(40, 60) > 0, np.nan, np.linspace(0, 1, 2400).reshape(40, 60)
                    ).astype(np.float32)
                ),
                "TIFF",
            ),
            "image",
        ),  # fmt: skip
        "webp": ("photo.webp", _save(photo, "WEBP"), "image"),
        "bmp": ("photo.bmp", _save(photo, "BMP"), "image"),
        "jpeg with junk appended": ("tail.jpg", jpeg + b"\x00" * 1000 + b"junk", "image"),
        "over 25 MB": ("huge.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * (26 * 2**20), "limit"),
        "ico": ("icon.ico", _save(photo.resize((32, 32)), "ICO"), "not supported"),
        "ico named png": ("icon.png", _save(photo.resize((32, 32)), "ICO"), "not supported"),
    }
    try:
        import pillow_heif

        heif = pillow_heif.from_pillow(photo)
        buffer = io.BytesIO()
        heif.save(buffer, quality=80, exif=exif.tobytes())
        files["heic with exif rotation"] = ("iphone.heic", buffer.getvalue(), "image")
    except ImportError:  # pragma: no cover
        pass
    return files


class _Payload:
    def __reduce__(self):
        return (print, ("this code ran",))


def other_files() -> dict[str, dict[str, tuple[str, bytes, str]]]:
    """Bad files for the other uploaders, by uploader: {name: (file name, bytes, words)}."""
    import torch

    buffer = io.BytesIO()
    torch.save({"w": torch.zeros(1000)}, buffer)
    checkpoint = buffer.getvalue()
    return {
        "checkpoint": {
            "truncated pth": ("model.pth", checkpoint[: len(checkpoint) // 2], "not a complete"),
            "pickle with code": ("model.pth", pickle.dumps({"w": _Payload()}), "refused"),
            "arbitrary pickle objects": (
                "model.pth",
                pickle.dumps({"w": {1, 2, 3}}),
                "Python objects",
            ),  # fmt: skip
            "an image": ("model.pth", _save(_photo(), "PNG"), "not a PyTorch"),
            "empty": ("model.pth", b"", "empty"),
        },
        "annotation": {
            "json not coco": ("gt.json", b'{"hello": "world"}', "COCO annotation"),
            "nan box": (
                "gt.json",
                b'{"images":[{"id":1,"file_name":"a"}],"categories":[{"id":1,"name":"face"}],"annotations":[{"image_id":1,"category_id":1,"bbox":[NaN,0,1,1]}]}',
                "finite",
            ),  # fmt: skip
            "negative box": (
                "gt.json",
                json.dumps(
                    {
                        "images": [{"id": 1, "file_name": "a"}],
                        "categories": [{"id": 1, "name": "face"}],
                        "annotations": [{"image_id": 1, "category_id": 1, "bbox": [0, 0, -5, 1]}],
                    }
                ).encode(),
                "negative",
            ),  # fmt: skip
            "xml bomb": (
                "gt.xml",
                b'<!DOCTYPE a [<!ENTITY b "bb">]><annotation>&b;</annotation>',
                "refused",
            ),  # fmt: skip
            "binary": ("gt.json", bytes(range(256)), "expected a COCO"),
        },
        "results": {
            "not json": ("det.json", b"{oops", "not JSON"),
            "unknown image": (
                "det.json",
                b'[{"image_id": 99, "category_id": 1, "bbox": [0, 0, 1, 1], "score": 1}]',
                "image 99",
            ),  # fmt: skip
            "nan score": (
                "det.json",
                b'[{"image_id": 1, "category_id": 1, "bbox": [0, 0, 1, 1], "score": NaN}]',
                "must be a number, got nan",
            ),  # fmt: skip
            "not a list": ("det.json", b'{"image_id": 1}', "results file"),
        },
        "scores": {
            "binary": ("scores.csv", bytes(range(256)), "not text"),
            "no header": ("scores.csv", b"1,0.5\n0,0.2\n", "header"),
            "nan": ("scores.csv", b"label,score\n1,nan\n0,0.2\n", "finite"),
            "one class": ("scores.csv", b"label,score\n1,0.5\n1,0.2\n", "both classes"),
        },
    }
