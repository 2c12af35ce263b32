"""Pictures and clips of events: the best snapshot and a browser-playable clip.

Clips are H.264 in MP4 (or VP9 in WebM) written with PyAV (the ``video``
extra, imported only when a clip is written), each checked by decoding it
back. A clip holds ``pre`` seconds before its event (from a ring of recent
frames, scaled to the clip's height), the event, and ``post`` seconds after.
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from spotdiff.io.write import encode_image, write_files
from spotdiff.render.annotators import BoxAnnotator
from spotdiff.result import Regions

BOX_COLOR = (255, 40, 40)


def draw_boxes(scene: np.ndarray, boxes: list[list[int]]) -> np.ndarray:
    """Boxes (x1/y1 exclusive) drawn on a copy of an RGB frame, by the
    library's box annotator (the one drawing helper)."""
    return BoxAnnotator(color=BOX_COLOR, label=False).annotate(scene, Regions.from_boxes(boxes))


def write_snapshot(root: Path, event_id: int, pixels: np.ndarray, boxes: list[list[int]]
                   ) -> tuple[str, str, str]:
    """The best view: boxes drawn, the bare frame and a crop; paths relative to ``root``."""
    h, w = pixels.shape[:2]
    xs = [b[0] for b in boxes] + [b[2] for b in boxes]
    ys = [b[1] for b in boxes] + [b[3] for b in boxes]
    pad = max(8, round(0.1 * max(max(xs) - min(xs), max(ys) - min(ys)))) if boxes else 0
    x0, x1 = (max(0, min(xs) - pad), min(w, max(xs) + pad)) if boxes else (0, w)
    y0, y1 = (max(0, min(ys) - pad), min(h, max(ys) + pad)) if boxes else (0, h)
    names = (f"snapshots/{event_id}.jpg", f"snapshots/{event_id}-frame.jpg",
             f"snapshots/{event_id}-crop.jpg")
    pictures = (draw_boxes(pixels, boxes), pixels, pixels[y0:y1, x0:x1])
    write_files({root / n: encode_image(p, ".jpg") for n, p in zip(names, pictures,
                                                                      strict=True)})
    return names


def clip_size(shape: tuple[int, ...], height: int) -> tuple[int, int]:
    """(width, height) of clips: ``height`` (0: the frame's), both even (4:2:0 video)."""
    h, w = shape[:2]
    if height and height < h:
        w, h = round(w * height / h), height
    return max(2, w - w % 2), max(2, h - h % 2)


class ClipWriter:
    """One event's clip, written as frames come; ``close()`` finishes and checks it."""

    def __init__(self, path: Path, fps: float, fmt: str = "mp4") -> None:
        from spotdiff.errors import require

        self.av = require("av", feature="writing video clips", extra="video")
        self.path = path
        self.part = path.with_name(path.name + ".part")
        self.fps = Fraction(fps).limit_denominator(1001)
        self.fmt = fmt
        self.container: Any = None
        self.stream: Any = None
        self.frames = 0
        self.first_frame: int | None = None
        self.last_frame: int | None = None

    def _open(self, width: int, height: int) -> None:
        av = self.av
        self.container = av.open(str(self.part), mode="w", format=self.fmt)
        if self.fmt == "mp4":
            stream = self.container.add_stream("libx264", rate=self.fps)
            stream.options = {"preset": "ultrafast", "crf": "28", "movflags": "+faststart"}
        else:
            stream = self.container.add_stream("libvpx-vp9", rate=self.fps)
            stream.options = {"deadline": "realtime", "cpu-used": "8", "crf": "36", "b": "0"}
        stream.width, stream.height = width, height
        stream.pix_fmt = "yuv420p"
        self.stream = stream

    def write(self, index: int, small: np.ndarray) -> None:
        """Append one frame (at clip size)."""
        if self.container is None:
            self._open(small.shape[1], small.shape[0])
        frame = self.av.VideoFrame.from_ndarray(np.ascontiguousarray(small), format="rgb24")
        frame.pts = self.frames
        for packet in self.stream.encode(frame):
            self.container.mux(packet)
        self.frames += 1
        if self.first_frame is None:
            self.first_frame = index
        self.last_frame = index

    def close(self) -> int:
        """Finish the file; returns the number of frames decoded back from it
        (the clip is kept only when that matches what was written)."""
        if self.container is None:
            return 0
        for packet in self.stream.encode():
            self.container.mux(packet)
        self.container.close()
        self.container = None
        decoded = count_frames(self.part, self.av)
        if decoded != self.frames:
            self.part.unlink(missing_ok=True)
            raise OSError(f"clip {self.path.name}: wrote {self.frames} frames, "
                          f"decoded {decoded} back")
        os.replace(self.part, self.path)
        return decoded

    def abandon(self) -> None:
        if self.container is not None:
            try:
                self.container.close()
            except Exception:  # noqa: BLE001 - the file is dropped anyway
                pass
            self.container = None
        try:
            self.part.unlink(missing_ok=True)
        except OSError:  # the folder itself is gone or unusable: nothing to remove
            pass


def count_frames(path: str | os.PathLike, av=None) -> int:  # noqa: ANN001
    """Frames decoded from a video file (the check that a clip plays)."""
    if av is None:
        from spotdiff.errors import require

        av = require("av", feature="reading video clips", extra="video")
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))
