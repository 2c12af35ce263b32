"""The compare pipeline end to end, through the library API."""

from __future__ import annotations

import json

import numpy as np
import pytest

import spotdiff
from spotdiff import InputError


def test_identical_inputs_are_not_different(scene):
    d = spotdiff.compare(scene, scene.copy())
    assert not d.different
    assert d.changed_pixels == 0 and d.changed_fraction == 0
    assert len(d.regions) == 0 and not d.mask.any()
    assert d.score == 1.0


@pytest.mark.parametrize("method", ["color", "absdiff"])
def test_one_block_changed_gives_one_exact_region(scene, method):
    after = scene.copy()
    after[30:50, 60:100] = (250, 10, 200)
    d = spotdiff.compare(scene, after, method=method)
    assert d.different
    assert d.changed_pixels == 20 * 40
    assert d.regions.xyxy.tolist() == [[60, 30, 100, 50]]  # x1, y1 exclusive
    assert d.regions.area.tolist() == [800]
    np.testing.assert_allclose(d.regions.centroid[0], [79.5, 39.5])
    assert d.mask.shape == scene.shape[:2] and d.mask.sum() == 800


def test_regions_are_sorted_largest_first(scene):
    after = scene.copy()
    after[5:8, 5:8] = 0
    after[60:100, 20:60] = 0
    after[100:110, 130:150] = 0
    d = spotdiff.compare(scene, after, method="absdiff", threshold=10)
    assert list(d.regions.area) == sorted(d.regions.area, reverse=True)
    assert d.regions.xyxy[0].tolist() == [20, 60, 60, 100]
    assert len(d.regions[d.regions.area > 50]) == 2


def test_uint8_subtraction_does_not_wrap(scene):
    a = np.full((10, 10, 3), 10, np.uint8)
    b = np.full((10, 10, 3), 250, np.uint8)
    d1 = spotdiff.compare(a, b, method="absdiff")
    d2 = spotdiff.compare(b, a, method="absdiff")
    assert d1.diff_map.max() == d2.diff_map.max() == 240
    assert d1.changed_pixels == d2.changed_pixels == 100


def test_gates_decide_different():
    a = np.zeros((100, 100, 3), np.uint8)
    b = a.copy()
    b[0:2, 0:5] = 255  # 10 pixels
    assert spotdiff.compare(a, b).different
    assert not spotdiff.compare(a, b, max_changed_pixels=10).different
    assert spotdiff.compare(a, b, max_changed_pixels=9).different
    assert not spotdiff.compare(a, b, max_changed_fraction=0.001).different
    assert spotdiff.compare(a, b, max_changed_fraction=0.0009).different


def test_16_bit_and_8_bit_agree(scene):
    after = scene.copy()
    after[20:40, 20:40] = (0, 0, 255)
    d8 = spotdiff.compare(scene, after)
    d16 = spotdiff.compare(scene.astype(np.uint16) * 257, after.astype(np.uint16) * 257)
    assert d8.changed_pixels == d16.changed_pixels
    assert d8.regions.xyxy.tolist() == d16.regions.xyxy.tolist()


def test_float_input_needs_data_range(scene):
    f = scene.astype(np.float32) / 255
    with pytest.raises(InputError, match="data_range"):
        spotdiff.compare(f, f)
    g = f.copy()
    g[0:10, 0:10] = 0
    d = spotdiff.compare(f, g, data_range=1.0)
    assert d.different and d.regions.xyxy.tolist() == [[0, 0, 10, 10]]


def test_alpha_rule_transparent_pixels_never_differ():
    a = np.zeros((10, 10, 4), np.uint8)
    b = a.copy()
    b[:, :, :3] = 255  # hidden colour changes under alpha 0
    assert not spotdiff.compare(a, b).different
    b[2:4, 2:4, 3] = 128  # now half visible
    d = spotdiff.compare(a, b)
    assert d.different and d.regions.xyxy.tolist() == [[2, 2, 4, 4]]


def test_gray_against_rgb(scene):
    gray = np.full((20, 20), 90, np.uint8)
    rgb = np.full((20, 20, 3), 90, np.uint8)
    assert not spotdiff.compare(gray, rgb).different


def test_size_mismatch_message_names_sizes_and_options(scene):
    with pytest.raises(InputError) as info:
        spotdiff.compare(scene, scene[:100, :150])
    msg = str(info.value)
    assert "160x120" in msg and "150x100" in msg and "set size to 'pad'" in msg
    assert "--" not in msg  # the library names its options, not the command line's flags


def test_ignore_boxes(scene):
    after = scene.copy()
    after[10:20, 10:20] = 0
    after[80:90, 100:110] = 0
    d = spotdiff.compare(scene, after, ignore=[(0, 0, 50, 50)], include_aa=True)
    assert d.regions.xyxy.tolist() == [[100, 80, 110, 90]]
    assert d.changed_pixels == 100
    # by default, corner pixels that pixelmatch's detector calls anti-aliased
    # (the square's corners sit on the flat yellow disc) are not counted, but
    # the region is still whole
    d = spotdiff.compare(scene, after, ignore=[(0, 0, 50, 50)])
    assert d.regions.xyxy.tolist() == [[100, 80, 110, 90]]
    assert d.changed_pixels <= d.mask.sum() <= 100
    assert 90 <= d.changed_pixels < 100
    with pytest.raises(InputError, match="inside the image"):
        spotdiff.compare(scene, after, ignore=[(0, 0, 500, 50)])


def test_bad_option_values(scene):
    with pytest.raises(InputError, match="one of color"):
        spotdiff.compare(scene, scene, method="magic")
    with pytest.raises(InputError, match="threshold"):
        spotdiff.compare(scene, scene + 1, threshold=-1)
    with pytest.raises(InputError, match="max_changed_fraction"):
        spotdiff.compare(scene, scene, max_changed_fraction=2)


def test_to_dict_is_the_json_contract(scene):
    after = scene.copy()
    after[30:50, 60:100] = 0
    d = spotdiff.compare(scene, after).to_dict()
    json.dumps(d)
    for key in ("different", "changed_pixels", "changed_fraction", "score", "method", "width",
                "height", "regions", "version", "options", "threshold"):
        assert key in d
    assert d["version"] == spotdiff.__version__
    assert d["width"] == 160 and d["height"] == 120
    region = d["regions"][0]
    assert region["bbox"] == [60, 30, 100, 50] and region["area"] == 800
    assert all(not k.startswith("_") for k in d)


def _jpeg(rgb: np.ndarray, quality: int) -> np.ndarray:
    import cv2

    ok, buf = cv2.imencode(".jpg", rgb[:, :, ::-1].copy(), [cv2.IMWRITE_JPEG_QUALITY, quality])
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)[:, :, ::-1].copy()


@pytest.mark.parametrize("quality", [50, 70, 90, 100])
def test_screenshot_against_its_jpeg_is_the_same(quality):
    # text on a saturated button: JPEG's chroma subsampling smears its colour
    # along the glyphs (large ΔE on a few pixels), which is not a change
    from pathlib import Path

    ui = spotdiff.load_image(Path(__file__).parents[1] / "examples" / "ui-before.png").pixels
    d = spotdiff.compare(ui, _jpeg(ui, quality))
    assert not d.different, d.regions.xyxy.tolist()


@pytest.mark.parametrize("quality", [90, 95, 100])
def test_decoded_jpeg_saved_again_is_the_same(quality):
    # re-encoding a decoded JPEG at a similar quality keeps most pixels
    # bit-identical and rounds the rest: lossy, not lossless
    from pathlib import Path

    photo = spotdiff.load_image(Path(__file__).parents[1] / "examples" / "coffee-before.jpg")
    d = spotdiff.compare(photo.pixels, _jpeg(photo.pixels, quality))
    assert not d.different and d.info["noise"] > 0


@pytest.mark.parametrize("method", ["color", "absdiff", "pixel", "ssim"])
def test_identical_inputs_report_the_same_json_shape(scene, method):
    changed = scene.copy()
    changed[0:4, 0:4] = 0
    same = spotdiff.compare(scene, scene.copy(), method=method).to_dict()
    diff = spotdiff.compare(scene, changed, method=method).to_dict()
    assert same["units"] == diff["units"] != ""
    if method == "color":
        assert same["threshold"] == 1.0  # what the lossless branch applies


@pytest.mark.parametrize("shape", [(100, 130, 3), (97, 131, 1), (64, 64, 4), (33, 70, 3)])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16])
def test_differing_cells_mark_exactly_the_cells_with_a_changed_sample(shape, dtype):
    from spotdiff.windows import differing_cells as _differing_cells

    rng = np.random.default_rng(1)
    a = rng.integers(0, 50, shape).astype(dtype)
    b = a.copy()
    points = rng.integers(0, [shape[0], shape[1]], (5, 2))
    for y, x in points:
        b[y, x, rng.integers(shape[2])] += 1
    want = np.zeros((-(-shape[0] // 16), -(-shape[1] // 16)), bool)
    for y, x in points:
        want[y // 16, x // 16] = True
    np.testing.assert_array_equal(_differing_cells(a, b, 16) > 0, want)


def test_identical_arrays_give_read_only_zero_maps_that_render():
    from spotdiff import render

    a = np.random.default_rng(0).integers(0, 256, (40, 50, 3), np.uint8)
    d = spotdiff.compare(a, a.copy())
    assert d.diff_map.shape == (40, 50) and d.diff_map.dtype == np.float32
    assert not d.diff_map.any() and not d.mask.any() and d.mask.dtype == np.bool_
    with pytest.raises(ValueError):
        d.mask[0, 0] = True  # a shared view, not a buffer to write into
    assert render.pictures.mask(d).max() == 0
    assert render.pictures.heatmap(d).shape == (40, 50, 3)
    assert render.pictures.overlay(d).shape == (40, 50, 3)


def test_diff_fields_are_typed_and_the_json_carries_no_arrays(scene):
    after = scene.copy()
    after[5:25, 5:25] = 0
    d = spotdiff.compare(scene, after, ignore=[(100, 100, 160, 120)])
    assert isinstance(d.before, spotdiff.Image) and isinstance(d.after, spotdiff.Image)
    assert d.noise == 0.0 and d.compared_pixels == 160 * 120 - 60 * 20
    assert d.alignment is None and d.lighting is None and d.after_aligned is None
    assert not d.identical
    assert list(d.to_dict())[-2:] == ["noise", "compared_pixels"]
    same = spotdiff.compare(scene, scene)
    assert same.identical and same.noise is None and same.to_dict()["identical"] is True


def test_computing_never_loads_the_drawing_code():
    import subprocess
    import sys

    code = (
        "import sys, numpy as np, spotdiff\n"
        "a = np.zeros((64, 64, 3), np.uint8); b = a.copy(); b[10:30, 10:30] = 200\n"
        "d = spotdiff.compare(a, b, refine=True)\n"
        "print(d.different, 'spotdiff.render' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["True", "False"]


def test_the_method_registry_says_what_the_engine_asks():
    from spotdiff.metrics import METHODS

    assert [m.name for m in METHODS.values() if m.auto_policy == "noise"] == ["color"]
    assert {m.name for m in METHODS.values() if m.score_scale is not None} == {
        "color", "absdiff", "pixel"}
    assert [m.name for m in METHODS.values() if m.local_score] == ["ssim"]


def test_a_large_noisy_pair_is_compared_at_half_size_with_the_same_answer(monkeypatch):
    """A noisy pair of 1000 px or more runs its difference -> mask stages at
    half size (engine._Pass.run_halved): the region and its mask come back
    at full size, as the full-size pass finds them."""
    import cv2

    from spotdiff import engine

    rng = np.random.default_rng(3)
    scene = cv2.GaussianBlur(rng.integers(0, 256, (1100, 1200, 3), np.uint8), (0, 0), 4)
    before = np.clip(scene + rng.normal(0, 2, scene.shape), 0, 255).astype(np.uint8)
    after = np.clip(scene + rng.normal(0, 2, scene.shape), 0, 255).astype(np.uint8)
    after[400:520, 600:760] = (200, 40, 40)
    halved = spotdiff.compare(before, after)
    monkeypatch.setattr(engine, "NOISY_HALVED_SIDE", 10**9)
    full = spotdiff.compare(before, after)
    assert full.noise > 0.5 and len(full.regions) == 1
    assert halved.mask.shape == full.mask.shape and len(halved.regions) == 1
    truth = np.zeros(before.shape[:2], bool)
    truth[400:520, 600:760] = True

    def iou(mask: np.ndarray) -> float:
        return float((mask & truth).sum() / (mask | truth).sum())

    assert np.abs(halved.regions.xyxy[0] - [600, 400, 760, 520]).max() <= 3
    assert iou(halved.mask) > 0.9 and iou(halved.mask) >= iou(full.mask) - 0.02
    assert halved.changed_pixels == pytest.approx(full.changed_pixels, rel=0.1)


@pytest.mark.parametrize("compiled", [True, False])
@pytest.mark.parametrize("seed", range(6))
def test_pixel_method_without_cleaning_skips_the_map_and_changes_nothing(seed, compiled,
                                                                          monkeypatch):
    # the pixel method thresholds as it goes and leaves the map for later: the
    # same Diff as the ordinary pass (map, mask, regions, JSON), with the
    # compiled kernel and with the numpy fallback
    import pickle

    from spotdiff import engine
    from spotdiff.metrics import pixel as pixel_module

    if not compiled:
        monkeypatch.setattr(pixel_module, "_kernel", None)
    elif pixel_module._kernel is None:
        pytest.skip("spotdiff._pixelmatch is not built")

    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(20, 120, 2))
    a = np.repeat(np.repeat(rng.integers(0, 256, (h // 4 + 1, w // 4 + 1, 3), np.uint8),
                            4, 0), 4, 1)[:h, :w].copy()
    b = a.copy()
    for _ in range(int(rng.integers(0, 6))):
        y, x = int(rng.integers(0, h - 5)), int(rng.integers(0, w - 5))
        b[y:y + int(rng.integers(1, 6)), x:x + int(rng.integers(1, 6))] = rng.integers(0, 256, 3)
    if seed % 2:
        a, b = (np.dstack([x, np.full((h, w), 255, np.uint8)]) for x in (a, b))
    kw = dict(method="pixel", include_aa=seed % 3 == 2)
    fast = spotdiff.compare(a, b, **kw)
    if compiled:
        assert fast.identical or "diff_map" not in vars(fast)  # not computed yet
    with monkeypatch.context() as m:
        m.setattr(engine._Pass, "thresholds_only", lambda self, selected: False)
        slow = spotdiff.compare(a, b, **kw)
    again = pickle.loads(pickle.dumps(fast))
    for diff in (fast, again):
        assert diff.to_dict() == slow.to_dict()
        assert diff.regions == slow.regions
        assert np.array_equal(diff.mask, slow.mask)
        assert np.array_equal(diff.diff_map, slow.diff_map)
        assert diff.score == slow.score and diff.changed_pixels == slow.changed_pixels
        assert (diff.excluded is None) == (slow.excluded is None)
    # a cleaning option takes the ordinary pass
    cleaned = spotdiff.compare(a, b, method="pixel", close=3)
    assert "diff_map" in vars(cleaned)


def test_pixel_method_identical_and_transparent_only_differences(monkeypatch):
    # the pass that thresholds as it goes also tells an identical pair (no
    # separate look at the pixels): the same answers as before
    from spotdiff import engine

    a = np.zeros((40, 50, 4), np.uint8)
    b = a.copy()
    b[5, 5, :3] = 9  # differs only under full transparency: no change, not identical
    for x, y in ((a, a.copy()), (a, b)):
        fast = spotdiff.compare(x, y, method="pixel")
        with monkeypatch.context() as m:
            m.setattr(engine._Pass, "thresholds_only", lambda self, selected: False)
            slow = spotdiff.compare(x, y, method="pixel")
        assert (fast.identical, fast.to_dict()) == (slow.identical, slow.to_dict())
    assert spotdiff.compare(a, a.copy(), method="pixel").identical
    assert not spotdiff.compare(a, b, method="pixel").identical
