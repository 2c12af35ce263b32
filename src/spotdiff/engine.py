"""The comparison pipeline: load -> size/align -> difference map -> mask ->
regions -> :class:`~spotdiff.result.Diff`.

Each stage is a call into its own module; this file only wires them and
records the options used.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

import cv2
import numpy as np

from spotdiff import mask as masks
from spotdiff.decompose import GlobalChange, edge_extent, explain_global
from spotdiff.errors import InputError
from spotdiff.geometry import align_for_compare, apply_size_policy
from spotdiff.geometry.align import Alignment
from spotdiff.geometry.size import one_sided
from spotdiff.identical import identical_answer
from spotdiff.io.alpha import match_channels, opaque_views
from spotdiff.io.display import display_rgb
from spotdiff.io.image import (
    Image,
    ImageLike,
    load_image,
    pixels_with_alpha,
    same_file_contents,
)
from spotdiff.io.image import load_pair as _load_pair
from spotdiff.lighting import compensate_lighting
from spotdiff.metrics import DiffMap, Method, get_method
from spotdiff.noise import estimate_noise
from spotdiff.options import CLEANING, CompareOptions, compare_options, record
from spotdiff.regions import find_regions, find_regions_in_rows
from spotdiff.result import Diff, Regions
from spotdiff.threshold import (
    CHROMA_BLUR,
    LOSSLESS_NOISE,
    NOISY_HALVED_SIDE,
    SHARP_FACTOR,
    Cleaning,
    noise_floor_threshold,
    settings,
)
from spotdiff.windows import WINDOW_CELL, change_windows


def load_pair(
    before: ImageLike, after: ImageLike, *, data_range: float | None
) -> tuple[Image, Image]:
    """Load both inputs: files are decoded in two threads, byte-identical
    files at most once (see :func:`spotdiff.io.image.load_pair`)."""
    return _load_pair(before, after, data_range=data_range)


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
    method: Method, before: np.ndarray, after: np.ndarray, data_range: float,
    method_options: dict[str, Any],
) -> DiffMap:
    """The method's map of one aligned pair (over the opaque views unless the
    method reads alpha itself)."""
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


def _blurred_difference(
    method: Method, pb: np.ndarray, pa: np.ndarray, rng: float, mopts: dict[str, Any],
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
    if CHROMA_BLUR > 0:
        # colour is resolved more coarsely than brightness (spatial CIELAB)
        mopts = {**mopts, "chroma_sigma": CHROMA_BLUR * sigma / (1 if small_image else 2)}
    if small_image:
        # reshape: OpenCV returns a one-channel image without its channel axis
        return _difference(method, cv2.GaussianBlur(pb, (0, 0), sigma).reshape(pb.shape),
                           cv2.GaussianBlur(pa, (0, 0), sigma).reshape(pa.shape),
                           rng, mopts).values
    half = ((w + 1) // 2, (h + 1) // 2)
    rest = float(np.sqrt(sigma * sigma - 0.25)) / 2.0

    def small(px: np.ndarray) -> np.ndarray:
        out = cv2.GaussianBlur(cv2.resize(px, half, interpolation=cv2.INTER_AREA), (0, 0), rest)
        return out.reshape(half[1], half[0], px.shape[2])

    values = _difference(method, small(pb), small(pa), rng, mopts).values
    return cv2.resize(values, (w, h), interpolation=cv2.INTER_LINEAR)


@dataclass
class _Found:
    """What one pass of the difference -> mask -> regions stages found."""

    dmap: DiffMap
    values: np.ndarray
    changed: int
    cleaned: np.ndarray
    excluded: np.ndarray | None
    t: float
    regions: Regions
    #: the median noise floor of a noisy pair (None when not read)
    noise_floor: float | None = None
    #: computes ``values`` when they were left for later (``values`` None)
    deferred_map: Callable[[], np.ndarray] | None = None
    #: whether the pair differs at all (known from :meth:`_Pass.run_changes`)
    differs: bool = True


@dataclass(frozen=True)
class _Pass:
    """The difference -> threshold -> mask -> regions stages with the
    settings of one compare, run on the whole aligned pair or on windows of it.

    ``t`` is the threshold (NaN for Otsu's, found per pass); ``lossless`` and
    ``noisy`` say which branch of the automatic policy applies (both False
    for a given threshold or a method without the noise policy);
    ``one_side`` the pad-count masks (covered by BEFORE only, by one image
    only) or None.
    """

    method: Method
    data_range: float
    method_options: dict[str, Any]
    t: float
    otsu: bool
    clean: Cleaning
    lossless: bool
    noisy: bool
    include_aa: bool
    one_side: tuple[np.ndarray, np.ndarray] | None
    refine: bool
    polygons: bool
    #: line art: where AFTER crossed BEFORE's mid-level (spotdiff.decompose)
    crossed: np.ndarray | None = None
    #: find the regions (run_halved finds them at full size itself)
    regions: bool = True

    def thresholds_only(self, selected: np.ndarray | None) -> bool:
        """The mask is the map above a fixed threshold and nothing more (no
        cleaning, selection or refinement), and the method can find it
        without the map: :meth:`run_changes` applies."""
        c = self.clean
        return (bool(self.method.changes) and np.isfinite(self.t) and not self.otsu
                and not (self.lossless or self.noisy or self.refine) and self.regions
                and selected is None and self.one_side is None and self.crossed is None
                and c.blur == 0 and c.open <= 1 and c.close <= 1 and not c.fill_holes
                and c.min_area <= 1 and c.merge_gap == 0 and c.contrast_area <= 0)

    def run_changes(self, pb: np.ndarray, pa: np.ndarray) -> _Found:
        """:meth:`run` when :meth:`thresholds_only`: the method thresholds as it
        goes (writing the mask and its count per row), the regions are found in
        windows around the changed rows, and the map is left for later."""
        mopts = {**self.method_options, "threshold": self.t}
        changes = self.method.load_changes()(pb, pa, data_range=self.data_range, **mopts)
        regions = find_regions_in_rows(changes.mask, changes.rows, changes.values_at,
                                       component_sums=changes.component_sums,
                                       polygons=self.polygons)
        dmap = DiffMap(values=None, score=changes.score,  # type: ignore[arg-type]
                       excluded=changes.excluded, units=changes.units, counted=changes.counted)
        return _Found(dmap=dmap, values=None, changed=changes.counted,  # type: ignore[arg-type]
                      cleaned=changes.mask, excluded=changes.excluded, t=self.t,
                      regions=regions, deferred_map=changes.diff_map, differs=changes.differs)

    def run(self, pb: np.ndarray, pa: np.ndarray, selected: np.ndarray | None) -> _Found:
        """Difference map, threshold, anti-aliasing, cleaning (and refinement)
        and regions of one aligned pair; ``selected`` marks the compared
        pixels (None: all)."""
        method, rng, clean, one_side = self.method, self.data_range, self.clean, self.one_side
        t = self.t
        mopts = dict(self.method_options)
        if "threshold" in method.compare_options and np.isfinite(t):
            # The pixel method makes `values > t` match pixelmatch's test exactly
            # and tests anti-aliasing only above t.
            mopts.setdefault("threshold", t)
        dmap = _difference(method, pb, pa, rng, mopts)
        values = dmap.values
        raw_values = values
        if clean.blur > 0 and method.blurs_inputs:
            values = _blurred_difference(method, pb, pa, rng, mopts, clean.blur)
        elif clean.blur > 0:
            values = cv2.GaussianBlur(values, (0, 0), clean.blur)

        if self.otsu:
            t = masks.otsu_threshold(values if selected is None else values[selected])
        t_map: float | np.ndarray = t
        noise_floor = None
        if self.noisy:
            t_map, noise_floor = noise_floor_threshold(values, t)
        raw = masks.above(raw_values if values is raw_values else values, t_map)
        excluded = dmap.excluded
        if excluded is None and self.lossless and raw.any():
            # Lossless pair: edges that are anti-aliased differently are not changes.
            from spotdiff.metrics.pixel import antialiased_mask

            excluded = antialiased_mask(pb, pa, raw, data_range=rng)
        if excluded is not None and not self.include_aa:
            raw &= ~excluded
        if one_side is not None:
            raw = (raw & ~one_side[0]) | one_side[1]
        if selected is not None:
            raw &= selected
        changed = int(np.count_nonzero(raw))

        cleaned = raw
        if self.noisy:
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
        if not self.noisy:
            cleaned = masks.open_mask(cleaned, clean.open)
        cleaned = masks.close_mask(cleaned, clean.close)
        if clean.fill_holes:
            cleaned = masks.fill_holes(cleaned)
        cleaned = masks.remove_small(cleaned, clean.min_area)
        if one_side is not None:  # pad-count: what one image alone covers stays a change
            cleaned |= one_side[1]
        if self.crossed is not None:  # line art: a change's part within the edge tolerance
            cleaned = edge_extent(cleaned, self.crossed)
        if selected is not None:
            cleaned &= selected
        if self.refine and cleaned.any():
            from spotdiff.refine import grabcut_refine

            boxes = find_regions(cleaned, raw_values, merge_gap=clean.merge_gap,
                                 polygons=False).xyxy
            rgb_b = display_rgb(Image(pb, rng))
            rgb_a = display_rgb(Image(pa, rng))
            strong = masks.above(raw_values, t_map * 2.0) if np.all(np.isfinite(t_map)) else None
            cleaned = grabcut_refine(rgb_b, rgb_a, cleaned, boxes, strong=strong)
            if selected is not None:
                cleaned &= selected
        regions = find_regions(cleaned, raw_values, merge_gap=clean.merge_gap,
                               polygons=self.polygons) if self.regions else Regions.empty()
        return _Found(dmap=dmap, values=raw_values, changed=changed, cleaned=cleaned,
                      excluded=excluded, t=t, regions=regions, noise_floor=noise_floor)

    def run_halved(self, pb: np.ndarray, pa: np.ndarray, selected: np.ndarray | None
                   ) -> _Found:
        """:meth:`run` on the pair reduced to half size (area averaging) with
        the cleaning sizes halved, its mask and map brought back to full
        size and its regions found there. A noisy pair is compared blurred
        by :data:`~spotdiff.threshold.NOISY_BLUR` pixels or more, which half
        the resolution holds (see :func:`_blurred_difference`)."""
        h, w = pb.shape[:2]
        half = ((w + 1) // 2, (h + 1) // 2)

        def small(px: np.ndarray) -> np.ndarray:
            return cv2.resize(px, half, interpolation=cv2.INTER_AREA).reshape(
                half[1], half[0], px.shape[2])

        c = self.clean
        clean = replace(c, blur=c.blur / 2, open=(c.open + 1) // 2,
                        close=(c.close + 1) // 2 | 1 if c.close > 1 else c.close,
                        min_area=max(1, -(-c.min_area // 4)), merge_gap=(c.merge_gap + 1) // 2)
        sel = None if selected is None else cv2.resize(
            selected.view(np.uint8), half, interpolation=cv2.INTER_NEAREST).view(np.bool_)
        found = replace(self, clean=clean, regions=False).run(small(pb), small(pa), sel)
        values = cv2.resize(found.values, (w, h), interpolation=cv2.INTER_LINEAR)
        cleaned = cv2.resize(found.cleaned.view(np.uint8), (w, h),
                             interpolation=cv2.INTER_NEAREST).view(np.bool_)
        if selected is not None:
            cleaned &= selected
        regions = find_regions(cleaned, values, merge_gap=c.merge_gap, polygons=self.polygons)
        changed = int(round(found.changed * (h * w) / (half[0] * half[1])))
        dmap = DiffMap(values=values, score=found.dmap.score, units=found.dmap.units)
        return _Found(dmap=dmap, values=values, changed=min(changed, h * w), cleaned=cleaned,
                      excluded=None, t=found.t, regions=regions, noise_floor=found.noise_floor)

    def run_windows(self, pb: np.ndarray, pa: np.ndarray, selected: np.ndarray | None,
                    windows: list[tuple[int, int, int, int]]) -> _Found:
        """:meth:`run` on each ``(y0, y1, x0, x1)`` window (nothing differs
        elsewhere), its results pasted into the frame."""
        h, w = pb.shape[:2]
        values = np.zeros((h, w), np.float32)
        cleaned = np.zeros((h, w), np.bool_)
        excluded = None
        changed, total, parts = 0, 0.0, []
        units, t = self.method.units, self.t
        for y0, y1, x0, x1 in windows:
            win = (slice(y0, y1), slice(x0, x1))
            found = self.run(pb[win], pa[win], None if selected is None else selected[win])
            values[win] = found.values
            cleaned[win] = found.cleaned
            if found.excluded is not None:
                if excluded is None:
                    excluded = np.zeros((h, w), np.bool_)
                excluded[win] = found.excluded
            changed += found.changed
            total += float(cv2.sumElems(found.values)[0])
            units, t = found.dmap.units, found.t
            parts.append(found.regions.translate(x0, y0))
        scale = self.method.score_scale or 1.0
        dmap = DiffMap(values=values, score=1.0 - total / (scale * h * w), units=units)
        return _Found(dmap=dmap, values=values, changed=changed, cleaned=cleaned,
                      excluded=excluded, t=t,
                      regions=Regions.concatenate(parts).largest_first())


def compare(
    before: ImageLike,
    after: ImageLike,
    options: CompareOptions | None = None,
    **overrides: Any,
) -> Diff:
    """Compare two images and say what changed.

    Parameters
    ----------
    before, after : path, ndarray or Image
        The reference and the candidate. Arrays are (H, W), (H, W, 3) or
        (H, W, 4) in **RGB(A)** order (``cv2.imread`` gives BGR: convert
        with ``cv2.cvtColor(img, cv2.COLOR_BGR2RGB)`` or pass the path),
        uint8, uint16, or float with ``data_range``.
    options : CompareOptions, optional
        Everything the compare is told (see :class:`spotdiff.CompareOptions`
        for each option: method, threshold, size policy, alignment, ignored
        areas, cleaning, gates).
    **overrides
        Any field of :class:`~spotdiff.CompareOptions` as a keyword
        (``method="ssim"``, ``min_area=20``), applied over ``options``.
        ``compare(a, b, options=CompareOptions(**kw))`` and
        ``compare(a, b, **kw)`` give equal results.

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
    opts = compare_options(options, **overrides)
    m = get_method(opts.method)
    img_b, img_a = load_pair(before, after, data_range=opts.data_range)
    sel = _select(opts, img_b, img_a)
    h, w, selected = sel.height, sel.width, sel.selected
    found_by_stages: dict[str, Any] = dict(
        alignment=sel.alignment, lighting=sel.lighting, after_aligned=sel.after_aligned,
        global_change=sel.global_change)

    def identical() -> Diff:
        return Diff(
            **identical_answer(opts),
            # read-only zero views: nothing to allocate (or clear) for a full frame
            diff_map=np.broadcast_to(np.float32(0), (h, w)),
            mask=np.broadcast_to(np.False_, (h, w)),
            regions=Regions.empty(), before=img_b, after=img_a,
            identical=True, **found_by_stages,
        )

    # a method that finds the mask without the map (see _Pass.run_changes)
    # tells whether the pixels differ on the way: no separate look at them
    changes_may_apply = (bool(m.changes) and m.auto_policy != "noise" and selected is None
                         and sel.one_side is None and sel.crossed is None and not opts.refine)
    if sel.identical(compare_pixels=not changes_may_apply):
        return identical()
    pb, pa = sel.before, sel.after
    assert pb is not None and pa is not None  # decoded: not byte-identical files
    rng = img_b.data_range

    # the automatic threshold policy, or the threshold given
    noise = estimate_noise(pb, pa, rng, selected) if m.auto_policy == "noise" else 0.0
    if selected is not None:
        # What is not compared cannot differ: AFTER takes BEFORE's pixels there,
        # so blurs, noise floors, hysteresis and the heat map never see padding
        # or an ignored area (which may hold anything).
        pa = pa.copy()
        pa[~selected] = pb[~selected]
    if m.auto_policy == "noise" and sel.resampled:
        # an interpolated AFTER or a relit BEFORE is computed, not copied: its
        # pixels are never expected bit-identical, so the pair is not lossless
        noise = max(noise, LOSSLESS_NOISE)
    line_art = sel.global_change is not None and sel.global_change.edge_tolerance > 0
    t, clean = settings(opts, m, noise, (h, w), line_art=line_art)
    # line art within its edge tolerance: what is left is ink or paper, not noise
    noise_policy = opts.auto and m.auto_policy == "noise" and not line_art
    mopts = dict(opts.method_options)
    if "include_aa" in m.compare_options:
        mopts.setdefault("include_aa", opts.include_aa)

    # difference -> mask -> regions, on the whole pair or on windows around its changes
    stage = _Pass(
        method=m, data_range=rng, method_options=mopts, t=t, otsu=opts.threshold == "otsu",
        clean=clean, lossless=noise_policy and noise < LOSSLESS_NOISE,
        noisy=noise_policy and noise >= LOSSLESS_NOISE, include_aa=opts.include_aa,
        one_side=sel.one_side, refine=opts.refine, polygons=opts.polygons,
        crossed=sel.crossed,
    )
    windows = None
    if (stage.lossless and not stage.refine and sel.one_side is None and clean.blur == 0
            and max(clean.open, clean.close, clean.merge_gap) <= WINDOW_CELL // 4):
        windows = change_windows(pb, pa)
    if stage.thresholds_only(selected):
        found = stage.run_changes(pb, pa)
        if not found.differs:
            return identical()
    elif changes_may_apply and sel.identical():  # the look left for the pass, after all
        return identical()
    elif windows is not None:
        found = stage.run_windows(pb, pa, selected, windows)
    elif (stage.noisy and opts.auto and not stage.refine and sel.one_side is None
          and max(h, w) >= NOISY_HALVED_SIDE and min(h, w) >= 64):
        found = stage.run_halved(pb, pa, selected)  # a large noisy pair: at half size
    else:
        found = stage.run(pb, pa, selected)

    # the decision and the record
    fraction = found.changed / sel.compared if sel.compared else 0.0
    different = (len(found.regions) > 0 and found.changed > opts.max_changed_pixels
                 and fraction > opts.max_changed_fraction)
    g = sel.global_change
    if g is not None and g.significant and not g.accepted(opts.allow_shift, opts.allow_lighting):
        different = True  # a global change is a change too, unless the options accept it
    fields: dict[str, Any] = dict(
        different=different,
        changed_pixels=found.changed,
        changed_fraction=fraction,
        score=_score(m, found, sel),
        mask=found.cleaned,
        regions=found.regions,
        method=opts.method,
        threshold=float(found.t),
        units=found.dmap.units,
        options=record(opts, threshold=opts.threshold,
                       cleaning={name: getattr(clean, name) for name in CLEANING}),
        before=img_b,
        after=img_a,
        excluded=found.excluded,
        noise=round(noise, 4) if m.auto_policy == "noise" else None,
        noise_floor=found.noise_floor,
        compared_pixels=sel.compared if selected is not None else None,
        **found_by_stages,
    )
    if found.deferred_map is not None:
        return Diff.with_deferred_map(found.deferred_map, **fields)
    return Diff(diff_map=found.values, **fields)


@dataclass
class _Selection:
    """The pair brought into one frame, and the pixels to compare."""

    before: np.ndarray | None  # None for byte-identical files (never decoded)
    after: np.ndarray | None
    height: int
    width: int
    selected: np.ndarray | None  # bool (H, W) compared pixels; None: all
    compared: int
    one_side: tuple[np.ndarray, np.ndarray] | None  # pad-count's masks
    resampled: bool  # AFTER interpolated or BEFORE relit: never bit-identical
    same_bytes: bool
    alignment: Alignment | None = None
    lighting: dict[str, Any] | None = None
    after_aligned: np.ndarray | None = None
    global_change: GlobalChange | None = None
    crossed: np.ndarray | None = None  # line art (spotdiff.decompose.Explained.crossed)

    def identical(self, *, compare_pixels: bool = True) -> bool:
        """Nothing can differ: the same bytes, or the same pixels everywhere
        compared (looked at only with ``compare_pixels``)."""
        pb, pa = self.before, self.after
        g = self.global_change
        if g is not None and g.significant:  # the global part is the difference
            return False
        return self.same_bytes or (
            compare_pixels and pb is not None and pa is not None and pb.shape == pa.shape
            and self.selected is None and cv2.norm(pb, pa, cv2.NORM_INF) == 0
            and (self.one_side is None or not self.one_side[1].any())  # pad-count: padding
        )


def _select(opts: CompareOptions, img_b: Image, img_a: Image) -> _Selection:
    """The selection stages: channels, the size policy or the alignment, the
    lighting, and the compared pixels (ignored boxes, polygons and masks)."""
    if img_b.data_range != img_a.data_range:
        raise InputError(
            "bit depth",
            expected="two images of the same bit depth / data range",
            got=f"before {img_b.pixels.dtype} (range {img_b.data_range:g}) and after "
            f"{img_a.pixels.dtype} (range {img_a.data_range:g})",
            fix="convert one of them so both have the same depth",
        )
    rng = img_b.data_range
    alignment = lighting = after_aligned = global_change = crossed = None
    pb = pa = None
    unrestricted = opts.unrestricted
    same_bytes = unrestricted and same_file_contents(img_b, img_a)
    resampled = opts.size == "resize"  # a resized AFTER is interpolated too
    if same_bytes:  # byte-identical files: equal without decoding a pixel
        valid = one_side = None
        h, w = img_b.height, img_b.width
    else:
        pixels = _pixels_for(opts, img_b, img_a)
        pb, pa = match_channels(pixels(img_b), pixels(img_a))
        if pb.dtype != pa.dtype:
            pa = pa.astype(pb.dtype)
        # pad-count: pixels only one image covers count as changed (odiff)
        one_side = one_sided(pb, pa) if opts.size == "pad-count" else None
        if opts.align == "none":
            pb, pa, valid = apply_size_policy(pb, pa, opts.size)
            # the global model serves the automatic noise policy; an explicit
            # threshold or another method (pixelmatch counts) compares as given
            if (opts.decompose and not opts.ignore_lighting and opts.auto
                    and get_method(opts.method).auto_policy == "noise"):
                explained = explain_global(pb, pa, data_range=rng, valid=valid)
                if explained is not None:  # a lossy pair, its global part explained away
                    pb, pa, valid = explained.before, explained.after, explained.valid
                    alignment, global_change = explained.alignment, explained.change
                    crossed = explained.crossed
                    resampled = True  # never expected bit-identical (JPEG, relit, warped)
                    if explained.shown is not None:
                        after_aligned = explained.shown
        else:  # AFTER into BEFORE's frame, whatever its size
            pa, shown, valid, alignment = align_for_compare(pb, pa, model=opts.align,
                                                            data_range=rng)
            resampled = alignment.resamples
            if not alignment.is_identity or shown.shape != img_a.pixels.shape:
                after_aligned = shown
        if opts.ignore_lighting:  # BEFORE relit to AFTER's lighting (computed, rounded)
            pb, lighting = compensate_lighting(pb, pa, data_range=rng, valid=valid)
            resampled = True
        h, w = pb.shape[:2]

    # user-given sizes, checked before any work (also for identical inputs):
    # a kernel larger than the image does nothing more but can exhaust memory
    opts.check_size(h, w)
    # the compared pixels: a full-size mask only when something restricts them
    selected = None
    if valid is not None or not unrestricted:
        selected = np.ones((h, w), np.bool_) if valid is None else valid.copy()
    if opts.ignore:
        selected &= ~masks.rectangles_mask((h, w), list(opts.ignore))
    if opts.ignore_polygons:
        selected &= ~masks.polygons_mask((h, w), [np.asarray(p) for p in opts.ignore_polygons])
    if opts.ignore_mask is not None:
        selected &= ~_mask_array(opts.ignore_mask, (h, w), "ignore mask")
    if opts.only_mask is not None:
        selected &= _mask_array(opts.only_mask, (h, w), "only mask")
    compared = h * w if selected is None else int(np.count_nonzero(selected))
    if compared == 0:
        raise InputError("selection", expected="at least one pixel left to compare",
                         got="every pixel ignored or outside the only-mask",
                         fix="check the ignore areas and the only-mask (nonzero = compare)")
    if compared == h * w:
        selected = None
    return _Selection(before=pb, after=pa, height=h, width=w, selected=selected,
                      compared=compared, one_side=one_side, resampled=resampled,
                      same_bytes=same_bytes, alignment=alignment, lighting=lighting,
                      after_aligned=after_aligned, global_change=global_change,
                      crossed=crossed)


def _pixels_for(opts: CompareOptions, img_b: Image, img_a: Image
                ) -> Callable[[Image], np.ndarray]:
    """How to read the pixels: a method that reads alpha itself takes RGBA
    arrays as given, an opaque alpha kept (no copy; the same answers), when
    nothing but the method looks at them (same sizes, no alignment or
    relighting); otherwise with an opaque alpha dropped."""
    if (get_method(opts.method).takes_alpha and opts.align == "none"
            and not opts.ignore_lighting and opts.size != "pad-count"
            and (img_b.height, img_b.width) == (img_a.height, img_a.width)):
        return pixels_with_alpha
    return lambda image: image.pixels


def _score(method: Method, found: _Found, sel: _Selection) -> float:
    """The method's score, over the compared pixels only."""
    score = float(found.dmap.score)
    h, w, selected, compared = sel.height, sel.width, sel.selected, sel.compared
    if selected is not None and compared and method.score_scale is not None:
        # the pixels left out count as equal in the method's mean: take them out
        score = 1.0 - (1.0 - score) * (h * w) / compared
    elif selected is not None and compared and method.local_score:
        # SSIM's windows reach across the edge of the selection: its mean there
        score = 1.0 - float(np.mean(found.values[selected]))
    return score
