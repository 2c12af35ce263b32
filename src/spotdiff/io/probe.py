"""What an image file's header says before any pixel is decoded.

Width, height, channels, sample size and whether the file holds more than
one frame, read from the header bytes of PNG, JPEG, TIFF, WebP and BMP
files with plain byte arithmetic. :mod:`spotdiff.io.image` refuses a file
from these numbers before a decoder allocates anything: a 600-byte JPEG
may claim 30000 × 30000 pixels, and a decoder would reserve 2.7 GB for it
before reading a single one.

The limits (:data:`DEFAULT_MAX_PIXELS` per image, a memory budget for a
pair) can be changed with the environment variables ``SPOTDIFF_MAX_PIXELS``
and ``SPOTDIFF_MAX_MEMORY`` (bytes, or with a K/M/G suffix), as Pillow's
``Image.MAX_IMAGE_PIXELS`` guards against decompression bombs.
"""

from __future__ import annotations

import contextlib
import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass

from spotdiff.errors import InputError

#: Pixels one image may have (width × height) unless told otherwise.
DEFAULT_MAX_PIXELS = 500_000_000

#: Bytes of memory a comparison needs per pixel of the larger image, at its
#: peak, for each byte of one decoded sample (measured: about 4 × the two
#: decoded images for the default method, more with pictures).
_BYTES_PER_SAMPLE_BYTE = 14

#: Set by :func:`limits` while its block runs; process-wide, as Pillow's
#: ``MAX_IMAGE_PIXELS``, so that the decoding threads see them too.
_SETTINGS: dict[str, object] = {"max_pixels": None, "allow_corrupt": False}


@dataclass(frozen=True)
class Header:
    """What a file's header says. ``frames`` > 1 for animations and multi-page files
    (None when the header does not tell)."""

    format: str
    width: int
    height: int
    channels: int
    sample_bytes: int
    frames: int | None = 1
    #: bytes the file must hold at least (uncompressed pixel data), 0 when unknown
    min_bytes: int = 0

    @property
    def pixels(self) -> int:
        return self.width * self.height

    @property
    def decoded_bytes(self) -> int:
        """Bytes of the decoded pixels (before any widening)."""
        return self.pixels * self.channels * self.sample_bytes


def parse_size(text: str) -> int:
    """A size in bytes from ``500M``, ``20G``, ``1.5T`` or a plain number
    (K, M, G, T: powers of 1024); ValueError unless finite and >= 0."""
    text = text.strip().upper()
    scale = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}.get(text[-1:], 1)
    value = float(text[:-1] if scale > 1 else text) * scale
    if not 0 <= value < float("inf"):
        raise ValueError(text)
    return int(value)


def _from_environment(name: str, example: str) -> int | None:
    """A positive size from the environment variable ``name`` (K/M/G suffixes), or None."""
    env = os.environ.get(name)
    if not env:
        return None
    try:
        value = parse_size(env)
        if value <= 0:
            raise ValueError(env)
        return value
    except ValueError:
        raise InputError(name, expected="a positive number (K, M or G suffixes allowed)",
                         got=repr(env), fix=f"unset it or set e.g. {name}={example}") from None


def max_pixels(override: int | None = None) -> int:
    """The pixel limit per image: ``override``, else ``SPOTDIFF_MAX_PIXELS``, else the default."""
    if override is not None:
        return int(override)
    if _SETTINGS["max_pixels"] is not None:
        return int(_SETTINGS["max_pixels"])  # type: ignore[call-overload]
    return _from_environment("SPOTDIFF_MAX_PIXELS", "1000000000") or DEFAULT_MAX_PIXELS


def memory_budget() -> int:
    """Bytes a comparison may plan to use: ``SPOTDIFF_MAX_MEMORY``, else half the memory."""
    budget = _from_environment("SPOTDIFF_MAX_MEMORY", "8G")
    if budget:
        return budget
    try:
        return os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") // 2
    except (ValueError, OSError, AttributeError):  # not a POSIX system: 8 GB
        return 8 << 30


def _mpx(pixels: int) -> str:
    return f"{pixels / 1e6:.1f} Mpx"


def check_pixels(width: int, height: int, subject: str, limit: int | None = None) -> None:
    """Refuse an image (or a canvas to allocate) above the pixel limit."""
    cap = max_pixels(limit)
    if width * height > cap:
        raise InputError(
            subject, expected=f"at most {_mpx(cap)} ({cap} pixels)",
            got=f"{width}x{height} ({_mpx(width * height)})",
            fix="compare a smaller or cropped image, or raise the limit with --max-pixels "
                "(or SPOTDIFF_MAX_PIXELS) if the image is genuine")


def check_pair_memory(before: Header, after: Header) -> None:
    """Refuse a pair whose comparison would need more than the memory budget."""
    need = max(before.pixels, after.pixels) * max(before.channels, after.channels, 3) \
        * max(before.sample_bytes, after.sample_bytes) * _BYTES_PER_SAMPLE_BYTE
    budget = memory_budget()
    if need > budget:
        raise InputError(
            "image pair", expected=f"a comparison that fits the memory budget "
            f"({budget / 2**30:.1f} GiB)",
            got=f"{before.width}x{before.height} and {after.width}x{after.height} images, which "
                f"need about {need / 2**30:.1f} GiB",
            fix="compare smaller or cropped images, or raise the budget with SPOTDIFF_MAX_MEMORY "
                "(e.g. SPOTDIFF_MAX_MEMORY=32G) on a machine that has it")


# -- per-format headers -----------------------------------------------------------------------

_PNG_CHANNELS = {0: 1, 2: 3, 3: 3, 4: 4, 6: 4}


def _png(data: bytes) -> Header | None:
    if len(data) < 33 or data[12:16] != b"IHDR":
        return None
    width, height, depth, colour = struct.unpack(">IIBB", data[16:26])
    if colour not in _PNG_CHANNELS:
        return None
    frames = 1
    pos = 8
    while pos + 8 <= len(data):  # an acTL chunk before the image data: an animation
        length, tag = struct.unpack(">I4s", data[pos : pos + 8])
        if tag == b"acTL" and pos + 12 <= len(data):
            frames = max(1, struct.unpack(">I", data[pos + 8 : pos + 12])[0])
            break
        if tag == b"IDAT":
            break
        pos += 12 + length
    channels = _PNG_CHANNELS[colour]
    if colour == 3 and b"tRNS" in data[: pos + 8]:
        channels = 4
    return Header("png", width, height, channels, 2 if depth == 16 else 1, frames)


_SOF = {0xC0, 0xC1, 0xC2, 0xC3, 0xC5, 0xC6, 0xC7, 0xC9, 0xCA, 0xCB, 0xCD, 0xCE, 0xCF}


def _jpeg(data: bytes) -> Header | None:
    pos, n = 2, len(data)
    while pos + 4 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            pos += 2
            continue
        if marker in (0xD9, 0xDA):  # end of image or start of scan before any frame header
            return None
        length = struct.unpack(">H", data[pos + 2 : pos + 4])[0]
        if marker in _SOF:
            if pos + 10 > n:
                return None
            precision, height, width, comps = struct.unpack(">BHHB", data[pos + 4 : pos + 10])
            return Header("jpeg", width, height, max(1, comps), 2 if precision > 8 else 1)
        pos += 2 + length
    return None


def _tiff(data: bytes) -> Header | None:
    order = "<" if data[:2] == b"II" else ">"
    if len(data) < 8 or struct.unpack(order + "H", data[2:4])[0] != 42:
        return None  # BigTIFF and others: the decoder decides
    offset = struct.unpack(order + "I", data[4:8])[0]
    if offset + 2 > len(data):
        return None
    count = struct.unpack(order + "H", data[offset : offset + 2])[0]
    values: dict[int, int] = {}
    for i in range(count):
        at = offset + 2 + 12 * i
        if at + 12 > len(data):
            return None
        tag, kind, n = struct.unpack(order + "HHI", data[at : at + 8])
        if tag in (256, 257, 258, 259, 277) and n >= 1:
            if kind == 3:  # SHORT
                values[tag] = struct.unpack(order + "H", data[at + 8 : at + 10])[0]
            elif kind == 4:  # LONG
                values[tag] = struct.unpack(order + "I", data[at + 8 : at + 12])[0]
    if 256 not in values or 257 not in values:
        return None
    end = offset + 2 + 12 * count
    following = struct.unpack(order + "I", data[end : end + 4])[0] if end + 4 <= len(data) else 0
    bits = values.get(258, 8)
    width, height, channels = values[256], values[257], values.get(277, 1)
    raw = width * height * channels * bits // 8 if values.get(259, 1) == 1 else 0
    return Header("tiff", width, height, channels, max(1, (bits + 7) // 8),
                  2 if following else 1, raw)


def _webp(data: bytes) -> Header | None:
    kind = data[12:16]
    if kind == b"VP8X" and len(data) >= 30:
        flags = data[20]
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return Header("webp", width, height, 4 if flags & 0x10 else 3, 1,
                      None if flags & 0x02 else 1)
    if kind == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return Header("webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1,
                      4 if bits >> 28 & 1 else 3, 1)
    if kind == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return Header("webp", width & 0x3FFF, height & 0x3FFF, 3, 1)
    return None


def _bmp(data: bytes) -> Header | None:
    if len(data) < 26:
        return None
    size = struct.unpack("<I", data[14:18])[0]
    if size == 12:
        width, height = struct.unpack("<HH", data[18:22])
        bpp = struct.unpack("<H", data[24:26])[0] if len(data) >= 26 else 24
        compression = 0
    elif size >= 40 and len(data) >= 34:
        width, height = struct.unpack("<ii", data[18:26])
        bpp, compression = struct.unpack("<HI", data[28:34])
    else:
        return None
    width, height = abs(width), abs(height)
    raw = ((width * bpp + 31) // 32) * 4 * height if compression == 0 else 0  # BI_RGB rows
    return Header("bmp", width, height, 4 if bpp == 32 else 3, 1, 1, raw)


_READERS = {"png": _png, "jpeg": _jpeg, "tiff": _tiff, "webp": _webp, "bmp": _bmp}


def read_header(data: bytes, fmt: str) -> Header | None:
    """The header of encoded bytes of format ``fmt``, or None when it cannot be read
    (the decoder then has the last word)."""
    reader = _READERS.get(fmt)
    try:
        return reader(data) if reader else None
    except struct.error:
        return None


# -- the limits in force ----------------------------------------------------------------------



@contextlib.contextmanager
def limits(*, max_pixels: int | None = None, allow_corrupt: bool | None = None
           ) -> Iterator[None]:
    """Change the input limits while the ``with`` block runs (in every thread).

    ``max_pixels``: the pixel limit per image; ``allow_corrupt``: take the
    decoder's best effort on a file it reports damaged instead of refusing it.
    """
    if max_pixels is not None and (isinstance(max_pixels, bool)
                                   or not isinstance(max_pixels, int) or max_pixels < 1):
        raise InputError("max_pixels", expected="a whole number >= 1", got=repr(max_pixels))
    saved = dict(_SETTINGS)
    if max_pixels is not None:
        _SETTINGS["max_pixels"] = max_pixels
    if allow_corrupt is not None:
        _SETTINGS["allow_corrupt"] = bool(allow_corrupt)
    try:
        yield
    finally:
        _SETTINGS.update(saved)


def corrupt_allowed() -> bool:
    return bool(_SETTINGS["allow_corrupt"])
