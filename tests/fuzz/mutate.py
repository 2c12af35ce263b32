"""Mutations of a seed file: generic byte damage and format-aware header edits.

Each mutator takes the seed's bytes, its format and a ``numpy`` random
generator, and returns the damaged bytes. ``mutate`` picks one at random
and says which, so that the run can count outcomes per mutation.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable

import numpy as np

Mutator = Callable[[bytes, str, np.random.Generator], bytes]

PNG_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"
JPEG_EOI = b"\xff\xd9"

#: Dimensions a hostile header claims: huge, zero, and the limits of the fields.
HUGE = (0, 1, 30000, 65535, 100000, 1 << 20, 0x7FFFFFFF, 0xFFFFFFFF)


def _at(rng: np.random.Generator, n: int) -> int:
    return int(rng.integers(0, max(n, 1)))


def bit_flips(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 9))):
        i = _at(rng, len(buf))
        buf[i] ^= 1 << int(rng.integers(0, 8))
    return bytes(buf)


def byte_overwrite(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    buf = bytearray(data)
    for _ in range(int(rng.integers(1, 17))):
        buf[_at(rng, len(buf))] = int(rng.integers(0, 256))
    return bytes(buf)


def truncate(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    return data[:_at(rng, len(data))]


def truncate_close(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    """Truncate, then add the format's end marker so the file looks finished."""
    cut = data[:int(rng.integers(len(data) // 4, len(data) - 2))]
    return cut + {"jpeg": JPEG_EOI, "png": PNG_IEND}.get(fmt, b"")


def zero_range(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    start = int(rng.integers(16, max(len(data) - 8, 17)))
    length = int(rng.integers(1, max(len(data) // 3, 2)))
    buf = bytearray(data)
    end = min(len(buf), start + length)
    buf[start:end] = bytes(end - start)
    return bytes(buf)


def insert_junk(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    at = _at(rng, len(data))
    junk = rng.integers(0, 256, int(rng.integers(1, 4096)), dtype=np.uint8).tobytes()
    return data[:at] + junk + data[at:]


def duplicate_range(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    start = _at(rng, len(data))
    end = min(len(data), start + int(rng.integers(1, 2048)))
    at = _at(rng, len(data))
    return data[:at] + data[start:end] + data[at:]


# --- PNG -------------------------------------------------------------------

def _png_chunks(data: bytes) -> list[tuple[int, bytes]]:
    """(offset, type) of each chunk, as far as the structure holds."""
    out, pos = [], 8
    while pos + 8 <= len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        out.append((pos, data[pos + 4:pos + 8]))
        pos += 12 + length
    return out


def png_chunk_length(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    chunks = _png_chunks(data)
    pos, _ = chunks[_at(rng, len(chunks))]
    (old,) = struct.unpack(">I", data[pos:pos + 4])
    new = int(rng.choice([0, 1, old - 1, old + 1, old * 2, 0x7FFFFFFF, 0xFFFFFFFF]))
    return data[:pos] + struct.pack(">I", new & 0xFFFFFFFF) + data[pos + 4:]


def png_ihdr_size(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    """Width and/or height in IHDR set huge, CRC recomputed so decoders trust it."""
    buf = bytearray(data)
    which = int(rng.integers(0, 3))
    if which in (0, 2):
        buf[16:20] = struct.pack(">I", int(rng.choice(HUGE)))
    if which in (1, 2):
        buf[20:24] = struct.pack(">I", int(rng.choice(HUGE)))
    if rng.random() < 0.8:
        buf[29:33] = struct.pack(">I", zlib.crc32(bytes(buf[12:29])) & 0xFFFFFFFF)
    return bytes(buf)


# --- JPEG ------------------------------------------------------------------

def _jpeg_sof(data: bytes) -> int:
    for marker in (b"\xff\xc0", b"\xff\xc2", b"\xff\xc1"):
        i = data.find(marker)
        if i >= 0:
            return i
    return -1


def jpeg_sof_size(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    i = _jpeg_sof(data)
    if i < 0:
        return bit_flips(data, fmt, rng)
    buf = bytearray(data)
    h = int(rng.choice([0, 1, 30000, 65535, 48]))
    w = int(rng.choice([0, 1, 30000, 65535, 64]))
    buf[i + 5:i + 7] = struct.pack(">H", h)
    buf[i + 7:i + 9] = struct.pack(">H", w)
    return bytes(buf)


# --- BMP -------------------------------------------------------------------

def bmp_header_size(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    buf = bytearray(data)
    w = int(rng.choice([0, 1, -64, 30000, 65535, 0x7FFFFFFF, -0x80000000]))
    h = int(rng.choice([0, -48, 30000, 65535, 0x7FFFFFFF, -0x80000000]))
    buf[18:22] = struct.pack("<i", w)
    buf[22:26] = struct.pack("<i", h)
    return bytes(buf)


# --- WebP ------------------------------------------------------------------

def webp_vp8x_size(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    """Wrap the bitstream in an extended (VP8X) file whose canvas is huge."""
    w = int(rng.choice([1, 16384, 30000, 1 << 24])) - 1
    h = int(rng.choice([1, 16384, 30000, 1 << 24])) - 1
    body = b"\x00\x00\x00\x00" + (w & 0xFFFFFF).to_bytes(3, "little") + (h & 0xFFFFFF).to_bytes(
        3, "little")
    vp8x = b"VP8X" + struct.pack("<I", len(body)) + body
    rest = vp8x + data[12:]
    return b"RIFF" + struct.pack("<I", 4 + len(rest)) + b"WEBP" + rest


def webp_frame_size(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    """Edit the dimensions inside the VP8 / VP8L frame header."""
    buf = bytearray(data)
    kind = bytes(buf[12:16])
    if kind == b"VP8 " and len(buf) > 30:
        buf[26:28] = struct.pack("<H", int(rng.integers(0, 1 << 14)))
        buf[28:30] = struct.pack("<H", int(rng.integers(0, 1 << 14)))
    elif kind == b"VP8L" and len(buf) > 25:
        bits = struct.unpack("<I", bytes(buf[21:25]))[0]
        w, h = int(rng.integers(0, 1 << 14)), int(rng.integers(0, 1 << 14))
        bits = (bits & ~((1 << 28) - 1)) | w | (h << 14)
        buf[21:25] = struct.pack("<I", bits)
    else:
        return bit_flips(data, fmt, rng)
    return bytes(buf)


# --- TIFF ------------------------------------------------------------------

def tiff_ifd_size(data: bytes, fmt: str, rng: np.random.Generator) -> bytes:
    """ImageWidth (256) / ImageLength (257) in the first IFD set huge."""
    end = "<" if data[:2] == b"II" else ">"
    (ifd,) = struct.unpack(end + "I", data[4:8])
    (count,) = struct.unpack(end + "H", data[ifd:ifd + 2])
    buf = bytearray(data)
    for k in range(count):
        e = ifd + 2 + 12 * k
        tag, typ = struct.unpack(end + "HH", data[e:e + 4])
        if tag in (256, 257) and rng.random() < 0.7:
            v = int(rng.choice(HUGE))
            if typ == 3:
                buf[e + 8:e + 10] = struct.pack(end + "H", min(v, 0xFFFF))
            else:
                buf[e + 8:e + 12] = struct.pack(end + "I", v)
    return bytes(buf)


GENERIC: dict[str, Mutator] = {
    "bit_flips": bit_flips,
    "byte_overwrite": byte_overwrite,
    "truncate": truncate,
    "zero_range": zero_range,
    "insert_junk": insert_junk,
    "duplicate_range": duplicate_range,
}

BY_FORMAT: dict[str, dict[str, Mutator]] = {
    "png": {"truncate_close": truncate_close, "png_chunk_length": png_chunk_length,
            "png_ihdr_size": png_ihdr_size},
    "jpeg": {"truncate_close": truncate_close, "jpeg_sof_size": jpeg_sof_size},
    "bmp": {"bmp_header_size": bmp_header_size},
    "webp": {"webp_vp8x_size": webp_vp8x_size, "webp_frame_size": webp_frame_size},
    "tiff": {"tiff_ifd_size": tiff_ifd_size},
}


def mutate(data: bytes, fmt: str, rng: np.random.Generator) -> tuple[str, bytes]:
    """One random mutation (format-aware ones about a third of the time)."""
    table = BY_FORMAT[fmt] if rng.random() < 0.35 else GENERIC
    name = str(rng.choice(sorted(table)))
    return name, table[name](data, fmt, rng)
