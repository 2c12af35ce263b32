"""Frames from a video file or a folder of images, as RGB uint8 arrays.

Video files are decoded by OpenCV's ``VideoCapture`` in a child process that
streams raw frames back through a pipe: some corrupt files make OpenCV's
readers abort the whole process (a glibc ``abort()``, not an exception), so
the decoder must not run inside the caller's process. A crash or a file
that yields no frame becomes an :class:`~spotdiff.errors.InputError`.
Image folders are read in-process, in natural order of their file names.
"""

from __future__ import annotations

import numbers
import os
import re
import signal
import struct
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

from spotdiff.errors import InputError
from spotdiff.io.image import load_image, special_file

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".tif", ".tiff", ".webp")

_HEADER = struct.Struct("<iii")

# Runs in the child: decode with VideoCapture, write (h, w, c) + BGR bytes per
# frame, then (-1, frames the container announces, frames decoded).
_CHILD = r"""
import struct, sys
import cv2
header = struct.Struct("<iii")
out = sys.stdout.buffer
cap = cv2.VideoCapture(sys.argv[1])
if not cap.isOpened():
    sys.exit(3)
limit = int(sys.argv[2])
n = 0
while limit < 0 or n < limit:
    ok, frame = cap.read()
    if not ok or frame is None:
        break
    if frame.ndim == 2:
        frame = frame[:, :, None]
    out.write(header.pack(*frame.shape))
    out.write(frame.tobytes())
    n += 1
if limit < 0 or n < limit:
    out.write(header.pack(-1, max(0, int(cap.get(cv2.CAP_PROP_FRAME_COUNT) or 0)), n))
out.flush()
cap.release()
"""

#: Frames a video may lack against its container's count before it counts as
#: truncated (counts in headers are often a little off).
_MISSING_FRAMES_ALLOWED = 0.05


def _natural_key(path: Path) -> list:
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", path.name.lower())]


def list_images(folder: str | os.PathLike) -> list[Path]:
    """Image files directly inside ``folder``, in natural name order (frame 2 before 10)."""
    files = [p for p in Path(folder).iterdir()
             if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith(".")]
    return sorted(files, key=_natural_key)


def _as_uint8(path: str | os.PathLike, name: str) -> np.ndarray:
    image = load_image(path, name=name)
    pixels = image.pixels
    if pixels.dtype != np.uint8:
        pixels = cv2.convertScaleAbs(pixels.astype(np.float32), alpha=255.0 / image.data_range
                                     ).reshape(pixels.shape)
    return pixels


def read_image_rgb(path: str | os.PathLike) -> np.ndarray:
    """One image file as RGB uint8 (H, W, 3); InputError when it cannot be decoded
    (damaged, truncated, too large: the checks of :func:`spotdiff.io.load_image`)."""
    pixels = _as_uint8(path, "frame")
    if pixels.shape[2] == 1:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2RGB)
    if pixels.shape[2] == 4:
        return np.ascontiguousarray(pixels[:, :, :3])
    return pixels


def read_image_gray(path: str | os.PathLike, name: str = "label") -> np.ndarray:
    """One image file as gray uint8 (H, W), e.g. a label or mask image, with the
    checks of :func:`spotdiff.io.load_image`."""
    pixels = _as_uint8(path, name)
    if pixels.shape[2] == 1:
        return pixels[:, :, 0]
    return cv2.cvtColor(np.ascontiguousarray(pixels[:, :, :3]), cv2.COLOR_RGB2GRAY)


def _read_folder(folder: Path, max_frames: int | None) -> Iterator[np.ndarray]:
    files = list_images(folder)
    if not files:
        raise InputError(f"folder '{folder}'", expected="image files (png, jpg, bmp, tif, webp)",
                         got="none", fix="point at a video file or a folder of frames")
    shape = None
    for path in files[:max_frames]:
        frame = read_image_rgb(path)
        if shape is None:
            shape = frame.shape
        elif frame.shape != shape:
            raise InputError(f"frame '{path}'", expected=f"size {shape[1]}x{shape[0]}",
                             got=f"{frame.shape[1]}x{frame.shape[0]}",
                             fix="all frames of a sequence must have one size")
        yield frame


def _read_exact(stream, size: int) -> bytes:  # noqa: ANN001 - a binary pipe
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def decoder_error(path: Path, code: int, frames: int) -> InputError:
    """The InputError for a decoder child process that ended with exit status ``code``
    (3: the file could not be opened; negative: killed by that signal) after ``frames``."""
    if code == 3:
        got = "a file OpenCV cannot open as a video"
    elif code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        got = f"a file that crashed the video decoder ({name}) after {frames} frame(s)"
    else:
        got = f"a decoder failure (exit status {code}) after {frames} frame(s)"
    return InputError(f"video '{path}'", expected="a video file OpenCV can decode", got=got,
                      fix="the file may be corrupt; re-encode it (e.g. ffmpeg -i IN -c:v libx264 "
                      "OUT.mp4) or extract its frames into a folder")


def _read_video(path: Path, max_frames: int | None) -> Iterator[np.ndarray]:
    limit = -1 if max_frames is None else int(max_frames)
    proc = subprocess.Popen([sys.executable, "-c", _CHILD, str(path), str(limit)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    frames = 0
    announced = 0
    try:
        while True:
            head = _read_exact(proc.stdout, _HEADER.size)
            if len(head) < _HEADER.size:
                break
            h, w, c = _HEADER.unpack(head)
            if h == -1:  # the trailer: the container's frame count
                announced = w
                break
            data = _read_exact(proc.stdout, h * w * c)
            if len(data) < h * w * c:
                break
            frame = np.frombuffer(data, np.uint8).reshape(h, w, c)
            yield cv2.cvtColor(frame, cv2.COLOR_BGR2RGB) if c == 3 else frame
            frames += 1
        code = proc.wait()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()
    if code != 0:
        raise decoder_error(path, code, frames)
    if frames == 0:
        raise InputError(f"video '{path}'", expected="at least one decodable frame", got="none",
                         fix="check the file with another player; re-encode it")
    if announced and frames < announced * (1 - _MISSING_FRAMES_ALLOWED) - 1:
        raise InputError(f"video '{path}'", expected=f"the {announced} frames its container "
                         "announces", got=f"{frames} decodable, then the data ends",
                         fix="the file is truncated or damaged: copy or record it again")


def read_frames(source: str | os.PathLike, *, max_frames: int | None = None
                ) -> Iterator[np.ndarray]:
    """Yield the frames of a video file or an image folder as RGB uint8 (H, W, 3).

    Parameters
    ----------
    source : path
        A video file (anything OpenCV's ``VideoCapture`` reads) or a folder
        of image files (frames in natural name order).
    max_frames : int, optional
        Stop after this many frames.

    Raises
    ------
    InputError
        Missing path, empty folder, undecodable frame, or a video that the
        decoder cannot read or crashes on (the crash is confined to a child
        process). Frames decoded before a crash have been yielded already.
    """
    if max_frames is not None and (isinstance(max_frames, bool)
                                   or not isinstance(max_frames, numbers.Integral)
                                   or max_frames < 1):
        raise InputError("max_frames", expected="a whole number of frames >= 1, or None",
                         got=repr(max_frames), fix="leave it out to read every frame")
    path = Path(source)
    if not path.exists():
        raise InputError(f"video '{path}'", expected="an existing video file or frame folder",
                         got="no such path", fix="check the path")
    if path.is_dir():
        return _read_folder(path, max_frames)
    kind = special_file(path.stat().st_mode)
    if kind is not None:
        raise InputError(f"video '{path}'", expected="a video file or a folder of frames",
                         got=kind, fix="record the stream to a file, or watch it as a live "
                         "source (spotdiff.watch.source.open_source)")
    return _read_video(path, max_frames)


def probe_video(source: str | os.PathLike) -> tuple[int, int]:
    """(width, height) of the first frame; InputError if it cannot be decoded safely."""
    for frame in read_frames(source, max_frames=1):
        return frame.shape[1], frame.shape[0]
    raise InputError(f"video '{source}'", expected="at least one frame", got="none")
