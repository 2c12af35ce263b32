"""Stages shared by the background models: jitter, lighting, shadows, clean-up.

Pure functions over uint8 frames (H, W, C) and their background images.
"""

from __future__ import annotations

import cv2
import numpy as np

from spotdiff.mask import as_u8
from spotdiff.sampling import every_nth

_windows: dict[tuple[int, int], np.ndarray] = {}
_ECC_STOP = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 10, 1e-3)


def _gray_f32(image: np.ndarray) -> np.ndarray:
    if image.ndim == 3 and image.shape[2] == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image.reshape(image.shape[:2]).astype(np.float32)


def gray(image: np.ndarray) -> np.ndarray:
    """uint8 (H, W) luma of a (H, W, C) uint8 frame."""
    if image.ndim == 3 and image.shape[2] == 3:
        return cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    return image.reshape(image.shape[:2])


def estimate_shift(
    frame: np.ndarray, background: np.ndarray, *, previous: tuple[float, float] = (0.0, 0.0),
    max_shift: float = 0.1, refine: float = 0.3, exclude: np.ndarray | None = None,
    trust_exclude: float = 2.0,
) -> tuple[float, float]:
    """Global translation (dx, dy) of ``frame`` against ``background`` (pixels).

    Phase correlation (``cv2.phaseCorrelate``) of the luma, on frames halved
    when larger than 200 pixels, with a Hann window. A weak correlation
    peak, or a shift above ``max_shift`` of the frame size, keeps
    ``previous``. A shift of at least ``refine`` pixels is then refined by
    intensity alignment (``cv2.findTransformECC``, translation only, from the
    phase-correlation estimate): the correlation peak is coarse on blurred,
    shaking frames, and the residual shows as false edges. ``exclude``
    (bool (H, W) in background coordinates, e.g. the last foreground) is left
    out of the refinement, so that moving objects do not pull a small shift;
    it is not used when the shift reaches ``trust_exclude`` pixels, where the
    last foreground is mostly the edges of the last misalignment.
    """
    a = _gray_f32(background)
    b = _gray_f32(frame)
    factor = 1.0
    if max(a.shape) > 200:
        a = cv2.resize(a, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        b = cv2.resize(b, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
        factor = 2.0
    key = (a.shape[1], a.shape[0])
    window = _windows.get(key)
    if window is None:
        window = _windows[key] = cv2.createHanningWindow(key, cv2.CV_32F)
    # phaseCorrelate multiplies its inputs by the window in place: give it copies
    (dx, dy), response = cv2.phaseCorrelate(a.copy(), b.copy(), window)
    h, w = frame.shape[:2]
    if response < 0.05 or abs(dx) * factor > max_shift * w or abs(dy) * factor > max_shift * h:
        dx, dy = previous[0] / factor, previous[1] / factor
    # the last foreground at the working size, in background coordinates
    excluded = None if exclude is None else \
        cv2.resize(exclude.view(np.uint8), key, interpolation=cv2.INTER_NEAREST)
    if max(abs(dx), abs(dy)) * factor >= refine:
        warp = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
        use = None
        if excluded is not None and max(abs(dx), abs(dy)) * factor < trust_exclude:
            # moved onto the frame, where ECC reads it
            use = _translate(np.uint8(1) - excluded, dx, dy, cv2.INTER_NEAREST,
                             cv2.BORDER_CONSTANT, 1)
        try:
            _, warp = cv2.findTransformECC(a, b, warp, cv2.MOTION_TRANSLATION, _ECC_STOP, use, 5)
        except cv2.error:  # no convergence: the coarse peak is not trusted
            dx, dy = previous[0] / factor, previous[1] / factor
        else:
            ex, ey = float(warp[0, 2]), float(warp[1, 2])
            if abs(ex) * factor <= max_shift * w and abs(ey) * factor <= max_shift * h:
                dx, dy = ex, ey
    # A moving object that is also in the model (it was there at the start)
    # can pull the correlation peak along with it: keep a shift only when it
    # aligns the frame with the background better than the last one and no
    # shift at all do, outside the last foreground.
    keep = None if excluded is None else excluded == 0
    # In a fixed order (no shift, the last one, the new one), each replacing
    # the one before only when clearly better (2 %): no flicker on ties.
    best, best_cost = (0.0, 0.0), _misalignment(a, b, (0.0, 0.0), keep)
    for candidate in ((previous[0] / factor, previous[1] / factor), (dx, dy)):
        if candidate == best:
            continue
        cost = _misalignment(a, b, candidate, keep)
        if cost < 0.98 * best_cost:
            best, best_cost = candidate, cost
    return float(best[0] * factor), float(best[1] * factor)


def _misalignment(background: np.ndarray, frame: np.ndarray, shift: tuple[float, float],
                  keep: np.ndarray | None) -> float:
    """Mean absolute difference of ``frame`` moved back by ``shift`` and
    ``background`` (float32 gray), inside a margin the shift cannot reach and
    where ``keep`` is True."""
    dx, dy = shift
    h, w = background.shape
    m = int(np.ceil(max(abs(dx), abs(dy)))) + 1
    if 2 * m >= min(h, w):
        return float("inf")
    moved = undo_shift(frame, shift, min_shift=0.0) if dx or dy else frame
    diff = cv2.absdiff(moved[m:-m, m:-m], background[m:-m, m:-m])
    if keep is not None:
        inner = keep[m:-m, m:-m]
        if np.count_nonzero(inner) > inner.size // 4:
            return float(cv2.mean(diff, mask=inner.view(np.uint8))[0])
    return float(cv2.mean(diff)[0])


def undo_shift(frame: np.ndarray, shift: tuple[float, float], *, min_shift: float = 0.3
               ) -> np.ndarray:
    """Move ``frame`` back by ``shift`` (edges replicated); unchanged when the shift is small."""
    dx, dy = shift
    if abs(dx) < min_shift and abs(dy) < min_shift:
        return frame
    return _translate(frame, -dx, -dy, cv2.INTER_LINEAR, cv2.BORDER_REPLICATE)


def redo_shift(image: np.ndarray, shift: tuple[float, float], *, min_shift: float = 0.3
               ) -> np.ndarray:
    """Move a mask or difference map found in background coordinates onto the frame
    (the inverse of :func:`undo_shift`); what enters from outside is background (0)."""
    dx, dy = shift
    if abs(dx) < min_shift and abs(dy) < min_shift:
        return image
    if image.dtype == np.bool_:
        moved = _translate(image.view(np.uint8), dx, dy, cv2.INTER_NEAREST, cv2.BORDER_CONSTANT)
        return moved.view(np.bool_)
    return _translate(image, dx, dy, cv2.INTER_LINEAR, cv2.BORDER_CONSTANT)


def _translate(image: np.ndarray, dx: float, dy: float, interpolation: int, border: int,
               value: float = 0) -> np.ndarray:
    """``image`` moved by (dx, dy) pixels, its shape kept."""
    h, w = image.shape[:2]
    matrix = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
    out = cv2.warpAffine(image, matrix, (w, h), flags=interpolation, borderMode=border,
                         borderValue=value)
    return out.reshape(image.shape)


def estimate_gain(frame: np.ndarray, background: np.ndarray, *, step: int = 4,
                  exclude: np.ndarray | None = None) -> float:
    """Global brightness ratio frame / background: the median over a pixel grid.

    Pixels too dark or too bright in the background (below 16, above 240)
    are left out, and so is ``exclude`` (bool (H, W), e.g. the last
    foreground: a person close to the camera is not a change of light) as
    long as a quarter of the grid remains; the median ignores foreground
    covering less than half of the rest. Returns 1.0 when too few pixels
    are usable.
    """
    # luma is per pixel: take the grid first, convert the few pixels after
    a = gray(every_nth(background, step)).astype(np.float32)
    b = gray(every_nth(frame, step)).astype(np.float32)
    ok = (a > 16) & (a < 240)
    if exclude is not None:
        rest = ok & ~exclude[::step, ::step]
        if np.count_nonzero(rest) >= rest.size // 4:
            ok = rest
    if ok.sum() < 50:
        return 1.0
    gain = float(np.median(b[ok] / a[ok]))
    # a frame with next to no light (a cap, a fade to black) is a change, not
    # something a gain can undo
    return gain if gain >= 1 / 32 else 1.0


def hides_background(frame: np.ndarray, background: np.ndarray, *, hidden: float = 0.3,
                     most: float = 0.5) -> bool:
    """Whether ``frame`` hides most of the background's texture: in at least
    ``most`` of the textured blocks of the background (16 along the longer
    side), the frame's gradient energy is under ``hidden`` of the background's.

    Something at the lens (close, so blurred or plain), a cap, a dark frame
    hide it; lights switched or an IR mode change contrast and colours but
    keep the texture (once the gain is compensated), and a camera turned to
    a new view shows texture of its own.
    """
    def energy(image: np.ndarray) -> np.ndarray:
        g = gray(image)  # at the working size: halving would sharpen a blur
        h, w = g.shape
        cell = max(h, w) / 16
        grid = (max(1, round(w / cell)), max(1, round(h / cell)))
        return cv2.resize(_gradient(g), grid, interpolation=cv2.INTER_AREA)

    bg, fr = energy(background), energy(frame)
    textured = bg > max(4.0, 0.25 * float(np.median(bg)))
    if not textured.any():
        return False
    return bool(np.count_nonzero(fr[textured] < hidden * bg[textured])
                >= most * np.count_nonzero(textured))


def apply_gain(frame: np.ndarray, gain: float) -> np.ndarray:
    """``frame * gain``, rounded and saturated to uint8."""
    return cv2.convertScaleAbs(frame, alpha=gain).reshape(frame.shape)


def shadow_mask(
    frame: np.ndarray, background: np.ndarray, candidates: np.ndarray | None = None, *,
    darker: tuple[float, float] = (0.4, 0.92), chroma: float = 0.1, texture: float = 0.25,
) -> np.ndarray:
    """Cast-shadow pixels: darker than the background by a ratio in ``darker``,
    with the same chromaticity and the same local texture.

    A shadow scales every channel by about the same factor (the ratio of
    brightness), so each channel's ratio stays within ``chroma`` of the
    overall ratio; and it keeps the surface's texture, so the gradient
    magnitude scaled by the ratio differs by less than ``texture`` (relative).
    Only ``candidates`` (bool (H, W), e.g. the foreground) are tested.
    Returns bool (H, W). Gray frames have no chromaticity to tell a shadow
    from a dark object: nothing is called a shadow there.
    """
    h, w = frame.shape[:2]
    out = np.zeros((h, w), np.bool_)
    if frame.shape[2] != 3:
        return out
    if candidates is None:
        candidates = np.ones((h, w), np.bool_)
    x, y, bw, bh = cv2.boundingRect(candidates.view(np.uint8))
    if bw == 0 or bh == 0:
        return out
    # only the candidates' bounding box (plus the 2 pixels the gradient reads) is needed
    x0, y0, x1, y1 = max(0, x - 2), max(0, y - 2), min(w, x + bw + 2), min(h, y + bh + 2)
    box = (slice(y0, y1), slice(x0, x1))
    frame, background, candidates = frame[box], background[box], candidates[box]
    idx = np.flatnonzero(candidates)
    f = frame.reshape(-1, 3)[idx].astype(np.float32)
    f += np.float32(1.0)
    b = background.reshape(-1, 3)[idx].astype(np.float32)
    b += np.float32(1.0)
    ratio = (f[:, 0] + f[:, 1] + f[:, 2]) / (b[:, 0] + b[:, 1] + b[:, 2])
    # each test narrows the pixels the next one looks at
    keep = np.flatnonzero((ratio > darker[0]) & (ratio < darker[1]))
    for ch in range(3):
        if keep.size == 0:
            return out
        keep = keep[np.abs(f[keep, ch] / b[keep, ch] - ratio[keep]) < chroma]
    idx, ratio = idx[keep], ratio[keep]
    if texture < np.inf and idx.size:
        gf = _gradient(gray(frame)).reshape(-1)[idx]
        gb = _gradient(gray(background)).reshape(-1)[idx] * ratio
        idx = idx[np.abs(gf - gb) < texture * (gb + 8.0)]
    found = np.zeros(candidates.shape, np.bool_)
    found.reshape(-1)[idx] = True
    out[box] = found
    return out


def _gradient(image: np.ndarray) -> np.ndarray:
    """Local gradient magnitude (L1 of Sobel, 3x3 mean) of a uint8 image, float32."""
    gx = cv2.Sobel(image, cv2.CV_16S, 1, 0, ksize=3)
    gy = cv2.Sobel(image, cv2.CV_16S, 0, 1, ksize=3)
    mag = cv2.add(cv2.absdiff(gx, 0).astype(np.float32), cv2.absdiff(gy, 0).astype(np.float32))
    return cv2.blur(mag, (3, 3))


def foreground_fraction(mask: np.ndarray) -> float:
    """Fraction of True pixels of a bool mask."""
    return cv2.countNonZero(mask.view(np.uint8)) / mask.size


def majority(mask: np.ndarray, size: int) -> np.ndarray:
    """Median filter of a bool mask over ``size`` x ``size`` (edges replicated), bool.

    On a binary image the median is a majority vote: a box sum compared with
    half the window, the same result as ``cv2.medianBlur`` at a fraction of
    its cost for windows above 5.
    """
    if size <= 1:
        return mask
    counts = cv2.boxFilter(as_u8(mask), -1 if size * size < 256 else cv2.CV_16U,
                           (size, size), normalize=False, borderType=cv2.BORDER_REPLICATE)
    return counts > (size * size) // 2


def clean_mask(mask: np.ndarray, *, median: int = 5, close: int = 3, fill: bool = True,
               min_area: int = 0) -> np.ndarray:
    """Median filter, closing, hole filling and small-blob removal of a bool mask."""
    from spotdiff import mask as masks

    out = mask if mask.dtype == np.bool_ else mask > 0
    if median > 1:
        out = majority(out, median)
    if close > 1:
        out = masks.close_mask(out, close)
    if fill:
        out = masks.fill_holes(out)
    if min_area > 1:
        out = masks.remove_small(out, min_area)
    return out
