"""Read a pair's own noise level.

A lossless screenshot pair differs only where something changed; a photo
re-encoded as JPEG differs a little almost everywhere. The estimate is the
robust spread (MAD) of the high-frequency part of the signed luma
difference: a uniform colour shift or a pasted object leaves it at zero,
codec and sensor noise do not.
"""

from __future__ import annotations

import cv2
import numpy as np


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
        (H, W, C) arrays of the same shape.
    data_range : float
        Full intensity.
    """
    signed = cv2.subtract(_luma(after, data_range), _luma(before, data_range))
    residual = cv2.absdiff(signed, cv2.blur(signed, (3, 3)))
    h, w = residual.shape
    step = max(1, int(np.sqrt(h * w / 250_000)))
    sample = residual[::step, ::step]
    return float(1.4826 * np.median(sample))
