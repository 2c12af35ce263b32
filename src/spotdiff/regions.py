"""Connected components of a mask -> :class:`Regions`."""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from spotdiff.mask import as_u8, label_groups
from spotdiff.result import Regions


def find_regions(
    mask: np.ndarray,
    diff_map: np.ndarray,
    *,
    merge_gap: int = 0,
    max_regions: int = 10_000,
    polygons: bool = True,
) -> Regions:
    """Group the mask's pixels into regions, largest first.

    Parameters
    ----------
    mask : ndarray
        bool (H, W).
    diff_map : ndarray
        float32 (H, W), for each region's strength (mean) and peak (max).
    merge_gap : int
        Components closer than this many pixels form one region (its box
        spans them all; its area counts only mask pixels).
    max_regions : int
        Keep at most this many regions (the largest).
    polygons : bool
        Trace the outer contours of each kept region.

    Notes
    -----
    Components are 8-connected. The work is one labelling pass plus
    per-label reductions over the mask's pixels only (found with
    ``cv2.findNonZero``, several times faster than ``np.nonzero``); OpenCV's
    ``connectedComponentsWithStats`` is slower than this when there are
    thousands of components.
    """
    groups = label_groups(mask, merge_gap)
    if groups is None:
        return Regions.empty()
    n, labels, points, lab = groups
    cols, rows = points[:, 0], points[:, 1]
    vals = diff_map[rows, cols].astype(np.float64)

    area = np.bincount(lab, minlength=n)
    present = np.flatnonzero(area[1:]) + 1
    order = present[np.argsort(-area[present], kind="stable")][:max_regions]
    x0 = np.full(n, np.iinfo(np.int64).max)
    y0 = np.full(n, np.iinfo(np.int64).max)
    x1 = np.full(n, -1, np.int64)
    y1 = np.full(n, -1, np.int64)
    peak = np.zeros(n)
    np.minimum.at(x0, lab, cols)
    np.minimum.at(y0, lab, rows)
    np.maximum.at(x1, lab, cols)
    np.maximum.at(y1, lab, rows)
    np.maximum.at(peak, lab, vals)
    total = np.bincount(lab, weights=vals, minlength=n)
    sx = np.bincount(lab, weights=cols, minlength=n)
    sy = np.bincount(lab, weights=rows, minlength=n)

    polys: list[list[np.ndarray]] = [[] for _ in order]
    if polygons:
        slot = np.full(n, -1)
        slot[order] = np.arange(len(order))
        contours, _ = cv2.findContours(as_u8(mask), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        if contours:
            starts = np.array([c[0, 0] for c in contours])
            slots = slot[labels[starts[:, 1], starts[:, 0]]]
            for i in np.flatnonzero(slots >= 0).tolist():
                polys[slots[i]].append(contours[i].reshape(-1, 2))

    a = area[order]
    return Regions(
        xyxy=np.stack([x0[order], y0[order], x1[order] + 1, y1[order] + 1], axis=1),
        area=a.astype(np.int64),
        centroid=np.stack([sx[order] / a, sy[order] / a], axis=1),
        strength=total[order] / a,
        peak=peak[order],
        polygons=polys,
    )


def _runs(occupied: np.ndarray) -> list[tuple[int, int]]:
    """``[start, end)`` of each run of nonzero entries of a 1-D array."""
    idx = np.flatnonzero(occupied)
    if len(idx) == 0:
        return []
    breaks = np.flatnonzero(np.diff(idx) > 1)
    starts = np.concatenate([idx[:1], idx[breaks + 1]])
    ends = np.concatenate([idx[breaks], idx[-1:]]) + 1
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def _windows(u8: np.ndarray, rows: np.ndarray) -> list[tuple[int, int, int, int]]:
    """``(y0, y1, x0, x1)`` boxes that together hold every pixel of the mask,
    each separated from the others by at least one empty row or column (so
    no 8-connected component spans two): the runs of changed rows, then the
    runs of changed columns within each."""
    out = []
    for y0, y1 in _runs(rows):
        occupied = u8[y0:y1].max(axis=0)  # numpy: far faster than cv2.reduce here
        out.extend((y0, y1, x0, x1) for x0, x1 in _runs(occupied))
    return out


def find_regions_in_rows(
    mask: np.ndarray,
    rows: np.ndarray,
    values_at: Callable[[np.ndarray], np.ndarray],
    *,
    max_regions: int = 10_000,
    polygons: bool = True,
) -> Regions:
    """:func:`find_regions` (no ``merge_gap``) of a sparse mask, done only
    in windows around its changes.

    Parameters
    ----------
    mask : ndarray
        bool (H, W).
    rows : ndarray
        (H,) the mask's pixels per row (only whether each is zero is read).
    values_at : callable
        Flat pixel indices (int64) -> the difference map's values there, so
        that the map itself need not exist.
    max_regions, polygons
        As :func:`find_regions`.

    Notes
    -----
    The result equals ``find_regions(mask, diff_map, ...)``, polygons and
    order included. Components are labelled per window (runs of changed rows,
    then of changed columns in each: none spans two); regions of equal area
    are ordered as OpenCV numbers them over the whole frame, by the first
    2x2 block (pairs of rows from the top, then columns) they touch, that is
    by ``(y // 2, x)`` of their first pixel in that order.
    """
    h, w = mask.shape
    u8 = as_u8(mask)
    windows = _windows(u8, np.asarray(rows))
    if not windows:
        return Regions.empty()
    point_parts, label_parts = [], []
    n = 1  # label 0 is the background
    for y0, y1, x0, x1 in windows:
        crop = u8[y0:y1, x0:x1]
        count, labels = cv2.connectedComponents(crop, connectivity=8, ltype=cv2.CV_32S)
        points = cv2.findNonZero(crop).reshape(-1, 2).astype(np.int64)
        local = labels[points[:, 1], points[:, 0]]
        points += (x0, y0)
        point_parts.append(points)
        label_parts.append(local + (n - 1))
        n += count - 1
    points = np.concatenate(point_parts)
    lab = np.concatenate(label_parts)
    cols, rows_ = points[:, 0], points[:, 1]
    vals = values_at(rows_ * w + cols).astype(np.float64)

    area = np.bincount(lab, minlength=n)
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, lab, (rows_ // 2) * w + cols)
    present = np.flatnonzero(area[1:]) + 1
    order = present[np.lexsort((first[present], -area[present]))][:max_regions]
    x0 = np.full(n, np.iinfo(np.int64).max)
    y0 = np.full(n, np.iinfo(np.int64).max)
    x1 = np.full(n, -1, np.int64)
    y1 = np.full(n, -1, np.int64)
    peak = np.zeros(n)
    np.minimum.at(x0, lab, cols)
    np.minimum.at(y0, lab, rows_)
    np.maximum.at(x1, lab, cols)
    np.maximum.at(y1, lab, rows_)
    np.maximum.at(peak, lab, vals)
    total = np.bincount(lab, weights=vals, minlength=n)
    sx = np.bincount(lab, weights=cols, minlength=n)
    sy = np.bincount(lab, weights=rows_, minlength=n)

    a = area[order]
    fields = dict(
        xyxy=np.stack([x0[order], y0[order], x1[order] + 1, y1[order] + 1], axis=1),
        area=a.astype(np.int64),
        centroid=np.stack([sx[order] / a, sy[order] / a], axis=1),
        strength=total[order] / a,
        peak=peak[order],
    )
    if not polygons:
        return Regions(polygons=[[] for _ in order], **fields)
    # a component's outer contour starts at its first pixel in raster order
    start = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(start, lab, rows_ * w + cols)
    return Regions.with_deferred_polygons(_Outlines(u8, windows, start[order]), **fields)


class _Outlines:
    """The outer contours of regions found in windows, traced when asked
    (a copy of the windows' pixels is kept)."""

    def __init__(self, u8: np.ndarray, windows: list[tuple[int, int, int, int]],
                 starts: np.ndarray) -> None:
        h, w = u8.shape
        self.width = w
        self.crops = []
        for y0, y1, x0, x1 in windows:
            # one pixel of margin where the frame allows: a contour sees its window's edge
            wy0, wy1, wx0, wx1 = max(0, y0 - 1), min(h, y1 + 1), max(0, x0 - 1), min(w, x1 + 1)
            self.crops.append((wx0, wy0, u8[wy0:wy1, wx0:wx1].copy()))
        self.starts = starts  # per region (in order), the flat index of its first pixel

    def __call__(self) -> list[list[np.ndarray]]:
        slot = {int(s): i for i, s in enumerate(self.starts.tolist())}
        polys: list[list[np.ndarray]] = [[] for _ in range(len(self.starts))]
        for x0, y0, crop in self.crops:
            contours, _ = cv2.findContours(crop, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE,
                                           offset=(x0, y0))
            for contour in contours:
                x, y = contour[0, 0].tolist()
                i = slot.get(y * self.width + x)
                if i is not None:
                    polys[i].append(contour.reshape(-1, 2))
        return polys
