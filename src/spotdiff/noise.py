"""Read a pair's own noise level.

A lossless screenshot pair differs only where something changed; a photo
re-encoded as JPEG differs a little almost everywhere. Two cues tell them
apart:

* the share of bit-identical pixels: where a fifth or more of the pixels
  are exactly equal, the unchanged parts of the pair went through the same
  lossless path, and the pair is read as noise-free;
* otherwise, the robust spread (MAD) of the high-frequency part of the
  signed luma difference: a uniform colour shift or a pasted object leaves
  it at zero, codec and sensor noise do not.

Both are computed on a sample of tiles (at most about a quarter megapixel),
so the cost does not grow with the image.
"""

from __future__ import annotations

import cv2
import numpy as np

#: A pair with at least this share of bit-identical pixels is lossless.
IDENTICAL_SHARE = 0.2
_TILE = 32
_SAMPLE_PIXELS = 250_000


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


def estimate_noise(before: np.ndarray, after: np.ndarray, data_range: float) -> float:
    """Noise sigma of the pair on the 8-bit scale (0 for lossless pairs).

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of the same shape and dtype.
    data_range : float
        Full intensity.

    Returns
    -------
    float
        0.0 when at least :data:`IDENTICAL_SHARE` of the sampled pixels are
        bit-identical; else 1.4826 x the median absolute high-frequency
        residual of the signed luma difference (a Gaussian sigma estimate).
    """
    b, a = _sample(before), _sample(after)
    differing = cv2.absdiff(b, a).reshape(b.shape[0], -1)
    if b.shape[2] > 1:
        differing = differing.reshape(b.shape).max(axis=2)
    identical = 1.0 - cv2.countNonZero(differing) / differing.size
    if identical >= IDENTICAL_SHARE:
        return 0.0
    signed = cv2.subtract(_luma(a, data_range), _luma(b, data_range))
    residual = cv2.absdiff(signed, cv2.blur(signed, (3, 3)))
    return float(1.4826 * np.median(residual))
