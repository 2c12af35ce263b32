"""Annotators: pictures of a :class:`~spotdiff.result.Diff`.

Drawing is separate from computing. Each annotator takes its style in
``__init__`` and the data in ``annotate(diff)``; it never draws on the
caller's arrays. All return uint8 RGB (or gray) arrays.
"""

from spotdiff.render.annotators import (
    BoxAnnotator,
    ExtractAnnotator,
    HeatmapAnnotator,
    MaskAnnotator,
    OverlayAnnotator,
    display_rgb,
)

__all__ = [
    "BoxAnnotator",
    "ExtractAnnotator",
    "HeatmapAnnotator",
    "MaskAnnotator",
    "OverlayAnnotator",
    "display_rgb",
]
