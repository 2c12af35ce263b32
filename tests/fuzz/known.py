"""Broken promises the fuzzer found in the source, each with a minimal
reproduction.

* ``KNOWN``: found and not fixed yet. The bounded run tolerates a case whose
  every broken promise matches one of these (``tolerated``), so that it keeps
  guarding everything else; ``test_fuzz.py`` runs each reproduction as a
  strict ``xfail``, which fails once the source is fixed.
* ``REGRESSIONS``: found and fixed; ``test_fuzz.py`` checks that each
  reproduction keeps every promise.

The long run (``python -m tests.fuzz``) tolerates nothing.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from . import corpus
from .harness import Verdict


@dataclass(frozen=True)
class Known:
    name: str
    #: the broken-promise message says this
    says: str
    #: None: the reproduction is too costly for the suite (memory); long run only
    files: Callable[[], dict[str, bytes]] | None
    args: tuple[str, ...]
    #: runs of the reproduction (a race shows in some runs only)
    repeat: int = 1
    #: tolerated only in cases of these kind/mutation labels (empty: any)
    only: tuple[str, ...] = ()


def _seed(name: str) -> bytes:
    return next(s.data for s in corpus.seeds() if s.name == name)


def _gray_pair() -> dict[str, bytes]:
    import cv2

    a = np.full((48, 64), 100, np.uint8)
    b = a.copy()
    b[10:20, 10:20] = 180
    return {"a.png": cv2.imencode(".png", a)[1].tobytes(),
            "b.png": cv2.imencode(".png", b)[1].tobytes()}


def _png_idat_flips() -> bytes:
    d = bytearray(_seed("png-gray16"))  # two bit flips found by the long run
    d[156] ^= 0x04
    d[512] ^= 0x01
    return bytes(d)


def _float_tiff(value: float) -> bytes:
    img = np.full((48, 64), 0.5, np.float32)
    img[3, 3] = value
    return corpus._tiff(img)


def _plte_length() -> bytes:
    d = bytearray(_seed("png-palette"))
    d[33:37] = struct.pack(">I", 0x7FFFFFFF)  # PLTE's length field
    return bytes(d)


def _tiff_height() -> bytes:
    d = bytearray(_seed("tiff-float32"))  # little-endian, first IFD at offset 8
    (count,) = struct.unpack("<H", d[8:10])
    for k in range(count):
        e = 10 + 12 * k
        if struct.unpack("<H", d[e:e + 2])[0] == 257:  # ImageLength
            d[e + 8:e + 12] = struct.pack("<I", 1 << 20)
    return bytes(d)


#: Broken promises found and not fixed yet (none at present). Add an entry
#: with its reproduction when the long run finds one; once it is fixed, move
#: it to REGRESSIONS.
KNOWN: list[Known] = []

#: Broken promises the fuzzer found and the source fixed: each reproduction
#: must keep every promise (``test_fuzz.py`` runs them all).
REGRESSIONS: list[Known] = [
    # A gray pair that gets a blur (asked for, or chosen by --threshold auto):
    # cv2.GaussianBlur dropped the channel axis -> "internal error: IndexError".
    Known("gray pair with a blur: internal error IndexError",
          "IndexError: tuple index out of range",
          _gray_pair, ("compare", "--json", "--blur", "1", "a.png", "b.png")),
    # libpng's warnings reached stderr beside spotdiff's line in some runs (the
    # two decodes of a pair ran in parallel, one of them outside any capture).
    Known("libpng warning on stderr in some runs (IDAT data check)", "PNG warning:",
          lambda: {"a.png": _seed("png-gray16"), "b.png": _png_idat_flips()},
          ("compare", "--json", "a.png", "b.png"), repeat=6),
    # OpenCV's WebP assertion text ("> Buffer is too small ...") on stderr for a
    # WebP file cut to fewer than 32 bytes.
    Known("OpenCV WebP assertion on stderr (file under 32 bytes)", "Buffer is too small",
          lambda: {"a.webp": _seed("webp-lossy"), "b.webp": _seed("webp-lossy")[:29]},
          ("compare", "--json", "a.webp", "b.webp")),
    # A float image with a large negative value: numpy's RuntimeWarning on
    # stderr (sRGB linearisation of a negative) and a score of -1.5.
    Known("float TIFF with -11000: RuntimeWarning on stderr",
          "RuntimeWarning: invalid value encountered in power",
          lambda: {"a.tif": _float_tiff(0.5), "b.tif": _float_tiff(-11000.0)},
          ("compare", "--json", "a.tif", "b.tif")),
    # Tiny files decoded to huge arrays before the refusal: a 433-byte palette
    # PNG whose PLTE length is 0x7FFFFFFF (2.1 GB) and a 12 KB float TIFF whose
    # ImageLength is 1048576 (630 MB).
    Known("433-byte PNG with PLTE length 0x7FFFFFFF: 2.1 GB before the refusal", "peak RSS",
          lambda: {"a.png": _seed("png-palette"), "b.png": _plte_length()},
          ("compare", "--json", "a.png", "b.png")),
    Known("12 KB float TIFF claiming 64x1048576: 630 MB before the refusal", "peak RSS",
          lambda: {"a.tif": _seed("tiff-float32"), "b.tif": _tiff_height()},
          ("compare", "--json", "a.tif", "b.tif")),
]


def tolerated(kind_label: str, v: Verdict) -> list[str]:
    """The known issues behind ``v``'s broken promises, or [] if any is new.

    ``kind_label`` is the case's ``"kind/label"``, e.g. ``"png/bit_flips"``.
    """
    names = []
    for message in v.broken:
        hit = next((k.name for k in KNOWN if k.says in message
                    and (not k.only or kind_label in k.only)), None)
        if hit is None:
            return []
        names.append(hit)
    return names
