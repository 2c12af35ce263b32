"""Drawing: annotators over a scene, and the pictures of a compare.

Drawing is separate from computing. Each annotator takes its style in
``__init__`` and the data in ``annotate(scene, regions | mask | values)``;
the scene is any uint8 RGB picture (a compare's AFTER, a video frame) and is
never drawn on. The compare pictures (:mod:`spotdiff.render.pictures`:
heat map, boxes side by side, overlay, extract, mask, pixelmatch's) are
compositions of them. All return uint8 RGB (or gray, or RGBA) arrays.
"""

from spotdiff.render import pictures
from spotdiff.render.annotators import (
    BoxAnnotator,
    ExtractAnnotator,
    HeatmapAnnotator,
    OverlayAnnotator,
    as_scene,
    display_rgb,
)

__all__ = [
    "BoxAnnotator",
    "ExtractAnnotator",
    "HeatmapAnnotator",
    "OverlayAnnotator",
    "as_scene",
    "display_rgb",
    "pictures",
]
