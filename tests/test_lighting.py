"""Lighting compensation: a change of light alone gives no regions, a real
change under changed light is still found.

Photos are scikit-image's (astronaut, coffee, chelsea) at 256 pixels; the
lighting changes are written out here as formulas, independent of the code
under test.
"""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff.cli import main
from spotdiff.lighting import compensate_lighting

skimage = pytest.importorskip("skimage")
from skimage import data  # noqa: E402

PHOTOS = ("astronaut", "coffee", "chelsea")
LIGHTS = ("gain_offset", "ramp", "vignette")


def photo(name: str) -> np.ndarray:
    img = getattr(data, name)()
    f = 256 / max(img.shape[:2])
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def relit(img: np.ndarray, light: str) -> np.ndarray:
    h, w = img.shape[:2]
    y, x = np.mgrid[0:h, 0:w].astype(np.float64)
    v = img.astype(np.float64)
    if light == "gain_offset":  # per channel, within +-25% and +-20
        out = v * np.array([1.25, 0.8, 1.1]) + np.array([-20.0, 20.0, 8.0])
    elif light == "ramp":  # 0.8 at the left edge to 1.2 at the right
        out = v * (0.8 + 0.4 * x / (w - 1))[..., None]
    else:  # radial vignette, 35% darker in the corners
        r2 = ((x - (w - 1) / 2) ** 2 + (y - (h - 1) / 2) ** 2) / ((w / 2) ** 2 + (h / 2) ** 2)
        out = v * (1.0 - 0.35 * r2)[..., None]
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def with_object(img: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    out = img.copy()
    h, w = img.shape[:2]
    x0, y0 = int(0.6 * w), int(0.5 * h)
    out[y0:y0 + 30, x0:x0 + 36] = (30, 160, 240)
    return out, (x0, y0, x0 + 36, y0 + 30)


def recoloured(img: np.ndarray) -> tuple[np.ndarray, tuple[int, int, int, int]]:
    """A patch whose red and blue swap: same brightness structure, other colour."""
    out = img.copy()
    x0, y0 = 40, 40
    out[y0:y0 + 32, x0:x0 + 32] = out[y0:y0 + 32, x0:x0 + 32, ::-1]
    return out, (x0, y0, x0 + 32, y0 + 32)


def overlaps(found: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    x0, y0, x1, y1 = box
    hit = (found[:, 0] < x1) & (found[:, 2] > x0) & (found[:, 1] < y1) & (found[:, 3] > y0)
    return bool(hit.any())


@pytest.mark.parametrize("light", LIGHTS)
@pytest.mark.parametrize("name", PHOTOS)
def test_lighting_alone_gives_no_regions(name, light):
    before = photo(name)
    after = relit(before, light)
    # the change of light shows: most pixels differ by more than ΔE 3
    assert spotdiff.compare(before, after, threshold=3).changed_fraction > 0.5
    d = spotdiff.compare(before, after, ignore_lighting=True)
    assert not d.different and len(d.regions) == 0
    # not hidden by the automatic threshold either: nothing reaches ΔE 3
    assert spotdiff.compare(before, after, ignore_lighting=True, threshold=3).changed_pixels == 0
    assert d.options["ignore_lighting"] is True and "lighting" in d.to_dict()


@pytest.mark.parametrize("light", LIGHTS)
@pytest.mark.parametrize("name", PHOTOS)
def test_object_under_changed_light_is_found(name, light):
    before = photo(name)
    after, box = with_object(relit(before, light))
    d = spotdiff.compare(before, after, ignore_lighting=True)
    assert d.different and len(d.regions) == 1
    x0, y0, x1, y1 = d.regions.xyxy[0]
    bx0, by0, bx1, by1 = box
    assert abs(x0 - bx0) <= 2 and abs(y0 - by0) <= 2 and abs(x1 - bx1) <= 2 and abs(y1 - by1) <= 2


def test_recoloured_patch_under_changed_light_is_found():
    before = photo("astronaut")
    after, box = recoloured(relit(before, "gain_offset"))
    d = spotdiff.compare(before, after, ignore_lighting=True)
    assert d.different and overlaps(d.regions.xyxy, box)


def test_estimated_gain_and_offset_are_recorded():
    before = photo("coffee")
    _, info = compensate_lighting(before, relit(before, "gain_offset"), data_range=255)
    np.testing.assert_allclose(info["gain"], [1.25, 0.8, 1.1], atol=0.01)
    np.testing.assert_allclose(info["offset"], [-20.0, 20.0, 8.0], atol=1.5)
    _, info = compensate_lighting(before, relit(before, "ramp"), data_range=255)
    assert info["gain_range"] == pytest.approx([0.8, 1.2], abs=0.01)


def test_lighting_with_alignment_and_cli(tmp_path):
    base = cv2.resize(data.astronaut(), (300, 300), interpolation=cv2.INTER_AREA)
    before = np.ascontiguousarray(base[20:276, 20:276])
    after = relit(np.ascontiguousarray(base[24:280, 13:269]), "ramp")  # moved by (7, -4)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    cv2.imwrite(str(a), before[:, :, ::-1])
    cv2.imwrite(str(b), after[:, :, ::-1])
    out = io.StringIO()
    code = main(["compare", str(a), str(b), "--align", "auto", "--ignore-lighting", "--json"],
                stdout=out, stderr=io.StringIO())
    payload = json.loads(out.getvalue())
    assert code == 0 and payload["region_count"] == 0
    assert payload["alignment"]["model"] == "translation"
    assert payload["lighting"]["gain_range"] == pytest.approx([0.8, 1.2], abs=0.02)
