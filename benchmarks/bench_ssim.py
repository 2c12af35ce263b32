"""SSIM score + full map on a 4K pair: spotdiff against scikit-image.

Runs both alternately (the machine is shared and noisy), prints the median
times and the ratio, and checks in the same run that the numbers agree
(score within 1e-4, map within 1e-3); exits 1 on a mismatch.

    .venv/bin/python benchmarks/bench_ssim.py [--runs 5] [--size 3840x2160]
"""

from __future__ import annotations

import argparse
import os
import statistics
import time

import cv2
import numpy as np
from skimage import data
from skimage.metrics import structural_similarity

import spotdiff.metrics.ssim as ssim_module
from spotdiff.metrics.msssim import msssim
from spotdiff.metrics.ssim import ssim

# (label, spotdiff options, scikit-image options)
CASES = [
    ("gray, Gaussian sigma=1.5", {},
     {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}),
    ("gray, uniform 7x7", {"gaussian": False, "win_size": 7, "use_sample_covariance": True},
     {}),
    ("colour, Gaussian sigma=1.5", {},
     {"gaussian_weights": True, "sigma": 1.5, "use_sample_covariance": False}),
    ("colour, uniform 7x7", {"gaussian": False, "win_size": 7, "use_sample_covariance": True},
     {}),
]


def make_pair(width: int, height: int) -> tuple[np.ndarray, np.ndarray]:
    """An upscaled photo and a copy with a pasted object, a brightness shift
    in one area and camera-like noise."""
    rng = np.random.default_rng(7)
    before = cv2.resize(data.astronaut(), (width, height), interpolation=cv2.INTER_CUBIC)
    after = before.astype(np.float32)
    h, w = height, width
    after[h // 5:h // 5 + h // 8, w // 2:w // 2 + w // 10] = (40, 160, 220)   # new object
    after[h // 2:, : w // 4] *= 0.85                                          # shadow
    after += rng.normal(0.0, 2.0, after.shape).astype(np.float32)             # sensor noise
    after = np.clip(np.rint(after), 0, 255).astype(np.uint8)
    return before, after


def timed(fn) -> tuple[float, float, object]:  # noqa: ANN001
    """Wall time, CPU time of this process (all threads), result."""
    start, cpu = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - start, time.process_time() - cpu, out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--size", default="3840x2160")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    rgb_a, rgb_b = make_pair(width, height)
    gray_a = cv2.cvtColor(rgb_a, cv2.COLOR_RGB2GRAY)
    gray_b = cv2.cvtColor(rgb_b, cv2.COLOR_RGB2GRAY)
    kernel = "compiled" if getattr(ssim_module, "_kernel", None) is not None else "numpy"
    print(f"{width}x{height}, uint8, data_range=255, {args.runs} alternating runs, "
          f"OpenCV threads: {cv2.getNumThreads()}, SSIM kernel: {kernel}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("median wall times; 'cpu' is spotdiff's CPU time over all its threads (if wall is "
          "far above cpu / threads, other processes held the cores)")
    print(f"{'case':28} {'spotdiff':>10} {'(cpu)':>8} {'skimage':>10} {'ratio':>7}   "
          f"{'|d score|':>9} {'max |d map|':>11}")
    mismatches = 0
    for label, ours_opts, sk_opts in CASES:
        colour = label.startswith("colour")
        a, b = (rgb_a, rgb_b) if colour else (gray_a[:, :, None], gray_b[:, :, None])
        sk_args = {"channel_axis": 2} if colour else {}
        ours_t, ours_cpu, sk_t = [], [], []
        for _ in range(args.runs):
            t, cpu, ours = timed(lambda a=a, b=b, o=ours_opts: ssim(a, b, data_range=255, **o))
            ours_t.append(t)
            ours_cpu.append(cpu)
            t, _, (score, smap) = timed(lambda a=a, b=b, o=sk_opts, c=sk_args:
                                        structural_similarity(
                                            a if c else a[:, :, 0], b if c else b[:, :, 0],
                                            data_range=255, full=True, **o, **c))
            sk_t.append(t)
        if colour:
            smap = smap.mean(axis=2)
        d_score = abs(ours.score - score)
        d_map = float(np.abs((1.0 - ours.values) - smap).max())
        ok = "ok" if d_score <= 1e-4 and d_map <= 1e-3 else "MISMATCH"
        mismatches += ok != "ok"
        m_ours, m_sk = statistics.median(ours_t), statistics.median(sk_t)
        print(f"{label:28} {1000 * m_ours:8.1f}ms {1000 * statistics.median(ours_cpu):6.0f}ms "
              f"{1000 * m_sk:8.1f}ms {m_sk / m_ours:6.1f}x   {d_score:9.1e} {d_map:11.1e} {ok}")

    ms = [timed(lambda: msssim(rgb_a, rgb_b, data_range=255)) for _ in range(args.runs)]
    print(f"{'msssim colour (no skimage)':28} {1000 * statistics.median(m[0] for m in ms):8.1f}ms "
          f"{1000 * statistics.median(m[1] for m in ms):6.0f}ms")
    print(f"load average at the end: {os.getloadavg()[0]:.2f}")
    return 1 if mismatches else 0


if __name__ == "__main__":
    raise SystemExit(main())
