"""The pictures of a compare, composed from the annotators.

Each picture is a function of a :class:`~spotdiff.result.Diff` (and
optionally the annotator that styles it): the scene is BEFORE or AFTER as
the diff shows them (AFTER warped into BEFORE's frame when aligned, both
padded or cropped to the diff's frame), the data the diff's regions, mask
or map. :data:`PICTURES` names them for the command line and the output
writer (:mod:`spotdiff.outputs`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from spotdiff.io.image import Image
from spotdiff.render.annotators import (
    BoxAnnotator,
    ExtractAnnotator,
    HeatmapAnnotator,
    OverlayAnnotator,
    display_rgb,
)
from spotdiff.result import Diff


def before_scene(diff: Diff) -> np.ndarray:
    """BEFORE as 8-bit RGB in the diff's frame."""
    return display_rgb(diff.before, diff.mask.shape)


def after_scene(diff: Diff) -> np.ndarray:
    """AFTER as 8-bit RGB in the diff's frame (warped when aligned)."""
    if diff.after_aligned is not None:
        return display_rgb(Image(diff.after_aligned, diff.after.data_range), diff.mask.shape)
    return display_rgb(diff.after, diff.mask.shape)


def mask(diff: Diff) -> np.ndarray:
    """The cleaned mask as a 0/255 gray image."""
    return diff.mask.view(np.uint8) * np.uint8(255)


def heatmap(diff: Diff, annotator: HeatmapAnnotator | None = None) -> np.ndarray:
    """The difference map over a faded AFTER, scaled (unless the annotator
    says ``vmax``) to the map's maximum but at least twice the threshold, so
    that an unchanged pair stays quiet."""
    annotator = annotator or HeatmapAnnotator()
    if annotator.vmax is None:
        values = diff.diff_map
        peak = float(values.max()) if values.size else 0.0
        floor = float(diff.threshold) * 2 if np.isfinite(diff.threshold) else 1.0
        annotator = replace(annotator, vmax=max(peak, floor, 1e-6))
    scene = after_scene(diff) if annotator.underlay else np.zeros((*diff.mask.shape, 3),
                                                                  np.uint8)
    return annotator.annotate(scene, diff.diff_map)


def boxes(diff: Diff, annotator: BoxAnnotator | None = None, *, gap: int = 8) -> np.ndarray:
    """BEFORE and AFTER side by side, ``gap`` white pixels apart, with each
    region's box on both."""
    annotator = annotator or BoxAnnotator()
    h, w = diff.mask.shape
    canvas = np.full((h, 2 * w + gap, 3), 255, np.uint8)
    canvas[:, :w] = annotator.annotate(before_scene(diff), diff.regions)
    canvas[:, w + gap :] = annotator.annotate(after_scene(diff), diff.regions)
    return canvas


def overlay(diff: Diff, annotator: OverlayAnnotator | None = None) -> np.ndarray:
    """The changed pixels tinted on AFTER; the rest faded to gray."""
    return (annotator or OverlayAnnotator()).annotate(after_scene(diff), diff.mask)


def extract(diff: Diff, annotator: ExtractAnnotator | None = None) -> np.ndarray:
    """AFTER's changed pixels on a black background."""
    return (annotator or ExtractAnnotator()).annotate(after_scene(diff), diff.mask)


def pixelmatch(diff: Diff, annotator: object = None) -> np.ndarray:
    """pixelmatch's diff image (see :class:`spotdiff.render.pixelmatch.PixelmatchDiffAnnotator`)."""
    from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

    if annotator is None:
        annotator = PixelmatchDiffAnnotator()
    return annotator.annotate(diff)  # type: ignore[attr-defined, no-any-return]


#: The pictures by name (the command line's ``--pictures``), each with its default style.
PICTURES: dict[str, Callable[[Diff], np.ndarray]] = {
    "mask": mask,
    "heatmap": heatmap,
    "boxes": boxes,
    "overlay": overlay,
    "extract": extract,
    "pixelmatch": pixelmatch,
}
