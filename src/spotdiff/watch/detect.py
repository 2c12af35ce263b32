"""The detector: a frame in, the regions of what does not belong to the scene out.

Either a background model (any of :mod:`spotdiff.background`) or a clean
snapshot compared with :func:`spotdiff.compare` (lighting- and noise-aware,
as ``spotdiff compare --ignore-lighting``). Both work on the frame scaled to
the detector's size; regions come back in frame coordinates, after the masks
and zones. The global-change guard's decisions are part of each detection.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from spotdiff.regions import find_regions
from spotdiff.result import Regions
from spotdiff.watch.config import WatchConfig
from spotdiff.watch.zones import load_mask_image, scaled_polygon_mask

#: Longer side of the detector's working frame when ``scale`` is not set.
WORK_SIDE = 256

#: Frames between two fits of the light against the clean snapshot.
LIGHT_EVERY = 10

#: Consecutive global-change frames after which the background is re-learnt.
RELEARN_FRAMES = 3

#: A frame this little of which is foreground is calm: a jump from it to half
#: the global-change fraction is a global change too (lights, not an intruder).
CALM_FRACTION = 0.02


@dataclass(frozen=True)
class Detection:
    """One frame's detection.

    Attributes
    ----------
    regions : Regions
        In frame coordinates (x1/y1 exclusive; areas in frame pixels), at
        least ``min_area``, outside the masks and touching a zone if any.
    zones : list of tuple of str
        Per region, the zones it touches.
    fraction : float
        Foreground fraction of the (unmasked) frame.
    decision : str or None
        The global-change guard: ``"global_change"`` (no regions on this
        frame), ``"relearnt"`` (the background was re-learnt), or None.
    mask : ndarray or None
        bool foreground at the detector's working size, after the masks;
        None when the frame raises nothing (guard, learning).
    """

    regions: Regions
    zones: list[tuple[str, ...]]
    fraction: float
    decision: str | None
    mask: np.ndarray | None = None


class Detector:
    """Frames of one size in, :class:`Detection` out; ``reset()`` re-learns."""

    def __init__(self, config: WatchConfig) -> None:
        self.config = config
        self._shape: tuple[int, int] | None = None
        self._model: Any = None
        self._snapshot: np.ndarray | None = None
        self._global_run = 0
        self._frames = 0
        self._sudden = False
        self._last_fraction = 0.0
        self._relit: np.ndarray | None = None
        self._last_mask: np.ndarray | None = None
        self._last_difference: np.ndarray | None = None

    # -- setup -------------------------------------------------------------------------------
    def _start(self, frame: np.ndarray) -> None:
        cfg = self.config
        h, w = frame.shape[:2]
        self._shape = (h, w)
        self.scale = cfg.scale or min(1.0, WORK_SIDE / max(h, w))
        self.work = (max(4, round(w * self.scale)), max(4, round(h * self.scale)))
        self._areas()
        if cfg.background is not None:
            from spotdiff.io.image import load_image

            snap = load_image(cfg.background).pixels
            if snap.shape[:2] != (h, w) or snap.dtype != np.uint8:
                from spotdiff.errors import InputError

                raise InputError(f"background snapshot '{cfg.background}'",
                                 expected=f"an 8-bit picture of the camera's size {w}x{h}",
                                 got=f"{snap.shape[1]}x{snap.shape[0]} {snap.dtype}",
                                 fix="save a frame of this camera as the clean snapshot")
            if snap.ndim == 2:
                snap = np.repeat(snap[:, :, None], 3, axis=2)
            self._snapshot = self._small(snap[:, :, :3])
        else:
            from spotdiff.background import create

            self._model = create(cfg.model, scale=1.0, **cfg.model_options)

    def _areas(self) -> None:
        """The masks, zones and sizes of the config at the working size."""
        cfg, (h, w) = self.config, self._shape  # type: ignore[misc]
        sx, sy = self.work[0] / w, self.work[1] / h
        wh = (self.work[1], self.work[0])
        ignored = scaled_polygon_mask(wh, cfg.masks, self.scale) if cfg.masks else \
            np.zeros(wh, np.bool_)
        if cfg.mask_image:
            full = load_mask_image(cfg.mask_image, (h, w))
            ignored |= cv2.resize(full.view(np.uint8), self.work,
                                  interpolation=cv2.INTER_AREA) > 0
        self._keep = None if not ignored.any() else ~ignored
        self._zones = [(z.name, scaled_polygon_mask(wh, [z.points], self.scale))
                       for z in cfg.zones]
        self._to_frame = np.array([1 / sx, 1 / sy, 1 / sx, 1 / sy])
        self._min_area = max(1, math.ceil(cfg.min_area * sx * sy))
        self._merge_gap = round(cfg.merge_gap * self.scale)

    def retune(self, config: WatchConfig) -> None:
        """Take a new config while running, without re-learning the background:
        its zones, masks, sizes and the model's threshold option (see
        ``BackgroundModel.threshold_option``) apply from the next frame."""
        self.config = config
        if self._shape is None:  # not started: the next frame starts with it
            return
        self._areas()
        option = None if self._model is None else type(self._model).threshold_option
        if option is not None and option in config.model_options:
            from spotdiff.background import create

            fresh = create(config.model, scale=1.0, **config.model_options)  # checks values
            setattr(self._model, option, getattr(fresh, option))

    def view(self) -> tuple[np.ndarray | None, np.ndarray | None, np.ndarray | None]:
        """What the detector sees, at the working size: the background (RGB
        uint8), the last difference map (float32, 0 = background) and the last
        foreground mask after the masks (bool); None where not known yet."""
        if self._model is not None and self._model.frames:
            background, difference = self._model.background(), self._model.difference()
        else:
            background, difference = self._relit, self._last_difference
        return background, difference, self._last_mask

    def reset(self) -> None:
        """Start over on the next frame (after a reconnect: the scene is re-learnt)."""
        self._shape = None
        self._model = None
        self._snapshot = None
        self._global_run = 0
        self._frames = 0
        self._sudden = False
        self._last_fraction = 0.0
        self._relit = None

    def _small(self, frame: np.ndarray) -> np.ndarray:
        """The frame at the working size: averaged over 2x2 samples of a
        nearest-neighbour grid at twice the size when it is more than twice as
        large (a fifth of a full area average's time at 1080p), else area-averaged."""
        w, h = self.work
        if (frame.shape[1], frame.shape[0]) == (w, h):
            return frame
        if frame.shape[1] > 2 * w and frame.shape[0] > 2 * h:
            frame = cv2.resize(frame, (2 * w, 2 * h), interpolation=cv2.INTER_NEAREST)
        return cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)

    def hold_mask(self, boxes: np.ndarray) -> np.ndarray | None:
        """bool mask at the working size covering frame-coordinate boxes (k, 4)."""
        if len(boxes) == 0 or self._shape is None:
            return None
        out = np.zeros((self.work[1], self.work[0]), np.bool_)
        for x0, y0, x1, y1 in boxes:
            out[int(y0 * self.scale):math.ceil(y1 * self.scale),
                int(x0 * self.scale):math.ceil(x1 * self.scale)] = True
        return out

    # -- one frame ---------------------------------------------------------------------------
    def detect(self, frame: np.ndarray, hold_boxes: np.ndarray | None = None) -> Detection:
        """Detect on one RGB uint8 frame; ``hold_boxes`` (frame coordinates) are
        areas of open events the background must not learn."""
        if self._shape is None:
            self._start(frame)
        elif frame.shape[:2] != self._shape:
            from spotdiff.errors import InputError

            raise InputError("frame", expected=f"the camera's size {self._shape[::-1]}",
                             got=f"{frame.shape[1]}x{frame.shape[0]}",
                             fix="a camera must keep one resolution")
        small = self._small(frame)
        hold = self.hold_mask(hold_boxes if hold_boxes is not None else np.zeros((0, 4)))
        if self._model is not None:
            fg = self._model.apply(small, hold=hold)
            mask, difference = fg.mask, fg.difference
            decision = "relearnt" if fg.relearnt else None
        else:
            diff = self._compare(small)
            mask, difference, decision = diff.mask, diff.diff_map, None
        if self._keep is not None:
            mask = mask & self._keep
        self._last_mask, self._last_difference = mask, difference
        fraction = float(np.count_nonzero(mask)) / mask.size
        if decision is None and self._frames > self.config.learn_frames:  # a settled model
            decision = self._guard(fraction, small, hold)
        self._frames += 1
        if decision == "relearnt":
            self._frames = 0
            self._sudden = False
        if decision is not None or self._frames <= self.config.learn_frames:
            return Detection(Regions.empty(), [], fraction, decision)
        return self._regions(mask, difference, fraction)

    def _guard(self, fraction: float, small: np.ndarray, hold: np.ndarray | None) -> str | None:
        """Most of the frame changed (or half of it at once, from a calm frame):
        no event; when it lasts, re-learn the background."""
        limit = self.config.global_fraction
        if fraction <= limit / 2 or (fraction <= limit and not self._sudden
                                     and self._last_fraction > CALM_FRACTION):
            self._global_run = 0
            self._sudden = False
            self._last_fraction = fraction
            return None
        self._sudden = True
        self._global_run += 1
        if self._global_run < RELEARN_FRAMES:
            return "global_change"
        self._global_run = 0
        if self._model is not None:
            self._model.reset()  # the next frame starts it again
        else:
            # lights switched, camera turned: the snapshot no longer holds; held
            # pixels keep the old snapshot (an intruder must not become the scene)
            fresh = small.copy()
            if hold is not None:
                fresh[hold] = self._snapshot[hold]  # type: ignore[index]
            self._snapshot = fresh
            self._relit = None
        return "relearnt"

    def _compare(self, small: np.ndarray):  # noqa: ANN202 - a spotdiff.result.Diff
        """``compare --ignore-lighting`` of the snapshot and the frame, with the
        light refitted every ``LIGHT_EVERY`` frames (light changes slowly; the
        fit is most of the cost)."""
        from spotdiff.engine import compare
        from spotdiff.lighting import fit_lighting, relight

        snapshot = self._snapshot
        assert snapshot is not None  # set by _start in snapshot mode
        if self._relit is None or self._frames % LIGHT_EVERY == 0:
            coefficients, _ = fit_lighting(snapshot, small, data_range=255)
            self._relit = relight(snapshot, coefficients, data_range=255)
        return compare(self._relit, small, polygons=False)

    def _regions(self, mask: np.ndarray, difference: np.ndarray, fraction: float) -> Detection:
        regions = find_regions(mask, difference, merge_gap=self._merge_gap, polygons=False)
        regions = regions[regions.area >= self._min_area]
        zones: list[tuple[str, ...]] = []
        if len(regions) and self._zones:
            keep = np.zeros(len(regions), np.bool_)
            for i, (x0, y0, x1, y1) in enumerate(regions.xyxy.tolist()):
                inside = mask[y0:y1, x0:x1]
                touched = tuple(name for name, zone in self._zones
                                if np.any(zone[y0:y1, x0:x1] & inside))
                keep[i] = bool(touched)
                if touched:
                    zones.append(touched)
            regions = regions[keep]
        else:
            zones = [()] * len(regions)
        if len(regions) and self.scale != 1.0:
            h, w = self._shape  # type: ignore[misc]
            xyxy = regions.xyxy * self._to_frame
            xyxy[:, :2] = np.floor(xyxy[:, :2])
            xyxy[:, 2:] = np.ceil(xyxy[:, 2:])
            xyxy = np.minimum(xyxy, [w, h, w, h]).astype(np.int64)
            area = np.round(regions.area * self._to_frame[0] * self._to_frame[1])
            regions = Regions(xyxy=xyxy, area=area.astype(np.int64),
                              centroid=regions.centroid * self._to_frame[:2],
                              strength=regions.strength, peak=regions.peak,
                              polygons=regions.polygons)
        return Detection(regions, zones, fraction, None, mask)
