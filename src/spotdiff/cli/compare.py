"""``spotdiff compare BEFORE AFTER``: are two images different, how, where."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from spotdiff.cli._common import (
    ExitCode,
    Streams,
    fraction,
    non_negative_float,
    non_negative_int,
    parse_box,
    parse_polygon,
    threshold_value,
)

PICTURES = ("mask", "heatmap", "boxes", "overlay", "extract")
DEFAULT_PICTURES = ("mask", "heatmap", "boxes", "overlay")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "compare",
        help="compare two images",
        description="Compare BEFORE and AFTER. Exit code 0: no difference, 1: different, "
        "2: error.",
    )
    p.add_argument("before", nargs="?", help="the reference image (or --first)")
    p.add_argument("after", nargs="?", help="the image to check (or --second)")
    p.add_argument("--first", dest="first", metavar="FILE", help="alias of BEFORE")
    p.add_argument("--second", dest="second", metavar="FILE", help="alias of AFTER")
    p.add_argument("-o", "--output", metavar="DIR",
                   help="write result.json and the pictures (mask, heatmap, boxes, overlay) here")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.add_argument("--pictures", default=",".join(DEFAULT_PICTURES), metavar="LIST",
                   help=f"pictures written with -o, comma-separated from {','.join(PICTURES)} "
                   "or 'none' (default: %(default)s)")

    m = p.add_argument_group("difference")
    m.add_argument("--method", default="color", metavar="M",
                   help="color (default, ΔE in CIELAB), absdiff, pixel (pixelmatch-compatible) "
                   "or ssim")
    m.add_argument("--threshold", type=threshold_value, default="auto", metavar="T",
                   help="threshold on the difference map in the method's units, 'auto' "
                   "(default: reads the pair's noise level) or 'otsu'")
    m.add_argument("--include-aa", action="store_true",
                   help="count anti-aliased pixels as changes")

    c = p.add_argument_group("cleaning")
    c.add_argument("--blur", type=non_negative_float, metavar="SIGMA",
                   help="Gaussian blur (pixels) before thresholding")
    c.add_argument("--open", type=non_negative_int, metavar="PX",
                   help="opening size: remove specks thinner than PX")
    c.add_argument("--close", type=non_negative_int, metavar="PX",
                   help="closing size: bridge gaps narrower than PX")
    c.add_argument("--no-fill-holes", dest="fill_holes", action="store_false", default=None,
                   help="keep holes inside regions")
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
    g.add_argument("--size", default="error", choices=("error", "pad", "crop", "resize"),
                   help="what to do when the sizes differ (default: error)")
    g.add_argument("--ignore", type=parse_box, action="append", default=[],
                   metavar="X0,Y0,X1,Y1", help="ignore a box (x1, y1 exclusive); repeatable")
    g.add_argument("--ignore-polygon", type=parse_polygon, action="append", default=[],
                   metavar="'X,Y X,Y X,Y'", help="ignore a polygon; repeatable")
    g.add_argument("--ignore-mask", metavar="FILE", help="ignore the mask image's nonzero pixels")
    g.add_argument("--only-mask", metavar="FILE",
                   help="compare only the mask image's nonzero pixels")
    p.set_defaults(run=run)


def _pictures(text: str) -> list[str]:
    from spotdiff.errors import InputError

    if text.strip() == "none":
        return []
    names = [n.strip() for n in text.split(",") if n.strip()]
    bad = [n for n in names if n not in PICTURES]
    if bad:
        raise InputError("--pictures", expected="names from " + ", ".join(PICTURES) + " or none",
                         got=", ".join(bad))
    return names


def _inputs(args: argparse.Namespace) -> tuple[str, str]:
    from spotdiff.errors import InputError

    before = args.first or args.before
    after = args.second or args.after
    if args.first and args.before and args.second is None and args.after is None:
        after = args.before
    if before is None or after is None:
        raise InputError("arguments", expected="two images: BEFORE AFTER (or --first/--second)",
                         got="fewer", fix="run 'spotdiff compare --help'")
    return before, after


def _summary(diff, before: str, after: str) -> str:  # noqa: ANN001
    verdict = "DIFFERENT" if diff.different else "same"
    line = (f"{verdict}: {diff.changed_pixels} changed pixels "
            f"({100 * diff.changed_fraction:.4f}%), {len(diff.regions)} region(s), "
            f"score {diff.score:.6f} [{diff.method}], {diff.width}x{diff.height}")
    return f"{line}\n  before: {before}\n  after:  {after}\n"


def write_outputs(diff, out_dir: Path, pictures: list[str], payload: dict) -> None:  # noqa: ANN001
    """Render the requested pictures, then write every file atomically."""
    from spotdiff import render
    from spotdiff.io import write_image, write_json

    annotators: dict[str, Any] = {
        "mask": render.MaskAnnotator(),
        "heatmap": render.HeatmapAnnotator(),
        "boxes": render.BoxAnnotator(),
        "overlay": render.OverlayAnnotator(),
        "extract": render.ExtractAnnotator(),
    }
    images = {name: annotators[name].annotate(diff) for name in pictures}
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, pixels in images.items():
        write_image(out_dir / f"{name}.png", pixels)
    write_json(out_dir / "result.json", payload)


def run(args: argparse.Namespace, streams: Streams) -> int:
    before, after = _inputs(args)
    pictures = _pictures(args.pictures)
    from spotdiff.engine import compare
    from spotdiff.errors import InputError

    if args.output is not None and Path(args.output).exists() and not Path(args.output).is_dir():
        raise InputError("-o/--output", expected="a directory", got=f"a file '{args.output}'",
                         fix="pass a directory path (it is created if missing)")
    diff = compare(
        before,
        after,
        method=args.method,
        threshold=args.threshold,
        size=args.size,
        ignore=args.ignore,
        ignore_polygons=[__import__("numpy").asarray(p) for p in args.ignore_polygon],
        ignore_mask=args.ignore_mask,
        only_mask=args.only_mask,
        blur=args.blur,
        open=args.open,
        close=args.close,
        fill_holes=args.fill_holes,
        min_area=args.min_area,
        merge_gap=args.merge_gap,
        max_changed_pixels=args.max_changed_pixels,
        max_changed_fraction=args.max_changed_fraction,
        include_aa=args.include_aa,
    )
    payload = diff.to_dict()
    payload["before"] = str(before)
    payload["after"] = str(after)
    if args.output is not None:
        write_outputs(diff, Path(args.output), pictures, payload)
    if args.json:
        streams.out.write(json.dumps(payload) + "\n")
    else:
        streams.err.write(_summary(diff, before, after))
    return ExitCode.DIFFERENT if diff.different else ExitCode.SAME
