"""Compare every frame with one clean picture of the scene.

The intrusion set-up: the user supplies a snapshot of the empty scene and
each frame is compared with it. Colour difference (L1 over channels) finds
changed surfaces; a structure difference (local binary texture) finds
objects whose colour is close to the background's but whose edges are not.
Lighting compensation (the global gain stage) keeps a brightness change
from flagging the whole frame; hysteresis grows strong detections into
their weaker surroundings and hole filling completes whole objects.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from spotdiff import mask as masks
from spotdiff.background import stages as st
from spotdiff.background import texture
from spotdiff.background._base import BackgroundModel, Stages, as_frame, require


class ReferenceModel(BackgroundModel):
    """Foreground = what differs from a fixed clean reference frame.

    Parameters
    ----------
    reference : ndarray, optional
        The clean scene, uint8 like the frames. Without one, the first frame
        applied becomes the reference.
    color_threshold : float
        L1 colour distance (sum over 3 channels) that counts as a change.
    texture_threshold : float
        Differing texture bits (of 16) that count as a change of structure
        (only where the colour differs by at least half its threshold).
    low : float
        Hysteresis: pixels above ``low`` times the threshold join a region
        that has a pixel above the threshold.
    median, fill_holes, min_area
        Clean-up of the mask.
    stages : Stages, optional
        The shared stages around the model (:class:`spotdiff.background.Stages`;
        default :attr:`default_stages`); single fields may be given as
        keywords: ``scale=0.5``, ``jitter=False``, ``lighting=``, ``shadows=``.
    relearn_frames : int, optional
        After this many frames that are mostly foreground the current frame
        becomes the new reference. Default: never when ``reference`` is
        given (the clean frame is the truth: a person in front of the
        camera must not become the scene), 30 when the first frame is.
    """

    name = "reference"
    default_stages = Stages(scale="auto", jitter=True, lighting=True, shadows=True)
    threshold_option = "color_threshold"

    def __init__(
        self,
        reference: np.ndarray | None = None,
        *,
        color_threshold: float = 60.0,
        texture_threshold: float = 16.0,
        low: float = 0.9,
        median: int = 5,
        fill_holes: bool = True,
        min_area: int = 0,
        relearn_frames: int | None = None,
        stages: Stages | None = None,
        **stage_options: Any,
    ) -> None:
        require("color_threshold", color_threshold, low=0, open_low=True)
        require("texture_threshold", texture_threshold, low=0)
        require("low", low, low=0)
        require("median", median, low=0, whole=True)
        require("min_area", min_area, low=0, whole=True)
        if relearn_frames is None and stages is None:
            relearn_frames = 30 if reference is None else 0
        if relearn_frames is not None:
            stage_options["relearn_frames"] = relearn_frames
        super().__init__(stages=stages, **stage_options)
        self.reference = None if reference is None else as_frame(reference)
        self.color_threshold = float(color_threshold)
        self.texture_threshold = float(texture_threshold)
        self.low = float(low)
        self.median = int(median)
        self.fill_holes = bool(fill_holes)
        self.min_area = int(min_area)

    def _init(self, frame: np.ndarray) -> None:
        ref = frame
        if self.reference is not None and self.frames == 0:
            if self.reference.shape != self._shape:
                from spotdiff.errors import InputError

                raise InputError("reference", expected=f"the frames' shape {self._shape}",
                                 got=f"shape {self.reference.shape}")
            ref = self._downscale(self.reference)
        self._set_reference(ref)

    def _set_reference(self, ref: np.ndarray) -> None:
        self.ref = ref.copy()
        self.ref_planes = [np.ascontiguousarray(ref[:, :, i]) for i in range(ref.shape[2])]
        self.ref_texture = texture.descriptors(st.gray(ref))

    def _relearn(self, frame: np.ndarray) -> None:
        if self._hold is not None:  # held pixels keep the old reference
            frame = frame.copy()
            frame[self._hold] = self.ref[self._hold]
        self._set_reference(frame)

    def _background(self) -> np.ndarray:
        return self.ref

    def _step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = frame.shape[2]
        dist = cv2.absdiff(np.ascontiguousarray(frame[:, :, 0]), self.ref_planes[0])
        for i in range(1, c):
            dist = cv2.add(dist, cv2.absdiff(np.ascontiguousarray(frame[:, :, i]),
                                             self.ref_planes[i]))
        color = dist.astype(np.float32) * np.float32(3.0 / (c * self.color_threshold))
        bits = texture.hamming(texture.descriptors(st.gray(frame)), self.ref_texture)
        structure = bits.astype(np.float32) * np.float32(1.0 / self.texture_threshold)
        diff = np.maximum(color, np.minimum(structure, 2.0 * color))
        if self.median > 1:
            diff = cv2.medianBlur(diff, 5 if self.median > 3 else 3)
        mask = masks.hysteresis(diff, self.low, 1.0)
        if self.fill_holes:
            mask = masks.fill_holes(mask)
        if self.min_area > 1:
            mask = masks.remove_small(mask, self.min_area)
        return mask, diff
