"""Difference methods: pure functions from two aligned arrays to a DiffMap.

Each method lives in its own module and is imported only when used. The
registry below is what the engine and the CLI consult: the name, where the
function is, whether it wants the alpha channel itself, and the default
threshold in the method's units. It needs no numpy (the command line
consults it before importing the engine); ``DiffMap`` is imported on first
use.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

from spotdiff._lazy import lazy_names
from spotdiff.errors import InputError

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any

    from spotdiff.metrics._types import DiffMap


class Method:
    """One registered method (read-only by convention): what the engine asks
    of a method, so that it never tests a method's name.

    Attributes
    ----------
    name, module, function
        The method's name and where its function is.
    takes_alpha : bool
        The function reads the alpha channel itself (otherwise the engine
        compares the opaque views, see :func:`spotdiff.io.alpha.opaque_views`).
    default_threshold : float
        The threshold in the method's units when none is given.
    summary : str
        One line for the help.
    units : str
        What the map measures with the method's default options (the JSON's
        ``units``, also when no map had to be computed).
    auto_policy : {"default", "noise"}
        The automatic threshold: ``"default"`` is ``default_threshold`` and no
        cleaning; ``"noise"`` reads the pair's noise level
        (:mod:`spotdiff.threshold`; the ``noise`` of the result).
    score_scale : float or None
        The score is ``1 - mean(map) / score_scale`` over all pixels, so it
        can be restated over the compared pixels only; None: it is not a
        plain mean (SSIM's mean of local values, MS-SSIM's product).
    local_score : bool
        The score is the mean of ``1 - map`` (SSIM): restated over the
        compared pixels from the map.
    compare_options : tuple of str
        Compare options the function takes as keywords (``threshold``,
        ``include_aa``: the pixel method tests anti-aliasing above the
        threshold only).
    blurs_inputs : bool
        A ``blur`` is applied to both images before the map (with the chroma
        blurred more: spatial CIELAB) rather than to the map.
    changes : str
        A function of the module that thresholds as it goes and leaves the
        map for later (``pixel_changes``), used when nothing but the
        threshold makes the mask; empty when the method has none.
    """

    __slots__ = ("name", "module", "function", "takes_alpha", "default_threshold", "summary",
                 "units", "auto_policy", "score_scale", "local_score", "compare_options",
                 "blurs_inputs", "changes")

    def __init__(self, name: str, module: str, function: str, takes_alpha: bool,
                 default_threshold: float, summary: str, units: str = "", *,
                 auto_policy: str = "default", score_scale: float | None = None,
                 local_score: bool = False, compare_options: tuple[str, ...] = (),
                 blurs_inputs: bool = False, changes: str = "") -> None:
        self.name = name
        self.module = module
        self.function = function
        self.takes_alpha = takes_alpha
        self.default_threshold = default_threshold
        self.summary = summary
        self.units = units
        self.auto_policy = auto_policy
        self.score_scale = score_scale
        self.local_score = local_score
        self.compare_options = compare_options
        self.blurs_inputs = blurs_inputs
        self.changes = changes

    def __repr__(self) -> str:
        return f"Method({self.name!r}, {self.module}.{self.function})"

    def load(self) -> Callable[..., DiffMap]:
        return getattr(importlib.import_module(self.module), self.function)

    def load_changes(self) -> Callable[..., Any]:
        return getattr(importlib.import_module(self.module), self.changes)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("color", "spotdiff.metrics.color", "color", False, 2.0,
               "ΔE colour distance in CIELAB (default)", "ΔE (cie76)",
               auto_policy="noise", score_scale=100.0, blurs_inputs=True),
        Method("absdiff", "spotdiff.metrics.absdiff", "absdiff", False, 25.0,
               "largest channel absolute difference, 8-bit scale",
               "max channel difference, 8-bit scale", score_scale=255.0),
        Method("pixel", "spotdiff.metrics.pixel", "pixel", True, 0.1,
               "pixelmatch-compatible YIQ delta with anti-aliasing detection",
               "YIQ distance, fraction of the largest (pixelmatch threshold units)",
               score_scale=1.0, compare_options=("threshold", "include_aa"),
               changes="pixel_changes"),
        Method("ssim", "spotdiff.metrics.ssim", "ssim", False, 0.25,
               "structural similarity; map = 1 - local SSIM", "1 - SSIM", local_score=True),
        Method("msssim", "spotdiff.metrics.msssim", "msssim", False, 0.25,
               "multi-scale SSIM (Wang 2003, 5 scales); map = 1 - per-pixel scale product",
               "1 - MS-SSIM (per-pixel product over scales)"),
    )
}
DEFAULT_METHOD = "color"


def get_method(name: str) -> Method:
    """Look up a method by name, with a message listing the valid ones."""
    try:
        return METHODS[name]
    except KeyError:
        raise InputError(
            "method",
            expected="one of " + ", ".join(METHODS),
            got=repr(name),
            fix="set method to one of those names",
        ) from None


# DiffMap imports numpy: only when asked for
__getattr__ = lazy_names(__name__, {"DiffMap": "spotdiff.metrics._types"}, set())[0]


__all__ = ["DEFAULT_METHOD", "METHODS", "DiffMap", "Method", "get_method"]
