"""The pictures of a compare, composed from the annotators.

Each picture is a function of a :class:`~spotdiff.result.Diff` (and
optionally the annotator that styles it): the scene is BEFORE or AFTER as
the diff shows them (AFTER warped into BEFORE's frame when aligned, both
padded or cropped to the diff's frame), the data the diff's regions, mask
or map. :data:`PICTURES` names them for the command line and the output
writer (:mod:`spotdiff.outputs`).

Every picture can be drawn smaller than the diff (``size``, see
:func:`fit_size`): the scenes are scaled down first (area averaging) and the
data with them (a block of the mask is changed when any of its pixels is;
the map is averaged; boxes are scaled outwards), so a small picture of a
large pair costs little time and memory.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import cv2
import numpy as np

from spotdiff.io.image import Image
from spotdiff.render.annotators import (
    BoxAnnotator,
    ExtractAnnotator,
    HeatmapAnnotator,
    OverlayAnnotator,
    display_rgb,
)
from spotdiff.result import Diff, Regions

#: (width, height) of a picture; None: the diff's own size.
Size = tuple[int, int] | None


def fit_size(shape: tuple[int, int], max_pixels: int | None) -> Size:
    """The (width, height) of a picture of an (H, W) diff scaled down to at
    most ``max_pixels`` pixels (aspect kept); None when it fits as it is."""
    h, w = shape
    if max_pixels is None or h * w <= max_pixels:
        return None
    scale = (max_pixels / (h * w)) ** 0.5
    return max(1, int(w * scale)), max(1, int(h * scale))


def shrink(pixels: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """``pixels`` scaled down to ``size`` (width, height) by area averaging,
    halved first while it stays at least twice as large: OpenCV averages
    2x2 blocks several times faster than larger or fractional ones (a 1080p
    page to a 240-pixel thumbnail in a third of the time). Halving is used
    while both sides are whole even multiples of the size: the average of
    averages is then the same average, up to the rounding of each step."""
    w, h = size
    while min(w, h) > 0 and pixels.shape[1] % (2 * w) == 0 and pixels.shape[0] % (2 * h) == 0:
        pixels = cv2.resize(pixels, (pixels.shape[1] // 2, pixels.shape[0] // 2),
                            interpolation=cv2.INTER_AREA)
    if pixels.shape[1] == w and pixels.shape[0] == h:
        return pixels
    return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)


def scene(image: Image, shape: tuple[int, int], size: Size = None) -> np.ndarray:
    """``image`` as 8-bit RGB in a diff's (H, W) frame (:func:`display_rgb`),
    scaled down to ``size`` (:func:`shrink`; no full-size copy of 8-bit RGB)."""
    px = image.pixels
    if size is None:
        return display_rgb(image, shape)
    if px.dtype == np.uint8 and px.ndim == 3 and px.shape[2] == 3 and px.shape[:2] == shape:
        return shrink(px, size)  # no full-size copy
    return shrink(display_rgb(image, shape), size)


def before_scene(diff: Diff, size: Size = None) -> np.ndarray:
    """BEFORE as 8-bit RGB in the diff's frame (scaled to ``size``)."""
    return scene(diff.before, diff.mask.shape, size)


def after_scene(diff: Diff, size: Size = None) -> np.ndarray:
    """AFTER as 8-bit RGB in the diff's frame (warped when aligned; scaled to ``size``)."""
    if diff.after_aligned is not None:
        return scene(Image(diff.after_aligned, diff.after.data_range), diff.mask.shape, size)
    return scene(diff.after, diff.mask.shape, size)


def _mask_at(diff: Diff, size: Size) -> np.ndarray:
    """The mask (bool) at ``size``: a block is changed when any of its pixels is."""
    if size is None:
        return diff.mask
    return cv2.resize(diff.mask.view(np.uint8), size, interpolation=cv2.INTER_AREA) > 0


def _map_at(diff: Diff, size: Size) -> np.ndarray:
    """The difference map at ``size`` (area averaging)."""
    if size is None:
        return diff.diff_map
    return cv2.resize(diff.diff_map, size, interpolation=cv2.INTER_AREA)


def _regions_at(diff: Diff, size: Size) -> Regions:
    """The regions with their boxes scaled to ``size`` (outwards, never empty)."""
    if size is None or not len(diff.regions):
        return diff.regions
    h, w = diff.mask.shape
    scale = np.array([size[0] / w, size[1] / h] * 2)
    xyxy = diff.regions.xyxy * scale
    lo = np.floor(xyxy[:, :2]).astype(np.int64)
    hi = np.maximum(np.ceil(xyxy[:, 2:]).astype(np.int64), lo + 1)
    return replace(diff.regions, xyxy=np.concatenate([lo, hi], axis=1))


#: What each picture for the eye reads from a diff scaled down (see :func:`at_size`).
READS = {
    "heatmap": ("after", "map"),
    "boxes": ("before", "after"),
    "overlay": ("after", "mask"),
    "extract": ("after", "mask"),
}


def at_size(diff: Diff, size: Size, parts: tuple[str, ...] = ("before", "after", "map", "mask")
            ) -> Diff:
    """``diff`` scaled down to ``size`` once, for several pictures: BEFORE and
    AFTER as the pictures show them (8-bit RGB; AFTER warped when aligned),
    the map, the mask and the boxes, each scaled as the pictures at ``size``
    scale them, so a picture of the result (at its own size) equals the
    picture of ``diff`` at ``size`` - but the heat map's scale, which is
    :func:`heat_scale` of ``diff``. Only ``parts`` (of ``"before"``,
    ``"after"``, ``"map"``, ``"mask"``) are scaled, the others left blank.

    The result holds no full-size array: once it is made, ``diff`` can go.
    """
    if size is None:
        return diff
    w, h = size

    def image(part: str, draw: Callable[[Diff, Size], np.ndarray], of: Image) -> Image:
        pixels = draw(diff, size) if part in parts else np.broadcast_to(np.uint8(0), (h, w, 3))
        return Image(pixels=pixels, data_range=255.0, name=of.name, format=of.format)

    return replace(
        diff,
        before=image("before", before_scene, diff.before),
        after=image("after", after_scene, diff.after),
        after_aligned=None,  # AFTER is drawn as the pictures show it already
        diff_map=_map_at(diff, size) if "map" in parts
        else np.broadcast_to(np.float32(0), (h, w)),
        mask=_mask_at(diff, size) if "mask" in parts else np.broadcast_to(np.False_, (h, w)),
        excluded=None,
        regions=_regions_at(diff, size),
    )


def heat_scale(diff: Diff) -> float:
    """The value the heat map of ``diff`` shows in full colour: the map's
    maximum, but at least twice the threshold (an unchanged pair stays quiet)."""
    values = diff.diff_map
    peak = float(values.max()) if values.size else 0.0
    floor = float(diff.threshold) * 2 if np.isfinite(diff.threshold) else 1.0
    return max(peak, floor, 1e-6)


def mask(diff: Diff, *, size: Size = None) -> np.ndarray:
    """The cleaned mask as a 0/255 gray image."""
    return _mask_at(diff, size).view(np.uint8) * np.uint8(255)


def heatmap(diff: Diff, annotator: HeatmapAnnotator | None = None, *,
            size: Size = None) -> np.ndarray:
    """The difference map over a faded AFTER, scaled (unless the annotator
    says ``vmax``) to the map's maximum but at least twice the threshold, so
    that an unchanged pair stays quiet."""
    annotator = annotator or HeatmapAnnotator()
    if annotator.vmax is None:
        annotator = replace(annotator, vmax=heat_scale(diff))
    values = _map_at(diff, size)
    scene = after_scene(diff, size) if annotator.underlay else np.zeros((*values.shape, 3),
                                                                        np.uint8)
    return annotator.annotate(scene, values)


def boxes(diff: Diff, annotator: BoxAnnotator | None = None, *, gap: int = 8,
          size: Size = None) -> np.ndarray:
    """BEFORE and AFTER side by side, ``gap`` white pixels apart, with each
    region's box on both (each side ``size``)."""
    annotator = annotator or BoxAnnotator()
    regions = _regions_at(diff, size)
    before = annotator.annotate(before_scene(diff, size), regions)
    h, w = before.shape[:2]
    canvas = np.full((h, 2 * w + gap, 3), 255, np.uint8)
    canvas[:, :w] = before
    del before
    canvas[:, w + gap :] = annotator.annotate(after_scene(diff, size), regions)
    return canvas


def overlay(diff: Diff, annotator: OverlayAnnotator | None = None, *,
            size: Size = None) -> np.ndarray:
    """The changed pixels tinted on AFTER; the rest faded to gray."""
    return (annotator or OverlayAnnotator()).annotate(after_scene(diff, size),
                                                      _mask_at(diff, size))


def extract(diff: Diff, annotator: ExtractAnnotator | None = None, *,
            size: Size = None) -> np.ndarray:
    """AFTER's changed pixels on a black background."""
    return (annotator or ExtractAnnotator()).annotate(after_scene(diff, size),
                                                      _mask_at(diff, size))


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
