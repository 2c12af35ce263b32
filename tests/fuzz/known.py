"""Broken promises the fuzzer found in the source, each with a minimal
reproduction. They stay listed here until the source is fixed:

* the bounded run tolerates a case whose every broken promise matches one
  of these (``tolerated``), so that it keeps guarding everything else;
* ``test_fuzz.py`` runs each reproduction as a strict ``xfail``: once the
  source is fixed it passes, the xfail turns into a failure, and the entry
  must be deleted here (which re-enables it in the bounded run).

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


KNOWN: list[Known] = [
    # A gray pair (PNG/JPEG/TIFF, 8 or 16 bit or float) that gets a blur,
    # asked for or chosen by --threshold auto: cv2.GaussianBlur drops the
    # channel axis and engine._difference -> io.alpha.opaque_views indexes
    # shape[2]: "internal error: IndexError: tuple index out of range".
    Known("gray pair with a blur: internal error IndexError",
          "IndexError: tuple index out of range",
          _gray_pair, ("compare", "--json", "--blur", "1", "a.png", "b.png")),
    # libpng's own warning reaches stderr beside spotdiff's error line in
    # some runs only (a race, more frequent when the machine is busy; the
    # same command is clean otherwise), e.g. "PNG warning: IDAT: incorrect
    # data check" for _png_idat_flips(). Too irregular for a strict xfail.
    Known("libpng warning on stderr in some runs (IDAT data check)",
          "PNG warning:", None, ("compare", "--json", "a.png", "b.png")),
    # OpenCV's WebP assertion text ("> Buffer is too small ...") on stderr
    # for a WebP file cut to fewer than 32 bytes.
    Known("OpenCV WebP assertion on stderr (file under 32 bytes)",
          "Buffer is too small",
          lambda: {"a.webp": _seed("webp-lossy"), "b.webp": _seed("webp-lossy")[:29]},
          ("compare", "--json", "a.webp", "b.webp")),
    # A float image with a large negative value (within the +-1e6 x
    # data_range bound): numpy's RuntimeWarning from metrics/color.py
    # (srgb linearisation, ** 2.4 of a negative) on stderr, and a score of -1.5.
    Known("float TIFF with -11000: RuntimeWarning on stderr",
          "RuntimeWarning: invalid value encountered in power",
          lambda: {"a.tif": _float_tiff(0.5), "b.tif": _float_tiff(-11000.0)},
          ("compare", "--json", "a.tif", "b.tif")),
    # Tiny files decoded to huge arrays before the refusal (peak RSS above
    # 200 MB): a 433-byte palette PNG whose PLTE length is 0x7FFFFFFF (2.1 GB,
    # 10 s) and a 12 KB float TIFF whose ImageLength is 1048576 (630 MB).
    Known("433-byte PNG with PLTE length 0x7FFFFFFF: 2.1 GB before the refusal",
          "peak RSS", None, ("compare", "--json", "a.png", "b.png"),
          only=("png/png_chunk_length",)),
    Known("12 KB float TIFF claiming 64x1048576: 630 MB before the refusal",
          "peak RSS", None, ("compare", "--json", "a.tif", "b.tif"),
          only=("tiff/tiff_ifd_size",)),
    # SIGINT during `-o` on a 2000x2000 noise pair, under load (machine
    # busy with a second run): "spotdiff: interrupted" printed, then no exit
    # within 60 s (1 of 10 SIGINT cases in a long run; not reproduced alone).
    Known("SIGINT during -o: 'interrupted' printed, then a hang",
          "no answer within", None, ("compare", "--json", "big-before.png", "big-after.png",
                                     "-o", "out"), only=("signal/SIGINT",)),
]

#: builders of the reproductions without a strict xfail (costly or irregular)
COSTLY = {"png-warning a.png/b.png": lambda: {"a.png": _seed("png-gray16"),
                                                "b.png": _png_idat_flips()},
          "a.png/b.png": lambda: {"a.png": _seed("png-palette"), "b.png": _plte_length()},
          "a.tif/b.tif": lambda: {"a.tif": _seed("tiff-float32"), "b.tif": _tiff_height()}}


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
