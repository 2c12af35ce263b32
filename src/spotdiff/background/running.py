"""Running average with selective update: the classic NVR motion background.

The background is an exponential moving average of the frames. Background
pixels learn at ``alpha``; foreground pixels at the much smaller
``alpha_foreground``, so a moving object does not smear into the
background while an object that stays is absorbed in the end.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from spotdiff.background import stages as st
from spotdiff.background._base import BackgroundModel, Stages, require


class RunningAverageModel(BackgroundModel):
    """Foreground = far from a selectively updated running average.

    Parameters
    ----------
    alpha : float
        Learning rate of background pixels (per frame).
    alpha_foreground : float
        Learning rate of foreground pixels (absorbs objects that stay).
    threshold : float
        L1 colour distance (sum over 3 channels) that counts as foreground.
    median, fill_holes
        Clean-up of the mask.
    stages : Stages, optional
        The shared stages around the model (:class:`spotdiff.background.Stages`;
        default :attr:`default_stages`); single fields may be given as
        keywords: ``scale=0.5``, ``jitter=False``, ``lighting=``, ``shadows=``.
    """

    name = "running"
    default_stages = Stages(scale="auto", jitter=False, lighting=True, shadows=True)
    threshold_option = "threshold"

    def __init__(
        self,
        *,
        alpha: float = 0.02,
        alpha_foreground: float = 0.002,
        threshold: float = 40.0,
        median: int = 5,
        fill_holes: bool = True,
        stages: Stages | None = None,
        **stage_options: Any,
    ) -> None:
        require("alpha", alpha, low=0, high=1, open_low=True)
        require("alpha_foreground", alpha_foreground, low=0, high=1)
        require("threshold", threshold, low=0, open_low=True)
        require("median", median, low=0, whole=True)
        super().__init__(stages=stages, **stage_options)
        self.alpha = float(alpha)
        self.alpha_foreground = float(alpha_foreground)
        self.threshold = float(threshold)
        self.median = int(median)
        self.fill_holes = bool(fill_holes)

    def _init(self, frame: np.ndarray) -> None:
        self.mean = frame.astype(np.float32).reshape(frame.shape)

    def _background(self) -> np.ndarray:
        return cv2.convertScaleAbs(self.mean).reshape(self.mean.shape)

    def _step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = frame.shape[2]
        f = frame.astype(np.float32).reshape(self.mean.shape)
        dist = cv2.absdiff(f, self.mean).reshape(frame.shape).sum(axis=2)
        diff = dist * np.float32(3.0 / (c * self.threshold))
        raw = diff > 1.0
        mask = raw
        if self.median > 1:
            mask = st.majority(raw, self.median)
        if self.fill_holes:
            mask = st.clean_mask(mask, median=0, close=0, fill=True)
        # everything learns slowly, background pixels then catch up at alpha
        learn = None if self._hold is None else (~self._hold).view(np.uint8)
        cv2.accumulateWeighted(f, self.mean, self.alpha_foreground, mask=learn)
        rest = (self.alpha - self.alpha_foreground) / (1.0 - self.alpha_foreground)
        background = ~raw if self._hold is None else ~raw & ~self._hold
        cv2.accumulateWeighted(f, self.mean, rest, mask=background.view(np.uint8))
        return mask, diff
