"""Pictures: golden images, and annotators never draw on the caller's arrays.

The golden images are compared exactly: every picture is drawn with whole
pixels (labels in spotdiff's own bitmap font, not OpenCV's anti-aliased
text), so it is the same on every OpenCV build. Regenerate them (after a
deliberate change to the drawing) with
``SPOTDIFF_UPDATE_GOLDEN=1 pytest tests/render/test_annotators.py``.
"""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

import cv2
import numpy as np
import pytest

import spotdiff
from spotdiff import render
from spotdiff.render import font

GOLDEN = Path(__file__).parent / "golden"
PICTURES = ("heatmap", "mask", "boxes", "overlay", "extract")


@pytest.fixture(scope="module")
def diff():
    h, w = 96, 128
    y, x = np.mgrid[0:h, 0:w]
    before = np.stack([x * 2, y * 2, 255 - x], axis=2).astype(np.uint8)
    after = before.copy()
    cv2.circle(after, (40, 40), 14, (255, 255, 0), -1)
    after[70:80, 90:120] = (0, 0, 0)
    return spotdiff.compare(before, after), before, after


@pytest.mark.parametrize("name", sorted(PICTURES))
def test_golden_pictures(diff, name):
    d, _, _ = diff
    got = render.pictures.PICTURES[name](d)
    path = GOLDEN / f"{name}.png"
    if os.environ.get("SPOTDIFF_UPDATE_GOLDEN"):
        spotdiff.io.write_image(path, got, compression=9)
    expected = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    assert expected is not None, f"missing golden image {path}; run with SPOTDIFF_UPDATE_GOLDEN=1"
    if expected.ndim == 3:
        expected = cv2.cvtColor(expected, cv2.COLOR_BGR2RGB)
    assert got.shape == expected.shape
    off = got != expected
    differing = np.count_nonzero(off.any(axis=2) if off.ndim == 3 else off)
    assert differing == 0, f"{name}: {differing} pixels differ from {path.name}"


def _golden_boxes() -> np.ndarray:
    expected = cv2.imread(str(GOLDEN / "boxes.png"), cv2.IMREAD_COLOR)
    return cv2.cvtColor(expected, cv2.COLOR_BGR2RGB)


@pytest.mark.parametrize("change", ["box moved 1 px", "colour", "no outline", "no label"])
def test_golden_boxes_catch_a_drawing_change(diff, change):
    """The exact comparison fails on each small change to what is drawn."""
    d, _, _ = diff
    annotator = render.BoxAnnotator()
    if change == "box moved 1 px":
        moved = d.regions.xyxy.copy()
        moved[0] += [1, 0, 1, 0]
        d = dataclasses.replace(d, regions=dataclasses.replace(d.regions, xyxy=moved))
    elif change == "colour":
        annotator = render.BoxAnnotator(color=(254, 0, 0))
    elif change == "no outline":
        annotator = render.BoxAnnotator(outline=(255, 0, 0))
    else:
        annotator = render.BoxAnnotator(label=False)
    got = render.pictures.boxes(d, annotator)
    assert got.shape == _golden_boxes().shape and np.any(got != _golden_boxes())


def test_labels_are_drawn_in_whole_pixels():
    """The region numbers use only the box and outline colours: no blending."""
    canvas = np.full((40, 60, 3), 128, np.uint8)
    font.draw_text(canvas, "12", (3, 4), (255, 0, 0), scale=2, outline=1)
    colours = {tuple(c) for c in canvas.reshape(-1, 3).tolist()}
    assert colours == {(128, 128, 128), (255, 0, 0), (0, 0, 0)}
    ink = np.all(canvas == (255, 0, 0), axis=2)
    # "1" then "2": 5 cells wide, one cell apart, 7 cells high, 2 px a cell
    ys, xs = np.nonzero(ink)
    assert (ys.min(), ys.max() + 1) == (5, 5 + 14)
    assert (xs.min(), xs.max() + 1) == (4 + 2, 4 + 22)
    np.testing.assert_array_equal(ink[5:19, 4:26], font.text_mask("12", 2))


def test_pictures_leave_inputs_untouched(diff):
    d, before, after = diff
    b0, a0 = d.before.pixels.copy(), d.after.pixels.copy()
    for name in PICTURES:
        render.pictures.PICTURES[name](d)
    np.testing.assert_array_equal(d.before.pixels, b0)
    np.testing.assert_array_equal(d.after.pixels, a0)


def test_annotators_draw_on_a_copy_of_a_bare_frame(diff):
    d, _, after = diff
    frame = np.full((96, 128, 3), 90, np.uint8)  # a video frame: no Diff behind it
    kept = frame.copy()
    boxed = render.BoxAnnotator(color=(0, 255, 0)).annotate(frame, d.regions)
    np.testing.assert_array_equal(frame, kept)
    x0, y0, x1, y1 = d.regions.xyxy[0].tolist()
    assert boxed[y0 + 1, (x0 + x1) // 2].tolist() == [0, 255, 0]  # on the top edge
    assert boxed[(y0 + y1) // 2, (x0 + x1) // 2].tolist() == [90, 90, 90]  # inside: the frame
    tinted = render.OverlayAnnotator().annotate(frame, d.mask)
    heat = render.HeatmapAnnotator(vmax=10).annotate(frame[:, :, 0], d.diff_map)  # gray frame
    cut = render.ExtractAnnotator().annotate(frame, d.mask)
    np.testing.assert_array_equal(frame, kept)
    assert (tinted[d.mask] != tinted[~d.mask][0]).any(axis=1).all()
    assert heat.shape == frame.shape and (cut[d.mask] == 90).all() and not cut[~d.mask].any()


def test_annotators_check_the_scene_and_the_data(diff):
    d, _, _ = diff
    with pytest.raises(spotdiff.InputError, match="scene"):
        render.BoxAnnotator().annotate(np.zeros((96, 128, 3), np.float32), d.regions)
    with pytest.raises(spotdiff.InputError, match="mask: expected the scene's size 64x32"):
        render.OverlayAnnotator().annotate(np.zeros((32, 64, 3), np.uint8), d.mask)


def test_the_compare_pictures_are_the_annotators_on_the_inputs(diff):
    d, before, after = diff
    boxes = render.pictures.boxes(d, gap=4)
    np.testing.assert_array_equal(boxes[:, :128], render.BoxAnnotator().annotate(before, d.regions))
    np.testing.assert_array_equal(boxes[:, 132:], render.BoxAnnotator().annotate(after, d.regions))
    np.testing.assert_array_equal(render.pictures.overlay(d),
                                  render.OverlayAnnotator().annotate(after, d.mask))


def test_pictures_follow_the_mask(diff):
    d, _, after = diff
    extract = render.pictures.extract(d)
    np.testing.assert_array_equal(extract[d.mask], after[d.mask])
    assert not extract[~d.mask].any()
    overlay = render.pictures.overlay(d)
    assert overlay.shape == after.shape
    bare = render.pictures.heatmap(d, render.HeatmapAnnotator(underlay=False))
    assert bare[~d.mask].mean() < bare[d.mask].mean()
    heat = render.pictures.heatmap(d).astype(int)
    spread = heat.max(axis=2) - heat.min(axis=2)  # 0 on the gray underlay
    assert (spread[d.diff_map == 0] == 0).all()
    assert np.median(spread[d.mask]) > 60


def test_pictures_of_a_large_pair_are_drawn_at_full_hd_the_mask_at_full_size(tmp_path):
    from spotdiff.outputs import PICTURE_PIXELS, output_files

    h, w = 1200, 2400  # 2.9 Mpx: larger than a full-HD screen
    y, x = np.mgrid[0:h, 0:w]
    before = np.stack([x % 256, y % 256, (x + y) % 256], axis=2).astype(np.uint8)
    after = before.copy()
    after[500:560, 1000:1300] = (255, 0, 0)
    d = spotdiff.compare(before, after)
    files = output_files(d, d.to_dict(), out_dir=tmp_path)
    pictures = {p.stem: cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_UNCHANGED)
                for p, data in files.items() if p.suffix == ".png"}
    assert pictures["mask"].shape == (h, w)
    np.testing.assert_array_equal(pictures["mask"] > 0, d.mask)
    small = render.pictures.fit_size((h, w), PICTURE_PIXELS)
    assert small is not None and small[0] * small[1] <= PICTURE_PIXELS
    assert abs(small[0] / small[1] - w / h) < 0.01
    for name in ("heatmap", "overlay"):
        assert pictures[name].shape == (small[1], small[0], 3)
    assert pictures["boxes"].shape == (small[1], 2 * small[0] + 8, 3)
    # the box is drawn on both sides, scaled: red pixels around the change
    red = np.all(pictures["boxes"][:, :, ::-1] == (255, 0, 0), axis=2)
    assert red[:, : small[0]].any() and red[:, small[0] + 8 :].any()


def test_heatmap_table_gives_the_float_blends_pixels():
    """The heat map is blended through a (value, gray) table: every pixel
    equals the per-pixel float32 blend it replaced, for every value and gray."""
    rng = np.random.default_rng(3)
    values = np.repeat(np.arange(256, dtype=np.float32)[:, None], 256, axis=1)  # every level
    scene = rng.integers(0, 256, (256, 256, 3), dtype=np.uint8)
    for fade in (0.5, 0.3):
        annotator = render.HeatmapAnnotator(vmax=255.0, fade=fade)
        scaled = cv2.convertScaleAbs(values, alpha=1.0)
        heat = cv2.cvtColor(cv2.applyColorMap(scaled, annotator.colormap), cv2.COLOR_BGR2RGB)
        gray = cv2.cvtColor(scene, cv2.COLOR_RGB2GRAY)
        base = cv2.cvtColor(cv2.addWeighted(gray, 1 - fade, np.full_like(gray, 255), fade, 0),
                            cv2.COLOR_GRAY2RGB)
        alpha = np.minimum(scaled.astype(np.float32) * (4.0 / 255.0), 1.0)[:, :, None]
        expected = (base.astype(np.float32) * (1.0 - alpha)
                    + heat.astype(np.float32) * alpha).astype(np.uint8)
        np.testing.assert_array_equal(annotator.annotate(scene, values), expected)


def _large_diff(kind: str):
    """A pair larger than a full-HD screen: RGB, 16-bit RGBA, or aligned
    (AFTER shifted, drawn warped into BEFORE's frame)."""
    h, w = 1200, 2400
    y, x = np.mgrid[0:h, 0:w]
    before = np.stack([x % 256, y % 256, (x + y) % 256], axis=2).astype(np.uint8)
    before = cv2.GaussianBlur(before, (0, 0), 3)  # texture the alignment can follow
    after = before.copy()
    after[500:560, 1000:1300] = (255, 0, 0)
    if kind == "16-bit RGBA":
        alpha = np.full((h, w, 1), 255, np.uint8)
        alpha[:40, :40] = 100
        before, after = (np.concatenate([im, alpha], axis=2).astype(np.uint16) * 257
                         for im in (before, after))
        return spotdiff.compare(before, after)
    if kind == "aligned":
        after = np.roll(after, 3, axis=1)
        d = spotdiff.compare(before, after, align="translation")
        assert d.after_aligned is not None
        return d
    return spotdiff.compare(before, after)


@pytest.mark.parametrize("kind", ["RGB", "16-bit RGBA", "aligned"])
def test_a_diff_scaled_once_draws_the_pictures_at_that_size(kind):
    """pictures.at_size: each picture of the scaled diff (the heat map at
    the full diff's scale) equals the picture of the diff drawn at that size."""
    from spotdiff.outputs import PICTURE_PIXELS

    d = _large_diff(kind)
    size = render.pictures.fit_size(d.mask.shape, PICTURE_PIXELS)
    small = render.pictures.at_size(d, size)
    assert small.mask.shape == (size[1], size[0]) and small.diff_map.shape == small.mask.shape
    heat = render.HeatmapAnnotator(vmax=render.pictures.heat_scale(d))
    got = {"heatmap": render.pictures.heatmap(small, heat), "boxes": render.pictures.boxes(small),
           "overlay": render.pictures.overlay(small), "extract": render.pictures.extract(small)}
    for name, picture in got.items():
        expected = render.pictures.PICTURES[name](d, size=size)
        np.testing.assert_array_equal(picture, expected, err_msg=name)
    # the parts a picture does not read are left blank, and the others still equal
    overlay_only = render.pictures.at_size(d, size, render.pictures.READS["overlay"])
    assert not overlay_only.before.pixels.any() and not overlay_only.diff_map.any()
    np.testing.assert_array_equal(render.pictures.overlay(overlay_only), got["overlay"])


def test_output_files_let_the_full_size_diff_go_before_the_pictures_for_the_eye(
        tmp_path, monkeypatch):
    """The command line gives the diff to an OutputSet and drops it: its
    full-size arrays are freed before the scaled-down pictures are drawn."""
    import gc
    import weakref

    from spotdiff.outputs import OutputSet

    d = _large_diff("RGB")
    held = weakref.ref(d)
    held_map = weakref.ref(d.diff_map)
    freed: dict[str, bool] = {}
    for name in ("mask", "heatmap", "boxes", "overlay"):
        draw = render.pictures.PICTURES[name]

        def watched(diff, *args, _draw=draw, _name=name, **kwargs):
            gc.collect()
            freed[_name] = held() is None and held_map() is None
            return _draw(diff, *args, **kwargs)

        monkeypatch.setitem(render.pictures.PICTURES, name, watched)
    files = OutputSet(d, d.to_dict(), out_dir=tmp_path)
    del d
    written = files.write()
    assert freed == {"mask": False, "heatmap": True, "boxes": True, "overlay": True}
    assert sorted(p.name for p in written) == ["boxes.png", "heatmap.png", "mask.png",
                                               "overlay.png", "result.json"]


@pytest.mark.parametrize("shape, size", [((1080, 1920), (240, 135)), ((1081, 1919), (240, 135)),
                                         ((700, 900), (300, 233))])
def test_shrink_is_the_area_average(shape, size):
    """Scenes are shrunk by halving first, then by OpenCV's area averaging:
    the same picture as one area averaging (within one level from the
    rounding of each step, under half a level on average), and for an exact
    8x8 reduction the block means computed by numpy."""
    from spotdiff.render.pictures import shrink

    rng = np.random.default_rng(1)
    px = cv2.GaussianBlur(rng.integers(0, 256, (*shape, 3), dtype=np.uint8), (0, 0), 2)
    got = shrink(px, size).astype(int)
    direct = cv2.resize(px, size, interpolation=cv2.INTER_AREA).astype(int)
    assert got.shape == direct.shape == (size[1], size[0], 3)
    assert np.abs(got - direct).max() <= 1
    assert np.abs(got - direct).mean() < 0.5
    if shape != (1080, 1920):  # not whole multiples: one area averaging, the same pixels
        assert np.array_equal(got, direct)
    if shape == (1080, 1920):
        blocks = px.reshape(135, 8, 240, 8, 3).mean(axis=(1, 3))
        assert np.abs(got - blocks).max() <= 1.5


@pytest.mark.parametrize("colormap", [cv2.COLORMAP_TURBO, cv2.COLORMAP_INFERNO])
def test_rgb_colormap_gives_opencvs_colours_in_rgb(colormap):
    from spotdiff.render.annotators import rgb_colormap

    gray = np.random.default_rng(2).integers(0, 256, (37, 53), dtype=np.uint8)
    named = cv2.applyColorMap(gray, colormap)[:, :, ::-1]
    assert np.array_equal(cv2.applyColorMap(gray, rgb_colormap(colormap)), named)
