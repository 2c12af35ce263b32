"""Frame sources for watching a camera: files, folders of frames and live streams.

:func:`open_source` opens a video file, a folder of frames, a webcam
(``/dev/videoN`` or an index), an RTSP URL or an HTTP(S) MJPEG URL as a
:class:`Source`: an iterable of :class:`Frame` (RGB pixels with their index
and time) and :class:`CameraEvent` (the camera was lost, found, stalled,
froze, or a frame was skipped).

Every source is decoded by OpenCV in a child process that streams raw
frames back through a pipe, as :mod:`spotdiff.io.video` does: some corrupt
files and streams make a decoder abort the whole process, and a service must
outlive them. A thread in the caller's process reads the pipe into a small
bounded buffer, so memory stays flat however long the source runs:

- a file or a folder is played completely: when the consumer is slower than
  the decoder, the decoder waits;
- a live source cannot wait: when the consumer falls behind, the oldest
  frames waiting in the buffer are dropped and counted (:attr:`Source.dropped`).

A live source runs until :meth:`Source.close`. When its stream ends or fails,
"lost" is reported once and the source reconnects with a backoff of 1 s
doubling up to ``reconnect_max``; "found" is reported with the first frame
that comes back. A stream that sends no frame for ``stall_seconds`` is
reported "stalled" and reconnected; one whose frames stay identical for
``frozen_seconds`` is reported "frozen" (its frames keep coming).
"""

from __future__ import annotations

import collections
import contextlib
import json
import math
import numbers
import os
import re
import select
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np

from spotdiff.errors import InputError

__all__ = ["CameraEvent", "Frame", "Source", "open_source"]

#: The kinds of :class:`CameraEvent`.
EVENT_KINDS = ("lost", "found", "stalled", "frozen", "corrupt_frame")

#: URL schemes read as live streams.
LIVE_SCHEMES = ("rtsp", "rtsps", "http", "https")

_BUFFER_FRAMES = 4  # frames waiting between the decoder and the consumer
_POLL = 0.05  # seconds between checks of the closed flag while waiting
_FIRST_BACKOFF = 1.0  # seconds before the first reconnection attempt


@dataclass(frozen=True)
class Frame:
    """One decoded frame."""

    index: int  #: 0-based source frame index (skipped and dropped frames count too)
    time: float  #: seconds from the source's start
    pixels: np.ndarray  #: uint8 (H, W, 3) RGB


@dataclass(frozen=True)
class CameraEvent:
    """Something that happened to the camera rather than in its picture."""

    kind: str  #: one of :data:`EVENT_KINDS`
    time: float  #: seconds from the source's start (wall clock for live sources)
    frame: int  #: index of the last frame before it (-1 before the first)
    detail: str  #: one human line: why


# ---------------------------------------------------------------------------
# The child process: decode, write records to stdout.
#
# A record is a header (kind, height, width, channels, milliseconds, payload
# size) and a payload: RGB bytes for a frame, UTF-8 text otherwise.

_RECORD = struct.Struct("<BiiidI")
_INFO, _FRAME, _SKIP = 1, 2, 3
_EXIT_CANNOT_OPEN = 3


def _child_main(argv: list[str]) -> None:
    """Entry point of the decoder process: ``KIND SPEC OPTIONS_JSON``."""
    kind, spec, options = argv[0], argv[1], json.loads(argv[2])
    out = sys.stdout.buffer

    def write(record: int, payload: bytes, h: int = 0, w: int = 0, c: int = 0,
              msec: float = -1.0) -> None:
        out.write(_RECORD.pack(record, h, w, c, msec, len(payload)))
        out.write(payload)
        out.flush()

    if kind == "folder":
        _child_folder(spec, write)
    else:
        _child_capture(kind, spec, options, write)


def _child_folder(folder: str, write: Callable[..., None]) -> None:
    from spotdiff.io.image import load_image
    from spotdiff.io.video import list_images

    write(_INFO, b"{}")
    shape = None
    for path in list_images(folder):
        try:
            pixels = _as_rgb8(load_image(path).pixels)
        except InputError as exc:
            write(_SKIP, f"frame '{path.name}' skipped: {exc}".encode())
            continue
        if shape is None:
            shape = pixels.shape
        elif pixels.shape != shape:
            write(_SKIP, (f"frame '{path.name}' skipped: size {pixels.shape[1]}x"
                          f"{pixels.shape[0]}, the sequence's is {shape[1]}x{shape[0]}").encode())
            continue
        write(_FRAME, pixels.tobytes(), *pixels.shape)


def _as_rgb8(pixels: np.ndarray) -> np.ndarray:
    """Decoded gray / RGB / RGBA pixels of any depth as uint8 RGB."""
    import cv2

    if pixels.dtype == np.uint16:
        pixels = (pixels >> 8).astype(np.uint8)
    elif pixels.dtype != np.uint8:
        pixels = (np.clip(pixels, 0.0, 1.0) * 255.0 + 0.5).astype(np.uint8)
    if pixels.ndim == 2 or pixels.shape[2] == 1:
        return cv2.cvtColor(pixels, cv2.COLOR_GRAY2RGB)
    if pixels.shape[2] == 4:
        return cv2.cvtColor(pixels, cv2.COLOR_RGBA2RGB)
    return np.ascontiguousarray(pixels)


def _child_capture(kind: str, spec: str, options: dict, write: Callable[..., None]) -> None:
    if kind == "rtsp":
        # TCP survives lossy links and firewalls; a short probe makes (re)connecting quick.
        os.environ.setdefault("OPENCV_FFMPEG_CAPTURE_OPTIONS",
                              "rtsp_transport;tcp|analyzeduration;500000|probesize;500000")
    import cv2

    if kind == "file":
        cap = cv2.VideoCapture(spec)
    elif kind == "webcam":  # a device: no network timeouts (not every backend takes them)
        cap = cv2.VideoCapture(int(spec) if spec.isdigit() else spec)
    else:
        cap = cv2.VideoCapture(spec, cv2.CAP_FFMPEG, [
            cv2.CAP_PROP_OPEN_TIMEOUT_MSEC, int(options["open_timeout"] * 1000),
            cv2.CAP_PROP_READ_TIMEOUT_MSEC, int(options["read_timeout"] * 1000)])
    if not cap.isOpened():
        sys.exit(_EXIT_CANNOT_OPEN)
    write(_INFO, json.dumps({"fps": cap.get(cv2.CAP_PROP_FPS)}).encode())
    while True:
        ok, frame = cap.read()
        if not ok or frame is None:
            break
        msec = cap.get(cv2.CAP_PROP_POS_MSEC) if kind == "file" else -1.0
        code = cv2.COLOR_GRAY2RGB if frame.ndim == 2 else cv2.COLOR_BGR2RGB
        rgb = cv2.cvtColor(frame, code)
        write(_FRAME, rgb.tobytes(), *rgb.shape, msec=msec)
    cap.release()


# ---------------------------------------------------------------------------
# The caller's side.


class _Closed(Exception):
    """The source was closed while waiting."""


class _Stalled(Exception):
    """No data came before the stall deadline."""


class _Decoder:
    """One decoder child process and non-blocking reads of its records."""

    def __init__(self, kind: str, spec: str, options: dict) -> None:
        env = dict(os.environ)
        package_root = str(Path(__file__).resolve().parents[2])  # the folder holding spotdiff/
        env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
        env.setdefault("OPENCV_LOG_LEVEL", "ERROR")
        code = ("import sys; from spotdiff.watch.source import _child_main; "
                "_child_main(sys.argv[1:])")
        self.proc = subprocess.Popen([sys.executable, "-c", code, kind, spec, json.dumps(options)],
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
        assert self.proc.stdout is not None
        self._fd = self.proc.stdout.fileno()
        os.set_blocking(self._fd, False)
        with contextlib.suppress(OSError, AttributeError):  # Linux: fewer wake-ups per frame
            import fcntl

            fcntl.fcntl(self._fd, getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)

    def read_record(self, closed: Callable[[], bool], deadline: float = math.inf
                    ) -> tuple[int, tuple[int, int, int], float, bytearray] | None:
        """The next record, or None at the end of the stream.

        Raises _Closed when ``closed()`` turns true and _Stalled when
        ``time.monotonic()`` passes ``deadline`` while waiting.
        """
        head = self._read(_RECORD.size, closed, deadline)
        if head is None:
            return None
        record, h, w, c, msec, size = _RECORD.unpack(head)
        payload = self._read(size, closed, deadline)
        if payload is None:
            return None
        return record, (h, w, c), msec, payload

    def _read(self, size: int, closed: Callable[[], bool], deadline: float) -> bytearray | None:
        buf = bytearray(size)
        view = memoryview(buf)
        got = 0
        while got < size:
            try:
                n = os.readv(self._fd, [view[got:]])
            except BlockingIOError:
                if closed():
                    raise _Closed from None
                wait = min(_POLL, deadline - time.monotonic())
                if wait <= 0:
                    raise _Stalled from None
                select.select([self._fd], [], [], wait)
                continue
            if n == 0:
                return None
            got += n
        return buf

    def stop(self) -> int:
        """Kill the process if it still runs; its exit status."""
        if self.proc.poll() is None:
            with contextlib.suppress(OSError):
                self.proc.kill()
        code = self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        return code

    def finish(self, timeout: float = 10.0) -> int:
        """Wait for the process to exit by itself (after the end of its output)."""
        try:
            self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            pass
        return self.stop()


class _Buffer:
    """A bounded queue of frames and events between the reading thread and the consumer.

    Events and the end marker are never dropped; frames are at most
    ``capacity``: putting one more either waits (files) or drops the oldest
    (live).
    """

    def __init__(self, capacity: int, *, drop_oldest: bool) -> None:
        self.capacity = capacity
        self.drop_oldest = drop_oldest
        self.dropped = 0
        self._items: collections.deque = collections.deque()
        self._frames = 0
        self._cond = threading.Condition()

    def put(self, item: object, closed: Callable[[], bool]) -> None:
        with self._cond:
            if isinstance(item, Frame):
                while self._frames >= self.capacity:
                    if self.drop_oldest:
                        oldest = next(i for i in self._items if isinstance(i, Frame))
                        self._items.remove(oldest)
                        self._frames -= 1
                        self.dropped += 1
                    elif closed():
                        raise _Closed
                    else:
                        self._cond.wait(_POLL)
                self._frames += 1
            self._items.append(item)
            self._cond.notify_all()

    def get(self, timeout: float) -> object | None:
        """The next item, or None when nothing came within ``timeout``."""
        with self._cond:
            if not self._items:
                self._cond.wait(timeout)
                if not self._items:
                    return None
            item = self._items.popleft()
            if isinstance(item, Frame):
                self._frames -= 1
            self._cond.notify_all()
            return item


class _End:
    """Marks the end of a file or folder source (with the error that ended it, if any)."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error


class Source:
    """Frames and camera events from one camera; create it with :func:`open_source`.

    Iterate it once: it yields :class:`Frame` and :class:`CameraEvent` in
    order, ends at the end of a file or folder, and runs until :meth:`close`
    for a live source. Use it as a context manager, or call :meth:`close`,
    to stop its decoder process.

    Attributes
    ----------
    name : str
        The camera's name (by default derived from the source).
    live : bool
        A webcam or a stream: runs until closed and reconnects on failure.
    fps : float
        Nominal frame rate: the container's or the stream's, else the
        ``fps`` given to :func:`open_source` (always that for folders).
    skipped : int
        Frames skipped because they could not be decoded or had another size.
    dropped : int
        Frames of a live source dropped because the consumer fell behind.
    """

    def __init__(self, kind: str, spec: str, *, name: str, fps: float, realtime: bool,
                 stall_seconds: float, frozen_seconds: float, reconnect_max: float,
                 subject: str) -> None:
        self.name = name
        self.kind = kind
        self.live = kind not in ("file", "folder")
        self.fps = fps
        self.skipped = 0
        self._spec = spec
        self._subject = subject  # how errors and events name the source (no credentials)
        self._realtime = realtime and not self.live
        self._stall = stall_seconds
        self._frozen = frozen_seconds
        self._reconnect_max = reconnect_max
        self._buffer = _Buffer(_BUFFER_FRAMES, drop_oldest=self.live)
        self._closed = threading.Event()
        self._decoder: _Decoder | None = None
        self._worker: threading.Thread | None = None
        self._iterated = False
        self._start = time.monotonic()
        self._last_index = -1  # index of the last frame decoded (kept by the worker)
        if not self.live:
            self._open_recorded()

    @property
    def dropped(self) -> int:
        return self._buffer.dropped

    @property
    def closed(self) -> bool:
        return self._closed.is_set()

    def close(self) -> None:
        """Stop the source: iteration ends soon after, from any thread or a signal handler."""
        self._closed.set()
        decoder = self._decoder
        if decoder is None:
            return
        if self._worker is None:  # never iterated: no reading thread will reap the process
            decoder.stop()
        elif decoder.proc.poll() is None:
            with contextlib.suppress(OSError):
                decoder.proc.kill()

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    def __repr__(self) -> str:
        return f"Source(name={self.name!r}, kind={self.kind!r}, live={self.live}, fps={self.fps:g})"

    def __iter__(self) -> Iterator[Frame | CameraEvent]:
        if self._iterated:
            raise RuntimeError("a Source can be iterated once; open the source again")
        self._iterated = True
        if self._closed.is_set():
            return iter(())
        target = self._run_live if self.live else self._play_recorded
        self._worker = threading.Thread(target=self._work, args=(target,),
                                        name=f"spotdiff-source-{self.name}", daemon=True)
        self._worker.start()
        return self._items()

    def _items(self) -> Iterator[Frame | CameraEvent]:
        paced_from = time.monotonic()
        try:
            while not self._closed.is_set():
                item = self._buffer.get(_POLL)
                if item is None:
                    continue
                if isinstance(item, _End):
                    if item.error is not None:
                        raise item.error
                    return
                if self._realtime and isinstance(item, Frame):
                    due = paced_from + item.time
                    while not self._closed.is_set() and time.monotonic() < due:
                        time.sleep(min(_POLL, max(0.0, due - time.monotonic())))
                    if self._closed.is_set():
                        return
                yield item  # type: ignore[misc]
        finally:
            self.close()
            if self._worker is not None:
                self._worker.join(5.0)

    # -- the reading thread ---------------------------------------------------

    def _work(self, target: Callable[[], None]) -> None:
        end = _End()
        try:
            target()
        except _Closed:
            pass
        except Exception as exc:  # a defect here must reach the consumer, not die in a thread
            end = _End(exc)
        finally:
            if self._decoder is not None:
                self._decoder.stop()
            with contextlib.suppress(_Closed):
                self._buffer.put(end, self._closed.is_set)

    def _put(self, item: Frame | CameraEvent | _End) -> None:
        self._buffer.put(item, self._closed.is_set)

    def _event(self, kind: str, detail: str, when: float | None = None) -> None:
        if when is None:
            when = time.monotonic() - self._start
        self._put(CameraEvent(kind, when, self._last_index, detail))

    def _open_recorded(self) -> None:
        """Start the decoder of a file or a folder and read its first record (fails early)."""
        self._decoder = decoder = _Decoder(self.kind, self._spec, {})
        try:
            first = decoder.read_record(lambda: False, time.monotonic() + 60.0)
        except _Stalled:
            first = None
        if first is None or first[0] != _INFO:
            from spotdiff.io.video import decoder_error

            code = decoder.stop()
            raise decoder_error(Path(self._spec), code if code else _EXIT_CANNOT_OPEN, 0)
        if self.kind == "file":
            fps = json.loads(first[3].decode()).get("fps") or 0.0
            if 0 < fps <= 1000:
                self.fps = float(fps)

    def _play_recorded(self) -> None:
        decoder = self._decoder
        assert decoder is not None
        index = frames = 0
        first_msec: float | None = None
        while True:
            record = decoder.read_record(self._closed.is_set)
            if record is None:
                break
            kind, shape, msec, payload = record
            if kind == _SKIP:
                self.skipped += 1
                self._event("corrupt_frame", payload.decode(errors="replace"), index / self.fps)
            elif kind == _FRAME:
                if msec >= 0 and (first_msec is None or msec > first_msec):
                    first_msec = msec if first_msec is None else first_msec
                    seconds = (msec - first_msec) / 1000.0
                else:
                    seconds = index / self.fps
                pixels = np.frombuffer(payload, np.uint8).reshape(shape)
                self._put(Frame(index, seconds, pixels))
                frames += 1
            else:
                continue
            self._last_index = index
            index += 1
        code = decoder.finish()
        if self._closed.is_set():
            return
        error = None
        if code != 0:
            from spotdiff.io.video import decoder_error

            error = decoder_error(Path(self._spec), code, frames)
        elif frames == 0 and self.kind == "folder":
            error = InputError(self._subject, expected="frames of one size that can be decoded",
                               got=f"none usable ({self.skipped} skipped)",
                               fix="check the image files; remove broken or odd-sized ones")
        elif frames == 0:
            error = InputError(self._subject, expected="at least one decodable frame", got="none",
                               fix="check the file with another player; re-encode it")
        self._put(_End(error))

    def _run_live(self) -> None:
        backoff = min(_FIRST_BACKOFF, self._reconnect_max)
        lost = False
        options = {"open_timeout": max(2.0, min(self._stall, 30.0)),
                   "read_timeout": self._stall + 5.0}
        while not self._closed.is_set():
            self._decoder = decoder = _Decoder(self.kind, self._spec, options)
            if self._closed.is_set():  # closed while it started: close() may have missed it
                break
            why, delivered = self._read_live(decoder, lost, options["open_timeout"])
            if delivered:
                lost = False
                backoff = min(_FIRST_BACKOFF, self._reconnect_max)
            if self._closed.is_set():
                break
            if why is None:  # stalled: reported already
                why = f"no frame for {self._stall:g} s"
            else:
                code = decoder.stop()
                if code == _EXIT_CANNOT_OPEN:
                    why = "cannot connect or no video stream"
                elif code < 0 and not delivered:
                    why = f"the decoder crashed (signal {-code})"
            decoder.stop()
            if not lost:
                self._event("lost", f"{self._subject}: {why}; reconnecting")
                lost = True
            if self._closed.wait(backoff):
                break
            backoff = min(backoff * 2.0, self._reconnect_max)

    def _read_live(self, decoder: _Decoder, lost: bool, connecting: float
                   ) -> tuple[str | None, bool]:
        """Read one connection until it ends: (why it ended, or None after a stall; whether
        frames came). The first frame may take ``connecting`` seconds more than a stall."""
        delivered = False
        same: bytearray | None = None  # the last frame's pixels, to spot a frozen picture
        same_since = 0.0
        frozen_told = False
        last = time.monotonic() + connecting
        while True:
            try:
                record = decoder.read_record(self._closed.is_set, last + self._stall)
            except _Stalled:
                if lost and not delivered:  # still reconnecting: "lost" said it already
                    return f"no frame for {self._stall:g} s after connecting", False
                self._event("stalled", f"{self._subject}: no frame for {self._stall:g} s")
                return None, delivered
            if record is None:
                return "the stream ended", delivered
            kind, shape, _msec, payload = record
            now = time.monotonic()
            if kind == _INFO:
                fps = json.loads(payload.decode()).get("fps") or 0.0
                if 0 < fps <= 1000:
                    self.fps = float(fps)
                continue
            if kind != _FRAME:
                continue
            last = now
            if lost and not delivered:
                self._event("found", f"{self._subject}: frames again")
            delivered = True
            if same is not None and payload == same:
                if not frozen_told and now - same_since >= self._frozen:
                    self._event("frozen", f"{self._subject}: the picture has not changed for "
                                          f"{now - same_since:.1f} s")
                    frozen_told = True
            else:
                same, same_since, frozen_told = payload, now, False
            index = self._last_index + 1
            self._last_index = index
            self._put(Frame(index, now - self._start, np.frombuffer(payload, np.uint8)
                            .reshape(shape)))


# ---------------------------------------------------------------------------


def _positive(name: str, value: object, fix: str) -> float:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(float(value)) or float(value) <= 0):
        raise InputError(name, expected="a number of seconds or frames per second > 0",
                         got=repr(value), fix=fix)
    return float(value)


def _redacted(url: str) -> str:
    """The URL without its user name and password."""
    parts = urlsplit(url)
    if parts.username is None and parts.password is None:
        return url
    host = parts.hostname or ""
    if parts.port:
        host += f":{parts.port}"
    return parts._replace(netloc=host).geturl()


def _classify(spec: str | int | os.PathLike) -> tuple[str, str, str, str]:
    """(kind, spec for the decoder, default name, subject for messages)."""
    if isinstance(spec, bool) or not isinstance(spec, (str, int, os.PathLike)):
        raise InputError("source", expected="a path, a URL, /dev/videoN or a webcam index",
                         got=type(spec).__name__, fix="pass a string, a path or an int")
    if isinstance(spec, int):
        if spec < 0:
            raise InputError("webcam index", expected="an index >= 0", got=str(spec))
        return "webcam", str(spec), f"webcam{spec}", f"webcam {spec}"
    text = os.fspath(spec)
    scheme = text.split("://", 1)[0].lower() if "://" in text else ""
    if scheme:
        if scheme not in LIVE_SCHEMES:
            raise InputError(f"source '{_redacted(text)}'",
                             expected="an rtsp://, rtsps://, http:// or https:// URL",
                             got=f"a {scheme}:// URL",
                             fix="use the camera's RTSP or MJPEG address")
        parts = urlsplit(text)
        tail = parts.path.strip("/").replace("/", "-")
        name = "-".join(p for p in (parts.hostname or "camera", tail) if p)
        kind = "rtsp" if scheme.startswith("rtsp") else "http"
        return kind, text, name, f"stream '{_redacted(text)}'"
    device = re.fullmatch(r"/dev/video(\d+)", text)
    path = Path(text)
    if device or (text.isdigit() and not path.exists()):
        index = device.group(1) if device else text
        return "webcam", text, f"video{index}" if device else f"webcam{index}", f"webcam '{text}'"
    if not path.exists():
        raise InputError(f"source '{text}'",
                         expected="a video file, a folder of frames, /dev/videoN, a webcam "
                                  "index or an rtsp:// / http:// URL",
                         got="no such path", fix="check the path")
    if path.is_dir():
        from spotdiff.io.video import IMAGE_SUFFIXES, list_images

        if not list_images(path):
            raise InputError(f"folder '{text}'",
                             expected=f"image files ({', '.join(s[1:] for s in IMAGE_SUFFIXES)})",
                             got="none", fix="point at a folder of frames or a video file")
        return "folder", str(path), path.resolve().name or "frames", f"folder '{text}'"
    return "file", str(path), path.stem, f"video '{text}'"


def open_source(spec: str | int | os.PathLike, *, name: str | None = None, fps: float = 25.0,
                realtime: bool = False, stall_seconds: float = 10.0,
                frozen_seconds: float = 30.0, reconnect_max: float = 60.0) -> Source:
    """Open a camera or a recording as a :class:`Source` of frames and camera events.

    Parameters
    ----------
    spec : str, int or path
        A video file; a folder of frames (natural name order: 2 before 10);
        a webcam as ``/dev/videoN`` or an index; an ``rtsp://`` URL; an
        ``http(s)://`` URL of an MJPEG stream.
    name : str, optional
        The camera's name; by default the file's stem, the folder's name, the
        device or the URL's host and path.
    fps : float
        Frame rate of a folder (times are index / fps), and of a file or
        stream that does not state one.
    realtime : bool
        Play a file or folder at its frame rate instead of as fast as it decodes.
    stall_seconds : float
        A live source that sends no frame for this long is reported
        "stalled" and reconnected.
    frozen_seconds : float
        A live source whose frames stay identical for this long is reported
        "frozen".
    reconnect_max : float
        Longest wait between reconnection attempts (the wait starts at 1 s,
        or at this value when smaller, and doubles).

    Returns
    -------
    Source
        File and folder sources have started decoding: a file that cannot
        be opened is refused here.

    Raises
    ------
    InputError
        A missing path, a folder without images, an unsupported URL, a file
        that cannot be opened as a video, or a bad option value. Iterating
        raises InputError for a file whose decoder crashes, or a folder or a
        file without one usable frame.

    Examples
    --------
    >>> with open_source("clip.mp4") as source:          # doctest: +SKIP
    ...     for item in source:
    ...         if isinstance(item, Frame):
    ...             print(item.index, item.time, item.pixels.shape)
    """
    fps = _positive("fps", fps, "pass the frame rate, e.g. 25")
    stall_seconds = _positive("stall_seconds", stall_seconds, "e.g. 10")
    frozen_seconds = _positive("frozen_seconds", frozen_seconds, "e.g. 30")
    reconnect_max = _positive("reconnect_max", reconnect_max, "e.g. 60")
    kind, decoder_spec, default_name, subject = _classify(spec)
    return Source(kind, decoder_spec, name=name or default_name, fps=fps, realtime=realtime,
                  stall_seconds=stall_seconds, frozen_seconds=frozen_seconds,
                  reconnect_max=reconnect_max, subject=subject)
