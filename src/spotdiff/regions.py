"""Connected components of a mask -> :class:`Regions`."""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.mask import ellipse
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
        float32 (H, W), for each region's strength and peak.
    merge_gap : int
        Components closer than this many pixels form one region (their box
        spans both; their area counts only mask pixels).
    max_regions : int
        Keep at most this many regions (the largest).
    polygons : bool
        Trace outer contours for each region.
    """
    u8 = mask.view(np.uint8) if mask.dtype == np.bool_ else (mask != 0).view(np.uint8)
    if not u8.any():
        return Regions.empty()
    grouping = u8
    if merge_gap > 0:
        grouping = cv2.dilate(u8, ellipse(2 * (merge_gap // 2) + 1))
    n, labels = cv2.connectedComponents(grouping, connectivity=8, ltype=cv2.CV_32S)
    rows, cols = np.nonzero(u8)
    lab = labels[rows, cols]
    count = n
    area = np.bincount(lab, minlength=count)
    present = np.nonzero(area)[0]
    present = present[present != 0]
    order = present[np.argsort(-area[present], kind="stable")][:max_regions]

    x0 = np.full(count, np.iinfo(np.int64).max)
    y0 = np.full(count, np.iinfo(np.int64).max)
    x1 = np.full(count, -1)
    y1 = np.full(count, -1)
    np.minimum.at(x0, lab, cols)
    np.minimum.at(y0, lab, rows)
    np.maximum.at(x1, lab, cols)
    np.maximum.at(y1, lab, rows)
    vals = diff_map[rows, cols].astype(np.float64)
    total = np.bincount(lab, weights=vals, minlength=count)
    peak = np.zeros(count)
    np.maximum.at(peak, lab, vals)
    sx = np.bincount(lab, weights=cols, minlength=count)
    sy = np.bincount(lab, weights=rows, minlength=count)

    polys: list[list[np.ndarray]] = [[] for _ in order]
    if polygons:
        slot = np.full(count, -1)
        slot[order] = np.arange(len(order))
        contours, _ = cv2.findContours(u8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        for contour in contours:
            x, y = contour[0, 0]
            s = slot[labels[y, x]]
            if s >= 0:
                polys[s].append(contour.reshape(-1, 2).astype(np.int32))

    a = area[order]
    return Regions(
        xyxy=np.stack([x0[order], y0[order], x1[order] + 1, y1[order] + 1], axis=1).astype(
            np.int64
        ),
        area=a.astype(np.int64),
        centroid=np.stack([sx[order] / a, sy[order] / a], axis=1),
        strength=total[order] / a,
        peak=peak[order],
        polygons=polys,
    )
