"""Difference methods: pure functions from two aligned arrays to a DiffMap.

Each method lives in its own module and is imported only when used. The
registry below is what the engine and the CLI consult: the name, where the
function is, whether it wants the alpha channel itself, and the default
threshold in the method's units.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass

from spotdiff.errors import InputError
from spotdiff.metrics._types import DiffMap


@dataclass(frozen=True)
class Method:
    name: str
    module: str
    function: str
    takes_alpha: bool
    default_threshold: float
    summary: str
    #: What the map measures with the method's default options (the JSON's
    #: ``units``, also when no map had to be computed).
    units: str = ""

    def load(self) -> Callable[..., DiffMap]:
        return getattr(importlib.import_module(self.module), self.function)


METHODS: dict[str, Method] = {
    m.name: m
    for m in (
        Method("color", "spotdiff.metrics.color", "color", False, 2.0,
               "ΔE colour distance in CIELAB (default)", "ΔE (cie76)"),
        Method("absdiff", "spotdiff.metrics.absdiff", "absdiff", False, 25.0,
               "largest channel absolute difference, 8-bit scale",
               "max channel difference, 8-bit scale"),
        Method("pixel", "spotdiff.metrics.pixel", "pixel", True, 0.1,
               "pixelmatch-compatible YIQ delta with anti-aliasing detection",
               "YIQ distance, fraction of the largest (pixelmatch threshold units)"),
        Method("ssim", "spotdiff.metrics.ssim", "ssim", False, 0.25,
               "structural similarity; map = 1 - local SSIM", "1 - SSIM"),
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
            fix="pass --method with one of those names",
        ) from None


__all__ = ["DEFAULT_METHOD", "METHODS", "DiffMap", "Method", "get_method"]
