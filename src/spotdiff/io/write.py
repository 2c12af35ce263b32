"""Write output files atomically: a file is either complete or absent."""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from spotdiff.errors import InputError


@contextmanager
def written_atomically(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On any error the temporary file is removed, so no half-written output
    is ever left where a reader expects a finished file.
    """
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)  # mkstemp creates 0600; outputs are ordinary files
    try:
        yield Path(tmp)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def encode_png(pixels: np.ndarray, *, compression: int = 1) -> bytes:
    """Encode RGB(A) or gray pixels as PNG bytes."""
    if pixels.ndim == 3 and pixels.shape[2] == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    elif pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA)
    ok, buf = cv2.imencode(".png", pixels, [cv2.IMWRITE_PNG_COMPRESSION, compression])
    if not ok:  # pragma: no cover - OpenCV fails only on unsupported dtypes
        raise InputError("PNG encoder", expected="uint8 or uint16 pixels", got=str(pixels.dtype))
    return buf.tobytes()


def write_image(path: str | os.PathLike, pixels: np.ndarray, *, compression: int = 1) -> Path:
    """Write RGB(A)/gray pixels to a PNG file atomically."""
    data = encode_png(pixels, compression=compression)
    with written_atomically(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_json(path: str | os.PathLike, payload: Any) -> Path:
    """Write JSON atomically, pretty-printed."""
    text = json.dumps(payload, indent=2) + "\n"
    with written_atomically(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
