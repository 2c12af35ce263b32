"""The value every difference method returns."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True, eq=False)
class DiffMap:
    """A per-pixel difference map and the method's similarity score.

    Attributes
    ----------
    values : ndarray
        float32 (H, W); higher means more different; in the method's units
        (``units``).
    score : float
        The method's similarity score (1.0 = identical for SSIM-like
        methods; for distance methods, 1 - mean normalised distance).
    excluded : ndarray or None
        bool (H, W): pixels the method itself explains away (anti-aliased
        edges); they are never counted as changed.
    units : str
        What ``values`` measure, for the JSON and the docs.
    counted : int or None
        Pixels above the method's own threshold and not excluded, when the
        method counted them on the way (pixelmatch's return value, from
        :func:`spotdiff.metrics.pixel.pixel` given a threshold); None when
        not known.
    """

    values: np.ndarray
    score: float
    excluded: np.ndarray | None = None
    units: str = ""
    counted: int | None = None
