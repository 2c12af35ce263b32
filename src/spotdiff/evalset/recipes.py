"""The detectors compared on the evaluation set.

Each takes BEFORE and AFTER (RGB uint8 arrays) and returns (mask, boxes):
bool (H, W) in BEFORE's frame and a list of (x0, y0, x1, y1), x1/y1
exclusive. spotdiff runs with one configuration for every pair: first with
no options at all, then with the real-world stages named (the tuned rows);
the seed recipes are written the way their tutorials write them.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

Detector = Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, list]]

#: The options spotdiff gets for every pair of the set: the real-world
#: stages on, everything else (method, threshold, cleaning) at its default.
REAL_WORLD = {"align": "auto", "ignore_lighting": True}
SPOTDIFF = "spotdiff --align auto --ignore-lighting"


def _boxes_of(mask_u8: np.ndarray, min_area: int = 0) -> tuple[np.ndarray, list]:
    contours, _ = cv2.findContours(mask_u8, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    boxes = []
    keep = np.zeros_like(mask_u8)
    for c in contours:
        if cv2.contourArea(c) > min_area or (min_area == 0 and len(c)):
            x, y, w, h = cv2.boundingRect(c)
            boxes.append((x, y, x + w, y + h))
            cv2.drawContours(keep, [c], -1, 1, -1)
    return keep.astype(bool) & mask_u8.astype(bool), boxes


def absdiff_recipe(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, list]:
    """Gray absdiff, threshold 25, erode 3x3 once, external contours."""
    g1 = cv2.cvtColor(before, cv2.COLOR_RGB2GRAY)
    g2 = cv2.cvtColor(after, cv2.COLOR_RGB2GRAY)
    _, th = cv2.threshold(cv2.absdiff(g1, g2), 25, 1, cv2.THRESH_BINARY)
    th = cv2.erode(th, np.ones((3, 3), np.uint8))
    return _boxes_of(th)


def ssim_recipe(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, list]:
    """scikit-image SSIM on gray, Otsu on the map, contours with area > 40."""
    from skimage.metrics import structural_similarity

    g1 = cv2.cvtColor(before, cv2.COLOR_RGB2GRAY)
    g2 = cv2.cvtColor(after, cv2.COLOR_RGB2GRAY)
    _, smap = structural_similarity(g1, g2, full=True, data_range=255)
    diff = np.clip((1 - smap) * 255 / 2, 0, 255).astype(np.uint8)
    _, th = cv2.threshold(diff, 0, 1, cv2.THRESH_BINARY | cv2.THRESH_OTSU)
    return _boxes_of(th, min_area=40)


def spotdiff_detector(**options: object) -> Detector:
    """spotdiff.compare with ``options`` (the same for every pair)."""

    def detect(before: np.ndarray, after: np.ndarray) -> tuple[np.ndarray, list]:
        from spotdiff.engine import compare

        d = compare(before, after, polygons=False, **options)  # type: ignore[arg-type]
        return d.mask, [tuple(int(v) for v in b) for b in d.regions.xyxy]

    return detect


#: spotdiff as a new user runs it: no options (the global part explained first).
NO_OPTIONS = "spotdiff (no options)"

RECIPES: dict[str, Detector] = {
    NO_OPTIONS: spotdiff_detector(),
    "absdiff+threshold 25+erode": absdiff_recipe,
    "ssim+otsu+contours>40": ssim_recipe,
    SPOTDIFF: spotdiff_detector(**REAL_WORLD),
    SPOTDIFF + " --refine": spotdiff_detector(**REAL_WORLD, refine=True),
}
