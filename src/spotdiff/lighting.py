"""Lighting compensation: explain away a global or smooth change of light.

A change of exposure, white balance or a moving light source changes every
pixel a little, and smoothly across the image; a real change (an object put
down, a patch recoloured) changes some pixels a lot, and not as a smooth
function of what was there before. The model, per colour channel ``c``::

    after_c(x, y) ~= gain_c(x, y) * before_c(x, y) + offset_c

with ``gain_c`` a polynomial of degree 2 in the normalised coordinates and
``offset_c`` a constant (7 numbers per channel): light multiplies what the
scene reflects, and a camera's black level or haze adds the same amount
everywhere. That holds a global gain and offset, a linear ramp across the
image and a radial vignette (``1 - k r^2``) exactly, and smooth spotlights
approximately. (A spatially varying offset as well would be degenerate: on a
dark, flat part of the scene any gain fits with a matching offset, and the
field then mis-relights the bright objects there.) The fit is iteratively
reweighted least squares on a grid of pixels, pulled gently towards "no
change of light" so that an unchanged pair stays unchanged: pixels further
than three robust standard deviations (MAD) from the current fit are
dropped and the fit is repeated, so that the changed pixels, a minority, do
not bend the field. Saturated pixels (clipped in either image) are left out
of the fit.

BEFORE is then relit to AFTER's lighting and the ordinary comparison runs:
whatever the smooth field does not explain is reported.
"""

from __future__ import annotations

from typing import Any

import cv2
import numpy as np

#: Pixels sampled for the fit (a regular grid).
_SAMPLES = 20_000
_ITERATIONS = 4
#: Pull towards identity (gain 1, offset 0), relative to the data's weight:
#: negligible against a real change of light, decisive where the data
#: cannot tell the parameters apart.
_PRIOR = 1e-3
#: Coefficients per channel: 6 gain monomials and one offset.
_N_COEF = 7


def _monomials(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """(n, 6): 1, x, y, x^2, xy, y^2 of normalised coordinates in [-1, 1]."""
    return np.column_stack([np.ones_like(x), x, y, x * x, x * y, y * y])


def _normalised(n: int, coords: np.ndarray) -> np.ndarray:
    return coords * (2.0 / max(n - 1, 1)) - 1.0


def fit_lighting(
    before: np.ndarray, after: np.ndarray, *, data_range: float,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, float]:
    """Fit the per-channel smooth gain and offset that map BEFORE to AFTER.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of one shape; an alpha channel (C = 4) is not fitted.
    data_range : float
        Full intensity.
    valid : ndarray, optional
        bool (H, W): the pixels both images cover.

    Returns
    -------
    coefficients, outlier_fraction
        float64 (C', 7): per colour channel, the 6 gain coefficients of the
        monomials 1, x, y, x^2, xy, y^2 over x, y in [-1, 1], then the
        offset (in ``data_range`` units); and the fraction of usable sampled
        pixels left out as not explained by lighting.
    """
    h, w = before.shape[:2]
    channels = 3 if before.shape[2] == 4 else before.shape[2]
    step = max(1, int(np.ceil(np.sqrt(h * w / _SAMPLES))))
    ys, xs = np.mgrid[step // 2:h:step, step // 2:w:step]
    ys, xs = ys.ravel(), xs.ravel()
    if valid is not None:
        keep = valid[ys, xs]
        ys, xs = ys[keep], xs[keep]
    basis = _monomials(_normalised(w, xs.astype(np.float64)), _normalised(h, ys.astype(np.float64)))
    b_all = before[ys, xs, :channels].astype(np.float64) / data_range
    a_all = after[ys, xs, :channels].astype(np.float64) / data_range
    # clipped in either image: the linear model does not hold there
    lo, hi = 0.5 / 255, 1 - 0.5 / 255
    identity = np.zeros(_N_COEF)
    identity[0] = 1.0
    coefficients = np.tile(identity, (channels, 1))
    dropped, usable = 0, 0
    for c in range(channels):
        b, a = b_all[:, c], a_all[:, c]
        ok = (b > lo) & (b < hi) & (a > lo) & (a < hi)
        design = np.hstack([basis * b[:, None], np.ones((len(b), 1))])
        design_t = np.ascontiguousarray(design.T)
        n_ok = int(ok.sum())
        usable += n_ok
        if n_ok < 50:
            continue
        inliers = ok
        coef = coefficients[c]
        for _ in range(_ITERATIONS):
            # weighted normal equations: 7 x 7, cheap for any sample count
            dw = design_t * inliers
            normal = dw @ design
            prior = _PRIOR * np.trace(normal) / _N_COEF
            coef = np.linalg.solve(normal + prior * np.eye(_N_COEF),
                                   dw @ a + prior * identity)
            residual = np.abs(design @ coef - a)
            sigma = 1.4826 * np.median(residual[inliers])
            # at least 1.5 levels of 8 bits: rounding alone is half a level
            inliers = ok & (residual < max(3.0 * sigma, 1.5 / 255))
            if inliers.sum() < 50:
                break
        coefficients[c] = coef
        dropped += n_ok - int(inliers.sum())
    return coefficients, (dropped / usable if usable else 0.0)


def _field(coef: np.ndarray, h: int, w: int) -> np.ndarray:
    """float32 (H, W): a degree-2 polynomial evaluated on the pixel grid."""
    x = _normalised(w, np.arange(w, dtype=np.float64))
    y = _normalised(h, np.arange(h, dtype=np.float64))
    c0, cx, cy, cxx, cxy, cyy = coef
    row = (c0 + cx * x + cxx * x * x).astype(np.float32)          # terms in x only
    slope = (cy + cxy * x).astype(np.float32)                       # times y
    col = y.astype(np.float32)
    out = np.multiply.outer(col, slope)  # the same sums as row + col * slope, no temporary
    out += row[None, :]
    out += (cyy * y * y).astype(np.float32)[:, None]
    return out


def relight(before: np.ndarray, coefficients: np.ndarray, *, data_range: float) -> np.ndarray:
    """BEFORE under AFTER's lighting: ``gain * before + offset`` per channel,
    rounded and clipped to BEFORE's dtype (alpha kept)."""
    h, w = before.shape[:2]
    if before.dtype == np.uint8 and data_range == 255:
        # the float32 product and sum, rounded and saturated by OpenCV, on the
        # channels split and merged by OpenCV (numpy's strided copies are slower)
        planes = list(cv2.split(before))
        for c, coef in enumerate(coefficients):
            value = cv2.multiply(planes[c], _field(coef[:6], h, w), dtype=cv2.CV_32F)
            planes[c] = cv2.add(value, float(np.float32(coef[6] * data_range)),
                                dtype=cv2.CV_8U)
        return cv2.merge(planes).reshape(before.shape)
    out = before.copy()
    for c, coef in enumerate(coefficients):
        gain = _field(coef[:6], h, w)
        offset = np.float32(coef[6] * data_range)
        value = before[:, :, c].astype(np.float32) * gain
        value += offset
        if before.dtype.kind in "ui":
            value = np.clip(np.rint(value), 0, data_range)
        out[:, :, c] = value.astype(before.dtype)
    return out


def compensate_lighting(
    before: np.ndarray, after: np.ndarray, *, data_range: float,
    valid: np.ndarray | None = None,
) -> tuple[np.ndarray, dict[str, Any]]:
    """Relight BEFORE so that a smooth change of light between the two
    images no longer shows as a difference.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of one shape and dtype.
    data_range : float
        Full intensity.
    valid : ndarray, optional
        bool (H, W): pixels both images cover (after alignment).

    Returns
    -------
    relit_before, info
        ``info`` holds what was estimated: the mean ``gain`` and ``offset``
        per channel (offset on BEFORE's scale), the gain's range over the
        image and the fraction of sampled pixels not explained by lighting
        (``outliers``).

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> a = rng.integers(20, 200, (64, 64, 3)).astype(np.uint8)
    >>> b = np.clip(np.rint(a * 1.2 + 10), 0, 255).astype(np.uint8)
    >>> relit, info = compensate_lighting(a, b, data_range=255)
    >>> int(np.abs(relit.astype(int) - b).max()) <= 1, [round(g, 2) for g in info["gain"]]
    (True, [1.2, 1.2, 1.2])
    """
    coefficients, outliers = fit_lighting(before, after, data_range=data_range, valid=valid)
    relit = relight(before, coefficients, data_range=data_range)
    h, w = before.shape[:2]
    gains, offsets, low, high = [], [], [], []
    for coef in coefficients:
        # means over the image of the two fields (a coarse grid is plenty)
        g = _field(coef[:6], min(h, 33), min(w, 33))
        gains.append(round(float(g.mean()), 4))
        offsets.append(round(float(coef[6]) * data_range, 3))
        low.append(float(g.min()))
        high.append(float(g.max()))
    info = {
        "model": "polynomial gain (degree 2) and offset",
        "gain": gains,
        "offset": offsets,
        "gain_range": [round(min(low), 4), round(max(high), 4)],
        "outliers": round(outliers, 4),
    }
    return relit, info
