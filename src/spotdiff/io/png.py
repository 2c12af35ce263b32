"""Decode the common PNG files on libdeflate.

Most of a PNG's decoding time is the zlib inflate of its image data
(libpng inflates a 1080p screenshot in ~20 ms). libdeflate, which
imagecodecs wraps, inflates the same stream 3-5x faster when the output
size is known - and for a PNG it is: ``(1 + row bytes) x height``. This
module walks the chunks, checks their CRCs, inflates the IDAT data (moved
together in the file's own buffer when it is writable, see
:func:`_image_stream`) into one buffer and reconstructs the rows with the
compiled un-filter (``spotdiff._pngfilter``) in the same buffer: decoding
takes no memory beyond the file's bytes and the pixels.

It takes what screenshots and renders are: 8 or 16-bit gray, RGB and
RGBA, not interlaced, without ``tRNS``; :func:`decode_png` returns None
for anything else, for anything it finds wrong (a bad CRC, a stream that
does not inflate to exactly the image's size, an unknown filter type), and
when the extension or imagecodecs is missing. The caller then decodes with
libpng, which reads every PNG and names what is wrong with a file. The
pixels are the same either way (tested against libpng on every filter
type, depth and colour type).
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np

from spotdiff.io.header import png_header

#: Colour type -> channels, for the types decoded here.
_CHANNELS = {0: 1, 2: 3, 6: 4}
#: Critical chunks understood here (PLTE is a suggested palette in RGB files).
_CRITICAL = (b"IHDR", b"PLTE", b"IDAT", b"IEND")

_PARTS: Any = None


def codec_setting() -> str:
    """``SPOTDIFF_PNG_CODEC`` as the PNG readers and writers read it:
    ``"opencv"`` (OpenCV's codecs alone; ``cv2`` says the same),
    ``"libpng"`` (imagecodecs' libpng, not this decoder) or ``""`` (the
    fastest codec installed)."""
    value = os.environ.get("SPOTDIFF_PNG_CODEC", "").lower()
    return "opencv" if value == "cv2" else value


def _parts() -> Any:
    """(inflate, crc32, unfilter), or False when one of them is missing."""
    global _PARTS
    if _PARTS is None:
        try:
            import imagecodecs

            from spotdiff import _pngfilter  # type: ignore[attr-defined]

            _PARTS = (imagecodecs.deflate_decode, imagecodecs.deflate_crc32,
                      _pngfilter.unfilter)
        except (ImportError, AttributeError):
            _PARTS = False
    return _PARTS


def available() -> bool:
    """Whether this decoder can run (imagecodecs and the compiled un-filter)."""
    return bool(_parts())


def _image_data(data: bytes | bytearray, crc32: Any) -> list[tuple[int, int]] | None:
    """(start, length) of each IDAT payload of a PNG whose chunks are whole,
    in order and whose CRCs all match, or None (an unknown critical chunk, a
    ``tRNS``, IDAT chunks apart, a bad CRC: libpng decides what those files
    are)."""
    view = memoryview(data)
    pos, end = 8, len(data)
    parts: list[tuple[int, int]] = []
    closed = False  # a chunk other than IDAT came after the image data
    while pos + 12 <= end:
        length, tag = struct.unpack_from(">I4s", data, pos)
        stop = pos + 12 + length
        if stop > end:
            return None
        (stored,) = struct.unpack_from(">I", data, stop - 4)
        if crc32(view[pos + 4 : stop - 4]) != stored:
            return None
        if tag == b"IEND":
            break
        if tag == b"tRNS" or (tag[0] < 0x61 and tag not in _CRITICAL):
            return None
        if tag == b"IDAT":
            if closed:
                return None
            parts.append((pos + 8, length))
        elif parts:
            closed = True
        pos = stop
    return parts or None


#: Bytes between two IDAT payloads: the first one's CRC, the next one's length and tag.
_GAP = 12


@contextmanager
def _image_stream(data: bytes | bytearray, parts: list[tuple[int, int]]) -> Iterator[Any]:
    """The IDAT payloads at ``parts`` as one contiguous buffer.

    In a writable buffer (the readers' own: :func:`spotdiff.io.image.load_image`
    reads files into a bytearray) the payloads are moved together in place,
    over the chunk boundaries between them, and moved back on the way out,
    so the file's bytes are as they were for a decoder that reads them
    next; a read-only one is joined into a copy (as large as the stream).
    """
    view = memoryview(data)
    first, _ = parts[0]
    if len(parts) == 1:
        yield view[first : first + parts[0][1]]
        return
    if view.readonly:
        yield b"".join(view[start : start + n] for start, n in parts)
        return
    moved: list[tuple[int, int, int, bytes]] = []  # (from, to, length, boundary before)
    to = first + parts[0][1]
    try:
        for start, n in parts[1:]:
            moved.append((start, to, n, bytes(view[start - _GAP : start])))
            view[to : to + n] = view[start : start + n]  # memmove: the ranges may overlap
            to += n
        yield view[first:to]
    finally:
        for start, at, n, boundary in reversed(moved):  # the last one back first
            view[start : start + n] = view[at : at + n]
            view[start - _GAP : start] = boundary


def decode_png(data: bytes | bytearray) -> np.ndarray | None:
    """(H, W, C) pixels of a PNG in RGB(A) order (uint8, or uint16 for
    16-bit files), or None when the file is not one decoded here (the
    caller then uses libpng)."""
    parts = _parts()
    header = png_header(data)
    if not parts or header is None or data[28] != 0:  # interlaced
        return None
    width, height, depth, colour = header
    channels = _CHANNELS.get(colour)
    if channels is None or depth not in (8, 16):
        return None
    inflate, crc32, unfilter = parts
    parts = _image_data(data, crc32)
    if parts is None:
        return None
    bpp = channels * depth // 8
    stride = width * bpp
    size = (stride + 1) * height
    # one buffer: inflated into, then rebuilt in place (row y moves to
    # y * stride), so decoding takes no more memory than the pixels
    buf = np.empty(size, np.uint8)
    try:
        # sized exactly: a stream longer or shorter than the image fails
        # here, as libpng would refuse it
        with _image_stream(data, parts) as stream:
            inflated = len(inflate(stream, out=memoryview(buf)))
        if inflated != size:
            return None
        unfilter(buf, buf, height, stride, bpp)
    except Exception:  # noqa: BLE001 - libpng decodes it again and names the problem
        return None
    pixels = buf[: height * stride]
    if depth == 16:
        pixels = pixels.view(">u2").astype(np.uint16)  # big-endian samples to native order
    return pixels.reshape(height, width, channels)
