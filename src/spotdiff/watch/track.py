"""The tracker of events: regions joined from frame to frame into objects.

A region belongs to the track whose box (grown by a margin) it overlaps;
when it overlaps several (two objects met) the oldest track takes it, and
a track keeps every region that overlaps it (an object seen in pieces, or
split in two: the older id lives on). Regions that overlap no track start
a new one. A track becomes an event when it is present in ``min_frames``
of the last ``window`` frames; the event ends ``gone`` after ``event_gap``
seconds without it, or ``absorbed`` once it has been open ``hold`` seconds
(then its object may become background). The tracker sees only regions and
times, never pixels.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from spotdiff.result import Regions
from spotdiff.watch.config import WatchConfig


@dataclass
class Event:
    """One object's event, open or closed (times in seconds from the source's start)."""

    id: int
    camera: str
    start_frame: int
    start_time: float
    last_frame: int
    last_time: float
    zones: set[str] = field(default_factory=set)
    peak_area: int = 0
    best_score: float = -1.0
    best_frame: int = -1
    best_boxes: list[list[int]] = field(default_factory=list)
    end_frame: int | None = None
    end_time: float | None = None
    reason: str | None = None
    snapshot: str | None = None
    frame_image: str | None = None
    crop: str | None = None
    clip: str | None = None

    def to_dict(self) -> dict:
        return {"event_id": self.id, "camera": self.camera, "start_frame": self.start_frame,
                "start_time": round(self.start_time, 3), "end_frame": self.end_frame,
                "end_time": None if self.end_time is None else round(self.end_time, 3),
                "reason": self.reason, "zones": sorted(self.zones),
                "peak_area": self.peak_area, "best_frame": self.best_frame,
                "snapshot": self.snapshot, "frame_image": self.frame_image, "crop": self.crop,
                "clip": self.clip}


@dataclass(frozen=True)
class Change:
    """What happened to an event on this frame: ``kind`` is start, update or end;
    ``best``: this frame is the event's best view so far."""

    kind: str
    event: Event
    regions: Regions
    best: bool = False


@dataclass
class _Track:
    id: int
    box: np.ndarray
    seen: deque
    first_frame: int
    first_time: float
    last_frame: int
    last_time: float
    event: Event | None = None
    absorbed: bool = False
    last_update: float = 0.0


def regions_to_list(regions: Regions) -> list[dict]:
    """The JSON form of regions: ``[{"bbox": [x0, y0, x1, y1], "area": n}, ...]``."""
    return [{"bbox": box, "area": area}
            for box, area in zip(regions.xyxy.tolist(), regions.area.tolist(), strict=True)]


class Tracker:
    """Regions per frame in, :class:`Change` records out."""

    def __init__(self, config: WatchConfig, camera: str, new_id: Callable[[], int]) -> None:
        self.config = config
        self.camera = camera
        self.new_id = new_id
        self.tracks: list[_Track] = []
        self._next_track = 0

    @property
    def open_events(self) -> list[Event]:
        return [t.event for t in self.tracks if t.event is not None and t.event.reason is None]

    def hold_boxes(self) -> np.ndarray:
        """Boxes (frame coordinates) of the objects of open events."""
        boxes = [t.box for t in self.tracks if t.event is not None and not t.absorbed]
        return np.array(boxes, np.int64).reshape(-1, 4)

    def step(self, frame: int, time: float, regions: Regions, zones: list[tuple[str, ...]],
             shape: tuple[int, int]) -> list[Change]:
        """Join this frame's regions (frame coordinates) to the tracks."""
        cfg = self.config
        h, w = shape
        margin = max(4.0, 0.02 * float(np.hypot(h, w)))
        owner = self._assign(regions, margin, frame, time)
        changes: list[Change] = []
        for track in list(self.tracks):
            mine = np.flatnonzero(owner == track.id)
            seen = len(mine) > 0
            track.seen.append(seen)
            if seen:
                own = regions[mine]
                track.box = np.concatenate([own.xyxy[:, :2].min(axis=0),
                                            own.xyxy[:, 2:].max(axis=0)])
                track.last_frame, track.last_time = frame, time
            event = track.event
            if track.absorbed:  # its event has ended; it stays to be forgotten
                if time - track.last_time > cfg.event_gap:
                    self.tracks.remove(track)
                continue
            if event is None:
                if sum(track.seen) >= cfg.min_frames:
                    event = track.event = Event(self.new_id(), self.camera, track.first_frame,
                                                track.first_time, frame, time)
                    track.last_update = time
                    changes.append(self._seen(track, regions[mine], zones, mine, shape, "start"))
                elif time - track.last_time > cfg.event_gap or not any(track.seen):
                    self.tracks.remove(track)
                continue
            if seen:
                kind = "update" if time - track.last_update >= cfg.update_every else ""
                if kind:
                    track.last_update = time
                change = self._seen(track, regions[mine], zones, mine, shape, kind)
                if kind or change.best:
                    changes.append(change)
            if time - track.last_time > cfg.event_gap:
                changes.append(self._end(track, "gone"))
                self.tracks.remove(track)
            elif cfg.hold and time - event.start_time >= cfg.hold:
                changes.append(self._end(track, "absorbed", frame, time))
                track.absorbed = True
        return changes

    def close_all(self, reason: str, frame: int, time: float) -> list[Change]:
        """End every open event now (end of source, shutdown, camera lost)."""
        changes = [self._end(t, reason, frame, time) for t in self.tracks
                   if t.event is not None and not t.absorbed]
        self.tracks = []
        return changes

    # -- helpers ------------------------------------------------------------------------------
    def _assign(self, regions: Regions, margin: float, frame: int, time: float) -> np.ndarray:
        """Per region, the id of the track it joins (new tracks are made here)."""
        owner = np.full(len(regions), -1, np.int64)
        boxes = np.array([t.box for t in self.tracks], np.float64).reshape(-1, 4)
        grown = boxes + [-margin, -margin, margin, margin]
        for i, (x0, y0, x1, y1) in enumerate(regions.xyxy.tolist()):
            hit = (grown[:, 0] < x1) & (grown[:, 2] > x0) & (grown[:, 1] < y1) & (grown[:, 3] > y0)
            if hit.any():
                owner[i] = min(self.tracks[j].id for j in np.flatnonzero(hit))  # oldest lives on
        new = np.flatnonzero(owner < 0)
        for i in new.tolist():
            track = _Track(self._next_track, regions.xyxy[i].copy(),
                           deque(maxlen=self.config.window), frame, time, frame, time)
            self._next_track += 1
            self.tracks.append(track)
            owner[i] = track.id
        return owner

    def _seen(self, track: _Track, own: Regions, zones: list[tuple[str, ...]],
              index: np.ndarray, shape: tuple[int, int], kind: str) -> Change:
        event = track.event
        assert event is not None
        for i in index.tolist():
            event.zones.update(zones[i] if i < len(zones) else ())
        area = int(own.area.sum())
        event.peak_area = max(event.peak_area, area)
        event.last_frame, event.last_time = track.last_frame, track.last_time
        h, w = shape
        x0, y0, x1, y1 = track.box.tolist()
        complete = 0.5 if (x0 <= 0 or y0 <= 0 or x1 >= w or y1 >= h) else 1.0
        score = area * complete
        best = score > event.best_score
        if best:
            event.best_score = score
            event.best_frame = track.last_frame
            event.best_boxes = own.xyxy.tolist()
        return Change(kind, event, own, best)

    def _end(self, track: _Track, reason: str, frame: int | None = None,
             time: float | None = None) -> Change:
        event = track.event
        assert event is not None
        event.reason = reason
        # gone: it was last seen then; otherwise the event is cut now
        event.end_frame = track.last_frame if frame is None else frame
        event.end_time = track.last_time if time is None else time
        return Change("end", event, Regions.empty())
