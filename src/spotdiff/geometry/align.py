"""Registration: bring AFTER into BEFORE's frame when the camera moved.

Two estimators, cheapest first:

1. *Tiles* (translation only): phase correlation (``cv2.phaseCorrelate``)
   of the whole pair at a reduced scale gives a coarse shift; five
   full-resolution tiles are then correlated at that shift. When most
   tiles agree to within half a pixel, the pair differs by a translation
   (or not at all), at the cost of a few small FFTs.
2. *Features*: ORB keypoints (SIFT when ORB finds too few matches),
   matching with Lowe's ratio test, and a RANSAC fit of the model
   (``cv2.estimateAffinePartial2D``, ``cv2.estimateAffine2D``,
   ``cv2.findHomography`` with MAGSAC++; translation by a one-point RANSAC),
   refined by intensity (``cv2.findTransformECC``) where OpenCV has the
   model: keypoints are found to about a pixel, ECC gets a tenth.

A translation within 0.1 pixel of whole pixels is rounded to them: a
scrolled screenshot then moves exactly, without resampling blur.

``"auto"`` tries the tiles first (an aligned pair costs a few
milliseconds), then fits every model to the same matches and keeps the
simplest one that explains about as many matches, about as closely, as the
homography does.

The transform's matrix maps a point ``(x, y, 1)`` of BEFORE to where the
same scene point lies in AFTER, in pixels with (0, 0) the centre of the
top-left pixel: AFTER shifted right by 7 pixels reads ``[[1, 0, 7], [0, 1,
0], [0, 0, 1]]``. AFTER is resampled on BEFORE's pixel grid with it
(``WARP_INVERSE_MAP``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from spotdiff.errors import InputError

#: Models from the simplest to the most general, then the two policies.
MODELS = ("translation", "similarity", "affine", "homography")
ALIGN_MODELS = ("none", *MODELS, "auto")

#: Fraction of BEFORE that warped AFTER must cover.
MIN_OVERLAP = 0.1
#: Fewest RANSAC inliers, and fewest inliers per match, for a trusted fit.
MIN_INLIERS = 12
MIN_INLIER_RATIO = 0.2
#: RANSAC reprojection threshold, pixels of the working scale.
_RANSAC_PX = 3.0
_FEATURE_SIDE = 1024
_CORRELATION_SIDE = 512
_TILE = 256


@dataclass(frozen=True)
class Alignment:
    """A registration of AFTER onto BEFORE.

    Attributes
    ----------
    model : str
        ``none``, ``translation``, ``similarity``, ``affine`` or ``homography``.
    matrix : ndarray
        float64 (3, 3): a BEFORE point ``(x, y, 1)`` to its place in AFTER.
    inlier_ratio : float
        Matches (or correlated tiles) the model explains, over all of them.
    residual : float
        RMS distance in pixels between where the model puts the inliers and
        where they were found.
    matches : int
        Feature matches (or tiles) the estimate used.
    estimator : str
        ``tiles`` (phase correlation), ``orb``, ``sift`` or ``identity``.
    """

    model: str
    matrix: np.ndarray
    inlier_ratio: float
    residual: float
    matches: int
    estimator: str
    overlap: float = 1.0
    candidates: dict[str, Any] = field(default_factory=dict)

    @property
    def is_identity(self) -> bool:
        return self.model == "none"

    @property
    def resamples(self) -> bool:
        """Whether warping interpolates AFTER (anything but a whole-pixel shift),
        so that no pixel can be expected to come back bit-identical."""
        m = self.matrix
        return not (
            np.allclose(m[:2, :2], np.eye(2)) and np.allclose(m[2], [0.0, 0.0, 1.0])
            and np.allclose(m[:2, 2], np.round(m[:2, 2]))
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: model, 3x3 matrix, inlier ratio, residual, overlap."""
        out: dict[str, Any] = {
            "model": self.model,
            "matrix": [[round(float(v), 8) for v in row] for row in self.matrix],
            "inlier_ratio": round(float(self.inlier_ratio), 4),
            "residual": round(float(self.residual), 4),
            "matches": int(self.matches),
            "estimator": self.estimator,
            "overlap": round(float(self.overlap), 4),
        }
        if self.candidates:
            out["candidates"] = self.candidates
        return out


def _gray(pixels: np.ndarray, data_range: float) -> np.ndarray:
    """uint8 (H, W) luma (alpha dropped) for detection and correlation."""
    p = pixels[:, :, :3] if pixels.shape[2] == 4 else pixels
    if p.dtype != np.uint8:
        p = cv2.convertScaleAbs(p.astype(np.float32), alpha=255.0 / data_range).reshape(p.shape)
    if p.shape[2] == 3:
        return cv2.cvtColor(p, cv2.COLOR_RGB2GRAY)
    return np.ascontiguousarray(p[:, :, 0])


def _scaled(gray: np.ndarray, side: int) -> tuple[np.ndarray, float]:
    f = min(1.0, side / max(gray.shape))
    if f == 1.0:
        return gray, 1.0
    size = (max(1, round(gray.shape[1] * f)), max(1, round(gray.shape[0] * f)))
    return cv2.resize(gray, size, interpolation=cv2.INTER_AREA), f


def _phase(a: np.ndarray, b: np.ndarray) -> tuple[float, float, float]:
    """Shift (dx, dy) of ``b`` against ``a`` (same shape) and the peak response."""
    a32 = a.astype(np.float32)
    b32 = b.astype(np.float32)
    window = cv2.createHanningWindow((a.shape[1], a.shape[0]), cv2.CV_32F)
    (dx, dy), response = cv2.phaseCorrelate(a32, b32, window)
    return float(dx), float(dy), float(response)


def _common_canvas(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    h, w = max(a.shape[0], b.shape[0]), max(a.shape[1], b.shape[1])

    def pad(x: np.ndarray) -> np.ndarray:
        return cv2.copyMakeBorder(x, 0, h - x.shape[0], 0, w - x.shape[1],
                                  cv2.BORDER_CONSTANT, value=0)

    return pad(a), pad(b)


def _tile_translation(gb: np.ndarray, ga: np.ndarray) -> tuple[np.ndarray, int, int, float] | None:
    """Translation by phase correlation, confirmed on five full-resolution tiles.

    Returns (shift, agreeing tiles, tiles tried, RMS spread) or None when
    the tiles do not agree on one shift (rotation, scale, no overlap).
    """
    sb, f = _scaled(gb, _CORRELATION_SIDE)
    sa = cv2.resize(ga, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else ga
    cb, ca = _common_canvas(sb, sa)
    dx, dy, response = _phase(cb, ca)
    if response < 0.03:
        return None
    coarse = np.round(np.array([dx, dy]) / f).astype(int)
    hb, wb = gb.shape
    ha, wa = ga.shape
    # the part of BEFORE that the coarse shift keeps inside AFTER
    left, top = max(0, -coarse[0]), max(0, -coarse[1])
    right, bottom = min(wb, wa - coarse[0]), min(hb, ha - coarse[1])
    t = min(_TILE, (right - left) // 2, (bottom - top) // 2)
    # an even size the DFT does not pad: padded tiles, and odd ones (whose centre
    # phaseCorrelate rounds), come back half a pixel off
    while t > 32 and (cv2.getOptimalDFTSize(t) != t or t % 2):
        t -= 1
    if t < 32:
        return None
    shifts, tried = [], 0
    for fx, fy in ((0.5, 0.5), (0.2, 0.2), (0.8, 0.2), (0.2, 0.8), (0.8, 0.8)):
        x0 = int(np.clip(round(left + fx * (right - left) - t / 2), left, right - t))
        y0 = int(np.clip(round(top + fy * (bottom - top) - t / 2), top, bottom - t))
        ax, ay = x0 + coarse[0], y0 + coarse[1]
        tried += 1
        ddx, ddy, r = _phase(gb[y0:y0 + t, x0:x0 + t], ga[ay:ay + t, ax:ax + t])
        if r > 0.15 and max(abs(ddx), abs(ddy)) < t / 4:
            shifts.append((coarse[0] + ddx, coarse[1] + ddy))
    if len(shifts) < 3:
        return None
    s = np.array(shifts)
    centre = np.median(s, axis=0)
    agree = np.linalg.norm(s - centre, axis=1) <= 0.5
    if agree.sum() < max(3, tried - 1):
        return None
    shift = s[agree].mean(axis=0)
    spread = float(np.sqrt(np.mean(np.sum((s[agree] - shift) ** 2, axis=1))))
    return shift, int(agree.sum()), tried, spread


def _features(gb: np.ndarray, ga: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Matched points (n, 2) in BEFORE and AFTER, full-resolution pixels."""
    sb, fb = _scaled(gb, _FEATURE_SIDE)
    sa, fa = _scaled(ga, _FEATURE_SIDE)
    detector: Any
    if kind == "orb":
        detector = cv2.ORB.create(nfeatures=4000, fastThreshold=10)
    else:
        detector = cv2.SIFT.create(nfeatures=4000)
    kb, db = detector.detectAndCompute(sb, None)
    ka, da = detector.detectAndCompute(sa, None)
    if db is None or da is None or len(kb) < 2 or len(ka) < 2:
        return np.zeros((0, 2)), np.zeros((0, 2))
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING if kind == "orb" else cv2.NORM_L2)
    pairs = matcher.knnMatch(db, da, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    pb = np.array([kb[m.queryIdx].pt for m in good], np.float64).reshape(-1, 2)
    pa = np.array([ka[m.trainIdx].pt for m in good], np.float64).reshape(-1, 2)
    # keypoint coordinates count from the top-left corner of the scaled image
    return (pb + 0.5) / fb - 0.5, (pa + 0.5) / fa - 0.5


def _project(matrix: np.ndarray, points: np.ndarray) -> np.ndarray:
    ph = np.column_stack([points, np.ones(len(points))]) @ matrix.T
    return ph[:, :2] / ph[:, 2:3]


def _fit_translation(pb: np.ndarray, pa: np.ndarray, threshold: float) -> np.ndarray | None:
    """One-point RANSAC: the displacement most matches agree with, then their mean."""
    d = pa - pb
    rng = np.random.default_rng(0)
    hyp = d[rng.choice(len(d), size=min(len(d), 300), replace=False)]
    counts = (np.linalg.norm(d[None, :, :] - hyp[:, None, :], axis=2) < threshold).sum(axis=1)
    best = hyp[int(np.argmax(counts))]
    inliers = np.linalg.norm(d - best, axis=1) < threshold
    t = d[inliers].mean(axis=0)
    return np.array([[1.0, 0.0, t[0]], [0.0, 1.0, t[1]], [0.0, 0.0, 1.0]])


def _fit(model: str, pb: np.ndarray, pa: np.ndarray, threshold: float) -> np.ndarray | None:
    """The model's 3x3 matrix from matches (BEFORE -> AFTER), or None."""
    if model == "translation":
        return _fit_translation(pb, pa, threshold)
    src, dst = pb.astype(np.float32), pa.astype(np.float32)
    if model == "homography":
        matrix, _ = cv2.findHomography(src, dst, cv2.USAC_MAGSAC, threshold, maxIters=5000,
                                       confidence=0.999)
        return None if matrix is None else matrix / matrix[2, 2]
    estimate = cv2.estimateAffinePartial2D if model == "similarity" else cv2.estimateAffine2D
    matrix, _ = estimate(src, dst, method=cv2.RANSAC, ransacReprojThreshold=threshold,
                         maxIters=5000, confidence=0.999, refineIters=20)
    return None if matrix is None else np.vstack([matrix, [0.0, 0.0, 1.0]])


def _score(matrix: np.ndarray, pb: np.ndarray, pa: np.ndarray, threshold: float
           ) -> tuple[int, float]:
    """Inliers within ``threshold`` and their RMS reprojection error."""
    err = np.linalg.norm(_project(matrix, pb) - pa, axis=1)
    inl = err < threshold
    n = int(inl.sum())
    return n, float(np.sqrt(np.mean(err[inl] ** 2))) if n else float("inf")


def _plausible(matrix: np.ndarray, shape_b: tuple[int, int]) -> bool:
    """Orientation kept, scale within 1/8..8, BEFORE's corners stay a convex quad."""
    a = matrix[:2, :2]
    det = float(np.linalg.det(a))
    if not np.isfinite(matrix).all() or det <= 0 or not (1 / 64 < det < 64):
        return False
    h, w = shape_b
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    ph = np.column_stack([corners, np.ones(4)]) @ matrix.T
    if (ph[:, 2] <= 0).any():
        return False
    q = ph[:, :2] / ph[:, 2:3]
    edges = np.roll(q, -1, axis=0) - q
    cross = edges[:, 0] * np.roll(edges, -1, axis=0)[:, 1] - edges[:, 1] * np.roll(edges, -1,
                                                                                    axis=0)[:, 0]
    return bool((cross > 0).all() or (cross < 0).all())


def _no_overlap(got: str) -> InputError:
    return InputError(
        "alignment",
        expected="two views of the same scene that overlap",
        got=got,
        fix="check that BEFORE and AFTER show the same place, or set align to 'none'",
    )


#: The smallest side an image may have for alignment to mean anything.
MIN_ALIGN_SIDE = 16


def estimate_alignment(
    before: np.ndarray, after: np.ndarray, *, model: str = "auto", data_range: float = 255.0
) -> Alignment:
    """Estimate the transform that registers AFTER onto BEFORE.

    Parameters
    ----------
    before, after : ndarray
        (H, W, C) arrays; the sizes may differ.
    model : {"auto", "none", "translation", "similarity", "affine", "homography"}
        The motion model; ``auto`` picks the simplest that explains the pair
        (``none`` when the pair is already aligned).
    data_range : float
        Full intensity.

    Returns
    -------
    Alignment

    Raises
    ------
    InputError
        Unknown model, or images that do not show enough of the same scene
        (too few matches or inliers, an implausible transform, or less than
        ``MIN_OVERLAP`` of BEFORE covered after warping).

    Examples
    --------
    >>> import numpy as np, cv2
    >>> rng = np.random.default_rng(1)
    >>> big = cv2.GaussianBlur(rng.integers(0, 256, (300, 300, 3), np.uint8), (0, 0), 2)
    >>> a, b = big[20:220, 20:220], big[16:216, 27:227]   # AFTER = scene moved by (-7, 4)
    >>> al = estimate_alignment(a, b, model="auto")
    >>> al.model, np.round(al.matrix[:2, 2], 1).tolist()
    ('translation', [-7.0, 4.0])
    """
    small = min(before.shape[0], before.shape[1], after.shape[0], after.shape[1])
    if model != "none" and small < MIN_ALIGN_SIDE:
        raise InputError(
            "alignment", expected=f"images at least {MIN_ALIGN_SIDE} px on each side to align",
            got=f"before {before.shape[1]}x{before.shape[0]} and after "
                f"{after.shape[1]}x{after.shape[0]}",
            fix="compare without alignment (align='none'), with a size policy if the sizes "
                "differ")
    if model not in ALIGN_MODELS:
        raise InputError("align", expected="one of " + ", ".join(ALIGN_MODELS),
                         got=repr(model), fix="set align to one of those")
    shape_b = before.shape[:2]
    same_size = before.shape[:2] == after.shape[:2]
    if model == "none":
        return Alignment("none", np.eye(3), 1.0, 0.0, 0, "identity",
                         _overlap(np.eye(3), shape_b, after.shape[:2]))
    gb, ga = _gray(before, data_range), _gray(after, data_range)

    if model in ("auto", "translation"):
        tiles = _tile_translation(gb, ga)
        if tiles is not None:
            shift, agree, tried, spread = tiles
            matrix = _snapped(np.array([[1.0, 0, shift[0]], [0, 1.0, shift[1]], [0, 0, 1.0]]))
            name = "translation"
            if model == "auto" and same_size and np.abs(shift).max() < 0.25:
                name, matrix = "none", np.eye(3)
            return _checked(Alignment(name, matrix, agree / tried, spread, tried, "tiles"),
                            shape_b, after.shape[:2])

    pb = pa = np.zeros((0, 2))
    estimator = "orb"
    for estimator in ("orb", "sift"):
        pb, pa = _features(gb, ga, estimator)
        if len(pb) >= 4 * MIN_INLIERS:
            break
    n = len(pb)
    if n < MIN_INLIERS:
        if model == "auto" and same_size and _mostly_equal(gb, ga):
            return Alignment("none", np.eye(3), 1.0, 0.0, n, "identity")
        raise _no_overlap(f"{n} feature matches (at least {MIN_INLIERS} needed)")
    scale = max(1.0, max(gb.shape) / _FEATURE_SIDE, max(ga.shape) / _FEATURE_SIDE)
    threshold = _RANSAC_PX * scale
    fits: dict[str, tuple[np.ndarray, int, float]] = {}
    for name in MODELS if model == "auto" else (model,):
        if len(pb) < {"translation": 1, "similarity": 2, "affine": 3}.get(name, 4):
            continue
        fitted = _fit(name, pb, pa, threshold)
        if fitted is not None and _plausible(fitted, shape_b):
            fits[name] = (fitted, *_score(fitted, pb, pa, threshold))
    if not fits:
        raise _no_overlap(f"no plausible {model} transform from {n} feature matches")
    chosen = _choose(fits) if model == "auto" else model
    matrix, inliers, rms = fits[chosen]
    matrix = _refine(gb, ga, chosen, matrix)
    if inliers < MIN_INLIERS or inliers < MIN_INLIER_RATIO * n:
        raise _no_overlap(f"{inliers} of {n} feature matches agree on one {chosen} transform "
                          f"(at least {max(MIN_INLIERS, int(np.ceil(MIN_INLIER_RATIO * n)))} "
                          "needed)")
    if model == "auto" and same_size and _corner_distance(matrix, np.eye(3), shape_b) < 0.25:
        chosen, matrix = "none", np.eye(3)
    if chosen == "translation":
        matrix = _snapped(matrix)
    candidates = {k: {"inliers": v[1], "residual": round(v[2], 4)} for k, v in fits.items()}
    return _checked(Alignment(chosen, matrix, inliers / n, rms, n, estimator,
                              candidates=candidates if model == "auto" else {}),
                    shape_b, after.shape[:2])


def _snapped(matrix: np.ndarray) -> np.ndarray:
    """A translation within 0.1 px of whole pixels, rounded to them."""
    out = matrix.copy()
    t = out[:2, 2]
    near = np.abs(t - np.round(t)) < 0.1
    out[:2, 2] = np.where(near, np.round(t), t)
    return out


_ECC_MOTION = {"translation": cv2.MOTION_TRANSLATION, "affine": cv2.MOTION_AFFINE,
               "homography": cv2.MOTION_HOMOGRAPHY}


def _pixel_scale(f: float) -> np.ndarray:
    """Full-resolution pixel coordinates to those of an image scaled by ``f``."""
    return np.array([[f, 0, 0.5 * f - 0.5], [0, f, 0.5 * f - 0.5], [0, 0, 1.0]])


def _refine(gb: np.ndarray, ga: np.ndarray, model: str, matrix: np.ndarray) -> np.ndarray:
    """Refine a feature estimate by ECC (same model) at up to ``_FEATURE_SIDE``
    pixels; the estimate is kept when ECC fails or wanders off (> 2 px)."""
    motion = _ECC_MOTION.get(model)
    if motion is None:
        return matrix
    f = min(1.0, _FEATURE_SIDE / max(*gb.shape, *ga.shape))
    sb = cv2.resize(gb, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else gb
    sa = cv2.resize(ga, None, fx=f, fy=f, interpolation=cv2.INTER_AREA) if f < 1 else ga
    s, s_inv = _pixel_scale(f), np.linalg.inv(_pixel_scale(f))
    start = s @ matrix @ s_inv
    warp = (start if model == "homography" else start[:2]).astype(np.float32)
    stop = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 50, 1e-4)
    try:
        _, warp = cv2.findTransformECC(sb.astype(np.float32), sa.astype(np.float32), warp,
                                       motion, stop, None, 3)
    except cv2.error:
        return matrix
    refined = warp.astype(np.float64)
    if refined.shape[0] == 2:
        refined = np.vstack([refined, [0.0, 0.0, 1.0]])
    refined = s_inv @ refined @ s
    refined /= refined[2, 2]
    if not _plausible(refined, gb.shape) or _corner_distance(refined, matrix, gb.shape) > 2.0:
        return matrix
    return refined


def _corner_distance(m1: np.ndarray, m2: np.ndarray, shape_b: tuple[int, int]) -> float:
    h, w = shape_b
    corners = np.array([[0, 0], [w - 1, 0], [w - 1, h - 1], [0, h - 1]], np.float64)
    return float(np.abs(_project(m1, corners) - _project(m2, corners)).max())


def _choose(fits: dict[str, tuple[np.ndarray, int, float]]) -> str:
    """The simplest model that keeps 95% of the best inlier count and whose
    residual is within 20% (plus 0.1 px) of the best residual among those."""
    most = max(v[1] for v in fits.values())
    good = {k: v for k, v in fits.items() if v[1] >= 0.95 * most}
    best_rms = min(v[2] for v in good.values())
    for name in MODELS:
        if name in good and good[name][2] <= 1.2 * best_rms + 0.1:
            return name
    return max(good, key=lambda k: good[k][1])


def _mostly_equal(gb: np.ndarray, ga: np.ndarray) -> bool:
    """Half or more of the pixels are exactly equal: a flat, already aligned pair."""
    return cv2.countNonZero(cv2.compare(gb, ga, cv2.CMP_EQ)) >= 0.5 * gb.size


def _overlap(matrix: np.ndarray, shape_b: tuple[int, int], shape_a: tuple[int, int]) -> float:
    return float(np.count_nonzero(coverage(matrix, shape_b, shape_a))) / (shape_b[0] * shape_b[1])


def _checked(al: Alignment, shape_b: tuple[int, int], shape_a: tuple[int, int]) -> Alignment:
    overlap = _overlap(al.matrix, shape_b, shape_a)
    if overlap < MIN_OVERLAP:
        raise _no_overlap(f"AFTER covers {100 * overlap:.1f}% of BEFORE after a {al.model} "
                          f"warp (at least {100 * MIN_OVERLAP:g}% needed)")
    return Alignment(al.model, al.matrix, al.inlier_ratio, al.residual, al.matches,
                     al.estimator, overlap, al.candidates)


def _warp(image: np.ndarray, matrix: np.ndarray, shape_b: tuple[int, int],
          interpolation: int) -> np.ndarray:
    h, w = shape_b
    flags = interpolation | cv2.WARP_INVERSE_MAP
    if np.allclose(matrix[2], [0.0, 0.0, 1.0]):
        return cv2.warpAffine(image, matrix[:2], (w, h), flags=flags,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    return cv2.warpPerspective(image, matrix, (w, h), flags=flags,
                               borderMode=cv2.BORDER_CONSTANT, borderValue=0)


def coverage(matrix: np.ndarray, shape_b: tuple[int, int], shape_a: tuple[int, int]
             ) -> np.ndarray:
    """bool (H, W) in BEFORE's frame: pixels whose resampling reads AFTER only
    (no border pixel enters the interpolation)."""
    ones = np.full(shape_a, 255, np.uint8)
    return _warp(ones, matrix, shape_b, cv2.INTER_LINEAR) == 255


def warp_to_before(after: np.ndarray, alignment: Alignment, shape: tuple[int, int]
                   ) -> tuple[np.ndarray, np.ndarray | None]:
    """AFTER resampled on BEFORE's grid (bilinear) and the covered pixels.

    Returns
    -------
    warped, valid
        ``warped`` (H, W, C) of ``after``'s dtype; ``valid`` bool (H, W), or
        None when every pixel is covered (identity on equal sizes).
    """
    if alignment.is_identity and after.shape[:2] == shape:
        return after, None
    warped = _warp(after, alignment.matrix, shape, cv2.INTER_LINEAR)
    warped = warped.reshape(*shape, after.shape[2])
    covered = coverage(alignment.matrix, shape, after.shape[:2])
    return warped, None if covered.all() else covered


def align_pair(
    before: np.ndarray, after: np.ndarray, *, model: str = "auto", data_range: float = 255.0
) -> tuple[np.ndarray, np.ndarray | None, Alignment]:
    """Register AFTER onto BEFORE and resample it there.

    Returns ``(warped_after, valid, alignment)``; see :func:`estimate_alignment`
    and :func:`warp_to_before`. The result is in BEFORE's frame and size,
    whatever AFTER's size.
    """
    alignment = estimate_alignment(before, after, model=model, data_range=data_range)
    warped, valid = warp_to_before(after, alignment, before.shape[:2])
    return warped, valid, alignment


def check_align_options(model: str, size: str) -> None:
    """Refuse an unknown model, and a size policy together with alignment.

    Alignment decides the frame itself (BEFORE's, whatever AFTER's size), so
    a size policy other than the default ``error`` has nothing to do.
    """
    if model not in ALIGN_MODELS:
        raise InputError("align", expected="one of " + ", ".join(ALIGN_MODELS),
                         got=repr(model), fix="set align to one of those")
    if model != "none" and size != "error":
        raise InputError(
            "size with align",
            expected="no size policy when aligning (alignment warps AFTER into BEFORE's "
            "frame, whatever its size)",
            got=f"size={size!r}, align={model!r}",
            fix="leave size at 'error', or set align to 'none'",
        )


def align_for_compare(
    before: np.ndarray, after: np.ndarray, *, model: str, data_range: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, Alignment]:
    """The alignment stage of the compare pipeline.

    Returns
    -------
    compared, shown, valid, alignment
        ``shown`` is AFTER warped into BEFORE's frame (black where it does
        not reach); ``compared`` is the same with BEFORE's own pixels where
        AFTER does not reach, so that blurring before thresholding does not
        bleed the border into the compared pixels; ``valid`` is the covered
        part (None when all of it).
    """
    shown, valid, alignment = align_pair(before, after, model=model, data_range=data_range)
    if valid is None:
        return shown, shown, None, alignment
    compared = shown.copy()
    compared[~valid] = before[~valid]
    return compared, shown, valid, alignment
