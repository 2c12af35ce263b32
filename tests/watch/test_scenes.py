"""Events on the synthetic scenes (spotdiff.evalset.scenes) with the default pipeline."""

from __future__ import annotations

import glob

import cv2
import numpy as np
import pytest
from watchkit import ListSource, frames_of

from shared_data import require_data
from spotdiff.watch import WatchConfig
from spotdiff.watch.service import Watcher
from spotdiff.watch.store import Store


def _events(frames, config=None, records=None):
    result = Watcher(ListSource(frames), config or WatchConfig(), Store(None),
                     (records if records is not None else []).append).run()
    return [(e["start_frame"], e["end_frame"], e["reason"]) for e in result.events]


def test_stopped_intruder_stays_one_open_event():
    # 60 empty frames, 50 walking in, 600 standing still (24 s), 50 walking out, 60 empty
    records: list[dict] = []
    events = _events(frames_of("intruder_stays", width=128, height=96, stay=600),
                     records=records)
    assert len(events) == 1
    start, end, reason = events[0]
    assert 60 <= start < 110 and reason == "gone"
    assert end >= 60 + 50 + 600  # still detected after standing 600 frames
    # while it stood, every update carried the person (not an emptied box)
    updates = [r for r in records if r["type"] == "update" and 150 < r["frame"] < 700]
    assert updates and all(sum(g["area"] for g in r["regions"]) > 300 for r in updates)


def test_stopped_intruder_ends_absorbed_after_hold():
    events = _events(frames_of("intruder_stays", width=128, height=96, stay=250),
                     WatchConfig(hold=6.0))
    assert events[0][2] == "absorbed"
    assert events[0][1] - events[0][0] == pytest.approx(6.0 * 25, abs=2)
    assert len(events) <= 2  # absorbed: the standing person raises no new event


def test_left_bag_stays_open_to_the_end():
    frames = frames_of("left_bag", stay=400)
    events = _events(frames)
    assert [e[2] for e in events] == ["end_of_source"]
    assert events[0][1] == len(frames) - 1


@pytest.mark.parametrize("scene", ["lights", "shaken", "trees"])
def test_no_event_without_an_intruder(scene):
    records: list[dict] = []
    assert _events(frames_of(scene, frames=200), records=records) == []
    if scene == "lights":  # the guard's decision is recorded
        kinds = {r["kind"] for r in records if r["type"] == "camera"}
        assert kinds & {"relearnt", "global_change"}


def test_night_walker_is_one_event():
    events = _events(frames_of("night", empty=60, walk=60))
    assert len(events) == 1 and 60 <= events[0][0] < 80 and events[0][2] == "gone"


def test_two_intruders_are_two_events():
    frames = frames_of("trees", frames=160)
    out = []
    for k, frame in enumerate(frames):
        frame = frame.copy()
        if k >= 80:  # two objects far apart, both appearing on frame 80
            x = 10 + (k - 80) // 4
            cv2.rectangle(frame, (x, 70), (x + 14, 110), (250, 20, 20), -1)
            cv2.rectangle(frame, (150 - x, 70), (150 - x - 14, 110), (20, 20, 250), -1)
        out.append(frame)
    events = _events(out)
    assert len(events) == 2 and all(80 <= e[0] < 90 for e in events)


def _wavingtrees():
    folder = require_data("wallflower", "WavingTrees")
    files = sorted(glob.glob(str(folder / "b*.bmp")))
    return [cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB) for p in files]


@pytest.mark.data
def test_wavingtrees_empty_frames_no_event_person_one():
    # frames 0-241: only the tree moves; John enters at 242 (script.txt)
    events = _events(_wavingtrees())
    assert len(events) == 1
    assert 242 <= events[0][0] <= 250


def test_hold_keeps_a_stopped_object_in_every_model():
    from spotdiff.background import create
    from spotdiff.evalset.scenes import intruder_stays

    pairs = list(intruder_stays(128, 96, stay=200, walk=10, empty=30))[:240]
    truth = pairs[-1][1]
    for name in ("consensus", "reference", "running", "mog2"):
        model = create(name)
        for frame, t in pairs:
            if t.any():
                ys, xs = np.nonzero(t)
                hold = np.zeros(t.shape, bool)
                hold[ys.min():ys.max() + 1, xs.min():xs.max() + 1] = True
            else:
                hold = None
            mask = model.apply(frame, hold=hold).mask
        recall = (mask & truth).sum() / truth.sum()
        assert recall > 0.7, (name, recall)


def test_a_failing_source_closes_open_events_first():
    frames = frames_of("night", empty=60, walk=60)[:100]  # the walker is in view at the end
    records: list[dict] = []

    class Crashing(ListSource):
        def __iter__(self):
            yield from super().__iter__()
            raise OSError("decoder crashed")

    with pytest.raises(OSError, match="decoder crashed"):
        Watcher(Crashing(frames), WatchConfig(), Store(None), records.append).run()
    (end,) = [r for r in records if r["type"] == "end"]
    assert end["reason"] == "camera_lost" and end["end_frame"] == 99
