"""``spotdiff compare BEFORE AFTER``: are two images different, how, where.

Byte-identical PNG files are answered from their header, before numpy,
OpenCV or the engine are imported (see :func:`same_bytes_payload`): the same
output and exit code as the full compare, in a fraction of its time. Set
``SPOTDIFF_NO_FAST_PATH=1`` to run the full compare for them too.
"""

from __future__ import annotations

import argparse
import json
import os

from spotdiff.cli._common import ExitCode, Streams, fraction, reuse_freed_memory
from spotdiff.cli._compare_options import add_compare_options, compare_kwargs, pixel_options

PICTURES = ("mask", "heatmap", "boxes", "overlay", "extract", "pixelmatch")
DEFAULT_PICTURES = ("mask", "heatmap", "boxes", "overlay")
#: The picture --diff-image writes: AFTER faded, the changes tinted (what
#: odiff's and pixelmatch's diff image shows).
DIFF_IMAGE_PICTURE = "overlay"
#: The environment variable that, set to anything but 0, turns off the
#: answer for byte-identical files (:func:`same_bytes_payload`): every
#: compare then runs the engine. Tests and benchmarks compare both ways.
NO_FAST_PATH = "SPOTDIFF_NO_FAST_PATH"
#: Bytes read at a time when comparing two files (fastest on a 4K PNG pair).
_CHUNK = 1 << 16

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from pathlib import Path
    from typing import Any


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
    p.add_argument("--diff-image", metavar="FILE",
                   help=f"write one picture of the changes to FILE (the {DIFF_IMAGE_PICTURE} "
                   "picture, or pixelmatch's with --method pixel; format from the name's "
                   "ending: .png, .jpg, .webp, .bmp, .tif)")
    p.add_argument("--pictures", default=",".join(DEFAULT_PICTURES), metavar="LIST",
                   help=f"pictures written with -o, comma-separated from {','.join(PICTURES)} "
                   "or 'none' (default: %(default)s)")

    add_compare_options(p)
    x = p.add_argument_group("pixelmatch picture", "the picture --method pixel draws "
                             "(--diff-image FILE, or --pictures ...,pixelmatch)")
    x.add_argument("--diff-color", type=_rgb, metavar="R,G,B",
                   help="pixelmatch picture: changed pixels (default 255,0,0)")
    x.add_argument("--diff-color-alt", type=_rgb, metavar="R,G,B",
                   help="pixelmatch picture: changed pixels where AFTER is darker")
    x.add_argument("--aa-color", type=_rgb, metavar="R,G,B",
                   help="pixelmatch picture: anti-aliased pixels (default 255,255,0)")
    x.add_argument("--alpha", type=fraction, metavar="A",
                   help="pixelmatch picture: opacity of the faded BEFORE image (default 0.1)")
    x.add_argument("--diff-mask", action="store_true",
                   help="pixelmatch picture: only the changes, on a transparent background")
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


def _rgb(text: str) -> tuple[int, int, int]:
    """argparse type for ``R,G,B`` (0..255) or ``#rrggbb``."""
    try:
        if text.startswith("#") and len(text) == 7:
            rgb = tuple(int(text[i : i + 2], 16) for i in (1, 3, 5))
        else:
            rgb = tuple(int(v) for v in text.split(","))
    except ValueError:
        rgb = ()
    if len(rgb) != 3 or not all(0 <= v <= 255 for v in rgb):
        raise argparse.ArgumentTypeError(f"expected R,G,B (0..255) or #rrggbb, got {text!r}")
    return rgb  # type: ignore[return-value]


def _pixel_options(args: argparse.Namespace) -> dict[str, Any]:
    """The --method pixel options given on the command line."""
    return pixel_options(args)


def _inputs(args: argparse.Namespace) -> tuple[str, str]:
    from spotdiff.errors import InputError

    positional = [p for p in (args.before, args.after) if p is not None]
    named = {"--first": args.first, "--second": args.second}
    given = [p for p in named.values() if p is not None]
    if len(positional) + len(given) > 2:
        raise InputError("arguments", expected="two images in all (BEFORE AFTER, or "
                         "--first/--second)", got=f"{len(positional) + len(given)}",
                         fix="give each image once")
    # --first/--second take their places; positional images fill the rest
    rest = iter(positional)
    before = args.first if args.first is not None else next(rest, None)
    after = args.second if args.second is not None else next(rest, None)
    if before is None or after is None:
        raise InputError("arguments", expected="two images: BEFORE AFTER (or --first/--second)",
                         got="fewer", fix="run 'spotdiff compare --help'")
    return before, after


def _summary(payload: dict[str, Any], before: str, after: str) -> str:
    """The plain-text verdict (on stderr without --json), from the JSON summary."""
    verdict = "DIFFERENT" if payload["different"] else "same"
    line = (f"{verdict}: {payload['changed_pixels']} changed pixels "
            f"({100 * payload['changed_fraction']:.4f}%), {payload['region_count']} region(s), "
            f"score {payload['score']:.6f} [{payload['method']}], "
            f"{payload['width']}x{payload['height']}")
    return f"{line}\n  before: {before}\n  after:  {after}\n"


def _identical_png_size(before: str, after: str) -> tuple[int, int] | None:
    """``(width, height)`` when BEFORE and AFTER are regular files with the
    same bytes, a well-formed PNG header and the IEND chunk at their end;
    None otherwise (also when a file cannot be read: the full compare then
    reports it).

    Such a pair passes the decoder's format and completeness checks, and
    the engine answers it from the same header without decoding a pixel
    (see ``load_pair`` and ``same_file_contents`` in :mod:`spotdiff.io.image`).
    """
    import stat

    from spotdiff.io.header import PNG_END_WINDOW, png_ends_complete, png_header

    try:  # the sizes first, then the bytes, a chunk at a time
        info_b, info_a = os.stat(before), os.stat(after)
        if not (stat.S_ISREG(info_b.st_mode) and stat.S_ISREG(info_a.st_mode)) \
                or info_b.st_size != info_a.st_size:
            return None
        with open(before, "rb", buffering=0) as file_b, open(after, "rb", buffering=0) as file_a:
            buf_b, buf_a = bytearray(_CHUNK), bytearray(_CHUNK)
            head = tail = b""
            total = 0
            while n := file_b.readinto(buf_b):
                if file_a.readinto(buf_a) != n:
                    return None
                if (buf_b != buf_a) if n == _CHUNK else (buf_b[:n] != buf_a[:n]):
                    return None
                if len(head) < 64:
                    head = (head + bytes(buf_b[:n]))[:64]
                tail = bytes(buf_b[n - PNG_END_WINDOW:n]) if n >= PNG_END_WINDOW \
                    else (tail + bytes(buf_b[:n]))[-PNG_END_WINDOW:]
                total += n
            if total != info_b.st_size or file_a.readinto(buf_a):
                return None  # a file changed while it was read
    except (OSError, ValueError):
        return None
    header = png_header(head)
    if header is None or not png_ends_complete(tail):
        return None
    return header[0], header[1]


def same_bytes_payload(args: argparse.Namespace, before: str, after: str,
                       method_options: dict[str, Any]) -> dict[str, Any] | None:
    """The JSON summary of byte-identical PNG files, or None to run the engine.

    The engine's answer for byte-identical files (the ``same_bytes`` branch
    of :func:`spotdiff.engine.compare`) built from the PNG header, without
    numpy, OpenCV or a decoder: the same checks in the same order (method,
    gates, then the sizes against the image's), the same option record and
    summary, from the same functions (:mod:`spotdiff.options`,
    :mod:`spotdiff.summary`).

    It is taken only when nothing needs pixels (no ``-o``, ``--diff-image``,
    ignored boxes, polygons or masks, or ``--only-mask``), without
    ``--align`` (checked with the registration code, which needs OpenCV), for
    PNG files (other formats need a decode to know their size) and unless
    ``SPOTDIFF_NO_FAST_PATH`` is set (see :data:`NO_FAST_PATH`).
    """
    if os.environ.get(NO_FAST_PATH, "") not in ("", "0"):
        return None
    from spotdiff.metrics import get_method
    from spotdiff.options import (
        check_gates,
        check_sizes,
        identical_fields,
        is_unrestricted,
        recorded_options,
    )
    from spotdiff.summary import summary

    if args.output is not None or args.diff_image is not None or args.align != "none" \
            or not is_unrestricted(args.ignore, args.ignore_polygon, args.ignore_mask,
                                   args.only_mask):
        return None
    size = _identical_png_size(before, after)
    if size is None:
        return None
    width, height = size
    get_method(args.method)  # the engine's order: the method, the gates, then the sizes
    gate_px, gate_frac = check_gates(args.max_changed_pixels, args.max_changed_fraction)
    *_, threshold = check_sizes(height, width, blur=args.blur, open=args.open, close=args.close,
                                merge_gap=args.merge_gap, min_area=args.min_area,
                                threshold=args.threshold)
    options = recorded_options(
        method=args.method, size=args.size, align=args.align,
        ignore_lighting=args.ignore_lighting, refine=args.refine, boxes=[], ignore_polygons=0,
        ignore_mask=None, only_mask=None, max_changed_pixels=gate_px,
        max_changed_fraction=gate_frac, include_aa=args.include_aa,
        method_options=method_options,
    )
    return summary(**identical_fields(args.method, threshold, options), width=width,
                   height=height, mask_pixels=0, regions=[], info={"identical": True})


def output_files(diff, out_dir: Path, pictures: list[str], payload: dict,  # noqa: ANN001
                 pixelmatch_style: dict | None = None) -> dict[Path, bytes]:
    """The files ``-o DIR`` writes, rendered and encoded: path -> bytes."""
    from spotdiff import render
    from spotdiff.io import encode_image

    annotators: dict[str, Any] = {
        "mask": render.MaskAnnotator(),
        "heatmap": render.HeatmapAnnotator(),
        "boxes": render.BoxAnnotator(),
        "overlay": render.OverlayAnnotator(),
        "extract": render.ExtractAnnotator(),
    }
    if "pixelmatch" in pictures:
        from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

        annotators["pixelmatch"] = PixelmatchDiffAnnotator(**(pixelmatch_style or {}))
    contents = {
        out_dir / f"{name}.png": encode_image(annotators[name].annotate(diff), ".png")
        for name in pictures
    }
    contents[out_dir / "result.json"] = (json.dumps(payload, indent=2) + "\n").encode()
    return contents


def _start_loading(before: str, after: str) -> Any:
    """Read and decode both images in the background (a Future of the pair),
    so that decoding overlaps the import of the engine and OpenCV."""
    from concurrent.futures import ThreadPoolExecutor

    from spotdiff.io.image import load_pair

    pool = ThreadPoolExecutor(1)
    pending = pool.submit(load_pair, before, after)
    pool.shutdown(wait=False)
    return pending


#: The pixelmatch picture's options (its defaults are PixelmatchDiffAnnotator's).
_PIXELMATCH_STYLE = ("alpha", "aa_color", "diff_color", "diff_color_alt", "diff_mask")


def _pixelmatch_style(args: argparse.Namespace) -> dict[str, Any]:
    """The pixelmatch picture's options given on the command line."""
    return {k: getattr(args, k) for k in _PIXELMATCH_STYLE
            if getattr(args, k) not in (None, False)}


def _check_picture_style(args: argparse.Namespace, pictures: list[str]) -> None:
    """The pixelmatch picture's options only where that picture is drawn."""
    given = list(_pixelmatch_style(args))
    drawn = ("pixelmatch" in pictures and args.output is not None) or (
        args.method == "pixel" and args.diff_image is not None)
    if given and not drawn:
        from spotdiff.errors import InputError

        flag = "--" + given[0].replace("_", "-")
        raise InputError(flag, expected="a pixelmatch picture to style (--method pixel with "
                         "--diff-image FILE, or -o DIR with --pictures ...,pixelmatch)",
                         got="none asked for", fix=f"ask for that picture or drop {flag}")


def run(args: argparse.Namespace, streams: Streams) -> int:
    before, after = _inputs(args)
    pictures = _pictures(args.pictures)
    _check_outputs(args)
    _check_picture_style(args, pictures)
    method_options = _pixel_options(args)
    payload = same_bytes_payload(args, before, after, method_options)
    if payload is None:
        if streams.own_process:  # only the full compare allocates enough to care
            reuse_freed_memory()
        payload = _compare_and_write(args, before, after, pictures, method_options)
    else:
        payload.update(before=str(before), after=str(after))
    if args.json:
        streams.out.write(json.dumps(payload) + "\n")
    else:
        streams.err.write(_summary(payload, before, after))
    return ExitCode.DIFFERENT if payload["different"] else ExitCode.SAME


def _check_outputs(args: argparse.Namespace) -> None:
    """Refuse output paths that cannot be written, before any work."""
    if args.output is None and args.pictures != ",".join(DEFAULT_PICTURES):
        from spotdiff.errors import InputError

        raise InputError("--pictures", expected="-o DIR to write the pictures into",
                         got="no -o", fix="add -o DIR (or --diff-image FILE for one picture)")
    if args.output is None and args.diff_image is None:
        return
    from pathlib import Path

    from spotdiff.errors import InputError

    if args.output is not None and Path(args.output).exists() and not Path(args.output).is_dir():
        raise InputError("-o/--output", expected="a directory", got=f"a file '{args.output}'",
                         fix="pass a directory path (it is created if missing)")
    if args.diff_image is not None:
        from spotdiff.io.write import WRITE_FORMATS

        if Path(args.diff_image).is_dir() or args.diff_image.endswith(("/", os.sep)):
            raise InputError("--diff-image", expected="a file path",
                             got=f"a directory '{args.diff_image}'",
                             fix="pass a file name such as diff.png")
        if Path(args.diff_image).suffix.lower() not in WRITE_FORMATS:
            raise InputError("--diff-image", expected="a name ending in " + ", ".join(
                WRITE_FORMATS), got=repr(args.diff_image), fix="name it e.g. diff.png")


def _compare_and_write(args: argparse.Namespace, before: str, after: str, pictures: list[str],
                       method_options: dict[str, Any]) -> dict[str, Any]:
    """The full compare: load, run the engine, write the files asked for;
    returns the JSON summary."""
    from pathlib import Path

    pending = _start_loading(before, after)
    from spotdiff.engine import compare

    img_before, img_after = pending.result()
    kwargs = compare_kwargs(args)
    kwargs.update(method_options=method_options,
                  ignore_polygons=[__import__("numpy").asarray(p) for p in args.ignore_polygon])
    diff = compare(img_before, img_after, **kwargs)
    payload = diff.to_dict()
    payload.update(before=str(before), after=str(after))
    contents: dict[Path, bytes] = {}
    if args.output is not None:
        contents.update(output_files(diff, Path(args.output), pictures, payload,
                                     pixelmatch_style=_pixelmatch_style(args)))
    if args.diff_image is not None:
        from spotdiff import render
        from spotdiff.io import encode_image

        if diff.method == "pixel":  # pixelmatch users expect pixelmatch's picture
            from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

            annotator = PixelmatchDiffAnnotator(**_pixelmatch_style(args))
        else:
            annotator = getattr(render, f"{DIFF_IMAGE_PICTURE.capitalize()}Annotator")()
        target = Path(args.diff_image)
        contents[target] = encode_image(annotator.annotate(diff), target.suffix)
    if contents:
        from spotdiff.io import write_files

        for folder in {path.parent for path in contents}:
            folder.mkdir(parents=True, exist_ok=True)
        write_files(contents)  # all or nothing
    return payload
