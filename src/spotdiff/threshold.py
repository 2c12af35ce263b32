"""The automatic threshold policy of the ``color`` method.

A pair's own noise level (:mod:`spotdiff.noise`) decides how its ΔE map
becomes a mask. A lossless pair (PNG screenshots, renders) counts every
visible difference: ΔE above one just-noticeable difference, faint specks
dropped by their contrast times their size. A noisy pair (JPEG, camera
frames) is compared blurred, against a threshold that rises with the local
noise floor, and cleaned harder. The method registry says which methods use
this policy (``Method.auto_policy``); the others take their default
threshold and no cleaning.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from spotdiff import mask as masks
from spotdiff.noise import LOSSY_FLOOR
from spotdiff.options import CLEANING, LOSSLESS_THRESHOLD, CompareOptions

if TYPE_CHECKING:
    from spotdiff.metrics import Method

#: Noise sigma (8-bit scale) below which a pair is treated as lossless (a
#: pair that is not reads at least this much, see spotdiff.noise).
LOSSLESS_NOISE = LOSSY_FLOOR
# Lossless pairs: ΔE above LOSSLESS_THRESHOLD (one just-noticeable difference;
# defined in spotdiff.options, which reports it for identical inputs) is a change.

#: Lossless pairs: a group of n changed pixels is visible when its peak ΔE
#: times sqrt(n) exceeds this (a lone pixel needs ΔE > 24, about pixelmatch's
#: default threshold doubled; 16 pixels ΔE > 6; 600 pixels ΔE > 1).
LOSSLESS_CONTRAST_AREA = 24.0
#: Noisy pairs: the threshold rises by this many times the local noise floor.
NOISE_FLOOR_GAIN = 8.0
#: Noisy pairs: a median noise floor above this (ΔE of the blurred images;
#: JPEG at quality 70 leaves at most about 1) is a change of the whole
#: image, not noise, and does not raise the threshold.
GLOBAL_SHIFT = 2.5
#: Noisy pairs: the noise floor is read from the blurred ΔE clipped here
#: (twice the most any codec noise leaves as a broad level).
FLOOR_CLIP = 5.0
#: Noisy pairs: the chroma (a*, b*) channels get a further blur of this many
#: times the blur sigma before the ΔE (see metrics.color's chroma_sigma).
CHROMA_BLUR = 0.75
#: Noisy pairs: Gaussian sigma (pixels) of the blur both images get before
#: the ΔE map (averages codec noise away; objects keep their contrast), and
#: the ΔE threshold before the noise floor is added.
NOISY_BLUR = 2.5
NOISY_BASE_THRESHOLD = 4.0
#: Noisy pairs whose larger side is this many pixels or more are compared
#: at half size (area averaging; see engine._Pass.run_halved): the blur
#: above leaves nothing finer than half the resolution, and the regions are
#: found on the mask brought back to full size.
NOISY_HALVED_SIDE = 1000
#: The unblurred map, noisier, must exceed this many times the threshold to
#: shape a noisy pair's regions (see mask.sharpen).
SHARP_FACTOR = 1.0


#: Line art (see spotdiff.decompose): ΔE above this, a quarter of the
#: contrast of black on white, is ink added or taken away.
LINE_ART_THRESHOLD = 25.0
#: Line art: a group of n changed pixels counts when its peak ΔE times
#: sqrt(n) exceeds this: a lone pixel never (JPEG rings one or two pixels
#: beside an edge), two of full contrast (ΔE 71) or four of half (ΔE 50) do.
LINE_ART_CONTRAST_AREA = 100.0


@dataclass(frozen=True)
class Cleaning:
    """How the thresholded map becomes the mask (all in pixels)."""

    blur: float = 0.0
    open: int = 0
    close: int = 0
    fill_holes: bool = True
    min_area: int = 1
    merge_gap: int = 0
    #: keep a group of n pixels only if its peak value x sqrt(n) exceeds this
    contrast_area: float = 0.0


def noise_floor_threshold(values: np.ndarray, t: float) -> tuple[float | np.ndarray, float]:
    """A noisy pair's threshold map and its median noise floor (rounded).

    The threshold rises where noise alone differs more (a JPEG's saturated
    colours) than elsewhere. Values beyond any codec noise are changes:
    clipped, so that a large change cannot raise the floor (and the
    threshold) over itself. A median floor above :data:`GLOBAL_SHIFT` is a
    broad shift over most of the image (light, white balance), far beyond
    what codec noise leaves: a change, not a noise level; the threshold then
    stays ``t``.
    """
    floor = masks.noise_floor(np.minimum(values, np.float32(FLOOR_CLIP)))
    level = float(np.median(floor[::8, ::8]))  # the floor is smooth: a sample will do
    if level <= GLOBAL_SHIFT:
        return floor * np.float32(NOISE_FLOOR_GAIN) + np.float32(t), round(level, 4)
    return t, round(level, 4)


def auto_settings(noise: float, shape: tuple[int, int]) -> tuple[float, Cleaning]:
    """Threshold and cleaning chosen from the pair's own noise level."""
    if noise < LOSSLESS_NOISE:
        # Lossless pair: every visible difference counts; only close the
        # mask so one object comes back as one region.
        return LOSSLESS_THRESHOLD, Cleaning(
            close=3, fill_holes=True, min_area=1, merge_gap=4, contrast_area=LOSSLESS_CONTRAST_AREA
        )
    scale = max(shape) / 1000.0
    return NOISY_BASE_THRESHOLD, Cleaning(
        blur=NOISY_BLUR,
        open=3,
        close=max(5, int(round(7 * scale)) | 1),
        fill_holes=True,
        min_area=max(16, int(60 * scale * scale)),
        merge_gap=max(4, int(round(8 * scale))),
    )


def settings(options: CompareOptions, method: Method, noise: float,
             shape: tuple[int, int], *, line_art: bool = False) -> tuple[float, Cleaning]:
    """The threshold (NaN for Otsu's, found on the map) and the cleaning of
    one compare: the method's automatic policy, then what the options give.

    The ``"noise"`` policy chooses both from the pair's noise level
    (:func:`auto_settings`), or for ``line_art`` (binarised drawings brought
    within their edge tolerance) :data:`LINE_ART_THRESHOLD` with the
    lossless cleaning; the default one is the method's default
    threshold and no cleaning. A threshold or cleaning value in the options
    replaces the policy's.
    """
    if options.auto and method.auto_policy == "noise" and line_art:
        # binarised line art, BEFORE within AFTER's edge tolerance
        # (spotdiff.decompose): a change is ink where there was paper or the
        # reverse; the ringing JPEG leaves beside the edges is far fainter
        t, clean = LINE_ART_THRESHOLD, replace(auto_settings(0.0, shape)[1],
                                               contrast_area=LINE_ART_CONTRAST_AREA)
    elif options.auto and method.auto_policy == "noise":
        t, clean = auto_settings(noise, shape)
    else:
        t, clean = float(method.default_threshold), Cleaning(
            close=0, fill_holes=False, min_area=1, merge_gap=0)
    if options.threshold == "otsu":
        t = float("nan")
    elif not options.auto:
        t = float(options.threshold)  # type: ignore[arg-type]  # a number: checked
    return t, replace(clean, **{name: getattr(options, name) for name in CLEANING
                                if getattr(options, name) is not None})
