"""SSIM and MS-SSIM against scikit-image, SciPy and the MATLAB conventions.

References: ``skimage.metrics.structural_similarity`` (float64) for the
score and the full map; SciPy's ``gaussian_filter`` for the per-scale
contrast-structure term of MS-SSIM; numpy's ``pad(mode="symmetric")`` for
MATLAB's ``imfilter(.., 'symmetric', 'same')``.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from scipy import ndimage
from skimage import data
from skimage.metrics import structural_similarity

import spotdiff.metrics.ssim as ssim_module
from kernels import compiled_or_numpy
from spotdiff.errors import InputError
from spotdiff.metrics._types import DiffMap
from spotdiff.metrics.msssim import WANG_WEIGHTS, msssim
from spotdiff.metrics.ssim import box_downsample, matlab_factor, ssim, to_gray

GAUSSIAN = ({}, {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False})
UNIFORM = ({"gaussian": False, "win_size": 7, "use_sample_covariance": True}, {})


def photo_pair(h: int, w: int, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """A natural photo and a copy with noise, a darker area and a new patch."""
    rng = np.random.default_rng(seed)
    a = cv2.resize(data.astronaut(), (w, h), interpolation=cv2.INTER_AREA)
    b = a.astype(np.float64) + rng.normal(0, 4, a.shape)
    b[h // 2:, : w // 3] *= 0.8
    b[h // 5: h // 5 + h // 6, w // 2: w // 2 + w // 6] = (30, 180, 220)
    return a, np.clip(np.rint(b), 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def pair() -> tuple[np.ndarray, np.ndarray]:
    return photo_pair(150, 190)


@pytest.fixture(params=["compiled", "numpy"])
def implementation(request, monkeypatch) -> str:  # noqa: ANN001
    """Run a test with the compiled band kernel and again with its numpy twin."""
    return compiled_or_numpy(request, monkeypatch, ssim_module, "spotdiff._ssim")


def reference(a, b, sk_opts, data_range=255.0, colour=False):
    """scikit-image on float64 copies: (score, map averaged over channels)."""
    score, smap = structural_similarity(
        a.astype(np.float64), b.astype(np.float64), data_range=data_range, full=True,
        channel_axis=2 if colour else None, **sk_opts)
    return score, smap.mean(axis=2) if colour else smap


def assert_matches(got: DiffMap, score: float, smap: np.ndarray) -> None:
    assert isinstance(got, DiffMap)
    assert got.values.dtype == np.float32 and got.values.shape == smap.shape
    assert abs(got.score - score) <= 1e-4
    np.testing.assert_allclose(1.0 - got.values, smap, atol=1e-3, rtol=0)


# --- SSIM against scikit-image -------------------------------------------


@pytest.mark.parametrize("ours, theirs", [GAUSSIAN, UNIFORM], ids=["gaussian", "uniform7"])
def test_gray_matches_scikit_image(pair, ours, theirs, implementation):
    a, b = (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in pair)
    got = ssim(a[:, :, None], b[:, :, None], data_range=255, **ours)
    assert_matches(got, *reference(a, b, theirs))
    assert got.score < 0.95  # the change is seen


@pytest.mark.parametrize("ours, theirs", [GAUSSIAN, UNIFORM], ids=["gaussian", "uniform7"])
def test_colour_matches_scikit_image_per_channel(pair, ours, theirs, implementation):
    a, b = pair
    assert_matches(ssim(a, b, data_range=255, **ours), *reference(a, b, theirs, colour=True))


@pytest.mark.parametrize(
    "ours, theirs",
    [
        ({"sigma": 1.0}, {"gaussian_weights": True, "sigma": 1.0, "use_sample_covariance": False}),
        ({"sigma": 2.5, "use_sample_covariance": True}, {"gaussian_weights": True, "sigma": 2.5}),
        ({"gaussian": False, "win_size": 11, "use_sample_covariance": False},
         {"win_size": 11, "use_sample_covariance": False}),
        ({"gaussian": False, "win_size": 3, "use_sample_covariance": True}, {"win_size": 3}),
        ({"k1": 0.05, "k2": 0.1}, {"gaussian_weights": True, "use_sample_covariance": False,
                                   "K1": 0.05, "K2": 0.1}),
    ],
    ids=["sigma1", "sigma2.5-sample", "uniform11", "uniform3", "k1k2"],
)
def test_window_and_constant_options_match_scikit_image(pair, ours, theirs, implementation):
    a, b = pair
    assert_matches(ssim(a, b, data_range=255, **ours), *reference(a, b, theirs, colour=True))


@pytest.mark.parametrize("dtype, scale, data_range", [
    (np.uint16, 257, 65535.0),
    (np.float32, 1 / 255, 1.0),
    (np.float64, 1 / 255, 1.0),
    (np.float64, 1000.0, 255000.0),
])
def test_depths_and_float_ranges(pair, dtype, scale, data_range, implementation):
    a, b = (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY).astype(np.float64) * scale for p in pair)
    a, b = a.astype(dtype), b.astype(dtype)
    got = ssim(a, b, data_range=data_range)
    assert_matches(got, *reference(a, b, GAUSSIAN[1], data_range=data_range))


def test_float_data_far_from_its_range_still_matches(pair, implementation):
    # A large offset and a spread far beyond data_range: float64 is needed.
    a, b = (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY).astype(np.float64) * 40 + 1e6 for p in pair)
    got = ssim(a, b, data_range=255.0)
    assert_matches(got, *reference(a, b, GAUSSIAN[1]))


@pytest.mark.parametrize("shape", [(11, 40), (12, 300), (17, 23), (300, 11), (97, 61)])
def test_small_and_odd_shapes_match_scikit_image(shape, implementation):
    # Heights around one band and around the window exercise the mirrored
    # halo rows at the top and the bottom of the same band.
    a, b = photo_pair(*shape, seed=sum(shape))
    assert_matches(ssim(a, b, data_range=255), *reference(a, b, GAUSSIAN[1], colour=True))
    assert_matches(ssim(a, b, data_range=255, **UNIFORM[0]),
                   *reference(a, b, UNIFORM[1], colour=True))


def test_tall_image_many_bands_and_threads_agree():
    a, b = photo_pair(1100, 160, seed=11)
    threads = cv2.getNumThreads()
    try:
        cv2.setNumThreads(1)
        single = ssim(a, b, data_range=255)
    finally:
        cv2.setNumThreads(threads)
    multi = ssim(a, b, data_range=255)
    np.testing.assert_array_equal(single.values, multi.values)
    assert single.score == multi.score
    assert_matches(multi, *reference(a, b, GAUSSIAN[1], colour=True))


def _both(fn, *args, monkeypatch, **kwargs):  # noqa: ANN001, ANN202
    fast = fn(*args, **kwargs)
    with monkeypatch.context() as m:
        m.setattr(ssim_module, "_kernel", None)
        slow = fn(*args, **kwargs)
    return fast, slow


@pytest.mark.skipif(ssim_module._kernel is None, reason="spotdiff._ssim is not built "
                    "(reinstall with a C compiler: pip install -e .)")
@pytest.mark.parametrize("dtype, scale, data_range, kwargs", [
    (np.uint8, 1, 255, {}),                                          # 11 taps, RGB views
    (np.uint8, 1, 255, {"gray": True}),                              # float32 luma
    (np.uint8, 1, 255, UNIFORM[0]),                                  # 7 taps
    (np.uint8, 1, 255, {"gaussian": False, "win_size": 9}),          # pairs, one left over
    (np.uint8, 1, 255, {"sigma": 2.5, "use_sample_covariance": True}),  # 19 taps
    (np.uint8, 1, 255.5, {}),                                        # a centre off the grid
    (np.uint16, 257, 65535, {}),
    (np.float32, 1 / 255, 1.0, {}),
    (np.float64, 1 / 255, 1.0, {}),
    (np.float64, 40, 255, {}),                                       # float64 work
    (np.uint8, 1, 255, {"reference": "matlab"}),
    (np.uint8, 1, 255, {"reference": "blazediff"}),
])
def test_compiled_kernel_and_numpy_give_the_same_numbers(dtype, scale, data_range, kwargs,
                                                         monkeypatch):
    a, b = photo_pair(301, 263, seed=5)
    a, b = ((p.astype(np.float64) * scale).astype(dtype) for p in (a, b))
    fast, slow = _both(ssim, a, b, data_range=data_range, monkeypatch=monkeypatch, **kwargs)
    np.testing.assert_array_equal(fast.values, slow.values)
    assert fast.score == slow.score
    # Single channels, contiguous or a reversed view, take the other loading paths.
    for x, y in ((a[:, :, 1].copy(), b[:, :, 1].copy()), (a[::-1, :, 1], b[::-1, :, 1])):
        fast, slow = _both(ssim, x, y, data_range=data_range, monkeypatch=monkeypatch,
                           **kwargs)
        np.testing.assert_array_equal(fast.values, slow.values)
        assert fast.score == slow.score


def test_windows_wider_than_the_compiled_kernel_takes(pair):
    # sigma 20: 141 taps, beyond the compiled kernel's 129; its numpy twin runs.
    a, b = photo_pair(150, 160, seed=2)
    assert_matches(ssim(a, b, data_range=255, sigma=20.0),
                   *reference(a, b, {"gaussian_weights": True, "sigma": 20.0,
                                     "use_sample_covariance": False}, colour=True))


@pytest.mark.skipif(ssim_module._kernel is None, reason="spotdiff._ssim is not built")
@pytest.mark.parametrize("reference_mode", [None, "matlab", "blazediff"])
def test_compiled_kernel_and_numpy_give_the_same_msssim(reference_mode, monkeypatch):
    a, b = photo_pair(360, 380, seed=8)
    fast, slow = _both(msssim, a, b, data_range=255, weights=WANG_WEIGHTS[:2],
                       reference=reference_mode, monkeypatch=monkeypatch)
    np.testing.assert_array_equal(fast.values, slow.values)
    assert fast.score == slow.score


def test_gray_option_compares_rec601_luma(pair):
    a, b = pair
    weights = np.array([0.299, 0.587, 0.114])
    ga, gb = a.astype(np.float64) @ weights, b.astype(np.float64) @ weights
    assert_matches(ssim(a, b, data_range=255, gray=True), *reference(ga, gb, GAUSSIAN[1]))


@pytest.mark.parametrize("shape", [(150, 190), (1500, 190)])
@pytest.mark.parametrize("kwargs", [{}, UNIFORM[0], {"reference": "matlab"}, {"gray": True}])
def test_identical_images_score_exactly_one(shape, kwargs, implementation):
    a, _ = photo_pair(*shape)
    got = ssim(a, a.copy(), data_range=255, **kwargs)
    assert got.score == 1.0
    assert not got.values.any()


@pytest.mark.parametrize("kwargs", [{}, {"gray": True}, {"reference": "matlab"},
                                    {"reference": "blazediff"}, UNIFORM[0]])
def test_result_type_does_not_change_with_options(kwargs):
    a, b = photo_pair(520, 530)
    got = ssim(a, b, data_range=255, **kwargs)
    assert isinstance(got, DiffMap) and isinstance(got.score, float)
    assert got.values.shape == (520, 530) and got.values.dtype == np.float32
    assert got.units == "1 - SSIM"


def test_engine_score_equals_scikit_image(pair):
    import spotdiff

    a, b = pair
    diff = spotdiff.compare(a, b, method="ssim")
    score, _ = reference(a, b, GAUSSIAN[1], colour=True)
    assert abs(diff.score - score) <= 1e-4
    assert diff.different and len(diff.regions) >= 1


# --- The MATLAB conventions ----------------------------------------------


@pytest.mark.parametrize("side, f", [(255, 1), (383, 1), (384, 2), (639, 2), (640, 3),
                                     (1228, 5), (2160, 8)])
def test_matlab_factor_rounds_half_away_from_zero(side, f):
    # MATLAB: f = max(1, round(min(M, N) / 256)); round(2.5) is 3 there.
    assert matlab_factor((side, side + 100)) == f


def matlab_imfilter_box(img: np.ndarray, f: int) -> np.ndarray:
    """imfilter(img, ones(f)/f^2, 'symmetric', 'same'), kernel centre floor((f+1)/2)."""
    before = (f + 1) // 2 - 1
    padded = np.pad(img.astype(np.float64), ((before, f - 1 - before),) * 2, mode="symmetric")
    out = np.zeros(img.shape)
    for i in range(f):
        for j in range(f):
            out += padded[i:i + img.shape[0], j:j + img.shape[1]]
    return out / (f * f)


@pytest.mark.parametrize("f", [2, 3, 4, 5])
@pytest.mark.parametrize("shape", [(23, 31), (24, 30)])
def test_box_downsample_is_matlab_imfilter_then_every_fth(f, shape):
    img = np.random.default_rng(f).integers(0, 256, shape).astype(np.float64)
    expected = matlab_imfilter_box(img, f)[::f, ::f]  # img(1:f:end, 1:f:end)
    np.testing.assert_allclose(box_downsample(img, f), expected, atol=1e-9)


def test_matlab_rgb2gray_levels():
    # MATLAB's rgb2gray of uint8 pure red, green, blue, white, black.
    rgb = np.array([[[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 255], [0, 0, 0]]],
                   np.uint8)
    np.testing.assert_array_equal(to_gray(rgb, weights="matlab"),
                                  [[76, 150, 29, 255, 0]])


def test_matlab_reference_equals_scikit_image_on_the_downsampled_luma():
    a, b = photo_pair(700, 640)  # f = round(2.5) = 3
    got = ssim(a, b, data_range=255, reference="matlab")
    weights = np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    ga, gb = (np.floor(p.astype(np.float64) @ weights + 0.5) for p in (a, b))
    da, db = (matlab_imfilter_box(g, 3)[::3, ::3] for g in (ga, gb))
    score, _ = reference(da, db, GAUSSIAN[1])
    assert abs(got.score - score) <= 1e-9
    assert got.values.shape == (700, 640)


# --- MS-SSIM --------------------------------------------------------------


def msssim_reference(a: np.ndarray, b: np.ndarray, data_range: float = 255.0) -> float:
    """Wang's msssim.m for one channel: float64, SciPy filters, numpy pyramid."""
    c2 = (0.03 * data_range) ** 2
    x, y = a.astype(np.float64), b.astype(np.float64)
    result = 1.0
    for level, weight in enumerate(WANG_WEIGHTS):
        if level == len(WANG_WEIGHTS) - 1:
            score, _ = reference(x, y, GAUSSIAN[1], data_range=data_range)
            return result * score**weight

        def g(z):
            return ndimage.gaussian_filter(z, 1.5, truncate=3.5, mode="reflect")

        mx, my = g(x), g(y)
        cov = g(x * y) - mx * my
        var = g(x * x) - mx * mx + g(y * y) - my * my
        cs = (2 * cov + c2) / (var + c2)
        result *= max(cs[5:-5, 5:-5].mean(), 0.0) ** weight
        x, y = (matlab_imfilter_box(z, 2)[::2, ::2] for z in (x, y))
    raise AssertionError("unreachable")


@pytest.mark.parametrize("shape", [(180, 200), (201, 233)])
def test_msssim_matches_a_direct_float64_computation(shape):
    a, b = (cv2.cvtColor(p, cv2.COLOR_RGB2GRAY) for p in photo_pair(*shape, seed=5))
    got = msssim(a, b, data_range=255)
    assert abs(got.score - msssim_reference(a, b)) <= 1e-5
    assert got.values.shape == shape and got.values.dtype == np.float32


def test_msssim_colour_is_the_mean_of_the_channels():
    a, b = photo_pair(180, 190, seed=9)
    expected = np.mean([msssim_reference(a[:, :, c], b[:, :, c]) for c in range(3)])
    assert abs(msssim(a, b, data_range=255).score - expected) <= 1e-5


def test_msssim_identical_and_ordering():
    a, b = photo_pair(200, 200, seed=2)
    same = msssim(a, a.copy(), data_range=255)
    assert same.score == 1.0 and not same.values.any()
    mild = np.clip(a.astype(np.int16) + 3, 0, 255).astype(np.uint8)
    assert msssim(a, b, data_range=255).score < msssim(a, mild, data_range=255).score < 1.0
    changed = msssim(a, b, data_range=255).values
    h, w = a.shape[:2]
    patch = changed[h // 5: h // 5 + h // 6, w // 2: w // 2 + w // 6].mean()
    assert patch > 3 * changed[: h // 5, : w // 3].mean()  # the map points at the change


# --- Bad input -----------------------------------------------------------


@pytest.mark.parametrize("fn", [ssim, msssim])
@pytest.mark.parametrize("a, b, kwargs, word", [
    (np.zeros((200, 200, 3), np.uint8), np.zeros((200, 201, 3), np.uint8), {}, "same shape"),
    (np.zeros((200, 200, 4), np.uint8), np.zeros((200, 200, 4), np.uint8), {}, "(H, W, 3)"),
    (np.zeros((200, 200), np.int16), np.zeros((200, 200), np.int16), {}, "unsigned"),
    (np.zeros((200, 200), np.uint8), np.zeros((200, 200), np.uint8), {"data_range": 0}, "positive"),
    (np.zeros((200, 200), np.uint8), np.zeros((200, 200), np.uint8), {"reference": "octave"},
     "matlab"),
    (np.zeros((200, 200), np.float32), np.full((200, 200), np.nan, np.float32), {}, "finite"),
])
def test_bad_input_is_an_input_error(fn, a, b, kwargs, word):
    kwargs = {"data_range": 255, **kwargs}
    with pytest.raises(InputError, match=None) as info:
        fn(a, b, **kwargs)
    assert word in str(info.value)


@pytest.mark.parametrize("kwargs, word", [
    ({"win_size": 8}, "odd"), ({"gaussian": False, "win_size": 1}, "odd"),
    ({"sigma": -1.0}, "positive"), ({"win_size": 31}, "win_size"),
])
def test_bad_window_is_an_input_error(kwargs, word):
    a = np.zeros((20, 30), np.uint8)
    with pytest.raises(InputError) as info:
        ssim(a, a, data_range=255, **kwargs)
    assert word in str(info.value)


def test_msssim_needs_room_for_five_scales():
    a = np.zeros((175, 400), np.uint8)
    with pytest.raises(InputError, match="176"):
        msssim(a, a, data_range=255)
    assert msssim(a, a, data_range=255, weights=WANG_WEIGHTS[:3]).score == 1.0
