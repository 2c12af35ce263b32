"""Read a pair's own noise level.

A lossless screenshot pair differs only where something changed; a photo
re-encoded as JPEG differs a little almost everywhere. The estimate is the
robust spread (MAD) of the high-frequency part of the signed luma
difference, taken over the pixels whose difference and their neighbours' are small
(at most 16 of 255): codec and sensor noise live there, while a real change (large
differences) or a uniform colour shift (no high-frequency part) leaves the
estimate at zero, even when it covers most of the image.

A pair in which a fifth or more of the *textured* pixels are bit-identical
went through a lossless path (lossy codecs never reproduce texture exactly)
and reads as noise-free whatever its differences look like: a striped
pattern recoloured is a change, not noise.

It is computed on a sample of tiles (at most about a quarter megapixel),
so the cost does not grow with the image.
"""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.metrics.absdiff import channel_peak

#: Differences above this (8-bit luma) are changes, not noise.
NOISE_BAND = 16.0
#: The least noise a pair that is not lossless is read as: decoding a lossy
#: image rounds each pixel (sigma 1/sqrt(12) per image, about 0.4 for the
#: difference of two), so half a level is the floor of any lossy pair. A
#: high-quality JPEG of a smooth photo can measure less than that, and must
#: not be mistaken for a lossless pair, whose every differing pixel counts.
LOSSY_FLOOR = 0.5
#: A pair is lossless when at least this share of its textured pixels (local
#: luma range >= TEXTURE_RANGE of 255) are bit-identical.
IDENTICAL_SHARE = 0.2
TEXTURE_RANGE = 8.0
_TILE = 32
_SAMPLE_PIXELS = 250_000
#: The fewest selected pixels the noise is read on (else the whole pair).
_MIN_SELECTED = 1000


def _sample(pixels: np.ndarray) -> np.ndarray:
    """A mosaic of evenly spread 32x32 tiles covering about 250k pixels."""
    h, w = pixels.shape[:2]
    if h * w <= _SAMPLE_PIXELS or h < 2 * _TILE or w < 2 * _TILE:
        return pixels
    ty, tx = h // _TILE, w // _TILE
    keep = max(1, int(np.ceil(np.sqrt(ty * tx * _TILE * _TILE / _SAMPLE_PIXELS))))
    tiles = pixels[: ty * _TILE, : tx * _TILE].reshape(ty, _TILE, tx, _TILE, -1)
    tiles = tiles[::keep, :, ::keep]
    ny, nx = tiles.shape[0], tiles.shape[2]
    return np.ascontiguousarray(tiles.reshape(ny * _TILE, nx * _TILE, -1))


def _luma(pixels: np.ndarray, data_range: float) -> np.ndarray:
    p = pixels[:, :, :3] if pixels.shape[2] == 4 else pixels
    if p.shape[2] == 3:
        gray = cv2.cvtColor(p, cv2.COLOR_RGB2GRAY)
    else:
        gray = p.reshape(p.shape[:2])
    out = gray.astype(np.float32)
    if data_range != 255:
        out *= np.float32(255.0 / data_range)
    return out


#: ...unless this share of its differing pixels differ by at most TINY_STEP
#: levels (of 255) in every channel.
TINY_SHARE = 0.6
TINY_STEP = 2.0
#: ...counted within the noise band only when at least this share of the
#: pixels differ within it, 3 px or more from any larger difference.
SPREAD_SHARE = 0.005


def _lossless(before: np.ndarray, after: np.ndarray, data_range: float,
              selected: np.ndarray | None = None) -> bool:
    """Bit-identical texture: lossy codecs never reproduce textured areas
    exactly (flat dark or saturated areas they sometimes do), lossless paths
    always do where nothing changed. Only ``selected`` pixels are read."""
    read = True if selected is None else selected  # every pixel, or the selected ones
    peak = channel_peak(cv2.absdiff(before, after))
    n_pixels = peak.size if selected is None else np.count_nonzero(selected)
    identical = (peak == 0) & read
    n_identical = np.count_nonzero(identical)
    tiny = (peak <= TINY_STEP * data_range / 255.0) & read
    band = NOISE_BAND * data_range / 255.0
    small = (peak <= band) & read
    n_tiny = np.count_nonzero(tiny) - n_identical
    # Most differing pixels moved by a level or two: a lossy re-encode of an
    # already decoded image reproduces much texture bit for bit and rounds
    # the rest. Weighed over all differing pixels...
    if n_tiny and n_tiny >= TINY_SHARE * (n_pixels - n_identical):
        return False
    # ...or over those within the noise band (an edited JPEG saved again: the
    # edit itself is beyond it), when they are spread over the image rather
    # than the faint fringe of larger differences (anti-aliased edges of a
    # change in a screenshot).
    n_small = np.count_nonzero(small) - n_identical
    if n_tiny and n_tiny >= TINY_SHARE * n_small:
        far = cv2.dilate((peak > band).view(np.uint8), np.ones((7, 7), np.uint8)) == 0
        if np.count_nonzero(small & far & ~identical) >= SPREAD_SHARE * n_pixels:
            return False
    luma = _luma(before, data_range)
    kernel = np.ones((3, 3), np.uint8)
    textured = (cv2.subtract(cv2.dilate(luma, kernel), cv2.erode(luma, kernel))
                >= TEXTURE_RANGE) & read
    n_textured = np.count_nonzero(textured)
    if n_textured < 0.01 * n_pixels:  # a flat image: judge on all pixels
        return bool(n_identical >= IDENTICAL_SHARE * n_pixels)
    return bool(np.count_nonzero(identical & textured) >= IDENTICAL_SHARE * n_textured)


def estimate_noise(before: np.ndarray, after: np.ndarray, data_range: float,
                   selected: np.ndarray | None = None) -> float:
    """Noise sigma of the pair on the 8-bit scale (0 for lossless pairs).

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of the same shape and dtype.
    data_range : float
        Full intensity.
    selected : ndarray, optional
        bool (H, W): read only these pixels (those compared; padding and
        ignored areas say nothing about the pair's noise). Their edge is
        left out too, where a 3x3 neighbourhood reaches outside, unless
        that leaves under a thousand; a smaller selection is ignored (the
        whole pair is read: pass it before anything is filled in).

    Returns
    -------
    float
        0.0 for a lossless pair (see above); else 1.4826 x the median
        absolute high-frequency residual of the signed
        luma difference over pixels whose difference is within
        :data:`NOISE_BAND` (a Gaussian sigma estimate), at least
        :data:`LOSSY_FLOOR` when it is not zero; 0.0 when almost no pixel
        is in the band.
    """
    b, a = _sample(before), _sample(after)
    sel = None
    if selected is not None and not selected.all():
        sel = _sample(selected.view(np.uint8)).reshape(b.shape[:2])
        eroded = cv2.erode(sel, np.ones((3, 3), np.uint8))
        # a selection too thin or small to read noise in: its pixels as they
        # are, and under a thousand of them, the whole pair
        sel = eroded if cv2.countNonZero(eroded) >= _MIN_SELECTED else sel
        sel = sel.view(np.bool_) if cv2.countNonZero(sel) >= _MIN_SELECTED else None
    if _lossless(b, a, data_range, sel):
        return 0.0
    signed = cv2.subtract(_luma(a, data_range), _luma(b, data_range))
    residual = cv2.absdiff(signed, cv2.blur(signed, (3, 3)))
    # small differences all around: the residual there is noise, not an edge of a change
    near = cv2.dilate(np.abs(signed), np.ones((3, 3), np.uint8))
    band = near <= NOISE_BAND
    if sel is not None:
        band &= sel
    if np.count_nonzero(band) < 0.05 * (band.size if sel is None else np.count_nonzero(sel)):
        return 0.0
    # where nothing differs nearby there is no noise to measure: a lossy
    # image's flat areas can be bit-exact while its edges ring
    band &= near > 0
    if not band.any():
        return 0.0
    sigma = float(1.4826 * np.median(residual[band]))
    # zero: the difference is locally constant almost everywhere (a colour
    # shift, which is a change, not noise); otherwise at least the floor
    return 0.0 if sigma == 0.0 else max(LOSSY_FLOOR, sigma)
