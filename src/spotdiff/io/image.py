"""Decode image files and validate arrays into one internal form.

The internal form is an :class:`Image`: an (H, W, C) array in RGB(A) channel
order (C is 1, 3 or 4) of dtype uint8, uint16 or float32, with its
``data_range`` made explicit. Files are decoded with OpenCV; JPEG EXIF
orientation is applied; an alpha channel that is fully opaque is dropped so
that the fast opaque paths apply.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Union

import cv2
import numpy as np

from spotdiff.errors import InputError

ImageLike = Union[str, os.PathLike, np.ndarray, "Image"]

#: Magic bytes of the formats spotdiff decodes, checked before decoding so that
#: an unsupported file gets a precise message rather than a decoder failure.
_MAGIC = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
SUPPORTED_FORMATS = ("png", "jpeg", "bmp", "tiff", "webp")


@dataclass(frozen=True, eq=False)
class Image:
    """A decoded image.

    Attributes
    ----------
    pixels : ndarray
        (H, W, C) array, C in {1, 3, 4}, RGB(A) order, uint8/uint16/float32.
    data_range : float
        The value of full intensity (255 for uint8, 65535 for uint16, given
        by the caller for float input).
    name : str
        The path, or ``"<array>"``.
    """

    pixels: np.ndarray
    data_range: float
    name: str = "<array>"
    format: str = "array"

    @property
    def height(self) -> int:
        return int(self.pixels.shape[0])

    @property
    def width(self) -> int:
        return int(self.pixels.shape[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])

    @property
    def has_alpha(self) -> bool:
        return self.channels == 4

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.width, self.height


def sniff_format(head: bytes) -> str | None:
    """Name the image format from a file's first bytes, or None if unsupported."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


def _describe_head(head: bytes) -> str:
    if not head:
        return "an empty file"
    for magic, name in ((b"GIF8", "a GIF file"), (b"%PDF", "a PDF file"), (b"<", "text/markup")):
        if head.startswith(magic):
            return name
    return f"a file starting with bytes {head[:8].hex(' ')}"


def _truncated(data: bytes, fmt: str) -> bool:
    """Cheap structural end-of-file checks for the formats whose decoders
    silently return a partly grey image when the file is cut short."""
    tail = data[-64:]
    if fmt == "png":
        return b"IEND" not in tail
    if fmt == "jpeg":
        return b"\xff\xd9" not in data[-4096:].rstrip(b"\x00")
    return False


def _decode(data: bytes, name: str) -> tuple[np.ndarray, str]:
    fmt = sniff_format(data[:16])
    if fmt is None:
        raise InputError(
            f"image '{name}'",
            expected="a PNG, JPEG, BMP, TIFF or WebP file",
            got=_describe_head(data[:16]),
            fix="convert it to PNG first",
        )
    if _truncated(data, fmt):
        raise InputError(
            f"image '{name}'",
            expected=f"a complete {fmt.upper()} file",
            got=f"a file that ends early ({len(data)} bytes, no end marker)",
            fix="the file is truncated or still being written; re-export or re-download it",
        )
    buf = np.frombuffer(data, dtype=np.uint8)
    if fmt == "jpeg":
        # JPEG has no alpha; these flags keep 8/12-bit depth and gray, and
        # apply the EXIF orientation (IMREAD_UNCHANGED would ignore it).
        flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH
    else:
        flags = cv2.IMREAD_UNCHANGED
    try:
        pixels = cv2.imdecode(buf, flags)
    except cv2.error as exc:
        pixels = None
        detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else "decoder error"
    else:
        detail = "data the decoder could not read"
    if pixels is None or pixels.size == 0:
        raise InputError(
            f"image '{name}'",
            expected=f"a readable {fmt.upper()} file",
            got=f"corrupt {detail}",
            fix="re-export the image or check that it was copied completely",
        )
    return pixels, fmt


def _from_decoded(pixels: np.ndarray) -> np.ndarray:
    """OpenCV's BGR(A) to our RGB(A), with a channel axis always present."""
    if pixels.ndim == 2:
        return pixels[:, :, None]
    if pixels.shape[2] == 3:
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA)
    return pixels


def _drop_opaque_alpha(pixels: np.ndarray, data_range: float) -> np.ndarray:
    if pixels.shape[2] == 4 and pixels[:, :, 3].min() >= data_range:
        return np.ascontiguousarray(pixels[:, :, :3])
    return pixels


def _from_array(array: np.ndarray, data_range: float | None, name: str) -> Image:
    if not isinstance(array, np.ndarray):
        raise InputError(
            name,
            expected="a path or a numpy array",
            got=type(array).__name__,
            fix="pass a file path or an (H, W[, C]) numpy array",
        )
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise InputError(
            name,
            expected="an array of shape (H, W), (H, W, 3) or (H, W, 4)",
            got=f"shape {array.shape}",
            fix="pass gray, RGB or RGBA pixels with channels last",
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(name, expected="a non-empty image", got=f"shape {array.shape}")
    if array.dtype == np.uint8:
        default_range = 255.0
    elif array.dtype == np.uint16:
        default_range = 65535.0
    elif array.dtype.kind == "f":
        if data_range is None:
            raise InputError(
                name,
                expected="data_range for a float array",
                got=f"dtype {array.dtype} and no data_range",
                fix="pass data_range=1.0 (or 255.0) to say what full intensity is",
            )
        if not np.isfinite(array).all():
            raise InputError(name, expected="finite values", got="NaN or infinity")
        array = array.astype(np.float32, copy=False)
        default_range = float(data_range)
    else:
        raise InputError(
            name,
            expected="dtype uint8, uint16 or float",
            got=f"dtype {array.dtype}",
            fix="convert the array, e.g. array.astype(np.float32) with data_range",
        )
    rng = float(data_range) if data_range is not None else default_range
    if rng <= 0:
        raise InputError(name, expected="data_range > 0", got=str(data_range))
    pixels = _drop_opaque_alpha(np.ascontiguousarray(array), rng)
    return Image(pixels=pixels, data_range=rng, name="<array>")


def load_image(
    source: ImageLike, *, data_range: float | None = None, name: str = "image"
) -> Image:
    """Load a path or validate an array into an :class:`Image`.

    Parameters
    ----------
    source : path, ndarray or Image
        A file (PNG, JPEG, BMP, TIFF, WebP; 8 or 16 bit; gray, RGB, RGBA) or
        an array of shape (H, W), (H, W, 3) or (H, W, 4) in RGB(A) order.
    data_range : float, optional
        Full intensity. Required for float arrays; integer inputs use the
        full range of their dtype.
    name : str
        How to call this input in error messages (``"before"``/``"after"``).

    Raises
    ------
    InputError
        The file is missing, unreadable, truncated or of an unsupported
        format, or the array has an unsupported shape or dtype.
    """
    if isinstance(source, Image):
        return source
    if isinstance(source, np.ndarray):
        return _from_array(source, data_range, f"{name} array")
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(
            f"{name} image",
            expected="a path or a numpy array",
            got=type(source).__name__,
            fix="pass a file path or an (H, W[, C]) numpy array",
        )
    path = Path(source)
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(
            f"{name} image '{path}'",
            expected="an existing file",
            got="no such file",
            fix="check the path and the current directory",
        ) from None
    except IsADirectoryError:
        raise InputError(
            f"{name} image '{path}'",
            expected="a file",
            got="a directory",
            fix="pass an image file (use 'spotdiff batch' for folders)",
        ) from None
    except OSError as exc:
        raise InputError(
            f"{name} image '{path}'",
            expected="a readable file",
            got=exc.strerror or str(exc),
            fix="check the file's permissions",
        ) from None
    return decode_image(data, name=str(path))


def decode_image(data: bytes, *, name: str) -> Image:
    """Decode encoded image bytes (see :func:`load_image`)."""
    pixels, fmt = _decode(data, name)
    pixels = _from_decoded(pixels)
    if pixels.dtype == np.uint8:
        rng = 255.0
    elif pixels.dtype == np.uint16:
        rng = 65535.0
    elif pixels.dtype == np.float32:  # e.g. float TIFF, assumed to be in [0, 1]
        rng = 1.0
    else:
        raise InputError(
            f"image '{name}'",
            expected="8-bit, 16-bit or float samples",
            got=f"{pixels.dtype} samples",
            fix="convert it to an 8 or 16 bit PNG",
        )
    return Image(pixels=_drop_opaque_alpha(pixels, rng), data_range=rng, name=name, format=fmt)
