"""The default compare explains the global part of a difference first
(spotdiff.decompose): a shift, a change of light, line art registered to a
fraction of a pixel; then it reports the local changes."""

from __future__ import annotations

import io
import json

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff.cli import main
from spotdiff.decompose import explain_global, mostly_equal
from spotdiff.errors import InputError
from spotdiff.evalset.inspection import make_inspection_pairs


@pytest.fixture(scope="module")
def photo() -> np.ndarray:
    from skimage import data

    return np.ascontiguousarray(data.astronaut()[::2, ::2])  # 256x256, lossless


def _shift(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, img.shape[1::-1], flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REFLECT)


def _light(img: np.ndarray, gain, offset=0.0, gamma: float = 1.0) -> np.ndarray:
    x = img.astype(np.float32) / 255.0
    out = 255.0 * x ** gamma * np.float32(gain) + np.float32(offset)
    return np.clip(np.rint(out), 0, 255).astype(np.uint8)


def test_a_shift_alone_is_one_global_change_without_regions(photo):
    after = _shift(photo, 3, -2)
    d = spotdiff.compare(photo, after)
    g = d.to_dict()["global"]
    assert g["model"] == "translation" and g["shift"] == pytest.approx([3, -2], abs=0.1)
    assert len(d.regions) == 0 and d.different and g["significant"]
    assert g["explained_fraction"] > 0.9
    # accepted explicitly: the same pair is the same
    assert not spotdiff.compare(photo, after, allow_shift=3).different
    assert spotdiff.compare(photo, after, allow_shift=2).different
    # and with the global model off, the shift shows everywhere
    assert len(spotdiff.compare(photo, after, decompose=False).regions) > 5


@pytest.mark.parametrize("kind", ["brighter", "white balance", "gamma"])
def test_a_change_of_light_alone_is_explained(photo, kind):
    gain, gamma = {"brighter": (1.2, 1.0), "white balance": ((0.9, 1.0, 1.12), 1.0),
                   "gamma": (1.0, 0.75)}[kind]
    after = _light(photo, gain, gamma=gamma)
    d = spotdiff.compare(photo, after)
    assert len(d.regions) == 0 and d.different  # a global change is still a change
    g = d.info["global"]
    assert g["model"] == "none" and g["light_levels"] > 2
    if kind == "brighter":
        assert g["gain"] == pytest.approx([1.2] * 3, abs=0.03)
    elif kind == "white balance":
        assert g["gain"] == pytest.approx([0.9, 1.0, 1.12], abs=0.03)
    else:
        assert np.mean(g["gamma"]) == pytest.approx(0.75, abs=0.08)
    assert not spotdiff.compare(photo, after, allow_lighting=True).different
    assert not spotdiff.compare(photo, after, profile="photo").different


def test_a_large_change_is_not_absorbed_by_the_light(photo):
    """Half of the frame replaced, the rest 25 % darker and shifted: the
    light is read on the unchanged half only, and the change comes back whole."""
    from skimage import data

    changed = photo.copy()
    other = cv2.resize(data.coffee(), (256, 256), interpolation=cv2.INTER_AREA)
    changed[:, :128] = other[:, :128]
    after = _light(_shift(changed, 1.5, 0.5), 0.75, 4)
    d = spotdiff.compare(photo, after)
    g = d.info["global"]
    assert g["gain"] == pytest.approx([0.75] * 3, abs=0.04)
    assert g["shift"] == pytest.approx([1.5, 0.5], abs=0.15)
    truth = np.zeros(photo.shape[:2], bool)
    truth[:, :128] = True
    iou = (d.mask & truth).sum() / (d.mask | truth).sum()
    assert iou > 0.85 and len(d.regions) == 1


def test_line_art_half_a_pixel_off_and_jpeg_shows_only_its_defect():
    cases = list(make_inspection_pairs(seed=0, kinds=("board", "board-clean")))
    defects = [c for c in cases if c.kind == "board"]
    clean = [c for c in cases if c.kind == "board-clean"]
    for c in clean:
        d = spotdiff.compare(c.before, c.after)
        assert len(d.regions) == 0, c.name
        assert d.info["global"]["edge_tolerance"] == 1
    hit, ious = 0, []
    for c in defects:
        d = spotdiff.compare(c.before, c.after)
        assert all((d.mask[y0:y1, x0:x1] & c.mask[y0:y1, x0:x1]).any()
                   for x0, y0, x1, y1 in d.regions.xyxy), c.name  # no false region
        hit += len(d.regions) > 0
        ious.append((d.mask & c.mask).sum() / (d.mask | c.mask).sum())
    assert hit >= 0.9 * len(defects)
    # the defect comes back whole, its part beside the edges included (edge_extent)
    assert np.mean(ious) > 0.78


def test_lossless_pairs_are_compared_as_they_are(photo):
    after = photo.copy()
    after[100:110, 50:60] = (255, 0, 0)
    assert mostly_equal(photo, after, 255)
    assert explain_global(photo, after, data_range=255) is None
    d = spotdiff.compare(photo, after)
    assert "global" not in d.info and d.regions.xyxy.tolist() == [[50, 100, 60, 110]]


def test_a_jpeg_reencode_alone_has_no_global_part(photo):
    ok, buf = cv2.imencode(".jpg", photo, [cv2.IMWRITE_JPEG_QUALITY, 80])
    after = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    d = spotdiff.compare(photo, after)
    assert "global" not in d.info and not d.different


def test_options_are_checked_and_profiles_set_them():
    o = spotdiff.CompareOptions(profile="camera")
    assert (o.allow_shift, o.allow_lighting, o.decompose) == (2.0, True, True)
    assert spotdiff.CompareOptions(profile="screenshot").decompose is False
    # a value given explicitly wins over the profile's
    assert spotdiff.CompareOptions(profile="camera", allow_shift=5).allow_shift == 5
    with pytest.raises(InputError, match="profile"):
        spotdiff.CompareOptions(profile="drawing")
    with pytest.raises(InputError, match="allow_shift"):
        spotdiff.CompareOptions(allow_shift=-1)
    record = spotdiff.CompareOptions(profile="scan").to_dict()
    assert record["profile"] == "scan" and record["allow_shift"] == 1.0


def test_cli_says_the_global_part_in_words(tmp_path, photo):
    before, after = tmp_path / "b.png", tmp_path / "a.png"
    cv2.imwrite(str(before), photo)
    cv2.imwrite(str(after), _light(_shift(photo, 3, 0), 1.2))
    err = io.StringIO()
    assert main(["compare", str(before), str(after)], stdout=io.StringIO(), stderr=err) == 1
    line = err.getvalue().splitlines()[0]
    assert "shifted by (3, 0) px" in line and "20 % brighter" in line and "0 region" in line
    out = io.StringIO()
    code = main(["compare", str(before), str(after), "--json", "--allow-shift", "3",
                 "--allow-lighting"], stdout=out, stderr=io.StringIO())
    assert code == 0 and json.loads(out.getvalue())["global"]["significant"]
    code = main(["compare", str(before), str(after), "--profile", "photo"],
                stdout=io.StringIO(), stderr=io.StringIO())
    assert code == 0


def test_a_quick_look_at_a_large_pair_sees_light_and_motion():
    """quick_look on the pair reduced: a JPEG re-encode with a local change
    is still and equally lit (the full model is skipped); a shift of a third
    of a pixel moves, 10 % more light changes the light."""
    from skimage import data

    from spotdiff.decompose import quick_look

    photo = np.ascontiguousarray(data.astronaut())  # 512x512: reduced 2x or more
    changed = photo.copy()
    changed[300:340, 200:260] = (250, 40, 40)
    ok, buf = cv2.imencode(".jpg", changed, [cv2.IMWRITE_JPEG_QUALITY, 85])
    after = cv2.imdecode(buf, cv2.IMREAD_UNCHANGED)
    look = quick_look(photo, after, 255)
    assert look is not None and look.still and look.same_light
    assert explain_global(photo, after, data_range=255) is None
    moved = quick_look(photo, _shift(after, 0.33, 0), 255)
    assert moved is not None and not moved.still
    lit = quick_look(photo, _light(after, 1.1), 255)
    assert lit is None or not lit.same_light
    assert quick_look(photo[::2, ::2], after[::2, ::2], 255) is None  # too small to judge
