"""Alpha and channel handling: bring two images to comparable channels.

The documented rule for methods that compare colours (``color``,
``absdiff``, ``ssim``): an RGBA image is composited over white *and* over
black, and a pixel's difference is the larger of the two. A change that is
visible on any background is found; two fully transparent pixels never
differ, whatever colour their invisible RGB holds. The ``pixel`` method
follows pixelmatch's own rule instead (checkerboard or white).
"""

from __future__ import annotations

import cv2
import numpy as np


def match_channels(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Give both arrays the same channel count (gray is widened to RGB,
    RGB gains an opaque alpha when the other image has one)."""
    cb, ca = before.shape[2], after.shape[2]
    if cb == ca:
        return before, after
    target = max(cb, ca)
    return _widen(before, target), _widen(after, target)


def _widen(pixels: np.ndarray, channels: int) -> np.ndarray:
    c = pixels.shape[2]
    if c == channels:
        return pixels
    if c == 1:
        code = cv2.COLOR_GRAY2RGB if channels == 3 else cv2.COLOR_GRAY2RGBA
        return cv2.cvtColor(pixels, code)
    # RGB -> RGBA, opaque
    out = cv2.cvtColor(pixels, cv2.COLOR_RGB2RGBA)
    if pixels.dtype != np.uint8:
        out[:, :, 3] = np.iinfo(pixels.dtype).max if pixels.dtype.kind == "u" else 1.0
    return out


def over_background(rgba: np.ndarray, data_range: float, background: float) -> np.ndarray:
    """Composite RGBA over a constant gray level (0 or ``data_range``)."""
    rgb = rgba[:, :, :3].astype(np.float32)
    alpha = rgba[:, :, 3:4].astype(np.float32) * np.float32(1.0 / data_range)
    out = rgb * alpha + np.float32(background) * (1.0 - alpha)
    if rgba.dtype.kind == "u":
        return np.clip(np.rint(out), 0, data_range).astype(rgba.dtype)
    return out.astype(rgba.dtype)


def opaque_views(
    before: np.ndarray, after: np.ndarray, data_range: float
) -> list[tuple[np.ndarray, np.ndarray]]:
    """The pairs a colour method must compare: one pair for opaque inputs,
    the white- and the black-composited pairs for RGBA inputs."""
    if before.shape[2] != 4:
        return [(before, after)]
    return [
        (over_background(before, data_range, bg), over_background(after, data_range, bg))
        for bg in (data_range, 0.0)
    ]
