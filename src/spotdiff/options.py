"""The options of a compare: their checks, and the record a result keeps.

:func:`spotdiff.engine.compare` checks its options and records them here,
and so does the command line when it answers byte-identical files before
importing the engine: one set of rules and messages for both. Nothing here
imports numpy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from spotdiff.errors import InputError
from spotdiff.metrics import get_method

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any

#: Lossless pairs: ΔE above this (one just-noticeable difference) is a
#: change; the automatic threshold of the ``color`` method on them.
LOSSLESS_THRESHOLD = 1.0


def check_number(name: str, value: Any, *, low: float, high: float | None = None) -> float:
    """``value`` as a float within [low, high], or an :class:`InputError` naming ``name``."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise InputError(name, expected="a number", got=repr(value)) from None
    if not math.isfinite(v) or v < low or (high is not None and v > high):
        rng = f">= {low:g}" if high is None else f"between {low:g} and {high:g}"
        fix = "at most the image's larger side" if high is not None and v > high else ""
        raise InputError(name, expected=f"a number {rng}", got=repr(value), fix=fix)
    return v


def check_gates(max_changed_pixels: Any, max_changed_fraction: Any) -> tuple[int, float]:
    """The decision gates, checked: ``(max_changed_pixels, max_changed_fraction)``."""
    return (int(check_number("max_changed_pixels", max_changed_pixels, low=0)),
            check_number("max_changed_fraction", max_changed_fraction, low=0, high=1))


def check_sizes(
    height: int, width: int, *, blur: Any, open: Any, close: Any, merge_gap: Any,
    min_area: Any, threshold: Any,
) -> tuple[float | None, int | None, int | None, int | None, int | None, float | str | None]:
    """Check the sizes the user gave against the compared image's size.

    A kernel larger than the image does nothing more but can exhaust
    memory, so the sizes are capped by the larger side (``min_area`` by the
    pixel count); the threshold must be a number >= 0, ``"auto"``,
    ``"otsu"`` or None. Checked in this order; the first bad value raises.

    Returns
    -------
    blur, open, close, merge_gap, min_area, threshold
        Checked (None where not given).
    """
    side = max(height, width)
    if blur is not None:
        blur = check_number("blur", blur, low=0, high=side)
    if open is not None:
        open = int(check_number("open", open, low=0, high=side))
    if close is not None:
        close = int(check_number("close", close, low=0, high=side))
    if merge_gap is not None:
        merge_gap = int(check_number("merge_gap", merge_gap, low=0, high=side))
    if min_area is not None:
        min_area = max(1, int(check_number("min_area", min_area, low=0, high=height * width)))
    if threshold not in (None, "auto", "otsu"):
        threshold = check_number("threshold", threshold, low=0)
    return blur, open, close, merge_gap, min_area, threshold


def is_unrestricted(ignore: Sequence[Any], ignore_polygons: Sequence[Any], ignore_mask: Any,
                 only_mask: Any) -> bool:
    """Whether every pixel is compared: no ignored boxes, polygons or masks,
    no only-mask (then byte-identical files are equal without a pixel read)."""
    return not (len(ignore) or len(ignore_polygons)) and ignore_mask is None \
        and only_mask is None


def recorded_options(
    *, method: str, size: str, align: str, ignore_lighting: bool, refine: bool,
    boxes: Sequence[Sequence[int]], ignore_polygons: int, ignore_mask: str | None,
    only_mask: str | None, max_changed_pixels: int, max_changed_fraction: float,
    include_aa: bool, method_options: dict[str, Any] | None,
) -> dict[str, Any]:
    """The options a result records (its ``options``, JSON-ready), before the
    threshold and the cleaning, which come last.

    ``boxes`` are the checked ignore boxes; ``ignore_polygons`` their count;
    ``ignore_mask``/``only_mask`` the masks' file names (None for arrays).
    """
    options: dict[str, Any] = {
        "method": method,
        "size": size,
        "align": align,
        "ignore_lighting": bool(ignore_lighting),
        "refine": bool(refine),
        "ignore": [list(b) for b in boxes],
        "ignore_polygons": ignore_polygons,
        "ignore_mask": ignore_mask,
        "only_mask": only_mask,
        "max_changed_pixels": max_changed_pixels,
        "max_changed_fraction": max_changed_fraction,
        "include_aa": include_aa,
    }
    if method == "pixel":  # the pixelmatch options, also needed to redraw its diff image
        popts = method_options or {}
        options["variant"] = popts.get("variant", "pixelmatch")
        options["alpha_blend"] = popts.get("alpha_blend") or (
            "white" if options["variant"] == "odiff" else "checkerboard")
    return options


def identical_fields(method: str, threshold: float | str | None,
                     options: dict[str, Any]) -> dict[str, Any]:
    """What a result says of identical inputs, beyond the arrays and the size.

    Nothing changed; the threshold and units are those a full run of the
    method would report (the ``color`` method's automatic threshold is the
    lossless one: identical inputs carry no noise). ``threshold`` is the
    checked one (see :func:`check_sizes`), ``options`` the recorded ones.
    """
    m = get_method(method)
    if method == "color" and threshold in (None, "auto"):
        applied = LOSSLESS_THRESHOLD
    elif isinstance(threshold, (int, float)):
        applied = float(threshold)
    else:
        applied = float(m.default_threshold)
    return {
        "different": False, "changed_pixels": 0, "changed_fraction": 0.0, "score": 1.0,
        "method": method, "units": m.units, "threshold": applied,
        "options": {**options, "threshold": threshold},
    }
