"""Geometry: size policies and registration, bringing AFTER into BEFORE's frame."""

from spotdiff.geometry.size import SIZE_POLICIES, apply_size_policy

__all__ = ["SIZE_POLICIES", "apply_size_policy"]
