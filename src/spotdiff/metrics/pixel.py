"""pixelmatch-compatible difference: YIQ colour delta and anti-aliasing detection.

The numbers are those of pixelmatch 7.2.0 (the released YIQ version):

* The colour delta of two pixels is the weighted squared distance in YIQ
  space (Kotsarenko & Ramos), whose largest value is 35215; a pixel differs
  when ``delta > 35215 * threshold**2``.
* A semi-transparent pixel is blended, before the delta, over a background:
  pixelmatch 7's "checkerboard" (a fixed pseudo-random pattern of two grays
  per channel, keyed by the pixel's byte offset) or plain white (pixelmatch
  up to 6, odiff, pixelmatch 7 with ``checkerboard: false``).
* A differing pixel is *anti-aliased* (and not counted unless asked) when in
  either image it has at most two equally bright neighbours, both a darker
  and a brighter neighbour, and the darkest or the brightest neighbour sits
  in a flat area (three or more identical neighbours) of both images
  (Vysniauskas, 2009).

``variant="odiff"`` follows odiff 4.5 instead: the same delta in 12-bit
fixed point, white blending, and its small changes to the anti-aliasing test.

Two implementations give the same answers. 8-bit inputs go through a small
compiled kernel (``spotdiff._pixelmatch``, built from ``_pixelmatch.c`` at
install time when a C compiler is present): it visits each differing pixel
once, computes the exact delta (float64, the operations in pixelmatch's
order, so the test against the threshold matches it bit for bit) and runs
the anti-aliasing test on the pixels above the threshold; the image is cut
into bands of rows scanned on several threads. Without the kernel, and for
16-bit and float inputs, numpy does the work: a cheap per-channel bound picks
the few *candidate* pixels whose delta can exceed the threshold, the exact
delta is computed for those only, and the anti-aliasing test runs vectorised
over the candidates above the threshold, gathering 3x3 neighbourhoods.
:func:`pixel_changes` gives the pixels above a threshold as a mask, with the
score, and leaves the map for later (what :func:`spotdiff.compare` uses when
no cleaning follows).

References
----------
.. [1] mapbox/pixelmatch v7.2.0, ``index.js`` (ISC licence).
.. [2] Y. Kotsarenko, F. Ramos, "Measuring perceived color difference using
   YIQ NTSC transmission color space in mobile applications", 2010.
.. [3] V. Vysniauskas, "Anti-aliased pixel and intensity slope detector",
   Elektronika ir Elektrotechnika, 2009.
"""

from __future__ import annotations

import math
import os
import threading
from concurrent.futures import ThreadPoolExecutor

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.metrics._types import DiffMap

try:  # the compiled band scan, built by setup.py when a C compiler is present
    from spotdiff import _pixelmatch as _kernel
except ImportError:  # the numpy implementation below does the same work
    _kernel = None

#: The largest YIQ delta of two 8-bit colours (cyan against red; black against
#: white is 32857).
YIQ_MAX_DELTA = 35215.0
ALPHA_BLENDS = ("checkerboard", "white")
UNITS = "YIQ distance, fraction of the largest (pixelmatch threshold units)"

# RGB -> YIQ rows, written as pixelmatch writes them (the signs are applied
# by subtraction, which gives the same doubles as adding negative constants).
_YR, _YG, _YB = 0.29889531, 0.58662247, 0.11448223
_IR, _IG, _IB = 0.59597799, 0.27417610, 0.32180189
_QR, _QG, _QB = 0.21147017, 0.52261711, 0.31114694
_WY, _WI, _WQ = 0.5053, 0.299, 0.1957

# The 8 neighbours in each implementation's visiting order: the first
# darkest / brightest neighbour in this order is the one it keeps.
# pixelmatch walks x outer, y inner; odiff walks rows (y outer, x inner).
_ORDER = {
    "pixelmatch": (np.array([-1, -1, -1, 0, 0, 1, 1, 1]), np.array([-1, 0, 1, -1, 1, -1, 0, 1])),
    "odiff": (np.array([-1, 0, 1, -1, 1, -1, 0, 1]), np.array([-1, -1, -1, 0, 0, 1, 1, 1])),
}
VARIANTS = tuple(_ORDER)

# odiff computes the delta in 12-bit fixed point with truncated constants.
_FIX = 4096
_OD_Y = (int(_YR * _FIX), int(_YG * _FIX), int(_YB * _FIX))
_OD_I = (int(_IR * _FIX), int(-_IG * _FIX), int(-_IB * _FIX))
_OD_Q = (int(_QR * _FIX), int(-_QG * _FIX), int(_QB * _FIX))
_OD_W = (int(_WY * _FIX), int(_WI * _FIX), int(_WQ * _FIX))

#: Above this fraction of differing pixels the full map is computed densely.
_DENSE_FRACTION = 0.25


def _delta_from_differences(dr, dg, db):  # noqa: ANN001, ANN202 - float64 arrays
    """Signed YIQ delta of per-channel differences (negative: second darker)."""
    y = dr * _YR + dg * _YG + db * _YB
    i = dr * _IR - dg * _IG - db * _IB
    q = dr * _QR - dg * _QG + db * _QB
    delta = _WY * y * y + _WI * i * i + _WQ * q * q
    return np.where(y > 0, -delta, delta)


def _largest_unit_delta() -> float:
    """The largest delta of a difference vector with components in [-1, 1],
    i.e. at a corner of the cube (the delta is a convex quadratic form)."""
    corners = np.array(np.meshgrid([-1.0, 1.0], [-1.0, 1.0], [-1.0, 1.0])).reshape(3, -1)
    return float(np.abs(_delta_from_differences(*corners)).max())


_UNIT_MAX = _largest_unit_delta()  # 35215 / 255**2, up to rounding


def max_delta(threshold: float, variant: str = "pixelmatch") -> float:
    """The largest delta that still counts as equal, as each tool computes it:
    pixelmatch ``35215 * t * t`` in float64; odiff ``35215 * (t * t)``
    truncated to its 12-bit fixed point."""
    if variant == "odiff":
        return math.trunc(YIQ_MAX_DELTA * (threshold * threshold) * _FIX) / _FIX
    return YIQ_MAX_DELTA * threshold * threshold


def channel_bound(threshold: float) -> int:
    """The largest per-channel difference (8-bit scale) that can never make a
    pixel exceed ``threshold``, with a safety margin of one level.

    If every RGB channel differs by at most this much and the alpha values
    are equal, the delta is at most ``_UNIT_MAX * bound**2``, well below
    ``max_delta(threshold)``.
    """
    return max(int(math.floor(math.sqrt(max_delta(threshold) / _UNIT_MAX))) - 1, 0)


class _Pixels:
    """Flat access to one image's pixels for gathers at arbitrary indices."""

    def __init__(self, array: np.ndarray, data_range: float) -> None:
        h, w, c = array.shape
        self.channels = c
        self.flat = np.ascontiguousarray(array).reshape(h * w, c)
        self.scale = 255.0 / float(data_range)
        self.keys: np.ndarray  # one comparable value per pixel
        if array.dtype == np.uint8 and c == 4:
            self.keys = self.flat.view(np.uint32).reshape(-1)
        elif c == 1:
            self.keys = self.flat.reshape(-1)
        else:
            row = np.dtype((np.void, c * self.flat.dtype.itemsize))
            self.keys = self.flat.view(row).reshape(-1)
        #: 8-bit pixels whose opaque neighbourhoods take the integer fast path
        self.fast = array.dtype == np.uint8
        #: uint32 RGBA view of the whole image (8-bit RGB(A) only), made on
        #: demand for RGB when many pixels will be gathered
        self.rgba32: np.ndarray | None = self.keys if self.keys.dtype == np.uint32 else None

    def pack_all(self) -> None:
        """Make :attr:`rgba32` for an 8-bit RGB image (one fast conversion,
        cheaper than packing many gathered pixels one by one)."""
        if self.rgba32 is None and self.fast and self.channels == 3:
            rgba = cv2.cvtColor(self.flat.reshape(1, -1, 3), cv2.COLOR_RGB2RGBA)
            self.rgba32 = rgba.view(np.uint32).reshape(-1)

    def packed(self, idx: np.ndarray) -> np.ndarray:
        """8-bit pixels at ``idx`` as uint32 RGBA keys (opaque alpha added),
        or the gray values themselves for one channel."""
        if self.rgba32 is not None:
            return self.rgba32[idx]
        raw = self.flat[idx]
        if self.channels == 1:
            return raw[..., 0]
        out = np.empty(raw.shape[:-1] + (4,), np.uint8)
        out[..., :3] = raw
        out[..., 3] = 255
        return out.view(np.uint32)[..., 0]

    def rgba(self, idx: np.ndarray) -> tuple[np.ndarray, ...]:
        """float64 R, G, B, A (8-bit scale) at flat indices ``idx``."""
        c = self.channels
        if self.rgba32 is not None:
            raw = self.rgba32[idx].view(np.uint8).reshape(-1, 4)
        else:
            raw = self.flat[idx]
        values = raw.astype(np.float64)
        if self.scale != 1.0:
            values *= self.scale
        if c == 1:
            gray = values[:, 0]
            return gray, gray, gray, np.full_like(gray, 255.0)
        alpha = values[:, 3] if values.shape[1] == 4 else np.full(len(values), 255.0)
        return values[:, 0], values[:, 1], values[:, 2], alpha


def _backgrounds(idx: np.ndarray, alpha_blend: str) -> tuple[np.ndarray | float, ...]:
    """The background each channel of the pixels at ``idx`` is blended on.

    pixelmatch 7's checkerboard keys the gray level (48 or 207) on the byte
    offset ``k = 4 * index``: red on ``k % 2``, green and blue on the parity
    of ``k / phi`` and ``k / phi**2`` truncated.
    """
    if alpha_blend == "white":
        return 255.0, 255.0, 255.0
    k = 4.0 * idx.astype(np.float64)
    red = 48.0 + 159.0 * (k % 2)
    green = 48.0 + 159.0 * (np.floor(k / 1.618033988749895) % 2)
    blue = 48.0 + 159.0 * (np.floor(k / 2.618033988749895) % 2)
    return red, green, blue


def _blended_differences(p1, p2, bg):  # noqa: ANN001, ANN202
    """Per-channel differences of two pixels blended on ``bg``.

    ``(c1 * a1 - c2 * a2 - bg * (a1 - a2)) / 255``: for two opaque pixels
    this is exactly ``c1 - c2`` (the numerator is 255 times an integer), so
    one formula serves every pixel, as pixelmatch's two branches do.
    """
    r1, g1, b1, a1 = p1
    r2, g2, b2, a2 = p2
    da = a1 - a2
    dr = (r1 * a1 - r2 * a2 - bg[0] * da) / 255.0
    dg = (g1 * a1 - g2 * a2 - bg[1] * da) / 255.0
    db = (b1 * a1 - b2 * a2 - bg[2] * da) / 255.0
    return dr, dg, db


def _signed_delta(a: _Pixels, b: _Pixels, idx: np.ndarray, alpha_blend: str) -> np.ndarray:
    pa, pb = a.rgba(idx), b.rgba(idx)
    translucent = np.zeros(0, np.int64)
    if a.channels == 4:
        translucent = np.flatnonzero((pa[3] < 255) | (pb[3] < 255))
    if len(translucent) == 0:  # all opaque: the blended differences are c1 - c2
        return _delta_from_differences(pa[0] - pb[0], pa[1] - pb[1], pa[2] - pb[2])
    bg = tuple(np.zeros(len(idx)) for _ in range(3))
    for full, part in zip(bg, _backgrounds(idx[translucent], alpha_blend), strict=True):
        full[translucent] = part
    return _delta_from_differences(*_blended_differences(pa, pb, bg))


def _odiff_yiq(p: tuple[np.ndarray, ...]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """odiff's fixed-point Y, I, Q of 8-bit pixels blended on white."""
    r, g, b, a = (np.rint(v).astype(np.int64) for v in p)
    white = 255 * _FIX

    def blend(c: np.ndarray) -> np.ndarray:
        num = (c - 255) * a * _FIX  # <= 0: truncation towards zero
        part = white - ((-num) // 255)
        return np.where(a == 0, white, np.where(a == 255, c * _FIX, part))

    cr, cg, cb = blend(r), blend(g), blend(b)
    return tuple(  # type: ignore[return-value]
        (cr * k[0] + cg * k[1] + cb * k[2]) >> 12 for k in (_OD_Y, _OD_I, _OD_Q)
    )


def _odiff_delta(a: _Pixels, b: _Pixels, idx: np.ndarray) -> np.ndarray:
    """odiff's colour delta (unsigned) at ``idx``, in 35215-max units."""
    y1, i1, q1 = _odiff_yiq(a.rgba(idx))
    y2, i2, q2 = _odiff_yiq(b.rgba(idx))
    dy, di, dq = y1 - y2, i1 - i2, q1 - q2
    fixed = (dy * dy * _OD_W[0] + di * di * _OD_W[1] + dq * dq * _OD_W[2]) >> 24
    return fixed / _FIX


def _odiff_luma(p: tuple[np.ndarray, ...]) -> np.ndarray:
    """odiff's float luma of pixels blended on white, one pixel at a time."""
    r, g, b, a = p
    t = a / 255.0

    def blend(c: np.ndarray) -> np.ndarray:
        return np.where(a == 0, 255.0, np.where(a == 255, c, 255.0 + (c - 255.0) * t))

    return blend(r) * _YR + blend(g) * _YG + blend(b) * _YB


def signed_delta(
    before: np.ndarray,
    after: np.ndarray,
    idx: np.ndarray,
    *,
    data_range: float = 255.0,
    alpha_blend: str = "checkerboard",
) -> np.ndarray:
    """pixelmatch's signed colour delta at flat pixel indices ``idx``.

    Negative where AFTER is darker than BEFORE (pixelmatch draws those in
    ``diffColorAlt``); the magnitude is compared with ``max_delta(t)``.
    """
    _check_pair(before, after)
    _check_blend(alpha_blend)
    idx = np.asarray(idx, np.int64).reshape(-1)
    return _signed_delta(_Pixels(before, data_range), _Pixels(after, data_range), idx, alpha_blend)


def _neighbours(
    idx: np.ndarray, h: int, w: int, variant: str = "pixelmatch"
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Flat indices (n, 8) of the 8 neighbours in ``variant``'s visiting
    order, their validity, and whether the pixel lies on the image border."""
    dx, dy = _ORDER[variant]
    y, x = np.divmod(idx, w)
    nx = x[:, None] + dx
    ny = y[:, None] + dy
    valid = (nx >= 0) & (nx < w) & (ny >= 0) & (ny < h)
    nidx = np.clip(ny, 0, h - 1) * w + np.clip(nx, 0, w - 1)
    border = (x == 0) | (x == w - 1) | (y == 0) | (y == h - 1)
    return nidx, valid, border


def _many_siblings(img: _Pixels, idx: np.ndarray, h: int, w: int) -> np.ndarray:
    """Pixels with 3 or more identical neighbours (the border counts as one)."""
    nidx, valid, border = _neighbours(idx, h, w)
    same = (img.keys[nidx] == img.keys[idx][:, None]) & valid
    return (same.sum(axis=1) + border) > 2


def _antialiased_in(
    img: _Pixels, a: _Pixels, b: _Pixels, idx: np.ndarray, h: int, w: int, alpha_blend: str
) -> np.ndarray:
    """pixelmatch's ``antialiased`` test of the pixels ``idx`` of ``img``."""
    n = len(idx)
    nidx, valid, border = _neighbours(idx, h, w)
    bg = tuple(v if isinstance(v, float) else v[:, None] for v in _backgrounds(idx, alpha_blend))
    center = tuple(v[:, None] for v in img.rgba(idx))
    around = tuple(v.reshape(n, 8) for v in img.rgba(nidx.reshape(-1)))
    dr, dg, db = _blended_differences(center, around, bg)
    bright = dr * _YR + dg * _YG + db * _YB  # centre minus neighbour
    bright[~valid] = 0.0
    zeros = ((bright == 0) & valid).sum(axis=1) + border
    darkest = bright.min(axis=1)
    brightest = bright.max(axis=1)
    out = np.zeros(n, np.bool_)
    test = np.flatnonzero((zeros <= 2) & (darkest < 0) & (brightest > 0))
    if len(test) == 0:
        return out
    rows = bright[test]
    p_min = nidx[test, rows.argmin(axis=1)]
    p_max = nidx[test, rows.argmax(axis=1)]
    out[test] = (_many_siblings(a, p_min, h, w) & _many_siblings(b, p_min, h, w)) | (
        _many_siblings(a, p_max, h, w) & _many_siblings(b, p_max, h, w)
    )
    return out


def _antialiased_odiff_in(
    img: _Pixels, a: _Pixels, b: _Pixels, idx: np.ndarray, h: int, w: int
) -> np.ndarray:
    """odiff's variant of the test: identical (not equally bright)
    neighbours count as equal, neighbours are visited row by row, and the
    pixel is anti-aliased when the darkest or the brightest neighbour is flat
    in one image and the darkest or the brightest is flat in the other."""
    n = len(idx)
    nidx, valid, border = _neighbours(idx, h, w, "odiff")
    same = (img.keys[nidx] == img.keys[idx][:, None]) & valid
    zeros = same.sum(axis=1) + border
    luma = _odiff_luma(img.rgba(idx))
    bright = luma[:, None] - _odiff_luma(img.rgba(nidx.reshape(-1))).reshape(n, 8)
    bright[same | ~valid] = 0.0
    out = np.zeros(n, np.bool_)
    test = np.flatnonzero((zeros < 3) & (bright.min(axis=1) < 0) & (bright.max(axis=1) > 0))
    if len(test) == 0:
        return out
    rows = bright[test]
    p_min = nidx[test, rows.argmin(axis=1)]
    p_max = nidx[test, rows.argmax(axis=1)]
    out[test] = (_many_siblings(a, p_min, h, w) | _many_siblings(a, p_max, h, w)) & (
        _many_siblings(b, p_min, h, w) | _many_siblings(b, p_max, h, w)
    )
    return out


def _antialiased_at(
    a: _Pixels, b: _Pixels, idx: np.ndarray, h: int, w: int, alpha_blend: str,
    variant: str = "pixelmatch",
) -> np.ndarray:
    """True where pixel ``idx`` is anti-aliasing in either image.

    Interior pixels with opaque 8-bit neighbourhoods take an exact fast path
    (table luma, packed keys); the rest, the general float64 one.
    """
    if not (a.fast and b.fast):
        return _antialiased_general(a, b, idx, h, w, alpha_blend, variant)
    if len(idx) > h * w // 256:  # ~30 gathers per pixel: convert RGB once instead
        a.pack_all()
        b.pack_all()
    off = _offsets(w, variant)
    aa = np.zeros(len(idx), np.bool_)
    slow = np.ones(len(idx), np.bool_)  # rows for the general path
    y, x = np.divmod(idx, w)
    todo = np.flatnonzero((x > 0) & (x < w - 1) & (y > 0) & (y < h - 1))
    near = (x < 2) | (x > w - 3) | (y < 2) | (y > h - 3)
    for img in (a, b):
        keys = img.packed(off[:, None] + idx[todo])  # (9, n)
        if img.channels == 4:
            opaque = keys.min(axis=0) >= 0xFF000000
            if not opaque.all():
                if img is b:  # A's side was done fast, B's cannot be
                    slow[todo[~opaque]] = True
                todo, keys = todo[opaque], keys[:, opaque]
        if img is a:
            slow[todo] = False
        aa[todo] = _antialiased_opaque(img, a, b, idx[todo], near[todo], keys, h, w, off,
                                       variant)
        todo = todo[~aa[todo]]
        if len(todo) == 0:
            break
    rest = np.flatnonzero(slow & ~aa)
    if len(rest):
        aa[rest] = _antialiased_general(a, b, idx[rest], h, w, alpha_blend, variant)
    return aa


def _antialiased_general(
    a: _Pixels, b: _Pixels, idx: np.ndarray, h: int, w: int, alpha_blend: str,
    variant: str = "pixelmatch",
) -> np.ndarray:
    """The float64 test, for any depth, alpha and position."""
    if variant == "odiff":
        aa = _antialiased_odiff_in(a, a, b, idx, h, w)
    else:
        aa = _antialiased_in(a, a, b, idx, h, w, alpha_blend)
    rest = np.flatnonzero(~aa)
    if len(rest):
        if variant == "odiff":
            aa[rest] = _antialiased_odiff_in(b, a, b, idx[rest], h, w)
        else:
            aa[rest] = _antialiased_in(b, a, b, idx[rest], h, w, alpha_blend)
    return aa


# Luma of opaque 8-bit pixels from two table look-ups: red + green by the
# low 16 bits of the RGBA key, blue by its third byte.
_LUMA_RG = (np.arange(256)[None, :] * _YR + np.arange(256)[:, None] * _YG).reshape(-1)
_LUMA_B = np.arange(256) * _YB


def _luma(keys: np.ndarray) -> np.ndarray:
    """float64 luma of packed opaque pixels (any array shape).

    For opaque 8-bit pixels pixelmatch's brightness delta of two pixels is
    ``(L1 - L2) / 1e8`` up to 2e-13, with the integer luma
    ``L = 29889531 r + 58662247 g + 11448223 b``; distinct colours differ in
    ``L`` (no relation between the three constants has coefficients within
    +-510), so two deltas differ by 1e-8 or more unless the colours are equal.
    Any float64 luma therefore orders and equates neighbours exactly as
    pixelmatch's deltas do, and so does the gray level for gray images.
    """
    if keys.dtype != np.uint32:  # gray levels order and equate like their luma
        return keys.astype(np.int16)
    keys = np.ascontiguousarray(keys)
    parts = keys.view(np.uint8).reshape(keys.shape + (4,))
    return _LUMA_RG[keys.view(np.uint16).reshape(keys.shape + (2,))[..., 0]] + _LUMA_B[
        parts[..., 2]
    ]


def _offsets(w: int, variant: str) -> np.ndarray:
    """Flat offsets of the centre and its 8 neighbours in visiting order."""
    dx, dy = _ORDER[variant]
    return np.concatenate([[0], dy * w + dx]).astype(np.int64)


def _many_siblings_any(
    img: _Pixels, p: np.ndarray, near: np.ndarray, h: int, w: int, off: np.ndarray
) -> np.ndarray:
    """:func:`_many_siblings` with a gather-only path for the pixels ``p``
    that are neighbours of candidates not ``near`` the border (so interior)."""
    if not img.fast:
        return _many_siblings(img, p, h, w)
    inside = ~near
    out = np.empty(len(p), np.bool_)
    keys = img.packed(off[:, None] + p[inside])  # (9, n): reductions run over rows
    out[inside] = (keys[1:] == keys[0]).sum(axis=0, dtype=np.uint8) > 2
    if not inside.all():
        out[~inside] = _many_siblings(img, p[~inside], h, w)
    return out


def _first_slot(rows: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Per column of ``rows`` (8, n), the first row equal to ``target`` (an
    argmin/argmax over the short axis without transposing)."""
    slot = np.full(rows.shape[1], 7, np.int8)
    for k in range(6, -1, -1):  # backwards, so the first match is written last
        slot[rows[k] == target] = k
    return slot


def _antialiased_opaque(
    img: _Pixels, a: _Pixels, b: _Pixels, idx: np.ndarray, near: np.ndarray,
    keys: np.ndarray, h: int, w: int, off: np.ndarray, variant: str,
) -> np.ndarray:
    """The anti-aliasing test for interior pixels whose 3x3 neighbourhood in
    ``img`` is opaque (``keys``: (9, n) packed pixels, centre first; ``near``:
    the pixels one step from the border, whose neighbours may touch it).

    For opaque pixels a neighbour as bright as the centre is an identical
    one, so pixelmatch's zero count (equal brightness) and odiff's (equal
    pixels) agree and are taken from the keys, before any luma is computed.
    """
    out = np.zeros(len(idx), np.bool_)
    zeros = (keys[1:] == keys[0]).sum(axis=0, dtype=np.uint8)
    few = np.flatnonzero(zeros <= 2)
    luma = _luma(keys[:, few])
    bright = luma[0] - luma[1:]
    darkest, brightest = bright.min(axis=0), bright.max(axis=0)
    passing = (darkest < 0) & (brightest > 0)
    test = few[passing]
    if len(test) == 0:
        return out
    bright, darkest, brightest = bright[:, passing], darkest[passing], brightest[passing]
    slot_min = _first_slot(bright, darkest)
    slot_max = _first_slot(bright, brightest)
    p_min = idx[test] + off[1:][slot_min]
    p_max = idx[test] + off[1:][slot_max]
    near = near[test]

    def flat_in(im: _Pixels, p: np.ndarray, where: np.ndarray) -> np.ndarray:
        res = np.zeros(len(p), np.bool_)
        rows = np.flatnonzero(where)
        if len(rows):
            res[rows] = _many_siblings_any(im, p[rows], near[rows], h, w, off)
        return res

    everywhere = np.ones(len(test), np.bool_)
    if variant == "odiff":  # (a_min or a_max) and (b_min or b_max)
        first = flat_in(a, p_min, everywhere)
        first |= flat_in(a, p_max, ~first)
        second = flat_in(b, p_min, first)
        second |= flat_in(b, p_max, first & ~second)
        out[test] = first & second
    else:  # (a_min and b_min) or (a_max and b_max)
        at_min = flat_in(a, p_min, everywhere)
        at_min &= flat_in(b, p_min, at_min)
        at_max = flat_in(a, p_max, ~at_min)
        at_max &= flat_in(b, p_max, at_max)
        out[test] = at_min | at_max
    return out


def _check_pair(before: np.ndarray, after: np.ndarray) -> None:
    if before.shape != after.shape or before.ndim != 3 or before.shape[2] not in (1, 3, 4):
        raise InputError(
            "pixel method inputs",
            expected="two (H, W, C) arrays of the same shape, C = 1, 3 or 4",
            got=f"shapes {before.shape} and {after.shape}",
            fix="bring both images to one size and channel count first",
        )


def _check_blend(alpha_blend: str) -> None:
    if alpha_blend not in ALPHA_BLENDS:
        raise InputError(
            "alpha_blend",
            expected="one of " + ", ".join(ALPHA_BLENDS),
            got=repr(alpha_blend),
            fix="set alpha_blend to checkerboard (pixelmatch 7) or white (odiff, pixelmatch 6)",
        )


def _resolve_blend(alpha_blend: str | None, variant: str) -> str:
    if variant not in VARIANTS:
        raise InputError("variant", expected="one of " + ", ".join(VARIANTS), got=repr(variant),
                         fix="set variant to pixelmatch or odiff")
    if alpha_blend is None:
        return "white" if variant == "odiff" else "checkerboard"
    _check_blend(alpha_blend)
    if variant == "odiff" and alpha_blend != "white":
        raise InputError("alpha_blend", expected="white with variant odiff (odiff blends on white)",
                         got=repr(alpha_blend),
                         fix="leave alpha_blend out or set it to 'white'")
    return alpha_blend


def antialiased_mask(
    before: np.ndarray,
    after: np.ndarray,
    candidates: np.ndarray,
    *,
    data_range: float = 255.0,
    alpha_blend: str | None = None,
    variant: str = "pixelmatch",
) -> np.ndarray:
    """Which candidate pixels are anti-aliased edges (pixelmatch's detector).

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of one shape, C = 1, 3 or 4 (RGB(A) order).
    candidates : ndarray
        bool (H, W): the pixels to test (typically those above a threshold);
        the cost is proportional to their number.
    data_range : float
        Full intensity of the inputs.
    alpha_blend : {"checkerboard", "white"}, optional
        Background for semi-transparent pixels in the brightness comparison
        (default: the variant's).
    variant : {"pixelmatch", "odiff"}
        Whose rules to follow (see :func:`pixel`).

    Returns
    -------
    ndarray
        bool (H, W), True at candidates that are anti-aliased in either image.

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((5, 5, 3), np.uint8); a[:, 3:] = 255; a[:, 2] = 128  # soft edge
    >>> b = a.copy(); b[:, 2] = 255                                         # edge moved
    >>> antialiased_mask(a, b, np.any(a != b, axis=2))[:, 2].tolist()
    [True, True, True, True, True]
    """
    _check_pair(before, after)
    alpha_blend = _resolve_blend(alpha_blend, variant)
    h, w = before.shape[:2]
    if candidates.shape != (h, w):
        raise InputError("candidates", expected=f"a bool mask of shape {(h, w)}",
                         got=f"shape {candidates.shape}")
    points = cv2.findNonZero(candidates.view(np.uint8))
    if points is None:
        return np.zeros((h, w), np.bool_)
    if (_kernel is not None and before.dtype == np.uint8 and after.dtype == np.uint8
            and float(data_range) == 255.0):
        # the compiled scan tests every differing pixel of the candidates'
        # box; the test reads two pixels around each, so a margin of three
        # keeps the box's own edge from changing any candidate's answer
        x, y, bw, bh = cv2.boundingRect(points)
        x0, y0 = max(0, x - 3), max(0, y - 3)
        x1, y1 = min(w, x + bw + 3), min(h, y + bh + 3)
        crop = _pixel_compiled(np.ascontiguousarray(before[y0:y1, x0:x1]),
                               np.ascontiguousarray(after[y0:y1, x0:x1]), 0.0, False,
                               alpha_blend, variant, False)[0]
        out = np.zeros((h, w), np.bool_)
        if crop.excluded is not None:
            out[y0:y1, x0:x1] = crop.excluded
        return out & candidates
    idx = np.flatnonzero(candidates)
    flat = np.zeros(h * w, np.bool_)
    a, b = _Pixels(before, data_range), _Pixels(after, data_range)
    flat[idx[_antialiased_at(a, b, idx, h, w, alpha_blend, variant)]] = True
    return flat.reshape(h, w)


#: Rows per band when scanning 8-bit images: small enough for the
#: temporaries to stay in cache and be reused, large enough for few calls.
_BAND_ROWS = 64


def _any_channel(mask: np.ndarray) -> np.ndarray:
    """(H, W, C) uint8 -> (H, W) array, nonzero where any channel is."""
    c = mask.shape[2]
    if c == 1:
        return mask[:, :, 0]
    if c == 4:
        return mask.view(np.uint32)[:, :, 0]
    # Every weight of OpenCV's fixed-point gray conversion times 255 rounds
    # to at least 29, so the gray value of a 0/255 mask is nonzero iff a
    # channel is.
    return cv2.cvtColor(mask, cv2.COLOR_RGB2GRAY)


def _changed_indices(
    before: np.ndarray, after: np.ndarray, bound: float, *, differing: int | None = None
) -> tuple[np.ndarray | None, np.ndarray]:
    """Flat indices of the *candidates* (an RGB channel differs by more than
    ``bound`` or the alpha differs) and, when ``differing`` is given, of all
    the pixels that differ, unless there are more than ``differing`` of them
    (then None: the caller computes a dense map instead).

    8-bit images are scanned in bands of rows with reused buffers, which
    keeps the full-size temporaries (and their page faults) away.
    """
    h, w, c = before.shape
    if before.dtype != np.uint8:
        ad = cv2.absdiff(before, after).reshape(h, w, c)
        over = ad[:, :, : min(c, 3)].max(axis=2) > bound
        if c == 4:
            over |= ad[:, :, 3] > 0
        changed = None
        if differing is not None:
            changed = np.flatnonzero(ad.max(axis=2) > 0)
            changed = changed if len(changed) <= differing else None
        return changed, np.flatnonzero(over)
    rows = min(_BAND_ROWS, h)
    ad = np.empty((rows, w, c), np.uint8)
    over = np.empty((rows, w, c), np.uint8)
    level = int(bound)
    found: list[np.ndarray] = []
    found_any: list[np.ndarray] | None = [] if differing is not None else None
    n_any = 0
    for y0 in range(0, h, rows):
        n = min(rows, h - y0)
        # (OpenCV writes into the given buffers; the returned arrays are used
        # in case it ever has to allocate new ones.)
        band_ad = cv2.absdiff(before[y0 : y0 + n], after[y0 : y0 + n], dst=ad[:n])
        band_ad = band_ad.reshape(n, w, c)
        if c == 4:  # alpha: any difference; RGB: more than the bound
            band_over = cv2.subtract(band_ad, (level, level, level, 0), dst=over[:n])
        else:
            band_over = cv2.threshold(band_ad, level, 255, cv2.THRESH_BINARY, dst=over[:n])[1]
        band_over = band_over.reshape(n, w, c)
        hits = np.flatnonzero(_any_channel(band_over) != 0)  # bool: fast nonzero
        if len(hits):
            found.append(hits + y0 * w)
        if found_any is not None:
            if c == 3:
                band_over = cv2.threshold(band_ad, 0, 255, cv2.THRESH_BINARY, dst=over[:n])[1]
                hits = np.flatnonzero(_any_channel(band_over.reshape(n, w, c)) != 0)
            else:
                hits = np.flatnonzero(_any_channel(band_ad) != 0)
            n_any += len(hits)
            if differing is not None and n_any > differing:
                found_any = None  # too many: a dense map it is
            elif len(hits):
                found_any.append(hits + y0 * w)

    def joined(parts: list[np.ndarray]) -> np.ndarray:
        return np.concatenate(parts) if parts else np.zeros(0, np.int64)

    return (joined(found_any) if found_any is not None else None), joined(found)


def _dense_values(
    before: np.ndarray, after: np.ndarray, data_range: float, alpha_blend: str
) -> np.ndarray:
    """sqrt(|delta| / 35215) for every pixel in float32 (not bit-exact),
    computed in bands of rows so that the temporaries stay in cache."""
    h, w, c = before.shape
    out = np.empty(h * w, np.float32)
    opaque = c != 4 or (
        int(before[:, :, 3].min()) >= data_range and int(after[:, :, 3].min()) >= data_range)
    rows = max(1, 131072 // w)
    for y0 in range(0, h, rows):
        y1 = min(h, y0 + rows)
        _dense_band(before[y0:y1].reshape(-1, c), after[y0:y1].reshape(-1, c), y0 * w,
                    data_range, alpha_blend, opaque, out[y0 * w : y1 * w])
    return out


def _dense_band(
    fa: np.ndarray, fb: np.ndarray, start: int, data_range: float, alpha_blend: str,
    opaque: bool, out: np.ndarray,
) -> None:
    """:func:`_dense_values` for the flat pixels ``start:start + len(fa)``."""
    c = fa.shape[1]
    s = np.float32(255.0 / data_range)
    diffs: tuple[np.ndarray, ...]
    if c == 1:
        d = np.subtract(fa[:, 0], fb[:, 0], dtype=np.float32) * s
        diffs = (d, d, d)
    elif opaque:
        diffs = tuple(np.subtract(fa[:, ch], fb[:, ch], dtype=np.float32) * s for ch in range(3))
    else:  # blend on the background: (c1 * a1 - c2 * a2 - bg * (a1 - a2)) / 255
        bg = _backgrounds(np.arange(start, start + len(fa)), alpha_blend)
        a1 = fa[:, 3] * s
        a2 = fb[:, 3] * s
        da = a1 - a2
        diffs = tuple(
            (fa[:, ch] * s * a1 - fb[:, ch] * s * a2 - np.asarray(bg[ch], np.float32) * da)
            / np.float32(255.0)
            for ch in range(3)
        )
    dr, dg, db = diffs
    y = dr * np.float32(_YR) + dg * np.float32(_YG) + db * np.float32(_YB)
    i = dr * np.float32(_IR) - dg * np.float32(_IG) - db * np.float32(_IB)
    q = dr * np.float32(_QR) - dg * np.float32(_QG) + db * np.float32(_QB)
    y *= y
    y *= np.float32(_WY / YIQ_MAX_DELTA)
    i *= i
    i *= np.float32(_WI / YIQ_MAX_DELTA)
    q *= q
    q *= np.float32(_WQ / YIQ_MAX_DELTA)
    y += i
    y += q
    np.sqrt(y, out=out)


def _threshold_levels(threshold: float) -> tuple[np.float32, np.float32]:
    """float32 values just at/below and just above ``threshold`` such that a
    float32 or a float64 comparison ``value > threshold`` decides alike."""
    t32 = np.float32(threshold)
    low = t32 if float(t32) <= threshold else np.nextafter(t32, np.float32(-np.inf))
    return low, np.nextafter(t32, np.float32(np.inf))


def pixel(
    before: np.ndarray,
    after: np.ndarray,
    *,
    data_range: float,
    threshold: float | None = None,
    include_aa: bool = False,
    alpha_blend: str | None = None,
    variant: str = "pixelmatch",
    full_map: bool = True,
) -> DiffMap:
    """pixelmatch's per-pixel YIQ colour delta, with anti-aliased pixels marked.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays of one shape and dtype, C = 1, 3 or 4, RGB(A)
        order; uint8 reproduces pixelmatch exactly, uint16 and float are
        scaled to the 8-bit scale first.
    data_range : float
        Full intensity of the inputs.
    threshold : float, optional
        pixelmatch's ``threshold`` (0..1; 0.1 is its default). When given,
        ``values > threshold`` is exactly pixelmatch's ``delta > maxDelta``
        test, and only pixels above it are tested for anti-aliasing. When
        None, every differing pixel is tested.
    include_aa : bool
        pixelmatch's ``includeAA``: skip the anti-aliasing test (``excluded``
        is then None).
    alpha_blend : {"checkerboard", "white"}, optional
        The background semi-transparent pixels are blended on: pixelmatch 7's
        checkerboard (the default for ``variant="pixelmatch"``), or white
        (pixelmatch 6 and jest-image-snapshot; odiff, the only choice there).
    variant : {"pixelmatch", "odiff"}
        Whose arithmetic to follow. ``"odiff"`` uses odiff 4.5's 12-bit fixed
        point delta and its slightly different anti-aliasing rules, so that
        its counts are reproduced exactly (they differ from pixelmatch's by a
        few pixels in a million).
    full_map : bool
        Compute ``values`` at every pixel (default; what
        :func:`spotdiff.compare` uses, so its counts, regions and score never
        depend on the pictures asked for). False computes them only where
        the delta can exceed ``threshold`` (the candidates: a colour channel
        differs by more than :func:`channel_bound` or the alpha differs;
        elsewhere 0, and ``score`` covers those pixels only): the fastest
        way to a pixelmatch count. ``values > threshold`` and ``excluded``
        are the same either way.

    Returns
    -------
    DiffMap
        ``values``: float32 ``sqrt(|delta| / 35215)``, the distance in the
        units of pixelmatch's threshold; ``excluded``: the anti-aliased
        pixels above the threshold (those pixelmatch draws in ``aaColor``
        and does not count); ``score``: 1 - mean of ``values``; ``counted``
        (given a threshold): pixelmatch's return value, the pixels above it
        and not anti-aliased.

    Notes
    -----
    pixelmatch counts a pixel when ``delta > 35215 * t * t``. The delta is
    computed here in float64 with pixelmatch's operations in its order, so
    the comparison is decided exactly as in JavaScript; ``values`` is then
    nudged by at most one float32 step so that ``values > threshold``
    (compared in float32 or float64) gives the same answer.

    The compiled kernel and the numpy fallback give identical counts,
    ``excluded`` masks and (with ``full_map=False``, or when at most a
    quarter of the pixels differ) identical ``values``. Where more differ,
    the fallback computes the full map in float32 away from the candidates
    (within a few float32 steps of the kernel's exact values, all far below
    the threshold).

    Examples
    --------
    >>> import numpy as np
    >>> a = np.zeros((4, 4, 3), np.uint8); b = a.copy(); b[1, 1] = 255
    >>> d = pixel(a, b, data_range=255, threshold=0.1)
    >>> int((d.values > 0.1).sum()), round(float(d.values[1, 1]), 4)
    (1, 0.9659)
    """
    _check_pair(before, after)
    alpha_blend = _resolve_blend(alpha_blend, variant)
    if threshold is not None:
        threshold = float(threshold)
        if not math.isfinite(threshold) or threshold < 0:
            raise InputError("threshold", expected="a number >= 0 (pixelmatch's 0..1)",
                             got=repr(threshold))
    if (_kernel is not None and before.dtype == np.uint8 and after.dtype == np.uint8
            and float(data_range) == 255.0 and before.size > 0):
        return _pixel_compiled(before, after, threshold, include_aa, alpha_blend, variant,
                               full_map)[0]
    h, w, c = before.shape
    n_pixels = h * w
    if cv2.norm(before, after, cv2.NORM_INF) == 0:  # identical: nothing to do
        return DiffMap(values=np.zeros((h, w), np.float32), score=1.0,
                       excluded=None if include_aa else np.zeros((h, w), np.bool_), units=UNITS,
                       counted=0 if threshold is not None else None)
    a, b = _Pixels(before, data_range), _Pixels(after, data_range)
    bound = channel_bound(threshold) if threshold is not None else 0
    if before.dtype == np.uint8:
        scaled_bound: float = bound
    elif before.dtype.kind in "ui":
        scaled_bound = math.floor(bound * float(data_range) / 255.0)
    else:
        scaled_bound = bound * float(data_range) / 255.0
    limit = int(_DENSE_FRACTION * n_pixels) if full_map else None
    differing, candidates = _changed_indices(before, after, scaled_bound, differing=limit)

    dense = full_map and differing is None
    if dense:  # most pixels differ: a float32 map, exact values at the candidates
        values = _dense_values(before, after, data_range, alpha_blend)
        idx = candidates
    else:
        values = np.zeros(n_pixels, np.float32)
        idx = candidates if differing is None else differing

    if len(idx) > n_pixels // 256:  # many gathers ahead: pack 8-bit RGB once
        a.pack_all()
        b.pack_all()
    if variant == "odiff":
        delta = _odiff_delta(a, b, idx)
    else:
        delta = np.abs(_signed_delta(a, b, idx, alpha_blend))
    exact = np.sqrt(delta / YIQ_MAX_DELTA).astype(np.float32)
    if threshold is not None:
        above = delta > max_delta(threshold, variant)
        low, high = _threshold_levels(threshold)
        exact = np.where(above, np.maximum(exact, high), np.minimum(exact, low))
    else:
        above = delta > 0
    values[idx] = exact

    excluded = None
    counted = int(np.count_nonzero(above))
    if not include_aa:
        tested = idx[above]
        flags = np.zeros(n_pixels, np.bool_)
        if len(tested):
            aa = tested[_antialiased_at(a, b, tested, h, w, alpha_blend, variant)]
            flags[aa] = True
            counted -= len(aa)
        excluded = flags.reshape(h, w)
    values = values.reshape(h, w)
    if dense:
        score = 1.0 - float(cv2.mean(values)[0])
    else:  # values are zero outside idx
        score = 1.0 - float(exact.sum(dtype=np.float64)) / n_pixels
    return DiffMap(values=values, score=score, excluded=excluded, units=UNITS,
                   counted=counted if threshold is not None else None)


# --- the compiled path ---------------------------------------------------------------------

#: Below this many pixels the compiled scan runs in the calling thread only.
_SERIAL_PIXELS = 1 << 18
_POOL: ThreadPoolExecutor | None = None
_POOL_LOCK = threading.Lock()


def _workers() -> int:
    """Threads for the band scan: the CPUs this process may use (at most 8)."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def _pool() -> ThreadPoolExecutor:
    global _POOL
    with _POOL_LOCK:
        if _POOL is None:
            _POOL = ThreadPoolExecutor(_workers(), thread_name_prefix="spotdiff-pixel")
        return _POOL


def _pixel_compiled(
    before: np.ndarray, after: np.ndarray, threshold: float | None, include_aa: bool,
    alpha_blend: str, variant: str, full_map: bool, *, keep_map: bool = True,
) -> tuple[DiffMap, np.ndarray | None, np.ndarray | None, bool, np.ndarray | None]:
    """:func:`pixel` for 8-bit inputs with the compiled kernel.

    The kernel visits every differing pixel once: the exact delta (the same
    float64 operations in the same order as above, or odiff's fixed point),
    the value, and the anti-aliasing test when above the threshold. The
    image is cut into bands of rows scanned on several threads (the kernel
    releases the GIL; a band's test reads the rows around it, which nothing
    writes).

    With ``keep_map=False`` (a threshold given) no map is written: the
    values are summed for the score only, and the kernel marks the counted
    pixels in a mask and adds them up per row instead. Returns the DiffMap
    (``values`` None then), the mask and the per-row counts (None with a
    map), whether any byte of the images differs, and the values at the
    mask's pixels in raster order (float32; None with a map).
    """
    h, w, c = before.shape
    a, b = np.ascontiguousarray(before), np.ascontiguousarray(after)
    # One allocation for all outputs. With a map, zeroed: large enough to be
    # mapped lazily, so that pages the scan never writes cost nothing.
    if keep_map:
        buffer = np.zeros(5 * h * w, np.uint8)
        values: np.ndarray | None = buffer[: 4 * h * w].view(np.float32).reshape(h, w)
        flags = buffer[4 * h * w :].view(np.bool_).reshape(h, w)
        mask = rows = None
    else:  # the scan clears the rows of its band itself (in parallel, row by row)
        buffer = np.empty(2 * h * w + 4 * h, np.uint8)
        values = None
        flags = buffer[: h * w].view(np.bool_).reshape(h, w)
        mask = buffer[h * w : 2 * h * w].view(np.bool_).reshape(h, w)
        rows = buffer[2 * h * w :].view(np.int32)
    if threshold is None:
        limit, low, high = 0.0, 0.0, 0.0
        bound = -1 if full_map else 0
    else:
        limit = max_delta(threshold, variant)
        low, high = (float(v) for v in _threshold_levels(threshold))
        bound = -1 if full_map else channel_bound(threshold)
    options = (variant == "odiff", alpha_blend == "checkerboard", not include_aa,
               threshold is not None, limit, low, high, bound, mask, rows)

    kernel = _kernel
    assert kernel is not None  # checked by the caller

    def scan(band: tuple[int, int]) -> tuple[int, float, int, bytes | None]:
        return kernel.scan(a, b, values, flags, w, h, c, band[0], band[1], *options)

    workers = _workers() if h * w >= _SERIAL_PIXELS else 1
    if workers == 1:
        parts = [scan((0, h))]
    else:  # a few bands per thread, so that one busy band does not hold the rest up
        edges = np.linspace(0, h, min(h, 4 * workers) + 1).astype(int).tolist()
        parts = list(_pool().map(scan, zip(edges[:-1], edges[1:], strict=True)))
    total = sum(part[1] for part in parts)
    counted = sum(part[0] for part in parts) if threshold is not None else None
    dmap = DiffMap(values=values, score=1.0 - total / (h * w),  # type: ignore[arg-type]
                   excluded=None if include_aa else flags, units=UNITS, counted=counted)
    differs = any(part[2] for part in parts)
    kept = None if keep_map else np.frombuffer(b"".join(part[3] for part in parts), np.float32)
    return dmap, mask, rows, differs, kept


class PixelChanges:
    """pixelmatch's answer for a threshold, with the map left for later:
    what :func:`pixel_changes` returns.

    Attributes
    ----------
    mask : ndarray
        bool (H, W): the counted pixels, above the threshold and (unless
        ``include_aa``) not anti-aliased: ``(map > threshold) & ~excluded``.
    excluded : ndarray or None
        As :attr:`DiffMap.excluded <spotdiff.metrics.DiffMap>`.
    counted : int
        pixelmatch's return value (the mask's pixels).
    rows : ndarray
        int32 (H,): the mask's pixels per row.
    score : float
        :func:`pixel`'s score (1 - mean of the map).
    units : str
    differs : bool
        Whether the two arrays differ at all (in any byte, alpha included).
    """

    def __init__(self, before: np.ndarray, after: np.ndarray, options: dict, dmap: DiffMap,
                 mask: np.ndarray, rows: np.ndarray, differs: bool,
                 kept: np.ndarray | None = None) -> None:
        self._pair = (before, after)
        self._kept = kept  # the compiled scan's values at the mask's pixels, raster order
        self._options = options
        self._map = dmap.values
        self.mask = mask
        self.rows = rows
        self.excluded = dmap.excluded
        self.counted = int(dmap.counted or 0)
        self.score = dmap.score
        self.units = dmap.units
        self.differs = differs

    def diff_map(self) -> np.ndarray:
        """The full map, as :func:`pixel` gives it (computed on the first call)."""
        if self._map is None:
            self._map = pixel(*self._pair, **self._options).values
        return self._map

    def values_at(self, index: np.ndarray) -> np.ndarray:
        """float32 values of the map at flat pixel indices ``index``, without
        computing the rest of it."""
        index = np.ascontiguousarray(index, np.int64)
        if self._map is not None:
            return self._map.reshape(-1)[index]
        o = self._options
        before, after = (np.ascontiguousarray(x) for x in self._pair)
        h, w, c = before.shape
        t = float(o["threshold"])
        low, high = (float(v) for v in _threshold_levels(t))
        out = np.empty(len(index), np.float32)
        assert _kernel is not None  # a map was computed without it
        _kernel.values_at(before, after, index, out, w, h, c, o["variant"] == "odiff",
                          o["alpha_blend"] == "checkerboard", True,
                          max_delta(t, o["variant"]), low, high)
        return out


    def component_sums(self) -> dict[str, np.ndarray] | None:
        """Per 8-connected component of the mask, the numbers
        :func:`spotdiff.regions.find_regions_in_rows` needs (see
        :data:`spotdiff.regions.COMPONENT_SUMS`), from the compiled kernel,
        which labels the mask's runs of pixels and reads the values at them;
        None without the kernel (or for an empty mask)."""
        if self._map is not None or _kernel is None or self.counted == 0:
            return None
        from spotdiff.regions import COMPONENT_SUMS

        o = self._options
        before, after = (np.ascontiguousarray(x) for x in self._pair)
        h, w, c = before.shape
        t = float(o["threshold"])
        low, high = (float(v) for v in _threshold_levels(t))
        out = np.empty((len(COMPONENT_SUMS), self.counted), np.float64)
        kept = () if self._kept is None else (self._kept,)
        n = _kernel.regions(before, after, self.mask.view(np.uint8), self.rows, out, w, h, c,
                            o["variant"] == "odiff", o["alpha_blend"] == "checkerboard", True,
                            max_delta(t, o["variant"]), low, high, *kept)
        sums = {name: out[i, :n] for i, name in enumerate(COMPONENT_SUMS)}
        for name in ("area", "x0", "y0", "x1", "y1", "key", "start"):
            sums[name] = sums[name].astype(np.int64)
        return sums


def pixel_changes(
    before: np.ndarray,
    after: np.ndarray,
    *,
    data_range: float,
    threshold: float,
    include_aa: bool = False,
    alpha_blend: str | None = None,
    variant: str = "pixelmatch",
) -> PixelChanges:
    """The pixels :func:`pixel` finds above ``threshold``, as a mask, with
    the score, and the map only when asked for.

    The same numbers as ``pixel(..., threshold=threshold)`` (a full map):
    ``mask`` is ``(values > threshold) & ~excluded``, ``score`` its score,
    ``diff_map()`` its values. The compiled kernel writes the mask while it
    scans and keeps no map (the values are summed for the score only), so
    that a compare whose map is never looked at does not pay for it;
    without the kernel (or for 16-bit and float inputs) the map is computed
    here and the mask read from it.
    """
    _check_pair(before, after)
    options = dict(data_range=data_range, threshold=float(threshold), include_aa=include_aa,
                   alpha_blend=_resolve_blend(alpha_blend, variant), variant=variant)
    if not math.isfinite(options["threshold"]) or options["threshold"] < 0:
        raise InputError("threshold", expected="a number >= 0 (pixelmatch's 0..1)",
                         got=repr(threshold))
    if (_kernel is not None and before.dtype == np.uint8 and after.dtype == np.uint8
            and float(data_range) == 255.0 and before.size > 0):
        dmap, mask, rows, differs, kept = _pixel_compiled(
            before, after, options["threshold"], include_aa, options["alpha_blend"], variant,
            True, keep_map=False)
        assert mask is not None and rows is not None
        return PixelChanges(before, after, options, dmap, mask, rows, differs, kept)
    dmap = pixel(before, after, **options)
    mask = dmap.values > np.float32(options["threshold"])
    if dmap.excluded is not None:
        mask &= ~dmap.excluded
    rows = np.count_nonzero(mask, axis=1).astype(np.int32)
    differs = cv2.norm(before, after, cv2.NORM_INF) > 0
    return PixelChanges(before, after, options, dmap, mask, rows, differs)
