"""The default model: pixel-sample consensus on colour and texture, with feedback.

Each pixel keeps ``samples`` past observations of its colour and of its
local binary texture descriptor. A new observation is background when at
least ``min_matches`` samples are close in *both* colour (L1 distance) and
texture (Hamming distance). Per-pixel feedback adapts the two thresholds
and the learning rate to how the pixel behaves:

* ``d_min``: a moving average of the distance to the closest sample (how
  noisy or dynamic the background is here);
* ``v``: how often the pixel's label flips (blinking on leaves, water);
* ``r`` (>= 1) scales the thresholds; it drifts towards ``(1 + 2 d_min)^2``,
  faster where the pixel blinks;
* ``t`` (2..256): a background pixel replaces one of its samples with
  probability ``1 / t``; ``t`` grows while the pixel is foreground and
  shrinks on dynamic background.

Updates are conservative (only background pixels learn), plus a diffusion
of each update into one neighbour, which erodes ghosts and teaches a pixel
its neighbours' dynamic background.

This follows the published descriptions of SuBSENSE (St-Charles, Bilodeau,
Bergevin, "SuBSENSE: A Universal Change Detection Method With Local
Adaptive Sensitivity", IEEE TIP 2015) and PBAS (Hofmann, Tiefenbacher,
Rigoll, "Background Segmentation with Feedback: The Pixel-Based Adaptive
Segmenter", CVPRW 2012), vectorised over the frame with numpy/OpenCV.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

from spotdiff.background import stages as st
from spotdiff.background import texture
from spotdiff.background._base import BackgroundModel, Stages, require

_NEIGHBOURS = ((-1, -1), (-1, 0), (-1, 1), (0, -1), (0, 1), (1, -1), (1, 0), (1, 1))


def _shifted(a: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """``out[y, x] = a[y - dy, x - dx]`` over the last two axes (edges repeat)."""
    return np.roll(a, (dy, dx), axis=(-2, -1))


class ConsensusModel(BackgroundModel):
    """Pixel-sample consensus on colour + texture with adaptive feedback.

    Parameters
    ----------
    samples : int
        Samples kept per pixel (memory: ``samples * (C + 2)`` bytes a pixel).
    min_matches : int
        Close samples needed to call an observation background.
    color_threshold : float
        L1 colour distance (sum over 3 channels, 0..765) that matches at
        ``r == 1``.
    texture_threshold : float
        Differing descriptor bits (of 16) that still match at ``r == 1``.
    median : int
        Median filter on the raw mask (odd, 0/1 disables), at the working
        size. The default 9 removes speckle and the thin edges left by camera
        shake; it also rounds off objects under about 10 pixels across.
    fill_holes : bool
        Fill holes enclosed by foreground.
    stages : Stages, optional
        The shared stages around the model (:class:`spotdiff.background.Stages`;
        default :attr:`default_stages`); single fields may be given as
        keywords: ``scale=0.5``, ``jitter=False``, ``lighting=``, ``shadows=``.
    seed : int
        Seed of the random update schedule (results are reproducible).
    """

    name = "consensus"
    default_stages = Stages(scale="auto", jitter=True, lighting=True, shadows=True)
    threshold_option = "color_threshold"

    def __init__(
        self,
        *,
        samples: int = 20,
        min_matches: int = 2,
        color_threshold: float = 24.0,
        texture_threshold: float = 3.0,
        median: int = 9,
        fill_holes: bool = True,
        seed: int = 0,
        stages: Stages | None = None,
        **stage_options: Any,
    ) -> None:
        super().__init__(stages=stages, **stage_options)
        require("samples", samples, low=1, whole=True)
        require("min_matches", min_matches, low=1, whole=True)
        require("color_threshold", color_threshold, low=0, open_low=True)
        require("texture_threshold", texture_threshold, low=0)
        require("median", median, low=0, whole=True)
        if samples < min_matches or min_matches < 1:
            raise ValueError(f"need 1 <= min_matches <= samples, got {min_matches}, {samples}")
        self.n = int(samples)
        self.min_matches = int(min_matches)
        # the closest-sample distance (feedback only) is taken over the first samples
        self.n_closest = max(min_matches, self.n // 2)
        self.color_threshold = float(color_threshold)
        self.texture_threshold = float(texture_threshold)
        self.median = int(median)
        self.fill_holes = bool(fill_holes)
        self.rng = np.random.default_rng(seed)
        self.r_gain = 3.0
        self.t_up = 1.0
        self.t_down = 0.05
        self.ghost_after = 8
        self.ghost_ratio = 0.5
        self.texture_slope = 8.0

    # -- state --------------------------------------------------------------------------------
    def _init(self, frame: np.ndarray) -> None:
        h, w, c = frame.shape
        planes = np.ascontiguousarray(np.moveaxis(frame, 2, 0))
        desc = texture.descriptors(st.gray(frame))
        self.colors = np.empty((self.n, c, h, w), np.uint8)
        self.textures = np.empty((self.n, 2, h, w), np.uint8)
        for k in range(self.n):
            dy, dx = (0, 0) if k == 0 else _NEIGHBOURS[self.rng.integers(8)]
            self.colors[k] = _shifted(planes, dy, dx)
            self.textures[k] = _shifted(desc, dy, dx)
        shape = (h, w)
        self.r = np.ones(shape, np.float32)
        self.t = np.full(shape, 2.0, np.float32)
        self.v = np.zeros(shape, np.float32)
        self.d_min = np.full(shape, 0.05, np.float32)
        self.prev_raw = np.zeros(shape, np.bool_)
        self._scratch = tuple(np.empty(shape, np.float32) for _ in range(3))
        self.mean = frame.astype(np.float32)
        self.prev_luma = st.gray(frame)
        self.still = np.zeros(shape, np.uint8)
        self.channels = c

    @property
    def color_unit(self) -> float:
        """The colour threshold for this frame's channels (distances are summed over
        channels: scaled for gray frames); read per frame, so a new
        ``color_threshold`` applies at once."""
        return self.color_threshold * self.channels / 3.0

    def _background(self) -> np.ndarray:
        return cv2.convertScaleAbs(self.mean).reshape(self.mean.shape)

    # -- one frame ----------------------------------------------------------------------------
    def _step(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = frame.shape[2]
        planes = [np.ascontiguousarray(frame[:, :, i]) for i in range(c)]
        luma = st.gray(frame)
        desc = texture.descriptors(luma)
        # thresholds from r (clipped in place: a clip into a new array costs 10x here)
        scaled = self.r * np.float32(self.color_unit)
        r_color = np.clip(scaled, 0.0, 255.0, out=scaled).astype(np.uint8)
        scaled = self.r * np.float32(self.texture_slope)
        scaled += np.float32(self.texture_threshold - self.texture_slope)
        r_texture = np.clip(scaled, 0.0, 16.0, out=scaled).astype(np.uint8)

        # count matches by wrapping uint8 arithmetic: a match (255) adds -1 modulo 256
        count = np.zeros(frame.shape[:2], np.uint8)
        closest = np.full(frame.shape[:2], 255, np.uint8)
        for k in range(self.n):
            sample = self.colors[k]
            dist = cv2.absdiff(planes[0], sample[0])
            for i in range(1, c):
                dist = cv2.add(dist, cv2.absdiff(planes[i], sample[i]))
            bits = texture.hamming(desc, self.textures[k])
            both = cv2.bitwise_and(cv2.compare(dist, r_color, cv2.CMP_LE),
                                   cv2.compare(bits, r_texture, cv2.CMP_LE))
            count += both
            if k < self.n_closest:
                # dist + 8 bits, saturated (8 * 16 bits fits in uint8)
                closest = cv2.min(closest, cv2.add(dist, np.left_shift(bits, 3)))
        count = (-count.view(np.int8)).view(np.uint8)  # back to the number of matches
        raw = count < self.min_matches
        distance = closest.astype(np.float32) * np.float32(1 / 255)

        mask = st.majority(raw, self.median)
        if self.fill_holes:
            mask = st.clean_mask(mask, median=0, close=0, fill=True)
        self._feedback(raw, distance)
        self._update(frame, planes, desc, raw)
        self._remove_ghosts(frame, planes, desc, raw, luma)
        return mask, distance

    def _remove_ghosts(self, frame: np.ndarray, planes: list[np.ndarray], desc: np.ndarray,
                       raw: np.ndarray, luma: np.ndarray) -> None:
        """Re-learn foreground that is a ghost: still, and outlined by edges that are in
        the background model but not in the frame (what was there has left).

        An object that stopped keeps its own outline in the frame, so it stays.
        """
        # per channel, as for colour frames (color_unit is a sum over channels)
        moving = cv2.absdiff(luma, self.prev_luma) > np.uint8(self.color_threshold / 3)
        self.prev_luma = luma
        # count frames of still foreground: +1, back to 0 off the foreground or on motion
        self.still += np.uint8(1)
        np.multiply(self.still, raw > moving, out=self.still)  # raw and not moving
        np.minimum(self.still, 250, out=self.still)
        if self.frames % 4 or not self.ghost_after:
            return
        candidates = (self.still >= self.ghost_after).view(np.uint8)
        if cv2.countNonZero(candidates) < 16:
            return
        n, labels = cv2.connectedComponents(candidates, connectivity=8)
        # a ghost shows what surrounds it, where the model still holds what
        # left; weaker edges alone are not enough (a plain object left on
        # textured ground has them too), and textured ground can keep them
        ghost = self._looks_like_surroundings(frame, raw, labels, n)
        # a still patch that touches motion is the inside of a moving object
        # (motion: more than 2 % of the patch and its 2-px border, not noise specks)
        near = cv2.dilate((moving & raw).view(np.uint8), np.ones((5, 5), np.uint8))
        touching = np.bincount(labels[near.view(np.bool_)], minlength=n)
        ghost[touching > 0.02 * np.bincount(labels.ravel(), minlength=n)] = False
        ghost[0] = False
        if not ghost.any():
            return
        where = ghost[labels].view(np.uint8)
        where = cv2.dilate(where, np.ones((3, 3), np.uint8))
        if self._hold is not None:  # an object held by its event is no ghost
            where &= (~self._hold).view(np.uint8)
        for k in range(0, self.n, 2):
            for i, plane in enumerate(planes):
                cv2.copyTo(plane, where, self.colors[k, i])
            cv2.copyTo(desc[0], where, self.textures[k, 0])
            cv2.copyTo(desc[1], where, self.textures[k, 1])
        self.mean[where.view(np.bool_)] = frame[where.view(np.bool_)]
        self.still[where.view(np.bool_)] = 0

    def _looks_like_surroundings(self, frame: np.ndarray, raw: np.ndarray,
                                 labels: np.ndarray, n: int) -> np.ndarray:
        """Per component: the frame's mean colour inside is closer to the frame
        in a ring of background pixels around it than the model's mean colour
        inside is (the ring leaves out foreground: a still part of a person
        is not compared with the rest of the person)."""
        # float32 holds labels exactly (up to 2**24; uint16 would wrap)
        ring_labels = cv2.dilate(labels.astype(np.float32), np.ones((7, 7), np.uint8))
        ring = (ring_labels > 0) & ~raw
        inside = labels > 0
        lab_in, lab_ring = labels[inside], ring_labels[ring].astype(np.int64)
        area = np.bincount(lab_in, minlength=n)
        count_in = np.maximum(area, 1)
        count_ring = np.bincount(lab_ring, minlength=n)
        model = self.mean.reshape(frame.shape)
        d_frame = np.zeros(n)
        d_model = np.zeros(n)
        for ch in range(frame.shape[2]):
            f_in = np.bincount(lab_in, frame[..., ch][inside], minlength=n) / count_in
            b_in = np.bincount(lab_in, model[..., ch][inside], minlength=n) / count_in
            f_ring = np.bincount(lab_ring, frame[..., ch][ring], minlength=n) \
                / np.maximum(count_ring, 1)
            d_frame += np.abs(f_in - f_ring)
            d_model += np.abs(b_in - f_ring)
        # the model must hold something else than the ground there (else the
        # ratio is one of noise: a stopped object with the ground's mean
        # colour), and a patch covering most of the frame is a global change
        # for the guard to judge, not a ghost
        return (count_ring > 0) & (d_frame < self.ghost_ratio * d_model) \
            & (d_model > self.color_unit / 2) & (area < 0.5 * labels.size)

    def _feedback(self, raw: np.ndarray, distance: np.ndarray) -> None:
        # full-frame float temporaries go to scratch buffers: fresh ones cost page faults
        f32 = np.float32
        v, r, t = self.v, self.r, self.t
        inv, tmp, tmp2 = self._scratch
        raw_u8 = raw.view(np.uint8)
        # d_min: how far the closest sample is, on background only
        cv2.accumulateWeighted(distance, self.d_min, 0.02,
                               mask=np.logical_not(raw).view(np.uint8))
        # v: how often the raw label flips (+1 on a flip, -0.1 otherwise)
        v -= f32(0.1)
        cv2.add(v, 1.1, dst=v, mask=raw_u8 ^ self.prev_raw.view(np.uint8))
        np.clip(v, 0.0, 20.0, out=v)
        # r drifts towards (1 + k d_min)^2, quicker where the pixel blinks
        np.multiply(self.d_min, f32(self.r_gain), out=tmp)
        tmp += f32(1.0)
        tmp *= tmp
        below = np.less(r, tmp).view(np.uint8)
        np.add(v, f32(0.1), out=inv)
        np.divide(f32(0.01), inv, out=inv)  # 0.01 / (v + 0.1)
        np.add(inv, f32(0.01), out=tmp)
        r -= tmp
        np.multiply(v, f32(0.1), out=tmp)
        tmp += f32(0.02)
        tmp += inv
        cv2.add(r, tmp, dst=r, mask=below)
        np.clip(r, 1.0, 5.0, out=r)
        # t: learning slows under foreground, speeds up on blinking background
        np.multiply(v, f32(0.25), out=tmp)
        tmp += f32(self.t_down)  # down
        t -= tmp
        np.add(v, f32(0.5), out=tmp2)
        np.divide(f32(self.t_up), tmp2, out=tmp2)
        tmp2 += tmp
        cv2.add(t, tmp2, dst=t, mask=raw_u8)
        np.clip(t, 2.0, 256.0, out=t)
        self.prev_raw = raw

    def _update(self, frame: np.ndarray, planes: list[np.ndarray], desc: np.ndarray,
                raw: np.ndarray) -> None:
        bg = ~raw if self._hold is None else ~raw & ~self._hold
        chance = np.divide(np.float32(256.0), self.t)
        chance = np.clip(chance, 1.0, 255.0, out=chance).astype(np.uint8)
        rolls = self.rng.integers(0, 256, (2, *raw.shape), dtype=np.uint8)
        here = (bg & (rolls[0] < chance)).view(np.uint8)
        k = int(self.rng.integers(self.n))
        for i, plane in enumerate(planes):
            cv2.copyTo(plane, here, self.colors[k, i])
        cv2.copyTo(desc[0], here, self.textures[k, 0])
        cv2.copyTo(desc[1], here, self.textures[k, 1])
        # diffusion: the same observation also replaces a sample of one neighbour
        dy, dx = _NEIGHBOURS[self.rng.integers(8)]
        there = _shifted((bg & (rolls[1] < chance)).view(np.uint8), dy, dx)
        if self._hold is not None:  # nothing diffuses into held pixels either
            there &= (~self._hold).view(np.uint8)
        k = int(self.rng.integers(self.n))
        for i, plane in enumerate(planes):
            cv2.copyTo(_shifted(plane, dy, dx), there, self.colors[k, i])
        cv2.copyTo(_shifted(desc[0], dy, dx), there, self.textures[k, 0])
        cv2.copyTo(_shifted(desc[1], dy, dx), there, self.textures[k, 1])
        cv2.accumulateWeighted(frame.reshape(self.mean.shape), self.mean, 0.05,
                               mask=bg.view(np.uint8))
