"""What a PNG file's bytes say before any decoding: its header and its end.

Pure byte arithmetic, without numpy, so that the command line can answer
byte-identical PNG files (width and height from the header) before it
imports the decoders. :mod:`spotdiff.io.image` uses the same functions.
"""

from __future__ import annotations

import struct

#: The eight bytes every PNG file starts with.
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"

#: How far from a PNG file's end its IEND chunk (12 bytes) may start and
#: still count as the file's end: encoders may pad a little after it.
PNG_END_WINDOW = 64


def png_header(data: bytes) -> tuple[int, int, int, int] | None:
    """``(width, height, bit_depth, colour_type)`` from a PNG's IHDR chunk,
    or None when ``data`` does not start with a well-formed one.

    Only the first 33 bytes are read: the signature and the IHDR chunk.
    """
    if len(data) < 33 or data[:8] != PNG_SIGNATURE or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if width == 0 or height == 0 or depth not in (1, 2, 4, 8, 16) or colour not in (0, 2, 3, 4, 6):
        return None
    return width, height, depth, colour


def png_ends_complete(tail: bytes) -> bool:
    """Whether a PNG file's last bytes hold its IEND chunk, so that the file
    is complete (only the last :data:`PNG_END_WINDOW` bytes of ``tail`` are
    read; a file without it may still be complete, which takes a walk over
    its chunks to tell)."""
    return tail[-PNG_END_WINDOW:].find(b"IEND") >= 0
