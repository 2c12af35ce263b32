"""The page's settings (Tuning: checked, applied to a config, saved into the
TOML file) and the live folder between a running watch and the server."""

from __future__ import annotations

import json
import os
import time

import numpy as np
import pytest

from spotdiff.errors import InputError
from spotdiff.watch import WatchConfig, Watcher, Zone
from spotdiff.watch.cameras import load_cameras
from spotdiff.watch.source import Frame
from spotdiff.watch.store import Store
from spotdiff.web import live
from spotdiff.web.tuning import Tuning, save, threshold_option

pytest.importorskip("tomlkit", reason="the 'web' extra is not installed")

HOSTILE = "../<script>alert(1)</script> & 'x'"


def test_tuning_checks_its_values_with_the_key_in_the_message():
    good = {"min_area": 10, "threshold": 30,
            "zones": [{"name": HOSTILE, "points": [[0, 0], [10, 0], [10, 10]]}]}
    assert Tuning.from_json(good).to_dict() == good
    bad = [({**good, "min_area": 0}, "'min_area'"), ({**good, "min_area": 2.5}, "'min_area'"),
           ({**good, "threshold": -1}, "'threshold'"), ({**good, "threshold": "1"}, "'threshold'"),
           ({**good, "zones": [{"name": "a", "points": [[0, 0], [1, 1]]}]}, "zone 'a'"),
           ({**good, "zones": [{"name": " ", "points": [[0, 0], [1, 1], [2, 0]]}]}, "zone name"),
           ({**good, "zones": good["zones"] * 2}, "distinct zone names"),
           ({**good, "zones": [{"points": []}]}, "a zone"), ([], "tuning")]
    for data, words in bad:
        with pytest.raises(InputError, match=words):
            Tuning.from_json(data)


def test_tuning_sets_the_models_own_threshold_option():
    config = WatchConfig(model="running", min_area=5, model_options={"median": 3})
    assert threshold_option(config) == "threshold"
    assert Tuning.of(config).threshold == 40.0  # the model's default
    tuned = Tuning(99, 12.5, (Zone("z", ((0, 0), (4, 0), (4, 4))),)).apply(config)
    assert tuned.min_area == 99 and tuned.model_options == {"median": 3, "threshold": 12.5}
    assert threshold_option(WatchConfig(model="mog2")) is None
    assert threshold_option(WatchConfig(background="clean.png")) is None


def test_save_writes_the_cameras_table_and_keeps_the_rest(tmp_path):
    path = tmp_path / "cameras.toml"
    path.write_text("# my cameras\n[defaults]\nhold = 60\n\n"
                    f'[cameras.{json.dumps(HOSTILE)}]\nsource = "a.mp4"  # the door\n'
                    '[cameras.yard]\nsource = "b.mp4"\n', encoding="utf-8")
    tuning = Tuning(120, 30.0, (Zone(HOSTILE, ((0, 0), (10, 0), (10, 10))),))
    save(path, HOSTILE, tuning, "color_threshold")
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# my cameras\n[defaults]\nhold = 60\n") and "# the door" in text
    (_, door), (_, yard) = load_cameras(path)
    assert door.min_area == 120 and door.zones == tuning.zones and door.hold == 60
    assert door.model_options == {"color_threshold": 30.0}
    assert yard.min_area == 64 and yard.zones == ()
    with pytest.raises(InputError, match="cameras"):
        save(path, "garage", tuning, None)


def test_camera_keys_are_safe_and_distinct():
    keys = {live.camera_key(n) for n in (HOSTILE, "door", "door!", "", "é")}
    assert len(keys) == 5
    assert all(k.replace("-", "").replace("_", "").isalnum() for k in keys)


def _frames(n: int):
    rng = np.random.default_rng(0)
    room = rng.integers(0, 255, (48, 64, 3), dtype=np.uint8)
    for i in range(n):
        frame = room.copy()
        if i >= 30:
            frame[10:30, (i - 30) % 40:(i - 30) % 40 + 12] = 0
        yield Frame(i, i / 25, frame)


class Frames:
    live = False
    name = "cam"
    fps = 25.0

    def __init__(self, n: int, every=None) -> None:  # noqa: ANN001
        self.n, self.every = n, every

    def __iter__(self):
        for frame in _frames(self.n):
            if self.every is not None:
                self.every(frame)
            yield frame

    def close(self) -> None:
        pass


def test_the_watch_publishes_pictures_only_while_a_page_is_open(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "PUBLISH_EVERY", 0.0)
    config = WatchConfig(camera=HOSTILE, learn_frames=5, clips=False)
    store = Store(tmp_path)
    watcher = Watcher(Frames(20), config, store)
    live.Publisher.attach(tmp_path)(watcher)
    watcher.run()
    (status,) = live.cameras(tmp_path)
    assert status["camera"] == HOSTILE and status["frame"] == 19 and status["pictures"] is False
    folder = tmp_path / "live" / status["key"]
    assert folder.parent == tmp_path / "live"
    assert sorted(p.name for p in folder.iterdir()) == ["status.json"]
    live.touch_viewer(tmp_path)
    watcher = Watcher(Frames(20), config, store)
    live.Publisher.attach(tmp_path)(watcher)
    watcher.run()
    assert sorted(p.name for p in folder.iterdir()) == sorted(("status.json",) + live.PICTURES)
    os.utime(tmp_path / "live" / "viewer", (time.time() - 60, time.time() - 60))
    assert not live.viewer_open(tmp_path)
    store.close_db()


def test_tuning_written_by_the_server_reaches_the_running_watch(tmp_path, monkeypatch):
    monkeypatch.setattr(live, "PUBLISH_EVERY", 0.0)
    config = WatchConfig(camera="door", learn_frames=5, clips=False)
    store = Store(tmp_path)
    key = live.camera_key("door")
    zone = Zone("left", ((0, 0), (20, 0), (20, 48), (0, 48)))

    def server(frame: Frame) -> None:  # what the page asks for at frame 10, then nonsense
        if frame.index == 10:
            live.write_tuning(tmp_path, key, Tuning(7, 50.0, (zone,)))
        elif frame.index == 20:
            (tmp_path / "live" / key / "tuning.json").write_text('{"min_area": -1}')

    watcher = Watcher(Frames(30, server), config, store)
    seen = []
    publisher = live.Publisher(tmp_path, watcher)
    watcher.on_frame = lambda f, d: (publisher(f, d), seen.append(
        (f.index, watcher.config.min_area, watcher.detector._min_area)))
    watcher.run()
    # (the source runs a few frames ahead of the loop: the switch comes near frame 10)
    areas = [s[1] for s in seen]
    switch = areas.index(7)
    assert 5 <= switch <= 12 and set(areas[:switch]) == {64} and set(areas[switch:]) == {7}
    assert seen[-1][2] < seen[0][2]  # at the detector's working size too
    assert watcher.detector._model.color_threshold == 50.0
    assert watcher.config.zones == (zone,)
    (status,) = live.cameras(tmp_path)
    assert status["tuning"]["min_area"] == 7 and "'min_area'" in status["tuning_error"]
    store.close_db()


def test_every_watch_with_an_output_folder_keeps_the_live_status(cli, tmp_path):
    """So that ``spotdiff serve -o DIR`` started later shows the running camera."""
    import cv2

    frames = tmp_path / "frames"
    frames.mkdir()
    for frame in _frames(12):
        cv2.imwrite(str(frames / f"{frame.index:03d}.png"), frame.pixels)
    code, _, err = cli("watch", frames, "-o", tmp_path / "out", "--camera", HOSTILE,
                       "--no-clips")
    assert code in (0, 1), err
    (status,) = live.cameras(tmp_path / "out")
    assert status["camera"] == HOSTILE and status["pictures"] is False
    assert status["config_file"] is None and status["width"] == 64
