"""OpenCV's background subtractors behind the spotdiff interface.

``mog2`` and ``knn`` come with OpenCV; ``gsoc`` and ``cnt`` with
opencv-contrib (``cv2.bgsegm``), a dependency of spotdiff. Their library
defaults are kept; MOG2 and KNN mark shadows 127 in their output, which
counts as background here. None of the shared stages run by default.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from spotdiff.background._base import BackgroundModel, Stages

#: Held pixels (see ``apply(hold=)``) differing from the background by more
#: than this (largest channel difference, 8-bit) are foreground.
HELD_THRESHOLD = 30


class OpenCVModel(BackgroundModel):
    """A ``cv2.BackgroundSubtractor`` with its library defaults (or ``params``)."""

    name = "opencv"

    def __init__(self, *, stages: Stages | None = None, scale: float | str = 1.0,
                 **params: Any) -> None:
        super().__init__(stages=stages, **({} if stages is not None else {"scale": scale}))
        self.params = params
        try:  # OpenCV checks the parameters when it creates the subtractor: now, not at apply()
            self._create()
        except (TypeError, cv2.error) as exc:
            detail = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
            raise ValueError(f"parameters {sorted(params)}: {detail}") from None

    def _create(self) -> cv2.BackgroundSubtractor:
        raise NotImplementedError

    def _init(self, frame: np.ndarray) -> None:
        self.subtractor = self._create()
        self.subtractor.apply(frame)
        self._last = frame

    def _relearn(self, frame: np.ndarray) -> None:
        self._init(frame)

    def _background(self) -> np.ndarray:
        bg = self.subtractor.getBackgroundImage()
        if bg is None:
            return self._last
        return bg.reshape(self._last.shape) if bg.size == self._last.size else self._last

    def _step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        hold = self._hold
        if hold is None:
            out = self.subtractor.apply(frame)
            self._last = frame
            mask = out == 255
            return mask, mask.astype(np.float32)
        # held pixels: the subtractor sees its own background there (learns
        # nothing new); they are foreground where the frame differs from it
        bg = self._background().reshape(frame.shape)
        fed = frame.copy()
        fed[hold] = bg[hold]
        mask = self.subtractor.apply(fed) == 255
        far = cv2.absdiff(frame, bg).reshape(frame.shape).max(axis=2) > HELD_THRESHOLD
        mask |= hold & far
        self._last = fed
        return mask, mask.astype(np.float32)


class MOG2Model(OpenCVModel):
    """``cv2.createBackgroundSubtractorMOG2`` (Zivkovic 2004/2006)."""

    name = "mog2"

    def _create(self) -> cv2.BackgroundSubtractor:
        return cv2.createBackgroundSubtractorMOG2(**self.params)


class KNNModel(OpenCVModel):
    """``cv2.createBackgroundSubtractorKNN`` (Zivkovic and van der Heijden 2006)."""

    name = "knn"

    def _create(self) -> cv2.BackgroundSubtractor:
        return cv2.createBackgroundSubtractorKNN(**self.params)


class GSOCModel(OpenCVModel):
    """``cv2.bgsegm.createBackgroundSubtractorGSOC`` (opencv-contrib, GSoC 2017)."""

    name = "gsoc"

    def _create(self) -> cv2.BackgroundSubtractor:
        return cv2.bgsegm.createBackgroundSubtractorGSOC(**self.params)


class CNTModel(OpenCVModel):
    """``cv2.bgsegm.createBackgroundSubtractorCNT`` (counting stable pixels; opencv-contrib)."""

    name = "cnt"

    def _create(self) -> cv2.BackgroundSubtractor:
        return cv2.bgsegm.createBackgroundSubtractorCNT(**self.params)
