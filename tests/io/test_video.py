"""Video and image-folder input; a corrupt video is an InputError, not a crash."""

from __future__ import annotations

import re

import cv2
import numpy as np
import pytest

from spotdiff.errors import InputError
from spotdiff.io.video import probe_video, read_frames
from synthetic import enters_and_stops


def _frames(n=12):
    return [f for f, _ in enters_and_stops(frames=n, enter=4)]


def test_image_folder_in_natural_order(tmp_path):
    frames = _frames()
    for i, f in enumerate(frames):  # names whose natural order differs from lexical
        cv2.imwrite(str(tmp_path / f"f{i}.png"), cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    got = list(read_frames(tmp_path))
    assert len(got) == len(frames)
    for a, b in zip(got, frames, strict=True):
        assert np.array_equal(a, b)  # PNG is lossless, and RGB order is kept


def test_video_file_round_trip(tmp_path):
    frames = _frames()
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (128, 96))
    assert writer.isOpened()
    for f in frames:
        writer.write(cv2.cvtColor(f, cv2.COLOR_RGB2BGR))
    writer.release()
    got = list(read_frames(path))
    assert len(got) == len(frames)
    assert got[0].shape == (96, 128, 3)
    # lossy codec: close to the originals, and closer than with red and blue swapped
    err = np.abs(got[5].astype(int) - frames[5].astype(int)).mean()
    swapped = np.abs(got[5][:, :, ::-1].astype(int) - frames[5].astype(int)).mean()
    assert err < 10 and err < swapped / 2
    assert list(read_frames(path, max_frames=3)).__len__() == 3
    assert probe_video(path) == (128, 96)


def test_not_a_video_is_an_input_error(tmp_path):
    path = tmp_path / "junk.avi"
    path.write_bytes(b"RIFF\x00\x00\x00\x00AVI LIST" + bytes(200))
    with pytest.raises(InputError, match="video"):
        list(read_frames(path))


def test_missing_path_and_empty_folder(tmp_path):
    with pytest.raises(InputError, match="no such path"):
        read_frames(tmp_path / "nope.mp4")
    with pytest.raises(InputError, match="image files"):
        list(read_frames(tmp_path))


def test_frames_of_different_sizes(tmp_path):
    cv2.imwrite(str(tmp_path / "a1.png"), np.zeros((10, 10, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "a2.png"), np.zeros((12, 10, 3), np.uint8))
    with pytest.raises(InputError, match="one size"):
        list(read_frames(tmp_path))


@pytest.mark.data
def test_the_video_that_aborts_some_opencv_builds_never_kills_the_caller():
    """bgslibrary's demo.avi corrupts OpenCV 5's reader's memory (a glibc abort
    or a segmentation fault, depending on the heap); 4.x reads its 51 frames of
    48x48. Either way the caller lives on."""
    from shared_data import require_data

    path = require_data("bgslibrary-dataset", "dataset", "demo.avi")
    try:
        frames = list(read_frames(path))
    except InputError as exc:
        assert re.search(r"crashed the video decoder \(SIG(ABRT|SEGV)\)", str(exc)), str(exc)
    else:
        assert len(frames) == 51 and frames[0].shape == (48, 48, 3)


def test_a_decoder_that_crashes_is_an_input_error(tmp_path, monkeypatch):
    """The decoding child dies of a signal after two frames: the frames it
    sent arrive, then one InputError names the signal and the count."""
    from spotdiff.io import video

    path = tmp_path / "clip.avi"
    path.write_bytes(b"not read: the child below crashes on its own")
    child = (
        "import os, struct, sys\n"
        "out = sys.stdout.buffer\n"
        "for _ in range(2):\n"
        "    out.write(struct.pack('<iii', 4, 6, 3) + bytes(72))\n"
        "out.flush()\n"
        "os.abort()\n"
    )
    monkeypatch.setattr(video, "_CHILD", child)
    got = []
    with pytest.raises(InputError, match=r"crashed the video decoder \(SIGABRT\) after 2 frame"):
        for frame in read_frames(path):
            got.append(frame)
    assert len(got) == 2 and got[0].shape == (4, 6, 3)


@pytest.mark.parametrize("bad", [0, -1, "abc", 2.5, True])
def test_max_frames_must_be_a_positive_whole_number(tmp_path, bad):
    with pytest.raises(InputError, match="max_frames"):
        read_frames(tmp_path, max_frames=bad)
