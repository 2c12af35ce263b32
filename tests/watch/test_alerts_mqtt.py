"""MQTT against a real Mosquitto broker: topics, the retained snapshot, and the
last will when the watch process is killed."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys

import cv2
import numpy as np
import pytest
from alertkit import Subscriber, mosquitto  # noqa: F401 - fixture
from watchkit import walk_video  # noqa: F401 - fixture

from spotdiff.cli import main

EVENT_KEYS = {"type", "event_id", "camera", "frame", "time", "regions", "idempotency_key"}


def _spawn(video, out, url, *extra):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "spotdiff", "watch", str(video), "-o",
                             str(out), "--json", "--no-clips", "--mqtt", url, *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def test_topics_retained_snapshot_and_last_will(mosquitto, walk_video, tmp_path):  # noqa: F811
    url = f"mqtt://127.0.0.1:{mosquitto.port}/home/spot"
    seen = Subscriber(mosquitto.port, "home/spot/#")
    try:
        # a whole run: every record on events, motion ON then OFF, the snapshot
        with _spawn(walk_video, tmp_path, url) as proc:
            assert proc.wait(timeout=120) == 1, proc.stderr.read()
            records = [json.loads(line) for line in proc.stdout]
        # 'offline' is published last; a subscriber gets one client's messages in order
        assert seen.wait(lambda: seen.on("home/spot/available")[-1:] == [b"offline"])
        events = [json.loads(p) for p in seen.on("home/spot/events")]
        expected = [r for r in records if r["type"] != "camera"]
        assert [{k: v for k, v in e.items() if k != "idempotency_key"} for e in events] \
            == expected  # the --json records, in order
        assert all(EVENT_KEYS <= set(e) for e in events)
        assert len({e["idempotency_key"] for e in events}) == len(events)
        assert seen.on("home/spot/walk/motion") == [b"ON", b"OFF"]
        snapshots = seen.on("home/spot/walk/snapshot")
        assert len(snapshots) == 2  # at the start and at the end
        picture = cv2.imdecode(np.frombuffer(snapshots[-1], np.uint8), cv2.IMREAD_COLOR)
        assert picture.shape == (120, 160, 3)
        assert snapshots[-1] == (tmp_path / "snapshots" / f"{events[0]['event_id']}.jpg"
                                 ).read_bytes()
        assert seen.on("home/spot/available") == [b"online", b"offline"]  # a clean stop
        # retained: a subscriber arriving now gets the last snapshot and states at once
        late = Subscriber(mosquitto.port, "home/spot/#")
        assert late.wait(lambda: len(late.messages) >= 3)
        retained = {t: p for t, p, r in late.messages if r}
        late.close()
        assert retained == {"home/spot/walk/snapshot": snapshots[-1],
                            "home/spot/walk/motion": b"OFF",
                            "home/spot/available": b"offline"}
        # the last will: a watch killed (kill -9) is reported offline by the broker
        with _spawn(walk_video, tmp_path, url, "--realtime") as proc:
            assert seen.wait(lambda: seen.on("home/spot/available")[-1] == b"online")
            assert seen.wait(lambda: seen.on("home/spot/walk/motion")[-1] == b"ON")
            proc.kill()
            proc.wait(timeout=30)
        assert seen.wait(lambda: seen.on("home/spot/available")[-1] == b"offline")
        assert seen.on("home/spot/available") == [b"online", b"offline", b"online",
                                                   b"offline"]
    finally:
        seen.close()


def test_missing_paho_names_the_extra(walk_video, tmp_path, monkeypatch):  # noqa: F811
    monkeypatch.setitem(sys.modules, "paho.mqtt.client", None)  # as if not installed
    err = io.StringIO()
    code = main(["watch", walk_video, "-o", str(tmp_path / "events"), "--mqtt",
                 "mqtt://127.0.0.1/spot"], stdout=io.StringIO(), stderr=err)
    assert code == 2 and "pip install 'spotdiff[mqtt]'" in err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert not (tmp_path / "events").exists()


@pytest.mark.parametrize("url, says", [
    ("http://127.0.0.1/spot", "expected mqtt://HOST[:PORT]/PREFIX"),
    ("mqtt:///spot", "got no host"),
    ("mqtt://127.0.0.1:70000/spot", "expected a port from 1 to 65535"),
    ("mqtt://127.0.0.1/a/#", "without +, # or //"),
])
def test_bad_mqtt_url_is_one_line(url, says, walk_video, tmp_path):  # noqa: F811
    err = io.StringIO()
    code = main(["watch", walk_video, "-o", str(tmp_path / "events"), "--mqtt", url],
                stdout=io.StringIO(), stderr=err)
    assert code == 2 and says in err.getvalue(), err.getvalue()
    assert err.getvalue().count("\n") == 1
    assert not (tmp_path / "events").exists()
