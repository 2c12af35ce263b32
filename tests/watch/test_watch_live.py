"""watch on a live camera: a real HTTP MJPEG stream on 127.0.0.1 that drops in
the middle of an event and comes back.

The camera's loss is recorded (the open event ends ``camera_lost``), its
return too, the background is learnt again without raising an intrusion,
and an object that enters afterwards is an event again.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from spotdiff.watch import WatchConfig, Watcher
from spotdiff.watch.source import open_source
from spotdiff.watch.store import Store

pytest_plugins = ["live_servers"]

W, H = 160, 120


def _scene(phase: dict) -> Callable[[int], np.ndarray]:
    """Frame ``i`` of a static textured scene; an object while ``phase["object"]`` says where."""
    rng = np.random.default_rng(1)
    ground = rng.integers(60, 200, (H // 8, W // 8, 3), np.uint8).repeat(8, 0).repeat(8, 1)

    def picture(i: int) -> np.ndarray:
        frame = ground.copy()
        frame += np.random.default_rng(i).integers(0, 4, frame.shape, np.uint8)  # sensor noise
        where = phase.get("object")
        if where is not None:
            x, y = where
            frame[y:y + 40, x:x + 24] = (20, 30, 230)
        return frame

    return picture


def _wait(predicate, what: str, limit: float = 20.0) -> None:
    end = time.monotonic() + limit
    while not predicate():
        if time.monotonic() > end:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


def test_a_stream_dropped_during_an_event_and_restored(mjpeg_server, tmp_path):
    phase: dict = {"object": None}
    mjpeg_server.picture = _scene(phase)
    source = open_source(mjpeg_server.url, name="door", stall_seconds=1.0, reconnect_max=0.2)
    records: list[dict] = []
    store = Store(tmp_path)
    watcher = Watcher(source, WatchConfig(learn_frames=10, min_frames=3, clips=False,
                                          event_gap=0.5), store, records.append)
    thread = threading.Thread(target=watcher.run, daemon=True)
    thread.start()
    kinds = lambda kind: [r for r in records if r["type"] == kind]  # noqa: E731
    cameras = lambda kind: [r for r in kinds("camera") if r["kind"] == kind]  # noqa: E731
    try:
        time.sleep(1.5)  # the empty scene is learnt
        assert kinds("start") == []
        phase["object"] = (30, 40)
        _wait(lambda: kinds("start"), "the intruder's event")
        mjpeg_server.stop()  # the camera goes away in the middle of the event
        _wait(lambda: cameras("lost"), "camera lost")
        phase["object"] = None  # it comes back on an empty scene
        mjpeg_server.start()
        _wait(lambda: cameras("found"), "camera found")
        found_at = len(records)
        time.sleep(2.0)  # the scene is learnt again: nothing may be raised
        assert [r for r in records[found_at:] if r["type"] == "start"] == []
        phase["object"] = (100, 60)  # a second intruder, elsewhere
        _wait(lambda: len(kinds("start")) == 2, "the second intruder's event")
    finally:
        watcher.stop()
        thread.join(10)
    assert not thread.is_alive()
    first, second = kinds("start")
    ends = {r["event_id"]: r for r in kinds("end")}
    assert ends[first["event_id"]]["reason"] == "camera_lost"
    assert ends[second["event_id"]]["reason"] == "shutdown"
    x0, _, x1, _ = second["regions"][0]["bbox"]
    assert x0 < 124 and x1 > 100  # the second event is the second intruder
    with sqlite3.connect(tmp_path / "events.db") as db:
        reasons = db.execute("SELECT reason FROM events ORDER BY id").fetchall()
        status = [k for (k,) in db.execute("SELECT kind FROM camera_status ORDER BY rowid")]
    assert reasons == [("camera_lost",), ("shutdown",)]
    assert status.index("lost") < status.index("found")
