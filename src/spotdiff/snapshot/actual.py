"""What a test passes to ``image_snapshot``, as pixels to compare and as the
bytes of a baseline file.

Accepted: a numpy array (RGB(A) or gray, as :func:`spotdiff.compare`
takes), a PIL image (recognised by its methods; Pillow is not a dependency),
encoded bytes (PNG, JPEG, WebP, ... as Playwright's ``page.screenshot()``
returns) or a path. Encoded input whose format matches the baseline's name
is written as it is (no re-encoding); anything else is encoded in the
format the name's ending says, from the pixels compared.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from spotdiff.errors import InputError
from spotdiff.io.image import Image, decode_image, load_image, sniff_format
from spotdiff.io.write import WRITE_FORMATS, encode_image

#: The format :func:`sniff_format` names for each ending a baseline may have.
_SNIFFED = {".png": "png", ".jpg": "jpeg", ".jpeg": "jpeg", ".webp": "webp", ".bmp": "bmp",
            ".tif": "tiff", ".tiff": "tiff"}


@dataclass(frozen=True)
class Actual:
    """The image a test passed: its pixels, and its encoded bytes when it
    came encoded (bytes or a file)."""

    image: Image
    encoded: bytes | None = None

    def baseline_bytes(self, suffix: str) -> bytes:
        """The content of a baseline named with ``suffix`` (``.png``, ...)."""
        if self.encoded is not None and sniff_format(self.encoded[:32]) == _SNIFFED.get(
                suffix.lower()):
            return self.encoded
        pixels = self.image.pixels
        if pixels.dtype.kind == "f":  # float input: a 16-bit file keeps its precision
            scaled = np.clip(pixels / self.image.data_range, 0.0, 1.0) * 65535.0
            pixels = np.round(scaled).astype(np.uint16)
        if pixels.ndim == 3 and pixels.shape[2] == 1:
            pixels = pixels[:, :, 0]
        return encode_image(pixels, suffix)


def _is_pil(value: Any) -> bool:
    return all(hasattr(value, a) for a in ("getbands", "mode", "size", "convert"))


def _from_pil(value: Any) -> np.ndarray:
    """A PIL image's pixels: gray, RGB, RGBA and 16-bit gray as they are,
    other modes (palette, CMYK, ...) converted to RGB(A)."""
    if value.mode in ("L", "RGB", "RGBA", "I;16"):
        return np.asarray(value)
    has_alpha = "A" in value.getbands() or "transparency" in getattr(value, "info", {})
    return np.asarray(value.convert("RGBA" if has_alpha else "RGB"))


def read_actual(actual: Any, *, data_range: float | None = None) -> Actual:
    """``actual`` as an :class:`Actual`, or an :class:`InputError` saying what
    was expected."""
    if isinstance(actual, Image):
        return Actual(actual)
    if isinstance(actual, np.ndarray):
        return Actual(load_image(actual, data_range=data_range, name="actual"))
    if isinstance(actual, (bytes, bytearray, memoryview)):
        data = bytes(actual)
        return Actual(decode_image(data, name="<bytes>", role="actual"), data)
    if isinstance(actual, (str, os.PathLike)):
        image = load_image(actual, name="actual")
        return Actual(image, Path(actual).read_bytes())
    if _is_pil(actual):
        return Actual(load_image(_from_pil(actual), name="actual PIL image"))
    raise InputError(
        "image_snapshot's actual image",
        expected="a numpy array, a PIL image, encoded image bytes (PNG, JPEG, ...) or a path",
        got=type(actual).__name__,
        fix="pass e.g. page.screenshot(), a numpy array or a file path",
    )


def check_name(name: Any) -> str:
    """A baseline name: a relative path (``/``-separated, no ``..``) ending in
    an image format spotdiff writes."""
    if not isinstance(name, str) or not name:
        raise InputError("image_snapshot name", expected="a file name such as 'home.png'",
                         got=repr(name))
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or any(p in ("", ".", "..") for p in parts) \
            or ":" in name:
        raise InputError("image_snapshot name", expected="a relative name inside the "
                         "snapshot folder, e.g. 'home.png' or 'login/form.png'",
                         got=repr(name), fix="drop the folder parts that leave it")
    suffix = Path(name).suffix.lower()
    if suffix not in WRITE_FORMATS:
        raise InputError("image_snapshot name", expected="a name ending in "
                         + ", ".join(WRITE_FORMATS), got=repr(name), fix="name it e.g. home.png")
    return "/".join(parts)
