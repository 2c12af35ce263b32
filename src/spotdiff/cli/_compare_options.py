"""The compare options every command that compares takes (``compare``,
``batch``): defined once, and turned into a :class:`spotdiff.CompareOptions`
in one step (:func:`compare_options`)."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import (
    fraction,
    non_negative_float,
    non_negative_int,
    parse_box,
    parse_polygon,
    threshold_value,
)

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any

    from spotdiff.options import CompareOptions


def add_compare_options(p: argparse.ArgumentParser) -> None:
    """The difference, pixelmatch, cleaning, decision and geometry options."""
    m = p.add_argument_group("difference")
    m.add_argument("--method", default="color", metavar="M",
                   help="color (default, ΔE in CIELAB), absdiff, pixel (pixelmatch-compatible), "
                   "ssim or msssim")
    m.add_argument("--threshold", type=threshold_value, default="auto", metavar="T",
                   help="threshold on the difference map in the method's units (color: ΔE; "
                   "absdiff: 0-255; pixel: 0-1 as pixelmatch; ssim: 1 - SSIM), 'auto' "
                   "(default: reads the pair's noise level and cleans the mask to match) or "
                   "'otsu'; a number turns the automatic cleaning off")
    m.add_argument("--include-aa", action="store_true",
                   help="count anti-aliased pixels as changes")

    x = p.add_argument_group(
        "pixelmatch options",
        "for --method pixel; see docs/compatibility.md for the settings that reproduce "
        "pixelmatch, odiff, blazediff and jest-image-snapshot")
    x.add_argument("--variant", choices=("pixelmatch", "odiff"),
                   help="whose arithmetic and anti-aliasing rules to follow (default pixelmatch)")
    x.add_argument("--alpha-blend", choices=("checkerboard", "white"),
                   help="background for semi-transparent pixels: checkerboard (pixelmatch 7, "
                   "default) or white (pixelmatch 6, odiff)")

    c = p.add_argument_group("cleaning")
    c.add_argument("--blur", type=non_negative_float, metavar="SIGMA",
                   help="Gaussian blur (pixels) before thresholding")
    c.add_argument("--open", type=non_negative_int, metavar="PX",
                   help="opening size: remove specks thinner than PX")
    c.add_argument("--close", type=non_negative_int, metavar="PX",
                   help="closing size: bridge gaps narrower than PX")
    c.add_argument("--no-fill-holes", dest="fill_holes", action="store_false", default=None,
                   help="keep holes inside regions")
    c.add_argument("--refine", action="store_true",
                   help="refine each region's outline with GrabCut seeded by the difference "
                   "(slower; for objects close in colour to their background)")
    c.add_argument("--min-area", type=non_negative_int, metavar="PX",
                   help="drop regions smaller than PX pixels")
    c.add_argument("--merge-gap", type=non_negative_int, metavar="PX",
                   help="merge regions closer than PX pixels")

    d = p.add_argument_group("decision")
    d.add_argument("--max-changed-pixels", type=non_negative_int, default=0, metavar="N",
                   help="different only when more than N pixels changed (default 0)")
    d.add_argument("--max-changed-fraction", type=fraction, default=0.0, metavar="F",
                   help="different only when more than this fraction changed (default 0)")

    g = p.add_argument_group("geometry and masks")
    g.add_argument("--size", default="error",
                   choices=("error", "pad", "pad-count", "crop", "resize"),
                   help="what to do when the sizes differ (default: error); pad-count pads "
                   "and counts what only one image covers as changed (odiff)")
    g.add_argument("--align", default="none",
                   choices=("none", "translation", "similarity", "affine", "homography", "auto"),
                   help="register AFTER onto BEFORE first (a moved camera): auto picks the "
                   "simplest model that fits and refuses images that do not overlap; results "
                   "are in BEFORE's frame, whatever AFTER's size (do not combine with --size; "
                   "default: none)")
    g.add_argument("--ignore-lighting", action="store_true",
                   help="explain away a smooth change of light (exposure, white balance, "
                   "ramps, vignetting) before comparing")
    g.add_argument("--no-decompose", dest="decompose", action="store_false", default=True,
                   help="do not explain the global part of the difference first (a shift, a "
                   "change of light) before finding local changes")
    g.add_argument("--allow-shift", type=non_negative_float, default=0.0, metavar="PX",
                   help="a global shift of at most PX pixels is not a difference by itself "
                   "(default 0)")
    g.add_argument("--allow-lighting", action="store_true",
                   help="a global change of light (exposure, white balance, gamma, "
                   "vignetting) is not a difference by itself")
    g.add_argument("--profile", choices=("photo", "screenshot", "camera", "scan"),
                   help="what a kind of pair accepts: screenshot (no global model), photo "
                   "(light, shifts up to 8 px), camera (light, 2 px), scan (light, 1 px)")
    g.add_argument("--ignore", type=parse_box, action="append", default=[],
                   metavar="X0,Y0,X1,Y1", help="ignore a box (x1, y1 exclusive); repeatable")
    g.add_argument("--ignore-polygon", dest="ignore_polygons", type=parse_polygon,
                   action="append", default=[], metavar="'X,Y X,Y X,Y'",
                   help="ignore a polygon; repeatable")
    g.add_argument("--ignore-mask", metavar="FILE", help="ignore the mask image's nonzero pixels")
    g.add_argument("--only-mask", metavar="FILE",
                   help="compare only the mask image's nonzero pixels")


def pixel_options(args: argparse.Namespace) -> dict[str, Any]:
    """The --method pixel options given on the command line."""
    from spotdiff.errors import InputError

    given = {k: v for k, v in (("variant", args.variant), ("alpha_blend", args.alpha_blend))
             if v is not None}
    if given and args.method != "pixel":
        flag = "--" + next(iter(given)).replace("_", "-")
        raise InputError(flag, expected="--method pixel", got=f"--method {args.method}",
                         fix=f"add --method pixel or drop {flag}")
    return given


def compare_options(args: argparse.Namespace) -> CompareOptions:
    """The compare's options from the command line, in one step: every
    option of :class:`spotdiff.CompareOptions` has the flag of its name
    (``min_area`` is ``--min-area``); the pixelmatch options are gathered
    into ``method_options``."""
    from dataclasses import fields

    from spotdiff.options import CompareOptions

    given = {f.name: getattr(args, f.name) for f in fields(CompareOptions) if hasattr(args, f.name)}
    return CompareOptions(**given, method_options=pixel_options(args))
