"""Region recall, region precision and mask IoU of a detector on a case.

* The true object (each case changes one object; its box is the true
  mask's bounding box) is *found* when a single detected box overlaps its box
  with IoU >= 0.5: whole objects count, stripes and fragments do not.
* A detected region is *correct* when at least half of its box's mask
  pixels fall on the true mask dilated by 4 px; every region on an
  unchanged pair is wrong (region precision counts them).
* Mask IoU compares the detector's mask with the true mask, per changed case.
* A *defect* (inspection) is *hit* when a detected region's mask touches
  the true mask: an inspector needs the defect flagged, and a spur or a
  break shows only where it leaves the edge's tolerance, so its box is
  smaller than the true one.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


@dataclass
class Score:
    objects: int = 0
    found: int = 0
    detections: int = 0
    correct: int = 0
    iou: float | None = None
    false_regions_unchanged: int = 0
    hit: int = 0


def _box_iou(a, b) -> float:  # noqa: ANN001
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union else 0.0


def _bbox(mask: np.ndarray) -> tuple[int, int, int, int]:
    ys, xs = np.nonzero(mask)
    return int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1


def score_case(truth: np.ndarray, mask: np.ndarray, boxes: list) -> Score:
    s = Score(detections=len(boxes))
    if not truth.any():
        s.false_regions_unchanged = len(boxes)
        return s
    objects = [_bbox(truth)]  # every case holds one changed object
    s.objects = len(objects)
    s.found = sum(any(_box_iou(o, b) >= 0.5 for b in boxes) for o in objects)
    near = cv2.dilate(truth.astype(np.uint8), np.ones((9, 9), np.uint8)).astype(bool)
    for x0, y0, x1, y1 in boxes:
        m = mask[y0:y1, x0:x1]
        total = int(m.sum())
        inside = int((m & near[y0:y1, x0:x1]).sum())
        s.correct += total > 0 and inside >= 0.5 * total
    s.hit = int(any((mask[y0:y1, x0:x1] & truth[y0:y1, x0:x1]).any()
                    for x0, y0, x1, y1 in boxes))
    union = (truth | mask).sum()
    s.iou = float((truth & mask).sum() / union) if union else 1.0
    return s


def summarise(scores: list[Score]) -> dict[str, float]:
    objects = sum(s.objects for s in scores)
    detections = sum(s.detections for s in scores)  # a region on an unchanged pair is wrong
    ious = [s.iou for s in scores if s.iou is not None]
    return {
        "region_recall": sum(s.found for s in scores) / objects if objects else 1.0,
        "defect_recall": sum(s.hit for s in scores) / objects if objects else 1.0,
        "region_precision": sum(s.correct for s in scores) / detections if detections else 1.0,
        "mean_mask_iou": float(np.mean(ious)) if ious else 1.0,
        "regions_on_unchanged": sum(s.false_regions_unchanged for s in scores),
        "cases": len(scores),
        "objects": objects,
    }
