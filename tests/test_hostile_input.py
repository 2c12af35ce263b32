"""Hostile input: every bad input ends in one line, exit code 2, bounded memory,
no hang and nothing half-written.

Each test names the promise it checks. Runs that must show what reaches
file descriptor 2 (native decoders print there) or how much memory a
process took run the command line in a child process; the rest run in
this one.
"""

from __future__ import annotations

import io
import json
import os
import signal
import struct
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff.cli import main
from spotdiff.errors import InputError
from spotdiff.io.video import read_frames

SRC = Path(spotdiff.__file__).resolve().parents[1]


def run(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), stdout=out, stderr=err)
    return code, out.getvalue(), err.getvalue()


# Linux keeps a process's peak memory across exec, and a child starts with its
# parent's: a process spawned straight from this (large) test process would
# report the test process's peak. A small launcher forks the command from
# itself and reports the command's own peak.
_LAUNCHER = """
import os, sys
pid = os.fork()
if pid == 0:
    os.execv(sys.executable, [sys.executable, "-m", "spotdiff", *sys.argv[2:]])
_, status, usage = os.wait4(pid, 0)
with open(sys.argv[1], "w") as report:
    report.write(str(usage.ru_maxrss))
code = os.waitstatus_to_exitcode(status)
sys.exit(128 - code if code < 0 else code)
"""


def child_peak(argv: list[str], env: dict | None = None, timeout: float = 60
               ) -> tuple[int, str, int]:
    """Run the command line in a child; exit code, stderr, peak RSS in kB of that child."""
    child_env = dict(os.environ, PYTHONPATH=str(SRC), **(env or {}))
    with tempfile.TemporaryDirectory() as tmp:
        report = Path(tmp) / "rss"
        try:
            done = subprocess.run([sys.executable, "-S", "-c", _LAUNCHER, str(report), *argv],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, env=child_env, timeout=timeout,
                                  check=False)
        except subprocess.TimeoutExpired:
            pytest.fail(f"spotdiff {' '.join(argv)} hung for {timeout} s")
        return done.returncode, done.stderr.decode(), int(report.read_text())


def one_error_line(err: str) -> str:
    lines = err.splitlines()
    assert len(lines) == 1, f"expected one line on stderr, got {lines}"
    assert lines[0].startswith("spotdiff: error: "), lines[0]
    assert "Traceback" not in err and "internal error" not in err
    return lines[0]


# -- files to feed it ----------------------------------------------------------------------

def _chunk(tag: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body))


def png_claiming(width: int, height: int, colour: int = 2) -> bytes:
    """A complete, tiny PNG whose header claims ``width`` × ``height``."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, colour, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr)
            + _chunk(b"IDAT", zlib.compress(b"\0" * 64)) + _chunk(b"IEND", b""))


def photo(h: int = 120, w: int = 160, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 2)


@pytest.fixture
def jpeg_pair(tmp_path):
    a = tmp_path / "a.jpg"
    cv2.imwrite(str(a), photo(200, 300))
    return a, a.read_bytes()


@pytest.fixture
def png(tmp_path):
    path = tmp_path / "p.png"
    cv2.imwrite(str(path), photo())
    return path


# -- 1. memory decided before decoding -----------------------------------------------------

def test_a_tiny_jpeg_claiming_30000_squared_is_refused_before_decoding(tmp_path, jpeg_pair):
    a, data = jpeg_pair
    sof = data.find(b"\xff\xc0")
    bomb = bytearray(data)
    bomb[sof + 5 : sof + 9] = struct.pack(">HH", 30000, 30000)
    (tmp_path / "bomb.jpg").write_bytes(bytes(bomb))
    code, err, rss = child_peak(["compare", str(a), str(tmp_path / "bomb.jpg")])
    line = one_error_line(err)
    assert code == 2 and "30000x30000 (900.0 Mpx)" in line and "--max-pixels" in line
    assert "CV_IO_MAX_IMAGE_PIXELS" not in line
    assert rss < 200_000, f"peak memory {rss} kB"


def test_a_65535_squared_png_is_refused_and_the_limit_can_be_raised(tmp_path, png):
    (tmp_path / "bomb.png").write_bytes(png_claiming(65535, 65535, colour=0))
    code, err, rss = child_peak(["compare", str(tmp_path / "bomb.png"), str(png)])
    assert code == 2 and "65535x65535" in one_error_line(err) and rss < 200_000
    # a lower limit refuses an ordinary image too, by flag and by environment
    code, _, err = run("compare", str(png), str(png), "--max-pixels", "100")  # same bytes
    assert code == 2 and "at most 0.0 Mpx (100 pixels)" in err
    code, err, _ = child_peak(["compare", str(png), str(png)], env={"SPOTDIFF_MAX_PIXELS": "100"})
    assert code == 2 and "got 160x120" in one_error_line(err)


def test_a_pair_over_the_memory_budget_is_refused_before_decoding(tmp_path):
    (tmp_path / "a.png").write_bytes(png_claiming(20000, 20000))
    (tmp_path / "b.png").write_bytes(png_claiming(20000, 20000)[:-20] + png_claiming(1, 1)[-20:])
    code, err, rss = child_peak(["compare", str(tmp_path / "a.png"), str(tmp_path / "b.png"),
                                 "-o", str(tmp_path / "out")], env={"SPOTDIFF_MAX_MEMORY": "4G"})
    assert code == 2 and "memory budget (4.0 GiB)" in one_error_line(err)
    assert rss < 200_000 and not (tmp_path / "out").exists()


def test_padding_is_budgeted_before_the_canvas_is_allocated(tmp_path):
    cv2.imwrite(str(tmp_path / "wide.png"), np.zeros((1, 100000, 3), np.uint8))
    cv2.imwrite(str(tmp_path / "tall.png"), np.zeros((100000, 1, 3), np.uint8))
    code, err, rss = child_peak(["compare", str(tmp_path / "wide.png"), str(tmp_path / "tall.png"),
                                 "--size", "pad"])
    assert code == 2 and "padded canvas" in one_error_line(err) and rss < 200_000


# -- 2. no hangs ---------------------------------------------------------------------------

@pytest.mark.parametrize("where", ["image", "ignore-mask"])
def test_a_fifo_is_refused_not_waited_on(tmp_path, png, where):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    args = [str(fifo), str(png)] if where == "image" else [str(png), str(png), "--ignore-mask",
                                                           str(fifo), "--align", "translation"]
    code, err, _ = child_peak(["compare", *args], timeout=20)
    assert code == 2 and "a named pipe (FIFO)" in one_error_line(err)


def test_special_files_are_refused(png):
    code, _, err = run("compare", "/dev/zero", str(png))
    assert code == 2 and "got a character device" in err


def test_read_frames_refuses_a_fifo(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    with pytest.raises(InputError, match="named pipe"):
        list(read_frames(fifo))


def test_a_nan_polygon_vertex_is_refused_at_once():
    a = photo()
    start = time.monotonic()
    with pytest.raises(InputError, match="finite x,y points"):
        spotdiff.compare(a, a, ignore_polygons=[np.array([[np.nan, 1], [1, 1], [5, 5]])])
    assert time.monotonic() - start < 5  # was about 14 s per polygon


# -- 3. wrong answers ----------------------------------------------------------------------

@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_a_float_tiff_holding_nan_or_inf_is_refused(tmp_path, bad):
    f = np.zeros((20, 30), np.float32)
    f[3, 4] = bad
    cv2.imwrite(str(tmp_path / "bad.tif"), f)
    cv2.imwrite(str(tmp_path / "ok.tif"), np.zeros((20, 30), np.float32))
    code, out, err = run("compare", str(tmp_path / "bad.tif"), str(tmp_path / "ok.tif"), "--json")
    assert code == 2 and out == "" and "1 NaN or infinite value(s)" in err


@pytest.mark.parametrize("values, data_range", [(3e38, 1.0), (0.5, np.inf), (0.5, np.nan)])
def test_float_arrays_out_of_any_image_range_are_refused(values, data_range):
    a = np.zeros((10, 10), np.float32)
    b = np.full((10, 10), values, np.float32)
    with pytest.raises(InputError, match="data_range|values within"):
        spotdiff.compare(a, b, data_range=data_range)


def test_json_is_strict():
    payload = {"score": float("nan")}
    with pytest.raises(ValueError):
        json.dumps(payload, allow_nan=False)  # what the writers use: NaN never printed
    from spotdiff.io.write import write_json

    with pytest.raises(ValueError):
        write_json(os.devnull + ".never", payload)


# -- 4. corrupt data is an error -----------------------------------------------------------

@pytest.mark.parametrize("damage", ["truncated then closed", "4000 bytes zeroed"])
def test_a_damaged_jpeg_is_refused_unless_allowed(tmp_path, jpeg_pair, damage):
    a, data = jpeg_pair
    if damage == "truncated then closed":
        bad = data[: len(data) // 2] + b"\xff\xd9"
    else:
        third = len(data) // 3
        bad = data[:third] + bytes(4000) + data[third + 4000 :]
    (tmp_path / "bad.jpg").write_bytes(bad)
    code, err, _ = child_peak(["compare", str(a), str(tmp_path / "bad.jpg")])
    line = one_error_line(err)
    assert code == 2 and "corrupt data (Corrupt JPEG data" in line and "--allow-corrupt" in line
    code, err, _ = child_peak(["compare", str(a), str(tmp_path / "bad.jpg"), "--allow-corrupt"])
    assert code == 1 and "Corrupt JPEG" not in err  # the decoder's line is not printed either


# -- 5. nothing half-written ---------------------------------------------------------------

def _big_pair(tmp_path: Path) -> tuple[Path, Path]:
    a, b = tmp_path / "big-a.png", tmp_path / "big-b.png"
    img = photo(1500, 2000, seed=3)
    cv2.imwrite(str(a), img)
    img[100:900, 200:1400] = 255 - img[100:900, 200:1400]
    cv2.imwrite(str(b), img)
    return a, b


OUTPUTS = {"result.json", "mask.png", "heatmap.png", "boxes.png", "overlay.png"}


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGHUP])
def test_a_signal_during_writing_leaves_all_or_nothing(tmp_path, signum):
    a, b = _big_pair(tmp_path)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    for delay in (0.4, 0.8, 1.2):
        proc = subprocess.Popen([sys.executable, "-m", "spotdiff", "compare", str(a), str(b),
                                 "-o", str(out)], stdin=subprocess.DEVNULL,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
        time.sleep(delay)
        proc.send_signal(signum)
        _, err = proc.communicate(timeout=60)
        names = {p.name for p in out.iterdir()} if out.exists() else set()
        assert names in (set(), OUTPUTS), names  # never a part, never a hidden temporary
        if proc.returncode == -signum:
            # the signal came after the work, while the interpreter was exiting
            # (Python restores the default action then): everything was written
            assert names == OUTPUTS and err.decode().startswith("DIFFERENT"), err
        else:
            assert proc.returncode in (1, 128 + signum), err
        if proc.returncode == 128 + signum:
            assert err.decode().count("\n") == 1 and "stopped by" in err.decode()
        if out.exists():
            for p in out.iterdir():
                p.unlink()


def test_two_runs_into_one_folder_do_not_mix(tmp_path):
    a, b = _big_pair(tmp_path)
    c = tmp_path / "c.png"
    cv2.imwrite(str(c), photo(1500, 2000, seed=3))  # same as a: an empty mask
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    for _ in range(3):
        procs = [subprocess.Popen([sys.executable, "-m", "spotdiff", "compare", str(a), str(x),
                                   "-o", str(out), "--pictures", "mask"], env=env,
                                  stdin=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                 for x in (b, c)]
        for p in procs:
            p.wait(timeout=60)
        result = json.loads((out / "result.json").read_text())
        mask = cv2.imread(str(out / "mask.png"), cv2.IMREAD_GRAYSCALE)
        assert bool(mask.any()) == result["different"], "result.json and mask.png from two runs"


def test_an_output_picture_named_twice_is_refused(tmp_path, png):
    code, _, err = run("compare", str(png), str(png), "-o", str(tmp_path / "o"),
                       "--diff-image", str(tmp_path / "o" / "mask.png"))
    assert code == 2 and "which -o writes as well" in err
    assert not (tmp_path / "o").exists()


# -- 6. no tracebacks, no internal errors --------------------------------------------------

@pytest.mark.parametrize("polygon", ["inf,1 1,1 5,5", "1e400,1 1,1 5,5", "nan,1 1,1 5,5"])
def test_non_finite_polygons_on_the_command_line(png, polygon):
    code, _, err = run("compare", str(png), str(png), "--ignore-polygon", polygon)
    assert code == 2 and err.count("\n") == 1 and "expected points" in err


@pytest.mark.parametrize("sizes, align", [(((1, 1), (1, 1)), "homography"),
                                          (((1, 100000), (100000, 1)), "auto"),
                                          (((1, 1), (48, 64)), "auto")])
def test_alignment_of_tiny_images_is_refused_in_one_line(tmp_path, sizes, align):
    paths = []
    for i, (h, w) in enumerate(sizes):
        path = tmp_path / f"{i}.png"
        cv2.imwrite(str(path), np.full((h, w, 3), 40 * i, np.uint8))
        paths.append(str(path))
    code, _, err = run("compare", *paths, "--align", align)
    assert code == 2 and "at least 16 px on each side to align" in err


# -- 7. one line on stderr, whatever the native decoders say -------------------------------

@pytest.mark.parametrize("ext", [".bmp", ".webp", ".tif", ".png"])
def test_native_decoder_lines_are_folded_into_one(tmp_path, ext):
    good = tmp_path / f"good{ext}"
    cv2.imwrite(str(good), photo())
    data = bytearray(good.read_bytes())
    rng = np.random.default_rng(7)
    for _ in range(3):  # damage past the header, so it still sniffs as the format
        at = int(rng.integers(len(data) // 4, len(data)))
        data[at : at + 64] = bytes(rng.integers(0, 256, min(64, len(data) - at), np.uint8))
    (tmp_path / f"bad{ext}").write_bytes(bytes(data))
    code, err, _ = child_peak(["compare", str(good), str(tmp_path / f"bad{ext}"), "--json"])
    if code == 2:
        one_error_line(err)
    else:  # the damage fell where the decoder does not look: then nothing on stderr
        assert code in (0, 1) and err == "", err


def test_a_corrupt_ground_truth_is_one_line(tmp_path):
    seq = tmp_path / "cat" / "seq"
    (seq / "input").mkdir(parents=True)
    (seq / "groundtruth").mkdir()
    for i in range(1, 4):
        cv2.imwrite(str(seq / "input" / f"in{i:06d}.jpg"), photo(48, 64, seed=i))
        (seq / "groundtruth" / f"gt{i:06d}.png").write_bytes(png_claiming(64, 48, 0)[:40])
    (seq / "temporalROI.txt").write_text("1 3\n")
    code, err, _ = child_peak(["eval", "cdnet", str(tmp_path)])
    assert code == 2 and "ground truth" in one_error_line(err)


# -- 8. the library ------------------------------------------------------------------------

def test_subpackages_are_reachable_after_import_spotdiff():
    code = ("import spotdiff; spotdiff.background.create; spotdiff.io.load_image; "
            "spotdiff.render.BoxAnnotator; print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env=dict(os.environ, PYTHONPATH=str(SRC)), check=False)
    assert done.stdout == "ok\n", done.stderr


@pytest.mark.parametrize("name, options, named", [
    ("mog2", {"bogus": 1}, "bogus"),
    ("consensus", {"color_threshold": float("nan")}, "color_threshold"),
    ("consensus", {"median": -3}, "median"),
    ("running", {"alpha": float("nan")}, "alpha"),
    ("reference", {"min_area": 2.5}, "min_area"),
])
def test_bad_model_options_fail_at_creation_naming_the_option(name, options, named):
    from spotdiff.background import create

    with pytest.raises(InputError, match=named):
        create(name, **options)


# -- 9. clear messages ---------------------------------------------------------------------

@pytest.mark.parametrize("head, named, fix", [
    (b"\x00\x00\x00\x20ftypisom\x00\x00\x02\x00", "an MP4/MOV video", "read_frames"),
    (b"RIFF\x10\x00\x00\x00AVI LIST", "an AVI video", "read_frames"),
    (b"\x1aE\xdf\xa3\x01\x00\x00\x00", "a Matroska/WebM video", "read_frames"),
    (b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00", "a HEIF/HEIC image", "convert it"),
])
def test_unsupported_files_are_named(tmp_path, png, head, named, fix):
    path = tmp_path / "x.bin"
    path.write_bytes(head + bytes(64))
    code, _, err = run("compare", str(path), str(png))
    assert code == 2 and f"got {named}" in err and fix in err


def test_a_symlink_loop_is_called_one(tmp_path, png):
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    code, _, err = run("compare", str(tmp_path / "loop"), str(png))
    assert code == 2 and "loops back on itself" in err and "permissions" not in err


def test_a_misspelt_option_gets_a_suggestion(png):
    code, _, err = run("compare", str(png), str(png), "--treshold", "3")
    assert code == 2 and "did you mean --threshold" in err


def test_a_full_disk_names_the_folder_and_leaves_nothing(tmp_path):
    small = tmp_path / "small"
    small.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(small)],
                             capture_output=True, check=False)
    if mounted.returncode != 0:
        pytest.skip("a small tmpfs cannot be mounted here (needs root)")
    try:
        a, b = tmp_path / "a.png", tmp_path / "b.png"
        img = np.random.default_rng(0).integers(0, 256, (300, 400, 3), np.uint8)
        cv2.imwrite(str(a), img)
        img[5:50, 5:50] = 0
        cv2.imwrite(str(b), img)
        code, _, err = run("compare", str(a), str(b), "-o", str(small / "out"))
        assert code == 2 and f"cannot use '{small / 'out'}'" in err and "disk is full" in err
        assert list((small / "out").iterdir()) == []
    finally:
        subprocess.run(["umount", str(small)], check=False)


# -- 10. nothing accepted silently ---------------------------------------------------------

@pytest.mark.parametrize("flag, value", [("--only-mask", 0), ("--ignore-mask", 255)])
def test_a_selection_of_nothing_is_refused(tmp_path, flag, value):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    cv2.imwrite(str(a), photo())
    cv2.imwrite(str(b), photo(seed=1))
    cv2.imwrite(str(tmp_path / "m.png"), np.full((120, 160), value, np.uint8))
    code, _, err = run("compare", str(a), str(b), flag, str(tmp_path / "m.png"))
    assert code == 2 and "at least one pixel left to compare" in err


def _apng(png_bytes: bytes) -> bytes:
    actl = _chunk(b"acTL", struct.pack(">II", 2, 0))
    at = 8 + 25  # after the signature and IHDR
    return png_bytes[:at] + actl + png_bytes[at:]


def test_multi_frame_images_are_refused(tmp_path, png):
    (tmp_path / "anim.png").write_bytes(_apng(png.read_bytes()))
    code, _, err = run("compare", str(tmp_path / "anim.png"), str(png))
    assert code == 2 and "animated or multi-page PNG (2 frames)" in err
    pages = [photo(seed=i) for i in range(3)]
    assert cv2.imwritemulti(str(tmp_path / "pages.tif"), pages)
    cv2.imwrite(str(tmp_path / "one.tif"), pages[0])
    code, _, err = run("compare", str(tmp_path / "pages.tif"), str(tmp_path / "one.tif"))
    assert code == 2 and "multi-page TIFF" in err
    vp8x = b"VP8X" + struct.pack("<I", 10) + bytes([0x02, 0, 0, 0]) + (159).to_bytes(3, "little") \
        + (119).to_bytes(3, "little")
    (tmp_path / "anim.webp").write_bytes(b"RIFF" + struct.pack("<I", 4 + len(vp8x)) + b"WEBP"
                                         + vp8x)
    code, _, err = run("compare", str(tmp_path / "anim.webp"), str(png))
    assert code == 2 and "animated or multi-page WEBP" in err


def test_a_truncated_video_is_an_error(tmp_path):
    path = tmp_path / "clip.avi"
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, (64, 48))
    for i in range(30):
        writer.write(np.full((48, 64, 3), i * 8, np.uint8))
    writer.release()
    assert len(list(read_frames(path))) == 30
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * 0.7)])
    with pytest.raises(InputError, match="the 30 frames its container announces"):
        list(read_frames(path))


def test_a_frame_folder_with_a_truncated_jpeg_is_an_error(tmp_path):
    for i in range(3):
        cv2.imwrite(str(tmp_path / f"f{i}.jpg"), photo(48, 64, seed=i))
    data = (tmp_path / "f1.jpg").read_bytes()
    (tmp_path / "f1.jpg").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="f1.jpg"):
        list(read_frames(tmp_path))
