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

    .venv/bin/python benchmarks/bench_default.py [--runs 15]

Prints per pair the median of the compare (files to result), of the floor
and of spotdiff's own threaded decoding, and the ratio compare / floor
(target: <= 1.0). The inputs are written once under ``bench-out/inputs/``.
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    rows = bench(make_inputs(), args.runs)
    print("\n## Default compare on noisy 1080p JPEG pairs (target: <= 1.0x decoding both files)")
    print(f"{'pair':8} {'compare':>10} {'floor':>10} {'ratio':>7} {'own decode':>11}  found")
    for r in rows:
        g = r["global"]
        said = "no global part" if g is None else f"global {g['model']}, light {g['light_levels']}"
        print(f"{r['pair']:8} {r['compare_ms']:8.1f}ms {r['floor_ms']:8.1f}ms {r['ratio']:6.2f}x "
              f"{r['load_pair_ms']:9.1f}ms  {r['regions']} region(s), noise {r['noise']}, {said}")


if __name__ == "__main__":
    main()
