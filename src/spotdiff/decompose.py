"""Explain the global part of a difference first: geometry, light, encoding.

Two photos of one scene rarely differ only where something changed: the
camera moved a little, the exposure or the white balance changed, a scan
was registered to half a pixel, the file went through JPEG. Each of these
changes every pixel a little; the change a user cares about changes some
pixels a lot. This stage separates the two, so that the local changes are
found against a BEFORE that has been brought to AFTER's geometry and light:

1. **Geometry**: AFTER is registered onto BEFORE with
   :func:`spotdiff.geometry.align.estimate_alignment` (``auto``): phase
   correlation on tiles first, sub-pixel; rotation, scale or perspective
   only when the tiles disagree and feature matches ask for them. Pairs it
   cannot register keep their geometry.
2. **Photometry**: a tone curve per channel (gain, offset, gamma and white
   balance in one monotone curve) read as the *mode* of AFTER's values for
   each BEFORE value, so that changed pixels, scattered over the joint
   histogram, cannot pull it even when they cover half the frame; then a
   smooth field (vignetting, gradients: :func:`spotdiff.lighting.fit_lighting`)
   fitted only on the pixels outside the changes found so far. Fit, find
   changes, refit without them, a little stricter each round
   (:data:`_ROUND_LEVELS`). Where BEFORE was clipped to white, its relit
   level is only a lower bound.
3. **Encoding**: the pair's own noise level is then read on the compensated
   pair by :mod:`spotdiff.noise` in the ordinary pipeline, and its policy
   (:mod:`spotdiff.threshold`) sets the threshold. Binarised line art (a
   board, a document scan) registered to a fraction of a pixel cannot be
   resampled into its partner, whose edges were drawn to the nearest pixel,
   and rings along every edge once saved as JPEG: there BEFORE is brought
   within one pixel of AFTER's edges (:func:`edge_envelope`) and what is
   left, ink where there was paper or the reverse, is judged by the line
   art threshold.

The stage is skipped, and the pair compared exactly as it is, when half or
more of the pixels are bit-identical (lossless screenshots and renders,
which never need a global model: there every differing pixel counts), and
when nothing global is found (a JPEG re-encode alone). A large pair is
first looked at reduced (:func:`quick_look`, a few milliseconds): when it
shows neither a change of light nor motion the stage ends there, and when
it shows no motion the registration is skipped.

What was explained is a :class:`GlobalChange`: the result's ``global``
record. A global change is still a change (``significant``) unless the
options accept it (``allow_shift``, ``allow_lighting``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.geometry.align import Alignment, _snapped, estimate_alignment, warp_to_before
from spotdiff.lighting import _field, fit_lighting, relight
from spotdiff.metrics.absdiff import channel_peak
from spotdiff.sampling import every_nth

#: Half or more of the pixels bit-identical: a lossless pair, compared as it is.
EQUAL_SHARE = 0.5
#: The quick look (see quick_look): the pair reduced to this side
#: (pixels); differences beyond QUICK_CHANGE levels (of 255) are local and
#: may cover at most 1 - QUICK_SHARE of the pixels and of the edges (a
#: local range of QUICK_EDGE levels); light medians within QUICK_LEVEL
#: levels; motion under QUICK_SHIFT pixels at full size.
QUICK_SIDE = 240
QUICK_CHANGE = 16.0
QUICK_SHARE = 0.9
QUICK_EDGE = 32.0
QUICK_LEVEL = 1.5
QUICK_SHIFT = 0.25
#: ...read where BEFORE's luma changes by this many levels per pixel or more.
QUICK_GRADIENT = 4.0
_QUICK_GRID = 6
#: Rounds of fit -> find changes -> refit, and the level (of 255) above
#: which a pixel is a change after each: lenient first, while the field is
#: still wrong (a strong vignette differs by tens of levels in the corners).
_ROUND_LEVELS = (40.0, 25.0, 15.0, 10.0)
#: Blur (pixels) and threshold (levels of 255) of the quick change map that
#: keeps changed pixels out of the photometric fit; dilated by this many pixels.
_CHANGE_BLUR = 2.0
_CHANGE_LEVEL = 10.0
_CHANGE_GROW = 7
#: Photometry is applied only when it moves BEFORE by this many levels (of
#: 255) on average over the unchanged pixels; it is a change of its own
#: (``significant``) beyond LIGHT_SIGNIFICANT.
LIGHT_APPLIED = 0.75
LIGHT_SIGNIFICANT = 2.0
#: Line art: this share of pixels within BINARY_LEVEL of black or white.
BINARY_SHARE = 0.9
BINARY_LEVEL = 48
#: Line art: how far (pixels) an edge may move without being a change.
EDGE_TOLERANCE = 1
#: A global model is applied only when it leaves at most this share of the
#: mean absolute difference it was fitted to explain.
EVIDENCE = 0.7
#: The larger side (pixels) at which the light is fitted (it is smooth).
_FIT_SIDE = 512
#: The larger side (pixels) at which the shift is refined.
_ECC_SIDE = 1024
#: How far (pixels) ECC may move from no shift at all.
_ECC_REACH = 3.0
#: Pixels around a clipped one whose relit level is only a lower bound.
_CLIP_GROW = 3
#: Tiles (pixels) on which the evidence for a registration is read.
_TILE = 32
#: A tile is textured when its luma spreads this much (standard deviation, levels).
TEXTURE_SPREAD = 6.0
#: Pixels sampled for the tone curves.
_SAMPLES = 250_000
#: How far (levels of 255) the tone curves may leave their power curve.
_CURVE_DETAIL = 8.0
#: Fewest samples of one BEFORE level for its own point on a tone curve.
_MIN_COUNT = 8


@dataclass(frozen=True)
class GlobalChange:
    """The global part of a pair's difference (see the module notes).

    ``shift`` is (dx, dy) in pixels of where BEFORE's content lies in AFTER;
    ``rotation_deg`` and ``scale`` the rest of a similarity, ``model`` the
    registration model (``none`` when the geometry did not change);
    ``gain`` and ``offset`` per channel the straight line closest to the
    tone curves (offset in levels of the data range); ``gamma`` the power
    of a curve ``after = gain * before ** gamma`` fitted to them (1 for a
    straight line); ``field`` the range of the smooth gain field (vignette,
    gradient) about its mean; ``explained_fraction`` the share of the mean
    absolute difference that the global model explains;
    ``light_levels`` how far (mean levels of 255) relighting moved BEFORE;
    ``edge_tolerance`` the pixels an edge of line art may move (binarised
    drawings and scans: their edges are drawn to the nearest pixel, so no
    sub-pixel model reproduces them; 0 for other images).
    """

    model: str
    matrix: np.ndarray
    gain: tuple[float, ...]
    offset: tuple[float, ...]
    gamma: tuple[float, ...]
    field: tuple[float, float]
    light_levels: float
    explained_fraction: float
    geometry_applied: bool
    light_applied: bool
    edge_tolerance: int = 0

    @property
    def shift(self) -> tuple[float, float]:
        return float(self.matrix[0, 2]), float(self.matrix[1, 2])

    @property
    def rotation_deg(self) -> float:
        return float(np.degrees(np.arctan2(self.matrix[1, 0], self.matrix[0, 0])))

    @property
    def scale(self) -> float:
        return float(np.hypot(self.matrix[0, 0], self.matrix[1, 0]))

    @property
    def light_significant(self) -> bool:
        return self.light_applied and self.light_levels > LIGHT_SIGNIFICANT

    def accepted(self, allow_shift: float, allow_lighting: bool) -> bool:
        """Whether the options accept every significant global change."""
        geometry_ok = not self.geometry_applied or (
            self.model == "translation" and max(map(abs, self.shift)) <= allow_shift)
        return geometry_ok and (allow_lighting or not self.light_significant)

    @property
    def significant(self) -> bool:
        """A global change beyond what the pair's noise explains."""
        return self.geometry_applied or self.light_significant

    def to_dict(self) -> dict[str, Any]:
        """The ``global`` record of the result's JSON."""
        out: dict[str, Any] = {"model": self.model,
                               "shift": [round(v, 3) for v in self.shift]}
        if self.model not in ("none", "translation"):
            out["rotation_deg"] = round(self.rotation_deg, 3)
            out["scale"] = round(self.scale, 5)
            out["matrix"] = [[round(float(v), 8) for v in row] for row in self.matrix]
        out.update(
            gain=[round(v, 4) for v in self.gain],
            offset=[round(v, 3) for v in self.offset],
            gamma=[round(v, 3) for v in self.gamma],
            field=[round(v, 4) for v in self.field],
            light_levels=round(self.light_levels, 3),
            explained_fraction=round(self.explained_fraction, 4),
            edge_tolerance=self.edge_tolerance,
            significant=self.significant,
        )
        return out


@dataclass
class Explained:
    """The pair after the global part is explained away."""

    before: np.ndarray  # BEFORE relit to AFTER's light (or as it was)
    after: np.ndarray  # AFTER in BEFORE's frame (BEFORE's pixels where it does not reach)
    shown: np.ndarray | None  # AFTER warped (black where it does not reach), when warped
    valid: np.ndarray | None  # bool (H, W): pixels AFTER covers; None: all
    alignment: Alignment | None
    change: GlobalChange
    line_art: bool = False  # BEFORE is line art brought within AFTER's edge tolerance
    #: line art: bool (H, W), where AFTER lies across the mid-level from BEFORE
    #: (ink where there was paper, or the reverse) before the edge tolerance
    crossed: np.ndarray | None = None


def mostly_equal(before: np.ndarray, after: np.ndarray, data_range: float) -> bool:
    """Half or more of the textured, unclipped pixels bit-identical (read on
    every 4th row and column): a lossless pair.

    Texture decides, as in :mod:`spotdiff.noise`: flat areas, and levels
    clipped to black or white, come back exact from JPEG too (a binarised
    scan's), while a lossless path reproduces every edge and its
    anti-aliasing exactly wherever nothing changed.
    """
    b = every_nth(before, 4)
    a = every_nth(after, 4)
    same = channel_peak(cv2.absdiff(b, a)) == 0
    if np.count_nonzero(same) < EQUAL_SHARE * same.size:
        return False  # fewer identical pixels than that in all
    luma = _gray8(b, data_range)
    kernel = np.ones((3, 3), np.uint8)
    textured = cv2.subtract(cv2.dilate(luma, kernel), cv2.erode(luma, kernel)) >= 8
    textured &= (luma > 2) & (luma < 253)
    n = np.count_nonzero(textured)
    if n < 0.01 * textured.size:  # flat: judge on every pixel
        return True
    return bool(np.count_nonzero(textured & same) >= EQUAL_SHARE * n)


@dataclass(frozen=True)
class QuickLook:
    """What :func:`quick_look` read on a large pair reduced."""

    same_light: bool  # no change of light beyond QUICK_LEVEL
    motion: float  # the largest move of a corner of the frame (full-size pixels)
    turn: float  # the same, of the motion's part that is not a translation

    @property
    def still(self) -> bool:
        """No motion of :data:`QUICK_SHIFT` pixels or more."""
        return self.motion < QUICK_SHIFT

    @property
    def small_shift(self) -> bool:
        """At most a small translation, which ECC finds from no shift at all."""
        return self.motion < _ECC_REACH / 2 and self.turn < QUICK_SHIFT


def quick_look(before: np.ndarray, after: np.ndarray, data_range: float) -> QuickLook | None:
    """A quick look at a large pair: is there a change of light, a motion?

    The pair is reduced to :data:`QUICK_SIDE` pixels (area averaging, which
    averages codec and sensor noise away). What differs by more than
    :data:`QUICK_CHANGE` levels is a local change, left out; it may cover at
    most a tenth of the pixels and of the edges (more, and None: the full
    model decides). On the rest:

    * the light is the same when the median signed difference of each
      channel is within :data:`QUICK_LEVEL` levels in every cell of a 3x3
      grid (vignetting, gradients) and every quarter of BEFORE's levels
      (gamma, white balance);
    * the pair is still when one Lucas-Kanade step for an affine motion
      (with a gain, an offset and a gradient of light beside it, so that
      the light does not read as motion) moves no corner of the frame by
      :data:`QUICK_SHIFT` pixels or more at full size.

    None as well for a pair under twice that size (never reduced enough to
    judge) and for one with too little texture to see motion in.
    """
    h, w = before.shape[:2]
    f = QUICK_SIDE / max(h, w)
    if f > 0.5:
        return None
    size = (max(8, round(w * f)), max(8, round(h * f)))
    lb = _levels(cv2.resize(before, size, interpolation=cv2.INTER_AREA
                            ).reshape(size[1], size[0], -1), data_range)
    la = _levels(cv2.resize(after, size, interpolation=cv2.INTER_AREA
                            ).reshape(size[1], size[0], -1), data_range)
    diff = la - lb
    gb, ga = lb.mean(axis=2), la.mean(axis=2)
    n = gb.size
    big = channel_peak(np.abs(diff)) > QUICK_CHANGE
    kernel = np.ones((3, 3), np.uint8)
    edges = cv2.subtract(cv2.dilate(gb, kernel), cv2.erode(gb, kernel)) >= QUICK_EDGE
    n_edges = np.count_nonzero(edges)
    if np.count_nonzero(big) > (1 - QUICK_SHARE) * n or (
            n_edges >= 0.01 * n and np.count_nonzero(big & edges) > (1 - QUICK_SHARE) * n_edges):
        return None
    keep = cv2.dilate(big.view(np.uint8), kernel) == 0
    # light: medians of the signed difference per cell and per band of levels
    rows, cols = np.indices(gb.shape)
    cell = (rows * 3 // gb.shape[0]) * 3 + cols * 3 // gb.shape[1]
    band = np.searchsorted(np.percentile(gb[keep], (25, 50, 75)), gb) + 9
    same_light = True
    kept_diff = diff[keep]
    for labels in (cell[keep], band[keep]):  # cells 0-8, then bands 9-12
        for part in _groups(labels):
            if len(part) >= 0.01 * n and \
                    np.abs(np.median(kept_diff[part], axis=0)).max() > QUICK_LEVEL:
                same_light = False
                break
        if not same_light:
            break
    # motion: after - before = -grad . u(x, y) + light, u affine, by least
    # squares, once the light's smooth field (medians on a coarse grid) is
    # taken out: it must not read as motion
    signed = ga - gb
    grid = np.zeros(_QUICK_GRID * _QUICK_GRID, np.float32)
    grid_cell = ((rows * _QUICK_GRID // gb.shape[0]) * _QUICK_GRID
                 + cols * _QUICK_GRID // gb.shape[1])
    present, medians = _group_medians(signed[keep], grid_cell[keep])
    grid[present] = medians
    signed -= cv2.resize(grid.reshape(_QUICK_GRID, _QUICK_GRID), gb.shape[::-1],
                         interpolation=cv2.INTER_LINEAR)
    mean = (gb + ga) / 2
    gx = cv2.Sobel(mean, cv2.CV_32F, 1, 0, ksize=3) / 8
    gy = cv2.Sobel(mean, cv2.CV_32F, 0, 1, ksize=3) / 8
    # read where the texture shows motion; flat pixels hold only noise
    use = keep & (np.hypot(gx, gy) >= QUICK_GRADIENT)
    if np.count_nonzero(use) < 0.01 * n:  # too little texture to see motion
        return None
    gx, gy = gx[use], gy[use]
    x = (cols[use] * (2.0 / gb.shape[1]) - 1).astype(np.float32)
    y = (rows[use] * (2.0 / gb.shape[0]) - 1).astype(np.float32)
    design = np.stack([gx, gx * x, gx * y, gy, gy * x, gy * y,
                       np.ones_like(x), gb[use] / 255, x, y], axis=1)
    normal = design.T @ design
    if np.linalg.cond(normal) > 1e8:  # texture in one direction only
        return None
    p = np.linalg.solve(normal, design.T @ signed[use])
    corners = np.array([[1, cx, cy] for cx in (-1, 1) for cy in (-1, 1)], np.float32)
    moves = np.hypot(corners @ p[:3], corners @ p[3:6]) / f  # in full-size pixels
    turns = np.hypot(corners[:, 1:] @ p[1:3], corners[:, 1:] @ p[4:6]) / f
    return QuickLook(same_light=same_light, motion=float(moves.max()), turn=float(turns.max()))


def _groups(labels: np.ndarray) -> list[np.ndarray]:
    """The indices of each label's members, labels in increasing order (the
    ones present only): one sort instead of a mask per label."""
    order = np.argsort(labels, kind="stable")
    starts = np.flatnonzero(np.diff(labels[order])) + 1
    return np.split(order, starts) if len(order) else []


def _group_medians(values: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The labels present and the median of ``values`` (1-D) over each,
    as ``np.median`` gives it (the mean of the two middle values of an even
    count, in ``values``' dtype), from one sort."""
    order = np.lexsort((values, labels))
    ordered, sorted_labels = values[order], labels[order]
    starts = np.flatnonzero(np.r_[True, sorted_labels[1:] != sorted_labels[:-1]])
    counts = np.diff(np.r_[starts, len(order)])
    upper = ordered[starts + counts // 2]
    lower = ordered[starts + (counts - 1) // 2]
    two = np.asarray(2, values.dtype)
    return sorted_labels[starts], np.where(counts % 2 == 1, upper, (lower + upper) / two)


def _gray8(pixels: np.ndarray, data_range: float) -> np.ndarray:
    """uint8 (H, W) luma of the colour channels."""
    p = pixels[:, :, :3] if pixels.shape[2] == 4 else pixels
    if p.dtype != np.uint8:
        p = cv2.convertScaleAbs(p.astype(np.float32), alpha=255.0 / data_range).reshape(p.shape)
    if p.shape[2] == 3:
        return cv2.cvtColor(np.ascontiguousarray(p), cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(p[:, :, 0])


def is_line_art(pixels: np.ndarray, data_range: float) -> bool:
    """Binarised line art (a board, a document, a drawing): nearly every
    pixel near black or white, and both present."""
    luma = _levels(pixels[::2, ::2], data_range).mean(axis=2)
    dark = np.count_nonzero(luma < BINARY_LEVEL)
    light = np.count_nonzero(luma > 255 - BINARY_LEVEL)
    n = luma.size
    return dark + light >= BINARY_SHARE * n and min(dark, light) >= 0.01 * n


def edge_envelope(before: np.ndarray, after: np.ndarray) -> np.ndarray:
    """BEFORE as close to AFTER as moving its edges by up to
    :data:`EDGE_TOLERANCE` pixels allows: AFTER clipped, per channel, to
    the least and the most of BEFORE in each pixel's neighbourhood. What
    stays different (ink where BEFORE has none within a pixel, a hole
    where BEFORE is solid) is a change."""
    size = 2 * EDGE_TOLERANCE + 1
    kernel = np.ones((size, size), np.uint8)
    low = cv2.erode(before, kernel).reshape(before.shape)
    high = cv2.dilate(before, kernel).reshape(before.shape)
    return np.minimum(np.maximum(after, low), high)


def edge_extent(found: np.ndarray, crossed: np.ndarray) -> np.ndarray:
    """A line-art change found beyond the edge tolerance, given back the
    part of it that lies within the tolerance: the pixels within
    :data:`EDGE_TOLERANCE` of ``found`` where AFTER crossed the mid-level
    (``crossed``, see :class:`Explained`). A spur's root beside the edge it
    grows from, or a pin-hole's rim in a thin stroke, is the defect too;
    the rest of the edges, where nothing was found, stay as they are."""
    if not found.any():
        return found
    size = 2 * EDGE_TOLERANCE + 1
    near = cv2.dilate(found.view(np.uint8), np.ones((size, size), np.uint8)).view(np.bool_)
    return found | (near & crossed)


def _levels(pixels: np.ndarray, data_range: float) -> np.ndarray:
    """float32 (H, W, C) colour channels (alpha dropped) on the 8-bit scale."""
    p = pixels[:, :, :3] if pixels.shape[2] == 4 else pixels
    out = p.astype(np.float32)
    if data_range != 255:
        out *= np.float32(255.0 / data_range)
    return out


def _smoothed(pixels: np.ndarray, data_range: float) -> np.ndarray:
    """The levels :func:`_changes` compares: blurred by :data:`_CHANGE_BLUR`."""
    return cv2.GaussianBlur(_levels(pixels, data_range), (0, 0), _CHANGE_BLUR)


def _changes(before: np.ndarray, after: np.ndarray, data_range: float,
             level: float = _CHANGE_LEVEL, smooth_after: np.ndarray | None = None
             ) -> np.ndarray:
    """bool (H, W): where the pair still differs clearly, grown by a margin
    (``smooth_after``: AFTER's :func:`_smoothed`, when already made)."""
    b = _smoothed(before, data_range)
    a = _smoothed(after, data_range) if smooth_after is None else smooth_after
    diff = channel_peak(cv2.absdiff(b, a).reshape(b.shape))
    changed = (diff > level).view(np.uint8)
    grow = np.ones((2 * _CHANGE_GROW + 1,) * 2, np.uint8)
    return cv2.dilate(changed, grow).view(np.bool_)


def _tone_curves(before: np.ndarray, after: np.ndarray, keep: np.ndarray | None
                 ) -> tuple[np.ndarray, np.ndarray]:
    """Per channel, the monotone curve from BEFORE's levels to AFTER's (uint8
    pairs): the mode of AFTER's values for each BEFORE value, refined to
    their mean near the mode. Returns float64 (C, 256) curves and (C, 256)
    sample counts."""
    h, w = before.shape[:2]
    step = max(1, int(np.ceil(np.sqrt(h * w / _SAMPLES))))
    b, a = (x if step == 1 else every_nth(x, step) for x in (before, after))
    k = None if keep is None else np.ascontiguousarray(keep[::step, ::step]).view(np.uint8)
    channels = b.shape[2] if b.shape[2] != 4 else 3
    curves = np.tile(np.arange(256, dtype=np.float64), (channels, 1))
    counts = np.zeros((channels, 256))
    levels = np.arange(256, dtype=np.float64)
    for c in range(channels):
        # the joint histogram of BEFORE's and AFTER's levels (exact counts)
        joint = cv2.calcHist([b, a], [c, b.shape[2] + c], k, [256, 256], [0, 256, 0, 256])
        n = joint.sum(axis=1)
        smooth = cv2.GaussianBlur(joint, (0, 0), sigmaX=3.0, sigmaY=1.5)
        mode = np.argmax(smooth, axis=1)
        near = np.abs(levels[None, :] - mode[:, None]) <= 8
        weight = joint * near
        total = weight.sum(axis=1)
        good = (n >= _MIN_COUNT) & (total > 0)
        if good.sum() < 4:
            continue
        mean = (weight @ levels)[good] / total[good]
        # a power curve holds the tone against levels a large change took
        # over; the modes refine it within a few levels
        power = _power_curve(levels[good], mean, np.sqrt(n[good]))
        curve = power + np.clip(np.interp(levels, levels[good], mean) - power,
                                -_CURVE_DETAIL, _CURVE_DETAIL)
        # monotone: the light of a brighter surface never falls below a darker one's
        curves[c] = (np.maximum.accumulate(curve) + np.minimum.accumulate(curve[::-1])[::-1]) / 2
        counts[c] = np.where(good, n, 0)
    return curves, counts


_GAMMAS = np.exp(np.linspace(np.log(0.4), np.log(2.5), 61))


def _power_curve(x: np.ndarray, y: np.ndarray, weight: np.ndarray) -> np.ndarray:
    """The curve ``a * (x / 255) ** gamma + b`` (levels of 255) closest to the
    points (x, y), robustly: points further than three robust deviations
    from the fit are dropped and the fit repeated, so that levels a large
    change has taken over (their mode is the change's) do not bend it.
    Returns its 256 values."""
    levels = np.arange(256, dtype=np.float64) / 255.0
    u = x / 255.0
    keep = np.ones(len(x), bool)
    best = (np.inf, 1.0, 1.0, 0.0)
    powers = u[None, :] ** _GAMMAS[:, None]  # (gammas, points)
    for _ in range(4):
        # weighted least squares of y ~ a * u^g + b for every gamma at once
        w2 = (weight * keep) ** 2
        sw, sy = w2.sum(), (w2 * y).sum()
        sp = powers @ w2
        spp = (powers * powers) @ w2
        spy = powers @ (w2 * y)
        det = spp * sw - sp * sp
        ok = det > 1e-12
        a = np.where(ok, (spy * sw - sp * sy) / np.where(ok, det, 1.0), 1.0)
        b = (sy - a * sp) / sw
        err = np.where(ok, (((a[:, None] * powers + b[:, None] - y) ** 2) @ w2), np.inf)
        i = int(np.argmin(err))
        best = (float(err[i]), float(_GAMMAS[i]), float(a[i]), float(b[i]))
        _, g, gain, bias = best
        residual = np.abs(gain * u ** g + bias - y)
        sigma = 1.4826 * float(np.median(residual[keep])) if keep.any() else 0.0
        new = residual <= max(3.0 * sigma, 2.0)
        if new.sum() < 4 or np.array_equal(new, keep):
            break
        keep = new
    _, g, gain, bias = best
    return np.clip(gain * levels ** g + bias, 0.0, 255.0)


def _line_and_gamma(curve: np.ndarray, count: np.ndarray) -> tuple[float, float, float]:
    """Gain and offset of the weighted straight line closest to a tone curve,
    and the gamma of ``after = g * before ** gamma`` (levels in [0, 1])."""
    x = np.arange(256, dtype=np.float64)
    used = (count > 0) & (curve > 2) & (curve < 253)  # clipped levels say nothing
    if used.sum() < 2:
        return 1.0, 0.0, 1.0
    wts = np.sqrt(count[used])
    gain, offset = np.polyfit(x[used], curve[used], 1, w=wts)
    pos = used & (x > 8) & (curve > 8) & (x < 247) & (curve < 247)
    gamma = 1.0
    if pos.sum() >= 2:
        gamma = float(np.polyfit(np.log(x[pos] / 255), np.log(curve[pos] / 255), 1,
                                 w=np.sqrt(count[pos]))[0])
    return float(gain), float(offset), gamma


def _apply_tone(before: np.ndarray, curves: np.ndarray) -> np.ndarray:
    tables = np.clip(np.rint(curves), 0, 255).astype(np.uint8)  # (C, 256)
    if len(tables) == before.shape[2]:  # every channel toned: one look-up
        return cv2.LUT(before, np.ascontiguousarray(tables.T).reshape(1, 256, -1)
                       ).reshape(before.shape)
    out = before.copy()
    for c, table in enumerate(tables):
        out[:, :, c] = cv2.LUT(np.ascontiguousarray(before[:, :, c]), table)
    return out


def _mean_abs(x: np.ndarray, y: np.ndarray, where: np.ndarray | None, data_range: float,
              step: int = 1) -> float:
    """The mean absolute difference of the colour channels (levels of 255)
    over ``where`` (None: all), read on every ``step``-th row and column."""
    channels = 3 if x.shape[2] == 4 else x.shape[2]
    whole = x.dtype == y.dtype and channels == x.shape[2] <= 4
    if step > 1:
        where = None if where is None else where[::step, ::step]
        if not whole:
            x, y = every_nth(x, step), every_nth(y, step)
    if where is not None and not where.any():
        return 0.0
    if whole:  # the difference per sample, then one array sampled instead of two
        d = cv2.absdiff(x, y).reshape(x.shape)
        d = every_nth(d, step) if step > 1 else d
    else:
        if x.dtype != y.dtype or channels > 4:
            x, y = _levels(x, data_range), _levels(y, data_range)
            data_range = 255.0
        d = cv2.absdiff(np.ascontiguousarray(x[:, :, :channels]),
                        np.ascontiguousarray(y[:, :, :channels]))
    mask = None if where is None else np.ascontiguousarray(where).view(np.uint8)
    return float(np.mean(cv2.mean(d, mask=mask)[:channels])) * 255.0 / data_range


def _tile_misfit(x: np.ndarray, y: np.ndarray, data_range: float) -> np.ndarray:
    """Per tile of :data:`_TILE` pixels, 1 - the zero-mean normalised
    correlation of the two images' luma: how badly one is a copy of the
    other there, whatever the change of light. NaN for tiles flat in X."""
    gx = _levels(x, data_range).mean(axis=2)
    gy = _levels(y, data_range).mean(axis=2)
    h, w = gx.shape
    ty, tx = h // _TILE, w // _TILE
    if ty == 0 or tx == 0:
        ty, tx = 1, 1
        size = (h, w)
    else:
        size = (_TILE, _TILE)
    def tiles(g: np.ndarray) -> np.ndarray:
        t = g[: ty * size[0], : tx * size[1]].reshape(ty, size[0], tx, size[1])
        flat = t.transpose(0, 2, 1, 3).reshape(ty * tx, -1)
        return flat - flat.mean(axis=1, keepdims=True)
    a, b = tiles(gx), tiles(gy)
    norm = np.sqrt(np.sum(a * a, axis=1) * np.sum(b * b, axis=1))
    # textured in BEFORE: a luma spread of TEXTURE_SPREAD levels or more
    textured = np.sum(a * a, axis=1) >= TEXTURE_SPREAD ** 2 * a.shape[1]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(textured & (norm > 0), 1.0 - np.sum(a * b, axis=1) / norm, np.nan)


def _warp_helps(before: np.ndarray, after: np.ndarray, warped: np.ndarray,
                where: np.ndarray | None, data_range: float) -> bool:
    """The evidence for a registration: in a quarter or more of the textured
    tiles, the warped AFTER is clearly more like BEFORE than AFTER was
    (tiles hold out a large local change, which no warp makes alike)."""
    if where is not None:  # uncovered pixels: BEFORE's own, in both
        warped = warped.copy()
        warped[~where] = before[~where]
        after = after.copy()
        after[~where] = before[~where]
    was = _tile_misfit(before, after, data_range)
    now = _tile_misfit(before, warped, data_range)
    textured = np.isfinite(was) & np.isfinite(now) & (was > 1e-4)
    if not textured.any():
        return False
    better = now[textured] < EVIDENCE * was[textured]
    return bool(np.count_nonzero(better) >= 0.25 * np.count_nonzero(textured))


def _clipped_bound(before: np.ndarray, relit: np.ndarray, after: np.ndarray,
                   data_range: float) -> np.ndarray:
    """Where BEFORE was clipped to white in a channel (and a little around:
    JPEG spreads colour over its blocks), the scene was at least that
    bright: the relit levels there are a lower bound, and AFTER above them
    is explained (a darker exposure shows what the clipping hid)."""
    top = 253.0 * data_range / 255.0
    channels = relit.shape[2] if relit.shape[2] != 4 else 3
    if channels != relit.shape[2]:  # alpha: compared as it is (never here)
        return relit
    if before.dtype.kind == "u" and top.is_integer():
        # some channel at top or above: not all of them in 0 .. top - 1 (one pass)
        clipped = cv2.bitwise_not(cv2.inRange(before, (0,) * channels, (top - 1,) * channels))
    else:
        clipped = (channel_peak(before) >= top).view(np.uint8)
    if not cv2.countNonZero(clipped):
        return relit
    near = cv2.dilate(clipped, np.ones((2 * _CLIP_GROW + 1,) * 2, np.uint8))
    x, y, w, h = cv2.boundingRect(near)  # only the part that holds clipped pixels
    box = (slice(y, y + h), slice(x, x + w))
    out = relit.copy()
    cv2.copyTo(cv2.max(relit[box], after[box]).reshape(relit[box].shape), near[box], out[box])
    return out


def _resampling_blur(before: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """BEFORE blurred as much as resampling AFTER at a fractional shift
    blurred it (bilinear weights f and 1 - f: a variance of f (1 - f) per
    axis), so that sharp edges do not differ by the interpolation alone."""
    frac = np.abs(matrix[:2, 2] - np.round(matrix[:2, 2]))
    sigma = np.sqrt(frac * (1 - frac))
    if sigma.max() < 0.1:
        return before
    out = cv2.GaussianBlur(before, (0, 0), sigmaX=max(float(sigma[0]), 0.01),
                           sigmaY=max(float(sigma[1]), 0.01))
    return out.reshape(before.shape)


def relit_as(toned: np.ndarray, coefficients: np.ndarray, data_range: float) -> np.ndarray:
    """BEFORE's toned levels under the smooth field (spotdiff.lighting.relight)."""
    return relight(toned, coefficients, data_range=data_range)


def _refined_shift(before: np.ndarray, after: np.ndarray, matrix: np.ndarray,
                   unchanged: np.ndarray, data_range: float, reach: float = 0.5
                   ) -> np.ndarray | None:
    """The translation refined by ECC (cv2.findTransformECC, which is
    blind to gain and offset) on the unchanged pixels only; None when ECC
    fails or wanders more than ``reach`` pixels from ``matrix``."""
    gb = _gray8(before, data_range)
    ga = _gray8(after, data_range)
    f = min(1.0, _ECC_SIDE / max(gb.shape))
    if f < 1:
        gb = cv2.resize(gb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        ga = cv2.resize(ga, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)
        unchanged = cv2.resize(unchanged.view(np.uint8), gb.shape[::-1],
                               interpolation=cv2.INTER_NEAREST).view(np.bool_)
    # pixel centres: full-resolution x maps to f * x + (f - 1) / 2
    start = np.array([[1, 0, matrix[0, 2] * f], [0, 1, matrix[1, 2] * f]], np.float32)
    stop = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _, warp = cv2.findTransformECC(gb.astype(np.float32), ga.astype(np.float32), start,
                                       cv2.MOTION_TRANSLATION, stop,
                                       unchanged.view(np.uint8) * np.uint8(255), 3)
    except cv2.error:
        return None
    shift = warp[:, 2].astype(np.float64) / f
    if np.abs(shift - matrix[:2, 2]).max() > reach:
        return None
    out = matrix.copy()
    out[:2, 2] = shift
    return out


def _photometry(before: np.ndarray, after: np.ndarray, data_range: float,
                valid: np.ndarray | None, smooth_after: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Fit, find changes, refit: the relit BEFORE, the tone curves and their
    counts, and the polynomial field's coefficients (see spotdiff.lighting).
    ``smooth_after``: AFTER's :func:`_smoothed`, when already made."""
    if smooth_after is None:
        smooth_after = _smoothed(after, data_range)  # the same in every round
    h, w = before.shape[:2]
    channels = 3 if before.shape[2] == 4 else before.shape[2]
    curves = np.tile(np.arange(256, dtype=np.float64), (channels, 1))
    counts = np.zeros((channels, 256))
    identity = np.zeros((channels, 7))
    identity[:, 0] = 1.0
    coefficients = identity
    keep = valid
    relit = before
    tone = before.dtype == np.uint8
    first = True
    for level in _ROUND_LEVELS:
        if tone:
            # the tone curve of what the field does not explain
            flat = after
            if coefficients is not identity:
                flat = after.copy()
                for c, coef in enumerate(coefficients):
                    gain = np.maximum(_field(coef[:6], h, w), 0.05)
                    flat[:, :, c] = np.clip(np.rint(
                        (after[:, :, c].astype(np.float32) - np.float32(coef[6] * 255)) / gain),
                        0, 255).astype(np.uint8)
            curves, counts = _tone_curves(before, flat, keep)
            toned = _apply_tone(before, curves)
        else:
            toned = before
        if tone and first:
            # the tone curves' modes hold against any share of changed pixels;
            # the field's least squares only once the changes are known
            coefficients, first = identity, False
        else:
            coefficients, _ = fit_lighting(toned, after, data_range=data_range, valid=keep)
        relit = relight(toned, coefficients, data_range=data_range)
        changed = _changes(relit, after, data_range, level, smooth_after)
        keep = ~changed if valid is None else valid & ~changed
        if np.count_nonzero(keep) < 0.05 * h * w:  # nothing left unchanged to fit on
            keep = valid
    return relit, curves, counts, coefficients


def explain_global(before: np.ndarray, after: np.ndarray, *, data_range: float,
                   valid: np.ndarray | None = None) -> Explained | None:
    """Explain the global part of the difference between BEFORE and AFTER.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of one shape and dtype.
    data_range : float
        Full intensity.
    valid : ndarray, optional
        bool (H, W): the pixels compared (after a size policy).

    Returns
    -------
    Explained or None
        None when the pair needs no global model: half or more of its
        textured pixels bit-identical (lossless), or nothing global found.

    Examples
    --------
    >>> import numpy as np, cv2
    >>> rng = np.random.default_rng(0)
    >>> a = cv2.GaussianBlur(rng.integers(0, 256, (128, 128, 3), np.uint8), (0, 0), 2)
    >>> b = np.clip(np.rint(a * 1.2 + 5), 0, 255).astype(np.uint8)
    >>> e = explain_global(a, b, data_range=255)
    >>> e.change.model, [round(g, 1) for g in e.change.gain], e.change.significant
    ('none', [1.2, 1.2, 1.2], True)
    """
    if before.shape != after.shape or before.shape[2] == 4 \
            or mostly_equal(before, after, data_range):
        return None  # transparency is compared as it is (see spotdiff.io.alpha)
    h, w = before.shape[:2]
    # a large pair: a quick look on it reduced may find nothing global, or no motion
    look = quick_look(before, after, data_range)
    if look is not None and look.still and look.same_light:
        return None
    still = look is not None and look.still
    alignment, shown, pa, given_valid = None, None, after, valid
    # the light is smooth and global: fitted on the pair reduced to _FIT_SIDE
    # (the evidence for a registration is read there too)
    fs = min(1.0, _FIT_SIDE / max(h, w))
    size = (max(1, round(w * fs)), max(1, round(h * fs)))

    def reduce(x: np.ndarray) -> np.ndarray:
        if fs == 1.0:
            return x
        return cv2.resize(x, size, interpolation=cv2.INTER_AREA).reshape(
            size[1], size[0], x.shape[2])

    reduced = {id(before): reduce(before), id(after): reduce(after)}

    def small(x: np.ndarray) -> np.ndarray:  # BEFORE and AFTER reduced once
        return reduced[id(x)] if x is before or x is after else reduce(x)

    def small_mask(m: np.ndarray | None) -> np.ndarray | None:
        if m is None or fs == 1.0:
            return m
        return cv2.resize(m.view(np.uint8), size, interpolation=cv2.INTER_NEAREST).view(np.bool_)

    found = None
    # a small translation is left to ECC below, which finds it from no shift
    if look is None or not look.small_shift:
        try:
            found = estimate_alignment(before, after, model="auto", data_range=data_range)
        except InputError:  # cannot be registered (too small, too few matches): as it is
            pass
    if found is not None and not found.is_identity:
        shown, covered = warp_to_before(after, found, (h, w))
        where = covered if valid is None or covered is None else valid & covered
        # the evidence decides: the warp must bring AFTER clearly closer to BEFORE
        # (phase correlation of a JPEG re-encode alone can read half a pixel)
        if _warp_helps(small(before), small(after), small(shown), small_mask(where),
                       data_range):
            alignment, pa, valid = found, shown, where
            if covered is not None and valid is not None:
                pa = shown.copy()
                pa[~valid] = before[~valid]
        else:
            shown = None
    def fit_light(pa: np.ndarray, valid: np.ndarray | None) -> tuple:
        sb, spa, sval = small(before), small(pa), small_mask(valid)
        smooth_after = _smoothed(spa, data_range)
        relit, curves, counts, coefficients = _photometry(sb, spa, data_range, sval,
                                                          smooth_after)
        unchanged = ~_changes(relit, spa, data_range, smooth_after=smooth_after)
        if sval is not None:
            unchanged &= sval
        return sb, spa, relit, curves, counts, coefficients, unchanged

    sb, spa, relit, curves, counts, coefficients, unchanged = fit_light(pa, valid)
    if not still and (alignment is None or alignment.model == "translation"):
        # refit the shift on the unchanged pixels only, as the light was; a
        # large change can hide a small shift from the tiles, not from this
        start = np.eye(3) if alignment is None else alignment.matrix.copy()
        start[:2, 2] *= fs  # a shift in the reduced pair's pixels
        # from the tiles' estimate, half a pixel either way; from no shift (the
        # tiles found none, or none that helped) as far as a camera drifts
        refined = _refined_shift(relit, small(after), start, unchanged, data_range,
                                 reach=0.5 if alignment is not None else _ECC_REACH)
        if refined is not None:
            refined[:2, 2] /= fs
            refined = _snapped(refined)
        if alignment is None and refined is not None:
            if np.abs(refined[:2, 2]).max() < 0.25:
                refined = None
            else:
                trial = Alignment("translation", refined, 1.0, 0.0, 0, "ecc")
                warped, covered = warp_to_before(after, trial, (h, w))
                where = covered if given_valid is None or covered is None \
                    else given_valid & covered
                if not _warp_helps(sb, small(after), small(warped), small_mask(where),
                                   data_range):
                    refined = None
                else:
                    alignment = trial
        if refined is not None and alignment is not None:
            alignment = replace(alignment, matrix=refined)
            shown, covered = warp_to_before(after, alignment, (h, w))
            valid = covered if given_valid is None or covered is None else given_valid & covered
            pa = shown
            if valid is not None:
                pa = shown.copy()
                pa[~valid] = before[~valid]
            sb, spa, relit, curves, counts, coefficients, unchanged = fit_light(pa, valid)
    light_levels = _mean_abs(relit, sb, unchanged, data_range)
    light_applied = light_levels > LIGHT_APPLIED and _mean_abs(
        relit, spa, unchanged, data_range) < EVIDENCE * _mean_abs(sb, spa, unchanged, data_range)
    pb = before
    if light_applied:  # BEFORE relit at full size
        toned = _apply_tone(before, curves) if before.dtype == np.uint8 else before
        pb = _clipped_bound(before, relit_as(toned, coefficients, data_range), pa, data_range)
    if alignment is None and not light_applied:  # nothing global: the pair as it is
        return None
    line_art = alignment is not None and is_line_art(before, data_range)
    if alignment is not None and alignment.model == "translation" and not line_art:
        pb = _resampling_blur(pb, alignment.matrix)
    # line art registered to a fraction of a pixel: its edges were drawn to the
    # nearest pixel, so AFTER's may lie a pixel from BEFORE's
    crossed = None
    if line_art:
        crossed = channel_peak(cv2.absdiff(pb, pa)) > data_range / 2
        pb = edge_envelope(pb, pa)
    step = max(1, int(np.sqrt(h * w / _SAMPLES)))  # a statistic: a sample will do
    before_diff = _mean_abs(before, after, valid, data_range, step)
    after_diff = _mean_abs(pb, pa, valid, data_range, step)
    explained = 1.0 - after_diff / before_diff if before_diff > 0 else 0.0
    lines = [_line_and_gamma(curves[c], counts[c]) for c in range(len(curves))]
    fields = [_field(coef[:6], min(h, 33), min(w, 33)) for coef in coefficients]
    means = [float(f.mean()) for f in fields]
    if before.dtype != np.uint8:  # no tone curves: the field's mean gain and offset
        lines = [(m, float(coef[6]) * 255.0 * data_range / 255.0, 1.0)
                 for m, coef in zip(means, coefficients, strict=True)]
    else:
        lines = [(g * m, o * m + float(coef[6]) * 255.0, gm)
                 for (g, o, gm), m, coef in zip(lines, means, coefficients, strict=True)]
    spread = (min(float(f.min()) / m for f, m in zip(fields, means, strict=True)),
              max(float(f.max()) / m for f, m in zip(fields, means, strict=True)))
    change = GlobalChange(
        model="none" if alignment is None else alignment.model,
        matrix=np.eye(3) if alignment is None else alignment.matrix,
        gain=tuple(v[0] for v in lines), offset=tuple(v[1] for v in lines),
        gamma=tuple(v[2] for v in lines), field=spread,
        light_levels=light_levels if light_applied else 0.0,
        explained_fraction=max(0.0, explained),
        geometry_applied=alignment is not None, light_applied=light_applied,
        edge_tolerance=EDGE_TOLERANCE if line_art else 0,
    )
    return Explained(before=pb, after=pa, shown=shown, valid=valid, alignment=alignment,
                     change=change, line_art=line_art, crossed=crossed)

