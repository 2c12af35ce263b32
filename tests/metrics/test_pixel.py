"""The pixelmatch-compatible method against a scalar reference.

The reference below is a direct, pixel-by-pixel transcription of the
algorithm pixelmatch 7.2.0 documents and runs (YIQ delta of blended pixels,
``delta > 35215 t^2``, Vysniauskas's anti-aliasing test on both images), in
plain Python floats: no numpy on the decision path, nothing shared with the
vectorised implementation. Published single-pixel expectations from
pixelmatch's own tests complete it.
"""

from __future__ import annotations

import io
import json
import math

import numpy as np
import pytest

import spotdiff
from kernels import compiled_or_numpy
from spotdiff.cli import main
from spotdiff.errors import InputError
from spotdiff.metrics import pixel as pixel_module
from spotdiff.metrics.pixel import antialiased_mask, max_delta, pixel, signed_delta
from spotdiff.regions import find_regions, find_regions_in_rows
from spotdiff.render.pixelmatch import PixelmatchDiffAnnotator

# --- scalar reference ---------------------------------------------------------------------


def _bg(k: int, checkerboard: bool) -> tuple[float, float, float]:
    if not checkerboard:
        return 255.0, 255.0, 255.0
    return (48.0 + 159.0 * (k % 2), 48.0 + 159.0 * (int(k / 1.618033988749895) % 2),
            48.0 + 159.0 * (int(k / 2.618033988749895) % 2))


def _diffs(p, q, k, checkerboard):  # noqa: ANN001, ANN202
    r1, g1, b1, a1 = (float(v) for v in p)
    r2, g2, b2, a2 = (float(v) for v in q)
    if a1 < 255 or a2 < 255:
        rb, gb, bb = _bg(k, checkerboard)
        da = a1 - a2
        return ((r1 * a1 - r2 * a2 - rb * da) / 255, (g1 * a1 - g2 * a2 - gb * da) / 255,
                (b1 * a1 - b2 * a2 - bb * da) / 255)
    return r1 - r2, g1 - g2, b1 - b2


def _ref_delta(p, q, k, checkerboard):  # noqa: ANN001, ANN202
    dr, dg, db = _diffs(p, q, k, checkerboard)
    y = dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223
    i = dr * 0.59597799 - dg * 0.27417610 - db * 0.32180189
    q_ = dr * 0.21147017 - dg * 0.52261711 + db * 0.31114694
    delta = 0.5053 * y * y + 0.299 * i * i + 0.1957 * q_ * q_
    return -delta if y > 0 else delta


def _ref_brightness(img, w, c, n, checkerboard):  # noqa: ANN001, ANN202
    if tuple(img[c]) == tuple(img[n]):
        return 0.0
    dr, dg, db = _diffs(img[c], img[n], 4 * c, checkerboard)
    return dr * 0.29889531 + dg * 0.58662247 + db * 0.11448223


def _ref_many_siblings(img, x1, y1, w, h):  # noqa: ANN001, ANN202
    zeroes = 1 if x1 in (0, w - 1) or y1 in (0, h - 1) else 0
    centre = tuple(img[y1 * w + x1])
    for x in range(max(x1 - 1, 0), min(x1 + 1, w - 1) + 1):
        for y in range(max(y1 - 1, 0), min(y1 + 1, h - 1) + 1):
            if (x, y) != (x1, y1) and tuple(img[y * w + x]) == centre:
                zeroes += 1
    return zeroes > 2


def _ref_antialiased(img, x1, y1, w, h, a, b, checkerboard):  # noqa: ANN001, ANN202
    zeroes = 1 if x1 in (0, w - 1) or y1 in (0, h - 1) else 0
    lo = hi = 0.0
    lo_xy = hi_xy = (0, 0)
    for x in range(max(x1 - 1, 0), min(x1 + 1, w - 1) + 1):
        for y in range(max(y1 - 1, 0), min(y1 + 1, h - 1) + 1):
            if (x, y) == (x1, y1):
                continue
            d = _ref_brightness(img, w, y1 * w + x1, y * w + x, checkerboard)
            if d == 0:
                zeroes += 1
                if zeroes > 2:
                    return False
            elif d < lo:
                lo, lo_xy = d, (x, y)
            elif d > hi:
                hi, hi_xy = d, (x, y)
    if lo == 0 or hi == 0:
        return False
    return (_ref_many_siblings(a, *lo_xy, w, h) and _ref_many_siblings(b, *lo_xy, w, h)) or (
        _ref_many_siblings(a, *hi_xy, w, h) and _ref_many_siblings(b, *hi_xy, w, h))


def reference(a8, b8, t, include_aa=False, checkerboard=True):  # noqa: ANN001, ANN201
    """(count, aa pixels, darker pixels) of pixelmatch on RGBA uint8 arrays."""
    h, w = a8.shape[:2]
    a = [tuple(int(v) for v in px) for px in a8.reshape(-1, 4)]
    b = [tuple(int(v) for v in px) for px in b8.reshape(-1, 4)]
    limit = 35215 * t * t
    count, aa, darker = 0, set(), set()
    for i in range(h * w):
        delta = 0.0 if a[i] == b[i] else _ref_delta(a[i], b[i], 4 * i, checkerboard)
        if abs(delta) > limit:
            x, y = i % w, i // w
            if not include_aa and (_ref_antialiased(a, x, y, w, h, a, b, checkerboard)
                                   or _ref_antialiased(b, x, y, w, h, a, b, checkerboard)):
                aa.add(i)
            else:
                count += 1
                if delta < 0:
                    darker.add(i)
    return count, aa, darker


def random_pair(rng: np.random.Generator, h: int, w: int, *, alpha: bool):
    """Blocky images with flat areas and edges (where anti-aliasing lives)."""
    palette = rng.integers(0, 256, (int(rng.integers(2, 6)), 4)).astype(np.uint8)
    palette[:, 3] = 255
    if alpha:
        palette[rng.random(len(palette)) < 0.5, 3] = rng.choice([0, 1, 128, 254])
    block = int(rng.integers(1, 5))
    small = palette[rng.integers(0, len(palette), (h // block + 1, w // block + 1))]
    a = np.ascontiguousarray(np.repeat(np.repeat(small, block, 0), block, 1)[:h, :w])
    b = a.copy()
    touched = rng.random((h, w)) < rng.choice([0.05, 0.3, 1.0])
    noise = rng.integers(-60, 61, (h, w, 4))
    if not alpha:
        noise[..., 3] = 0
    b[touched] = np.clip(a[touched].astype(int) + noise[touched], 0, 255).astype(np.uint8)
    return a, b


def _count(a, b, t, **kw) -> tuple[int, set]:  # noqa: ANN001
    kw.setdefault("data_range", 255)
    d = pixel(a, b, threshold=t, **kw)
    above = d.values > t
    aa = above & d.excluded if d.excluded is not None else np.zeros_like(above)
    return int((above & ~aa).sum()), set(np.flatnonzero(aa).tolist())


# --- counts against the reference ----------------------------------------------------------


needs_kernel = pytest.mark.skipif(
    pixel_module._kernel is None,
    reason="spotdiff._pixelmatch is not built (reinstall with a C compiler: pip install -e .)")


@pytest.fixture(params=["compiled", "numpy"])
def implementation(request, monkeypatch) -> str:  # noqa: ANN001
    """Run a test with the compiled kernel and again with the numpy fallback."""
    return compiled_or_numpy(request, monkeypatch, pixel_module, "spotdiff._pixelmatch")


@pytest.mark.parametrize("seed", range(12))
def test_counts_and_aa_match_the_reference(seed: int, implementation: str) -> None:
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(6, 28, 2))
    alpha = seed % 3 == 0
    a, b = random_pair(rng, h, w, alpha=alpha)
    t = float(rng.choice([0.0, 0.05, 0.1, 0.3, round(float(rng.random()), 3)]))
    checkerboard = bool(seed % 2)
    include_aa = seed % 5 == 4
    ref_count, ref_aa, _ = reference(a, b, t, include_aa, checkerboard)
    blend = "checkerboard" if checkerboard else "white"
    for full_map in (True, False):
        count, aa = _count(a, b, t, alpha_blend=blend, include_aa=include_aa, full_map=full_map)
        assert (count, aa) == (ref_count, ref_aa)
        counted = pixel(a, b, data_range=255, threshold=t, alpha_blend=blend,
                        include_aa=include_aa, full_map=full_map).counted
        assert counted == ref_count  # pixelmatch's return value, counted on the way
    assert pixel(a, b, data_range=255, threshold=None).counted is None
    if not alpha:  # the same pair without its (opaque) alpha channel
        count, aa = _count(a[..., :3].copy(), b[..., :3].copy(), t, include_aa=include_aa)
        assert (count, aa) == (ref_count, ref_aa)


def test_large_pair_takes_the_fast_paths_and_still_matches(implementation: str) -> None:
    # 60x70 blocky pair: interior pixels use the table-luma path, and more
    # than a quarter of the pixels differ, so the dense map is computed.
    rng = np.random.default_rng(99)
    a, b = random_pair(rng, 60, 70, alpha=False)
    b = np.where(rng.random(a.shape[:2] + (1,)) < 0.5, b ^ np.uint8(1), b).astype(np.uint8)
    for t in (0.05, 0.2):
        ref_count, ref_aa, _ = reference(a, b, t)
        assert _count(a, b, t) == (ref_count, ref_aa)
        assert _count(a, b, t, full_map=False) == (ref_count, ref_aa)


def test_threshold_test_is_exact_at_the_boundary(implementation: str) -> None:
    # Thresholds placed exactly on pixels' own deltas: `values > t` must
    # agree with pixelmatch's `delta > 35215 t t` where float rounding decides.
    rng = np.random.default_rng(5)
    a = rng.integers(0, 256, (1, 400, 3)).astype(np.uint8)
    b = rng.integers(0, 256, (1, 400, 3)).astype(np.uint8)
    deltas = [abs(_ref_delta((*p, 255), (*q, 255), 0, True))
              for p, q in zip(a[0].tolist(), b[0].tolist(), strict=True)]
    for delta in deltas[:40]:
        t = math.sqrt(delta / 35215)
        expected = sum(d > 35215 * t * t for d in deltas)
        d = pixel(a, b, data_range=255, threshold=t, include_aa=True)
        assert int((d.values > t).sum()) == expected  # numpy, float64 comparison
        assert int(spotdiff.compare(a, b, method="pixel", threshold=t,
                                    include_aa=True).changed_pixels) == expected  # OpenCV


def test_max_delta_follows_each_tools_arithmetic() -> None:
    assert max_delta(0.1) == 35215 * 0.1 * 0.1
    assert max_delta(0.1, "odiff") == math.trunc(35215 * (0.1 * 0.1) * 4096) / 4096


# --- published single-pixel expectations (pixelmatch test/test.js) -------------------------


def test_checkerboard_versus_white_blending() -> None:
    a = np.array([[[0, 0, 0, 128]]], np.uint8)
    b = np.array([[[127, 127, 127, 255]]], np.uint8)
    assert _count(a, b, 0.1)[0] == 1
    assert _count(a, b, 0.1, alpha_blend="white")[0] == 0


def test_black_against_white_is_the_largest_gray_distance() -> None:
    a = np.zeros((3, 3, 3), np.uint8)
    b = a.copy()
    b[1, 1] = 255
    d = pixel(a, b, data_range=255, threshold=0.1)
    # only Y differs between grays: sqrt(0.5053 * 255^2 / 35215) = 0.9659
    expected = math.sqrt(abs(_ref_delta((0, 0, 0, 255), (255, 255, 255, 255), 0, True)) / 35215)
    assert d.values[1, 1] == pytest.approx(expected, rel=1e-6)
    assert expected == pytest.approx(0.9659, abs=1e-4)
    assert d.units.startswith("YIQ")
    assert d.score == pytest.approx(1 - float(d.values.sum()) / 9, rel=1e-9)


# --- compiled kernel against the numpy fallback --------------------------------------------


def _both(a, b, monkeypatch, **kw):  # noqa: ANN001, ANN202
    """pixel() through the compiled kernel, then through numpy."""
    kw.setdefault("data_range", 255)
    fast = pixel(a, b, **kw)
    with monkeypatch.context() as m:
        m.setattr(pixel_module, "_kernel", None)
        slow = pixel(a, b, **kw)
    return fast, slow


def _assert_same(fast, slow, t, dense_fallback, variant="pixelmatch") -> None:  # noqa: ANN001
    t = 0.0 if t is None else t
    assert np.array_equal(fast.values > t, slow.values > t)
    if fast.excluded is None:
        assert slow.excluded is None
    else:
        assert np.array_equal(fast.excluded, slow.excluded)
    if dense_fallback:  # numpy's float32 map away from the candidates, for odiff
        # from pixelmatch's float delta rather than odiff's 12-bit one
        tol = 2e-3 if variant == "odiff" else 1e-5
        np.testing.assert_allclose(fast.values, slow.values, rtol=tol, atol=tol / 10)
        assert fast.score == pytest.approx(slow.score, abs=tol)
    else:
        assert np.array_equal(fast.values, slow.values)
        assert fast.score == pytest.approx(slow.score, rel=1e-12, abs=1e-12)


@needs_kernel
@pytest.mark.parametrize("seed", range(24))
def test_compiled_kernel_and_numpy_agree(seed: int, monkeypatch) -> None:  # noqa: ANN001
    rng = np.random.default_rng(1000 + seed)
    h, w = (int(v) for v in rng.integers(1, 40, 2))
    alpha = seed % 3 == 0
    a, b = random_pair(rng, h, w, alpha=alpha)
    channels = (4, 3, 1)[seed % 3] if not alpha else 4
    if channels == 3:
        a, b = a[..., :3].copy(), b[..., :3].copy()
    elif channels == 1:
        a, b = a[..., :1].copy(), b[..., :1].copy()
    variant = "odiff" if seed % 4 == 1 else "pixelmatch"
    blend = "white" if variant == "odiff" or seed % 2 else "checkerboard"
    t = [None, 0.0, 0.05, 0.1, 0.3, 1.2][seed % 6]
    include_aa = seed % 7 == 6
    differing = np.count_nonzero((a != b).any(axis=2))
    for full_map in (True, False):
        fast, slow = _both(a, b, monkeypatch, threshold=t, include_aa=include_aa,
                           alpha_blend=blend, variant=variant, full_map=full_map)
        _assert_same(fast, slow, t, full_map and differing > h * w // 4, variant)


@needs_kernel
@pytest.mark.parametrize("variant", ["pixelmatch", "odiff"])
def test_compiled_kernel_bands_match_numpy(variant: str, monkeypatch) -> None:  # noqa: ANN001
    # Large enough to be cut into bands scanned on several threads: the
    # anti-aliasing test of a band's edge rows reads the next band's pixels.
    rng = np.random.default_rng(2)
    a, b = random_pair(rng, 520, 560, alpha=True)  # 76 000 above 0.05, 18 000 anti-aliased
    assert a.shape[0] * a.shape[1] >= pixel_module._SERIAL_PIXELS
    blend = "white" if variant == "odiff" else "checkerboard"
    for t in (0.05, 0.2):
        fast, slow = _both(a, b, monkeypatch, threshold=t, variant=variant,
                           alpha_blend=blend, full_map=False)
        _assert_same(fast, slow, t, dense_fallback=False)
        assert fast.excluded.any()
    monkeypatch.setattr(pixel_module, "_workers", lambda: 1)
    serial = pixel(a, b, data_range=255, threshold=0.05, variant=variant, alpha_blend=blend)
    monkeypatch.undo()
    threaded = pixel(a, b, data_range=255, threshold=0.05, variant=variant, alpha_blend=blend)
    assert np.array_equal(serial.values, threaded.values)
    assert np.array_equal(serial.excluded, threaded.excluded)


# --- anti-aliasing detector ----------------------------------------------------------------


def test_antialiased_mask_on_a_moved_soft_edge() -> None:
    a = np.zeros((7, 7, 3), np.uint8)
    a[:, 4:] = 255
    a[:, 3] = 128  # the anti-aliased column
    b = a.copy()
    b[:, 3] = 255  # the edge got sharper
    changed = np.any(a != b, axis=2)
    aa = antialiased_mask(a, b, changed)
    assert aa[:, 3].all() and aa.sum() == 7
    # A change inside a flat area is not anti-aliasing.
    c = a.copy()
    c[3, 0] = 90
    assert not antialiased_mask(a, c, np.any(a != c, axis=2)).any()


def test_include_aa_skips_detection_and_counts_everything() -> None:
    rng = np.random.default_rng(3)
    a, b = random_pair(rng, 20, 20, alpha=False)
    d = pixel(a, b, data_range=255, threshold=0.05, include_aa=True)
    assert d.excluded is None
    assert int((d.values > 0.05).sum()) == reference(a, b, 0.05, include_aa=True)[0]


# --- depths, channels, engine, CLI ---------------------------------------------------------


def test_gray_and_sixteen_bit_inputs() -> None:
    rng = np.random.default_rng(8)
    a, b = random_pair(rng, 16, 16, alpha=False)
    ref = _count(a, b, 0.1)
    wide = (a.astype(np.uint16) * 257, b.astype(np.uint16) * 257)
    assert _count(*wide, 0.1, data_range=65535) == ref
    g1, g2 = a[..., :1].copy(), b[..., :1].copy()
    rgb1, rgb2 = np.repeat(g1, 3, axis=2), np.repeat(g2, 3, axis=2)
    assert _count(g1, g2, 0.1) == _count(rgb1, rgb2, 0.1)


def test_engine_and_cli_report_the_reference_count(tmp_path) -> None:  # noqa: ANN001
    import cv2

    rng = np.random.default_rng(11)
    a, b = random_pair(rng, 24, 30, alpha=True)
    expected = reference(a, b, 0.05)[0]
    assert spotdiff.compare(a, b, method="pixel", threshold=0.05).changed_pixels == expected
    for name, arr in (("a.png", a), ("b.png", b)):
        cv2.imwrite(str(tmp_path / name), cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA))
    out = io.StringIO()
    code = main(["compare", str(tmp_path / "a.png"), str(tmp_path / "b.png"), "--method", "pixel",
                 "--threshold", "0.05", "--json"], stdout=out, stderr=io.StringIO())
    assert json.loads(out.getvalue())["changed_pixels"] == expected
    assert code == (1 if expected else 0)


def test_bad_options_are_one_line_errors(tmp_path) -> None:  # noqa: ANN001
    a = np.zeros((4, 4, 3), np.uint8)
    with pytest.raises(InputError, match="alpha_blend"):
        pixel(a, a, data_range=255, alpha_blend="black")
    with pytest.raises(InputError, match="variant"):
        pixel(a, a, data_range=255, variant="blazediff")
    with pytest.raises(InputError, match="white with variant odiff"):
        pixel(a, a, data_range=255, variant="odiff", alpha_blend="checkerboard")
    with pytest.raises(InputError, match="threshold"):
        pixel(a, a, data_range=255, threshold=-1)
    with pytest.raises(InputError, match="same shape"):
        pixel(a, a[:2], data_range=255)
    err = io.StringIO()
    path = tmp_path / "a.png"
    import cv2

    cv2.imwrite(str(path), a)
    assert main(["compare", str(path), str(path), "--alpha-blend", "white"],
                stdout=io.StringIO(), stderr=err) == 2
    assert err.getvalue().count("\n") == 1 and "--method pixel" in err.getvalue()


# --- the diff picture ----------------------------------------------------------------------


def test_diff_picture_colours_and_mask() -> None:
    a = np.full((5, 6, 3), 200, np.uint8)
    b = a.copy()
    b[1, 1] = 0      # darker
    b[3, 4] = 255    # brighter
    d = spotdiff.compare(a, b, method="pixel")
    pic = PixelmatchDiffAnnotator(diff_color_alt=(0, 255, 0)).annotate(d)
    assert pic.shape == (5, 6, 4) and pic.dtype == np.uint8
    assert pic[1, 1].tolist() == [0, 255, 0, 255]
    assert pic[3, 4].tolist() == [255, 0, 0, 255]
    # Background: 255 + (Y - 255) * 0.1 with Y = 200 * (sum of luma weights), truncated.
    gray = math.trunc(255 + (200 * 0.29889531 + 200 * 0.58662247 + 200 * 0.11448223 - 255) * 0.1)
    assert pic[0, 0].tolist() == [gray, gray, gray, 255]
    masked = PixelmatchDiffAnnotator(diff_mask=True).annotate(d)
    assert masked[0, 0].tolist() == [0, 0, 0, 0]
    assert int((masked[..., 3] > 0).sum()) == 2
    assert signed_delta(a, b, np.array([1 * 6 + 1, 3 * 6 + 4])).tolist()[0] < 0


def test_diff_picture_rejects_bad_style() -> None:
    with pytest.raises(InputError):
        PixelmatchDiffAnnotator(alpha=2.0)
    with pytest.raises(InputError):
        PixelmatchDiffAnnotator(diff_color=(300, 0, 0))


def test_pad_count_follows_odiffs_size_rule() -> None:
    # Counts printed by the odiff 4.5.0 binary for these synthetic pairs:
    # pixels only one image covers count unless fully transparent, the
    # overlap is compared, and the fraction is over max(w) x max(h).
    small = np.zeros((4, 4, 4), np.uint8)
    small[..., 3] = 255
    small[0, 0, 3] = 0
    big = np.zeros((8, 8, 4), np.uint8)
    big[:6, :6, 3] = 255
    for a, b in ((small, big), (big, small)):
        d = spotdiff.compare(a, b, method="pixel", include_aa=True, size="pad-count",
                             method_options={"variant": "odiff"})
        assert (d.changed_pixels, round(100 * d.changed_fraction, 2)) == (21, 32.81)
    tall = np.zeros((8, 6, 3), np.uint8)
    wide = np.zeros((6, 8, 3), np.uint8)
    d = spotdiff.compare(tall, wide, method="pixel", include_aa=True, size="pad-count")
    assert (d.changed_pixels, d.changed_fraction) == (24, 24 / 64)
    # `pad` compares the overlap only.
    d = spotdiff.compare(tall, wide, method="pixel", size="pad")
    assert d.changed_pixels == 0


@pytest.mark.parametrize("seed", range(6))
def test_antialiased_mask_compiled_equals_numpy(seed, monkeypatch):
    import cv2

    import spotdiff.metrics.pixel as pixel_module

    if pixel_module._kernel is None:
        pytest.skip("the compiled kernel is not built here")
    rng = np.random.default_rng(seed)
    h, w = (int(v) for v in rng.integers(12, 90, 2))
    a = (cv2.GaussianBlur(rng.integers(0, 256, (h, w, 3), dtype=np.uint8), (0, 0), 1.5) // 32
         * 32).astype(np.uint8)  # flat areas and hard edges
    b = cv2.GaussianBlur(a, (3, 3), 0.7)  # the edges re-rendered softer
    b[rng.integers(0, h, 5), rng.integers(0, w, 5)] = 255  # and a few real changes
    candidates = np.any(a != b, axis=2) & (rng.random((h, w)) < 0.8)
    fast = pixel_module.antialiased_mask(a, b, candidates)
    monkeypatch.setattr(pixel_module, "_kernel", None)
    slow = pixel_module.antialiased_mask(a, b, candidates)
    np.testing.assert_array_equal(fast, slow)
    assert slow.any() and not slow[~candidates].any()


# --- the mask without the map (pixel_changes) -----------------------------------------------


@pytest.mark.parametrize("seed", range(16))
def test_changes_are_the_maps_pixels_above_the_threshold(seed: int, implementation: str) -> None:
    # pixel_changes against the pixelmatch reference, and against pixel()'s map
    rng = np.random.default_rng(100 + seed)
    h, w = (int(v) for v in rng.integers(6, 40, 2))
    a, b = random_pair(rng, h, w, alpha=seed % 3 == 0)
    t = float(rng.choice([0.0, 0.05, 0.1, 0.3]))
    include_aa = seed % 4 == 3
    blend = "checkerboard" if seed % 2 else "white"
    ref_count, ref_aa, _ = reference(a, b, t, include_aa, blend == "checkerboard")
    changes = pixel_module.pixel_changes(a, b, data_range=255, threshold=t,
                                         include_aa=include_aa, alpha_blend=blend)
    assert changes.counted == ref_count == int(changes.mask.sum())
    assert np.array_equal(changes.rows, changes.mask.sum(axis=1))
    d = pixel(a, b, data_range=255, threshold=t, include_aa=include_aa, alpha_blend=blend)
    expected = d.values > t
    if d.excluded is not None:
        assert set(np.flatnonzero(d.excluded).tolist()) == ref_aa
        assert np.array_equal(changes.excluded, d.excluded)
        expected &= ~d.excluded
    else:
        assert changes.excluded is None
    assert np.array_equal(changes.mask, expected)
    assert changes.score == d.score
    index = rng.integers(0, h * w, 50)
    assert np.array_equal(changes.values_at(index), d.values.reshape(-1)[index])
    # the regions from the kernel's own labelling of the mask's runs (or the
    # windows' fallback) are those of the whole frame, in the same order
    regions = find_regions_in_rows(changes.mask, changes.rows, changes.values_at,
                                   component_sums=changes.component_sums)
    assert regions == find_regions(expected, d.values)
    assert np.array_equal(changes.diff_map(), d.values)


@needs_kernel
@pytest.mark.parametrize("seed", range(4))
def test_kernel_clears_its_rows_and_keeps_the_counted_values(seed: int) -> None:
    # pixel_changes() hands the scan unzeroed outputs and the regions the
    # values the scan kept: garbage in the outputs must not show, and the
    # kept values must be the map's at the mask's pixels, in raster order
    rng = np.random.default_rng(200 + seed)
    a, b = random_pair(rng, 30, 41, alpha=seed % 2 == 1)
    h, w, c = a.shape
    t = 0.05
    low, high = (float(v) for v in pixel_module._threshold_levels(t))
    d = pixel(a, b, data_range=255, threshold=t, alpha_blend="checkerboard")
    expected = (d.values > t) & ~d.excluded
    kernel = pixel_module._kernel
    for y0, y1 in ((0, h), (0, 11), (11, 29), (29, h)):
        aa, mask = np.ones((h, w), np.bool_), np.ones((h, w), np.bool_)
        rows = np.full(h, 7, np.int32)
        count, _, _, kept = kernel.scan(a, b, None, aa, w, h, c, y0, y1, False, True, True,
                                        True, max_delta(t), low, high, -1, mask, rows)
        np.testing.assert_array_equal(mask[y0:y1], expected[y0:y1])
        np.testing.assert_array_equal(aa[y0:y1], d.excluded[y0:y1])
        np.testing.assert_array_equal(rows[y0:y1], expected[y0:y1].sum(axis=1))
        assert count == int(expected[y0:y1].sum())
        np.testing.assert_array_equal(np.frombuffer(kept, np.float32),
                                      d.values[y0:y1][expected[y0:y1]])
    changes = pixel_module.pixel_changes(a, b, data_range=255, threshold=t)
    assert changes.counted > 0
    out = np.empty((11, changes.counted), np.float64)
    with pytest.raises(ValueError, match="kept"):  # one value short of the mask
        kernel.regions(a, b, changes.mask.view(np.uint8), changes.rows, out, w, h, c, False, True,
                       True, max_delta(t), low, high, changes._kept[:-1])


def test_changes_of_16_bit_images_take_the_map() -> None:
    rng = np.random.default_rng(3)
    a, b = random_pair(rng, 20, 30, alpha=False)
    a16, b16 = (x.astype(np.uint16) * 257 for x in (a, b))
    changes = pixel_module.pixel_changes(a16, b16, data_range=65535, threshold=0.1)
    d = pixel(a16, b16, data_range=65535, threshold=0.1)
    assert np.array_equal(changes.mask, (d.values > 0.1) & ~d.excluded)
    assert changes.counted == d.counted
    with pytest.raises(InputError):
        pixel_module.pixel_changes(a, b, data_range=255, threshold=-1.0)
