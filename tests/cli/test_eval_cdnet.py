"""``spotdiff eval cdnet`` on small CDnet- and Wallflower-layout trees built here."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

from synthetic import enters_and_stops


def _cdnet_tree(root, *, first=1, roi_first=21, count=40):
    seq = root / "baseline" / "toy"
    (seq / "input").mkdir(parents=True)
    (seq / "groundtruth").mkdir()
    for i, (frame, truth) in enumerate(enters_and_stops(frames=count, enter=25)):
        n = first + i
        cv2.imwrite(str(seq / "input" / f"in{n:06d}.png"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
        gt = np.where(truth, 255, 0).astype(np.uint8)
        if n < roi_first:
            gt[:] = 85
        cv2.imwrite(str(seq / "groundtruth" / f"gt{n:06d}.png"), gt)
    (seq / "temporalROI.txt").write_text(f"{roi_first} {first + count - 1}\n")
    cv2.imwrite(str(seq / "ROI.bmp"), np.full((96, 128), 255, np.uint8))
    return seq


def test_json_output_and_saved_masks(cli, tmp_path):
    _cdnet_tree(tmp_path / "data")
    code, out, _ = cli(*["eval", "cdnet", str(tmp_path / "data"), "--json",
                         "--save-masks", str(tmp_path / "masks")])
    assert code == 0
    payload = json.loads(out)
    (row,) = payload["sequences"]
    assert row["name"] == "baseline/toy"
    assert row["scored_frames"] == 20 and row["protocol"] == "full"
    assert row["f_measure"] > 0.8 and row["fps"] > 0
    assert payload["mean"]["f_measure"] == pytest.approx(row["f_measure"])
    masks = sorted((tmp_path / "masks" / "baseline" / "toy").iterdir())
    assert len(masks) == 40 and masks[0].name == "bin000001.png"
    saved = cv2.imread(str(masks[-1]), cv2.IMREAD_UNCHANGED)
    assert saved.dtype == np.uint8 and set(np.unique(saved)) <= {0, 255}


def test_clip_inside_its_temporal_roi_uses_the_half_protocol(cli, tmp_path):
    _cdnet_tree(tmp_path, first=101, roi_first=50, count=41)
    code, out, _ = cli(*["eval", "cdnet", str(tmp_path), "--json", "--method", "mog2"])
    row = json.loads(out)["sequences"][0]
    assert code == 0 and row["protocol"] == "half"
    assert row["scored_frames"] == 20  # 21 warm-up frames, 20 scored


def test_wallflower_layout(cli, tmp_path):
    frames = list(enters_and_stops(frames=50, enter=40))
    for i, (frame, _) in enumerate(frames):
        cv2.imwrite(str(tmp_path / f"b{i:05d}.bmp"), cv2.cvtColor(frame, cv2.COLOR_RGB2BGR))
    truth = np.where(frames[45][1], 250, 3).astype(np.uint8)  # not strictly binary
    cv2.imwrite(str(tmp_path / "hand_segmented_00045.BMP"), truth)
    code, out, _ = cli(*["eval", "cdnet", str(tmp_path), "--layout", "wallflower", "--json"])
    row = json.loads(out)["sequences"][0]
    assert code == 0 and row["protocol"] == "wallflower"
    assert row["frames"] == 46 and row["scored_frames"] == 1
    assert row["tp"] + row["fn"] == frames[45][1].sum()
    assert row["f_measure"] > 0.8


def test_table_lists_every_method(cli, tmp_path):
    _cdnet_tree(tmp_path)
    for method in ("reference", "running", "knn"):
        code, out, err = cli(*["eval", "cdnet", str(tmp_path), "--method", method])
        assert code == 0 and f"method: {method}" in out and "baseline/toy" in out


def test_bad_input_exits_2_with_one_line(cli, tmp_path):
    code, out, err = cli(*["eval", "cdnet", str(tmp_path)])
    assert code == 2 and out == "" and err.count("\n") == 1 and "input/" in err
    _cdnet_tree(tmp_path)
    code, _, err = cli(*["eval", "cdnet", str(tmp_path), "--method", "vibe"])
    assert code == 2 and "one of" in err
    (tmp_path / "file").write_text("x")
    code, _, err = cli(*["eval", "cdnet", str(tmp_path), "--save-masks", str(tmp_path / "file")])
    assert code == 2 and "directory" in err


def test_a_file_is_not_a_dataset(cli, tmp_path):
    video = tmp_path / "camera.avi"
    video.write_bytes(b"RIFF")
    code, out, err = cli(*["eval", "cdnet", str(video)])
    assert code == 2 and out == "" and err.count("\n") == 1
    assert "got a file" in err and "read_frames" in err


def test_max_frames_leaves_out_sequences_scored_later(cli, tmp_path):
    _cdnet_tree(tmp_path / "data")  # scored from its 21st frame
    late = _cdnet_tree(tmp_path / "data2")  # renamed below: scored from its 31st
    late.rename(tmp_path / "data" / "baseline" / "late")
    late = tmp_path / "data" / "baseline" / "late"
    (late / "temporalROI.txt").write_text("31 40\n")
    code, out, err = cli(*["eval", "cdnet", str(tmp_path / "data"), "--max-frames", "25",
                           "--json"])
    assert code == 0, err
    assert [s["name"] for s in json.loads(out)["sequences"]] == ["baseline/toy"]
    assert "baseline/late: not scored (scoring starts at frame 31" in err
    # all of them scored later: still refused, with the reason
    code, _, err = cli(*["eval", "cdnet", str(tmp_path / "data"), "--max-frames", "15"])
    assert code == 2 and "scoring starts at frame 31" in err  # the first by name


def test_a_frame_of_another_size_is_named(cli, tmp_path):
    seq = _cdnet_tree(tmp_path)
    odd = seq / "input" / "in000030.png"
    cv2.imwrite(str(odd), np.zeros((50, 60, 3), np.uint8))
    code, _, err = cli(*["eval", "cdnet", str(tmp_path)])
    assert code == 2 and err.count("\n") == 1
    assert "in000030.png" in err and "60x50" in err and "128x96" in err
