"""Decode image files and validate arrays into one internal form.

The internal form is an :class:`Image`: an (H, W, C) array in RGB(A) channel
order (C is 1, 3 or 4) of dtype uint8, uint16 or float32, with its
``data_range`` made explicit. Files are decoded with OpenCV; JPEG EXIF
orientation is applied; an alpha channel that is fully opaque is dropped so
that the fast opaque paths apply.

Speed paths (same pixels either way):

* PNG files: 8/16-bit gray, RGB and RGBA, not interlaced and without a
  ``tRNS`` chunk, are inflated by libdeflate and un-filtered by a compiled
  loop (:mod:`spotdiff.io.png`, 2-3.5x faster than libpng), else decoded by
  imagecodecs' libpng (both release the GIL; imagecodecs is a dependency,
  though spotdiff still runs where it cannot be imported). Anything else,
  and any file they refuse, goes to OpenCV, which also writes the error
  messages. ``SPOTDIFF_PNG_CODEC=libpng`` skips the libdeflate decoder,
  ``SPOTDIFF_PNG_CODEC=opencv`` forces OpenCV.
* :func:`load_pair` decodes two files in two threads, and byte-identical
  files only once; a byte-identical PNG pair is not decoded at all until
  its pixels are asked for (width and height come from the header).
* OpenCV is imported only when a function needs it.
"""

from __future__ import annotations

import os
import stat
import struct
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Union

import numpy as np

from spotdiff.errors import InputError, os_reason
from spotdiff.io import probe
from spotdiff.io.header import PNG_SIGNATURE, png_ends_complete, png_header
from spotdiff.io.native import NativeMessages, readable
from spotdiff.io.png import codec_setting, decode_png

ImageLike = Union[str, os.PathLike, np.ndarray, "Image"]

#: Magic bytes of the formats spotdiff decodes, checked before decoding so that
#: an unsupported file gets a precise message rather than a decoder failure.
_MAGIC = (
    (PNG_SIGNATURE, "png"),
    (b"\xff\xd8\xff", "jpeg"),
    (b"BM", "bmp"),
    (b"II*\x00", "tiff"),
    (b"MM\x00*", "tiff"),
)
SUPPORTED_FORMATS = ("png", "jpeg", "bmp", "tiff", "webp")


@dataclass(frozen=True, eq=False)
class Image:
    """A decoded image.

    Attributes
    ----------
    pixels : ndarray
        (H, W, C) array, C in {1, 3, 4}, RGB(A) order, uint8/uint16/float32.
    data_range : float
        The value of full intensity (255 for uint8, 65535 for uint16, given
        by the caller for float input).
    name : str
        The path, or ``"<array>"``.

    Notes
    -----
    The two images that :func:`load_pair` returns for byte-identical files
    share one decode, made on the first access to ``pixels``; ``width``
    and ``height`` are known before it (from a PNG's header).
    """

    pixels: np.ndarray
    data_range: float
    name: str = "<array>"
    format: str = "array"

    @classmethod
    def _deferred(
        cls, source: _Encoded, *, name: str, data_range: float, format: str,
        shape: tuple[int, int],
    ) -> Image:
        """An image whose pixels are decoded from ``source`` on first access."""
        image = object.__new__(cls)
        for key, value in (("data_range", data_range), ("name", name), ("format", format),
                           ("_source", source), ("_shape", shape)):
            object.__setattr__(image, key, value)
        return image

    def __getattr__(self, attr: str) -> Any:
        # Only reached for attributes that are not set: a deferred image's pixels.
        source = self.__dict__.get("_source")
        if attr != "pixels" or source is None:
            raise AttributeError(f"'Image' object has no attribute {attr!r}")
        pixels = source.image().pixels
        object.__setattr__(self, "pixels", pixels)
        return pixels

    def _hw(self) -> tuple[int, int]:
        pixels = self.__dict__.get("pixels")
        if pixels is None and "_shape" in self.__dict__:
            return self.__dict__["_shape"]
        return self.pixels.shape[:2]

    @property
    def height(self) -> int:
        return int(self._hw()[0])

    @property
    def width(self) -> int:
        return int(self._hw()[1])

    @property
    def channels(self) -> int:
        return int(self.pixels.shape[2])

    @property
    def has_alpha(self) -> bool:
        return self.channels == 4

    @property
    def size(self) -> tuple[int, int]:
        """(width, height)."""
        return self.width, self.height


def sniff_format(head: bytes) -> str | None:
    """Name the image format from a file's first bytes, or None if unsupported."""
    for magic, name in _MAGIC:
        if head.startswith(magic):
            return name
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "webp"
    return None


_VIDEO_FIX = ("compare takes still images: read a video's frames with "
              "spotdiff.io.video.read_frames, or extract one (ffmpeg -i IN -frames:v 1 OUT.png)")


def _describe_head(head: bytes) -> tuple[str, str | None]:
    """What a file of an unsupported format is, and how to go on (None: convert it)."""
    if not head:
        return "an empty file", "the file is empty: re-export or re-download it"
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"heic", b"heix", b"heim", b"heis", b"mif1", b"msf1", b"hevc"):
            return "a HEIF/HEIC image", "convert it to PNG or JPEG first"
        if brand in (b"avif", b"avis"):
            return "an AVIF image", "convert it to PNG or JPEG first"
        return "an MP4/MOV video", _VIDEO_FIX
    if head[:4] == b"RIFF" and head[8:12] == b"AVI ":
        return "an AVI video", _VIDEO_FIX
    if head[:4] == b"\x1aE\xdf\xa3":
        return "a Matroska/WebM video", _VIDEO_FIX
    for magic, name in ((b"GIF8", "a GIF file"), (b"%PDF", "a PDF file"), (b"<", "text/markup"),
                        (b"8BPS", "a Photoshop file"), (b"\x00\x00\x00\x0cjP", "a JPEG 2000 file"),
                        (b"qoif", "a QOI image"), (b"\x76\x2f\x31\x01", "an OpenEXR image")):
        if head.startswith(magic):
            return name, None
    return f"a file starting with bytes {head[:8].hex(' ')}", None


_IEND = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _png_state(data: bytes) -> str:
    """Walk a PNG's chunks: ``"complete"``, ``"no-iend"`` (every chunk whole
    but the closing IEND missing, as some tools write) or ``"truncated"``."""
    # every chunk is walked, even when IEND closes the file: a length field
    # that claims more than the file holds makes a decoder allocate it
    pos, n = 8, len(data)
    while pos + 8 <= n:
        end = pos + 12 + int.from_bytes(data[pos : pos + 4], "big")
        if end > n:
            return "truncated"
        if data[pos + 4 : pos + 8] == b"IEND":
            return "complete"
        pos = end
    return "no-iend" if pos == n and n > 8 else "truncated"


def _complete_png(data: bytes) -> bytes:
    """``data`` with the closing IEND chunk added when only it is missing
    (odiff writes its diff PNGs so); decoders refuse such files otherwise."""
    if png_ends_complete(data):
        return data
    return data + _IEND if _png_state(data) == "no-iend" else data


def _truncated(data: bytes, fmt: str, header: probe.Header | None) -> bool:
    """Cheap structural end-of-file checks for the formats whose decoders
    silently return a partly grey image when the file is cut short."""
    if fmt == "png":
        return _png_state(data) == "truncated"
    if fmt == "jpeg":
        return b"\xff\xd9" not in data[-4096:].rstrip(b"\x00")
    if fmt == "webp":  # the RIFF header says how long the file is
        return len(data) < 8 + int.from_bytes(data[4:8], "little")
    return header is not None and header.min_bytes > len(data)


#: PNG colour type -> channels, for the types the fast decoder takes.
_PNG_CHANNELS = {0: 1, 2: 3, 6: 4}


def _png_has_chunk(data: bytes, kind: bytes) -> bool:
    """Whether a chunk of ``kind`` comes before the image data."""
    pos = 8
    while pos + 8 <= len(data):
        length, tag = struct.unpack(">I4s", data[pos : pos + 8])
        if tag == kind:
            return True
        if tag == b"IDAT":
            return False
        pos += 12 + length
    return False


_PNG_CODEC: Any = None


def _png_codec() -> Any:
    """imagecodecs' PNG decoder, or None (not installed, or disabled)."""
    global _PNG_CODEC
    if _PNG_CODEC is None:
        _PNG_CODEC = False
        if codec_setting() != "opencv":
            try:
                import imagecodecs

                _PNG_CODEC = imagecodecs.png_decode
            except (ImportError, AttributeError):
                pass
    return _PNG_CODEC or None


def _decode_png_fast(data: bytes) -> np.ndarray | None:
    """RGB(A)/gray pixels from the fast PNG decoders, or None to use OpenCV."""
    if codec_setting() == "":
        pixels = decode_png(data)
        if pixels is not None:
            return pixels
    header = png_header(data)
    decode = _png_codec()
    if header is None or decode is None:
        return None
    width, height, depth, colour = header
    channels = _PNG_CHANNELS.get(colour)
    if depth not in (8, 16) or channels is None or _png_has_chunk(data, b"tRNS"):
        return None
    try:
        pixels = decode(data)
    except Exception:  # noqa: BLE001 - OpenCV decodes it again and names the problem
        return None
    if pixels.ndim == 2:
        pixels = pixels[:, :, None]
    dtype = np.uint8 if depth == 8 else np.uint16
    if pixels.shape != (height, width, channels) or pixels.dtype != dtype:
        return None
    return pixels


def _check_header(header: probe.Header, subject: str) -> None:
    """Refuse what a header alone shows: too many pixels, too much memory, frames."""
    probe.check_pixels(header.width, header.height, subject)
    probe.check_pair_memory(header, header)
    if header.frames != 1:
        count = "several" if header.frames is None else str(header.frames)
        kind = "pages" if header.format == "tiff" else "frames"
        raise InputError(
            subject, expected="an image with one frame",
            got=f"an animated or multi-page {header.format.upper()} ({count} {kind})",
            fix="extract the frame to compare into its own file (e.g. ImageMagick: "
                "magick IN[0] OUT.png)")


def _check_encoded(data: bytes, subject: str) -> tuple[str, probe.Header | None]:
    """The format of encoded bytes and what its header says (None when it
    cannot be read); refuses unsupported, truncated and over-limit files.
    ``subject`` names the input in messages (e.g. "after image 'b.png'")."""
    fmt = sniff_format(data[:16])
    if fmt is None:
        got, fix = _describe_head(data[:16])
        raise InputError(subject, expected="a PNG, JPEG, BMP, TIFF or WebP file", got=got,
                         fix=fix or "convert it to PNG first")
    header = probe.read_header(data, fmt)
    if _truncated(data, fmt, header):
        raise InputError(
            subject,
            expected=f"a complete {fmt.upper()} file",
            got=f"a file that ends early ({len(data)} bytes, fewer than its structure says)",
            fix="the file is truncated or still being written; re-export or re-download it",
        )
    if header is not None:
        _check_header(header, subject)
    return fmt, header


def _decode(data: bytes, fmt: str) -> tuple[np.ndarray | None, str]:
    """Decode with OpenCV: BGR(A) order, as OpenCV returns it; None and the
    reason when it cannot."""
    import cv2

    buf = np.frombuffer(data, dtype=np.uint8)
    if fmt == "jpeg":
        # JPEG has no alpha; these flags keep 8/12-bit depth and gray, and
        # apply the EXIF orientation (IMREAD_UNCHANGED would ignore it).
        flags = cv2.IMREAD_ANYCOLOR | cv2.IMREAD_ANYDEPTH
    else:
        flags = cv2.IMREAD_UNCHANGED
    try:
        pixels = cv2.imdecode(buf, flags)
    except cv2.error as exc:
        return None, readable(str(exc).strip().splitlines()[-1]) if str(exc).strip() \
            else "decoder error"
    if pixels is None or pixels.size == 0:
        return None, "data the decoder could not read"
    return pixels, ""


def _from_decoded(pixels: np.ndarray) -> np.ndarray:
    """OpenCV's BGR(A) to our RGB(A), with a channel axis always present."""
    import cv2

    if pixels.ndim == 2:
        return pixels[:, :, None]
    if pixels.shape[2] == 3:
        return cv2.cvtColor(pixels, cv2.COLOR_BGR2RGB)
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_BGRA2RGBA)
    return pixels


def _drop_opaque_alpha(pixels: np.ndarray, data_range: float) -> np.ndarray:
    if pixels.shape[2] == 4 and pixels[:, :, 3].min() >= data_range:
        import cv2

        # OpenCV's SIMD copy is ~20x faster than numpy's strided one.
        return cv2.cvtColor(pixels, cv2.COLOR_RGBA2RGB)
    return pixels


#: Float samples may exceed full intensity (HDR), but not by so much that
#: squaring them overflows float32 on the way.
_FLOAT_HEADROOM = 1e6
#: Below black, a float image may dip by rounding (a filter's ringing), not more.
_FLOAT_NEGATIVE = 1e-3


def _check_finite(pixels: np.ndarray, subject: str, data_range: float) -> None:
    """Refuse NaN, infinities and magnitudes no image holds."""
    finite = np.isfinite(pixels)
    if not finite.all():
        bad = int(pixels.size - np.count_nonzero(finite))
        raise InputError(subject, expected="finite sample values",
                         got=f"{bad} NaN or infinite value(s)",
                         fix="replace them (e.g. np.nan_to_num) or mask them out first")
    low = float(pixels.min()) if pixels.size else 0.0
    if low < -_FLOAT_NEGATIVE * data_range:
        raise InputError(subject, expected="intensities from 0 (black) up, as in any image",
                         got=f"a value of {low:g} (data_range {data_range:g})",
                         fix="shift or scale the data into [0, data_range] first")
    peak = float(np.abs(pixels).max()) if pixels.size else 0.0
    if peak > _FLOAT_HEADROOM * data_range:
        raise InputError(subject, expected=f"values within ±{_FLOAT_HEADROOM:g} × data_range "
                         f"({data_range:g})", got=f"a value of magnitude {peak:g}",
                         fix="scale the data, or pass the data_range it is in")


def _from_array(array: np.ndarray, data_range: float | None, name: str) -> Image:
    if not isinstance(array, np.ndarray):
        raise InputError(
            name,
            expected="a path or a numpy array",
            got=type(array).__name__,
            fix="pass a file path or an (H, W[, C]) numpy array",
        )
    if array.ndim == 2:
        array = array[:, :, None]
    if array.ndim != 3 or array.shape[2] not in (1, 3, 4):
        raise InputError(
            name,
            expected="an array of shape (H, W), (H, W, 3) or (H, W, 4)",
            got=f"shape {array.shape}",
            fix="pass gray, RGB or RGBA pixels with channels last",
        )
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise InputError(name, expected="a non-empty image", got=f"shape {array.shape}")
    if array.dtype == np.uint8:
        default_range = 255.0
    elif array.dtype == np.uint16:
        default_range = 65535.0
    elif array.dtype.kind == "f":
        if data_range is None:
            raise InputError(
                name,
                expected="data_range for a float array",
                got=f"dtype {array.dtype} and no data_range",
                fix="pass data_range=1.0 (or 255.0) to say what full intensity is",
            )
        if isinstance(data_range, bool) or not np.isfinite(float(data_range)) \
                or float(data_range) <= 0:
            raise InputError(name, expected="data_range a finite number > 0",
                             got=repr(data_range), fix="pass e.g. data_range=1.0")
        _check_finite(array, name, float(data_range))
        array = array.astype(np.float32, copy=False)
        default_range = float(data_range)
    else:
        raise InputError(
            name,
            expected="dtype uint8, uint16 or float",
            got=f"dtype {array.dtype}",
            fix="convert the array, e.g. array.astype(np.float32) with data_range",
        )
    rng = float(data_range) if data_range is not None else default_range
    if rng <= 0:
        raise InputError(name, expected="data_range > 0", got=str(data_range))
    array = np.ascontiguousarray(array)
    if array.shape[2] == 4 and array.dtype == np.uint8:
        # whether the alpha is opaque (and dropped) is settled when the pixels
        # are first read: a method that reads alpha itself never has to
        return Image._deferred(_GivenRGBA(array, rng), name="<array>", data_range=rng,
                               format="array", shape=array.shape[:2])
    return Image(pixels=_drop_opaque_alpha(array, rng), data_range=rng, name="<array>")


class _GivenRGBA:
    """An RGBA array as given; its image drops the alpha if it is opaque."""

    def __init__(self, rgba: np.ndarray, data_range: float) -> None:
        self.rgba = rgba
        self.data_range = data_range

    def image(self) -> Image:
        return Image(pixels=_drop_opaque_alpha(self.rgba, self.data_range),
                     data_range=self.data_range, name="<array>")


def pixels_with_alpha(image: Image) -> np.ndarray:
    """The image's pixels with an RGBA array's alpha channel kept even when
    it is opaque (``image.pixels`` drops it), without a copy: for methods
    that read the alpha themselves and answer alike either way."""
    source = image.__dict__.get("_source")
    if isinstance(source, _GivenRGBA):
        return source.rgba
    return image.pixels


def load_image(
    source: ImageLike, *, data_range: float | None = None, name: str = "image"
) -> Image:
    """Load a path or validate an array into an :class:`Image`.

    Parameters
    ----------
    source : path, ndarray or Image
        A file (PNG, JPEG, BMP, TIFF, WebP; 8 or 16 bit; gray, RGB, RGBA) or
        an array of shape (H, W), (H, W, 3) or (H, W, 4) in RGB(A) order.
    data_range : float, optional
        Full intensity. Required for float arrays; integer inputs use the
        full range of their dtype.
    name : str
        How to call this input in error messages (``"before"``/``"after"``).

    Raises
    ------
    InputError
        The file is missing, unreadable, truncated or of an unsupported
        format, or the array has an unsupported shape or dtype.
    """
    if isinstance(source, Image):
        return source
    if isinstance(source, np.ndarray):
        return _from_array(source, data_range, f"{name} array")
    if not isinstance(source, (str, os.PathLike)):
        raise InputError(
            f"{name} image",
            expected="a path or a numpy array",
            got=type(source).__name__,
            fix="pass a file path or an (H, W[, C]) numpy array",
        )
    path = Path(source)
    return decode_image(_read(path, name), name=str(path),
                        role=None if name == "image" else name)


_FILE_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
               (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"),
               (stat.S_ISDIR, "a directory"))


def special_file(mode: int) -> str | None:
    """What a file that is not a regular file is (``st_mode``), or None."""
    for test, kind in _FILE_KINDS:
        if test(mode):
            return kind
    return None if stat.S_ISREG(mode) else "not a regular file"


def _os_error(exc: OSError, subject: str) -> InputError:
    got, fix = os_reason(exc)
    return InputError(subject, expected="a readable file", got=got, fix=fix)


#: Bytes read first, for the format and the header's size.
_HEAD_BYTES = 1 << 16
#: Files up to this size are read with one system call (one read may stop at 2 GiB).
_ONE_READ = 1 << 30


def _pread_into(fd: int, view: memoryview) -> int:
    """Read from the file's start into ``view`` in one system call where the
    platform has ``preadv``; returns the bytes read."""
    if hasattr(os, "preadv"):
        return os.preadv(fd, [view], 0)
    chunk = os.pread(fd, len(view), 0)
    view[: len(chunk)] = chunk
    return len(chunk)


def _read(path: Path, name: str) -> bytearray:
    """The file's bytes: regular files only (a FIFO or a device would block or never
    end), opened without blocking, and no larger than the pixel limit allows.

    A bytearray, which the PNG decoder may use as its work space
    (:mod:`spotdiff.io.png` moves the image data together in it, and back).
    """
    subject = f"{name} image '{path}'"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError(subject, expected="an existing file", got="no such file",
                         fix="check the path and the current directory") from None
    except IsADirectoryError:
        raise InputError(subject, expected="a file", got="a directory",
                         fix="pass an image file, not a folder") from None
    except OSError as exc:
        raise _os_error(exc, subject) from None
    try:
        info = os.fstat(fd)
        kind = special_file(info.st_mode)
        if kind == "a directory":
            raise InputError(subject, expected="a file", got="a directory",
                             fix="pass an image file, not a folder")
        if kind is not None:
            raise InputError(subject, expected="a regular image file", got=kind,
                             fix="save the image to a file and pass that")
        with os.fdopen(fd, "rb", closefd=True) as handle:
            fd = -1
            head = handle.read(_HEAD_BYTES)
            fmt = sniff_format(head[:16])
            header = probe.read_header(head, fmt) if fmt else None
            if header is not None:  # refuse a bomb before reading the rest
                _check_header(header, subject)
                cap = 8 * header.pixels + (1 << 20)  # uncompressed 16-bit RGBA, and chunks
            else:
                cap = max(8 * probe.max_pixels(), 1 << 26)
            if info.st_size > cap:
                raise InputError(subject, expected=f"an image file of at most {cap} bytes",
                                 got=f"{info.st_size} bytes",
                                 fix="check the file: it is larger than any image of its size")
            if len(head) < _HEAD_BYTES:
                return bytearray(head)  # the whole file
            if info.st_size >= _ONE_READ:
                return bytearray(head) + handle.read(cap + 1 - len(head))
            # the whole file in one read, not two parts joined (a copy), and
            # a byte more than it had: one that grew since is read to its cap
            data = bytearray(info.st_size + 1)
            with memoryview(data) as view:
                n = _pread_into(handle.fileno(), view)
            del data[n:]
            if n > info.st_size:
                handle.seek(n)
                data += handle.read(cap + 1 - n)
            return data
    except OSError as exc:
        raise _os_error(exc, subject) from None
    finally:
        if fd >= 0:
            os.close(fd)


def decode_image(data: bytes, *, name: str, role: str | None = None) -> Image:
    """Decode encoded image bytes (see :func:`load_image`); ``role`` ("before",
    "after") names the input in error messages."""
    subject = f"{role} image '{name}'" if role else f"image '{name}'"
    fmt, _ = _check_encoded(data, subject)
    return _decode_checked(data, fmt, name, subject)


def _decode_checked(data: bytes, fmt: str, name: str, subject: str) -> Image:
    """Decode bytes that passed :func:`_check_encoded` as format ``fmt``."""
    if fmt == "png":
        data = _complete_png(data)
    with NativeMessages() as native:
        pixels = _decode_png_fast(data) if fmt == "png" else None
        if pixels is None:
            decoded, detail = _decode(data, fmt)
            pixels = None if decoded is None else _from_decoded(decoded)
    damage = native.damage()
    if pixels is None:
        raise InputError(
            subject,
            expected=f"a readable {fmt.upper()} file",
            got=f"corrupt data ({damage or detail})",
            fix="re-export the image or check that it was copied completely",
        )
    if damage and not probe.corrupt_allowed():
        raise InputError(
            subject,
            expected=f"an undamaged {fmt.upper()} file",
            got=f"corrupt data ({damage})",
            fix="re-export the image or check that it was copied completely; pass "
                "--allow-corrupt (allow_corrupt=True) to compare the decoder's best effort",
        )
    if pixels.dtype == np.uint8:
        rng = 255.0
    elif pixels.dtype == np.uint16:
        rng = 65535.0
    elif pixels.dtype == np.float32:  # e.g. float TIFF, assumed to be in [0, 1]
        rng = 1.0
        _check_finite(pixels, subject, rng)
    else:
        raise InputError(
            subject,
            expected="8-bit, 16-bit or float samples",
            got=f"{pixels.dtype} samples",
            fix="convert it to an 8 or 16 bit PNG",
        )
    return Image(pixels=_drop_opaque_alpha(pixels, rng), data_range=rng, name=name, format=fmt)


class _Encoded:
    """Encoded bytes, decoded at most once and only when asked (thread-safe)."""

    def __init__(self, data: bytes, name: str) -> None:
        self._data: bytes | None = data
        self._name = name
        self._image: Image | None = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:  # picklable: the lock is not
        return {"data": self._data, "name": self._name, "image": self._image}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["data"], state["name"])  # type: ignore[misc]
        self._image = state["image"]

    def image(self) -> Image:
        with self._lock:
            if self._image is None:
                self._image = decode_image(self._data or b"", name=self._name)
                self._data = None  # the pixels replace the bytes
            return self._image


def same_file_contents(before: Image, after: Image) -> bool:
    """Whether two images were loaded from byte-identical files by :func:`load_pair`
    (so they are equal without looking at a pixel)."""
    source = before.__dict__.get("_source")
    return source is not None and source is after.__dict__.get("_source")


def _is_path(source: object) -> bool:
    return isinstance(source, (str, os.PathLike))


def _identical_pair(data: bytes, before: str, after: str) -> tuple[Image, Image]:
    """Two images that share one decode of ``data``; a PNG's is deferred."""
    fmt, header = _check_encoded(data, f"before image '{before}'")
    source = _Encoded(data, before)
    if header is not None and fmt != "tiff":  # nothing to decode before the pixels are asked for
        rng = 65535.0 if header.sample_bytes == 2 else 255.0
        shape = (header.height, header.width)
    else:
        decoded = source.image()
        rng, shape, fmt = decoded.data_range, decoded.pixels.shape[:2], decoded.format
    return (
        Image._deferred(source, name=before, data_range=rng, format=fmt, shape=shape),
        Image._deferred(source, name=after, data_range=rng, format=fmt, shape=shape),
    )


def _decode_both(data_b: bytes, fmt_b: str, subject_b: str, name_b: str,
                 data_a: bytes, fmt_a: str, subject_a: str, name_a: str) -> tuple[Image, Image]:
    """Decode two checked files in two threads (the decoders release the GIL),
    or one after the other when :data:`PARALLEL_DECODE` is off."""
    if not PARALLEL_DECODE:
        img_b = _decode_checked(data_b, fmt_b, name_b, subject_b)
        return img_b, _decode_checked(data_a, fmt_a, name_a, subject_a)
    pending = _decoder().submit(_decode_checked, data_b, fmt_b, name_b, subject_b)
    try:
        img_a = _decode_checked(data_a, fmt_a, name_a, subject_a)
    finally:
        img_b = pending.result()  # before's error, if any, wins
    return img_b, img_a


#: Decode a pair's two files in two threads. Off in processes where every
#: core already decodes pairs of its own (the batch's workers): the hand-over
#: to the second thread costs a tenth of a 1080p pair's decoding.
PARALLEL_DECODE = True
_DECODER: Any = None
_DECODER_LOCK = threading.Lock()


def _decoder() -> Any:
    """The thread that decodes BEFORE while the caller decodes AFTER: one,
    kept for the process (starting a thread per pair costs more than a
    small pair's decode; callers in several threads take turns on it)."""
    global _DECODER
    with _DECODER_LOCK:
        if _DECODER is None:
            from concurrent.futures import ThreadPoolExecutor

            _DECODER = ThreadPoolExecutor(1, thread_name_prefix="spotdiff-decode")
        return _DECODER


def _forget_decoder() -> None:
    """In a forked child: the parent's thread is not there; start a new one."""
    global _DECODER, _DECODER_LOCK
    _DECODER, _DECODER_LOCK = None, threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_decoder)


def load_pair(
    before: ImageLike, after: ImageLike, *, data_range: float | None = None
) -> tuple[Image, Image]:
    """Load two inputs the fast way (see :func:`load_image` for the rules).

    Two files are read, then decoded in two threads (the decoders release
    the GIL). Byte-identical files are decoded at most once, a PNG pair not
    at all until its pixels are used: :func:`same_file_contents` then says
    True and the engine answers from the header.

    Raises
    ------
    InputError
        As :func:`load_image`, for ``before`` first.
    """
    if not (_is_path(before) and _is_path(after)):
        return (
            load_image(before, data_range=data_range, name="before"),
            load_image(after, data_range=data_range, name="after"),
        )
    path_b, path_a = Path(before), Path(after)  # type: ignore[arg-type]
    data_b = _read(path_b, "before")
    data_a = _read(path_a, "after")
    if data_b == data_a:
        return _identical_pair(data_b, str(path_b), str(path_a))
    subject_b, subject_a = f"before image '{path_b}'", f"after image '{path_a}'"
    fmt_b, header_b = _check_encoded(data_b, subject_b)
    fmt_a, header_a = _check_encoded(data_a, subject_a)
    if header_b is not None and header_a is not None:
        probe.check_pair_memory(header_b, header_a)
    args_b = (data_b, fmt_b, subject_b, str(path_b))
    args_a = (data_a, fmt_a, subject_a, str(path_a))
    try:
        with NativeMessages(window=True) as window:
            img_b, img_a = _decode_both(*args_b, *args_a)
        heard = bool(window.lines)
    except InputError:
        heard = True
    if heard:  # a decoder spoke: one at a time, to know whose file it was about
        img_b = _decode_checked(data_b, fmt_b, str(path_b), subject_b)
        img_a = _decode_checked(data_a, fmt_a, str(path_a), subject_a)
    return img_b, img_a
