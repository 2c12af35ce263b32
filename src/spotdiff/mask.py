"""From a difference map to a clean mask: thresholds, morphology, holes, masks.

Pure functions over ndarrays. Masks are bool (H, W); OpenCV works on uint8
0/255 internally, converted at the edges of each function.
"""

from __future__ import annotations

import cv2
import numpy as np


def as_u8(mask: np.ndarray) -> np.ndarray:
    """A mask as uint8 0/1 for OpenCV (a view when it is bool)."""
    return mask.view(np.uint8) if mask.dtype == np.bool_ else (mask != 0).view(np.uint8)


def _box(u8: np.ndarray, margin: int) -> tuple[slice, slice] | None:
    """Rows and columns of the bounding box of the nonzero pixels grown by
    ``margin`` (within the image); None when there are none.

    Morphology that reaches ``margin`` pixels or less changes nothing
    outside it, so it can run on the box alone, with the same result:
    a change in a 4K frame costs what its own area costs.
    """
    x, y, w, h = cv2.boundingRect(u8)
    if w == 0 or h == 0:
        return None
    return (slice(max(0, y - margin), min(u8.shape[0], y + h + margin)),
            slice(max(0, x - margin), min(u8.shape[1], x + w + margin)))


def dilate(mask: np.ndarray, kernel: np.ndarray) -> np.ndarray:
    """uint8 0/1 dilation of a mask by a (centred, odd-sized) ``kernel``,
    computed within the bounding box of its pixels only (see :func:`_box`)."""
    u8 = as_u8(mask)
    box = _box(u8, max(kernel.shape) // 2)
    out = np.zeros(u8.shape, np.uint8)
    if box is not None:
        out[box] = cv2.dilate(u8[box], kernel)
    return out


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


def above(values: np.ndarray, threshold: float | np.ndarray) -> np.ndarray:
    """Pixels strictly above ``threshold`` (a number or a per-pixel map)."""
    if isinstance(threshold, np.ndarray):
        return cv2.compare(values, threshold, cv2.CMP_GT).view(np.bool_)
    _, out = cv2.threshold(values, threshold, 1, cv2.THRESH_BINARY)
    return out.astype(np.bool_)


def noise_floor(values: np.ndarray, *, grid: int = 16, span: int = 5) -> np.ndarray:
    """A smooth map of the difference that noise alone makes, per place.

    The map is averaged over blocks (``grid`` blocks along the longer side),
    and a grey opening ``span`` blocks wide removes whatever is brighter
    than its surroundings over less than that span: changed objects, up to
    about a quarter of the image across. What remains is the broad level
    that codec or sensor noise adds (e.g. large in saturated areas of a JPEG
    where chroma is coarsely quantised); it is smoothed and scaled back.
    """
    h, w = values.shape
    block = max(h, w) / grid
    gh, gw = max(1, round(h / block)), max(1, round(w / block))
    small = cv2.resize(values, (gw, gh), interpolation=cv2.INTER_AREA)
    kernel = cv2.getStructuringElement(cv2.MORPH_RECT, (span, span))
    opened = cv2.morphologyEx(small, cv2.MORPH_OPEN, kernel, borderType=cv2.BORDER_REPLICATE)
    opened = cv2.GaussianBlur(opened, (0, 0), 1.0, borderType=cv2.BORDER_REPLICATE)
    return cv2.resize(opened, (w, h), interpolation=cv2.INTER_LINEAR)


def hysteresis(
    values: np.ndarray, low: float | np.ndarray, high: float | np.ndarray
) -> np.ndarray:
    """Pixels above ``low`` that are 8-connected to a pixel above ``high``
    (each a number or a per-pixel map)."""
    weak = above(values, low)
    strong = above(values, high)
    if not strong.any():
        return strong
    out = np.zeros(weak.shape, np.bool_)
    box = _box(as_u8(weak), 0)  # components lie within it
    if box is None:
        return out
    n, labels = cv2.connectedComponents(as_u8(weak)[box], connectivity=8)
    keep = np.zeros(n, np.bool_)
    keep[labels[strong[box]]] = True
    keep[0] = False
    out[box] = keep[labels]
    return out


def ellipse(size: int) -> np.ndarray:
    return cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (size, size))


def open_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """Morphological opening: removes specks thinner than ``size``."""
    if size <= 1:
        return mask
    return cv2.morphologyEx(as_u8(mask), cv2.MORPH_OPEN, ellipse(size)).astype(np.bool_)


def close_mask(mask: np.ndarray, size: int) -> np.ndarray:
    """Morphological closing: bridges gaps narrower than ``size``."""
    if size <= 1:
        return mask
    u8 = as_u8(mask)
    # within the mask's bounding box grown by the kernel twice (dilation, then
    # erosion), surrounded by background as the whole frame would be
    box = _box(u8, size)
    out = np.zeros(u8.shape, np.bool_)
    if box is None:
        return out
    pad = size
    padded = cv2.copyMakeBorder(u8[box], pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=0)
    closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, ellipse(size))
    out[box] = closed[pad:-pad, pad:-pad].view(np.bool_)
    return out


def fill_holes(mask: np.ndarray) -> np.ndarray:
    """Fill enclosed background: flood the outside from the border, invert."""
    full = as_u8(mask)
    # a hole lies within the mask's bounding box; all around it is outside
    box = _box(full, 0)
    out = np.zeros(full.shape, np.bool_)
    if box is None:
        return out
    u8 = full[box] * np.uint8(255)
    h, w = u8.shape
    padded = cv2.copyMakeBorder(u8, 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    flood = padded.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 255)
    holes = cv2.bitwise_not(flood)[1:-1, 1:-1]
    out[box] = (u8 | holes) != 0
    return out


def remove_small(mask: np.ndarray, min_area: int) -> np.ndarray:
    """Drop 8-connected components smaller than ``min_area`` pixels."""
    if min_area <= 1:
        return mask
    out = np.zeros(mask.shape, np.bool_)
    box = _box(as_u8(mask), 0)  # components lie within it
    if box is None:
        return out
    n, labels, stats, _ = cv2.connectedComponentsWithStats(as_u8(mask)[box], connectivity=8)
    keep = stats[:, cv2.CC_STAT_AREA] >= min_area
    keep[0] = False
    out[box] = keep[labels]
    return out


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


def label_groups(
    mask: np.ndarray, merge_gap: int = 0
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray] | None:
    """Label the mask's pixels by group: 8-connected components, with gaps
    up to ``merge_gap`` pixels bridged.

    Returns ``(n, labels, points, lab)``: the number of labels (0 is the
    background), the (H, W) label image, the mask's pixels as (N, 2) int64
    ``x, y`` (found with ``cv2.findNonZero``, several times faster than
    ``np.nonzero``) and each pixel's label; None for an empty mask.
    """
    u8 = as_u8(mask)
    points = cv2.findNonZero(u8)
    if points is None:
        return None
    kernel = ellipse(2 * (merge_gap // 2) + 1) if merge_gap > 0 else None
    # labelled within the bounding box of the (bridged) pixels, which starts
    # on an even row and column: OpenCV scans 2x2 blocks and numbers the
    # components in the order their first block comes, the same as over the
    # whole frame (the numbers order regions of equal area)
    box = _box(u8, 0 if kernel is None else kernel.shape[0] // 2)
    assert box is not None  # the mask has pixels
    box = (slice(box[0].start & ~1, box[0].stop), slice(box[1].start & ~1, box[1].stop))
    grouping = u8[box] if kernel is None else cv2.dilate(u8[box], kernel)
    n, inside = cv2.connectedComponents(grouping, connectivity=8, ltype=cv2.CV_32S)
    labels = np.zeros(u8.shape, np.int32)
    labels[box] = inside
    points = points.reshape(-1, 2).astype(np.int64)  # OpenCV versions differ in the shape
    return n, labels, points, labels[points[:, 1], points[:, 0]]


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
    groups = label_groups(mask, merge_gap)
    if groups is None:
        return mask
    n, _, points, lab = groups
    area = np.bincount(lab, minlength=n)
    # peak * sqrt(n) > contrast_area  <=>  some pixel exceeds contrast_area / sqrt(n)
    need = np.float32(contrast_area) / np.sqrt(np.maximum(area, 1)).astype(np.float32)
    strong = values[points[:, 1], points[:, 0]] > need[lab]
    keep = np.zeros(n, np.bool_)
    keep[lab[strong]] = True
    keep[0] = False
    if keep[lab].all():
        return mask
    out = np.zeros(mask.shape, np.bool_)
    kept = keep[lab]
    out[points[kept, 1], points[kept, 0]] = True
    return out


def sharpen(coarse: np.ndarray, fine: np.ndarray, *, close: int = 5) -> np.ndarray:
    """Give a mask found on a blurred map the outline of the sharp evidence.

    ``coarse`` (detections on a blurred map) says *which* areas changed;
    ``fine`` (the unblurred map above threshold) says exactly *where*. The
    result is ``fine`` inside ``coarse`` (grown by ``close`` pixels), closed
    and hole-filled; a coarse area with no fine pixel at all is kept as it
    is, so sharpening never loses a detection.
    """
    if not coarse.any():
        return coarse
    grown = dilate(coarse, ellipse(2 * close + 1)).view(np.bool_)
    shaped = fill_holes(close_mask(fine & grown, close)) & grown
    box = _box(as_u8(coarse), 0)  # coarse's components lie within it
    assert box is not None  # coarse has pixels
    n, labels = cv2.connectedComponents(as_u8(coarse)[box], connectivity=8)
    hit = np.zeros(n, np.bool_)
    hit[labels[shaped[box]]] = True
    hit[0] = False
    shaped[box] |= coarse[box] & ~hit[labels]  # coarse areas with no fine pixel
    return shaped
