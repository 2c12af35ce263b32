"""From a difference map to a clean mask: thresholds, morphology, holes, masks.

Pure functions over ndarrays. Masks are bool (H, W); OpenCV works on uint8
0/255 internally, converted at the edges of each function.
"""

from __future__ import annotations

import cv2
import numpy as np


def _u8(mask: np.ndarray) -> np.ndarray:
    return mask.view(np.uint8) if mask.dtype == np.bool_ else (mask != 0).view(np.uint8)


def otsu_threshold(values: np.ndarray) -> float:
    """Otsu's threshold of a float map, computed on a 256-bin histogram.

    Returns the threshold in the map's units. A constant map returns its
    value (so nothing lies strictly above it).
    """
    top = float(values.max())
    if top <= 0:
        return 0.0
    scaled = cv2.convertScaleAbs(values, alpha=255.0 / top)
    t, _ = cv2.threshold(scaled, 0, 255, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return float(t) * top / 255.0


def above(values: np.ndarray, threshold: float) -> np.ndarray:
    """Pixels strictly above ``threshold`` as a bool mask."""
    _, out = cv2.threshold(values, threshold, 1, cv2.THRESH_BINARY)
    return out.astype(np.bool_)


def hysteresis(values: np.ndarray, low: float, high: float) -> np.ndarray:
    """Pixels above ``low`` that are 8-connected to a pixel above ``high``."""
    weak = above(values, low)
    strong = above(values, high)
    if not strong.any():
        return strong
    n, labels = cv2.connectedComponents(_u8(weak), connectivity=8)
    keep = np.zeros(n, np.bool_)
    keep[labels[strong]] = True
    keep[0] = False
    return keep[labels]


def ellipse(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def open_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """Morphological opening: removes specks thinner than ``size``."""
    if size <= 1:
        return mask
    return cv2.morphologyEx(_u8(mask), cv2.MORPH_OPEN, ellipse(size)).astype(np.bool_)


def close_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """Morphological closing: bridges gaps narrower than ``size``."""
    if size <= 1:
        return mask
    pad = size
    padded = cv2.copyMakeBorder(_u8(mask), pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, ellipse(size))
    return closed[pad:-pad, pad:-pad].astype(np.bool_)


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill enclosed background: flood the outside from the border, invert."""
    u8 = _u8(mask) * np.uint8(255)
    h, w = u8.shape
    padded = cv2.copyMakeBorder(u8, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 255)
    holes = cv2.bitwise_not(flood)[1:-1, 1:-1]
    return (u8 | holes) != 0


def remove_small(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Drop 8-connected components smaller than ``min_area`` pixels."""
    if min_area <= 1:
        return mask
    n, labels, stats, _ = cv2.connectedComponentsWithStats(_u8(mask), connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    return keep[labels]


def rectangles_mask(shape: tuple[int, int], boxes: list[tuple[int, int, int, int]]) -> np.ndarray:
    """bool mask, True inside each ``x0, y0, x1, y1`` box (exclusive max)."""
    out = np.zeros(shape, np.bool_)
    for x0, y0, x1, y1 in boxes:
        out[y0:y1, x0:x1] = True
    return out


def polygons_mask(shape: tuple[int, int], polygons: list[np.ndarray]) -> np.ndarray:
    """bool mask, True inside each polygon ((k, 2) x, y vertices)."""
    out = np.zeros(shape, np.uint8)
    if polygons:
        cv2.fillPoly(out, [np.asarray(p, np.int32).reshape(-1, 1, 2) for p in polygons], 1)
    return out.astype(np.bool_)


def drop_faint_specks(
    mask: np.ndarray, values: np.ndarray, *, contrast_area: float, merge_gap: int = 0
) -> np.ndarray:
    """Drop groups of pixels too small and too faint to be seen.

    A group (8-connected, after bridging gaps up to ``merge_gap``) of ``n``
    pixels whose largest value is ``v`` is kept when ``v * sqrt(n) >
    contrast_area``. Small spots need more contrast to be visible than large
    ones (spatial summation: the contrast needed to see a spot falls with its
    size), so a single pixel must differ a lot, while a faint change over a
    wide area is still found.
    """
    u8 = mask.view(np.uint8) if mask.dtype == np.bool_ else (mask != 0).view(np.uint8)
    points = cv2.findNonZero(u8)
    if points is None:
        return mask
    grouping = u8 if merge_gap <= 0 else cv2.dilate(u8, ellipse(2 * (merge_gap // 2) + 1))
    n, labels = cv2.connectedComponents(grouping, connectivity=8, ltype=cv2.CV_32S)
    points = points.reshape(-1, 2)
    lab = labels[points[:, 1], points[:, 0]]
    area = np.bincount(lab, minlength=n)
    peak = np.zeros(n)
    np.maximum.at(peak, lab, values[points[:, 1], points[:, 0]])
    keep = peak * np.sqrt(area) > contrast_area
    keep[0] = False
    if keep[lab].all():
        return mask
    out = np.zeros(mask.shape, np.bool_)
    kept = keep[lab]
    out[points[kept, 1], points[kept, 0]] = True
    return out
