"""Multi-scale structural similarity (MS-SSIM, Wang, Simoncelli and Bovik 2003).

SSIM's contrast-structure term is measured on a pyramid of 2x2-averaged
images, and the luminance term only at the coarsest scale; the scales are
combined as a weighted geometric mean. The per-scale statistics come from
the same band kernel as :func:`spotdiff.metrics.ssim.ssim`.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.metrics._types import DiffMap
from spotdiff.metrics.ssim import (
    box_downsample,
    check_pair,
    check_reference,
    local_ssim,
    make_window,
    to_gray,
)

#: The five scale weights fitted in the paper (finest first).
WANG_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
_UNITS = "1 - MS-SSIM (per-pixel product over scales)"


def msssim(
    before: np.ndarray,
    after: np.ndarray,
    *,
    data_range: float,
    weights: Sequence[float] = WANG_WEIGHTS,
    sigma: float = 1.5,
    win_size: int = 11,
    k1: float = 0.01,
    k2: float = 0.03,
    gray: bool = False,
    reference: str | None = None,
) -> DiffMap:
    """Multi-scale SSIM: score and a full-resolution map.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays (C = 1 or 3, RGB order; (H, W) also accepted) of
        one shape, uint8, uint16 or float.
    data_range : float
        Full intensity of the inputs (255 for uint8).
    weights : sequence of float
        One exponent per scale, finest first; their number is the number of
        scales. Default: the paper's five.
    sigma, win_size : float, int
        The Gaussian window (11 taps, sigma 1.5 in the paper).
    k1, k2 : float
        The stabilising constants.
    gray : bool
        Compare the Rec. 601 luma instead of each RGB channel.
    reference : {None, "matlab", "blazediff"}
        ``None``: Wang's ``msssim.m`` algorithm on the channels as given.
        ``"matlab"``: ``msssim.m`` on MATLAB's ``rgb2gray`` of the inputs
        (rounded to integer levels for integer inputs), the way its authors
        ran it. ``"blazediff"``: the ``@blazediff/ssim`` port, which differs
        from ``msssim.m`` by up to ~0.01: statistics at every pixel (windows
        mirrored reflect-101 at the edge) pooled over the whole image, its
        own 2x2 grid (the box ends at the kept pixel, ``floor`` sizes), and
        unrounded ``rgb2gray`` luma.

    Returns
    -------
    DiffMap
        ``score``: ``prod(mcs[l] ** w[l] for l < L-1) * mssim[L-1] ** w[L-1]``
        where ``mcs[l]`` is the mean contrast-structure term at scale ``l``
        and ``mssim`` the mean SSIM at the coarsest; negative means count as
        0. For colour, the mean over the channels of each channel's score.
        ``values``: float32 (H, W), 1 minus the same product taken per pixel
        (each scale's map, averaged over the channels and clipped at 0,
        resized bilinearly to (H, W)): a picture of where the score is lost,
        whose mean is not exactly ``1 - score``.

    Raises
    ------
    InputError
        Shapes differ, an option is invalid, or the coarsest scale
        (``min(H, W) / 2**(L-1)``) is smaller than the window (176 pixels
        for the defaults, as ``msssim.m`` requires).

    Notes
    -----
    Scales: scale ``l + 1`` is ``imfilter(img, ones(2)/4, 'symmetric',
    'same')`` of scale ``l`` keeping every other pixel (``ceil`` sizes), as
    in ``msssim.m``. The statistics are 'valid' ones: the map is computed at
    every pixel with the window mirrored at the edge, and the means leave out
    the ``win_size // 2`` pixels at each edge, which is MATLAB's
    ``filter2(.., 'valid')`` followed by ``mean2``.

    With ``reference="matlab"`` the score matches Wang's MATLAB code (run in
    GNU Octave) to ~1e-8 on the blazediff fixtures.

    References
    ----------
    .. [1] Z. Wang, E. P. Simoncelli and A. C. Bovik, "Multi-scale structural
       similarity for image quality assessment", 37th Asilomar Conference on
       Signals, Systems and Computers, 2003.
    .. [2] Z. Wang, ``msssim.m``, https://ece.uwaterloo.ca/~z70wang/research/iwssim/

    Examples
    --------
    >>> import numpy as np
    >>> y, x = np.mgrid[0:256, 0:256]
    >>> a = ((x * 7 + y * 3) % 256).astype(np.uint8)[:, :, None]
    >>> b = a.copy(); b[100:140, 100:140] = 0
    >>> d = msssim(a, b, data_range=255)
    >>> 0 < d.score < 1, d.values.shape, float(d.values[0, 0]) < 1e-6
    (True, (256, 256), True)
    """
    x, y = check_pair(before, after, data_range)
    window = make_window(True, sigma, win_size)
    check_reference(reference)
    w_list = _weights(weights)
    levels = len(w_list)
    h, w = x.shape[:2]
    coarsest = min(h, w) / 2 ** (levels - 1)
    if coarsest < window.size:
        need = window.size * 2 ** (levels - 1)
        raise InputError(
            "image size",
            expected=f"both sides >= {need} for {levels} scales with an {window.size}-tap window",
            got=f"{w}x{h}",
            fix="use fewer scales (weights) or the ssim method for smaller images",
        )
    if reference is not None or gray:
        luma = {None: "rec601", "matlab": "matlab", "blazediff": "matlab-float"}[reference]
        x, y = to_gray(x, weights=luma), to_gray(y, weights=luma)
    if reference is not None:  # reproduce the reference code's float64 arithmetic
        x, y = x.astype(np.float64), y.astype(np.float64)

    same = reference == "blazediff"
    grid = "blazediff" if same else "matlab"
    border = cv2.BORDER_REFLECT_101 if same else cv2.BORDER_REFLECT
    crop = 0 if same else window.radius
    maps: list[np.ndarray] = []
    means: list[np.ndarray] = []
    for level in range(levels):
        last = level == levels - 1
        values, pooled = local_ssim(
            x, y, data_range=float(data_range), window=window, k1=k1, k2=k2,
            border=border, crop=crop, output="ssim" if last else "cs",
            precise=reference is not None,
        )
        maps.append(values)
        means.append(pooled)
        if not last:
            x, y = box_downsample(x, 2, grid=grid), box_downsample(y, 2, grid=grid)

    per_channel = np.ones_like(means[0])
    for weight, mean in zip(w_list, means, strict=True):
        per_channel *= np.maximum(mean, 0.0) ** weight
    score = float(per_channel.mean())

    # Per-pixel product, coarse to fine: each finer scale multiplies in its
    # own term and the coarser product resized to its size.
    product = _power(maps[-1], w_list[-1])
    for level in range(levels - 2, -1, -1):
        term = _power(maps[level], w_list[level])
        size = (term.shape[1], term.shape[0])
        cv2.multiply(term, cv2.resize(product, size, interpolation=cv2.INTER_LINEAR), dst=term)
        product = term
    np.subtract(1.0, product, out=product)
    return DiffMap(values=product, score=score, units=_UNITS)


def _weights(weights: Sequence[float]) -> list[float]:
    try:
        values = [float(v) for v in weights]
    except (TypeError, ValueError):
        values = []
    if not values or not all(math.isfinite(v) and v >= 0 for v in values):
        raise InputError("weights", expected="a non-empty sequence of non-negative numbers",
                         got=repr(weights))
    return values


def _power(values: np.ndarray, exponent: float) -> np.ndarray:
    """``max(values, 0) ** exponent`` in place (float32)."""
    np.maximum(values, 0.0, out=values)
    return cv2.pow(values, exponent, dst=values)
