"""The watch services one at a time: config, tracker, store, snapshot detector."""

from __future__ import annotations

import json
import sqlite3

import numpy as np
import pytest
from watchkit import ListSource, frames_of

from spotdiff.errors import InputError
from spotdiff.result import Regions
from spotdiff.watch import WatchConfig, Zone
from spotdiff.watch.detect import Detector
from spotdiff.watch.service import Watcher
from spotdiff.watch.store import SCHEMA_VERSION, Store, connect
from spotdiff.watch.track import Tracker


def _regions(*boxes):
    xyxy = np.array(boxes, np.int64).reshape(-1, 4)
    area = (xyxy[:, 2] - xyxy[:, 0]) * (xyxy[:, 3] - xyxy[:, 1])
    return Regions(xyxy=xyxy, area=area, centroid=np.zeros((len(xyxy), 2)),
                   strength=np.ones(len(xyxy)), peak=np.ones(len(xyxy)),
                   polygons=[[] for _ in xyxy])


def _track(steps, **options):
    ids = iter(range(1, 100))
    tracker = Tracker(WatchConfig(**options), "cam", lambda: next(ids))
    out = []
    for k, boxes in enumerate(steps):
        regions = _regions(*boxes)
        out += tracker.step(k, k / 25, regions, [()] * len(regions), (120, 160))
    return out + tracker.close_all("end_of_source", len(steps), len(steps) / 25)


def test_config_errors_name_the_key_and_camera():
    with pytest.raises(InputError, match="'event_gap' of camera 'door'"):
        WatchConfig(camera="door", event_gap=-1)
    with pytest.raises(InputError, match="'min_area'"):
        WatchConfig(min_area=2.5)
    with pytest.raises(InputError, match="'min_frames'"):
        WatchConfig(min_frames=6, window=5)
    with pytest.raises(InputError, match="distinct zone names"):
        WatchConfig(zones=(Zone("a", ((0, 0), (1, 0), (1, 1))),) * 2)


def test_tracker_split_keeps_the_older_id_and_merge_too():
    one = [(40, 40, 60, 80)]
    split = [(40, 40, 50, 80), (52, 40, 62, 80)]  # one object seen in two pieces
    changes = _track([one] * 5 + [split] * 5 + [one] * 5)
    starts = [c for c in changes if c.kind == "start"]
    assert len(starts) == 1 and [c.kind for c in changes].count("end") == 1
    # two objects far apart, then meeting: two events, the merged one is the older
    steps = [[(10 + 3 * k, 40, 20 + 3 * k, 80), (140 - 3 * k, 40, 150 - 3 * k, 80)]
             for k in range(20)]  # walking towards each other, 3 px a frame
    steps += [[(68, 40, 92, 80)]] * 60  # together, one region
    changes = _track(steps)
    starts = [c.event.id for c in changes if c.kind == "start"]
    ends = {c.event.id: c.event.reason for c in changes if c.kind == "end"}
    assert starts == [1, 2]
    assert ends == {1: "end_of_source", 2: "gone"}  # id 1 lives on in the merged region


def test_tracker_min_frames_and_gap():
    box = [(40, 40, 60, 80)]
    # present 2 of 5 frames: no event with min 3/5
    assert _track([box, [], box, [], [], []] * 3) == []
    changes = _track([box] * 3 + [[]] * 10 + [box] * 3, event_gap=0.2)
    assert [c.kind for c in changes] == ["start", "end", "start", "end"]
    assert changes[1].event.reason == "gone" and changes[1].event.end_frame == 2


def test_store_schema_recovery_and_retention(tmp_path):
    store = Store(tmp_path)
    from spotdiff.watch.track import Event

    event = Event(store.new_event_id("cam"), "cam", 5, 0.2, 9, 0.36)
    store.record("start", event, 7, 0.28, [{"bbox": [1, 2, 3, 4], "area": 4}])
    (tmp_path / "snapshots" / f"{event.id}.jpg").write_bytes(b"x" * 1000)
    event.snapshot = f"snapshots/{event.id}.jpg"
    store.record("update", event, 9, 0.36, [])
    store.close_db()
    # reopened as after a crash: the open event is closed as interrupted
    store = Store(tmp_path)
    assert store.recover() == [event.id]
    row = store.event(event.id)
    assert row["reason"] == "interrupted" and row["end_frame"] == 9
    assert [t["kind"] for t in row["timeline"]] == ["start", "update"]
    assert json.loads((tmp_path / "events" / f"{event.id}.json").read_text())["end_frame"] == 9
    # retention by size: the files go with the rows
    assert store.purge(max_bytes=10) == [event.id]
    assert store.events() == [] and not (tmp_path / event.snapshot).exists()
    store.close_db()
    db = sqlite3.connect(tmp_path / "events.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_store_refuses_a_newer_schema(tmp_path):
    db = sqlite3.connect(tmp_path / "events.db")
    db.execute(f"PRAGMA user_version={SCHEMA_VERSION + 1}")
    db.close()
    with pytest.raises(InputError, match="schema version"):
        connect(tmp_path / "events.db")


def test_snapshot_detector_finds_the_walker(tmp_path):
    import cv2

    frames = frames_of("night", empty=60, walk=60)
    clean = tmp_path / "clean.png"
    cv2.imwrite(str(clean), cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))
    detector = Detector(WatchConfig(background=str(clean), learn_frames=0))
    found = [len(detector.detect(frame).regions) > 0 for frame in frames]
    # empty frames 0-59 (another noise draw than the snapshot), the walker 60-119
    assert sum(found[:60]) <= 2 and sum(found[64:116]) > 35


def test_snapshot_of_another_size_is_refused(tmp_path):
    import cv2

    cv2.imwrite(str(tmp_path / "small.png"), np.zeros((10, 10, 3), np.uint8))
    detector = Detector(WatchConfig(background=str(tmp_path / "small.png")))
    with pytest.raises(InputError, match="camera's size 160x120"):
        detector.detect(frames_of("trees", frames=1)[0])


def test_camera_config_file(tmp_path):
    from spotdiff.watch.cameras import load_cameras

    cfg = tmp_path / "cams.toml"
    cfg.write_text('[defaults]\nmin_area = 100\n\n[cameras.door]\nsource = "door.avi"\n'
                   'zones = { porch = "0,0 10,0 10,10" }\nhold = 60\n\n'
                   '[cameras.yard]\nsource = "0"\nmasks = ["0,0 5,0 5,5"]\n')
    (door, a), (yard, b) = load_cameras(cfg)
    assert door == str(tmp_path / "door.avi") and yard == "0"
    assert a.camera == "door" and a.min_area == 100 and a.hold == 60
    assert a.zones == (Zone("porch", ((0, 0), (10, 0), (10, 10))),)
    assert b.masks == (((0, 0), (5, 0), (5, 5)),)
    cfg.write_text('[cameras.door]\nsource = "a.avi"\nholld = 3\n')
    with pytest.raises(InputError, match="key 'holld' of camera 'door'"):
        load_cameras(cfg)
    cfg.write_text('[cameras.door]\nsource = "a.avi"\nhold = -3\n')
    with pytest.raises(InputError, match="'hold' of camera 'door'"):
        load_cameras(cfg)
    cfg.write_text('[cameras.door]\nsource = "a.avi"\nzones = { a = "1,2" }\n')
    with pytest.raises(InputError, match="zone 'a' of camera 'door'"):
        load_cameras(cfg)


@pytest.mark.parametrize("name", ["consensus", "reference", "running", "mog2"])
def test_hold_none_or_empty_changes_nothing(name):
    from spotdiff.background import create

    frames = frames_of("night", empty=20, walk=30)
    plain, none, empty = create(name), create(name), create(name)
    nothing = np.zeros(frames[0].shape[:2], bool)
    for frame in frames:
        a = plain.apply(frame)
        for other in (none.apply(frame, hold=None), empty.apply(frame, hold=nothing)):
            assert np.array_equal(a.mask, other.mask)
            assert np.array_equal(a.difference, other.difference)
    with pytest.raises(InputError, match="bool mask"):
        plain.apply(frames[0], hold=np.zeros((3, 3), bool))


def test_files_that_cannot_be_written_do_not_stop_detection(tmp_path, caplog):
    store = Store(tmp_path)
    for sub in ("snapshots", "clips"):  # writes there fail as on a full disk
        (tmp_path / sub).rmdir()
        (tmp_path / sub).write_text("not a folder")
    records: list[dict] = []
    with caplog.at_level("ERROR", logger="spotdiff.watch"):
        result = Watcher(ListSource(frames_of("night", empty=60, walk=60)), WatchConfig(),
                         store, records.append).run()
    store.close_db()
    (end,) = [r for r in records if r["type"] == "end"]
    assert end["reason"] == "gone" and end["snapshot"] is None and end["clip"] is None
    assert len(result.events) == 1
    lines = [r.getMessage() for r in caplog.records]
    assert len(lines) == 2 and all("detection goes on" in line for line in lines)  # one a kind
