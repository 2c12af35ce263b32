"""Mask stage and region extraction against direct computations."""

from __future__ import annotations

import numpy as np
import pytest
from skimage.filters import threshold_otsu

from spotdiff import mask as masks
from spotdiff.regions import find_regions
from spotdiff.result import Regions


def test_otsu_matches_scikit_image_on_a_bimodal_map():
    rng = np.random.default_rng(3)
    values = np.concatenate([rng.normal(2, 0.5, 5000), rng.normal(20, 2, 1000)]).astype(np.float32)
    values = np.clip(values, 0, None).reshape(60, 100)
    ours = masks.otsu_threshold(values)
    theirs = threshold_otsu(values, nbins=256)
    assert abs(ours - theirs) < values.max() / 128


def test_fill_holes_fills_only_enclosed_background():
    m = np.zeros((20, 20), bool)
    m[2:10, 2:10] = True
    m[4:8, 4:8] = False  # enclosed hole
    m[12:20, 12:20] = True
    m[15:20, 15:17] = False  # notch open to the border: not a hole
    filled = masks.fill_holes(m)
    assert filled[2:10, 2:10].all()
    assert not filled[18, 15]


def test_hysteresis_keeps_weak_pixels_connected_to_strong_ones():
    v = np.zeros((10, 30), np.float32)
    v[5, 2:10] = 2.0
    v[5, 5] = 9.0  # strong seed in the first run
    v[5, 15:25] = 2.0  # weak run without a seed
    out = masks.hysteresis(v, 1.0, 5.0)
    assert out[5, 2:10].all() and not out[5, 15:25].any()


def test_remove_small_and_morphology():
    m = np.zeros((30, 30), bool)
    m[1, 1] = True
    m[10:20, 10:20] = True
    assert masks.remove_small(m, 2).sum() == 100
    assert masks.open_mask(m, 3)[1, 1] == False  # noqa: E712
    gap = np.zeros((10, 20), bool)
    gap[3:7, 2:9] = True
    gap[3:7, 10:17] = True
    assert masks.close_mask(gap, 3)[4:6, 9].all()


def test_regions_merge_gap_and_strength():
    m = np.zeros((40, 60), bool)
    m[5:10, 5:10] = True
    m[5:10, 12:17] = True  # 2 px apart
    m[30:35, 40:50] = True
    v = m.astype(np.float32) * 3
    v[30:35, 40:50] = 7
    r0 = find_regions(m, v)
    assert len(r0) == 3
    r = find_regions(m, v, merge_gap=3)
    assert len(r) == 2
    assert r.xyxy.tolist() == [[5, 5, 17, 10], [40, 30, 50, 35]]
    assert r.area.tolist() == [50, 50]
    np.testing.assert_allclose(r.strength, [3, 7])
    assert len(r.polygons[0]) == 2  # two outer contours grouped in one region


def _regions(mask_boxes, shape=(40, 60)):
    mask = np.zeros(shape, bool)
    for x0, y0, x1, y1 in mask_boxes:
        mask[y0:y1, x0:x1] = True
    return find_regions(mask, mask.astype(np.float32))


def test_regions_concatenate_merge_translate_and_compare_equal():
    a = _regions([(0, 0, 4, 4)])
    b = _regions([(10, 10, 20, 15), (30, 2, 33, 5)])
    both = Regions.concatenate([a, b])
    assert both.area.tolist() == [16, 50, 9] and len(both.polygons) == 3
    merged = a.merge(b)
    assert merged.area.tolist() == [50, 16, 9]
    assert merged == _regions([(0, 0, 4, 4), (10, 10, 20, 15), (30, 2, 33, 5)])
    assert merged != both and a != b and Regions.concatenate([]) == Regions.empty()
    moved = a.translate(5, 7)
    assert moved.xyxy.tolist() == [[5, 7, 9, 11]] and moved.centroid.tolist() == [[6.5, 8.5]]
    assert moved.polygons[0][0].min(axis=0).tolist() == [5, 7]


def test_regions_carry_extra_columns():
    r = _regions([(10, 10, 20, 15), (0, 0, 4, 4)]).with_column("track_id", np.array([7, 3]))
    assert r[1].extra["track_id"].tolist() == [3]
    assert r[r.area > 20].to_list(polygons=False)[0]["track_id"] == 7
    both = Regions.concatenate([r, r.translate(1, 1)])
    assert both.extra["track_id"].tolist() == [7, 3, 7, 3]
    with pytest.raises(ValueError, match="extra columns differ"):
        Regions.concatenate([r, _regions([(0, 0, 2, 2)])])
    with pytest.raises(ValueError, match="track_id"):
        r.with_column("track_id", np.array([1]))


@pytest.mark.parametrize("seed", range(40))
def test_regions_found_in_windows_equal_the_whole_frames(seed):
    from spotdiff.regions import find_regions_in_rows

    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(1, 70, 2))
    mask = rng.random((h, w)) < rng.uniform(0.005, 0.6)
    if seed % 3 == 0:  # empty bands and columns: several windows
        mask[:, rng.integers(0, w):rng.integers(0, w + 1)] = False
        mask[rng.integers(0, h):rng.integers(0, h + 1)] = False
    if seed % 7 == 0:  # a ring with a speck inside: no polygon of its own
        mask[:] = False
        mask[2:9, 2:9] = True
        mask[3:8, 3:8] = False
        mask[5, 5] = True
    values = rng.random((h, w)).astype(np.float32)
    expected = find_regions(mask, values)
    found = find_regions_in_rows(mask, mask.sum(axis=1), lambda i: values.reshape(-1)[i])
    assert len(found) == 0 or "polygons" not in vars(found)  # traced when asked
    assert found == expected
    assert found.xyxy.tolist() == expected.xyxy.tolist()  # order included
    cut = find_regions_in_rows(mask, mask.sum(axis=1), lambda i: values.reshape(-1)[i],
                               polygons=False, max_regions=3)
    assert cut.xyxy.tolist() == expected.xyxy[:3].tolist()


@pytest.mark.parametrize("seed", range(4))
def test_morphology_within_the_masks_box_equals_the_whole_frames(seed):
    # close_mask, fill_holes and dilate work on the bounding box of the mask's
    # pixels only; the reference is OpenCV on the whole (zero-padded) frame
    import cv2
    from scipy import ndimage

    rng = np.random.default_rng(seed)
    for _ in range(25):
        h, w = rng.integers(1, 90, 2)
        mask = np.zeros((h, w), bool)
        for _ in range(rng.integers(0, 4)):  # a few blobs, some at the border
            y, x = rng.integers(0, h), rng.integers(0, w)
            mask[y:y + rng.integers(1, 25), x:x + rng.integers(1, 25)] = rng.random() < 0.8
        mask ^= rng.random((h, w)) < 0.01
        for size in (3, 7, 15):
            kernel = masks.ellipse(size)
            pad = size
            padded = cv2.copyMakeBorder(mask.view(np.uint8), pad, pad, pad, pad,
                                        cv2.BORDER_CONSTANT, value=0)
            closed = cv2.morphologyEx(padded, cv2.MORPH_CLOSE, kernel)[pad:-pad, pad:-pad]
            np.testing.assert_array_equal(masks.close_mask(mask, size), closed.astype(bool))
            np.testing.assert_array_equal(masks.dilate(mask, kernel),
                                          cv2.dilate(mask.view(np.uint8), kernel))
        np.testing.assert_array_equal(masks.fill_holes(mask), ndimage.binary_fill_holes(mask))


@pytest.mark.parametrize("merge_gap", [0, 4, 15])
def test_label_groups_numbers_components_as_the_whole_frame_does(merge_gap):
    # labelled within the bounding box of the mask: the labels (whose numbers
    # order regions of equal area) are OpenCV's over the whole frame
    import cv2

    rng = np.random.default_rng(merge_gap)
    for _ in range(30):
        h, w = rng.integers(1, 400, 2)
        mask = np.zeros((h, w), bool)
        for _ in range(rng.integers(1, 12)):
            y, x = rng.integers(0, h), rng.integers(0, w)
            blob = mask[y:y + rng.integers(1, 60), x:x + rng.integers(1, 60)]
            blob[...] = rng.random(blob.shape) < rng.random()
        if not mask.any():
            continue
        grouping = mask.view(np.uint8)
        if merge_gap:
            grouping = cv2.dilate(grouping, masks.ellipse(2 * (merge_gap // 2) + 1))
        n, labels = cv2.connectedComponents(grouping, connectivity=8, ltype=cv2.CV_32S)
        got_n, got_labels, points, lab = masks.label_groups(mask, merge_gap)
        assert got_n == n
        np.testing.assert_array_equal(got_labels, labels)
        np.testing.assert_array_equal(lab, labels[points[:, 1], points[:, 0]])
