"""Write output files atomically: a file is either complete or absent.

PNG pictures are encoded with fpng (a dependency; about 15-20x faster than
zlib level 1 for a 4K picture, files a few percent to a third larger), with
OpenCV where it cannot be imported. Set ``SPOTDIFF_PNG_CODEC=opencv`` to
force OpenCV.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np

from spotdiff.errors import InputError

#: zlib levels at or below which the fast encoder (when installed) is used.
FAST_LEVEL = 1


def _temporary_beside(target: Path) -> Path:
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                   dir=target.parent)
    except OSError as exc:  # report the user's path, not the temporary one
        raise OSError(exc.errno, exc.strerror, str(target)) from None
    os.close(fd)
    os.chmod(tmp, 0o666 & ~process_umask())  # mkstemp creates 0600; outputs are ordinary files
    return Path(tmp)


def process_umask() -> int:
    """The process's umask (read by setting it and putting it back): the
    permissions an output made private by ``tempfile`` gets once finished."""
    umask = os.umask(0)
    os.umask(umask)
    return umask


@contextmanager
def _folders_locked(folders: list[Path]) -> Iterator[None]:
    """Hold an exclusive lock on each folder (sorted, so two writers never
    deadlock), so that the renames of two processes writing into one
    folder do not interleave: the last writer's set wins whole."""
    try:
        import fcntl
    except ImportError:  # not POSIX: renames stay atomic one by one
        yield
        return
    fds = []
    try:
        for folder in sorted(set(folders)):
            try:
                fd = os.open(folder, os.O_RDONLY)
            except OSError:
                continue  # the rename reports the folder's problem
            fds.append(fd)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        for fd in fds:
            os.close(fd)  # closing releases the lock


@contextmanager
def written_together(paths: list[Path]) -> Iterator[list[Path]]:
    """Yield temporary paths beside ``paths``; rename them all on success.

    Every file is first written in full under a temporary name; only when
    all are written are they renamed into place. On any error every
    temporary file is removed, so a set of outputs is never left half
    written (a failed picture does not leave the others behind).
    """
    temps: list[Path] = []
    try:
        for target in paths:
            temps.append(_temporary_beside(Path(target)))
        try:
            yield temps
        except OSError as exc:  # e.g. the disk filled up: name the user's folder, not a temp
            if getattr(exc, "filename", None) and not any(
                    str(exc.filename) == str(tmp) for tmp in temps):
                raise
            raise OSError(exc.errno, exc.strerror, str(Path(paths[0]).parent)) from None
        for target in paths:  # what would make a rename fail, before any rename
            if Path(target).is_dir():
                raise IsADirectoryError(21, "Is a directory", str(target))
        with _folders_locked([Path(target).parent for target in paths]):
            for tmp, target in zip(temps, paths, strict=True):
                try:
                    os.replace(tmp, target)
                except OSError as exc:
                    raise OSError(exc.errno, exc.strerror, str(target)) from None
    except BaseException:
        for tmp in temps:
            tmp.unlink(missing_ok=True)
        raise


@contextmanager
def written_atomically(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; rename it to ``path`` on success.

    On any error the temporary file is removed, so no half-written output
    is ever left where a reader expects a finished file.
    """
    with written_together([Path(path)]) as (tmp,):
        yield tmp


def _fast_encoder():  # noqa: ANN202 - returns fpng's encode function or None
    """fpng's ndarray encoder, or None when it is not installed or disabled."""
    global _FPNG
    if _FPNG is None:
        _FPNG = False
        from spotdiff.io.png import codec_setting

        if codec_setting() != "opencv":
            try:
                from fpng import fpng_ext  # the C extension alone: no PIL, no cv2
            except ImportError:
                pass
            else:
                fpng_ext.init()
                _FPNG = fpng_ext.encode_ndarray
    return _FPNG or None


_FPNG: Any = None


def encode_png(pixels: np.ndarray, *, compression: int = 1) -> bytes:
    """Encode RGB(A) or gray pixels as PNG bytes.

    Parameters
    ----------
    pixels : ndarray
        (H, W), (H, W, 1), (H, W, 3) RGB or (H, W, 4) RGBA; uint8 or uint16.
    compression : int
        zlib level 0-9. At level 1 or below, 8-bit RGB(A) pictures go to
        fpng when it is installed (a single-pass encoder of about level-1
        size); everything else goes to OpenCV.
    """
    if (
        compression <= FAST_LEVEL
        and pixels.dtype == np.uint8
        and pixels.ndim == 3
        and pixels.shape[2] in (3, 4)
    ):
        fast = _fast_encoder()
        if fast is not None:
            return bytes(fast(np.ascontiguousarray(pixels)))
    import cv2

    if pixels.ndim == 3 and pixels.shape[2] == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    elif pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA)
    params = [cv2.IMWRITE_PNG_COMPRESSION, compression]
    gray = pixels.ndim == 2 or pixels.shape[2] == 1
    if compression <= FAST_LEVEL and pixels.dtype == np.uint8 and gray:
        # one filter for every row instead of libpng's per-row choice: a
        # 4K mask in a quarter of the time, at about the same size
        params += [cv2.IMWRITE_PNG_FILTER, cv2.IMWRITE_PNG_FILTER_UP]
    ok, buf = cv2.imencode(".png", pixels, params)
    if not ok:  # pragma: no cover - OpenCV fails only on unsupported dtypes
        raise InputError("PNG encoder", expected="uint8 or uint16 pixels", got=str(pixels.dtype))
    return buf.tobytes()


#: File name endings the writers accept, and OpenCV's encoder for each.
WRITE_FORMATS = {".png": ".png", ".jpg": ".jpg", ".jpeg": ".jpg", ".webp": ".webp",
                 ".bmp": ".bmp", ".tif": ".tiff", ".tiff": ".tiff"}


def encode_image(pixels: np.ndarray, suffix: str, *, compression: int = 1) -> bytes:
    """Encode pixels in the format a file name ending names (``.png``,
    ``.jpg``, ``.webp``, ``.bmp``, ``.tif``); PNG goes through
    :func:`encode_png`, the rest through OpenCV at high quality."""
    ext = WRITE_FORMATS.get(suffix.lower())
    if ext is None:
        raise InputError(
            "output file name",
            expected="an ending among " + ", ".join(WRITE_FORMATS),
            got=repr(suffix) if suffix else "no ending",
            fix="name the file e.g. diff.png",
        )
    if ext == ".png":
        return encode_png(pixels, compression=compression)
    import cv2

    if pixels.ndim == 3 and pixels.shape[2] == 3:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGB2BGR)
    elif pixels.ndim == 3 and pixels.shape[2] == 4:
        pixels = cv2.cvtColor(pixels, cv2.COLOR_RGBA2BGRA)
    params = [cv2.IMWRITE_JPEG_QUALITY, 95] if ext == ".jpg" else []
    ok, buf = cv2.imencode(ext, pixels, params)
    if not ok:  # pragma: no cover - OpenCV fails only on unsupported dtypes
        raise InputError(f"{ext} encoder", expected="uint8 pixels", got=str(pixels.dtype))
    return buf.tobytes()


def write_image(path: str | os.PathLike, pixels: np.ndarray, *, compression: int = 1) -> Path:
    """Write RGB(A)/gray pixels atomically, in the format the name's ending says."""
    data = encode_image(pixels, Path(path).suffix, compression=compression)
    with written_atomically(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


def write_files(contents: dict[Path, bytes | Path]) -> None:
    """Write several files all-or-nothing (see :func:`written_together`); a
    value that is a path is copied (by the kernel where it can, without
    reading the file into memory)."""
    paths = list(contents)
    with written_together(paths) as temps:
        for tmp, path in zip(temps, paths, strict=True):
            put_file(tmp, contents[path])


def put_file(path: Path, value: bytes | Path) -> None:
    """Write ``value`` to ``path``: bytes as they are, a path's file copied
    by the kernel where it can (not read into memory)."""
    if isinstance(value, Path):
        import shutil

        shutil.copyfile(value, path)
    else:
        path.write_bytes(value)


def write_json(path: str | os.PathLike, payload: Any, *, indent: int | None = 2) -> Path:
    """Write JSON atomically, pretty-printed (``indent`` None: compact, about
    ten times faster to write for large payloads)."""
    text = json.dumps(payload, indent=indent, allow_nan=False) + "\n"
    with written_atomically(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)
