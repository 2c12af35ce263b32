"""The default compare on noisy 1080p JPEG pairs, against decoding the two files.

The zero-option default explains a pair's global part first (shift, light,
encoding: ``spotdiff.decompose``) and then compares the noisy pair blurred
against its noise floor. Its target is the time to decode the two JPEGs:
the floor, decoding both files and nothing else (``cv2.imread`` of each, one
after the other), measured in the same run, alternating run by run.

* ``camera``: two frames of a fixed camera as the evaluation set makes
  them (``spotdiff.evalset.pairs``' auto-exposure kind: sensor grain on
  each, a gain and a gentle tone curve on the second, an object arriving in
  it) from scikit-image's coffee photo enlarged to 1920x1080, saved as JPEG
  at quality 85;
* ``photo``: the 1080p photo pair of ``bench_core.py`` (scikit-image's
  astronaut enlarged, a box and a caption pasted in AFTER), BEFORE saved at
  JPEG quality 92, AFTER at 85.

    .venv/bin/python benchmarks/bench_default.py [--runs 15] [--4k]

Prints per pair the median of the compare (files to result), of the floor
and of spotdiff's own threaded decoding, and the ratio compare / floor
(target: <= 1.0). The inputs are written once under ``bench-out/inputs/``.

``--4k`` also times the default compare on the 4K RGBA PNG files of
``bench_pixel.py`` (its UI pair and its JPEG-roundtrip photo pair, written
by it under ``benchmarks/.peers/data/``, or here the same way) against
PyPI ``blazediff==6.0.2``'s ``compare(a, b, threshold=0.1,
antialiasing=True)`` on the same files, alternating run by run; the ratio
is blazediff / spotdiff (target: >= 1.3).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_core import INPUTS, _photo  # noqa: E402

#: Bump when the generated inputs change, so stale files are rebuilt.
VERSION = "3"


def _camera_frames() -> tuple:
    """Two frames of a fixed camera made as the evaluation set makes them
    (``spotdiff.evalset.pairs``' auto-exposure kind) on a 1080p scene."""
    import cv2
    import numpy as np
    from skimage import data

    from spotdiff.evalset.pairs import _camera

    scene = cv2.resize(data.coffee()[:338], (1920, 1080), interpolation=cv2.INTER_CUBIC)
    other = cv2.resize(data.chelsea(), (1920, 1080), interpolation=cv2.INTER_CUBIC)
    first, second, _ = _camera(scene, other, np.random.default_rng(0))
    return first, second  # RGB, decoded from JPEG at quality 85


def make_inputs() -> dict[str, tuple[Path, Path]]:
    """The two JPEG pairs, written once."""
    import cv2

    folder = INPUTS / f"default-v{VERSION}"
    pairs = {name: (folder / f"{name}-before.jpg", folder / f"{name}-after.jpg")
             for name in ("camera", "photo")}
    if all(p.exists() for pair in pairs.values() for p in pair):
        return pairs
    folder.mkdir(parents=True, exist_ok=True)
    before, after = _camera_frames()
    for path, rgb in zip(pairs["camera"], (before, after), strict=True):
        cv2.imwrite(str(path), rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, 85])
    for path, changed, quality in ((pairs["photo"][0], False, 92), (pairs["photo"][1], True, 85)):
        rgb = _photo(1920, 1080, changed=changed)
        cv2.imwrite(str(path), rgb[:, :, ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
    return pairs


def bench(pairs: dict[str, tuple[Path, Path]], runs: int) -> list[dict]:
    import cv2

    import spotdiff
    from spotdiff.io.image import load_pair

    def floor(b: Path, a: Path) -> None:
        cv2.imread(str(b), cv2.IMREAD_COLOR)
        cv2.imread(str(a), cv2.IMREAD_COLOR)

    rows = []
    for name, (b, a) in pairs.items():
        d = spotdiff.compare(b, a)  # warm up (imports, caches)
        floor(b, a)
        calls = {"compare": spotdiff.compare, "floor": floor, "load_pair": load_pair}
        times: dict[str, list[float]] = {key: [] for key in calls}
        for _ in range(runs):
            for key, call in calls.items():  # alternate run by run
                t = time.perf_counter()
                call(b, a)
                times[key].append(time.perf_counter() - t)
        med = {k: 1000 * statistics.median(v) for k, v in times.items()}
        rows.append({"pair": name, **{f"{k}_ms": v for k, v in med.items()},
                     "ratio": med["compare"] / med["floor"], "regions": len(d.regions),
                     "noise": d.noise, "global": d.info.get("global")})
    return rows


def bench_4k(runs: int) -> list[dict]:
    """The default compare on bench_pixel.py's 4K PNG files against PyPI
    blazediff on the same files (None for blazediff when it is missing)."""
    import bench_pixel
    import cv2

    import spotdiff

    bench_pixel.WORK.mkdir(parents=True, exist_ok=True)
    files = {name: (bench_pixel.WORK / f"{name}-a.png", bench_pixel.WORK / f"{name}-b.png")
             for name in ("ui-4k", "photo-4k")}
    if not all(p.exists() for pair in files.values() for p in pair):
        for name, pair in bench_pixel.build_cases().items():  # as bench_pixel.py writes them
            for arr, path in zip(pair, files.get(name, ()), strict=False):
                cv2.imwrite(str(path), cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA),
                            [cv2.IMWRITE_PNG_COMPRESSION, 1])
    files = {k: v for k, v in files.items() if all(p.exists() for p in v)}
    bench_pixel.ensure_peers()
    sys.path.append(str(bench_pixel.PEERS / "py"))
    try:
        import blazediff  # type: ignore[import-not-found]
    except ImportError:
        blazediff = None
        print("PyPI blazediff unavailable: timing spotdiff alone")
    rows = []
    for name, (a, b) in files.items():
        calls = {"spotdiff": lambda a=a, b=b: spotdiff.compare(a, b)}
        if blazediff is not None:
            calls["blazediff"] = lambda a=a, b=b: blazediff.compare(
                str(a), str(b), threshold=0.1, antialiasing=True)
        d = spotdiff.compare(a, b)
        times: dict[str, list[float]] = {key: [] for key in calls}
        for _ in range(runs + 1):  # the first round warms up
            for key, call in calls.items():
                t = time.perf_counter()
                call()
                times[key].append(time.perf_counter() - t)
        med = {k: 1000 * statistics.median(v[1:]) for k, v in times.items()}
        rows.append({"pair": name, "spotdiff_ms": med["spotdiff"],
                     "blazediff_ms": med.get("blazediff"), "noise": d.noise,
                     "regions": len(d.regions)})
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--4k", dest="four_k", action="store_true",
                        help="also the default compare on bench_pixel.py's 4K PNG files "
                             "against PyPI blazediff")
    args = parser.parse_args()
    rows = bench(make_inputs(), args.runs)
    print("\n## Default compare on noisy 1080p JPEG pairs (target: <= 1.0x decoding both files)")
    print(f"{'pair':8} {'compare':>10} {'floor':>10} {'ratio':>7} {'own decode':>11}  found")
    for r in rows:
        g = r["global"]
        said = "no global part" if g is None else f"global {g['model']}, light {g['light_levels']}"
        print(f"{r['pair']:8} {r['compare_ms']:8.1f}ms {r['floor_ms']:8.1f}ms {r['ratio']:6.2f}x "
              f"{r['load_pair_ms']:9.1f}ms  {r['regions']} region(s), noise {r['noise']}, {said}")

    if args.four_k:
        print("\n## Default compare on the 4K PNG files of bench_pixel.py "
              "(target: blazediff / spotdiff >= 1.3)")
        print(f"{'pair':9} {'spotdiff':>10} {'blazediff':>10} {'ratio':>7}  found")
        for r in bench_4k(args.runs):
            bz = r["blazediff_ms"]
            ratio = f"{bz / r['spotdiff_ms']:6.2f}x" if bz else "      -"
            bz_text = f"{bz:8.1f}ms" if bz else "         -"
            print(f"{r['pair']:9} {r['spotdiff_ms']:8.1f}ms {bz_text} {ratio}  "
                  f"{r['regions']} region(s), noise {r['noise']}")


if __name__ == "__main__":
    main()
