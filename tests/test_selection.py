"""Size policies, ignore/include masks and the default decision's noise
reading: each policy's effect, its record in the JSON, and every error path
(a mask of the wrong size, a polygon or box out of bounds, contradictory
options) as a one-line message with exit code 2.

References are independent of the code under test: the changed area is drawn
here with OpenCV, resized images come from ``cv2.resize``, JPEG copies from
``cv2.imencode``.
"""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest

import spotdiff
import spotdiff.engine
from spotdiff import threshold, windows
from spotdiff.errors import InputError
from spotdiff.render import font


def save(path, rgb: np.ndarray) -> str:  # noqa: ANN001
    img = rgb if rgb.ndim == 2 else rgb[:, :, ::-1]
    assert cv2.imwrite(str(path), img)
    return str(path)


@pytest.fixture
def changed(scene):
    """``scene`` with two separate changes: a box at (20..40, 70..90) and a
    disc around (130, 30)."""
    after = scene.copy()
    after[70:90, 20:40] = (255, 0, 255)
    cv2.circle(after, (130, 30), 8, (0, 0, 0), -1)
    return after


def one_line_error(code: int, err: str, *needles: str) -> None:
    assert code == 2
    assert err.startswith("spotdiff: error: ") and err.count("\n") == 1, err
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, err


# -- size policies -------------------------------------------------------------


def test_size_error_is_the_default_and_names_sizes_and_options(cli, tmp_path, scene):
    bigger = cv2.copyMakeBorder(scene, 0, 10, 0, 6, cv2.BORDER_REPLICATE)
    a, b = save(tmp_path / "a.png", scene), save(tmp_path / "b.png", bigger)
    code, out, err = cli("compare", a, b, "--json", "-o", str(tmp_path / "out"))
    one_line_error(code, err, "160x120", "166x130", "set size to 'pad', 'crop' or 'resize'")
    assert out == "" and not (tmp_path / "out").exists()


def test_size_pad_never_reports_the_padding(cli, tmp_path, scene):
    bigger = cv2.copyMakeBorder(scene, 0, 10, 0, 6, cv2.BORDER_CONSTANT, value=(255, 0, 0))
    d = spotdiff.compare(scene, bigger, size="pad")
    assert (d.width, d.height) == (166, 130)
    assert not d.different and not d.mask[120:].any() and not d.mask[:, 160:].any()
    assert d.info["compared_pixels"] == 160 * 120
    code, out, _ = cli("compare", save(tmp_path / "a.png", scene), save(tmp_path / "b.png", bigger),
                           "--size", "pad", "--json")
    payload = json.loads(out)
    assert code == 0 and payload["options"]["size"] == "pad"


def test_size_crop_keeps_the_common_area(scene, changed):
    smaller = np.ascontiguousarray(changed[:100, :150])
    d = spotdiff.compare(scene, smaller, size="crop")
    assert (d.width, d.height) == (150, 100) and d.options["size"] == "crop"
    assert d.regions.xyxy.tolist()[0] == [20, 70, 40, 90]


def test_size_resize_scales_after_to_before(scene):
    # AFTER is BEFORE at twice the size (a screenshot at another zoom): once
    # resized back, nothing changed; the resampling is not read as a change
    big = cv2.resize(scene, (320, 240), interpolation=cv2.INTER_CUBIC)
    d = spotdiff.compare(scene, big, size="resize")
    assert (d.width, d.height) == (160, 120) and d.options["size"] == "resize"
    assert not d.different and len(d.regions) == 0
    marked = big.copy()
    marked[190:230, 260:300] = (0, 0, 255)  # a 40x40 box at 2x = 20x20 at 1x
    d = spotdiff.compare(scene, marked, size="resize")
    assert len(d.regions) == 1
    x0, y0, x1, y1 = d.regions.xyxy[0]
    assert abs(x0 - 130) <= 2 and abs(y0 - 95) <= 2 and abs(x1 - 150) <= 2 and abs(y1 - 115) <= 2


def test_unknown_size_policy_is_refused(scene):
    with pytest.raises(InputError, match="size: expected one of error, pad"):
        spotdiff.compare(scene, scene[:100], size="stretch")


def test_align_with_a_size_policy_is_refused(cli, tmp_path, scene):
    a = save(tmp_path / "a.png", scene)
    code, _, err = cli("compare", a, a, "--align", "auto", "--size", "pad")
    one_line_error(code, err, "size='pad', align='auto'")


# -- ignore and include masks --------------------------------------------------


def test_ignore_boxes_are_repeatable_and_recorded(cli, tmp_path, scene, changed):
    a, b = save(tmp_path / "a.png", scene), save(tmp_path / "b.png", changed)
    code, out, _ = cli("compare", a, b, "--json", "--ignore", "15,65,45,95")
    payload = json.loads(out)
    assert code == 1 and payload["region_count"] == 1
    assert payload["options"]["ignore"] == [[15, 65, 45, 95]]
    code, out, _ = cli("compare", a, b, "--json", "--ignore", "15,65,45,95", "--ignore",
                           "118,18,142,42")
    payload = json.loads(out)
    assert code == 0 and payload["region_count"] == 0
    assert payload["compared_pixels"] == 160 * 120 - 30 * 30 - 24 * 24


def test_ignore_polygon_hides_only_what_it_covers(scene, changed):
    triangle = np.array([[10, 60], [60, 60], [10, 110]])  # covers the box's top-left half
    d = spotdiff.compare(scene, changed, ignore_polygons=[triangle])
    inside = spotdiff.compare(scene, changed).mask & ~d.mask
    poly = np.zeros((120, 160), np.uint8)
    cv2.fillPoly(poly, [triangle.reshape(-1, 1, 2).astype(np.int32)], 1)
    assert inside.any() and not (d.mask & poly.astype(bool)).any()
    assert len(d.regions) == 2 and d.options["ignore_polygons"] == 1


def test_ignore_mask_and_only_mask_files(cli, tmp_path, scene, changed):
    a, b = save(tmp_path / "a.png", scene), save(tmp_path / "b.png", changed)
    box = np.zeros((120, 160), np.uint8)
    box[60:100, 10:50] = 255
    m = save(tmp_path / "m.png", box)
    code, out, _ = cli("compare", a, b, "--json", "--ignore-mask", m)
    payload = json.loads(out)
    assert code == 1 and payload["region_count"] == 1  # the disc is left
    assert payload["options"]["ignore_mask"] == m
    code, out, _ = cli("compare", a, b, "--json", "--only-mask", m)
    payload = json.loads(out)
    assert payload["region_count"] == 1 and payload["regions"][0]["bbox"] == [20, 70, 40, 90]
    assert payload["options"]["only_mask"] == m and payload["compared_pixels"] == 40 * 40


def test_transparent_mask_selects_where_it_is_opaque(scene, changed):
    rgba = np.zeros((120, 160, 4), np.uint8)
    rgba[:, :, :3] = 255  # white everywhere: only alpha says where
    rgba[60:100, 10:50, 3] = 255
    d = spotdiff.compare(scene, changed, only_mask=rgba)
    assert d.regions.xyxy.tolist() == [[20, 70, 40, 90]]


def test_mask_of_the_wrong_size(cli, tmp_path, scene, changed):
    a, b = save(tmp_path / "a.png", scene), save(tmp_path / "b.png", changed)
    m = save(tmp_path / "m.png", np.full((60, 80), 255, np.uint8))
    for option in ("--ignore-mask", "--only-mask"):
        code, out, err = cli("compare", a, b, option, m, "-o", str(tmp_path / "out"))
        one_line_error(code, err, "160x120", "80x60")
        assert out == "" and not (tmp_path / "out").exists()


@pytest.mark.parametrize(
    ("polygon", "needle"),
    [("10,10 200,10 10,50", "inside 160x120"), ("-5,10 50,10 10,50", "inside 160x120")],
)
def test_polygon_out_of_bounds(cli, tmp_path, scene, changed, polygon, needle):
    a, b = save(tmp_path / "a.png", scene), save(tmp_path / "b.png", changed)
    code, _, err = cli("compare", a, b, "--ignore-polygon", polygon)
    one_line_error(code, err, "ignore polygon", needle)


def test_polygon_with_too_few_points(cli, tmp_path, scene):
    a = save(tmp_path / "a.png", scene)
    code, _, err = cli("compare", a, a, "--ignore-polygon", "10,10 20,20")
    assert code == 2 and "at least 3 points" in err and "Traceback" not in err
    with pytest.raises(InputError, match="at least 3"):
        spotdiff.compare(scene, scene, ignore_polygons=[np.array([[1, 1], [5, 5]])])


@pytest.mark.parametrize("box", ["0,0,161,10", "50,10,40,20", "0,-1,10,10", "5,5,5,9"])
def test_box_out_of_bounds_or_empty(cli, tmp_path, scene, changed, box):
    a, b = save(tmp_path / "a.png", scene), save(tmp_path / "b.png", changed)
    code, _, err = cli("compare", a, b, "--ignore", box)
    one_line_error(code, err, "ignore box", "x1 <= 160")


def test_masks_are_in_before_coordinates_after_alignment(scene):
    from skimage import data

    base = cv2.resize(data.astronaut(), (320, 320), interpolation=cv2.INTER_AREA)
    before = np.ascontiguousarray(base[20:260, 20:300])
    # AFTER's pixel (x, y) shows what BEFORE has at (x - 9, y + 7)
    after = np.ascontiguousarray(base[27:267, 11:291])
    after[100:130, 150:190] = (0, 255, 0)  # in BEFORE's pixels: x 141..181, y 107..137
    d = spotdiff.compare(before, after, align="auto")
    assert d.info["alignment"]["model"] == "translation"
    x0, y0, x1, y1 = d.regions.xyxy[0]
    assert abs(x0 - 141) <= 2 and abs(y0 - 107) <= 2 and abs(x1 - 181) <= 2 and abs(y1 - 137) <= 2
    hidden = spotdiff.compare(before, after, align="auto", ignore=[(136, 102, 186, 142)])
    assert len(hidden.regions) == 0


# -- the default decision reads the pair's noise -------------------------------


def _photo(name: str, side: int = 256) -> np.ndarray:
    from skimage import data

    img = getattr(data, name)()
    f = side / max(img.shape[:2])
    return cv2.resize(img, None, fx=f, fy=f, interpolation=cv2.INTER_AREA)


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1]


@pytest.mark.parametrize("quality", [70, 80, 90, 95])
@pytest.mark.parametrize("name", ["astronaut", "coffee", "rocket"])
def test_jpeg_reencoding_gives_no_regions(name, quality):
    before = _photo(name)
    d = spotdiff.compare(before, _jpeg(before, quality))
    assert len(d.regions) == 0 and not d.different
    assert d.info["noise"] >= threshold.LOSSLESS_NOISE  # read as a lossy pair


def test_one_pixel_in_a_lossless_photo_is_a_difference():
    before = _photo("chelsea")
    after = before.copy()
    after[100, 100] = 255 - after[100, 100]
    d = spotdiff.compare(before, after)
    assert d.info["noise"] == 0.0 and d.different and d.regions.xyxy.tolist() == [
        [100, 100, 101, 101]]


def _drawn(dx: float) -> np.ndarray:
    """Anti-aliased shapes drawn at a sub-pixel offset (1/16 px precision)."""
    img = np.full((120, 200, 3), 235, np.uint8)
    s = 16
    cv2.circle(img, (int((60 + dx) * s), 60 * s), 30 * s, (40, 90, 200), -1, cv2.LINE_AA, 4)
    cv2.line(img, (int((100 + dx) * s), 20 * s), (int((180 + dx) * s), 100 * s), (20, 20, 20), 2,
             cv2.LINE_AA, 4)
    return img


@pytest.mark.parametrize("dx", [0.125, 0.25])
def test_antialiased_edges_give_no_regions(dx):
    before, after = _drawn(0.0), _drawn(dx)
    assert (cv2.absdiff(before, after).max(axis=2) > 0).sum() > 300  # the edges differ
    d = spotdiff.compare(before, after)
    assert not d.different and len(d.regions) == 0
    assert spotdiff.compare(before, after, include_aa=True).different


def test_a_changed_object_close_to_the_background_is_one_filled_region():
    # a patch of the photo's own texture, moved: colours close to what was
    # there; with JPEG noise on both sides
    base = _photo("coffee", 320)
    h, w = base.shape[:2]
    obj = np.zeros((h, w), np.uint8)
    cv2.ellipse(obj, (200, 150), (40, 28), 20, 0, 360, 1, -1)
    moved = np.roll(base, (23, 31), axis=(0, 1))
    after = base.copy()
    after[obj.astype(bool)] = moved[obj.astype(bool)]
    d = spotdiff.compare(_jpeg(base, 92), _jpeg(after, 85))
    assert len(d.regions) == 1
    truth = obj.astype(bool)
    assert (d.mask & truth).sum() / (d.mask | truth).sum() > 0.8


# -- lossless pairs are processed in windows around the changes ----------------


def _antialiased_text(canvas, text, xy, color, cell=3):
    """Text with anti-aliased edges, the same on every OpenCV build: spotdiff's
    bitmap font drawn in ``cell``-px cells, then averaged over 2x2 blocks."""
    ink = font.text_mask(text, cell)
    ink = np.pad(ink, ((0, ink.shape[0] % 2), (0, ink.shape[1] % 2)))
    h, w = ink.shape[0] // 2, ink.shape[1] // 2
    cover = ink.reshape(h, 2, w, 2).mean(axis=(1, 3))[:, :, None]
    x, y = xy
    h, w = min(h, canvas.shape[0] - y), min(w, canvas.shape[1] - x)
    patch = canvas[y:y + h, x:x + w].astype(np.float64)
    blend = patch * (1 - cover[:h, :w]) + np.array(color, np.float64) * cover[:h, :w]
    canvas[y:y + h, x:x + w] = np.round(blend).astype(np.uint8)


def test_windowed_default_equals_the_whole_image_pass(monkeypatch):
    rng = np.random.default_rng(4)
    before = np.full((600, 800, 3), 245, np.uint8)
    for i in range(40):  # anti-aliased text all over
        _antialiased_text(before, f"line {i}",
                          (int(rng.integers(0, 700)), int(rng.integers(10, 580))), (20, 20, 20))
    after = before.copy()
    after[40:60, 50:90] = (200, 30, 30)  # a box
    _antialiased_text(after, "new", (600, 478), (0, 0, 160), cell=5)  # its top half ignored
    after[300, 400] = (0, 0, 0)  # one pixel
    after[305:309, 404:408] = (250, 250, 250)  # a faint speck next to it
    assert windows.change_windows(before, after) is not None
    windowed = spotdiff.compare(before, after, ignore=[(590, 470, 640, 490)])
    monkeypatch.setattr(spotdiff.engine, "change_windows", lambda b, a: None)
    whole = spotdiff.compare(before, after, ignore=[(590, 470, 640, 490)])
    np.testing.assert_array_equal(windowed.mask, whole.mask)
    np.testing.assert_allclose(windowed.diff_map, whole.diff_map, atol=1e-3)
    assert windowed.changed_pixels == whole.changed_pixels
    assert windowed.regions.xyxy.tolist() == whole.regions.xyxy.tolist()
    assert windowed.regions.area.tolist() == whole.regions.area.tolist()
    np.testing.assert_allclose(windowed.regions.centroid, whole.regions.centroid)
    assert windowed.score == pytest.approx(whole.score, abs=1e-6)
    assert [len(p) for p in windowed.regions.polygons] == [len(p) for p in whole.regions.polygons]
    assert len(whole.regions) >= 3 and list(whole.regions.area) == sorted(whole.regions.area,
                                                                          reverse=True)


# -- what is not compared cannot shape what is -------------------------------------------------


def _jpeg_pair_with_a_change(name: str = "coffee") -> tuple[np.ndarray, np.ndarray]:
    before = _jpeg(_photo(name), 85)
    after = before.copy()
    h, w = after.shape[:2]
    cv2.rectangle(after, (w // 2, h - 90), (w // 2 + 80, h - 30), (40, 200, 60), -1)
    return before, _jpeg(after, 85)


def test_size_pad_finds_a_change_at_the_edge_as_crop_does():
    # the padding differs by anything from the image; it must not raise the
    # noise floor next to it nor make the pair look lossless
    before, after = _jpeg_pair_with_a_change()
    h, w = before.shape[:2]
    smaller = np.ascontiguousarray(after[: h - 20, : w - 40])
    crop = spotdiff.compare(before, smaller, size="crop")
    pad = spotdiff.compare(before, smaller, size="pad")
    assert len(crop.regions) == 1 and len(pad.regions) == 1
    (cx0, cy0, cx1, cy1), (px0, py0, px1, py1) = crop.regions.xyxy[0], pad.regions.xyxy[0]
    assert max(abs(px0 - cx0), abs(py0 - cy0), abs(px1 - cx1), abs(py1 - cy1)) <= 6
    assert abs(pad.changed_pixels - crop.changed_pixels) <= 0.15 * crop.changed_pixels
    assert pad.info["noise"] == pytest.approx(crop.info["noise"], rel=0.25)
    assert not pad.diff_map[h - 20:].any() and not pad.diff_map[:, w - 40:].any()


def test_an_ignored_area_does_not_leak_into_the_rest():
    before, after = _jpeg_pair_with_a_change()
    plain = spotdiff.compare(before, after)
    busy = after.copy()
    top = busy.shape[0] // 2
    busy[:top] = np.random.default_rng(0).integers(0, 256, busy[:top].shape, np.uint8)
    d = spotdiff.compare(before, busy, ignore=[(0, 0, busy.shape[1], top)])
    assert len(d.regions) == len(plain.regions) == 1
    assert np.abs(d.regions.xyxy[0] - plain.regions.xyxy[0]).max() <= 6
    assert not d.diff_map[:top].any()


def test_score_covers_the_compared_pixels_only():
    before = np.zeros((100, 100, 3), np.uint8)
    after = before.copy()
    after[:50] = 255  # ignored below
    after[70:80, 70:80] = 51  # 100 pixels at 51 of 255 among the 5000 compared
    d = spotdiff.compare(before, after, method="absdiff", threshold=10,
                         ignore=[(0, 0, 100, 50)])
    assert d.changed_pixels == 100 and d.info["compared_pixels"] == 5000
    assert d.score == pytest.approx(1 - 100 * 51 / 255 / 5000)


@pytest.mark.parametrize("name", ["astronaut", "chelsea", "rocket", "coffee"])
def test_an_edited_jpeg_saved_again_gives_the_edit_whole(name):
    # Re-saving a decoded JPEG at its quality reproduces many blocks bit for
    # bit: the pair must still read as lossy (its other differences are one or
    # two levels), and a change a third of the image wide must not raise the
    # noise floor over itself (it came out as fragments of its outline).
    before, after = _jpeg_pair_with_a_change(name)
    h, w = before.shape[:2]
    d = spotdiff.compare(before, after)
    assert d.info["noise"] >= threshold.LOSSLESS_NOISE
    assert len(d.regions) == 1
    x0, y0, x1, y1 = d.regions.xyxy[0]
    truth = (w // 2, h - 90, w // 2 + 81, h - 29)
    inter = max(0, min(x1, truth[2]) - max(x0, truth[0])) * \
        max(0, min(y1, truth[3]) - max(y0, truth[1]))
    union = (x1 - x0) * (y1 - y0) + 81 * 61 - inter
    assert inter / union > 0.85


def test_a_thin_selection_does_not_make_a_jpeg_pair_lossless():
    # a one-pixel row is all edge: too thin to read noise in once eroded
    before = _jpeg(_photo("coffee"), 90)
    after = _jpeg(before, 80)  # re-encoded, nothing changed
    only = np.zeros(before.shape[:2], np.uint8)
    only[100, :] = 255
    only[::9, ::9] = 255  # and a dotted grid
    d = spotdiff.compare(before, after, only_mask=only)
    assert not d.different and d.info["noise"] >= threshold.LOSSLESS_NOISE


def test_ssim_score_restricted_is_the_mean_over_the_selection():
    before = _photo("astronaut")
    after = before.copy()
    after[20:60, 20:60] = 0  # outside the selection
    only = np.zeros(before.shape[:2], np.uint8)
    only[150:200, 150:200] = 255
    whole = spotdiff.compare(before, after, method="ssim")
    part = spotdiff.compare(before, after, method="ssim", only_mask=only)
    assert whole.score < 0.99
    assert part.score == pytest.approx(1.0, abs=1e-6)
    tiny = np.zeros_like(only)
    tiny[30:32, 30:32] = 255  # inside the change
    assert -1.0 <= spotdiff.compare(before, after, method="ssim", only_mask=tiny).score <= 1.0


def test_units_are_the_methods_when_every_difference_is_ignored():
    before = np.full((600, 600, 3), 200, np.uint8)
    after = before.copy()
    after[10:40, 10:40] = 0
    d = spotdiff.compare(before, after, ignore=[(0, 0, 50, 50)])
    assert not d.different and d.units == spotdiff.compare(before, after).units != ""
