"""Frames and camera events from a video file or a folder of frames.

TEMPORARY: a file/folder-only stand-in with the agreed interface
(``open_source`` -> :class:`Source` yielding :class:`Frame` and
:class:`CameraEvent`), to be replaced by the full source module (webcams,
RTSP/HTTP streams, reconnects, stalled and frozen streams). Nothing else in
:mod:`spotdiff.watch` depends on more than ``open_source``, ``Frame`` and
``CameraEvent``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from spotdiff.errors import InputError


@dataclass(frozen=True)
class Frame:
    """One decoded frame."""

    index: int          # 0-based source frame index
    time: float         # seconds from the source's start (index / fps here)
    pixels: np.ndarray  # uint8 (H, W, 3) RGB


@dataclass(frozen=True)
class CameraEvent:
    """Something that happened to the camera rather than in the scene."""

    kind: str           # "lost" | "found" | "stalled" | "frozen" | "corrupt_frame"
    time: float
    frame: int
    detail: str


def _video_fps(path: Path) -> float:
    import cv2

    cap = cv2.VideoCapture(str(path))
    try:
        fps = float(cap.get(cv2.CAP_PROP_FPS) or 0.0)
    finally:
        cap.release()
    return fps if 0 < fps < 1000 else 0.0


class Source:
    """Iterate for frames; ``close()`` (thread-safe) makes iteration end soon."""

    live = False

    def __init__(self, path: Path, *, name: str | None, fps: float, realtime: bool) -> None:
        self.path = path
        self.name = name or path.stem or str(path)
        self.fps = fps if path.is_dir() else (_video_fps(path) or fps)
        self.realtime = realtime
        self._closed = threading.Event()

    def __iter__(self) -> Iterator[Frame | CameraEvent]:
        from spotdiff.io.video import read_frames

        start = time.monotonic()
        frames = read_frames(self.path)
        try:
            for index, pixels in enumerate(frames):
                if self._closed.is_set():
                    return
                t = index / self.fps
                if self.realtime:
                    wait = start + t - time.monotonic()
                    if wait > 0 and self._closed.wait(wait):
                        return
                yield Frame(index, t, pixels)
        finally:
            close = getattr(frames, "close", None)
            if close is not None:
                close()

    def close(self) -> None:
        self._closed.set()


def open_source(spec: str | int | os.PathLike, *, name: str | None = None, fps: float = 25.0,
                realtime: bool = False, stall_seconds: float = 10.0,
                frozen_seconds: float = 30.0, reconnect_max: float = 60.0) -> Source:
    """A video file or a folder of frames (natural order) as a :class:`Source`."""
    if not isinstance(fps, (int, float)) or not 0 < fps <= 1000:
        raise InputError("fps", expected="a number of frames per second in (0, 1000]",
                         got=repr(fps))
    path = Path(os.fspath(spec)) if not isinstance(spec, int) else None
    if path is None or not path.exists():
        raise InputError(f"source '{spec}'", expected="an existing video file or frame folder",
                         got="no such path",
                         fix="check the path (cameras and stream URLs need the full source module)")
    return Source(path, name=name, fps=float(fps), realtime=realtime)
