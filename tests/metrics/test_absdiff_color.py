"""absdiff and colour distance against direct numpy / scikit-image computations."""

from __future__ import annotations

import numpy as np
import pytest
from skimage import color as skcolor

from spotdiff.metrics.absdiff import absdiff
from spotdiff.metrics.color import color


@pytest.fixture
def pair():
    rng = np.random.default_rng(7)
    a = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    b = rng.integers(0, 256, (50, 70, 3), dtype=np.uint8)
    return a, b


def test_absdiff_has_no_wraparound(pair):
    a, b = pair
    expected = np.abs(a.astype(np.int32) - b.astype(np.int32)).max(axis=2)
    got = absdiff(a, b, data_range=255)
    np.testing.assert_array_equal(got.values, expected.astype(np.float32))
    np.testing.assert_array_equal(absdiff(b, a, data_range=255).values, got.values)
    assert got.score == pytest.approx(1 - expected.mean() / 255, abs=1e-6)


def test_absdiff_16_bit_is_on_the_8_bit_scale(pair):
    a, b = pair
    a16, b16 = a.astype(np.uint16) * 257, b.astype(np.uint16) * 257
    np.testing.assert_allclose(
        absdiff(a16, b16, data_range=65535).values, absdiff(a, b, data_range=255).values, atol=1e-3
    )


def test_color_cie76_matches_scikit_image(pair):
    a, b = pair
    expected = skcolor.deltaE_cie76(skcolor.rgb2lab(a), skcolor.rgb2lab(b))
    got = color(a, b, data_range=255).values
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_color_cie94_matches_scikit_image(pair):
    a, b = pair
    expected = skcolor.deltaE_ciede94(skcolor.rgb2lab(a), skcolor.rgb2lab(b))
    got = color(a, b, data_range=255, formula="cie94").values
    np.testing.assert_allclose(got, expected, atol=1e-3)


def test_color_sparse_path_equals_dense_path(pair):
    a, b = pair
    sparse_b = a.copy()
    sparse_b[10:14, 20:30] = b[10:14, 20:30]  # few differing pixels -> sparse path
    dense = color(a, b, data_range=255).values
    sparse = color(a, sparse_b, data_range=255).values
    np.testing.assert_allclose(sparse[10:14, 20:30], dense[10:14, 20:30], atol=1e-4)
    assert np.count_nonzero(sparse) <= 40


def test_equal_luminance_change_is_invisible_to_gray_but_not_to_color():
    a = np.zeros((20, 20, 3), np.uint8)
    a[:] = (128, 128, 128)
    b = a.copy()
    b[:] = (158, 128, 51)  # the same luma: 0.299*158 + 0.587*128 + 0.114*51 ~= 128
    gray_a = skcolor.rgb2gray(a)
    gray_b = skcolor.rgb2gray(b)
    assert np.abs(gray_a - gray_b).max() * 255 < 1.5
    assert color(a, b, data_range=255).values.min() > 20


def test_gray_inputs():
    a = np.full((8, 8, 1), 100, np.uint8)
    b = np.full((8, 8, 1), 110, np.uint8)
    expected = skcolor.deltaE_cie76(
        skcolor.rgb2lab(np.repeat(a, 3, axis=2)), skcolor.rgb2lab(np.repeat(b, 3, axis=2))
    )
    np.testing.assert_allclose(color(a, b, data_range=255).values, expected, atol=0.05)


@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_channel_peak_is_the_channel_maximum(dtype, channels):
    from spotdiff.metrics.absdiff import channel_peak

    a = (np.random.default_rng(channels).random((37, 53, channels)) * 200).astype(dtype)
    np.testing.assert_array_equal(channel_peak(a), a.max(axis=2))


def test_cielab_conversion_is_within_2e4_of_scikit_image():
    # every grey, the darkest colours (the linear part of CIELAB's f() and its
    # joint with the cube root) and a random sample of the rest, 8 and 16 bits
    from spotdiff.metrics.color import _to_lab

    rng = np.random.default_rng(11)
    levels = np.arange(256)
    dark = np.stack(np.meshgrid(levels[:40], levels[:40], levels[:40]), -1).reshape(-1, 3)
    rgb8 = np.concatenate([np.repeat(levels[:, None], 3, 1), dark,
                           rng.integers(0, 256, (50_000, 3))]).astype(np.uint8)[:, None, :]
    np.testing.assert_allclose(_to_lab(rgb8, 255), skcolor.rgb2lab(rgb8), rtol=0, atol=2e-4)
    rgb16 = rng.integers(0, 65536, (20_000, 1, 3)).astype(np.uint16)
    np.testing.assert_allclose(_to_lab(rgb16, 65535), skcolor.rgb2lab(rgb16 / 65535.0),
                               rtol=0, atol=2e-4)
