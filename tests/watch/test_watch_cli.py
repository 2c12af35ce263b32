"""``spotdiff watch``: the output contract, the store on disk, clips, signals and kill -9."""

from __future__ import annotations

import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest
from watchkit import empty_video, walk_video  # noqa: F401 - fixtures

from spotdiff.cli import main
from spotdiff.watch.media import count_frames
from spotdiff.watch.store import SCHEMA_VERSION

EVENT_KEYS = {"type", "event_id", "camera", "frame", "time", "regions"}
END_KEYS = EVENT_KEYS | {"start_frame", "end_frame", "reason", "snapshot", "clip"}


def _run(argv):
    out, err = io.StringIO(), io.StringIO()
    code = main(argv, stdout=out, stderr=err)
    return code, [json.loads(line) for line in out.getvalue().splitlines()], err.getvalue()


def test_json_lines_contract_store_and_clip(walk_video, tmp_path):  # noqa: F811
    out = tmp_path / "events"
    code, records, err = _run(["watch", walk_video, "-o", str(out), "--json"])
    assert code == 1, err
    kinds = [r["type"] for r in records]
    assert set(kinds) <= {"start", "update", "end", "camera"}
    assert kinds.count("start") == kinds.count("end") == 1
    for r in records:
        if r["type"] != "camera":
            assert EVENT_KEYS <= set(r)
            assert isinstance(r["frame"], int) and isinstance(r["time"], float)
            for g in r["regions"]:
                x0, y0, x1, y1 = g["bbox"]
                assert 0 <= x0 < x1 <= 160 and 0 <= y0 < y1 <= 120 and g["area"] > 0
    (end,) = [r for r in records if r["type"] == "end"]
    assert END_KEYS <= set(end) and end["reason"] == "gone"
    assert end["event_id"] == records[0]["event_id"]
    # the database, opened and checked
    db = sqlite3.connect(out / "events.db")
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    row = db.execute("SELECT id, reason, start_frame, end_frame, snapshot, clip FROM events"
                     ).fetchall()
    assert row == [(end["event_id"], "gone", end["start_frame"], end["end_frame"],
                    f"snapshots/{end['event_id']}.jpg", f"clips/{end['event_id']}.mp4")]
    updates = db.execute("SELECT count(*) FROM timeline").fetchone()[0]
    assert updates == kinds.count("start") + kinds.count("update")
    sidecar = json.loads((out / "events" / f"{end['event_id']}.json").read_text())
    assert sidecar["reason"] == "gone" and sidecar["timeline"]
    for suffix in ("", "-frame", "-crop"):
        assert (out / "snapshots" / f"{end['event_id']}{suffix}.jpg").stat().st_size > 0
    # the clip plays: pre (2 s) + event + post (2 s) at 25 fps, within one frame
    expected = (end["end_frame"] + 50) - (end["start_frame"] - 50) + 1
    assert abs(count_frames(end["clip"]) - expected) <= 1
    assert end["clip"] == str(out / "clips" / f"{end['event_id']}.mp4")


def test_webm_clip_decodes_back(walk_video, tmp_path):  # noqa: F811
    code, records, err = _run(["watch", walk_video, "-o", str(tmp_path), "--json",
                               "--clip-format", "webm", "--pre", "1", "--post", "1"])
    (end,) = [r for r in records if r["type"] == "end"]
    assert end["clip"].endswith(".webm")
    expected = (end["end_frame"] + 25) - (end["start_frame"] - 25) + 1
    assert abs(count_frames(end["clip"]) - expected) <= 1


def test_no_event_exit_0_and_error_exit_2(empty_video, tmp_path):  # noqa: F811
    code, records, err = _run(["watch", empty_video, "--json"])
    assert code == 0 and [r for r in records if r["type"] != "camera"] == []
    code, records, err = _run(["watch", str(tmp_path / "missing.avi")])
    assert code == 2 and records == []
    assert err.count("\n") == 1 and err.startswith("spotdiff: error:")
    code, _, err = _run(["watch", empty_video, "--min-frames", "6/5"])
    assert code == 2 and "M <= N" in err
    code, _, err = _run(["watch", empty_video, "--model", "nope"])
    assert code == 2 and "consensus" in err and "Traceback" not in err


def test_zone_elsewhere_gives_no_event(walk_video):  # noqa: F811
    code, _, _ = _run(["watch", walk_video, "--zone", "door:0,0 20,0 20,20 0,20"])
    assert code == 0  # the walker never touches the top-left corner
    code, records, _ = _run(["watch", walk_video, "--json", "--zone", "floor:0,60 160,60 160,120"])
    (end,) = [r for r in records if r["type"] == "end"]
    assert code == 1 and end["zones"] == ["floor"]
    code, _, _ = _run(["watch", walk_video, "--mask", "0,0 160,0 160,120 0,120"])
    assert code == 0  # all masked


def test_mask_image(walk_video, tmp_path):  # noqa: F811
    import cv2
    import numpy as np

    lower = np.zeros((120, 160), np.uint8)
    lower[40:] = 255  # ignored: all of the walker but the head
    cv2.imwrite(str(tmp_path / "mask.png"), lower)
    code, records, err = _run(["watch", walk_video, "--json", "--mask", str(tmp_path / "mask.png")])
    assert code in (0, 1), err
    for r in records:
        for g in r.get("regions", []):
            assert g["bbox"][3] <= 40  # nothing found in the masked part
    cv2.imwrite(str(tmp_path / "small.png"), lower[:10])
    code, _, err = _run(["watch", walk_video, "--mask", str(tmp_path / "small.png")])
    assert code == 2 and "160x120" in err


def _spawn(video, out, *extra):
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    return subprocess.Popen([sys.executable, "-m", "spotdiff", "watch", str(video), "-o",
                             str(out), "--json", "--realtime", *extra],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def _wait_for_start(proc) -> dict:
    for line in proc.stdout:
        record = json.loads(line)
        if record["type"] == "start":
            return record
    raise AssertionError("no start record: " + proc.stderr.read())


@pytest.fixture(scope="module")
def long_video(tmp_path_factory):
    from spotdiff.evalset.scenes import left_bag, write_video

    path = tmp_path_factory.mktemp("video") / "bag.avi"
    write_video(path, left_bag(stay=400))
    return path


def test_sigterm_closes_open_events_as_shutdown(long_video, tmp_path):
    with _spawn(long_video, tmp_path) as proc:
        start = _wait_for_start(proc)
        time.sleep(0.5)
        proc.send_signal(signal.SIGTERM)
        rest = [json.loads(line) for line in proc.stdout]
        assert proc.wait(timeout=30) == 1
    (end,) = [r for r in rest if r["type"] == "end"]
    assert end["event_id"] == start["event_id"] and end["reason"] == "shutdown"
    assert count_frames(end["clip"]) > 0


def test_kill_9_then_restart_closes_as_interrupted(long_video, empty_video, tmp_path):  # noqa: F811
    with _spawn(long_video, tmp_path) as proc:
        start = _wait_for_start(proc)
        time.sleep(1.5)  # at least one update saved
        proc.kill()
        proc.wait(timeout=30)
    code, records, err = _run(["watch", empty_video, "-o", str(tmp_path), "--json",
                               "--no-clips"])
    assert code == 0, err
    db = sqlite3.connect(tmp_path / "events.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    reason, end_frame, snapshot = db.execute(
        "SELECT reason, end_frame, snapshot FROM events WHERE id=?",
        (start["event_id"],)).fetchone()
    assert reason == "interrupted" and end_frame >= start["frame"]
    assert (tmp_path / snapshot).is_file()  # what was saved stays
    sidecar = json.loads((tmp_path / "events" / f"{start['event_id']}.json").read_text())
    assert sidecar["reason"] == "interrupted"
    assert not list((tmp_path / "clips").iterdir())  # the unplayable clip is gone


def test_events_list_show_export_purge_rebuild(walk_video, tmp_path):  # noqa: F811
    out = str(tmp_path)
    code, records, _ = _run(["watch", walk_video, "-o", out, "--json", "--no-clips"])
    (end,) = [r for r in records if r["type"] == "end"]
    code, listed, _ = _run(["events", "list", "-o", out, "--json"])
    assert code == 0 and [e["id"] for e in listed] == [end["event_id"]]
    o = io.StringIO()
    assert main(["events", "show", "-o", out, str(end["event_id"])], stdout=o,
                stderr=io.StringIO()) == 0
    shown = json.loads(o.getvalue())
    assert shown["reason"] == "gone" and shown["timeline"][0]["kind"] == "start"
    o = io.StringIO()
    assert main(["events", "export", "-o", out], stdout=o, stderr=io.StringIO()) == 0
    assert json.loads(o.getvalue()) == [shown]
    # the database lost: rebuilt from the sidecars
    for f in tmp_path.glob("events.db*"):
        f.unlink()
    sqlite3.connect(tmp_path / "events.db").close()
    assert main(["events", "rebuild", "-o", out], stdout=io.StringIO(),
                stderr=io.StringIO()) == 0
    o = io.StringIO()
    main(["events", "export", "-o", out], stdout=o, stderr=io.StringIO())
    assert json.loads(o.getvalue()) == [shown]
    assert main(["events", "purge", "-o", out, "--all"], stdout=io.StringIO(),
                stderr=io.StringIO()) == 0
    code, listed, _ = _run(["events", "list", "-o", out, "--json"])
    assert listed == [] and not list((tmp_path / "snapshots").iterdir())
    code, _, err = _run(["events", "list", "-o", str(tmp_path / "nowhere")])
    assert code == 2 and "events.db" in err


def test_two_cameras_from_a_config_file(walk_video, empty_video, tmp_path):  # noqa: F811
    cfg = tmp_path / "cams.toml"
    cfg.write_text(f'[cameras.walk]\nsource = "{walk_video}"\n\n'
                   f'[cameras.empty]\nsource = "{empty_video}"\n')
    code, records, err = _run(["watch", "--config", str(cfg), "-o", str(tmp_path / "o"),
                               "--json", "--no-clips"])
    assert code == 1, err
    ends = [r for r in records if r["type"] == "end"]
    assert [e["camera"] for e in ends] == ["walk"]
    db = sqlite3.connect(tmp_path / "o" / "events.db")
    assert db.execute("SELECT camera, reason FROM events").fetchall() == [("walk", "gone")]
    code, _, err = _run(["watch", "--config", str(cfg), walk_video])
    assert code == 2 and "one of them" in err


def test_eval_events_on_cdnet_layout(tmp_path):
    from spotdiff.evalset.scenes import night, trees, write_cdnet

    write_cdnet(tmp_path / "synthetic" / "night", night())
    write_cdnet(tmp_path / "synthetic" / "trees", trees(frames=150))
    code, (out,), err = _run(["eval", "events", str(tmp_path), "--json"])
    assert code == 0, err
    rows = {r["name"]: r for r in out["sequences"]}
    walk, empty = rows["synthetic/night"], rows["synthetic/trees"]
    assert walk["truth_events"] == 1 and walk["event_recall"] == 1.0
    assert walk["false_events"] == 0 and 0 <= walk["latency"] < 0.5
    assert walk["pixel_f"] > 0.8
    assert empty["truth_events"] == 0 and empty["false_events"] == 0
    assert empty["false_events_per_hour"] == 0.0


@pytest.mark.parametrize("size", ["inf", "-1", "nan", "20X"])
def test_a_bad_size_is_one_line(size):
    code, _, err = _run(["watch", "examples/watch-bag.mp4", "--max-size", size])
    assert code == 2 and err.count("\n") == 1 and "expected a size >= 0 like 500M" in err


def test_sizes_take_units_and_a_trailing_b():
    from spotdiff.cli.watch import _size

    assert _size("20G") == 20 << 30 and _size("500mb") == 500 << 20 and _size("0") == 0
