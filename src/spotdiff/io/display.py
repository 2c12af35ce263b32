"""8-bit RGB copies of images, for drawing and for stages that need RGB."""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.io.image import Image


def display_rgb(image: Image, shape: tuple[int, int] | None = None) -> np.ndarray:
    """An 8-bit RGB copy of ``image`` for drawing (alpha over white).

    ``shape`` (H, W) pads or crops to the diff's frame when a size policy
    changed it.
    """
    px = image.pixels
    if px.dtype != np.uint8:
        px = cv2.convertScaleAbs(px.astype(np.float32), alpha=255.0 / image.data_range)
        px = px.reshape(image.pixels.shape)
    if px.shape[2] == 1:
        out = cv2.cvtColor(px, cv2.COLOR_GRAY2RGB)
    elif px.shape[2] == 4:
        a = px[:, :, 3:4].astype(np.float32) / 255.0
        out = (px[:, :, :3] * a + 255.0 * (1 - a)).astype(np.uint8)
    else:
        out = px.copy()
    if shape is not None and out.shape[:2] != shape:
        h, w = shape
        canvas = np.zeros((h, w, 3), np.uint8)
        hh, ww = min(h, out.shape[0]), min(w, out.shape[1])
        canvas[:hh, :ww] = out[:hh, :ww]
        out = canvas
    return out
