"""The seed corpus: small valid images of each format, made in code.

Every seed is deterministic (fixed random generator), a few kilobytes at
most, and decodes cleanly, so that any refusal of a mutant is the
mutation's doing.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO

import cv2
import numpy as np
import tifffile

#: Seed size; small so that hundreds of comparisons stay fast.
HEIGHT, WIDTH = 48, 64


@dataclass(frozen=True)
class Seed:
    """One valid image file: its name, format, file ending and bytes."""

    name: str
    fmt: str
    suffix: str
    data: bytes


def _picture(channels: int, dtype: type = np.uint8) -> np.ndarray:
    """A smooth gradient with a few noisy blocks: compresses, yet has detail."""
    rng = np.random.default_rng(12)
    y, x = np.mgrid[0:HEIGHT, 0:WIDTH]
    base = (x * 3 + y * 2).astype(np.float64)
    base[8:24, 10:30] += rng.integers(0, 60, (16, 20))
    planes = [np.roll(base, 7 * c, axis=1) for c in range(channels)]
    img = np.stack(planes, axis=-1) if channels > 1 else base
    img = np.clip(img, 0, 255)
    if dtype == np.uint16:
        return (img * 257).astype(np.uint16)
    if dtype == np.float32:
        return (img / 255.0).astype(np.float32)
    return img.astype(np.uint8)


def _encode(ext: str, img: np.ndarray, params: list[int] | None = None) -> bytes:
    ok, buf = cv2.imencode(ext, img, params or [])
    if not ok:
        raise RuntimeError(f"OpenCV could not encode a seed as {ext}")
    return buf.tobytes()


def _palette_png() -> bytes:
    """A palette (colour type 3) PNG, written chunk by chunk with zlib."""
    import struct
    import zlib

    index = (_picture(1) // 32).astype(np.uint8)  # 8 colours
    palette = bytes(v for i in range(8) for v in (i * 32, 255 - i * 32, (i * 80) % 256))
    raw = b"".join(b"\x00" + row.tobytes() for row in index)

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + kind + body
                + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", WIDTH, HEIGHT, 8, 3, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"PLTE", palette)
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _tiff(img: np.ndarray, **kwargs: object) -> bytes:
    out = BytesIO()
    tifffile.imwrite(out, img, **kwargs)
    return out.getvalue()


def seeds() -> list[Seed]:
    """All seeds, in a fixed order."""
    rgb = _picture(3)
    gray = _picture(1)
    rgba = np.dstack([rgb, np.full((HEIGHT, WIDTH), 200, np.uint8)])
    return [
        Seed("png-gray8", "png", ".png", _encode(".png", gray)),
        Seed("png-gray16", "png", ".png", _encode(".png", _picture(1, np.uint16))),
        Seed("png-rgb", "png", ".png", _encode(".png", rgb)),
        Seed("png-rgba", "png", ".png", _encode(".png", rgba)),
        Seed("png-palette", "png", ".png", _palette_png()),
        Seed("jpeg-baseline", "jpeg", ".jpg", _encode(".jpg", rgb, [cv2.IMWRITE_JPEG_QUALITY, 90])),
        Seed("jpeg-progressive", "jpeg", ".jpg",
             _encode(".jpg", rgb, [cv2.IMWRITE_JPEG_PROGRESSIVE, 1])),
        Seed("jpeg-gray", "jpeg", ".jpg", _encode(".jpg", gray)),
        Seed("tiff-rgb8", "tiff", ".tif", _tiff(rgb[..., ::-1].copy(), photometric="rgb")),
        Seed("tiff-gray16", "tiff", ".tif", _tiff(_picture(1, np.uint16))),
        Seed("tiff-float32", "tiff", ".tif", _tiff(_picture(1, np.float32))),
        Seed("webp-lossy", "webp", ".webp", _encode(".webp", rgb, [cv2.IMWRITE_WEBP_QUALITY, 80])),
        Seed("webp-lossless", "webp", ".webp",
             _encode(".webp", rgb, [cv2.IMWRITE_WEBP_QUALITY, 101])),
        Seed("bmp-rgb", "bmp", ".bmp", _encode(".bmp", rgb)),
    ]


def nan_float_tiff() -> bytes:
    """A float32 TIFF holding NaN and inf: must be refused, not compared."""
    img = _picture(1, np.float32)
    img[5:9, 5:9] = np.nan
    img[20, 20] = np.inf
    return _tiff(img)


def noisy_png(height: int, width: int, seed: int, box: tuple[int, int, int, int] | None = None,
              ) -> bytes:
    """Random noise (worst case for the encoders), optionally with a black box."""
    img = np.random.default_rng(seed).integers(0, 256, (height, width, 3), np.uint8)
    if box is not None:
        x0, y0, x1, y1 = box
        img[y0:y1, x0:x1] = 0
    return _encode(".png", img)
