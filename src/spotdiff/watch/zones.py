"""Zones and masks: polygons in image coordinates rasterised at the detector's size."""

from __future__ import annotations

from collections.abc import Sequence

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.mask import polygons_mask


def scaled_polygon_mask(shape: tuple[int, int], polygons: Sequence[Sequence[tuple[int, int]]],
                        scale: float) -> np.ndarray:
    """bool ``shape`` mask: inside any polygon (frame coordinates times ``scale``)."""
    return polygons_mask(shape, [np.round(np.asarray(p, np.float64) * scale).astype(np.int32)
                                 for p in polygons])


def load_mask_image(path: str, frame_shape: tuple[int, int]) -> np.ndarray:
    """A mask image (nonzero = ignored) of the frame's size, as bool (H, W)."""
    pixels = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if pixels is None:
        raise InputError(f"mask image '{path}'", expected="a readable image file",
                         got="a file OpenCV cannot decode (or no such file)",
                         fix="give a PNG whose nonzero pixels are ignored")
    if pixels.shape[:2] != frame_shape:
        raise InputError(f"mask image '{path}'",
                         expected=f"the frames' size {frame_shape[1]}x{frame_shape[0]}",
                         got=f"{pixels.shape[1]}x{pixels.shape[0]}",
                         fix="draw the mask on a frame of this camera")
    if pixels.ndim == 3:
        pixels = pixels.max(axis=2)
    return pixels > 0
