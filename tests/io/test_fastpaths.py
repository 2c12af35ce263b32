"""Speed paths that must not change results: the lazy top-level package, the
optional fast PNG codecs, byte-identical inputs and the CLI's --diff-image."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

import spotdiff
from shared_data import shared_data_dir
from spotdiff import InputError, load_image
from spotdiff.io import image as image_io
from spotdiff.io import write as write_io
from spotdiff.io.image import decode_image, load_pair, png_header, same_file_contents


def _png(pixels: np.ndarray, **params: int) -> bytes:
    """PNG bytes written by OpenCV from RGB(A)/gray pixels."""
    px = pixels
    if px.ndim == 3 and px.shape[2] == 3:
        px = cv2.cvtColor(px, cv2.COLOR_RGB2BGR)
    elif px.ndim == 3 and px.shape[2] == 4:
        px = cv2.cvtColor(px, cv2.COLOR_RGBA2BGRA)
    flags = [v for kv in params.items() for v in (getattr(cv2, kv[0]), kv[1])]
    ok, buf = cv2.imencode(".png", px, flags)
    assert ok
    return buf.tobytes()


@pytest.fixture
def opencv_only(monkeypatch):
    """Decode and encode with OpenCV alone, as where imagecodecs and fpng
    cannot be imported."""
    monkeypatch.setattr(image_io, "_PNG_CODEC", False)
    monkeypatch.setattr(write_io, "_FPNG", False)


def _both_decoders(data: bytes, monkeypatch) -> tuple[np.ndarray, np.ndarray]:
    pytest.importorskip("imagecodecs")
    monkeypatch.setattr(image_io, "_PNG_CODEC", None)
    fast = decode_image(data, name="x.png").pixels
    monkeypatch.setattr(image_io, "_PNG_CODEC", False)
    slow = decode_image(data, name="x.png").pixels
    return fast, slow


# ----------------------------------------------------------------- lazy package


def test_import_spotdiff_loads_neither_opencv_nor_the_engine():
    code = ("import sys, spotdiff; "
            "print('cv2' in sys.modules, 'spotdiff.engine' in sys.modules, 'numpy' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False", "False"]


def test_lazy_package_still_exposes_the_api():
    from spotdiff.engine import compare
    from spotdiff.result import Diff

    assert spotdiff.compare is compare and spotdiff.Diff is Diff
    for name in spotdiff.__all__:
        assert getattr(spotdiff, name) is not None
        assert name in dir(spotdiff)
    namespace: dict = {}
    exec("from spotdiff import *", namespace)
    assert set(spotdiff.__all__) <= set(namespace)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        spotdiff.nope  # noqa: B018


# ----------------------------------------------------------------- PNG decoding


@pytest.mark.parametrize(
    "shape, dtype",
    [((37, 53, 3), np.uint8), ((37, 53, 4), np.uint8), ((37, 53), np.uint8),
     ((37, 53, 3), np.uint16), ((37, 53, 4), np.uint16), ((37, 53), np.uint16)],
)
def test_fast_png_decoder_gives_opencvs_pixels(monkeypatch, shape, dtype):
    rng = np.random.default_rng(3)
    px = rng.integers(0, np.iinfo(dtype).max, shape, dtype=dtype, endpoint=True)
    if len(shape) == 3 and shape[2] == 4:
        px[..., 3] = np.iinfo(dtype).max
        px[:5, :7, 3] = 3  # not opaque: alpha is kept
    fast, slow = _both_decoders(_png(px), monkeypatch)
    assert fast.dtype == slow.dtype == dtype
    np.testing.assert_array_equal(fast, slow)
    np.testing.assert_array_equal(fast.reshape(px.shape), px)


def test_opaque_alpha_is_dropped_by_both_decoders(monkeypatch, scene):
    rgba = np.dstack([scene, np.full(scene.shape[:2], 255, np.uint8)])
    fast, slow = _both_decoders(_png(rgba), monkeypatch)
    assert fast.shape == slow.shape == scene.shape
    np.testing.assert_array_equal(fast, scene)


def test_png_kinds_left_to_opencv_decode_as_before(monkeypatch, scene):
    """Palette, gray+alpha, low bit depth and tRNS files go to OpenCV."""
    PILImage = pytest.importorskip("PIL.Image")

    cases = {
        "P": PILImage.fromarray(scene).quantize(16),
        "LA": PILImage.fromarray(np.dstack([scene[..., 0], scene[..., 1]]), "LA"),
        "1": PILImage.fromarray(scene[..., 0] > 128),
    }
    rgb_trns = PILImage.fromarray(scene)
    rgb_trns.info["transparency"] = tuple(int(v) for v in scene[0, 0])
    for name, img in [*cases.items(), ("RGB+tRNS", rgb_trns)]:
        buf = io.BytesIO()
        img.save(buf, "PNG", **({"transparency": img.info["transparency"]}
                                if "transparency" in img.info else {}))
        fast, slow = _both_decoders(buf.getvalue(), monkeypatch)
        np.testing.assert_array_equal(fast, slow, err_msg=name)


def test_fast_decoder_matches_opencv_on_third_party_pngs(monkeypatch):
    folder = shared_data_dir() / "pixelmatch-fixtures"
    files = sorted(folder.rglob("*.png"))[:40] if folder.is_dir() else []
    if not files:
        pytest.skip(f"third-party test data not found: {folder} (set SPOTDIFF_DATA)")
    for path in files:
        fast, slow = _both_decoders(path.read_bytes(), monkeypatch)
        np.testing.assert_array_equal(fast, slow, err_msg=str(path))


def test_corrupt_png_keeps_its_message_with_the_fast_decoder(monkeypatch, scene):
    pytest.importorskip("imagecodecs")
    monkeypatch.setattr(image_io, "_PNG_CODEC", None)
    data = bytearray(_png(scene))
    idat = data.index(b"IDAT")
    data[idat + 20 : idat + 60] = b"\x00" * 40  # damaged compressed data, end marker intact
    with pytest.raises(InputError, match="corrupt") as info:
        decode_image(bytes(data), name="bad.png")
    assert "\n" not in str(info.value)


def test_png_header():
    px = np.zeros((21, 34, 4), np.uint16)
    assert png_header(_png(px)) == (34, 21, 16, 6)
    assert png_header(b"\x89PNG\r\n\x1a\n") is None
    assert png_header(b"GIF89a" + b"\x00" * 40) is None


# ----------------------------------------------------------------- identical inputs


def test_same_bytes_are_answered_without_decoding(tmp_path, scene):
    a = tmp_path / "a.png"
    a.write_bytes(_png(scene))
    b = tmp_path / "b.png"
    shutil.copyfile(a, b)
    diff = spotdiff.compare(a, b)
    assert same_file_contents(diff.before, diff.after)
    assert "pixels" not in vars(diff.before)  # nothing decoded yet
    decoded = load_image(a).pixels
    reference = spotdiff.compare(decoded, decoded.copy())
    assert diff.to_dict() == reference.to_dict()
    assert (diff.width, diff.height) == (160, 120) and not diff.different
    # pixels, when asked for, are the file's, decoded once for both
    np.testing.assert_array_equal(diff.before.pixels, decoded)
    assert diff.after.pixels is diff.before.pixels
    assert diff.before.name == str(a) and diff.after.name == str(b)


def test_same_bytes_16_bit_and_jpeg(tmp_path, scene):
    png16 = tmp_path / "a16.png"
    png16.write_bytes(_png(scene.astype(np.uint16) * 257))
    img_b, img_a = load_pair(png16, png16)
    assert img_b.data_range == 65535 and img_b.size == (160, 120)
    assert img_b.pixels.dtype == np.uint16
    jpg = tmp_path / "a.jpg"
    cv2.imwrite(str(jpg), scene[:, :, ::-1].copy())
    img_b, img_a = load_pair(jpg, jpg)
    assert same_file_contents(img_b, img_a)
    np.testing.assert_array_equal(img_b.pixels, load_image(jpg).pixels)


def test_same_bytes_with_a_restriction_takes_the_full_path(tmp_path, scene):
    a = tmp_path / "a.png"
    a.write_bytes(_png(scene))
    diff = spotdiff.compare(a, a, ignore=[(0, 0, 10, 10)])
    assert not diff.different and diff.info.get("compared_pixels") == 160 * 120 - 100
    with pytest.raises(InputError, match="ignore box"):
        spotdiff.compare(a, a, ignore=[(0, 0, 999, 10)])


def test_same_bytes_of_a_broken_file_are_still_refused(tmp_path, scene):
    a = tmp_path / "cut.png"
    data = _png(scene)
    a.write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="ends early"):
        spotdiff.compare(a, a)
    text = tmp_path / "notes.png"
    text.write_bytes(b"hello")
    with pytest.raises(InputError, match="PNG, JPEG"):
        spotdiff.compare(text, text)


def test_same_pixels_in_different_files(tmp_path, scene):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(_png(scene, IMWRITE_PNG_COMPRESSION=1))
    b.write_bytes(_png(scene, IMWRITE_PNG_COMPRESSION=9))
    assert a.read_bytes() != b.read_bytes()
    diff = spotdiff.compare(a, b)
    assert not diff.different and diff.identical and diff.info == {"identical": True}
    assert not same_file_contents(diff.before, diff.after)


def test_load_pair_reports_before_first(tmp_path):
    with pytest.raises(InputError, match="before image"):
        load_pair(tmp_path / "x.png", tmp_path / "y.png")


def test_load_pair_decodes_different_files(tmp_path, scene):
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(_png(scene))
    changed = scene.copy()
    changed[5:9, 5:9] = 0
    b.write_bytes(_png(changed))
    img_b, img_a = load_pair(a, b)
    np.testing.assert_array_equal(img_b.pixels, scene)
    np.testing.assert_array_equal(img_a.pixels, changed)


# ----------------------------------------------------------------- PNG encoding


@pytest.mark.parametrize("channels", [3, 4])
def test_fast_encoder_round_trips(scene, channels):
    pytest.importorskip("fpng")
    px = scene if channels == 3 else np.dstack([scene, np.arange(120 * 160).reshape(120, 160)
                                                .astype(np.uint8)])
    data = write_io.encode_png(px)
    assert write_io._FPNG  # the fast encoder was used
    back = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    code = cv2.COLOR_BGR2RGB if channels == 3 else cv2.COLOR_BGRA2RGBA
    np.testing.assert_array_equal(cv2.cvtColor(back, code), px)


@pytest.mark.parametrize(
    "pixels, compression",
    [(np.full((9, 7), 200, np.uint8), 1), (np.full((9, 7, 3), 60000, np.uint16), 1),
     (np.full((9, 7, 3), 5, np.uint8), 6)],
)
def test_other_pictures_are_encoded_by_opencv_losslessly(pixels, compression):
    data = write_io.encode_png(pixels, compression=compression)
    back = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
    np.testing.assert_array_equal(back.reshape(pixels.shape), pixels)


def test_opencv_fallbacks_give_the_same_results(opencv_only, tmp_path, scene):
    a = tmp_path / "a.png"
    a.write_bytes(_png(scene))
    np.testing.assert_array_equal(load_image(a).pixels, scene)
    data = write_io.encode_png(scene)
    back = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    np.testing.assert_array_equal(back[:, :, ::-1], scene)


# ----------------------------------------------------------------- CLI


def test_cli_diff_image_is_the_overlay_picture(cli, tmp_path, scene):
    from spotdiff.render import pictures

    a, b = tmp_path / "a.png", tmp_path / "b.png"
    a.write_bytes(_png(scene))
    changed = scene.copy()
    changed[40:60, 70:90] = (255, 0, 255)
    b.write_bytes(_png(changed))
    target = tmp_path / "diff.png"
    code, out, err = cli("compare", str(a), str(b), "--json", "--diff-image", str(target))
    assert code == 1, err
    written = load_image(target).pixels
    expected = pictures.overlay(spotdiff.compare(a, b))
    np.testing.assert_array_equal(written, expected)
    assert not any(p.name.startswith(".diff") for p in tmp_path.iterdir())


def test_cli_diff_image_refuses_a_directory(cli, tmp_path, scene):
    a = tmp_path / "a.png"
    a.write_bytes(_png(scene))
    code, out, err = cli("compare", str(a), str(a), "--diff-image", str(tmp_path))
    assert code == 2 and err.count("\n") == 1 and "--diff-image" in err
    # a name ending in a separator is a folder to be, not a file name
    code, out, err = cli("compare", str(a), str(a), "--diff-image", f"{tmp_path}/diff.png/")
    assert code == 2 and "expected a file path" in err and not (tmp_path / "diff.png").exists()


def test_codec_switch_environment_variable(tmp_path, scene):
    """SPOTDIFF_PNG_CODEC=opencv: same answer from a fresh process."""
    a = tmp_path / "a.png"
    a.write_bytes(_png(scene))
    code = ("import spotdiff.io.image as m, spotdiff.io.write as w, numpy as np; "
            f"m.load_image({str(a)!r}); w.encode_png(np.zeros((4, 4, 3), np.uint8)); "
            "print(m._PNG_CODEC, w._FPNG)")
    env = {**os.environ, "SPOTDIFF_PNG_CODEC": "opencv"}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=env, check=True, cwd=Path(__file__).parent)
    assert out.stdout.split() == ["False", "False"]


def test_deferred_images_pickle(tmp_path, scene):
    import pickle

    a = tmp_path / "a.png"
    a.write_bytes(_png(scene))
    diff = spotdiff.compare(a, a)
    back = pickle.loads(pickle.dumps(diff))
    assert back.before.size == (160, 120)
    np.testing.assert_array_equal(back.after.pixels, scene)
