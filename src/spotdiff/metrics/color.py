"""Perceptual colour distance: ΔE in CIELAB (CIE76 or CIE94).

Grayscale recipes miss a colour change of equal brightness; ΔE does not.
Only pixels that differ at all are converted to CIELAB when few differ, so a
screenshot pair with a small change costs little more than an equality test.
"""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.metrics._types import DiffMap
from spotdiff.metrics.absdiff import channel_peak
from spotdiff.strips import bands

#: Below this fraction of differing pixels the sparse path is used.
_SPARSE_FRACTION = 0.2
FORMULAS = ("cie76", "cie94")


#: sRGB (IEC 61966-2-1) to XYZ, rows divided by the D65 white point, so that
#: the CIELAB f() applies directly. The same constants as scikit-image.
_RGB_TO_XYZ_N = (
    np.array(
        [
            [0.412453, 0.357580, 0.180423],
            [0.212671, 0.715160, 0.072169],
            [0.019334, 0.119193, 0.950227],
        ]
    )
    / np.array([0.95047, 1.0, 1.08883])[:, None]
).astype(np.float32)
_EPS = 216.0 / 24389.0
_KAPPA = 24389.0 / 27.0
#: The slope of CIELAB's f() below _EPS (the tangent of the cube root at _EPS).
_SLOPE = _KAPPA / 116.0
#: f(X/Xn), f(Y/Yn), f(Z/Zn), written as above (without the tangent's
#: constant _SLOPE * _EPS = 8 / 116), to L*, a*, b*: L* = 116 f(Y) - 16 takes
#: 116 * 8 / 116 = 8 more off.
_F_TO_LAB = np.array(
    [
        [0.0, 116.0, 0.0, -24.0],
        [500.0, -500.0, 0.0, 0.0],
        [0.0, 200.0, -200.0, 0.0],
    ],
    np.float32,
)


def _linearize(v: np.ndarray) -> np.ndarray:
    return np.where(v <= 0.04045, v / 12.92, ((v + 0.055) / 1.055) ** 2.4)


_LUT8 = _linearize(np.arange(256) / 255.0).astype(np.float32).reshape(1, 256)


def _to_lab(rgb: np.ndarray, data_range: float) -> np.ndarray:
    """sRGB (any depth) to float32 CIELAB (L in 0..100), D65.

    Exact to float32 precision (within 2e-4 of scikit-image's ``rgb2lab``):
    OpenCV's own float conversion is faster but off by up to 0.7 ΔE, which
    matters when the threshold is near one just-noticeable difference.
    Converted band by band (see :mod:`spotdiff.strips`).
    """
    lab = np.empty((*rgb.shape[:-1], 3), np.float32)
    for rows in bands(rgb.shape[0], lab[0].size):
        _lab_rows(rgb[rows], data_range, lab[rows])
    return lab


#: cv2.mixChannels' pairs: (L*, a*, b*) -> (a*, b*) and back.
_TO_AB = [1, 0, 2, 1]
_FROM_AB = [0, 1, 1, 2]


def _lab_rows(rgb: np.ndarray, data_range: float, out: np.ndarray) -> None:
    """:func:`_to_lab` of a few rows, written into ``out``."""
    if rgb.shape[-1] == 1:
        rgb = np.repeat(rgb, 3, axis=-1)
    if rgb.dtype == np.uint8:
        linear = cv2.LUT(rgb, _LUT8)
    else:
        linear = _linearize(rgb.astype(np.float32) * np.float32(1.0 / data_range))
        linear = linear.astype(np.float32)
    xyz = cv2.transform(linear, _RGB_TO_XYZ_N)
    # f(t) = t^(1/3) above _EPS, its tangent there (kappa t + 16) / 116 below,
    # in one branch-free pass per step: (max(t, eps))^(1/3) + slope * min(t, eps),
    # the tangent's constant folded into L's offset (_F_TO_LAB). cv2.pow is
    # within a float32 ulp of the cube root and several times faster than np.cbrt.
    flat = xyz.reshape(xyz.shape[0], -1)
    f = cv2.pow(cv2.max(flat, _EPS), 1.0 / 3.0)
    f = cv2.scaleAdd(cv2.min(flat, _EPS), _SLOPE, f)
    out[...] = cv2.transform(f.reshape(xyz.shape), _F_TO_LAB).reshape(out.shape)


def _delta_e(lab1: np.ndarray, lab2: np.ndarray, formula: str) -> np.ndarray:
    """float32 ΔE of two CIELAB arrays, (..., 3) -> (...), band by band."""
    out = np.empty(lab1.shape[:-1], np.float32)
    for rows in bands(lab1.shape[0], lab1[0].size):
        out[rows] = _delta_e_rows(lab1[rows], lab2[rows], formula).reshape(out[rows].shape)
    return out


def _delta_e_rows(lab1: np.ndarray, lab2: np.ndarray, formula: str) -> np.ndarray:
    d = cv2.subtract(lab1, lab2)
    if formula == "cie76":
        sq = cv2.multiply(d, d)
        return cv2.sqrt(cv2.transform(sq, np.ones((1, 3), np.float32)))
    # CIE94, graphic-arts constants (kL = 1, K1 = 0.045, K2 = 0.015).
    dl, da, db = cv2.split(d)
    c1 = cv2.magnitude(lab1[..., 1].copy(), lab1[..., 2].copy())
    c2 = cv2.magnitude(lab2[..., 1].copy(), lab2[..., 2].copy())
    dc = c1 - c2
    dh2 = np.maximum(da * da + db * db - dc * dc, 0.0)
    sc = 1.0 + 0.045 * c1
    sh = 1.0 + 0.015 * c1
    out = dl * dl + (dc / sc) ** 2 + dh2 / (sh * sh)
    return np.sqrt(out).astype(np.float32)


def color(
    before: np.ndarray,
    after: np.ndarray,
    *,
    data_range: float,
    formula: str = "cie76",
    chroma_sigma: float = 0.0,
) -> DiffMap:
    """ΔE colour distance per pixel.

    Parameters
    ----------
    before, after : ndarray
        (H, W, 3) RGB or (H, W, 1) gray arrays of the same shape and dtype.
    data_range : float
        Full intensity of the inputs.
    formula : {"cie76", "cie94"}
        CIE76 is the Euclidean distance in CIELAB; CIE94 weights chroma and
        hue differences down for saturated colours.
    chroma_sigma : float
        Blur the a* and b* channels of both images by this Gaussian sigma
        (pixels) before the distance, as spatial CIELAB does: the eye
        resolves colour more coarsely than brightness, and JPEG's chroma
        subsampling moves colour along sharp edges by just that much.

    Returns
    -------
    DiffMap
        ``values`` in ΔE units (about 1 is a just-noticeable difference,
        100 is black against white); ``score`` = 1 - mean(ΔE) / 100.

    Notes
    -----
    sRGB is converted to CIELAB (D65 white) through a look-up table for
    8-bit input and in float32 for 16-bit and float input, so 16-bit images
    keep their precision.
    """
    h, w = before.shape[:2]
    raw = cv2.absdiff(before, after).reshape(h, -1)
    n_diff = cv2.countNonZero(raw)
    values = np.zeros((h, w), np.float32)
    if n_diff == 0:
        return DiffMap(values=values, score=1.0, units=f"ΔE ({formula})")
    if n_diff < _SPARSE_FRACTION * raw.size and chroma_sigma <= 0:
        points = cv2.findNonZero(channel_peak(raw.reshape(before.shape))).reshape(-1, 2)
        rows, cols = points[:, 1], points[:, 0]
        lab1 = _to_lab(before[rows, cols][:, None, :], data_range)
        lab2 = _to_lab(after[rows, cols][:, None, :], data_range)
        values[rows, cols] = _delta_e(lab1, lab2, formula).reshape(-1)
    elif chroma_sigma > 0:
        # band by band too: each band converted with `reach` rows more on
        # either side, all that the blur of its own rows reads (OpenCV's
        # kernel for float images reaches cvRound(8 sigma + 1) // 2 rows)
        reach = int(np.ceil(4 * chroma_sigma)) + 1
        ab = np.empty((0, w, 2), np.float32)
        for rows in bands(h, w * 3, min_rows=8 * reach):
            lo, hi = max(0, rows.start - reach), min(h, rows.stop + reach)
            if len(ab) != hi - lo:
                ab = np.empty((hi - lo, w, 2), np.float32)
            labs = []
            for x in (before, after):
                lab = _to_lab(x[lo:hi], data_range)
                cv2.mixChannels([lab], [ab], _TO_AB)
                cv2.GaussianBlur(ab, (0, 0), chroma_sigma, dst=ab)
                cv2.mixChannels([ab], [lab], _FROM_AB)
                labs.append(lab[rows.start - lo:rows.stop - lo])
            values[rows] = _delta_e_rows(*labs, formula).reshape(-1, w)
    else:  # per pixel: both conversions and the distance band by band
        for rows in bands(h, w * before.shape[2]):
            values[rows] = _delta_e_rows(_to_lab(before[rows], data_range),
                                         _to_lab(after[rows], data_range),
                                         formula).reshape(-1, w)
    score = 1.0 - float(cv2.mean(values)[0]) / 100.0
    return DiffMap(values=values, score=score, units=f"ΔE ({formula})")
