"""The loop that joins the services of one camera:

    source -> detector -> tracker of events -> store, snapshots and clips -> records

Each record (a dict, the ``--json`` line) goes to ``emit`` as it happens.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import signal
import threading
import time as wallclock
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from spotdiff.watch.alerts import AlertOptions
from spotdiff.watch.alerts.deliver import alert_targets, delivering
from spotdiff.watch.config import WatchConfig
from spotdiff.watch.detect import Detection, Detector
from spotdiff.watch.media import ClipWriter, clip_size, write_snapshot
from spotdiff.watch.source import CameraEvent, Frame, open_source
from spotdiff.watch.store import Store
from spotdiff.watch.track import Change, Event, Tracker, regions_to_list

log = logging.getLogger("spotdiff.watch")

#: Seconds of wall time between two retention passes.
PURGE_EVERY = 600.0


@dataclass
class Retention:
    """What the store keeps: ended events younger than ``days`` (None: any age),
    files up to ``max_bytes`` in all, and ``free_reserve`` bytes free on the disk."""

    days: float | None = None
    max_bytes: int | None = None
    free_reserve: int = 0


@dataclass
class WatchResult:
    """What a finished watch saw."""

    camera: str
    frames: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)
    corrupt_frames: int = 0
    decisions: dict[str, int] = field(default_factory=dict)


@dataclass
class _Open:
    """The media of one open (or ending) event."""

    event: Event
    regions: list[dict[str, Any]]
    best_pixels: np.ndarray | None = None
    best_written: int = -1
    clip: ClipWriter | None = None
    pending: list[Frame] = field(default_factory=list)  # after post, while the object is away


class Watcher:
    """Watch one source; ``run()`` until it ends or ``stop()`` is called (thread-safe)."""

    def __init__(self, source: Any, config: WatchConfig, store: Store,
                 emit: Callable[[dict[str, Any]], None] | None = None,
                 retention: Retention | None = None,
                 on_frame: Callable[[Frame, Detection], None] | None = None) -> None:
        self.source = source
        self.on_frame = on_frame
        self.config = config
        self.store = store
        self.emit = emit or (lambda record: None)
        self.retention = retention or Retention()
        self.camera = config.camera or source.name
        self.detector = Detector(config)
        self.tracker = Tracker(config, self.camera, lambda: store.new_event_id(self.camera))
        self.fps = float(getattr(source, "fps", 0) or config.fps)
        pre = round(config.pre * self.fps)
        self.pre_frames, self.post_frames = pre, round(config.post * self.fps)
        self.ring: deque[Frame] = deque(maxlen=pre + config.window + 1)
        self.open: dict[int, _Open] = {}
        self.result = WatchResult(self.camera)
        self._stopped = threading.Event()
        self._last: Frame | None = None
        self._purged = 0.0

    def retune(self, config: WatchConfig) -> None:
        """Use a config changed while running (zones, masks, min area, the
        model's threshold) from the next frame on, without re-learning; call it
        from ``on_frame`` (the loop's thread)."""
        self.config = config
        self.detector.retune(config)

    def stop(self) -> None:
        """Make ``run()`` end soon; open events end as ``shutdown``."""
        self._stopped.set()
        self.source.close()

    # -- the loop -------------------------------------------------------------------------
    def run(self) -> WatchResult:
        self._purge()
        try:
            for item in _prefetched(self.source, self._stopped):
                if isinstance(item, CameraEvent):
                    self._camera_event(item)
                else:
                    self._frame(item)
                if self._stopped.is_set():
                    break
                if wallclock.monotonic() - self._purged > PURGE_EVERY:
                    self._purge()
        except Exception:  # the source failed (a decoder crash): save what was seen
            self._close_all("camera_lost")
            raise
        self._close_all("shutdown" if self._stopped.is_set() or self.source.live
                        else "end_of_source")
        return self.result

    def _close_all(self, reason: str) -> None:
        last = self._last
        frame, time = (last.index, last.time) if last else (0, 0.0)
        self._handle(self.tracker.close_all(reason, frame, time), None)
        for item in list(self.open.values()):
            self._finish(item)

    def _frame(self, frame: Frame) -> None:
        self._last = frame
        self.result.frames += 1
        held = self.tracker.hold_boxes() if self.config.protect else None
        det = self.detector.detect(frame.pixels, held)
        if self.on_frame is not None:
            self.on_frame(frame, det)
        if det.decision is not None:
            self.result.decisions[det.decision] = self.result.decisions.get(det.decision, 0) + 1
            self._camera_record(det.decision, frame.index, frame.time,
                                f"{det.fraction:.0%} of the frame changed")
        changes = self.tracker.step(frame.index, frame.time, det.regions, det.zones,
                                    frame.pixels.shape[:2])
        self._handle(changes, frame)
        for item in list(self.open.values()):
            if item.clip is not None:
                if frame.index <= self._clip_end(item):  # in the clip whatever comes
                    for waiting in item.pending:
                        self._clip_write(item, waiting)
                    item.pending.clear()
                    self._clip_write(item, frame)
                elif item.event.reason is None:  # in the clip if the object comes back
                    item.pending.append(frame)
            if item.event.reason is not None and frame.index >= self._clip_end(item):
                self._finish(item)
        self.ring.append(frame)

    def _clip_end(self, entry: _Open) -> int:
        """The last frame the clip holds as things stand: ``post`` after the object."""
        return entry.event.last_frame + self.post_frames

    def _camera_event(self, item: CameraEvent) -> None:
        if item.kind == "corrupt_frame":
            self.result.corrupt_frames += 1
        self._camera_record(item.kind, item.frame, item.time, item.detail)
        if item.kind == "lost":
            self._handle(self.tracker.close_all("camera_lost", item.frame, item.time), None)
            for entry in list(self.open.values()):
                self._finish(entry)
        elif item.kind == "found":  # the view may differ: re-learn, raise nothing
            self.detector.reset()
            self.ring.clear()

    # -- events ---------------------------------------------------------------------------
    def _handle(self, changes: list[Change], frame: Frame | None) -> None:
        for change in changes:
            event = change.event
            if change.kind == "start":
                self.open[event.id] = _Open(event, regions_to_list(change.regions))
                self._start_clip(self.open[event.id], frame)
            entry = self.open.get(event.id)
            if entry is None:
                continue
            if change.kind in ("start", "update") or change.best:
                entry.regions = regions_to_list(change.regions) or entry.regions
            if change.best and frame is not None:
                entry.best_pixels = frame.pixels
            if change.kind == "start":
                self._write_snapshot(entry)
                self.result.events.append({"event_id": event.id})
            if change.kind in ("start", "update") and frame is not None:
                record = self._record(change.kind, event, frame.index, frame.time,
                                      entry.regions)
                self.store.record(change.kind, event, frame.index, frame.time, entry.regions,
                                  record)
                self.emit(record)
            elif change.kind == "end":
                if frame is None or entry.clip is None or frame.index >= self._clip_end(entry):
                    self._finish(entry)
                # else the clip runs on for its post seconds

    def _finish(self, entry: _Open) -> None:
        """The event has ended and its clip is complete: save and report it."""
        event = entry.event
        if event.reason is None:  # still open when the camera/source stopped
            return
        self.open.pop(event.id, None)
        self._write_snapshot(entry)
        if entry.clip is not None:
            try:
                entry.clip.close()
                event.clip = f"clips/{entry.clip.path.name}"
            except Exception as exc:  # noqa: BLE001 - disk full, encoder failure
                entry.clip.abandon()
                self.store.warn("a clip", exc)
        record = self._record("end", event, event.end_frame or 0, event.end_time or 0.0,
                              entry.regions)
        root = self.store.root
        record.update(start_frame=event.start_frame, end_frame=event.end_frame,
                      start_time=round(event.start_time, 3), reason=event.reason,
                      zones=sorted(event.zones), peak_area=event.peak_area,
                      snapshot=None if root is None or event.snapshot is None
                      else str(root / event.snapshot),
                      clip=None if root is None or event.clip is None else str(root / event.clip))
        self.store.close(event, record)
        for summary in self.result.events:
            if summary["event_id"] == event.id:
                summary.clear()
                summary.update(record)
        self.emit(record)

    def _record(self, kind: str, event: Event, frame: int, time: float,
                regions: list[dict[str, Any]]) -> dict[str, Any]:
        return {"type": kind, "event_id": event.id, "camera": event.camera, "frame": frame,
                "time": round(time, 3), "regions": regions}

    def _camera_record(self, kind: str, frame: int | None, time: float | None,
                       detail: str) -> None:
        self.store.camera(self.camera, kind, frame, time, detail)
        self.emit({"type": "camera", "camera": self.camera, "kind": kind, "frame": frame,
                   "time": None if time is None else round(time, 3), "detail": detail})

    # -- media ----------------------------------------------------------------------------
    def _write_snapshot(self, entry: _Open) -> None:
        event, root = entry.event, self.store.root
        if root is None or not self.config.snapshots or entry.best_pixels is None \
                or entry.best_written == event.best_frame:
            return
        try:
            event.snapshot, event.frame_image, event.crop = write_snapshot(
                root, event.id, entry.best_pixels, event.best_boxes)
            entry.best_written = event.best_frame
        except OSError as exc:
            self.store.warn("a snapshot", exc)

    def _start_clip(self, entry: _Open, frame: Frame | None) -> None:
        root = self.store.root
        if root is None or not self.config.clips or frame is None:
            return
        ext = "mp4" if self.config.clip_format == "mp4" else "webm"
        entry.clip = ClipWriter(root / "clips" / f"{entry.event.id}.{ext}", self.fps,
                                self.config.clip_format)
        first = entry.event.start_frame - self.pre_frames
        for old in self.ring:
            if old.index >= first:
                self._clip_write(entry, old)

    def _clip_write(self, entry: _Open, frame: Frame) -> None:
        if entry.clip is None:  # given up on (cannot be written)
            return
        size = clip_size(frame.pixels.shape, self.config.clip_height)
        pixels = frame.pixels
        if (pixels.shape[1], pixels.shape[0]) != size:
            import cv2

            pixels = cv2.resize(pixels, size, interpolation=cv2.INTER_LINEAR)  # 10x faster
        try:
            entry.clip.write(frame.index, pixels)
        except Exception as exc:  # noqa: BLE001 - disk full, encoder failure
            entry.clip.abandon()
            entry.clip = None
            self.store.warn("a clip", exc)

    def _purge(self) -> None:
        self._purged = wallclock.monotonic()
        r = self.retention
        if r.days is None and r.max_bytes is None and not r.free_reserve:
            return
        self.store.purge(older_than=None if r.days is None else r.days * 86400.0,
                         max_bytes=r.max_bytes, free_reserve=r.free_reserve)


#: Frames read ahead of the detector by a thread of their own.
PREFETCH = 2


def _prefetched(source: Any, stopped: threading.Event) -> Iterator[Any]:
    """Iterate ``source`` in a thread, up to ``PREFETCH`` items ahead, so that
    decoding the next frame overlaps detecting this one (a decoder in another
    process otherwise waits while the frame before is processed)."""
    items: queue.Queue = queue.Queue(maxsize=PREFETCH)
    done = object()
    error: list[BaseException] = []

    def read() -> None:
        try:
            for item in source:
                while not stopped.is_set():
                    try:
                        items.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stopped.is_set():
                    return
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer
            error.append(exc)
        finally:
            while True:  # the end mark must arrive (the consumer may be slow)
                try:
                    items.put(done, timeout=0.1)
                    break
                except queue.Full:
                    if stopped.is_set():
                        break

    reader = threading.Thread(target=read, name="watch-source", daemon=True)
    reader.start()
    try:
        while True:
            try:
                item = items.get(timeout=0.2)
            except queue.Empty:
                if stopped.is_set() and not reader.is_alive():
                    break
                continue
            if item is done:
                break
            yield item
        if error:
            raise error[0]
    finally:
        stopped_here = not stopped.is_set()
        if stopped_here and reader.is_alive():  # the consumer left early
            stopped.set()
            source.close()
        reader.join(timeout=5)
        if stopped_here:
            stopped.clear()


def watch(source: Any, config: WatchConfig | None = None, *,
          out_dir: str | Path | None = None,
          emit: Callable[[dict[str, Any]], None] | None = None,
          retention: Retention | None = None, signals: bool = False,
          alerts: AlertOptions | None = None,
          attach: Callable[[Watcher], None] | None = None) -> WatchResult:
    """Watch a camera or a video until it ends; returns what happened.

    Parameters
    ----------
    source : str, path, int or a source object
        A video file, a folder of frames, or anything ``open_source`` takes.
    config : WatchConfig, optional
        Detection, events and clips options.
    out_dir : path, optional
        Where ``events.db``, ``snapshots/`` and ``clips/`` go (None: nothing
        is written; events still come to ``emit``).
    emit : callable, optional
        Called with each record (start, update, end, camera) as it happens.
    retention : Retention, optional
        What the store keeps (default: everything).
    signals : bool
        Stop cleanly on SIGINT and SIGTERM (open events end as ``shutdown``);
        only from the main thread.
    alerts : AlertOptions, optional
        Where each start, update and end is sent (webhooks, MQTT, a command),
        from the outbox in ``out_dir`` (required with it).
    attach : callable, optional
        Called with the :class:`Watcher` before it runs (e.g. to set its
        ``on_frame``, as the web page's live view does).

    Examples
    --------
    >>> from spotdiff.watch import watch
    >>> result = watch("examples/watch-parcel.mp4", out_dir="events")  # doctest: +SKIP
    >>> [e["reason"] for e in result.events]                            # doctest: +SKIP
    ['end_of_source']
    """
    config = config or WatchConfig()
    if isinstance(source, (str, int)) or hasattr(source, "__fspath__"):
        source = open_source(source, name=config.camera, fps=config.fps,
                             realtime=config.realtime)
    store = Store(out_dir, targets=alert_targets(alerts, out_dir))
    try:
        store.recover()
        watcher = Watcher(source, config, store, emit, retention)
        if attach is not None:
            attach(watcher)
        with delivering(alerts, out_dir), _stopped_by_signals(watcher, signals):
            return watcher.run()
    finally:
        store.close_db()


@contextlib.contextmanager
def _stopped_by_signals(watcher: Watcher, enabled: bool) -> Iterator[None]:
    if not enabled or threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    for sig in previous:
        signal.signal(sig, lambda *_: watcher.stop())
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
