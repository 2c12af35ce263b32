"""Event-level evaluation of watching on labelled sequences (CDnet layout).

A labelled event is a run of frames whose ground truth holds at least
``min_object`` foreground pixels, runs closer than ``event_gap`` seconds
joined. A detected event *hits* a labelled one when their frame spans
overlap. Reported per sequence:

* event recall: labelled events hit / labelled events;
* false events: detected events that overlap no labelled event, and the
  same per hour of video (frames / fps);
* latency: seconds from a labelled event's first frame to the ``start``
  record of the first detected event hitting it (when the alarm is raised),
  over the labelled events that begin after the first labelled frame;
* pixel F: the detector's foreground against the labelled frames (CDnet's
  F-measure; frames that raised nothing count as empty).
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import cv2
import numpy as np

from spotdiff.evalset.cdnet import Confusion, Sequence, confusion
from spotdiff.io.video import read_image_rgb
from spotdiff.watch.config import WatchConfig
from spotdiff.watch.service import Watcher
from spotdiff.watch.source import Frame
from spotdiff.watch.store import Store


@dataclass
class EventScore:
    """One sequence's event-level numbers."""

    name: str
    frames: int
    fps: float
    truth_events: list[tuple[int, int]]
    detected: list[tuple[int, int, int]]  # start frame, end frame, frame of the start record
    hits: int = 0
    false_events: int = 0
    latencies: list[float] = field(default_factory=list)
    pixels: Confusion = field(default_factory=Confusion)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        hours = self.frames / self.fps / 3600.0
        n = len(self.truth_events)
        return {
            "name": self.name, "frames": self.frames,
            "truth_events": n, "detected_events": len(self.detected),
            "event_recall": None if n == 0 else self.hits / n,
            "false_events": self.false_events,
            "false_events_per_hour": self.false_events / hours if hours > 0 else None,
            "latency": float(np.mean(self.latencies)) if self.latencies else None,
            "pixel_f": _finite(self.pixels.metrics()["f_measure"]),
            "run_fps": self.frames / self.seconds if self.seconds > 0 else None,
        }


def _finite(value: float) -> float | None:
    return value if math.isfinite(value) else None  # no labelled object, or none found


class _SequenceSource:
    """The frames of a labelled sequence as a watch source."""

    live = False

    def __init__(self, seq: Sequence, fps: float) -> None:
        self.name = seq.name.replace("/", "-")
        self.fps = fps
        self.seq = seq

    def __iter__(self) -> Iterator[Frame]:
        for i, path in enumerate(self.seq.frames):
            yield Frame(i, i / self.fps, read_image_rgb(path))

    def close(self) -> None:
        pass


def truth_events(seq: Sequence, shape: tuple[int, int], *, min_object: int,
                 gap_frames: int) -> list[tuple[int, int]]:
    """Runs of labelled frames holding an object (>= ``min_object`` pixels)."""
    roi = seq.load_roi(shape)
    present = []
    for i in sorted(seq.truths):
        truth = seq.load_truth(i, shape) == 255
        if roi is not None:
            truth &= roi
        if np.count_nonzero(truth) >= min_object:
            present.append(i)
    runs: list[tuple[int, int]] = []
    for i in present:
        if runs and i - runs[-1][1] <= gap_frames + 1:
            runs[-1] = (runs[-1][0], i)
        else:
            runs.append((i, i))
    return runs


def evaluate_events(seq: Sequence, config: WatchConfig | None = None, *, fps: float = 25.0,
                    min_object: int = 50) -> EventScore:
    """Replay ``seq`` through the watch pipeline and score its events."""
    config = config or WatchConfig()
    source = _SequenceSource(seq, fps)
    starts: dict[int, int] = {}
    pixels = [Confusion()]
    state: dict[str, Any] = {}

    def record(r: dict[str, Any]) -> None:
        if r["type"] == "start":
            starts[r["event_id"]] = r["frame"]

    def on_frame(frame: Frame, det: Any) -> None:
        if "shape" not in state:
            state["shape"] = frame.pixels.shape[:2]
            state["roi"] = seq.load_roi(state["shape"])
        if frame.index not in seq.truths:
            return
        h, w = state["shape"]
        mask = np.zeros((h, w), np.bool_) if det.mask is None else cv2.resize(
            det.mask.view(np.uint8), (w, h), interpolation=cv2.INTER_NEAREST).view(np.bool_)
        pixels[0] = pixels[0] + confusion(mask, seq.load_truth(frame.index, (h, w)),
                                          state["roi"])

    t0 = time.perf_counter()
    result = Watcher(source, config, Store(None), record, on_frame=on_frame).run()
    seconds = time.perf_counter() - t0
    detected = [(e["start_frame"], e["end_frame"], starts[e["event_id"]])
                for e in result.events]
    truths = truth_events(seq, state["shape"], min_object=min_object,
                          gap_frames=round(config.event_gap * fps))
    score = EventScore(seq.name, result.frames, fps, truths, detected, pixels=pixels[0],
                       seconds=seconds)
    first, last = (min(seq.truths), max(seq.truths)) if seq.truths else (0, -1)
    for t0_, t1_ in truths:
        hit = [d for d in detected if d[0] <= t1_ and d[1] >= t0_]
        if hit:
            score.hits += 1
            if t0_ > first:  # an entry seen while scored (not already there when scoring began)
                score.latencies.append((min(d[2] for d in hit) - t0_) / fps)
    score.false_events = sum(
        1 for d in detected
        if d[1] >= first and d[0] <= last and not any(d[0] <= t1 and d[1] >= t0
                                                      for t0, t1 in truths))
    return score
