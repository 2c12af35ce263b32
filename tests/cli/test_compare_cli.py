"""``spotdiff compare``: exit codes, JSON contract, output files, every error path."""

from __future__ import annotations

import json
import subprocess
import sys

import cv2
import numpy as np
import pytest


@pytest.fixture
def pair(tmp_path, scene):
    after = scene.copy()
    after[30:50, 60:100] = (250, 10, 200)
    a, b = tmp_path / "before.png", tmp_path / "after.png"
    cv2.imwrite(str(a), scene[:, :, ::-1].copy())
    cv2.imwrite(str(b), after[:, :, ::-1].copy())
    return a, b


def test_exit_codes_same_and_different(cli, pair):
    a, b = pair
    assert cli("compare", str(a), str(a))[0] == 0
    code, out, err = cli("compare", str(a), str(b))
    assert code == 1 and out == ""
    assert "DIFFERENT" in err and "800 changed pixels" in err


def test_first_second_aliases(cli, pair):
    a, b = pair
    assert cli("compare", "--first", str(a), "--second", str(b))[0] == 1
    assert cli("compare", "--first", str(a), "--second", str(a))[0] == 0


def test_json_contract(cli, pair):
    a, b = pair
    code, out, err = cli("compare", str(a), str(b), "--json")
    assert code == 1 and err == ""
    d = json.loads(out)
    assert d["different"] is True
    assert d["changed_pixels"] == 800
    assert d["changed_fraction"] == pytest.approx(800 / (160 * 120))
    assert d["method"] == "color" and d["width"] == 160 and d["height"] == 120
    assert d["regions"] == [
        {**d["regions"][0], "bbox": [60, 30, 100, 50], "area": 800}
    ]
    assert isinstance(d["score"], float) and isinstance(d["version"], str)


def test_output_directory_files(cli, pair, tmp_path):
    a, b = pair
    out_dir = tmp_path / "out" / "nested"
    code, _, _ = cli("compare", str(a), str(b), "-o", str(out_dir))
    assert code == 1
    names = sorted(p.name for p in out_dir.iterdir())
    assert names == ["boxes.png", "heatmap.png", "mask.png", "overlay.png", "result.json"]
    mask = cv2.imread(str(out_dir / "mask.png"), cv2.IMREAD_UNCHANGED)
    assert mask.shape == (120, 160) and set(np.unique(mask)) == {0, 255}
    assert (mask == 255).sum() == 800
    assert cv2.imread(str(out_dir / "boxes.png")).shape == (120, 2 * 160 + 8, 3)
    assert json.loads((out_dir / "result.json").read_text())["changed_pixels"] == 800


def test_pictures_selection(cli, pair, tmp_path):
    a, b = pair
    cli("compare", str(a), str(b), "-o", str(tmp_path / "o"), "--pictures", "extract")
    assert sorted(p.name for p in (tmp_path / "o").iterdir()) == ["extract.png", "result.json"]
    code, _, err = cli("compare", str(a), str(b), "-o", str(tmp_path / "p"), "--pictures", "x")
    assert code == 2 and "--pictures" in err
    # pictures without a folder to write them into: refused, not ignored
    code, _, err = cli("compare", str(a), str(b), "--pictures", "heatmap")
    assert code == 2 and "-o DIR" in err
    assert not (tmp_path / "p").exists()


def test_gates(cli, pair):
    a, b = pair
    assert cli("compare", str(a), str(b), "--max-changed-pixels", "800")[0] == 0
    assert cli("compare", str(a), str(b), "--max-changed-pixels", "799")[0] == 1
    assert cli("compare", str(a), str(b), "--max-changed-fraction", "0.05")[0] == 0


@pytest.mark.parametrize("method", ["absdiff", "color"])
def test_methods_and_thresholds(cli, pair, method):
    a, b = pair
    code, out, _ = cli("compare", str(a), str(b), "--method", method, "--threshold", "otsu",
                       "--json")
    assert code == 1 and json.loads(out)["method"] == method


def _error(cli, *argv: str) -> str:
    code, out, err = cli(*argv)
    assert code == 2, (code, err)
    assert "Traceback" not in err and out == ""
    assert err.startswith("spotdiff: error:") and err.count("\n") == 1
    return err


def test_error_missing_file(cli, pair, tmp_path):
    a, _ = pair
    err = _error(cli, "compare", str(a), str(tmp_path / "missing.png"))
    assert "missing.png" in err and "no such file" in err


def test_error_corrupt_and_unsupported(cli, pair, tmp_path):
    a, _ = pair
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"\x89PNG\r\n\x1a\n" + b"junk" * 10)
    assert "ends early" in _error(cli, "compare", str(a), str(bad))
    gif = tmp_path / "x.gif"
    gif.write_bytes(b"GIF89a" + b"\x00" * 30)
    assert "GIF" in _error(cli, "compare", str(a), str(gif))
    # the message says which input is at fault, and an empty file is called so
    assert _error(cli, "compare", str(gif), str(a)).startswith("spotdiff: error: before image")
    assert _error(cli, "compare", str(a), str(bad)).startswith("spotdiff: error: after image")
    empty = tmp_path / "empty.png"
    empty.write_bytes(b"")
    err = _error(cli, "compare", str(a), str(empty))
    assert "an empty file" in err and "convert" not in err


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--threshold", "-1"], "--threshold"),
        (["--threshold", "high"], "--threshold"),
        (["--method", "nope"], "method"),
        (["--min-area", "-5"], "--min-area"),
        (["--max-changed-fraction", "3"], "--max-changed-fraction"),
        (["--ignore", "1,2,3"], "--ignore"),
        (["--ignore", "0,0,999,10"], "ignore box"),
        (["--size", "stretch"], "--size"),
        (["--ignore-polygon", "1,2 3,4"], "--ignore-polygon"),
        (["--close", "1000000"], "close"),
        (["--open", "100000"], "open"),
        (["--merge-gap", "100000"], "merge_gap"),
        (["--blur", "1e30"], "blur"),
    ],
)
def test_error_bad_option_values(cli, pair, args, needle):
    a, b = pair
    assert needle in _error(cli, "compare", str(a), str(b), *args)


def test_error_missing_arguments(cli):
    assert "AFTER" in _error(cli, "compare", "only-one.png")


def test_no_partial_output_on_error(cli, pair, tmp_path):
    a, _ = pair
    out_dir = tmp_path / "never"
    _error(cli, "compare", str(a), str(tmp_path / "missing.png"), "-o", str(out_dir))
    assert not out_dir.exists()


def test_output_path_that_is_a_file(cli, pair, tmp_path):
    a, b = pair
    f = tmp_path / "file.txt"
    f.write_text("x")
    assert "directory" in _error(cli, "compare", str(a), str(b), "-o", str(f))


def test_python_dash_m(pair):
    a, b = pair
    proc = subprocess.run([sys.executable, "-m", "spotdiff", "compare", str(a), str(b), "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1 and json.loads(proc.stdout)["changed_pixels"] == 800


def test_diff_image_format_and_folders(cli, pair, tmp_path):
    a, b = pair
    target = tmp_path / "new" / "dir" / "diff.jpg"
    assert cli("compare", str(a), str(b), "--diff-image", str(target))[0] == 1
    assert target.read_bytes()[:3] == b"\xff\xd8\xff"  # a JPEG, as its name says
    assert "--diff-image" in _error(cli, "compare", str(a), str(b), "--diff-image",
                                    str(tmp_path / "diff.gif"))


def test_unwritable_output_names_the_users_path(cli, pair, tmp_path):
    a, b = pair
    blocker = tmp_path / "file"
    blocker.write_text("x")
    err = _error(cli, "compare", str(a), str(b), "--diff-image", str(blocker / "d.png"))
    assert str(blocker / "d.png") in err or str(blocker) in err
    assert ".d." not in err  # never the temporary name


def test_outputs_are_all_or_nothing(cli, pair, tmp_path):
    a, b = pair
    out = tmp_path / "o"
    (out / "overlay.png").mkdir(parents=True)  # one picture cannot be written
    _error(cli, "compare", str(a), str(b), "-o", str(out))
    assert sorted(p.name for p in out.iterdir()) == ["overlay.png"]  # nothing else left


def test_internal_errors_exit_2_not_1(cli, pair, monkeypatch):
    import spotdiff.engine

    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(spotdiff.engine, "compare", broken)
    a, b = pair
    code, _, err = cli("compare", str(a), str(b))
    assert code == 2 and "internal error" in err and "boom" in err and "Traceback" not in err


def test_first_second_mixed_with_positionals(cli, pair):
    a, b = pair
    assert cli("compare", "--first", str(a), str(b))[0] == 1
    assert cli("compare", str(a), "--second", str(b))[0] == 1
    assert "give each image once" in _error(cli, "compare", str(a), str(b), "--first", str(a))


def test_exit_codes_hold_with_stderr_closed(pair, tmp_path):
    # `2>&-`: no stream to write the message on, but scripts still read exit 2
    a, b = pair
    cmd = (f"'{sys.executable}' -m spotdiff compare '{a}' '{tmp_path / 'missing.png'}' 2>&-; "
           f"echo $?; '{sys.executable}' -m spotdiff compare '{a}' '{b}' 2>&-; echo $?")
    proc = subprocess.run(["sh", "-c", cmd], capture_output=True, text=True, check=False)
    assert proc.stdout.split() == ["2", "1"]


def test_pixelmatch_picture_options_need_that_picture(cli, pair, tmp_path):
    a, b = pair
    err = _error(cli, "compare", str(a), str(b), "--diff-color", "0,255,0")
    assert "--diff-color" in err and "pixelmatch picture" in err
    err = _error(cli, "compare", str(a), str(b), "-o", str(tmp_path / "o"), "--alpha", "0.5")
    assert "--alpha" in err and not (tmp_path / "o").exists()
    # where the picture is drawn they apply
    target = tmp_path / "d.png"
    assert cli("compare", str(a), str(b), "--method", "pixel", "--diff-image", str(target),
               "--diff-color", "0,255,0")[0] == 1
    assert cli("compare", str(a), str(b), "-o", str(tmp_path / "p"), "--pictures",
               "mask,pixelmatch", "--diff-mask")[0] == 1
    assert (tmp_path / "p" / "pixelmatch.png").exists()
