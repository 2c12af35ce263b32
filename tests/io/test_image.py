"""Loading: formats, depths, alpha, EXIF orientation, and every bad-input path."""

from __future__ import annotations

import struct

import cv2
import numpy as np
import pytest

from spotdiff import InputError, load_image
from spotdiff.io.image import decode_image


def _write(path, rgb):
    bgr = rgb[:, :, ::-1] if rgb.ndim == 3 and rgb.shape[2] == 3 else rgb
    if rgb.ndim == 3 and rgb.shape[2] == 4:
        bgr = cv2.cvtColor(rgb, cv2.COLOR_RGBA2BGRA)
    assert cv2.imwrite(str(path), np.ascontiguousarray(bgr))
    return path


@pytest.mark.parametrize("ext", [".png", ".bmp", ".tiff", ".webp"])
def test_lossless_formats_round_trip_rgb(tmp_path, scene, ext):
    params = [cv2.IMWRITE_WEBP_QUALITY, 101] if ext == ".webp" else []
    path = tmp_path / f"img{ext}"
    assert cv2.imwrite(str(path), scene[:, :, ::-1].copy(), params)
    img = load_image(path)
    assert img.pixels.shape == (120, 160, 3)
    assert img.data_range == 255
    np.testing.assert_array_equal(img.pixels, scene)


def test_jpeg_decodes_close_to_source(tmp_path, scene):
    path = tmp_path / "a.jpg"
    cv2.imwrite(str(path), scene[:, :, ::-1].copy(), [cv2.IMWRITE_JPEG_QUALITY, 95])
    img = load_image(path)
    assert img.format == "jpeg"
    assert np.abs(img.pixels.astype(int) - scene).mean() < 3


def test_gray_and_16_bit_png(tmp_path):
    gray = (np.arange(64 * 32, dtype=np.uint16).reshape(32, 64) * 31).astype(np.uint16)
    _write(tmp_path / "g16.png", gray)
    img = load_image(tmp_path / "g16.png")
    assert img.pixels.dtype == np.uint16 and img.pixels.shape == (32, 64, 1)
    assert img.data_range == 65535
    np.testing.assert_array_equal(img.pixels[:, :, 0], gray)


def test_rgba_keeps_alpha_and_drops_opaque_alpha(tmp_path, scene):
    rgba = np.dstack([scene, np.full(scene.shape[:2], 255, np.uint8)])
    _write(tmp_path / "opaque.png", rgba)
    assert load_image(tmp_path / "opaque.png").channels == 3
    rgba[0, 0, 3] = 10
    _write(tmp_path / "alpha.png", rgba)
    img = load_image(tmp_path / "alpha.png")
    assert img.channels == 4 and img.pixels[0, 0, 3] == 10
    np.testing.assert_array_equal(img.pixels[:, :, :3], scene)


def _with_exif_orientation(jpeg: bytes, orientation: int) -> bytes:
    """Insert a minimal APP1 Exif segment holding only the orientation tag."""
    ifd = struct.pack(">H", 1) + struct.pack(">HHIHH", 0x0112, 3, 1, orientation, 0)
    ifd += struct.pack(">I", 0)
    tiff = b"MM\x00*" + struct.pack(">I", 8) + ifd
    payload = b"Exif\x00\x00" + tiff
    app1 = b"\xff\xe1" + struct.pack(">H", len(payload) + 2) + payload
    return jpeg[:2] + app1 + jpeg[2:]


def test_jpeg_exif_orientation_is_applied(tmp_path):
    img = np.zeros((40, 80, 3), np.uint8)
    img[:, :40] = 255  # white left half
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 100])
    rotated = _with_exif_orientation(buf.tobytes(), 6)  # 6 = rotate 90 degrees clockwise
    out = decode_image(rotated, name="r.jpg")
    assert out.pixels.shape[:2] == (80, 40)
    # after a clockwise turn, the former left half is on top
    assert out.pixels[:40].mean() > 200 and out.pixels[40:].mean() < 50


def test_arrays_are_validated():
    a = np.zeros((4, 5, 3), np.uint8)
    assert load_image(a).data_range == 255
    assert load_image(np.zeros((4, 5), np.uint16)).data_range == 65535
    with pytest.raises(InputError, match="data_range"):
        load_image(np.zeros((4, 5, 3), np.float32))
    assert load_image(np.zeros((4, 5, 3), np.float64), data_range=1.0).pixels.dtype == np.float32
    with pytest.raises(InputError, match=r"shape \(4, 5, 2\)"):
        load_image(np.zeros((4, 5, 2), np.uint8))
    with pytest.raises(InputError, match="dtype int32"):
        load_image(np.zeros((4, 5, 3), np.int32))
    with pytest.raises(InputError, match="NaN"):
        load_image(np.full((4, 5), np.nan, np.float32), data_range=1.0)
    with pytest.raises(InputError, match="a path or a numpy array"):
        load_image(42)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "content, match",
    [
        (b"", "empty file"),
        (b"GIF89a" + b"\x00" * 20, "GIF"),
        (b"hello world, not an image", "PNG, JPEG, BMP, TIFF or WebP"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 40 + b"IEND\xaeB`\x82", "corrupt"),
    ],
)
def test_bad_files_have_clear_messages(tmp_path, content, match):
    path = tmp_path / "bad.png"
    path.write_bytes(content)
    with pytest.raises(InputError, match=match) as info:
        load_image(path)
    assert "expected" in str(info.value) and "\n" not in str(info.value)


@pytest.mark.parametrize("ext", [".png", ".jpg"])
def test_truncated_files_are_refused(tmp_path, scene, ext):
    ok, buf = cv2.imencode(ext, scene)
    path = tmp_path / f"cut{ext}"
    path.write_bytes(buf.tobytes()[: len(buf) // 2])
    with pytest.raises(InputError, match="ends early"):
        load_image(path)


def test_missing_file_and_directory(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        load_image(tmp_path / "nope.png")
    with pytest.raises(InputError, match="a directory"):
        load_image(tmp_path)


def test_png_without_closing_chunk_decodes(tmp_path, scene):
    # some tools (odiff) write PNGs whose chunks are all whole but whose
    # closing IEND chunk is missing; the pixels are all there
    ok, buf = cv2.imencode(".png", scene)
    data = buf.tobytes()
    assert data.endswith(b"IEND\xaeB`\x82")
    path = tmp_path / "no-iend.png"
    path.write_bytes(data[:-12])
    np.testing.assert_array_equal(load_image(path).pixels, scene[:, :, ::-1])
    # cut inside a chunk: still refused
    path.write_bytes(data[:-40])
    with pytest.raises(InputError, match="ends early"):
        load_image(path)


@pytest.mark.parametrize("codec", ["opencv", "auto"])
def test_a_corrupt_png_gives_one_line_with_the_decoders_reason(tmp_path, codec):
    # libpng inside OpenCV prints its error on descriptor 2 before OpenCV
    # returns nothing: the command must still print one line, with the reason
    import os
    import subprocess
    import sys

    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (64, 80, 3), np.uint8)
    ok, buf = cv2.imencode(".png", image)
    data = bytearray(buf.tobytes())
    mid = len(data) // 2
    data[mid:mid + 300] = rng.integers(0, 256, 300, np.uint8).tobytes()
    good, bad = tmp_path / "good.png", tmp_path / "bad.png"
    cv2.imwrite(str(good), image)
    bad.write_bytes(bytes(data))
    env = {**os.environ, "SPOTDIFF_PNG_CODEC": codec}
    run = subprocess.run([sys.executable, "-m", "spotdiff", "compare", str(good), str(bad)],
                         capture_output=True, text=True, env=env)
    assert run.returncode == 2
    assert run.stderr.count("\n") == 1 and run.stderr.startswith("spotdiff: error: "), run.stderr
    assert "bad.png" in run.stderr and "corrupt" in run.stderr


def test_an_rgba_arrays_opaque_alpha_is_dropped_when_read_and_kept_for_alpha_methods():
    from spotdiff.io.image import pixels_with_alpha

    rgba = np.zeros((5, 6, 4), np.uint8)
    rgba[..., 3] = 255
    image = load_image(rgba)
    assert pixels_with_alpha(image) is rgba  # as given, no copy
    assert image.size == (6, 5) and "pixels" not in vars(image)
    assert image.pixels.shape == (5, 6, 3) and image.channels == 3
    rgba[0, 0, 3] = 7  # translucent: kept
    assert load_image(rgba).pixels.shape == (5, 6, 4)
    plain = load_image(np.zeros((5, 6, 3), np.uint8))
    assert pixels_with_alpha(plain) is plain.pixels
