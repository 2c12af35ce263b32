"""The comparison pipeline: load -> size/align -> difference map -> mask ->
regions -> :class:`~spotdiff.result.Diff`.

Each stage is a call into its own module; this file only wires them and
records the options used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from spotdiff import mask as masks
from spotdiff.errors import InputError
from spotdiff.geometry import align_for_compare, apply_size_policy, check_align_options
from spotdiff.geometry.size import one_sided
from spotdiff.io.alpha import match_channels, opaque_views
from spotdiff.io.image import Image, ImageLike, load_image, same_file_contents
from spotdiff.io.image import load_pair as _load_pair
from spotdiff.lighting import compensate_lighting
from spotdiff.metrics import DEFAULT_METHOD, DiffMap, get_method
from spotdiff.noise import LOSSY_FLOOR, estimate_noise
from spotdiff.options import (
    LOSSLESS_THRESHOLD,
    check_gates,
    check_sizes,
    identical_fields,
    is_unrestricted,
    recorded_options,
)
from spotdiff.regions import find_regions
from spotdiff.result import Diff, Regions

Box = tuple[int, int, int, int]

#: Noise sigma (8-bit scale) below which a pair is treated as lossless (a
#: pair that is not reads at least this much, see spotdiff.noise).
LOSSLESS_NOISE = LOSSY_FLOOR
# Lossless pairs: ΔE above LOSSLESS_THRESHOLD (one just-noticeable difference;
# defined in spotdiff.options, which reports it for identical inputs) is a change.

#: Lossless pairs: a group of n changed pixels is visible when its peak ΔE
#: times sqrt(n) exceeds this (a lone pixel needs ΔE > 24, about pixelmatch's
#: default threshold doubled; 16 pixels ΔE > 6; 600 pixels ΔE > 1).
LOSSLESS_CONTRAST_AREA = 24.0
#: Noisy pairs: the threshold rises by this many times the local noise floor.
NOISE_FLOOR_GAIN = 8.0
#: Noisy pairs: a median noise floor above this (ΔE of the blurred images;
#: JPEG at quality 70 leaves at most about 1) is a change of the whole
#: image, not noise, and does not raise the threshold.
GLOBAL_SHIFT = 2.5
#: Noisy pairs: the noise floor is read from the blurred ΔE clipped here
#: (twice the most any codec noise leaves as a broad level).
FLOOR_CLIP = 5.0
#: Noisy pairs: the chroma (a*, b*) channels get a further blur of this many
#: times the blur sigma before the ΔE (see metrics.color's chroma_sigma).
CHROMA_BLUR = 0.75
#: Noisy pairs: Gaussian sigma (pixels) of the blur both images get before
#: the ΔE map (averages codec noise away; objects keep their contrast), and
#: the ΔE threshold before the noise floor is added.
NOISY_BLUR = 2.5
NOISY_BASE_THRESHOLD = 4.0
#: The unblurred map, noisier, must exceed this many times the threshold to
#: shape a noisy pair's regions (see mask.sharpen).
SHARP_FACTOR = 1.0


@dataclass(frozen=True)
class Cleaning:
    """How the thresholded map becomes the mask (all in pixels)."""

    blur: float = 0.0
    open: int = 0
    close: int = 0
    fill_holes: bool = True
    min_area: int = 1
    merge_gap: int = 0
    #: keep a group of n pixels only if its peak value x sqrt(n) exceeds this
    contrast_area: float = 0.0


def load_pair(
    before: ImageLike, after: ImageLike, *, data_range: float | None
) -> tuple[Image, Image]:
    """Load both inputs: files are decoded in two threads, byte-identical
    files at most once (see :func:`spotdiff.io.image.load_pair`)."""
    return _load_pair(before, after, data_range=data_range)


def _check_boxes(boxes: Sequence[Box], width: int, height: int, what: str) -> list[Box]:
    out = []
    for box in boxes:
        try:
            x0, y0, x1, y1 = (int(v) for v in box)
        except (TypeError, ValueError):
            raise InputError(
                what, expected="four integers x0,y0,x1,y1", got=repr(box)
            ) from None
        if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
            raise InputError(
                what,
                expected=f"0 <= x0 < x1 <= {width} and 0 <= y0 < y1 <= {height} "
                "(x1, y1 exclusive, in BEFORE's pixels)",
                got=f"{x0},{y0},{x1},{y1}",
                fix="fix the box so that it lies inside the image",
            )
        out.append((x0, y0, x1, y1))
    return out


def _mask_array(source: Any, shape: tuple[int, int], what: str) -> np.ndarray:
    """A user mask (path or array; nonzero = selected) as bool of ``shape``."""
    image = load_image(source, name=what, data_range=1.0)
    px = image.pixels
    if px.shape[:2] != shape:
        raise InputError(
            what,
            expected=f"a mask of the images' size {shape[1]}x{shape[0]}",
            got=f"{px.shape[1]}x{px.shape[0]}",
            fix="make the mask the same size as the BEFORE image",
        )
    if px.shape[2] == 4:  # a transparent mask selects where it is opaque
        return px[:, :, 3] > 0
    return px.max(axis=2) > 0


def _difference(
    method_name: str, before: np.ndarray, after: np.ndarray, data_range: float,
    method_options: dict[str, Any],
) -> DiffMap:
    method = get_method(method_name)
    fn = method.load()
    if method.takes_alpha:
        return fn(before, after, data_range=data_range, **method_options)
    views = opaque_views(before, after, data_range)
    result = fn(*views[0], data_range=data_range, **method_options)
    for b, a in views[1:]:
        other = fn(b, a, data_range=data_range, **method_options)
        result = DiffMap(
            values=cv2.max(result.values, other.values),
            score=min(result.score, other.score),
            excluded=result.excluded,
            units=result.units,
        )
    return result


def _auto_settings(noise: float, shape: tuple[int, int]) -> tuple[float, Cleaning]:
    """Threshold and cleaning chosen from the pair's own noise level."""
    if noise < LOSSLESS_NOISE:
        # Lossless pair: every visible difference counts; only close the
        # mask so one object comes back as one region.
        return LOSSLESS_THRESHOLD, Cleaning(
            close=3, fill_holes=True, min_area=1, merge_gap=4, contrast_area=LOSSLESS_CONTRAST_AREA
        )
    scale = max(shape) / 1000.0
    return NOISY_BASE_THRESHOLD, Cleaning(
        blur=NOISY_BLUR,
        open=3,
        close=max(5, int(round(7 * scale)) | 1),
        fill_holes=True,
        min_area=max(16, int(60 * scale * scale)),
        merge_gap=max(4, int(round(8 * scale))),
    )


def _blurred_difference(
    method: str, pb: np.ndarray, pa: np.ndarray, rng: float, mopts: dict[str, Any],
    sigma: float,
) -> np.ndarray:
    """The difference map of both images blurred by ``sigma`` (pixels).

    A blur of two pixels or more leaves nothing that half the resolution
    cannot hold, so the images are halved first (area averaging, itself a
    blur of half a pixel), blurred by the rest and compared there, and the map
    is brought back to full size: a quarter of the colour conversions.
    """
    h, w = pb.shape[:2]
    small_image = sigma < 2.0 or min(h, w) < 64
    if method == "color" and CHROMA_BLUR > 0:
        # colour is resolved more coarsely than brightness (spatial CIELAB)
        mopts = {**mopts, "chroma_sigma": CHROMA_BLUR * sigma / (1 if small_image else 2)}
    if small_image:
        return _difference(method, cv2.GaussianBlur(pb, (0, 0), sigma),
                           cv2.GaussianBlur(pa, (0, 0), sigma), rng, mopts).values
    half = ((w + 1) // 2, (h + 1) // 2)
    rest = float(np.sqrt(sigma * sigma - 0.25)) / 2.0

    def small(px: np.ndarray) -> np.ndarray:
        out = cv2.GaussianBlur(cv2.resize(px, half, interpolation=cv2.INTER_AREA), (0, 0), rest)
        return out.reshape(half[1], half[0], px.shape[2])

    values = _difference(method, small(pb), small(pa), rng, mopts).values
    return cv2.resize(values, (w, h), interpolation=cv2.INTER_LINEAR)


@dataclass
class _Found:
    """What one pass of the difference -> mask stages found (on a crop or all)."""

    dmap: DiffMap
    values: np.ndarray
    changed: int
    cleaned: np.ndarray
    excluded: np.ndarray | None
    t: float


def _find_changes(
    pb: np.ndarray, pa: np.ndarray, selected: np.ndarray | None, *, method: str,
    rng: float, mopts: dict[str, Any], t: float, clean: Cleaning, threshold: Any, auto: bool,
    noise: float, include_aa: bool, one_side: Any, refine: bool, info: dict[str, Any],
) -> _Found:
    """Difference map, threshold, anti-aliasing, cleaning (and refinement) of
    one aligned pair; ``selected`` marks the compared pixels (None: all)."""
    mopts = dict(mopts)
    if method == "pixel" and np.isfinite(t):
        # The pixel method makes `values > t` match pixelmatch's test exactly
        # and tests anti-aliasing only above t.
        mopts.setdefault("threshold", t)
    dmap = _difference(method, pb, pa, rng, mopts)
    values = dmap.values
    raw_values = values
    if clean.blur > 0 and method == "color":
        values = _blurred_difference(method, pb, pa, rng, mopts, clean.blur)
    elif clean.blur > 0:
        values = cv2.GaussianBlur(values, (0, 0), clean.blur)

    if threshold == "otsu":
        t = masks.otsu_threshold(values if selected is None else values[selected])
    noisy_auto = auto and method == "color" and noise >= LOSSLESS_NOISE
    t_map: float | np.ndarray = t
    if noisy_auto:
        # raise the threshold where noise alone differs more (a JPEG's
        # saturated colours) than elsewhere
        # values beyond any codec noise are changes: clipped, so that a large
        # change cannot raise the floor (and the threshold) over itself
        floor = masks.noise_floor(np.minimum(values, np.float32(FLOOR_CLIP)))
        level = float(np.median(floor[::8, ::8]))  # the floor is smooth: a sample will do
        info["noise_floor"] = round(level, 4)
        if level <= GLOBAL_SHIFT:
            t_map = floor * np.float32(NOISE_FLOOR_GAIN) + np.float32(t)
        # else: a broad shift over most of the image (light, white balance),
        # far beyond what codec noise leaves: a change, not a noise level
    raw = masks.above(raw_values if values is raw_values else values, t_map)
    excluded = dmap.excluded
    if excluded is None and auto and method == "color" and noise < LOSSLESS_NOISE and raw.any():
        # Lossless pair: edges that are anti-aliased differently are not changes.
        from spotdiff.metrics.pixel import antialiased_mask

        excluded = antialiased_mask(pb, pa, raw, data_range=rng)
    if excluded is not None and not include_aa:
        raw &= ~excluded
    if one_side is not None:
        raw = (raw & ~one_side[0]) | one_side[1]
    if selected is not None:
        raw &= selected
    changed = int(np.count_nonzero(raw))

    cleaned = raw
    if noisy_auto:
        half = t_map * 0.5
        cleaned = masks.hysteresis(values, half, t_map)
        cleaned = masks.open_mask(cleaned, clean.open)
        cleaned = masks.sharpen(
            cleaned, masks.above(raw_values, t_map * SHARP_FACTOR), close=clean.close
        )
        if selected is not None:
            cleaned &= selected
    if clean.contrast_area > 0:
        cleaned = masks.drop_faint_specks(
            cleaned, raw_values, contrast_area=clean.contrast_area, merge_gap=clean.merge_gap
        )
    if not noisy_auto:
        cleaned = masks.open_mask(cleaned, clean.open)
    cleaned = masks.close_mask(cleaned, clean.close)
    if clean.fill_holes:
        cleaned = masks.fill_holes(cleaned)
    cleaned = masks.remove_small(cleaned, clean.min_area)
    if one_side is not None:  # pad-count: what one image alone covers stays a change
        cleaned |= one_side[1]
    if selected is not None:
        cleaned &= selected
    if refine and cleaned.any():
        from spotdiff.refine import grabcut_refine
        from spotdiff.render.annotators import display_rgb

        boxes = find_regions(cleaned, raw_values, merge_gap=clean.merge_gap,
                             polygons=False).xyxy
        rgb_b = display_rgb(Image(pb, rng))
        rgb_a = display_rgb(Image(pa, rng))
        strong = masks.above(raw_values, t_map * 2.0) if np.all(np.isfinite(t_map)) else None
        cleaned = grabcut_refine(rgb_b, rgb_a, cleaned, boxes, strong=strong)
        if selected is not None:
            cleaned &= selected
    return _Found(dmap=dmap, values=raw_values, changed=changed, cleaned=cleaned,
                  excluded=excluded, t=t)


#: Lossless pairs are processed in windows around the changes (cells of this
#: many pixels, one cell of margin: far beyond the reach of the lossless
#: cleaning and of the anti-aliasing test) when they cover little of the image.
_WINDOW_CELL = 16
_WINDOW_MIN_PIXELS = 250_000
_WINDOW_MAX_SHARE = 0.5


#: Methods whose score is 1 - the mean of their map over all pixels, so that
#: it can be restated over the compared pixels only.
_MEAN_SCORES = frozenset({"color", "absdiff", "pixel"})


def _differing_cells(pb: np.ndarray, pa: np.ndarray, cell: int) -> np.ndarray:
    """uint8 (ceil(H / cell), ceil(W / cell)): cell (i, j) is nonzero when a
    sample of [cell*i, cell*i + cell) x [cell*j, cell*j + cell) differs.

    Rows of cells first (a max over groups of image rows, which reads the
    difference once and in order), then their columns on the much smaller
    result: 2.5x faster than the per-pixel channel maximum and a cell-sized
    dilation of the whole image.
    """
    diff = cv2.absdiff(pb, pa)
    h, w = diff.shape[:2]
    flat = diff.reshape(h, -1)
    full, groups = h // cell, -(-h // cell)
    rows = np.empty((groups, flat.shape[1]), diff.dtype)
    np.max(flat[: full * cell].reshape(full, cell, -1), axis=1, out=rows[:full])
    if full < groups:
        rows[full] = flat[full * cell :].max(axis=0)
    span = flat.shape[1] // w * cell  # samples of one cell along a row
    if rows.dtype != np.uint8:
        rows = (rows > 0).view(np.uint8)
    return cv2.dilate(rows, np.ones((1, span), np.uint8), anchor=(0, 0))[:, ::span]


def _change_windows(pb: np.ndarray, pa: np.ndarray) -> list[tuple[int, int, int, int]] | None:
    """``(y0, y1, x0, x1)`` windows that hold every differing pixel with a
    margin of at least one cell, far enough apart not to interact; None when
    windows would not save work (small image, changes all over)."""
    h, w = pb.shape[:2]
    if h * w < _WINDOW_MIN_PIXELS:
        return None
    c = _WINDOW_CELL
    cells = _differing_cells(pb, pa, c)
    cells = cv2.dilate(cv2.compare(cells, 0, cv2.CMP_GT), np.ones((3, 3), np.uint8))
    n, _, stats, _ = cv2.connectedComponentsWithStats(cells, connectivity=8)
    boxes = [[int(y) * c, min(h, int(y + hh) * c), int(x) * c, min(w, int(x + ww) * c)]
             for x, y, ww, hh in stats[1:, :4]]
    merged = True
    while merged:  # boxes that overlap become one window
        merged = False
        for a in range(len(boxes)):
            for b in range(a + 1, len(boxes)):
                p, q = boxes[a], boxes[b]
                if p[0] < q[1] and q[0] < p[1] and p[2] < q[3] and q[2] < p[3]:
                    boxes[a] = [min(p[0], q[0]), max(p[1], q[1]), min(p[2], q[2]),
                                max(p[3], q[3])]
                    del boxes[b]
                    merged = True
                    break
            if merged:
                break
    if sum((y1 - y0) * (x1 - x0) for y0, y1, x0, x1 in boxes) > _WINDOW_MAX_SHARE * h * w:
        return None
    return [(y0, y1, x0, x1) for y0, y1, x0, x1 in boxes]


def _offset_regions(parts: list[tuple[Regions, int, int]]) -> Regions:
    """Regions found in windows, moved to the full frame, largest first."""
    parts = [(r, x, y) for r, x, y in parts if len(r)]
    if not parts:
        return Regions.empty()
    shift = [np.array([x, y, x, y], np.int64) for _, x, y in parts]
    merged = Regions(
        xyxy=np.concatenate([r.xyxy + s for (r, _, _), s in zip(parts, shift, strict=True)]),
        area=np.concatenate([r.area for r, _, _ in parts]),
        centroid=np.concatenate([r.centroid + np.array([x, y], np.float64) for r, x, y in parts]),
        strength=np.concatenate([r.strength for r, _, _ in parts]),
        peak=np.concatenate([r.peak for r, _, _ in parts]),
        polygons=[[poly + np.array([x, y], np.int32) for poly in polys]
                  for r, x, y in parts for polys in r.polygons],
    )
    return merged[np.argsort(-merged.area, kind="stable")]


def compare(
    before: ImageLike,
    after: ImageLike,
    *,
    method: str = DEFAULT_METHOD,
    threshold: float | str | None = "auto",
    data_range: float | None = None,
    size: str = "error",
    align: str = "none",
    ignore_lighting: bool = False,
    refine: bool = False,
    ignore: Sequence[Box] = (),
    ignore_polygons: Sequence[np.ndarray] = (),
    ignore_mask: Any = None,
    only_mask: Any = None,
    blur: float | None = None,
    open: int | None = None,
    close: int | None = None,
    fill_holes: bool | None = None,
    min_area: int | None = None,
    merge_gap: int | None = None,
    max_changed_pixels: int = 0,
    max_changed_fraction: float = 0.0,
    include_aa: bool = False,
    method_options: dict[str, Any] | None = None,
    polygons: bool = True,
) -> Diff:
    """Compare two images and say what changed.

    Parameters
    ----------
    before, after : path, ndarray or Image
        The reference and the candidate. Arrays are (H, W), (H, W, 3) or
        (H, W, 4) in **RGB(A)** order (``cv2.imread`` gives BGR: convert
        with ``cv2.cvtColor(img, cv2.COLOR_BGR2RGB)`` or pass the path),
        uint8, uint16, or float with ``data_range``.
    method : {"color", "absdiff", "pixel", "ssim", "msssim"}
        The difference method (see :mod:`spotdiff.metrics`).
    threshold : float, "auto" or "otsu"
        Threshold on the difference map in the method's units. ``"auto"``
        uses the method's default; for ``color`` it reads the pair's noise
        level (lossless pairs: ΔE > 1; noisy pairs: blurred, higher).
    data_range : float, optional
        Full intensity for float arrays.
    size : {"error", "pad", "pad-count", "crop", "resize"}
        What to do when the sizes differ (without ``align``); ``pad-count``
        pads and counts the pixels only one image covers as changed
        (odiff's rule).
    align : {"none", "translation", "similarity", "affine", "homography", "auto"}
        Register AFTER onto BEFORE first (see :mod:`spotdiff.geometry.align`):
        the result is in BEFORE's frame whatever AFTER's size (``size`` must
        stay ``"error"``), pixels AFTER does not cover are not compared, and
        ``info["alignment"]`` records the transform.
    ignore_lighting : bool
        Explain away a smooth change of light (gain and offset per channel,
        ramps, vignetting) before comparing (see :mod:`spotdiff.lighting`);
        ``info["lighting"]`` records the estimate.
    refine : bool
        Refine each region's outline with GrabCut seeded by the difference
        (see :mod:`spotdiff.refine`); slower, for objects whose colours are
        close to the background's.
    ignore : sequence of (x0, y0, x1, y1)
        Boxes (exclusive max) never reported as changed.
    ignore_polygons : sequence of (k, 2) arrays
        Polygons never reported as changed.
    ignore_mask, only_mask : path or ndarray, optional
        Nonzero pixels are ignored / the only ones compared.
    blur, open, close, fill_holes, min_area, merge_gap
        Cleaning of the mask; ``None`` means the method's (or auto) default.
    max_changed_pixels, max_changed_fraction
        The pair counts as different only above both gates.
    include_aa : bool
        Count anti-aliased pixels as changes (``pixel`` and ``color``).
    method_options : dict, optional
        Extra keyword arguments for the method function.
    polygons : bool
        Trace region contours.

    Returns
    -------
    Diff

    Examples
    --------
    >>> import numpy as np, spotdiff
    >>> a = np.zeros((64, 64, 3), np.uint8); b = a.copy(); b[10:20, 30:40] = (255, 0, 0)
    >>> d = spotdiff.compare(a, b)
    >>> d.different, d.changed_pixels, d.regions.xyxy.tolist()
    (True, 100, [[30, 10, 40, 20]])
    """
    m = get_method(method)
    gate_px, gate_frac = check_gates(max_changed_pixels, max_changed_fraction)
    check_align_options(align, size)
    stage_info: dict[str, Any] = {}
    img_b, img_a = load_pair(before, after, data_range=data_range)
    if img_b.data_range != img_a.data_range:
        raise InputError(
            "bit depth",
            expected="two images of the same bit depth / data range",
            got=f"before {img_b.pixels.dtype} (range {img_b.data_range:g}) and after "
            f"{img_a.pixels.dtype} (range {img_a.data_range:g})",
            fix="convert one of them so both have the same depth",
        )
    rng = img_b.data_range
    unrestricted = is_unrestricted(ignore, ignore_polygons, ignore_mask, only_mask)
    same_bytes = unrestricted and same_file_contents(img_b, img_a)
    resampled = size == "resize"  # a resized AFTER is interpolated too
    if same_bytes:  # byte-identical files: equal without decoding a pixel
        valid = one_side = None
        h, w = img_b.height, img_b.width
    else:
        pb, pa = match_channels(img_b.pixels, img_a.pixels)
        if pb.dtype != pa.dtype:
            pa = pa.astype(pb.dtype)
        # pad-count: pixels only one image covers count as changed (odiff)
        one_side = one_sided(pb, pa) if size == "pad-count" else None
        if align == "none":
            pb, pa, valid = apply_size_policy(pb, pa, size)
        else:  # AFTER into BEFORE's frame, whatever its size
            pa, shown, valid, alignment = align_for_compare(pb, pa, model=align, data_range=rng)
            stage_info["alignment"] = alignment.to_dict()
            resampled = alignment.resamples
            if not alignment.is_identity or shown.shape != img_a.pixels.shape:
                stage_info["_after_pixels"] = shown
        if ignore_lighting:  # BEFORE relit to AFTER's lighting (computed, rounded)
            pb, stage_info["lighting"] = compensate_lighting(pb, pa, data_range=rng, valid=valid)
            resampled = True
        h, w = pb.shape[:2]

    # user-given sizes, checked before any work (also for identical inputs):
    # a kernel larger than the image does nothing more but can exhaust memory
    blur, open, close, merge_gap, min_area, threshold = check_sizes(
        h, w, blur=blur, open=open, close=close, merge_gap=merge_gap, min_area=min_area,
        threshold=threshold)
    boxes = _check_boxes(ignore, w, h, "ignore box")
    # the compared pixels: a full-size mask only when something restricts them
    selected = None
    if valid is not None or not unrestricted:
        selected = np.ones((h, w), np.bool_) if valid is None else valid.copy()
    if boxes:
        selected &= ~masks.rectangles_mask((h, w), boxes)
    if len(ignore_polygons):
        for poly in ignore_polygons:
            arr = np.asarray(poly)
            if arr.ndim != 2 or arr.shape[1] != 2 or len(arr) < 3:
                raise InputError("ignore polygon", expected="at least 3 x,y points",
                                 got=f"shape {arr.shape}")
            if arr.dtype.kind not in "iuf" or not np.isfinite(arr).all():
                raise InputError("ignore polygon", expected="finite numeric x,y points",
                                 got=str(arr.tolist()), fix="pass pixel coordinates")
            if (arr < 0).any() or (arr[:, 0] > w).any() or (arr[:, 1] > h).any():
                raise InputError("ignore polygon", expected=f"points inside {w}x{h}",
                                 got=arr.tolist(), fix="clip the polygon to the image")
        selected &= ~masks.polygons_mask((h, w), list(ignore_polygons))
    if ignore_mask is not None:
        selected &= ~_mask_array(ignore_mask, (h, w), "ignore mask")
    if only_mask is not None:
        selected &= _mask_array(only_mask, (h, w), "only mask")
    compared = h * w if selected is None else int(np.count_nonzero(selected))
    if compared == 0:
        raise InputError("selection", expected="at least one pixel left to compare",
                         got="every pixel ignored or outside the only-mask",
                         fix="check the ignore areas and the only-mask (nonzero = compare)")
    if compared == h * w:
        selected = None

    options = recorded_options(
        method=method, size=size, align=align, ignore_lighting=ignore_lighting, refine=refine,
        boxes=boxes, ignore_polygons=len(ignore_polygons),
        ignore_mask=None if ignore_mask is None or isinstance(ignore_mask, np.ndarray)
        else str(ignore_mask),
        only_mask=None if only_mask is None or isinstance(only_mask, np.ndarray)
        else str(only_mask),
        max_changed_pixels=gate_px, max_changed_fraction=gate_frac, include_aa=include_aa,
        method_options=method_options,
    )
    info: dict[str, Any] = dict(stage_info)

    identical = same_bytes or (
        pb.shape == pa.shape and selected is None and cv2.norm(pb, pa, cv2.NORM_INF) == 0
        and (one_side is None or not one_side[1].any())  # pad-count: padding differs
    )
    if identical:
        return Diff(
            **identical_fields(method, threshold, options),
            # read-only zero views: nothing to allocate (or clear) for a full frame
            diff_map=np.broadcast_to(np.float32(0), (h, w)),
            mask=np.broadcast_to(np.False_, (h, w)),
            regions=Regions.empty(), before=img_b, after=img_a,
            info={"identical": True, **stage_info},
        )

    noise = estimate_noise(pb, pa, rng, selected) if method == "color" else 0.0
    if selected is not None:
        # What is not compared cannot differ: AFTER takes BEFORE's pixels there,
        # so blurs, noise floors, hysteresis and the heat map never see padding
        # or an ignored area (which may hold anything).
        pa = pa.copy()
        pa[~selected] = pb[~selected]
    mopts = dict(method_options or {})
    if method == "pixel":
        mopts.setdefault("include_aa", include_aa)
    if method == "color" and resampled:
        # an interpolated AFTER or a relit BEFORE is computed, not copied: its
        # pixels are never expected bit-identical, so the pair is not lossless
        noise = max(noise, LOSSLESS_NOISE)
    auto = threshold in (None, "auto")
    if auto and method == "color":
        t, clean = _auto_settings(noise, (h, w))
    else:
        clean = Cleaning(close=0, fill_holes=False, min_area=1, merge_gap=0)
        t = float(m.default_threshold)
    if threshold == "otsu":
        t = float("nan")
    elif not auto:
        t = float(threshold)  # type: ignore[arg-type]  # a number: checked above
    clean = replace(
        clean,
        blur=clean.blur if blur is None else blur,
        open=clean.open if open is None else open,
        close=clean.close if close is None else close,
        fill_holes=clean.fill_holes if fill_holes is None else bool(fill_holes),
        min_area=clean.min_area if min_area is None else min_area,
        merge_gap=clean.merge_gap if merge_gap is None else merge_gap,
    )

    find: dict[str, Any] = dict(
        method=method, rng=rng, mopts=mopts, t=t, clean=clean,
        threshold=threshold, auto=auto, noise=noise, include_aa=include_aa,
        one_side=one_side, refine=refine, info=info,
    )
    windows = None
    if (auto and method == "color" and noise < LOSSLESS_NOISE and not refine
            and one_side is None and clean.blur == 0
            and max(clean.open, clean.close, clean.merge_gap) <= _WINDOW_CELL // 4):
        windows = _change_windows(pb, pa)
    if windows is None:
        found = _find_changes(pb, pa, selected, **find)
        dmap, raw_values, changed = found.dmap, found.values, found.changed
        cleaned, excluded, t = found.cleaned, found.excluded, found.t
        regions = find_regions(cleaned, raw_values, merge_gap=clean.merge_gap, polygons=polygons)
    else:
        # lossless pair, changes in a small part of the image: the same stages
        # on each window around them (nothing differs elsewhere)
        raw_values = np.zeros((h, w), np.float32)
        cleaned = np.zeros((h, w), np.bool_)
        excluded = None
        changed, total, parts = 0, 0.0, []
        units = m.units
        for y0, y1, x0, x1 in windows:
            win = (slice(y0, y1), slice(x0, x1))
            found = _find_changes(pb[win], pa[win], None if selected is None else selected[win],
                                  **find)
            raw_values[win] = found.values
            cleaned[win] = found.cleaned
            if found.excluded is not None:
                if excluded is None:
                    excluded = np.zeros((h, w), np.bool_)
                excluded[win] = found.excluded
            changed += found.changed
            total += float(cv2.sumElems(found.values)[0])
            units = found.dmap.units
            parts.append((find_regions(found.cleaned, found.values, merge_gap=clean.merge_gap,
                                       polygons=polygons), x0, y0))
        regions = _offset_regions(parts)
        dmap = DiffMap(values=raw_values, score=1.0 - total / (100.0 * h * w), units=units)

    score = float(dmap.score)
    if selected is not None and compared and method in _MEAN_SCORES:
        # the pixels left out count as equal in the method's mean: take them out
        score = 1.0 - (1.0 - score) * (h * w) / compared
    elif selected is not None and compared and method == "ssim":
        # SSIM's windows reach across the edge of the selection: its mean there
        score = 1.0 - float(np.mean(raw_values[selected]))
    fraction = changed / compared if compared else 0.0
    different = len(regions) > 0 and changed > gate_px and fraction > gate_frac
    options.update(
        threshold=threshold if isinstance(threshold, str) or threshold is None else t,
        blur=clean.blur, open=clean.open, close=clean.close, fill_holes=clean.fill_holes,
        min_area=clean.min_area, merge_gap=clean.merge_gap,
    )
    if method == "color":
        info["noise"] = round(noise, 4)
    if selected is not None:
        info["compared_pixels"] = compared
    return Diff(
        different=different,
        changed_pixels=changed,
        changed_fraction=fraction,
        score=score,
        diff_map=raw_values,
        mask=cleaned,
        regions=regions,
        method=method,
        threshold=float(t),
        units=dmap.units,
        options=options,
        before=img_b,
        after=img_a,
        excluded=excluded,
        info=info,
    )
