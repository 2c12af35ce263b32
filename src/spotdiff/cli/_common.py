"""Exit codes, streams and the error path shared by every command."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import TextIO


class ExitCode(enum.IntEnum):
    SAME = 0
    DIFFERENT = 1
    ERROR = 2
    INTERRUPTED = 130


@dataclass
class Streams:
    out: TextIO
    err: TextIO


def fail(streams: Streams, exc: BaseException) -> int:
    """Print a one-line message for an expected error and return exit code 2.

    Errors we raise for bad input (InputError, MissingExtraError) and the
    operating system's (disk full, permission denied) are the user's to fix
    and get one line; anything else is a bug and keeps its traceback.
    """
    from spotdiff.errors import InputError, MissingExtraError

    if isinstance(exc, (InputError, MissingExtraError)):
        streams.err.write(f"spotdiff: error: {exc}\n")
        return ExitCode.ERROR
    if isinstance(exc, OSError):
        where = f" '{exc.filename}'" if getattr(exc, "filename", None) else ""
        streams.err.write(f"spotdiff: error: cannot write{where}: {exc.strerror or exc}\n")
        return ExitCode.ERROR
    raise exc


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
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected points 'x,y x,y x,y', got {text!r}"
            ) from None
        points.append((x, y))
    if len(points) < 3:
        raise argparse.ArgumentTypeError(
            f"expected a polygon of at least 3 points 'x,y x,y x,y', got {text!r}"
        )
    return points


def non_negative_int(text: str) -> int:
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 0, got {text!r}")
    return value


def fraction(text: str) -> float:
    import argparse

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise argparse.ArgumentTypeError(f"expected a number from 0 to 1, got {text!r}")
    return value


def non_negative_float(text: str) -> float:
    import argparse
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise argparse.ArgumentTypeError(f"expected a number >= 0, got {text!r}")
    return value


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
