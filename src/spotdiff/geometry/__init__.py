"""Geometry: size policies and registration, bringing AFTER into BEFORE's frame."""

from spotdiff.geometry.align import (
    ALIGN_MODELS,
    Alignment,
    align_for_compare,
    align_pair,
    check_align_options,
    estimate_alignment,
    warp_to_before,
)
from spotdiff.geometry.size import SIZE_POLICIES, apply_size_policy

__all__ = [
    "ALIGN_MODELS",
    "SIZE_POLICIES",
    "Alignment",
    "align_for_compare",
    "align_pair",
    "apply_size_policy",
    "check_align_options",
    "estimate_alignment",
    "warp_to_before",
]
