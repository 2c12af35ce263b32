"""Structural similarity (SSIM): local means, variances and covariance compared.

The local moments come from four planes filtered with the separable window
(Gaussian or box) in float32, in one pass per band of rows: a small compiled
kernel (``spotdiff._ssim``, built from ``_ssim.c``) when a C compiler was
present at install, else its numpy twin, :func:`_band_numpy`, which gives the
same numbers bit for bit. The bands are spread over OpenCV's thread count.
The same kernel serves :func:`spotdiff.metrics.msssim.msssim`.
"""

from __future__ import annotations

import math
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.metrics._types import DiffMap

try:  # the compiled band kernel, built by setup.py when a C compiler is present
    from spotdiff import _ssim as _kernel
except ImportError:  # _band_numpy below gives the same numbers
    _kernel = None

#: MATLAB ``rgb2gray`` weights: the first row of the inverse of the NTSC YIQ matrix.
MATLAB_LUMA = np.linalg.inv(
    np.array([[1.0, 0.956, 0.621], [1.0, -0.272, -0.647], [1.0, -1.106, 1.703]])
)[0]
#: Rec. 601 luma weights, as in OpenCV's ``COLOR_RGB2GRAY``.
REC601_LUMA = np.array([0.299, 0.587, 0.114])

#: Shorter side MATLAB's ``ssim.m`` downsamples towards (``f = round(min(H, W) / 256)``).
_MATLAB_TARGET = 256
#: Values (rows x width) in one band of the float64 luma conversion.
_BAND_VALUES = 1 << 18
#: Values (rows x width) in one band of the SSIM kernel: about 136 rows of a
#: 4K image (measured best for gray and colour 4K), at least 4 window radii
#: of rows so that the 2r rows each band filters again stay a small share,
#: and enough bands to share among threads.
_KERNEL_BAND_VALUES = 1 << 19
#: The largest window radius the compiled kernel takes (129 taps, sigma ~ 18);
#: wider windows go to its numpy twin.
_KERNEL_MAX_RADIUS = 64
_UNITS = "1 - SSIM"
#: Input types the band kernel reads as they are (others are converted first).
_INPUTS = (np.dtype(np.uint8), np.dtype(np.uint16), np.dtype(np.float32), np.dtype(np.float64))
#: The band kernel's ``mode`` for each ``output`` of :func:`local_ssim`.
_MODES = {"dissimilarity": 0, "ssim": 1, "cs": 2}
#: What ``reference`` accepts besides None.
REFERENCES = ("matlab", "blazediff")


@dataclass(frozen=True)
class Window:
    """The local-statistics window: a sampled Gaussian or a uniform box.

    ``size`` is the number of taps per axis (odd).
    """

    gaussian: bool
    size: int
    sigma: float = 1.5

    @property
    def radius(self) -> int:
        return self.size // 2

    def kernel(self, dtype: type = np.float64) -> np.ndarray:
        """The 1-D taps in ``dtype``, summing to 1 as closely as ``dtype`` allows.

        Rounded taps that sum to 1 + d bias every local variance by about
        ``d * mean(x^2)``, so the centre tap absorbs the rounding.
        """
        if self.gaussian:
            x = np.arange(self.size) - self.radius
            k = np.exp(-(x * x) / (2.0 * self.sigma * self.sigma))
            k /= k.sum()
        else:
            k = np.full(self.size, 1.0 / self.size)
        taps: np.ndarray = k.astype(dtype)
        taps[self.radius] = 0
        taps[self.radius] = dtype(1.0 - taps.astype(np.float64).sum())
        return taps


def make_window(gaussian: bool, sigma: float, win_size: int | None) -> Window:
    """Validate the window options (scikit-image's rules for the default size)."""
    if gaussian:
        if isinstance(sigma, bool) or not isinstance(sigma, (int, float, np.number)) or not (
            math.isfinite(sigma) and sigma > 0
        ):
            raise InputError("sigma", expected="a positive number", got=repr(sigma))
        if win_size is None:
            # scikit-image: truncate = 3.5, so 11 taps for sigma = 1.5.
            win_size = 2 * int(3.5 * sigma + 0.5) + 1
    elif win_size is None:
        win_size = 7
    if isinstance(win_size, bool) or not isinstance(win_size, (int, np.integer)) or (
        win_size < 3 or win_size % 2 == 0
    ):
        raise InputError("win_size", expected="an odd integer >= 3", got=repr(win_size))
    return Window(bool(gaussian), int(win_size), float(sigma))


def check_pair(before: np.ndarray, after: np.ndarray, data_range: float) -> tuple[
    np.ndarray, np.ndarray
]:
    """Two (H, W) or (H, W, C) arrays of one shape, as (H, W) or (H, W, 3)."""
    for name, a in (("before", before), ("after", after)):
        if not isinstance(a, np.ndarray) or a.ndim not in (2, 3) or (
            a.ndim == 3 and a.shape[2] not in (1, 3)
        ):
            got = f"shape {getattr(a, 'shape', type(a).__name__)}"
            raise InputError(f"{name} image", expected="an (H, W), (H, W, 1) or (H, W, 3) array",
                             got=got, fix="composite RGBA first (the engine does)")
        if a.dtype.kind not in "uf":
            raise InputError(f"{name} image", expected="an unsigned integer or float array",
                             got=str(a.dtype))
    if before.shape != after.shape:
        raise InputError("images", expected="two arrays of the same shape",
                         got=f"{before.shape} and {after.shape}",
                         fix="resize or crop one of them first")
    if isinstance(data_range, bool) or not isinstance(data_range, (int, float, np.number)) or not (
        math.isfinite(data_range) and data_range > 0
    ):
        raise InputError("data_range", expected="a positive number (255 for 8-bit images)",
                         got=repr(data_range))
    if before.ndim == 3 and before.shape[2] == 1:
        before, after = before[:, :, 0], after[:, :, 0]
    return before, after



def check_reference(reference: str | None) -> str | None:
    if reference is not None and reference not in REFERENCES:
        raise InputError("reference", expected="None, " + " or ".join(map(repr, REFERENCES)),
                         got=repr(reference))
    return reference


def to_gray(rgb: np.ndarray, *, weights: str) -> np.ndarray:
    """Luma as float (H, W); a gray input is returned as it is.

    ``weights``: ``"rec601"`` (0.299, 0.587, 0.114, no rounding),
    ``"matlab"`` (MATLAB ``rgb2gray``: its weights, rounded to integer levels
    for integer inputs, as MATLAB returns uint8 for uint8) or
    ``"matlab-float"`` (the same weights, no rounding).
    """
    if rgb.ndim == 2:
        return rgb
    coef = (REC601_LUMA if weights == "rec601" else MATLAB_LUMA).reshape(1, 3)
    if weights != "matlab" or rgb.dtype.kind != "u":
        return cv2.transform(rgb.astype(np.float32), coef.astype(np.float32))
    out = np.empty(rgb.shape[:2], np.float32)
    top = float(np.iinfo(rgb.dtype).max)
    step = max(1, _BAND_VALUES // rgb.shape[1])
    for y0 in range(0, rgb.shape[0], step):  # float64 in bands: exact rounding, little memory
        luma = cv2.transform(rgb[y0:y0 + step].astype(np.float64), coef)
        out[y0:y0 + step] = np.minimum(np.floor(luma + 0.5), top)
    return out


def matlab_factor(shape: tuple[int, ...]) -> int:
    """``f = max(1, round(min(H, W) / 256))`` with MATLAB's half-away rounding."""
    return max(1, int(math.floor(min(shape[0], shape[1]) / _MATLAB_TARGET + 0.5)))


def box_downsample(image: np.ndarray, f: int, *, grid: str = "matlab") -> np.ndarray:
    """Average f x f, then keep every f-th pixel (float).

    ``grid="matlab"``: ``imfilter(img, ones(f)/f^2, 'symmetric', 'same')``
    then ``img(1:f:end, 1:f:end)``: the box's centre is MATLAB's
    ``floor((f+1)/2)`` (so for even ``f`` it starts at the kept pixel), the
    edge pixel is mirrored, and ``ceil(H/f)`` rows are kept.
    ``grid="blazediff"``: the box's centre is ``f // 2`` (it ends at the
    kept pixel), reflect-101 mirroring, ``floor(H/f)`` rows kept.
    """
    if f == 1:
        return image
    src = image if image.dtype.kind == "f" else image.astype(np.float32)
    a = (f - 1) // 2 if grid == "matlab" else f // 2
    border = cv2.BORDER_REFLECT if grid == "matlab" else cv2.BORDER_REFLECT_101
    smooth = cv2.boxFilter(src, -1, (f, f), anchor=(a, a), normalize=True, borderType=border)
    out = smooth[::f, ::f]
    if grid != "matlab":
        out = out[: image.shape[0] // f, : image.shape[1] // f]
    return np.ascontiguousarray(out)


def _work_setup(
    x: np.ndarray, y: np.ndarray, data_range: float, precise: bool
) -> tuple[type, float]:
    """The working float type and the offset subtracted before squaring.

    Integer images are centred on ``data_range / 2``. Float images are
    centred on the middle of their values; if they spread far beyond
    ``data_range`` (where float32 would lose the variances), float64 is used.
    """
    if x.dtype.kind == "u":
        return (np.float64 if precise else np.float32), data_range / 2.0
    ends = [float(x.min()), float(y.min()), float(x.max()), float(y.max())]
    lo, hi = min(ends), max(ends)
    if not all(math.isfinite(v) for v in ends):
        raise InputError("images", expected="finite values", got="NaN or infinity",
                         fix="replace NaN/inf before comparing")
    dtype = np.float64 if precise or hi - lo > 16.0 * data_range else np.float32
    return dtype, (lo + hi) / 2.0


def _workers(bands: int) -> int:
    """Threads for the bands: OpenCV's setting (``cv2.setNumThreads``)."""
    return max(1, min(cv2.getNumThreads(), bands))


def _scratch_values(w: int, r: int) -> int:
    """Working memory of the band kernel, in values: a ring of 2r + 1 rows
    of the four filtered planes and their four means (rows padded to whole
    cache lines plus one), four padded source rows."""
    return 4 * (2 * r + 2) * (-(-w // 16) * 16 + 16) + 4 * (w + 2 * r)


def _mirror_rows(t: np.ndarray, h: int, reflect101: bool) -> np.ndarray:
    """Row indices ``t`` (within ``h`` of the image) mirrored at its edges."""
    o = 0 if reflect101 else 1
    t = np.where(t < 0, -t - o, t)
    return np.where(t >= h, 2 * h - t - 2 + o, t)


def _band_numpy(x: np.ndarray, y: np.ndarray, out: np.ndarray, taps: np.ndarray,
                scratch: np.ndarray, y0: int, y1: int, cc: float, c1: float, c2: float,
                half: float, norm: float, mode: int, reflect101: bool) -> None:
    """Map rows ``y0:y1`` of one channel into ``out[:y1 - y0]``.

    The numpy implementation of ``spotdiff._ssim.band`` (same arguments;
    ``scratch`` is not used): the same operations in the same order in
    ``out``'s float type, so both give the same numbers bit for bit.
    ``p = (x + y) - cc`` and ``m = x - y`` are formed in float64 and rounded;
    the filters add the symmetric taps pairwise, ``k[r] a[i] + k[r-1]
    (a[i-1] + a[i+1]) + ...`` in that order, along the rows first.
    """
    real = out.dtype.type
    r = taps.size // 2
    h, w = x.shape
    rows = _mirror_rows(np.arange(y0 - r, y1 + r), h, reflect101)
    xs, ys = x[rows].astype(np.float64), y[rows].astype(np.float64)
    edge = "reflect" if reflect101 else "symmetric"
    p = np.pad(((xs + ys) - cc).astype(real), ((0, 0), (r, r)), mode=edge)
    m = np.pad((xs - ys).astype(real), ((0, 0), (r, r)), mode=edge)
    k = [real(v) for v in taps]
    n = y1 - y0
    means = []
    for a in (p, m, p * p, m * m):
        rowwise = k[r] * a[:, r:r + w]
        for i in range(1, r + 1):
            rowwise = rowwise + k[r - i] * (a[:, r - i:r - i + w] + a[:, r + i:r + i + w])
        mean = k[r] * rowwise[r:r + n]
        for i in range(1, r + 1):
            mean = mean + k[r - i] * (rowwise[r - i:r - i + n] + rowwise[r + i:r + i + n])
        means.append(mean)
    e, d, q, s = means
    u = e + real(cc)
    uu = u * u
    dd = d * d
    vp = q - e * e
    vm = s - dd
    a1 = (uu - dd) * real(0.5) + real(c1)
    b1 = a1 + dd
    a2 = (vp - vm) * real(half) + real(c2)
    b2 = a2 + vm * real(norm)
    if mode == _MODES["cs"]:
        out[:n] = a2 / b2
    else:
        aa, bb = a1 * a2, b1 * b2
        out[:n] = aa / bb if mode == _MODES["ssim"] else (bb - aa) / bb


def local_ssim(
    x: np.ndarray,
    y: np.ndarray,
    *,
    data_range: float,
    window: Window,
    k1: float = 0.01,
    k2: float = 0.03,
    cov_norm: float = 1.0,
    border: int = cv2.BORDER_REFLECT,
    crop: int = 0,
    output: str = "dissimilarity",
    precise: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The local SSIM (or contrast-structure) map and its pooled means.

    Parameters
    ----------
    x, y : ndarray
        (H, W) or (H, W, C) arrays of one shape, any real dtype.
    data_range, window, k1, k2
        As in :func:`ssim`.
    cov_norm : float
        Factor on the variances and covariance (``N / (N - 1)`` for the
        sample covariance).
    border : int
        ``cv2.BORDER_REFLECT`` or ``cv2.BORDER_REFLECT_101``: how the window
        is mirrored at the image edge.
    crop : int
        Pixels left out at each edge when pooling.
    output : {"dissimilarity", "ssim", "cs"}
        What the map holds: 1 - SSIM, SSIM, or the contrast-structure term
        ``(2 cov + C2) / (var_x + var_y + C2)``.
    precise : bool
        Work in float64 (float32 keeps the score within ~1e-5 and the map
        within ~1e-4 of float64; float64 reproduces reference code to ~1e-12).

    Returns
    -------
    map : ndarray
        float32 (H, W): the channel mean of ``output`` at every pixel.
    means : ndarray
        float64 (C,): per channel, the mean of SSIM (``"ssim"`` and
        ``"dissimilarity"``) or of the contrast-structure term (``"cs"``)
        over the pixels at least ``crop`` from the edge.

    Notes
    -----
    With ``p = x + y - 2c`` and ``m = x - y`` (``c`` centres the data so the
    squares stay small in float32), four filtered planes give everything:
    ``var_x + var_y = (var(p) + var(m)) / 2``, ``2 cov = (var(p) - var(m)) / 2``,
    ``mu_x^2 + mu_y^2 = (E^2 + D^2) / 2`` and ``2 mu_x mu_y = (E^2 - D^2) / 2``
    where ``E = mean(x + y)`` and ``D = mean(x - y)``.

    The work is done band by band of rows, on OpenCV's thread count, by the
    compiled kernel ``spotdiff._ssim`` when it is built (one pass per band:
    every source row is filtered along the row once, kept in a ring of
    window rows and filtered down the columns, so all the intermediates stay
    in the CPU cache), or else by its numpy implementation, which gives the
    same numbers bit for bit.
    """
    if border not in (cv2.BORDER_REFLECT, cv2.BORDER_REFLECT_101):
        raise InputError("border", expected="cv2.BORDER_REFLECT or cv2.BORDER_REFLECT_101",
                         got=repr(border))
    h, w = x.shape[:2]
    channels = 1 if x.ndim == 2 else x.shape[2]
    dtype, c = _work_setup(x, y, data_range, precise)
    if x.dtype not in _INPUTS:
        x, y = x.astype(dtype), y.astype(dtype)
    taps = window.kernel(dtype)
    constants = (2.0 * c, (k1 * data_range) ** 2, (k2 * data_range) ** 2, 0.5 * cov_norm,
                 float(cov_norm), _MODES[output], border == cv2.BORDER_REFLECT_101)
    compiled = _kernel is not None and window.radius <= _KERNEL_MAX_RADIUS
    kernel = _kernel.band if compiled else _band_numpy

    # Bands of rows, whatever the thread count (the pooled sums are added
    # band by band, so the score does not depend on the threads either).
    band = max(16, 4 * window.radius, min(512, _KERNEL_BAND_VALUES // w))
    bands = [(y0, min(h, y0 + band)) for y0 in range(0, h, band)]
    values = np.empty((h, w), np.float32)
    sums = np.zeros((len(bands), channels))
    local = threading.local()
    direct = dtype == np.float32  # the first channel's map can be written into ``values``

    def run(index: int) -> None:
        y0, y1 = bands[index]
        out = values[y0:y1]
        r0, r1 = max(y0, crop) - y0, min(y1, h - crop) - y0
        if getattr(local, "scratch", None) is None:  # per thread, reused band after band
            local.scratch = np.empty(_scratch_values(w, window.radius), dtype)
            local.buf = np.empty((band, w), dtype) if channels > 1 or not direct else None
        buf, scratch = local.buf, local.scratch
        for ch in range(channels):
            xs, ys = (x, y) if channels == 1 else (x[:, :, ch], y[:, :, ch])
            result = out if direct and ch == 0 else buf[: y1 - y0]
            kernel(xs, ys, result, taps, scratch, y0, y1, *constants)
            if r1 > r0 and w > 2 * crop:
                sums[index, ch] = cv2.sumElems(result[r0:r1, crop:w - crop])[0]
            if ch == 0:
                if result is not out:
                    out[...] = result
            else:
                np.add(out, result, out=out, casting="unsafe")
        if channels > 1:
            np.multiply(out, np.float32(1.0 / channels), out=out)

    workers = _workers(len(bands))
    if workers == 1:
        for i in range(len(bands)):
            run(i)
    else:
        with ThreadPoolExecutor(workers) as pool:
            list(pool.map(run, range(len(bands))))
    count = max(0, h - 2 * crop) * max(0, w - 2 * crop)
    means = sums.sum(axis=0) / count
    if output == "dissimilarity":
        means = 1.0 - means
    return values, means


def ssim(
    before: np.ndarray,
    after: np.ndarray,
    *,
    data_range: float,
    gaussian: bool = True,
    sigma: float = 1.5,
    win_size: int | None = None,
    use_sample_covariance: bool = False,
    k1: float = 0.01,
    k2: float = 0.03,
    gray: bool = False,
    reference: str | None = None,
) -> DiffMap:
    """Structural similarity (Wang et al. 2004): score and full map.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays (C = 1 or 3, RGB order; (H, W) also accepted) of
        one shape, uint8, uint16 or float. They are promoted to float32
        (float64 for float data that spreads far beyond ``data_range``).
    data_range : float
        Full intensity of the inputs (255 for uint8, 65535 for uint16,
        1.0 for float images in [0, 1]); sets ``C1 = (k1 * data_range)^2``
        and ``C2 = (k2 * data_range)^2``.
    gaussian : bool
        Gaussian-weighted window of width ``sigma`` (Wang et al.) when true;
        a uniform ``win_size`` x ``win_size`` box otherwise.
    sigma : float
        Gaussian standard deviation in pixels.
    win_size : int, optional
        Odd window side. Default: ``2 * int(3.5 * sigma + 0.5) + 1`` taps
        for the Gaussian (11 for sigma = 1.5), 7 for the box.
    use_sample_covariance : bool
        Scale variances and covariance by ``N / (N - 1)``, ``N = win_size**2``
        (scikit-image's default; Wang et al. and MATLAB use False).
    k1, k2 : float
        The stabilising constants.
    gray : bool
        Compare the Rec. 601 luma (0.299 R + 0.587 G + 0.114 B, no rounding)
        instead of each RGB channel.
    reference : {None, "matlab", "blazediff"}
        ``None``: the channels as given, the full-resolution map (the
        scikit-image numbers). ``"matlab"``: Wang's MATLAB ``ssim.m``:
        luma by MATLAB's ``rgb2gray`` (rounded to integer levels for integer
        inputs), then, when ``f = max(1, round(min(H, W) / 256))`` is above
        1, an ``f x f`` box average (``imfilter(.., 'symmetric', 'same')``)
        keeping every ``f``-th pixel (``img(1:f:end, 1:f:end)``), then the
        window statistics. ``"blazediff"``: the same, with the downsampling
        grid of the ``@blazediff/ssim`` port (box centred ``f // 2`` pixels
        after the kept one, reflect-101 edges, ``floor(H / f)`` samples),
        which reproduces that port's published numbers.

    Returns
    -------
    DiffMap
        ``values``: float32 (H, W), 1 - local SSIM (the mean over the
        channels for colour); 0 where identical, up to 2. ``score``: the mean
        SSIM (per channel, then averaged), pooled over the pixels at least
        ``(win_size - 1) // 2`` from the edge.

    Raises
    ------
    InputError
        Shapes differ, an option is invalid, or an image side (after the
        downsampling) is shorter than the window.

    Notes
    -----
    Map at the border: every pixel gets a value, its window mirrored at the
    image edge ('symmetric' mirroring, ``d c b a | a b c d``, scikit-image's
    ``mode='reflect'``); those border pixels are left out of ``score``,
    exactly as scikit-image crops them. With a ``reference`` the map is
    computed on the downsampled image (mirrored at its edge) and resized
    back to (H, W) bilinearly; the score is MATLAB's ``mean2`` of the
    'valid' map, i.e. the same crop.

    The same numbers as ``skimage.metrics.structural_similarity(before,
    after, data_range=data_range, full=True, ...)`` (score within 1e-4, map
    within 1e-3; in practice ~1e-6 and ~1e-4) with:

    - Gaussian (this default): ``gaussian_weights=True, sigma=sigma,
      use_sample_covariance=False`` (leave ``win_size`` unset in both).
    - Uniform: ``gaussian=False, win_size=7, use_sample_covariance=True`` here
      equals skimage's defaults ``win_size=7`` (``gaussian_weights=False,
      use_sample_covariance=True``).
    - ``K1=k1, K2=k2``; colour: ``channel_axis=2`` and the mean of skimage's
      (H, W, 3) map over the last axis.

    skimage crops ``(win_size - 1) // 2`` pixels before taking the mean; so
    does ``score``. Its Gaussian filter has ``2 * int(3.5 * sigma + 0.5) + 1``
    taps whatever ``win_size`` says; here ``win_size`` sets the taps.

    References
    ----------
    .. [1] Z. Wang, A. C. Bovik, H. R. Sheikh and E. P. Simoncelli, "Image
       quality assessment: from error visibility to structural similarity",
       IEEE Trans. Image Processing 13(4), 600-612, 2004.
    .. [2] Z. Wang, ``ssim.m`` (2011), https://ece.uwaterloo.ca/~z70wang/research/ssim/

    Examples
    --------
    >>> import numpy as np
    >>> a = np.tile(np.arange(64, dtype=np.uint8) * 4, (64, 1))[:, :, None]
    >>> b = a.copy(); b[20:40, 20:40] = 255 - b[20:40, 20:40]
    >>> d = ssim(a, b, data_range=255)
    >>> round(d.score, 4), d.values.shape, float(d.values[0, 0])
    (0.8096, (64, 64), 0.0)
    """
    x, y = check_pair(before, after, data_range)
    window = make_window(gaussian, sigma, win_size)
    check_reference(reference)
    h, w = x.shape[:2]
    factor = 1
    if reference is not None or gray:
        weights = {None: "rec601", "matlab": "matlab", "blazediff": "matlab-float"}[reference]
        x, y = to_gray(x, weights=weights), to_gray(y, weights=weights)
    if reference is not None:
        factor = matlab_factor(x.shape)  # reference code works in float64
        x = box_downsample(x.astype(np.float64), factor, grid=reference)
        y = box_downsample(y.astype(np.float64), factor, grid=reference)
    if min(x.shape[:2]) < window.size:
        extra = f" after downsampling by {factor}" if factor > 1 else ""
        raise InputError("image size", expected=f"both sides >= win_size ({window.size})"
                         f"{extra}", got=f"{w}x{h}", fix="use a smaller window or larger images")
    n = window.size**2
    values, means = local_ssim(
        x, y, data_range=float(data_range), window=window, k1=k1, k2=k2,
        cov_norm=n / (n - 1) if use_sample_covariance else 1.0,
        border=cv2.BORDER_REFLECT, crop=(window.size - 1) // 2,
        precise=reference is not None,  # the downsampled images are small
    )
    if factor > 1:
        values = cv2.resize(values, (w, h), interpolation=cv2.INTER_LINEAR)
    return DiffMap(values=values, score=float(means.mean()), units=_UNITS)
