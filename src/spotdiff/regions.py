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


#: What :func:`find_regions_in_rows` needs of each component (any order):
#: its pixel count, box (inclusive), sums of x and y, sum and maximum of the
#: map's values, ``min((y // 2) * W + x)`` and the flat index of its first
#: pixel in raster order.
COMPONENT_SUMS = ("area", "x0", "y0", "x1", "y1", "sx", "sy", "total", "peak", "key", "start")


def find_regions_in_rows(
    mask: np.ndarray,
    rows: np.ndarray,
    values_at: Callable[[np.ndarray], np.ndarray],
    *,
    component_sums: Callable[[], dict[str, np.ndarray] | None] | None = None,
    max_regions: int = 10_000,
    polygons: bool = True,
) -> Regions:
    """:func:`find_regions` (no ``merge_gap``) of a sparse mask, done only
    around its changes.

    Parameters
    ----------
    mask : ndarray
        bool (H, W).
    rows : ndarray
        (H,) the mask's pixels per row (only whether each is zero is read).
    values_at : callable
        Flat pixel indices (int64) -> the difference map's values there, so
        that the map itself need not exist.
    component_sums : callable, optional
        A faster way to the same per-component numbers (a dict of
        :data:`COMPONENT_SUMS` arrays; None when it cannot): the pixel
        method's compiled kernel labels the mask's runs of pixels itself.
    max_regions, polygons
        As :func:`find_regions`; the polygons are traced on first access.

    Notes
    -----
    The result equals ``find_regions(mask, diff_map, ...)``, polygons and
    order included. Components are labelled per window (runs of changed rows,
    then of changed columns in each: none spans two); regions of equal area
    are ordered as OpenCV numbers them over the whole frame, by the first
    2x2 block (pairs of rows from the top, then columns) they touch, that is
    by ``min((y // 2) * W + x)`` over their pixels.
    """
    u8 = as_u8(mask)
    sums = component_sums() if component_sums is not None else None
    if sums is None:
        sums = _window_sums(u8, np.asarray(rows), values_at)
    if sums is None:
        return Regions.empty()
    area, key = sums["area"], sums["key"]
    order = np.lexsort((key, -area))[:max_regions]
    a = area[order]
    fields = dict(
        xyxy=np.stack([sums["x0"][order], sums["y0"][order], sums["x1"][order] + 1,
                       sums["y1"][order] + 1], axis=1).astype(np.int64),
        area=a.astype(np.int64),
        centroid=np.stack([sums["sx"][order] / a, sums["sy"][order] / a], axis=1),
        strength=sums["total"][order] / a,
        peak=sums["peak"][order].astype(np.float64),
    )
    if not polygons:
        return Regions(polygons=[[] for _ in order], **fields)
    # a component's outer contour starts at its first pixel in raster order
    return Regions.with_deferred_polygons(_Outlines(u8, np.asarray(rows), sums["start"][order]),
                                          **fields)


def _window_sums(u8: np.ndarray, rows: np.ndarray,
                 values_at: Callable[[np.ndarray], np.ndarray]) -> dict[str, np.ndarray] | None:
    """:data:`COMPONENT_SUMS` of the mask's components, labelled by OpenCV in
    windows around the changes (None for an empty mask)."""
    h, w = u8.shape
    windows = _windows(u8, rows)
    if not windows:
        return None
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
    flat = rows_ * w + cols
    vals = values_at(flat).astype(np.float64)
    big = np.iinfo(np.int64).max
    out = {"area": np.bincount(lab, minlength=n), "x0": np.full(n, big), "y0": np.full(n, big),
           "x1": np.full(n, -1, np.int64), "y1": np.full(n, -1, np.int64),
           "peak": np.zeros(n), "key": np.full(n, big), "start": np.full(n, big)}
    np.minimum.at(out["x0"], lab, cols)
    np.minimum.at(out["y0"], lab, rows_)
    np.maximum.at(out["x1"], lab, cols)
    np.maximum.at(out["y1"], lab, rows_)
    np.maximum.at(out["peak"], lab, vals)
    np.minimum.at(out["key"], lab, (rows_ // 2) * w + cols)
    np.minimum.at(out["start"], lab, flat)
    out["total"] = np.bincount(lab, weights=vals, minlength=n)
    out["sx"] = np.bincount(lab, weights=cols, minlength=n)
    out["sy"] = np.bincount(lab, weights=rows_, minlength=n)
    return {k: v[1:] for k, v in out.items()}  # without the background


class _Outlines:
    """The outer contours of regions found around the changes, traced when
    asked (from a copy of the changed rows)."""

    def __init__(self, u8: np.ndarray, rows: np.ndarray, starts: np.ndarray) -> None:
        self.shape = u8.shape
        self.bands = [(y0, u8[y0:y1].copy()) for y0, y1 in _runs(rows)]
        self.starts = starts  # per region (in order), the flat index of its first pixel

    def __call__(self) -> list[list[np.ndarray]]:
        h, w = self.shape
        slot = {int(s): i for i, s in enumerate(self.starts.tolist())}
        polys: list[list[np.ndarray]] = [[] for _ in range(len(self.starts))]
        for y0, band in self.bands:
            # the band between its empty rows (kept where the frame has them)
            top, bottom = int(y0 > 0), int(y0 + len(band) < h)
            crop = np.zeros((len(band) + top + bottom, w), np.uint8)
            crop[top : top + len(band)] = band
            contours, _ = cv2.findContours(crop, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE,
                                           offset=(0, y0 - top))
            for contour in contours:
                x, y = contour[0, 0].tolist()
                i = slot.get(y * w + x)
                if i is not None:
                    polys[i].append(contour.reshape(-1, 2))
        return polys
