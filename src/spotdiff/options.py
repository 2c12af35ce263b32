"""The options of a compare: one frozen, validated value, and its record.

:class:`CompareOptions` is built once by each front end (the library's
keywords, the command line, a config file, a test fixture) and passed down
the pipeline; it checks every value when it is made, with messages that name
the option. What depends on the images (a kernel larger than the image, a box
outside it) is checked by :meth:`CompareOptions.check_size` once the size is
known. :meth:`CompareOptions.to_dict` is the ``options`` record of a result's
JSON.

Nothing here imports numpy: the command line builds the options, and answers
byte-identical files from them, before numpy and OpenCV are loaded.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

from spotdiff.errors import InputError
from spotdiff.metrics import DEFAULT_METHOD, get_method

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any

Box = tuple[int, int, int, int]
Point = tuple[float, float]

#: Lossless pairs: ΔE above this (one just-noticeable difference) is a
#: change; the automatic threshold of the ``color`` method on them.
LOSSLESS_THRESHOLD = 1.0
#: Size policies: what to do when the sizes differ (see spotdiff.geometry.size).
SIZE_POLICIES = ("error", "pad", "pad-count", "crop", "resize")
#: Registration models (see spotdiff.geometry.align).
ALIGN_MODELS = ("none", "translation", "similarity", "affine", "homography", "auto")
#: The pixel method's arithmetic and anti-aliasing rules, and its backgrounds
#: for semi-transparent pixels.
PIXEL_VARIANTS = ("pixelmatch", "odiff")
ALPHA_BLENDS = ("checkerboard", "white")
#: Profiles: the global changes a kind of pair accepts (see CompareOptions.profile).
PROFILES: dict[str, dict[str, Any]] = {
    # lossless captures: no global model, every differing pixel counts
    "screenshot": {"decompose": False},
    # the same scene photographed twice: light and a small reframing accepted
    "photo": {"allow_shift": 8.0, "allow_lighting": True},
    # a fixed camera: auto-exposure and a pixel or two of jitter accepted
    "camera": {"allow_shift": 2.0, "allow_lighting": True},
    # a scan against its golden template: registration to a pixel and the
    # scanner's exposure accepted
    "scan": {"allow_shift": 1.0, "allow_lighting": True},
}
#: The cleaning options a result records after the threshold (resolved when automatic).
CLEANING = ("blur", "open", "close", "fill_holes", "min_area", "merge_gap")


def check_number(name: str, value: Any, *, low: float, high: float | None = None) -> float:
    """``value`` as a float within [low, high], or an :class:`InputError` naming ``name``."""
    if isinstance(value, bool):
        raise InputError(name, expected="a number", got=repr(value))
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(name, expected="a number", got=repr(value)) from None
    if not math.isfinite(v) or v < low or (high is not None and v > high):
        rng = f">= {low:g}" if high is None else f"between {low:g} and {high:g}"
        fix = "at most the image's larger side" if high is not None and v > high else ""
        raise InputError(name, expected=f"a number {rng}", got=repr(value), fix=fix)
    return v


def _choice(name: str, value: Any, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise InputError(name, expected="one of " + ", ".join(choices), got=repr(value),
                         fix=f"set {name} to one of those")
    return value  # type: ignore[no-any-return]


def _box(value: Any) -> Box:
    try:
        x0, y0, x1, y1 = (int(v) for v in value)
    except (TypeError, ValueError):
        raise InputError("ignore box", expected="four integers x0,y0,x1,y1",
                         got=repr(value)) from None
    return x0, y0, x1, y1


def _polygon(value: Any) -> tuple[Point, ...]:
    points = value.tolist() if hasattr(value, "tolist") else value
    try:
        out = tuple((p[0], p[1]) for p in points if len(p) == 2)
        ok = len(out) == len(points) and len(out) >= 3 and all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for p in out for v in p)
    except TypeError:
        ok = False
    if not ok:
        shape = getattr(value, "shape", None)
        raise InputError("ignore polygon", expected="at least 3 finite x,y points",
                         got=f"shape {shape}" if shape is not None else repr(value))
    return out


def _same(a: Any, b: Any) -> bool:
    """Equality that also holds for arrays (masks given as pixels), without numpy."""
    if a is b:
        return True
    if hasattr(a, "shape") or hasattr(b, "shape"):
        return getattr(a, "shape", None) == getattr(b, "shape", None) and bool((a == b).all())
    return bool(a == b)


@dataclass(frozen=True, eq=False)
class CompareOptions:
    """Everything a compare is told, checked when made.

    The fields follow the pipeline's stages; each is also a keyword of
    :func:`spotdiff.compare`, where it overrides the ``options`` given.

    Parameters
    ----------
    method : {"color", "absdiff", "pixel", "ssim", "msssim"}
        **Difference**: the method (see :mod:`spotdiff.metrics`).
    method_options : dict, optional
        **Difference**: extra keyword arguments of the method function; for
        ``pixel``, ``variant`` ("pixelmatch" or "odiff") and ``alpha_blend``
        ("checkerboard" or "white"). Kept as sorted ``(key, value)`` pairs.
    data_range : float, optional
        **Input**: full intensity of float arrays.
    size : {"error", "pad", "pad-count", "crop", "resize"}
        **Selection**: what to do when the sizes differ (without ``align``).
    align : {"none", "translation", "similarity", "affine", "homography", "auto"}
        **Selection**: register AFTER onto BEFORE first (``size`` must then
        stay ``"error"``).
    ignore_lighting : bool
        **Selection**: explain away a smooth change of light first.
    decompose : bool
        **Selection**: explain the global part of the difference first (a
        shift, a change of light; see :mod:`spotdiff.decompose`), then find
        the local changes (default True; a lossless pair, half or more of
        its pixels bit-identical, is compared as it is either way). Off
        with ``align`` or ``ignore_lighting``, which say what to explain.
    allow_shift : float
        **Decision**: a global shift of at most this many pixels is not a
        difference by itself (default 0: any shift found is).
    allow_lighting : bool
        **Decision**: a global change of light is not a difference by itself.
    profile : {"photo", "screenshot", "camera", "scan"}, optional
        **Decision**: sets ``decompose``, ``allow_shift`` and
        ``allow_lighting`` for a kind of pair (see :data:`PROFILES`); a
        value given explicitly (other than the default) wins.
    ignore : sequence of (x0, y0, x1, y1)
        **Selection**: boxes (exclusive max) never reported as changed.
    ignore_polygons : sequence of (k, 2) points
        **Selection**: polygons never reported as changed.
    ignore_mask, only_mask : path or ndarray, optional
        **Selection**: nonzero pixels are ignored / the only ones compared.
    threshold : float, "auto" or "otsu"
        **Cleaning**: threshold on the difference map in the method's units;
        ``"auto"`` (or None) the method's automatic policy
        (:mod:`spotdiff.threshold`).
    blur, open, close, fill_holes, min_area, merge_gap
        **Cleaning** of the mask; None: the automatic policy's choice.
    include_aa : bool
        **Cleaning**: count anti-aliased pixels as changes.
    refine : bool
        **Cleaning**: refine each region's outline with GrabCut.
    max_changed_pixels, max_changed_fraction
        **Gates**: the pair counts as different only above both.
    polygons : bool
        **Regions**: trace region contours.

    Examples
    --------
    >>> import pickle, spotdiff
    >>> opts = spotdiff.CompareOptions(method="absdiff", min_area=4)
    >>> pickle.loads(pickle.dumps(opts)) == opts
    True
    >>> opts.replace(min_area=9).min_area
    9
    """

    method: str = DEFAULT_METHOD
    #: given as a dict; kept as sorted (key, value) pairs
    method_options: dict[str, Any] | tuple[tuple[str, Any], ...] = ()
    data_range: float | None = None
    size: str = "error"
    align: str = "none"
    ignore_lighting: bool = False
    decompose: bool = True
    allow_shift: float = 0.0
    allow_lighting: bool = False
    profile: str | None = None
    ignore: tuple[Box, ...] = ()
    ignore_polygons: tuple[tuple[Point, ...], ...] = ()
    ignore_mask: Any = None
    only_mask: Any = None
    threshold: float | str | None = "auto"
    blur: float | None = None
    open: int | None = None
    close: int | None = None
    fill_holes: bool | None = None
    min_area: int | None = None
    merge_gap: int | None = None
    include_aa: bool = False
    refine: bool = False
    max_changed_pixels: int = 0
    max_changed_fraction: float = 0.0
    polygons: bool = True

    def __post_init__(self) -> None:
        # Checked in the order the engine always used: the method, the gates,
        # the alignment, then the cleaning sizes and the threshold.
        put = object.__setattr__
        get_method(self.method)
        put(self, "max_changed_pixels",
            int(check_number("max_changed_pixels", self.max_changed_pixels, low=0)))
        put(self, "max_changed_fraction",
            check_number("max_changed_fraction", self.max_changed_fraction, low=0, high=1))
        _choice("align", self.align, ALIGN_MODELS)
        _choice("size", self.size, SIZE_POLICIES)
        if self.align != "none" and self.size != "error":
            raise InputError(
                "size with align",
                expected="no size policy when aligning (alignment warps AFTER into BEFORE's "
                "frame, whatever its size)",
                got=f"size={self.size!r}, align={self.align!r}",
                fix="leave size at 'error', or set align to 'none'",
            )
        put(self, "allow_shift", check_number("allow_shift", self.allow_shift, low=0))
        for name in ("decompose", "allow_lighting"):
            put(self, name, bool(getattr(self, name)))
        if self.profile is not None:
            _choice("profile", self.profile, tuple(PROFILES))
            defaults = {f.name: f.default for f in fields(self)}
            for name, value in PROFILES[self.profile].items():
                if getattr(self, name) == defaults[name]:
                    put(self, name, value)
        if self.blur is not None:
            put(self, "blur", check_number("blur", self.blur, low=0))
        for name in ("open", "close", "merge_gap"):
            value = getattr(self, name)
            if value is not None:
                put(self, name, int(check_number(name, value, low=0)))
        if self.min_area is not None:
            put(self, "min_area", max(1, int(check_number("min_area", self.min_area, low=0))))
        if self.threshold not in (None, "auto", "otsu"):
            put(self, "threshold", check_number("threshold", self.threshold, low=0))
        if self.fill_holes is not None:
            put(self, "fill_holes", bool(self.fill_holes))
        for name in ("ignore_lighting", "include_aa", "refine", "polygons"):
            put(self, name, bool(getattr(self, name)))
        put(self, "ignore", tuple(_box(b) for b in self.ignore))
        put(self, "ignore_polygons", tuple(_polygon(p) for p in self.ignore_polygons))
        mopts = self.method_options
        if mopts is None:
            mopts = ()
        items = mopts.items() if isinstance(mopts, dict) else mopts
        try:
            put(self, "method_options", tuple(sorted((str(k), v) for k, v in items)))
        except (TypeError, ValueError):
            raise InputError("method_options", expected="a dict of keyword arguments",
                             got=repr(mopts)) from None
        if self.method == "pixel":
            # each value here; whether they go together (odiff blends on white)
            # is the method's to say when it runs: identical inputs never run it
            given = dict(self.method_options)
            _choice("variant", given.get("variant", "pixelmatch"), PIXEL_VARIANTS)
            if given.get("alpha_blend") is not None:
                _choice("alpha_blend", given["alpha_blend"], ALPHA_BLENDS)

    # -- building -------------------------------------------------------------------------
    def replace(self, **changes: Any) -> CompareOptions:
        """A copy with some fields changed (checked like a new one)."""
        if not changes:
            return self
        unknown = sorted(set(changes) - {f.name for f in fields(self)})
        if unknown:
            raise TypeError(f"unknown compare option(s): {', '.join(unknown)} "
                            "(see help(spotdiff.CompareOptions))")
        return replace(self, **changes)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, CompareOptions):
            return NotImplemented
        return all(_same(getattr(self, f.name), getattr(other, f.name)) for f in fields(self))

    __hash__ = None  # type: ignore[assignment]  # masks may be arrays

    # -- reading --------------------------------------------------------------------------
    @property
    def auto(self) -> bool:
        """The threshold is the method's automatic one."""
        return self.threshold in (None, "auto")

    @property
    def unrestricted(self) -> bool:
        """Every pixel is compared: no ignored boxes, polygons or masks, no
        only-mask (then byte-identical files are equal without a pixel read)."""
        return not (self.ignore or self.ignore_polygons) and self.ignore_mask is None \
            and self.only_mask is None

    def check_size(self, height: int, width: int) -> None:
        """Check what depends on the compared image's size.

        A kernel larger than the image does nothing more but can exhaust
        memory, so the sizes are capped by the larger side (``min_area`` by
        the pixel count); ignore boxes and polygons must lie inside the
        image. Checked in this order; the first bad value raises.
        """
        side = max(height, width)
        for name in ("blur", "open", "close", "merge_gap"):
            value = getattr(self, name)
            if value is not None:
                check_number(name, value, low=0, high=side)
        if self.min_area is not None:
            check_number("min_area", self.min_area, low=0, high=height * width)
        for x0, y0, x1, y1 in self.ignore:
            if not (0 <= x0 < x1 <= width and 0 <= y0 < y1 <= height):
                raise InputError(
                    "ignore box",
                    expected=f"0 <= x0 < x1 <= {width} and 0 <= y0 < y1 <= {height} "
                    "(x1, y1 exclusive, in BEFORE's pixels)",
                    got=f"{x0},{y0},{x1},{y1}",
                    fix="fix the box so that it lies inside the image",
                )
        for poly in self.ignore_polygons:
            if any(x < 0 or y < 0 or x > width or y > height for x, y in poly):
                raise InputError("ignore polygon", expected=f"points inside {width}x{height}",
                                 got=[list(p) for p in poly],  # type: ignore[arg-type]
                                 fix="clip the polygon to the image")

    def to_dict(self) -> dict[str, Any]:
        """The ``options`` record of a result's JSON (key order included).

        Masks are recorded by file name (None for arrays), polygons by their
        count; the threshold and the cleaning as given (None: automatic; a
        result records what was applied, see :func:`record`).
        """
        out: dict[str, Any] = {
            "method": self.method,
            "size": self.size,
            "align": self.align,
            "ignore_lighting": self.ignore_lighting,
            "decompose": self.decompose,
            "allow_shift": self.allow_shift,
            "allow_lighting": self.allow_lighting,
            "profile": self.profile,
            "refine": self.refine,
            "ignore": [list(b) for b in self.ignore],
            "ignore_polygons": len(self.ignore_polygons),
            "ignore_mask": _mask_name(self.ignore_mask),
            "only_mask": _mask_name(self.only_mask),
            "max_changed_pixels": self.max_changed_pixels,
            "max_changed_fraction": self.max_changed_fraction,
            "include_aa": self.include_aa,
        }
        if self.method == "pixel":  # the pixelmatch options, also needed to redraw its diff image
            given = dict(self.method_options)
            out["variant"] = given.get("variant", "pixelmatch")
            out["alpha_blend"] = given.get("alpha_blend") or (
                "white" if out["variant"] == "odiff" else "checkerboard")
        out["threshold"] = self.threshold
        out.update((name, getattr(self, name)) for name in CLEANING)
        return out


def _mask_name(mask: Any) -> str | None:
    return None if mask is None or hasattr(mask, "shape") else str(mask)


def record(options: CompareOptions, *, threshold: float | str | None,
           cleaning: dict[str, Any] | None) -> dict[str, Any]:
    """A result's ``options``: the options' record with the threshold and the
    cleaning applied (a number for a numeric threshold, the policy's name
    otherwise); ``cleaning`` None for identical inputs, where none ran."""
    out = options.to_dict()
    out["threshold"] = threshold
    if cleaning is None:
        for name in CLEANING:
            del out[name]
    else:
        out.update(cleaning)
    return out


def compare_options(options: CompareOptions | None = None, **overrides: Any) -> CompareOptions:
    """``options`` (default: all defaults) with ``overrides`` applied: what
    :func:`spotdiff.compare` runs with."""
    if options is None:
        return CompareOptions(**overrides)
    if not isinstance(options, CompareOptions):
        raise InputError("options", expected="a spotdiff.CompareOptions",
                         got=type(options).__name__,
                         fix="build one with spotdiff.CompareOptions(...) or pass keywords")
    return options.replace(**overrides)
