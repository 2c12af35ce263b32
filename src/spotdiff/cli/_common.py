"""Exit codes, streams and the error path shared by every command."""

from __future__ import annotations

import enum

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import TextIO


class ExitCode(enum.IntEnum):
    SAME = 0
    DIFFERENT = 1
    ERROR = 2
    INTERRUPTED = 130


class Streams:
    """Where a command writes: results on ``out``, messages on ``err``;
    ``own_process``: the command runs in a process of its own (not called
    from a program), so it may tune process-wide settings."""

    __slots__ = ("out", "err", "own_process")

    def __init__(self, out: TextIO, err: TextIO, own_process: bool = False) -> None:
        self.out = out
        self.err = err
        self.own_process = own_process


def _os_message(exc: OSError) -> str:
    """The operating system's refusal in one line: what, where, and the fix."""
    from spotdiff.errors import os_reason

    where = f"'{exc.filename}'" if getattr(exc, "filename", None) else "a file"
    got, fix = os_reason(exc)
    return f"cannot use {where}: expected a path that can be read or written as asked, " \
           f"got {got}; {fix}"


def fail(streams: Streams, exc: BaseException) -> int:
    """Print a one-line message for an error and return exit code 2.

    Errors we raise for bad input (InputError, MissingExtraError) and the
    operating system's (disk full, permission denied, no such folder) are the
    user's to fix and get one line. Anything else is a bug: one line says so,
    and ``SPOTDIFF_DEBUG=1`` adds the traceback. Either way the exit code is
    2, never 1, which scripts read as "the images differ".
    """
    import os

    from spotdiff.errors import InputError, MissingExtraError

    if isinstance(exc, (InputError, MissingExtraError)):
        streams.err.write(f"spotdiff: error: {exc}\n")
    elif isinstance(exc, OSError):
        streams.err.write(f"spotdiff: error: {_os_message(exc)}\n")
    else:
        lines = str(exc).strip().splitlines()
        streams.err.write(
            f"spotdiff: internal error: {type(exc).__name__}: {lines[-1] if lines else ''} "
            "(a bug: please report it with the command; SPOTDIFF_DEBUG=1 shows the "
            "traceback)\n"
        )
        if os.environ.get("SPOTDIFF_DEBUG"):
            import traceback

            traceback.print_exception(exc, file=streams.err)
    return ExitCode.ERROR


def parse_box(text: str) -> tuple[int, int, int, int]:
    """argparse type for ``x0,y0,x1,y1``."""
    import argparse

    parts = text.replace(" ", "").split(",")
    try:
        x0, y0, x1, y1 = (int(p) for p in parts)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected four integers x0,y0,x1,y1 (x1, y1 exclusive), got {text!r}"
        ) from None
    return x0, y0, x1, y1


def parse_polygon(text: str) -> list[tuple[int, int]]:
    """argparse type for ``x,y x,y x,y ...`` (or ``x,y;x,y;...``)."""
    import argparse

    points = []
    for chunk in text.replace(";", " ").split():
        try:
            x, y = (int(round(float(v))) for v in chunk.split(","))
        except (ValueError, OverflowError):  # not numbers, NaN, or infinite
            raise argparse.ArgumentTypeError(
                f"expected points 'x,y x,y x,y', got {text!r}"
            ) from None
        points.append((x, y))
    if len(points) < 3:
        raise argparse.ArgumentTypeError(
            f"expected a polygon of at least 3 points 'x,y x,y x,y', got {text!r}"
        )
    return points


def number_type(cast: type, *, low: float, high: float | None = None):  # noqa: ANN201
    """An argparse ``type`` for a finite int or float within [low, high]."""
    import argparse
    import math

    whole = cast is int
    if high is not None:
        wanted = f"a {'whole number' if whole else 'number'} from {low:g} to {high:g}"
    else:
        wanted = f"a {'whole number' if whole else 'number'} >= {low:g}"

    def convert(text: str):  # noqa: ANN202
        try:
            value = cast(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}") from None
        if not math.isfinite(value) or value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, got {text!r}")
        return value

    return convert


non_negative_int = number_type(int, low=0)
positive_int = number_type(int, low=1)
non_negative_float = number_type(float, low=0)
fraction = number_type(float, low=0, high=1)


def threshold_value(text: str) -> float | str:
    import argparse

    if text in ("auto", "otsu"):
        return text
    try:
        return non_negative_float(text)
    except argparse.ArgumentTypeError:
        raise argparse.ArgumentTypeError(
            f"expected a number >= 0, 'auto' or 'otsu', got {text!r}"
        ) from None
