"""Every n-th pixel of an image, copied fast.

``np.ascontiguousarray(pixels[::n, ::n])`` copies an (H, W, C) array one
sample at a time; seen as one item per pixel (C samples as a single
opaque value), numpy copies whole pixels instead: about twice as fast for
8-bit RGB, the same values.
"""

from __future__ import annotations

import numpy as np


def every_nth(pixels: np.ndarray, step: int) -> np.ndarray:
    """``pixels[::step, ::step]`` as a contiguous array (2-D or (H, W, C))."""
    if pixels.ndim != 3 or not pixels.flags.c_contiguous:
        return np.ascontiguousarray(pixels[::step, ::step])
    h, w, c = pixels.shape
    whole = pixels.view(np.dtype((np.void, c * pixels.itemsize))).reshape(h, w)
    picked = np.ascontiguousarray(whole[::step, ::step])
    return picked.view(pixels.dtype).reshape(*picked.shape, c)
