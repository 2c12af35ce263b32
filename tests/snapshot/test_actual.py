"""What image_snapshot accepts: arrays, PIL images, encoded bytes and paths,
and the bytes a baseline gets from each."""

from __future__ import annotations

import io

import cv2
import numpy as np
import pytest

from spotdiff.errors import InputError
from spotdiff.io.image import decode_image
from spotdiff.snapshot.actual import check_name, read_actual


@pytest.fixture
def rgb(scene) -> np.ndarray:
    return scene


def png_bytes(rgb: np.ndarray) -> bytes:
    return cv2.imencode(".png", rgb[:, :, ::-1])[1].tobytes()


def test_an_array_is_encoded_in_the_names_format(rgb):
    actual = read_actual(rgb)
    data = actual.baseline_bytes(".png")
    assert data.startswith(b"\x89PNG") and (decode_image(data, name="x").pixels == rgb).all()
    jpeg = actual.baseline_bytes(".jpg")
    assert jpeg.startswith(b"\xff\xd8\xff")


def test_encoded_bytes_in_the_names_format_are_written_as_they_are(rgb, tmp_path):
    data = png_bytes(rgb)
    assert read_actual(data).baseline_bytes(".png") is data
    assert (read_actual(bytearray(data)).image.pixels == rgb).all()
    path = tmp_path / "shot.png"
    path.write_bytes(data)
    assert read_actual(path).baseline_bytes(".png") == data
    assert read_actual(str(path)).baseline_bytes(".PNG") == data
    # JPEG bytes under a .png name: the decoded pixels, losslessly
    jpeg = cv2.imencode(".jpg", rgb[:, :, ::-1])[1].tobytes()
    from_jpeg = read_actual(jpeg)
    written = from_jpeg.baseline_bytes(".png")
    assert written.startswith(b"\x89PNG")
    assert (decode_image(written, name="x").pixels == from_jpeg.image.pixels).all()


def test_float_arrays_become_16_bit_files():
    ramp = np.linspace(0, 1, 64 * 48 * 3, dtype=np.float32).reshape(48, 64, 3)
    data = read_actual(ramp, data_range=1.0).baseline_bytes(".png")
    back = decode_image(data, name="x")
    assert back.pixels.dtype == np.uint16
    assert np.abs(back.pixels / 65535.0 - ramp).max() < 1e-4


def test_pil_images_are_read_without_pillow_being_a_dependency(rgb):
    Image = pytest.importorskip("PIL.Image", reason="Pillow is not installed")
    image = Image.fromarray(rgb)
    assert (read_actual(image).image.pixels == rgb).all()
    gray = Image.fromarray(rgb[:, :, 1])
    assert read_actual(gray).image.pixels.shape == (*rgb.shape[:2], 1)
    palette = image.convert("P", palette=Image.Palette.ADAPTIVE, colors=16)
    assert (read_actual(palette).image.pixels == np.asarray(palette.convert("RGB"))).all()
    rgba = image.convert("RGBA")
    rgba.putpixel((0, 0), (1, 2, 3, 0))
    assert read_actual(rgba).image.pixels.shape[2] == 4
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    assert (read_actual(buffer.getvalue()).image.pixels == rgb).all()


@pytest.mark.parametrize("name", ["", "/abs.png", "../up.png", "a/../b.png", "c:x.png",
                                  "noext", "a.gif", 3])
def test_bad_names_are_refused(name):
    with pytest.raises(InputError, match="image_snapshot name"):
        check_name(name)


def test_good_names_are_kept():
    assert check_name("login/form.PNG") == "login/form.PNG"
    assert check_name("a\\b.jpg") == "a/b.jpg"
