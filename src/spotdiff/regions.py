"""Connected components of a mask -> :class:`Regions`."""

from __future__ import annotations

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
