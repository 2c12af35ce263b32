"""Frame sources: files, folders, and real RTSP / HTTP MJPEG servers on 127.0.0.1.

The live tests stop and restart real servers in the middle of a stream; the
timings given to open_source are short so that the whole file runs in seconds.
A watchdog closes every live source after a limit, so a defect ends a test
with a failed assertion rather than a hang.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from spotdiff.errors import InputError
from spotdiff.watch.source import CameraEvent, Frame, open_source

# the mjpeg_server and rtsp_server fixtures (a module of fixtures, not a second conftest.py)
pytest_plugins = ["live_servers"]

FAST = {"stall_seconds": 1.0, "frozen_seconds": 0.6, "reconnect_max": 0.2}


def kinds(items: list) -> list[str]:
    return [i.kind for i in items if isinstance(i, CameraEvent)]


def drive(source, step, limit: float = 15.0) -> list:
    """Iterate ``source``, calling ``step(item, seen)`` after each item until it returns True.

    A watchdog closes the source after ``limit`` seconds; iteration then ends.
    """
    watchdog = threading.Timer(limit, source.close)
    watchdog.start()
    seen: list = []
    try:
        for item in source:
            seen.append(item)
            if step(item, seen):
                break
    finally:
        watchdog.cancel()
        source.close()
    return seen


def kinds_at(seen: list, kind: str) -> int:
    """Position in ``seen`` of the first camera event of ``kind``."""
    return next(i for i, item in enumerate(seen)
                if isinstance(item, CameraEvent) and item.kind == kind)


def frames_after(seen: list, kind: str) -> list[Frame]:
    """The frames that came after the last camera event of ``kind``."""
    last = max(i for i, item in enumerate(seen)
               if isinstance(item, CameraEvent) and item.kind == kind)
    return [item for item in seen[last + 1:] if isinstance(item, Frame)]


# -- files and folders --------------------------------------------------------


@pytest.fixture
def video_file(tmp_path: Path) -> Path:
    """12 frames at 10 fps (MJPG in AVI): frame i has a red square at x = 8 i."""
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10.0, (96, 64))
    for i in range(12):
        bgr = np.zeros((64, 96, 3), np.uint8)
        bgr[20:40, 8 * i:8 * i + 12] = (0, 0, 255)
        writer.write(bgr)
    writer.release()
    return path


def test_video_file_frames_indices_and_container_times(video_file: Path) -> None:
    source = open_source(video_file)
    assert source.fps == pytest.approx(10.0)
    assert not source.live and source.name == "clip"
    items = list(source)
    assert all(isinstance(i, Frame) for i in items)
    assert [f.index for f in items] == list(range(12))
    assert [f.time for f in items] == pytest.approx([i / 10 for i in range(12)], abs=1e-6)
    last = items[-1].pixels
    assert last.shape == (64, 96, 3) and last.dtype == np.uint8
    assert last[30, 8 * 11 + 6, 0] > 200 and last[30, 8 * 11 + 6, 2] < 60  # red in RGB order
    assert last[30, 2].max() < 40  # the square has moved on from x = 0


def test_a_file_waits_for_a_slow_consumer_and_drops_nothing(video_file: Path) -> None:
    source = open_source(video_file)
    frames = []
    for item in source:
        frames.append(item)
        time.sleep(0.03)  # slower than the decoder; the buffer holds only a few frames
    assert [f.index for f in frames] == list(range(12)) and source.dropped == 0


def test_realtime_paces_a_file_to_its_frame_rate(video_file: Path) -> None:
    start = time.monotonic()
    frames = [i for i in open_source(video_file, realtime=True) if isinstance(i, Frame)]
    # 12 frames at 10 fps: the last is shown no earlier than 1.1 s after the first
    assert len(frames) == 12
    assert time.monotonic() - start >= 1.1


def _write_jpeg(path: Path, pixels: np.ndarray) -> bytes:
    data = cv2.imencode(".jpg", pixels)[1].tobytes()
    path.write_bytes(data)
    return data


def test_folder_plays_in_natural_order_and_skips_broken_and_odd_frames(tmp_path: Path) -> None:
    size = (48, 64, 3)
    for n in (1, 2, 10):
        cv2.imwrite(str(tmp_path / f"f{n}.png"), np.full(size, n * 20, np.uint8))
    data = _write_jpeg(tmp_path / "f3.jpg", np.full(size, 60, np.uint8))
    (tmp_path / "f3.jpg").write_bytes(data[: len(data) // 2])  # truncated
    cv2.imwrite(str(tmp_path / "f4.png"), np.full((50, 64, 3), 80, np.uint8))  # odd size
    (tmp_path / "notes.txt").write_text("not a frame")

    source = open_source(tmp_path, fps=5.0)
    items = list(source)

    frames = [i for i in items if isinstance(i, Frame)]
    events = [i for i in items if isinstance(i, CameraEvent)]
    # natural order f1 f2 f3 f4 f10; f3 and f4 skipped but counted as indices 2 and 3
    assert [f.index for f in frames] == [0, 1, 4]
    assert [int(f.pixels[0, 0, 0]) for f in frames] == [20, 40, 200]
    assert [f.time for f in frames] == pytest.approx([0.0, 0.2, 0.8])
    assert [e.kind for e in events] == ["corrupt_frame", "corrupt_frame"]
    assert "f3.jpg" in events[0].detail and "truncated" in events[0].detail
    assert "f4.png" in events[1].detail and "64x50" in events[1].detail
    assert [e.frame for e in events] == [1, 2]
    assert source.skipped == 2 and source.fps == 5.0


def test_folder_without_a_usable_frame_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(InputError, match="image files") as refused:
        open_source(empty)
    assert "\n" not in str(refused.value)

    broken = tmp_path / "broken"
    broken.mkdir()
    for n in range(3):
        (broken / f"{n}.jpg").write_bytes(b"\xff\xd8\xff\xe0 not really a jpeg")
    source = open_source(broken)
    with pytest.raises(InputError, match=r"none usable \(3 skipped\)"):
        list(source)


@pytest.mark.parametrize(("spec", "message"), [
    ("no/such/clip.mp4", "no such path"),
    ("ftp://127.0.0.1/cam", "ftp:// URL"),
    ("rtsp://user:secret@127.0.0.1:1/x?y", None),
])
def test_bad_sources_are_refused_in_one_line(spec: str, message: str | None) -> None:
    if message is None:  # a supported URL opens lazily; its name carries no password
        source = open_source(spec)
        assert source.live and "secret" not in source.name and "secret" not in repr(source)
        source.close()
        return
    with pytest.raises(InputError, match=message) as refused:
        open_source(spec)
    assert "\n" not in str(refused.value)


@pytest.mark.parametrize("option", ["fps", "stall_seconds", "frozen_seconds", "reconnect_max"])
def test_bad_option_values_are_refused(tmp_path: Path, option: str) -> None:
    with pytest.raises(InputError, match=option):
        open_source(tmp_path, **{option: 0})


def test_a_decoder_crash_is_an_input_error_not_a_dead_process(data_dir: Path) -> None:
    demo = data_dir / "bgslibrary-dataset" / "dataset" / "demo.avi"
    if not demo.exists():
        pytest.skip(f"third-party test data not found: {demo} (set SPOTDIFF_DATA)")
    with pytest.raises(InputError, match="crashed the video decoder"):
        list(open_source(demo))
    # this process survived the decoder's abort() and can go on decoding
    assert os.getpid() and sum(1 for _ in open_source(demo.with_name("video02.avi"))) > 700


# -- live sources -------------------------------------------------------------


def test_mjpeg_stream_dropped_and_restored_reports_lost_then_found(mjpeg_server) -> None:
    def step(item, seen):
        frames = [i for i in seen if isinstance(i, Frame)]
        if len(frames) == 5 and isinstance(item, Frame):
            mjpeg_server.stop()  # the camera goes away in the middle of the stream
        if isinstance(item, CameraEvent) and item.kind == "lost":
            mjpeg_server.start()  # ... and comes back on the same port
        return "found" in kinds(seen) and len(frames_after(seen, "found")) >= 5

    source = open_source(mjpeg_server.url, name="door", **FAST)
    assert source.live and source.name == "door"
    seen = drive(source, step)

    assert kinds(seen) == ["lost", "found"]
    at = kinds_at(seen, "lost")
    assert seen[at].frame == seen[at - 1].index >= 4 and "reconnecting" in seen[at].detail
    after = frames_after(seen, "found")
    assert len(after) >= 5 and after[0].pixels.shape == (64, 96, 3)
    indices = [i.index for i in seen if isinstance(i, Frame)]
    times = [i.time for i in seen if isinstance(i, Frame)]
    assert indices == sorted(set(indices)) and times == sorted(times)


def test_rtsp_stream_dropped_and_restored_reports_lost_then_found(rtsp_server) -> None:
    def step(item, seen):
        frames = [i for i in seen if isinstance(i, Frame)]
        if len(frames) == 5 and isinstance(item, Frame):
            rtsp_server.stop()
        if isinstance(item, CameraEvent) and item.kind == "lost":
            rtsp_server.start()
        return "found" in kinds(seen) and len(frames_after(seen, "found")) >= 5

    seen = drive(open_source(rtsp_server.url, **FAST), step, limit=20.0)

    assert kinds(seen) == ["lost", "found"]
    after = frames_after(seen, "found")
    assert len(after) >= 5
    assert after[0].pixels.shape == (64, 96, 3) and after[0].pixels.std() > 10  # a real picture


def test_camera_unreachable_at_start_is_lost_until_it_answers(mjpeg_server) -> None:
    mjpeg_server.stop()

    def step(item, seen):
        if isinstance(item, CameraEvent) and item.kind == "lost":
            mjpeg_server.start()
        return len(frames_after(seen, "found") if "found" in kinds(seen) else []) >= 3

    seen = drive(open_source(mjpeg_server.url, **FAST), step)
    assert kinds(seen) == ["lost", "found"]
    assert isinstance(seen[0], CameraEvent) and seen[0].frame == -1


def test_stalled_stream_is_reported_and_reconnected(mjpeg_server) -> None:
    def step(item, seen):
        frames = [i for i in seen if isinstance(i, Frame)]
        if len(frames) == 5 and isinstance(item, Frame):
            mjpeg_server.mode = "stalled"  # connection open, no frame
        if isinstance(item, CameraEvent) and item.kind == "stalled":
            mjpeg_server.mode = "moving"
        return "found" in kinds(seen) and len(frames_after(seen, "found")) >= 3

    seen = drive(open_source(mjpeg_server.url, **FAST), step)
    assert kinds(seen) == ["stalled", "lost", "found"]
    at = kinds_at(seen, "stalled")
    assert "no frame for 1 s" in seen[at].detail and seen[at].frame == seen[at - 1].index >= 4


def test_frozen_stream_is_reported_once(mjpeg_server) -> None:
    moving_for = 1.0  # longer than frozen_seconds: a moving picture is never "frozen"
    start = time.monotonic()

    def step(item, seen):
        if mjpeg_server.mode == "moving" and time.monotonic() - start > moving_for:
            mjpeg_server.mode = "frozen"
        return len(frames_after(seen, "frozen") if "frozen" in kinds(seen) else []) >= 10

    seen = drive(open_source(mjpeg_server.url, **FAST), step)
    assert kinds(seen) == ["frozen"]
    frozen = next(i for i in seen if isinstance(i, CameraEvent))
    before = [i for i in seen if isinstance(i, Frame) and i.time < frozen.time]
    assert before[-1].time - before[0].time > 0.6  # moving frames for longer came first
    after = frames_after(seen, "frozen")
    assert all(np.array_equal(f.pixels, after[0].pixels) for f in after)


def test_slow_consumer_of_a_live_source_drops_old_frames(mjpeg_server) -> None:
    def step(item, seen):
        time.sleep(0.2)  # 5 frames a second taken from a 25 fps stream
        return len(seen) >= 8

    source = open_source(mjpeg_server.url, **FAST)
    seen = drive(source, step)
    indices = [i.index for i in seen if isinstance(i, Frame)]
    assert source.dropped > 0
    assert max(np.diff(indices)) > 1  # the dropped ones are missing from the indices


def test_close_from_another_thread_ends_iteration_and_the_decoder(mjpeg_server) -> None:
    source = open_source(mjpeg_server.url, **FAST)
    first = threading.Event()
    done = threading.Event()
    seen: list = []

    def consume() -> None:
        for item in source:
            seen.append(item)
            first.set()
        done.set()

    consumer = threading.Thread(target=consume, daemon=True)
    consumer.start()
    assert first.wait(10), "no frame came"
    source.close()
    assert done.wait(5), "iteration did not end after close()"
    decoder = source._decoder.proc
    assert decoder.wait(5) is not None
    assert seen and not kinds(seen)


def test_close_from_a_signal_handler_ends_iteration(mjpeg_server) -> None:
    source = open_source(mjpeg_server.url, **FAST)
    watchdog = threading.Timer(10.0, source.close)  # ends the test if the handler's close fails
    previous = signal.signal(signal.SIGALRM, lambda *_: source.close())  # as on SIGTERM
    try:
        watchdog.start()
        signal.setitimer(signal.ITIMER_REAL, 1.0)
        start = time.monotonic()
        frames = [item for item in source if isinstance(item, Frame)]  # in the main thread
        ended_after = time.monotonic() - start
    finally:
        watchdog.cancel()
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert frames and source.closed
    assert ended_after < 9.0, "only the watchdog ended the iteration"
    assert source._decoder.proc.wait(5) is not None


def test_closing_a_file_source_that_was_never_iterated_stops_its_decoder(
        video_file: Path) -> None:
    with open_source(video_file) as source:
        decoder = source._decoder.proc
        assert decoder.poll() is None  # opened: decoding has started
    assert decoder.returncode is not None and source.closed
    assert list(source) == []


def test_close_ends_a_file_played_in_real_time(video_file: Path) -> None:
    source = open_source(video_file, realtime=True)
    threading.Timer(0.3, source.close).start()
    frames = list(source)
    assert 1 <= len(frames) < 12
