"""``spotdiff compare`` on byte-identical PNG files: the answer from the header.

Every case runs both ways in-process, with the fast path and with
``SPOTDIFF_NO_FAST_PATH=1`` (the engine), and the two must print the same
bytes and return the same exit code. The fast path is shown to have
answered by making the full compare fail the test when it is reached.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import cv2
import numpy as np
import pytest

from spotdiff.cli import compare as compare_cli
from spotdiff.io.header import png_ends_complete, png_header


def _write_png(path, pixels, **params) -> None:  # noqa: ANN001
    """Write RGB(A) or gray ``pixels``; ``params``: OpenCV IMWRITE_* flags."""
    if pixels.ndim == 3:
        pixels = pixels[:, :, [2, 1, 0, 3][: pixels.shape[2]]].copy()  # to BGR(A)
    flags: list[int] = []
    for name, value in params.items():
        flags += [getattr(cv2, name), value]
    assert cv2.imwrite(str(path), pixels, flags)


@pytest.fixture
def twins(tmp_path, scene):
    """Two byte-identical PNG files under different names."""
    a, b = tmp_path / "before.png", tmp_path / "copy.png"
    _write_png(a, scene)
    shutil.copyfile(a, b)
    return a, b


@pytest.fixture
def full_path_calls(monkeypatch):
    """Records each call of the full compare (which still runs)."""
    calls: list[tuple] = []
    original = compare_cli._compare_and_write

    def spy(*args, **kwargs):
        calls.append(args)
        return original(*args, **kwargs)

    monkeypatch.setattr(compare_cli, "_compare_and_write", spy)
    return calls


def both_ways(cli, monkeypatch, *argv: str) -> tuple[tuple[int, str, str], tuple[int, str, str]]:
    """(fast path, engine) results of one command; the fast path must answer."""
    monkeypatch.delenv(compare_cli.NO_FAST_PATH, raising=False)
    original = compare_cli._compare_and_write

    def reached(*args, **kwargs):
        raise AssertionError("the full compare ran")

    monkeypatch.setattr(compare_cli, "_compare_and_write", reached)
    fast = cli(*argv)
    monkeypatch.setattr(compare_cli, "_compare_and_write", original)
    monkeypatch.setenv(compare_cli.NO_FAST_PATH, "1")
    full = cli(*argv)
    monkeypatch.delenv(compare_cli.NO_FAST_PATH)
    return fast, full


OPTION_SETS = [
    [],
    ["--json"],
    ["--json", "--method", "absdiff", "--threshold", "10"],
    ["--json", "--method", "pixel"],
    ["--method", "pixel", "--variant", "odiff"],
    ["--json", "--method", "pixel", "--variant", "odiff", "--alpha-blend", "checkerboard"],
    ["--json", "--method", "pixel", "--alpha-blend", "white", "--include-aa"],
    ["--json", "--method", "ssim", "--threshold", "otsu"],
    ["--json", "--method", "msssim"],
    ["--json", "--threshold", "0"],
    ["--json", "--threshold", "2.5", "--no-fill-holes"],
    ["--json", "--blur", "2.5", "--open", "3", "--close", "160", "--merge-gap", "4",
     "--min-area", "0"],
    ["--json", "--min-area", str(160 * 120)],
    ["--json", "--size", "pad-count", "--ignore-lighting", "--refine"],
    ["--json", "--size", "resize", "--max-changed-pixels", "10",
     "--max-changed-fraction", "0.5"],
    ["--json", "--include-aa", "--method", "pixel", "--alpha-blend", "white"],
]


@pytest.mark.parametrize("options", OPTION_SETS, ids=lambda o: " ".join(o) or "plain")
def test_same_output_as_the_engine(cli, twins, monkeypatch, options):
    a, b = twins
    fast, full = both_ways(cli, monkeypatch, "compare", str(a), str(b), *options)
    assert fast == full
    code, out, err = fast
    assert code == 0
    if "--json" in options:
        assert err == ""
        payload = json.loads(out)
        assert payload["identical"] is True and (payload["width"], payload["height"]) == (160, 120)
    else:
        assert out == "" and err.startswith("same: 0 changed pixels")


def test_first_second_and_one_file_twice(cli, twins, monkeypatch):
    a, b = twins
    fast, full = both_ways(cli, monkeypatch, "compare", "--first", str(a), "--second", str(b),
                           "--json")
    assert fast == full and fast[0] == 0
    fast, full = both_ways(cli, monkeypatch, "compare", str(a), str(a), "--json")
    assert fast == full and fast[0] == 0


@pytest.mark.parametrize("kind", ["gray", "rgba", "16-bit", "1-bit gray"])
def test_other_png_kinds(cli, tmp_path, monkeypatch, scene, kind):
    if kind == "gray":
        pixels = scene[:, :, 0]
    elif kind == "rgba":
        pixels = np.dstack([scene, np.full(scene.shape[:2], 128, np.uint8)])
    elif kind == "16-bit":
        pixels = scene.astype(np.uint16) * 257
    else:
        pixels = np.where(scene[:, :, 0] > 128, 255, 0).astype(np.uint8)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    params = {"IMWRITE_PNG_BILEVEL": 1} if kind == "1-bit gray" else {}
    _write_png(a, pixels, **params)
    shutil.copyfile(a, b)
    assert png_header(a.read_bytes())[:2] == (160, 120)
    fast, full = both_ways(cli, monkeypatch, "compare", str(a), str(b), "--json",
                           "--method", "pixel")
    assert fast == full and fast[0] == 0


# ------------------------------------------------------------------ errors


BAD_OPTIONS = [
    (["--close", "1000000"], "close"),
    (["--open", "161"], "open"),
    (["--merge-gap", "100000"], "merge_gap"),
    (["--blur", "1e30"], "blur"),
    (["--min-area", str(160 * 120 + 1)], "min_area"),
    (["--method", "nope"], "method"),
    (["--method", "nope", "--close", "1000000"], "method"),  # the engine's order
    (["--variant", "odiff"], "--method pixel"),
    (["--pictures", "x"], "--pictures"),
    (["--threshold", "-1"], "--threshold"),
    (["--max-changed-fraction", "3"], "--max-changed-fraction"),
]


@pytest.mark.parametrize("options, needle", BAD_OPTIONS, ids=lambda v: str(v))
def test_bad_options_give_the_engines_error(cli, twins, monkeypatch, options, needle):
    a, b = twins
    fast, full = both_ways(cli, monkeypatch, "compare", str(a), str(b), "--json", *options)
    assert fast == full
    code, out, err = fast
    assert code == 2 and out == "" and needle in err
    assert err.startswith("spotdiff: error:") and err.count("\n") == 1


# ------------------------------------------------------------------ the full path


def test_different_files_take_the_full_path(cli, tmp_path, scene, full_path_calls):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    changed = scene.copy()
    changed[10:20, 10:20] = 0
    # uncompressed: the two files have the same size, and differ in their bytes
    _write_png(a, scene, IMWRITE_PNG_COMPRESSION=0)
    _write_png(b, changed, IMWRITE_PNG_COMPRESSION=0)
    assert a.stat().st_size == b.stat().st_size and a.read_bytes() != b.read_bytes()
    code, out, _ = cli("compare", str(a), str(b), "--json")
    assert code == 1 and json.loads(out)["changed_pixels"] == 100
    assert len(full_path_calls) == 1


@pytest.mark.parametrize(
    "extra",
    [
        ["-o", "{tmp}/out"],
        ["--diff-image", "{tmp}/diff.png"],
        ["--ignore", "0,0,10,10"],
        ["--ignore-polygon", "0,0 10,0 10,10"],
        ["--ignore-mask", "{mask}"],
        ["--only-mask", "{mask}"],
        ["--align", "translation"],
    ],
    ids=lambda e: e[0],
)
def test_identical_files_that_need_more_take_the_full_path(cli, twins, tmp_path, full_path_calls,
                                                           extra):
    a, b = twins
    mask = tmp_path / "mask.png"
    half = np.zeros((120, 160), np.uint8)
    half[:, :80] = 255  # ignores (or selects) half: a selection of nothing is an error
    _write_png(mask, half)
    argv = [e.format(tmp=tmp_path, mask=mask) for e in extra]
    code, out, err = cli("compare", str(a), str(b), "--json", *argv)
    assert code == 0, err
    assert json.loads(out)["different"] is False
    assert len(full_path_calls) == 1
    if extra[0] == "-o":
        assert (tmp_path / "out" / "result.json").exists()
    if extra[0] == "--diff-image":
        assert (tmp_path / "diff.png").exists()


def test_identical_files_of_other_formats_take_the_full_path(cli, tmp_path, scene, full_path_calls):
    a = tmp_path / "a.jpg"
    cv2.imwrite(str(a), scene)
    code, out, _ = cli("compare", str(a), str(a), "--json")
    assert code == 0 and json.loads(out)["identical"] is True
    assert len(full_path_calls) == 1


def test_identical_broken_files_get_the_full_paths_error(cli, tmp_path, scene, monkeypatch,
                                                         full_path_calls):
    data = cv2.imencode(".png", scene)[1].tobytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    code, _, err = cli("compare", str(cut), str(cut))
    assert code == 2 and "ends early" in err
    text = tmp_path / "notes.png"
    text.write_bytes(b"hello")
    code, _, err = cli("compare", str(text), str(text))
    assert code == 2 and "PNG, JPEG" in err
    missing = tmp_path / "missing.png"
    code, _, err = cli("compare", str(missing), str(missing))
    assert code == 2 and "no such file" in err
    assert len(full_path_calls) == 3


def test_the_switch_turns_the_fast_path_off(cli, twins, monkeypatch, full_path_calls):
    a, b = twins
    monkeypatch.setenv(compare_cli.NO_FAST_PATH, "1")
    assert cli("compare", str(a), str(b), "--json")[0] == 0
    assert len(full_path_calls) == 1
    monkeypatch.setenv(compare_cli.NO_FAST_PATH, "0")
    assert cli("compare", str(a), str(b), "--json")[0] == 0
    assert len(full_path_calls) == 1  # 0 leaves it on


# ------------------------------------------------------------------ the file comparison


@pytest.mark.parametrize("chunk", [7, 64, 100, 1 << 16])
def test_file_comparison_across_chunks(tmp_path, scene, monkeypatch, chunk):
    monkeypatch.setattr(compare_cli, "_CHUNK", chunk)
    a = tmp_path / "a.png"
    _write_png(a, scene)
    data = a.read_bytes()
    b = tmp_path / "b.png"
    b.write_bytes(data)
    assert compare_cli._identical_png_size(str(a), str(b)) == (160, 120)
    for where in (0, 20, len(data) // 2, len(data) - 70, len(data) - 1):
        changed = bytearray(data)
        changed[where] ^= 0xFF
        b.write_bytes(bytes(changed))
        assert compare_cli._identical_png_size(str(a), str(b)) is None, where
    b.write_bytes(data + b"\x00")
    assert compare_cli._identical_png_size(str(a), str(b)) is None
    assert compare_cli._identical_png_size(str(a), str(tmp_path)) is None
    assert compare_cli._identical_png_size(str(a), str(tmp_path / "missing.png")) is None
    # no IEND at the end: left to the full compare, which knows what to do
    a.write_bytes(data[:-12])
    b.write_bytes(data[:-12])
    assert compare_cli._identical_png_size(str(a), str(b)) is None


def test_png_ends_complete():
    data = cv2.imencode(".png", np.zeros((5, 5, 3), np.uint8))[1].tobytes()
    assert png_ends_complete(data) and png_ends_complete(data[-12:])
    assert not png_ends_complete(data[:-12]) and not png_ends_complete(b"")


# ------------------------------------------------------------------ imports


_PROBE = (
    "import io, sys\n"
    "from spotdiff.cli import main\n"
    "code = main(sys.argv[1:], stdout=io.StringIO(), stderr=io.StringIO())\n"
    "heavy = ('numpy', 'cv2', 'imagecodecs', 'spotdiff.engine')\n"
    "print(code, *[m for m in heavy if m in sys.modules])\n"
)


def _probe(cli, *argv: str, env: dict | None = None) -> list[str]:
    proc = subprocess.run([sys.executable, "-c", _PROBE, *argv], capture_output=True,
                          text=True, check=True, env=env)
    return proc.stdout.split()


def test_fast_path_imports_neither_numpy_nor_opencv(cli, twins):
    import os

    a, b = twins
    env = {k: v for k, v in os.environ.items() if k != compare_cli.NO_FAST_PATH}
    assert _probe(cli, "compare", str(a), str(b), "--json", env=env) == ["0"]
    assert _probe(cli, "compare", str(a), str(b), "--close", "1000", env=env) == ["2"]
    # the probe sees the engine when it runs
    slow = _probe(cli, "compare", str(a), str(b), "--json",
                  env={**env, compare_cli.NO_FAST_PATH: "1"})
    assert slow[0] == "0" and "numpy" in slow and "spotdiff.engine" in slow
