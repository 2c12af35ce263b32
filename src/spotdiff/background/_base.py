"""The interface every background model shares, and the frame pipeline around it.

A model sees frames one at a time::

    frame -> check -> downscale -> jitter compensation -> lighting guard
          -> model step (mask, difference) -> shadow suppression -> upscale
          -> Foreground (mask, difference, shift, gain, re-learnt flag)

The model-specific part is :meth:`BackgroundModel._step`; the stages around
it live in :mod:`spotdiff.background.stages` and are switched per model.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from spotdiff.background import stages
from spotdiff.errors import InputError
from spotdiff.result import Regions


def require(name: str, value: object, *, low: float, high: float | None = None,
            whole: bool = False, open_low: bool = False) -> None:
    """Refuse a model option that is not a finite number in range (ValueError,
    which :func:`spotdiff.background.create` turns into a one-line InputError)."""
    import math

    kind = "a whole number" if whole else "a number"
    span = f"> {low:g}" if open_low else f">= {low:g}"
    if high is not None:
        span += f" and <= {high:g}"
    ok = isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool)
    if ok:
        number = float(value)  # type: ignore[arg-type]
        ok = math.isfinite(number) and (number > low if open_low else number >= low) \
            and (high is None or number <= high) and (not whole or number.is_integer())
    if not ok:
        raise ValueError(f"{name}: expected {kind} {span}, got {value!r}")


@dataclass(frozen=True)
class Stages:
    """Which shared stages run around a model's step.

    Attributes
    ----------
    scale : float or "auto"
        Work at this fraction of the frame size (1.0: full size). "auto"
        halves frames whose longer side exceeds 400 pixels. Masks are
        scaled back to the frame size.
    jitter : bool
        Estimate the camera's global shift against the background and undo it
        before comparing (phase correlation).
    lighting : bool
        Compensate a global brightness change (lights, exposure) by the
        median ratio frame / background; re-learn the model when most of the
        frame changes at once (lights switched, IR mode).
    shadows : bool
        Remove cast shadows: darker than the background by a limited ratio,
        same chromaticity.
    relearn_fraction : float
        Foreground fraction above which the frame counts as a global change.
    relearn_frames : int
        Consecutive global-change frames that trigger a re-learn (0: never):
        lights switched, IR mode, a camera turned to a new view.
    occlusion_frames : int
        Consecutive global-change frames that trigger a re-learn when the
        frame hides the background's texture (something at the lens, a cap,
        tampering: :func:`stages.hides_background`); the whole frame stays
        foreground until then.
    settle_frames : int
        Frames a new (or re-learnt) model has to settle before the guard may
        re-learn, unless it has already explained most of a frame (under half
        of ``relearn_fraction`` foreground): a young model of a moving scene
        (leaves, water) calls much of the frame foreground until its samples
        hold the motion, and re-learning would only start it over; a jump
        from a calm frame (lights, IR mode) is re-learnt at once.
    """

    scale: float | str = 1.0
    jitter: bool = False
    lighting: bool = False
    shadows: bool = False
    relearn_fraction: float = 0.6
    relearn_frames: int = 3
    occlusion_frames: int = 150
    settle_frames: int = 25


@dataclass(frozen=True)
class Foreground:
    """What a background model found on one frame.

    Attributes
    ----------
    mask : ndarray
        bool (H, W) at the frame size, True = foreground.
    difference : ndarray
        float32 (H, W) at the frame size, 0 = background (the model's own
        distance: a sample-consensus distance, a colour distance, ...).
    shift : tuple of float
        ``(dx, dy)`` camera shift compensated on this frame, ``(0.0, 0.0)``
        if none.
    gain : float
        Lighting gain compensated on this frame, 1.0 if none.
    relearnt : bool
        The global-change guard re-learnt the model on this frame.
    """

    mask: np.ndarray
    difference: np.ndarray
    shift: tuple[float, float]
    gain: float
    relearnt: bool

    def regions(self, *, merge_gap: int = 0, polygons: bool = False) -> Regions:
        """The foreground's connected regions, largest first, by the same
        :func:`spotdiff.regions.find_regions` a compare uses (strength and
        peak read from :attr:`difference`)."""
        from spotdiff.regions import find_regions

        return find_regions(self.mask, self.difference, merge_gap=merge_gap, polygons=polygons)


def as_frame(frame: np.ndarray) -> np.ndarray:
    """Check a frame: uint8 (H, W), (H, W, 1) or (H, W, 3); returns (H, W, C) C in {1, 3}."""
    if not isinstance(frame, np.ndarray):
        raise InputError("frame", expected="a numpy array", got=type(frame).__name__,
                         fix="pass decoded pixels, e.g. from spotdiff.io.video.read_frames")
    if frame.ndim == 2:
        frame = frame[:, :, None]
    if frame.ndim != 3 or frame.shape[2] not in (1, 3, 4) or min(frame.shape[:2]) < 4:
        raise InputError("frame", expected="an (H, W), (H, W, 3) or (H, W, 4) array, H, W >= 4",
                         got=f"shape {frame.shape}")
    if frame.dtype != np.uint8:
        raise InputError("frame", expected="dtype uint8", got=f"dtype {frame.dtype}",
                         fix="convert to 8 bits: (frame / 257).astype(np.uint8) for 16-bit, "
                         "(frame * 255).round().astype(np.uint8) for floats in [0, 1]")
    if frame.shape[2] == 4:
        frame = frame[:, :, :3]
    return np.ascontiguousarray(frame)


class BackgroundModel:
    """A stateful model of a static scene; ``apply(frame)`` returns the foreground.

    Subclasses implement :meth:`_step` (and :meth:`_background`,
    :meth:`_relearn`); this class runs the shared stages around it.

    Frames are uint8 gray or 3-channel images of one size. Colour order does
    not matter as long as it does not change (spotdiff reads RGB).
    """

    #: short name used by :func:`spotdiff.background.create` and the CLI
    name = "model"
    #: the shared stages this model runs when not told otherwise
    default_stages = Stages()
    #: the keyword option (and attribute) that sets how different a pixel must be to be
    #: foreground, read on every frame so it may be changed while the model runs
    #: (a camera tuned live); None: the model has no such single threshold
    threshold_option: str | None = None

    def __init__(self, *, stages: Stages | None = None, **stage_options: Any) -> None:
        """``stages`` replaces the model's :attr:`default_stages`; single
        fields of it may be given as keywords (``scale=0.5``, ``jitter=False``)."""
        base = self.default_stages if stages is None else stages
        try:
            self.stages = replace(base, **stage_options)
        except TypeError:
            unknown = sorted(set(stage_options) - set(Stages.__dataclass_fields__))
            raise TypeError(f"unknown option(s) {', '.join(unknown)} of {type(self).__name__}"
                            ) from None
        self._relearnt = False
        self._applied_gain = 1.0
        self._shape: tuple[int, int, int] | None = None
        self._work_size: tuple[int, int] | None = None
        self._difference: np.ndarray | None = None
        self._shift = (0.0, 0.0)
        self._gain = 1.0
        self._global_run = 0
        self._learnt_at = 0
        self._calm = False
        self._last_mask: np.ndarray | None = None
        self._hold: np.ndarray | None = None
        self.frames = 0

    # -- public API -------------------------------------------------------------------------
    def apply(self, frame: np.ndarray, *, hold: np.ndarray | None = None) -> Foreground:
        """Feed one frame; returns its :class:`Foreground` (mask, difference,
        shift, gain, re-learnt flag), all at the frame size.

        ``hold`` (bool (H, W) at the frame size, optional): pixels not to learn
        into the background on this frame, so that an object known to be
        there (a stopped intruder) stays foreground. None: learn as usual.
        """
        frame = as_frame(frame)
        if self._shape is None:
            self._start(frame)
        elif frame.shape != self._shape:
            raise InputError("frame", expected=f"shape {self._shape} like the first frame",
                             got=f"shape {frame.shape}",
                             fix="resize frames to one size, or call reset() first")
        work = self._downscale(frame)
        self._relearnt = False
        self._applied_gain = 1.0
        self._hold = None if hold is None else self._hold_at_work_size(hold, frame.shape)
        if self.frames == 0:
            self._init(work)
            mask = np.zeros(work.shape[:2], np.bool_)
            self._difference = np.zeros(work.shape[:2], np.float32)
        else:
            mask = self._compare(work)
        self.frames += 1
        difference: np.ndarray = self._difference  # type: ignore[assignment]  # set above
        return Foreground(
            mask=self._upscale(mask),
            difference=self._to_frame_size(difference, cv2.INTER_LINEAR),
            shift=(float(self._shift[0]), float(self._shift[1])),
            gain=float(self._applied_gain),
            relearnt=self._relearnt,
        )

    def difference(self) -> np.ndarray:
        """The last frame's difference map, float32 (H, W) at the frame size, 0 = background
        (also :attr:`Foreground.difference`)."""
        if self._difference is None:
            raise InputError("difference()", expected="at least one frame applied", got="none",
                             fix="call apply(frame) first")
        return self._to_frame_size(self._difference, cv2.INTER_LINEAR)

    def background(self) -> np.ndarray:
        """The current background image, uint8 (H, W, C) at the frame size: C = 1
        for gray frames, 3 otherwise (an alpha channel is not modelled)."""
        if self._shape is None:
            raise InputError("background()", expected="at least one frame applied", got="none",
                             fix="call apply(frame) first")
        bg = self._to_frame_size(self._background(), cv2.INTER_LINEAR)
        return bg.reshape(self._shape)

    def reset(self) -> None:
        """Forget everything; the next frame starts a new model (of any size)."""
        self._shape = None
        self._difference = None
        self._shift = (0.0, 0.0)
        self._gain = 1.0
        self._global_run = 0
        self._learnt_at = 0
        self._calm = False
        self._last_mask = None
        self.frames = 0

    # -- to implement ------------------------------------------------------------------------
    def _init(self, frame: np.ndarray) -> None:
        raise NotImplementedError

    def _step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Compare and update: returns (bool mask, float32 difference map)."""
        raise NotImplementedError

    def _background(self) -> np.ndarray:
        raise NotImplementedError

    def _relearn(self, frame: np.ndarray) -> None:
        """Forget the scene quickly and start from ``frame`` (after a global change)."""
        self._init(frame)

    # -- pipeline ----------------------------------------------------------------------------
    def _start(self, frame: np.ndarray) -> None:
        self._shape = frame.shape
        h, w = frame.shape[:2]
        scale = self.stages.scale
        if scale == "auto":
            scale = 0.5 if max(h, w) > 400 else 1.0
        if not isinstance(scale, (int, float)) or not 0 < float(scale) <= 1:
            raise InputError("scale", expected="a number in (0, 1] or 'auto'", got=repr(scale))
        scale = float(scale)
        self._work_size = (max(4, round(w * scale)), max(4, round(h * scale)))

    def _downscale(self, frame: np.ndarray) -> np.ndarray:
        w, h = self._work_size  # type: ignore[misc]
        if (w, h) == (frame.shape[1], frame.shape[0]):
            return frame
        small = cv2.resize(frame, (w, h), interpolation=cv2.INTER_AREA)
        return small.reshape(h, w, frame.shape[2])

    def _hold_at_work_size(self, hold: np.ndarray, shape: tuple[int, ...]) -> np.ndarray | None:
        hold = np.asarray(hold)
        if hold.shape != shape[:2] or hold.dtype != np.bool_:
            raise InputError("hold", expected=f"a bool mask of the frame's size {shape[:2]}",
                             got=f"{hold.dtype} {hold.shape}", fix="pass None to learn everywhere")
        if not hold.any():
            return None
        w, h = self._work_size  # type: ignore[misc]
        if (h, w) != hold.shape:  # any held pixel holds its working pixel
            hold = cv2.resize(hold.view(np.uint8), (w, h), interpolation=cv2.INTER_AREA) > 0
        return hold

    def _to_frame_size(self, image: np.ndarray, interpolation: int) -> np.ndarray:
        h, w = self._shape[:2]  # type: ignore[index]
        if image.shape[:2] == (h, w):
            return image
        return cv2.resize(image, (w, h), interpolation=interpolation)

    def _upscale(self, mask: np.ndarray) -> np.ndarray:
        h, w = self._shape[:2]  # type: ignore[index]
        if mask.shape == (h, w):
            return mask
        soft = cv2.resize(mask.view(np.uint8) * np.uint8(255), (w, h),
                          interpolation=cv2.INTER_LINEAR)
        return soft > 127

    def _compare(self, frame: np.ndarray) -> np.ndarray:
        st = self.stages
        if st.jitter or st.lighting or st.shadows:
            bg = self._background()
        if st.jitter:
            self._shift = stages.estimate_shift(frame, bg, previous=self._shift,
                                                exclude=self._last_mask)
            frame = stages.undo_shift(frame, self._shift)
            if self._hold is not None:  # into background coordinates, like the frame
                self._hold = stages.undo_shift(self._hold.view(np.uint8), self._shift) > 0
        if st.lighting:
            self._gain = stages.estimate_gain(frame, bg, exclude=self._last_mask)
            if abs(self._gain - 1.0) > 0.04:
                frame = stages.apply_gain(frame, 1.0 / self._gain)
                self._applied_gain = self._gain
        mask, diff = self._step(frame)
        self._difference = diff
        fraction = stages.foreground_fraction(mask)
        if fraction < st.relearn_fraction / 2:
            self._calm = True  # the model has explained most of a frame
        # a young model may re-learn a jump (lights after a calm frame), not its own youth
        settled = self._calm or self.frames - self._learnt_at >= st.settle_frames
        if st.lighting and settled:
            if fraction > st.relearn_fraction:
                self._global_run += 1
                # lights, IR mode, a camera turned to a new view: re-learn soon;
                # the background's texture hidden (something at the lens, a
                # cap, tampering): only if it lasts
                wait = st.relearn_frames
                if self._global_run >= wait and stages.hides_background(frame, bg):
                    wait = st.occlusion_frames
                if st.relearn_frames > 0 and 0 < wait <= self._global_run:
                    self._relearn(frame)
                    self._relearnt = True
                    self._learnt_at = self.frames
                    self._calm = False
                    self._global_run = 0
                    mask = np.zeros_like(mask)
            else:
                self._global_run = 0
        if st.shadows:
            mask = mask & ~stages.shadow_mask(frame, bg, mask)
        self._last_mask = mask  # in background coordinates, as the next shift estimate wants
        if st.jitter:  # back into the frame's coordinates
            mask = stages.redo_shift(mask, self._shift)
            self._difference = stages.redo_shift(diff, self._shift)
        return mask
