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

from spotdiff.cli._common import ExitCode, Streams, fraction, positive_int
from spotdiff.cli._compare_options import add_compare_options, compare_options
from spotdiff.outputs import DEFAULT_PICTURES, DIFF_IMAGE_PICTURE, PICTURES
from spotdiff.summary import verdict_line

#: The environment variable that, set to anything but 0, turns off the
#: answer for byte-identical files (:func:`same_bytes_payload`): every
#: compare then runs the engine. Tests and benchmarks compare both ways.
NO_FAST_PATH = "SPOTDIFF_NO_FAST_PATH"
#: Bytes read at a time when comparing two files (fastest on a 4K PNG pair).
_CHUNK = 1 << 16

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any

    from spotdiff.options import CompareOptions


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

    i = p.add_argument_group("input limits")
    i.add_argument("--max-pixels", type=positive_int, metavar="N",
                   help="refuse an image of more than N pixels, read from its header before "
                   "decoding (default 500000000, or $SPOTDIFF_MAX_PIXELS)")
    i.add_argument("--allow-corrupt", action="store_true",
                   help="compare what the decoder makes of a file it reports damaged, instead "
                   "of refusing it")
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
    return f"{verdict_line(payload)}\n  before: {before}\n  after:  {after}\n"


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
    if header is not None:
        from spotdiff.io.probe import max_pixels

        if header[0] * header[1] > max_pixels():
            return None  # the full path refuses it, naming the limit
    if header is None or not png_ends_complete(tail):
        return None
    return header[0], header[1]


def options_from_args(args: argparse.Namespace) -> CompareOptions:
    """The compare's options from the command line (see :func:`compare_options`)."""
    return compare_options(args)


def same_bytes_payload(args: argparse.Namespace, before: str, after: str,
                       options: CompareOptions) -> dict[str, Any] | None:
    """The JSON summary of byte-identical PNG files, or None to run the engine.

    The engine's answer for identical inputs
    (:func:`spotdiff.identical.identical_answer`, which the engine uses too),
    with the size read from the PNG header, without numpy, OpenCV or a
    decoder.

    It is taken only when nothing needs pixels (no ``-o``, ``--diff-image``,
    ignored boxes, polygons or masks, or ``--only-mask``), without
    ``--align`` (the registration code needs OpenCV), for PNG files (other
    formats need a decode to know their size) and unless
    ``SPOTDIFF_NO_FAST_PATH`` is set (see :data:`NO_FAST_PATH`).
    """
    if os.environ.get(NO_FAST_PATH, "") not in ("", "0"):
        return None
    if args.output is not None or args.diff_image is not None or options.align != "none" \
            or not options.unrestricted:
        return None
    size = _identical_png_size(before, after)
    if size is None:
        return None
    from spotdiff.identical import identical_summary

    return identical_summary(options, *size)


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
    from spotdiff.io.probe import limits

    with limits(max_pixels=args.max_pixels, allow_corrupt=args.allow_corrupt or None):
        return _run(args, streams)


def _run(args: argparse.Namespace, streams: Streams) -> int:
    before, after = _inputs(args)
    pictures = _pictures(args.pictures)
    _check_outputs(args)
    _check_picture_style(args, pictures)
    options = options_from_args(args)
    payload = same_bytes_payload(args, before, after, options)
    if payload is None:
        payload = _compare_and_write(args, before, after, pictures, options)
    else:
        payload.update(before=str(before), after=str(after))
    if args.json:
        streams.out.write(json.dumps(payload, allow_nan=False) + "\n")
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
        if args.output is not None:
            taken = {"result.json"} | {f"{name}.png" for name in _pictures(args.pictures)}
            target = Path(args.diff_image).resolve()
            if target.parent == Path(args.output).resolve() and target.name in taken:
                raise InputError("--diff-image", expected="a file that -o does not also write",
                                 got=f"'{args.diff_image}', which -o writes as well",
                                 fix="give the picture another name or folder")


def _compare_and_write(args: argparse.Namespace, before: str, after: str, pictures: list[str],
                       options: CompareOptions) -> dict[str, Any]:
    """The full compare: load, run the engine, write the files asked for;
    returns the JSON summary."""

    pending = _start_loading(before, after)
    from spotdiff.engine import compare

    diff = compare(*pending.result(), options)
    del pending  # the diff holds the images now, and nothing else does
    payload = diff.to_dict()
    payload.update(before=str(before), after=str(after))
    if args.output is not None or args.diff_image is not None:
        from spotdiff.outputs import OutputSet

        files = OutputSet(diff, payload, out_dir=args.output, pictures=pictures,
                          diff_image=args.diff_image, pixelmatch_style=_pixelmatch_style(args))
        del diff  # the files hold it until the full-size pictures are drawn
        files.write()
    return payload
