"""Local binary texture descriptors (LBSP-style) and their Hamming distance.

A pixel's descriptor has one bit per neighbour in a 5x5 pattern: set when
the neighbour differs from the centre by more than a threshold relative to
the centre's intensity (Bilodeau et al., "Change detection in feature space
using local binary similarity patterns", CRV 2013). Relative thresholds make
the bits survive a global brightness change or a soft shadow, while a new
object's edges flip them. 16 neighbours are stored as two uint8 planes
(low and high byte) so that comparisons stay in fast 8-bit array ops.
"""

from __future__ import annotations

import cv2
import numpy as np

#: (dy, dx) of the 16 neighbours: the 3x3 ring and 8 points of the 5x5 ring
OFFSETS: tuple[tuple[int, int], ...] = (
    (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1),
    (-2, -2), (-2, 0), (-2, 2), (0, 2), (2, 2), (2, 0), (2, -2), (0, -2),
)

_POPCOUNT = np.array([bin(i).count("1") for i in range(256)], np.uint8)


def descriptors(gray: np.ndarray, *, relative: float = 0.15, offset: int = 3) -> np.ndarray:
    """LBSP-style descriptors of a uint8 (H, W) image as (2, H, W) uint8 (low, high byte).

    Bit ``i`` is set when ``|I(p + OFFSETS[i]) - I(p)| > relative * I(p) + offset``.
    Borders are replicated.
    """
    h, w = gray.shape
    padded = cv2.copyMakeBorder(gray, 2, 2, 2, 2, cv2.BORDER_REPLICATE)
    threshold = cv2.convertScaleAbs(gray, alpha=relative, beta=offset)
    out = np.zeros((2, h, w), np.uint8)
    diff = np.empty((h, w), np.uint8)
    bit = np.empty((h, w), np.uint8)
    for i, (dy, dx) in enumerate(OFFSETS):
        neighbour = padded[2 + dy:2 + dy + h, 2 + dx:2 + dx + w]
        cv2.compare(cv2.absdiff(neighbour, gray, dst=diff), threshold, cv2.CMP_GT, dst=bit)
        cv2.bitwise_or(out[i // 8], 1 << (i % 8), dst=out[i // 8], mask=bit)
    return out


def popcount(values: np.ndarray) -> np.ndarray:
    """Number of set bits of each uint8."""
    if hasattr(np, "bitwise_count"):  # numpy >= 2.0
        return np.bitwise_count(values)
    return cv2.LUT(values, _POPCOUNT)


def hamming(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Per-pixel Hamming distance of two (2, H, W) descriptor arrays, uint8 (H, W)."""
    return popcount(a[0] ^ b[0]) + popcount(a[1] ^ b[1])
