"""Generate before/after pairs with known changes and their true masks."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from spotdiff.errors import require

#: Base photos (scikit-image data; public domain or CC0).
PHOTOS = ("astronaut", "coffee", "chelsea", "rocket")
#: Photos whose pairs go through JPEG (BEFORE at quality 92, AFTER at 85):
#: the set holds lossless and noisy pairs of every kind.
LOSSY = ("coffee", "rocket")
KINDS = (
    "pasted",
    "removed",
    "recolored",
    "tiny",
    "camouflaged",
    "jpeg-only",
    "lighting-only",
    "lighting+change",
    "shift+change",
    "rotation+change",
    # global changes alone: nothing local to report
    "exposure-only",
    "white-balance-only",
    "vignetting-only",
    "gamma-only",
    # a large local change (20-60 % of the frame) under a global one
    "large+global",
    # a fixed camera: sensor noise, auto-exposure, an object arrives, JPEG
    "auto-exposure",
)
#: Kinds whose pairs hold no local change.
UNCHANGED = ("jpeg-only", "lighting-only", "exposure-only", "white-balance-only",
             "vignetting-only", "gamma-only")


@dataclass(frozen=True, eq=False)
class Case:
    """One labelled pair. ``mask`` is in BEFORE's frame; empty = no change."""

    name: str
    kind: str
    before: np.ndarray
    after: np.ndarray
    mask: np.ndarray


def _photo(name: str) -> np.ndarray:
    data = require("skimage.data", feature="the evaluation set", extra="eval")
    return np.ascontiguousarray(getattr(data, name)())


def _blob(
    h: int, w: int, rng: np.random.Generator, size: tuple[int, int]
) -> tuple[np.ndarray, tuple[int, int]]:
    """An irregular filled blob mask of about ``size`` (h, w), and where it goes."""
    bh, bw = size
    m = np.zeros((bh, bw), np.uint8)
    pts = []
    for k in range(9):
        ang = 2 * np.pi * k / 9 + rng.uniform(-0.2, 0.2)
        r = rng.uniform(0.7, 1.0)
        pts.append((bw / 2 + r * (bw / 2 - 2) * np.cos(ang),
                    bh / 2 + r * (bh / 2 - 2) * np.sin(ang)))
    cv2.fillPoly(m, [np.array(pts, np.int32)], 1)
    y = int(rng.integers(bh // 4, h - bh - bh // 4))
    x = int(rng.integers(bw // 4, w - bw - bw // 4))
    return m.astype(bool), (y, x)


def _place(mask: np.ndarray, at: tuple[int, int], shape: tuple[int, int]) -> np.ndarray:
    out = np.zeros(shape, bool)
    y, x = at
    out[y : y + mask.shape[0], x : x + mask.shape[1]] = mask
    return out


def _paste(dst: np.ndarray, src: np.ndarray, full_mask: np.ndarray) -> np.ndarray:
    """Paste ``src`` (same size as dst) where ``full_mask`` is set, feathered 1 px."""
    soft = cv2.GaussianBlur(full_mask.astype(np.float32), (0, 0), 0.8)[..., None]
    out = dst.astype(np.float32) * (1 - soft) + src.astype(np.float32) * soft
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _object_from(other: np.ndarray, shape: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """A full-size image made from a random crop of another photo."""
    h, w = shape
    oh, ow = other.shape[:2]
    y = int(rng.integers(0, max(1, oh - h // 2)))
    x = int(rng.integers(0, max(1, ow - w // 2)))
    crop = other[y : y + h // 2, x : x + w // 2]
    return cv2.resize(crop, (w, h), interpolation=cv2.INTER_LINEAR)


def _jpeg(img: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", img[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    decoded = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    if decoded is None:  # pragma: no cover - OpenCV decodes what it just encoded
        raise RuntimeError("JPEG round trip failed")
    return np.ascontiguousarray(decoded[:, :, ::-1])


def _equal_luma_recolor(img: np.ndarray, mask: np.ndarray, angle: float) -> np.ndarray:
    """Rotate the chroma (Cr, Cb) by ``angle`` degrees inside mask, keep luma."""
    ycc = cv2.cvtColor(img, cv2.COLOR_RGB2YCrCb).astype(np.float32)
    cr, cb = ycc[..., 1] - 128, ycc[..., 2] - 128
    # boost weak chroma so the change is visible on near-gray areas
    mag = np.hypot(cr, cb)
    boost = np.where(mag < 20, 20 / np.maximum(mag, 1e-3), 1.0)
    boost = np.where(mag < 1e-3, 0, boost)
    a = np.deg2rad(angle)
    ncr = (cr * np.cos(a) - cb * np.sin(a)) * boost
    ncb = (cr * np.sin(a) + cb * np.cos(a)) * boost
    ncr = np.where(mag < 1e-3, 25.0, ncr)
    out = ycc.copy()
    out[..., 1] = np.where(mask, ncr + 128, ycc[..., 1])
    out[..., 2] = np.where(mask, ncb + 128, ycc[..., 2])
    rgb = cv2.cvtColor(np.clip(np.rint(out), 0, 255).astype(np.uint8), cv2.COLOR_YCrCb2RGB)
    after = img.copy()
    after[mask] = rgb[mask]
    return after


def _visible(before: np.ndarray, after: np.ndarray, mask: np.ndarray, level: int = 6) -> np.ndarray:
    """The true mask: the intended area where the pixels really changed."""
    diff = np.abs(before.astype(np.int16) - after.astype(np.int16)).max(axis=2) > level
    changed = mask & cv2.dilate(diff.astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool)
    # an object is one thing: keep its outline filled
    from spotdiff.mask import fill_holes

    return fill_holes(cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_CLOSE,
                                       np.ones((5, 5), np.uint8)).astype(bool)) & mask


def _change(kind: str, base: np.ndarray, other: np.ndarray, rng: np.random.Generator):
    """Apply one kind of local change; returns (after, true mask)."""
    h, w = base.shape[:2]
    if kind == "tiny":
        y, x = int(rng.integers(20, h - 28)), int(rng.integers(20, w - 28))
        after = base.copy()
        patch = after[y : y + 8, x : x + 8].astype(np.int16)
        shift = 70 if patch.mean() < 128 else -70
        after[y : y + 8, x : x + 8] = np.clip(patch + shift, 0, 255).astype(np.uint8)
        m = np.zeros((h, w), bool)
        m[y : y + 8, x : x + 8] = True
        return after, m
    size = (int(h * rng.uniform(0.14, 0.22)), int(w * rng.uniform(0.14, 0.22)))
    blob, at = _blob(h, w, rng, size)
    if kind == "removed":
        # remove something: of a few places, the one with the most structure
        gray = cv2.cvtColor(base, cv2.COLOR_RGB2GRAY).astype(np.float32)
        energy = np.abs(cv2.Laplacian(gray, cv2.CV_32F))
        spots = [_blob(h, w, rng, size)[1] for _ in range(12)]
        at = max(spots, key=lambda p: float(
            energy[p[0] : p[0] + size[0], p[1] : p[1] + size[1]].mean()))
    m = _place(blob, at, (h, w))
    if kind == "pasted":
        after = _paste(base, _object_from(other, (h, w), rng), m)
    elif kind == "removed":
        after = cv2.inpaint(base, m.astype(np.uint8), 5, cv2.INPAINT_TELEA)
    elif kind == "recolored":
        after = _equal_luma_recolor(base, m, float(rng.uniform(100, 180)))
    elif kind == "camouflaged":
        # the same photo's own texture from elsewhere, shifted in colour a little
        dy, dx = int(rng.integers(h // 5, h // 3)), int(rng.integers(w // 5, w // 3))
        src = np.roll(base, (dy, dx), axis=(0, 1)).astype(np.int16)
        local = base[m].astype(np.float32).mean(axis=0) - src[m].astype(np.float32).mean(axis=0)
        src = np.clip(src + (0.8 * local).astype(np.int16), 0, 255).astype(np.uint8)
        after = _paste(base, src, m)
    else:  # pragma: no cover - programming error
        raise ValueError(kind)
    return after, _visible(base, after, m)


def _lighting(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    h, w = img.shape[:2]
    if rng.random() < 0.5:
        gain = rng.uniform(0.78, 1.25, 3)
        offset = rng.uniform(-15, 15, 3)
        out: np.ndarray = img.astype(np.float32) * gain + offset
    else:
        ramp = np.linspace(rng.uniform(0.8, 0.9), rng.uniform(1.1, 1.2), w, dtype=np.float32)
        out = img.astype(np.float32) * ramp[None, :, None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _global(kind: str, img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One global change of light: exposure, white balance, vignetting or gamma."""
    h, w = img.shape[:2]
    x = img.astype(np.float32)
    if kind == "exposure":
        gain = rng.uniform(0.75, 0.85) if rng.random() < 0.5 else rng.uniform(1.15, 1.3)
        out = x * gain + rng.uniform(-5, 5)
    elif kind == "white-balance":
        out = x * rng.uniform(0.85, 1.15, 3).astype(np.float32)
    elif kind == "vignetting":
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        r2 = ((xx - w / 2) / (w / 2)) ** 2 + ((yy - h / 2) / (h / 2)) ** 2
        out = x * (1 - rng.uniform(0.2, 0.35) * r2 / 2)[..., None]
    else:  # gamma
        gamma = rng.uniform(0.7, 0.8) if rng.random() < 0.5 else rng.uniform(1.25, 1.4)
        out = 255.0 * (x / 255.0) ** gamma
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def _large_change(base: np.ndarray, other: np.ndarray, rng: np.random.Generator
                  ) -> tuple[np.ndarray, np.ndarray]:
    """Paste a blob covering 20-60 % of the frame; returns (after, true mask)."""
    h, w = base.shape[:2]
    f = rng.uniform(0.55, 0.85)
    bh, bw = int(h * f), int(w * f)
    blob, _ = _blob(2 * bh, 2 * bw, rng, (bh, bw))  # only its shape is used
    y, x = int(rng.integers(0, h - bh + 1)), int(rng.integers(0, w - bw + 1))
    m = _place(blob, (y, x), (h, w))
    after = _paste(base, _object_from(other, (h, w), rng), m)
    return after, _visible(base, after, m)


def _camera(base: np.ndarray, other: np.ndarray, rng: np.random.Generator
            ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Two frames of a fixed camera: sensor noise each, auto-exposure (a gain
    and a gentle tone curve) on the second, an object arriving in it."""
    changed, mask = _change("pasted", base, other, rng)
    noise = rng.normal(0, 2.5, (2, *base.shape)).astype(np.float32)
    first = np.clip(np.rint(base + noise[0]), 0, 255).astype(np.uint8)
    gain = rng.uniform(0.8, 0.9) if rng.random() < 0.5 else rng.uniform(1.1, 1.25)
    gamma = rng.uniform(0.9, 1.1)
    second = 255.0 * np.clip(changed.astype(np.float32) * gain / 255.0, 0, 1) ** gamma
    second = np.clip(np.rint(second + noise[1]), 0, 255).astype(np.uint8)
    return _jpeg(first, 85), _jpeg(second, 85), mask


def _warp(img: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    h, w = img.shape[:2]
    return cv2.warpAffine(img, matrix, (w, h), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def make_pairs(seed: int = 0, photos: tuple[str, ...] = PHOTOS,
               kinds: tuple[str, ...] = KINDS) -> Iterator[Case]:
    """Yield every (photo, kind) case, deterministically for a seed.

    A case depends only on (seed, photo, kind), so a subset of photos or
    kinds yields the same cases as the full set. The photos in
    :data:`LOSSY` go through JPEG (before at quality 92, after at 85), so
    the set has lossless and noisy pairs.
    """
    for name in photos:
        p_index = PHOTOS.index(name)
        base = _photo(name)
        other = _photo(PHOTOS[(p_index + 1) % len(PHOTOS)])
        lossy = name in LOSSY
        for kind in kinds:
            rng = np.random.default_rng([seed, p_index, KINDS.index(kind)])
            empty = np.zeros(base.shape[:2], bool)
            if kind == "jpeg-only":
                before, after, mask = base, _jpeg(base, int(rng.choice([70, 80, 90]))), empty
            elif kind == "lighting-only":
                before, after, mask = base, _lighting(base, rng), empty
            elif kind == "lighting+change":
                changed, mask = _change("pasted", base, other, rng)
                before, after = base, _lighting(changed, rng)
            elif kind.endswith("-only"):
                before, after, mask = base, _global(kind.removesuffix("-only"), base, rng), empty
            elif kind == "large+global":
                changed, mask = _large_change(base, other, rng)
                dx, dy = rng.uniform(0.5, 3, 2) * rng.choice([-1, 1], 2)
                shifted = _warp(changed, np.array([[1, 0, dx], [0, 1, dy]], np.float32))
                before = base
                after = _global(str(rng.choice(["exposure", "white-balance", "gamma"])),
                                shifted, rng)
            elif kind == "auto-exposure":
                before, after, mask = _camera(base, other, rng)
            elif kind in ("shift+change", "rotation+change"):
                changed, mask = _change("pasted", base, other, rng)
                h, w = base.shape[:2]
                if kind == "shift+change":
                    dx, dy = rng.uniform(3, 9, 2) * rng.choice([-1, 1], 2)
                    matrix = np.array([[1, 0, dx], [0, 1, dy]], np.float32)
                else:
                    matrix = cv2.getRotationMatrix2D((w / 2, h / 2), float(rng.uniform(1, 3)
                                                     * rng.choice([-1, 1])), 1.0)
                before, after = base, _warp(changed, matrix)
            else:
                after, mask = _change(kind, base, other, rng)
                before = base
            if lossy and kind != "auto-exposure":  # camera frames are JPEG already
                before, after = _jpeg(before, 92), _jpeg(after, 85)
            yield Case(f"{name}/{kind}", kind, before, after, mask)
