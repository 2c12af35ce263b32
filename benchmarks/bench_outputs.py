"""``-o DIR`` on a 4K pair: what the pictures add, in one run, as ratios.

For each 4K pair (photo, UI page):

* in-process, alternating, medians of ``--runs``: ``spotdiff.compare`` on
  the two files, then ``spotdiff.outputs.write_outputs`` of its default
  pictures and result.json (drawing, encoding in threads, writing) -
  the pictures' time over the compare's (target: <= 1.5x);
* the bytes of the default pictures together (target: <= 15 MB);
* peak RSS of whole ``spotdiff compare A B --json`` and ``... -o DIR``
  processes against the two decoded images (target for ``-o``: <= 3x), with
  the interpreter and imports' own (``python -c "import numpy, cv2"``) also
  taken off, since the whole process without pictures is already above 3x.

    .venv/bin/python benchmarks/bench_outputs.py [--runs 5] [--pairs photo4k,ui4k]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import OUT, clean_env, make_inputs, peak_rss  # noqa: E402

TARGET_TIME = 1.5
TARGET_MB = 15.0
TARGET_MEMORY = 3.0
SPOTDIFF = str(Path(sys.executable).with_name("spotdiff"))


def in_process(before: Path, after: Path, runs: int, folder: Path) -> dict[str, float]:
    import spotdiff
    from spotdiff.outputs import DEFAULT_PICTURES, write_outputs

    compare, pictures = [], []
    for i in range(runs + 1):
        shutil.rmtree(folder, ignore_errors=True)
        start = time.perf_counter()
        diff = spotdiff.compare(before, after)
        middle = time.perf_counter()
        write_outputs(diff, diff.to_dict(), out_dir=folder)
        end = time.perf_counter()
        del diff
        if i:  # the first round warms the page cache and the imports
            compare.append(middle - start)
            pictures.append(end - middle)
    sizes = {name: (folder / f"{name}.png").stat().st_size / 1e6 for name in DEFAULT_PICTURES}
    return {"compare_ms": 1000 * statistics.median(compare),
            "pictures_ms": 1000 * statistics.median(pictures),
            "ratio": statistics.median(p / c for p, c in zip(pictures, compare, strict=True)),
            "mb": sum(sizes.values()), "sizes": sizes}


def memory(before: Path, after: Path, folder: Path) -> dict[str, float]:
    from spotdiff.io.image import load_image

    env = clean_env()
    decoded = sum(load_image(f).pixels.nbytes for f in (before, after)) / 2**20
    floor, _ = peak_rss([sys.executable, "-c", "import numpy, cv2"], env)
    json_only, _ = peak_rss([SPOTDIFF, "compare", str(before), str(after), "--json"], env)
    shutil.rmtree(folder, ignore_errors=True)
    with_o, rc = peak_rss([SPOTDIFF, "compare", str(before), str(after), "--json", "-o",
                           str(folder)], env)
    if rc not in (0, 1):
        raise RuntimeError(f"spotdiff compare -o failed (exit {rc})")
    return {"decoded_mb": decoded, "floor_mb": floor, "json_mb": json_only, "o_mb": with_o,
            "o_ratio": with_o / decoded, "json_ratio": json_only / decoded,
            "o_over_floor": (with_o - floor) / decoded,
            "json_over_floor": (json_only - floor) / decoded}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5, help="in-process rounds (default 5)")
    ap.add_argument("--pairs", default="photo4k,ui4k", help="comma-separated pairs")
    args = ap.parse_args()
    pairs = make_inputs()
    load = os.getloadavg()[0]
    print(f"## -o DIR on 4K pairs (default pictures: mask, heatmap, boxes, overlay); "
          f"load average {load:.1f} on {os.cpu_count()} cores")
    print(f"{'pair':8} {'compare':>9} {'pictures':>9} {'ratio':>6} {'MB':>6}  "
          f"{'peak --json':>12} {'peak -o':>8} {'-o/decoded':>10} {'(-o - floor)/decoded':>21}")
    for key in args.pairs.split(","):
        p = pairs[key]
        folder = OUT / "outputs" / key
        t = in_process(p.before, p.after, args.runs, folder)
        m = memory(p.before, p.after, folder)
        ok = (t["ratio"] <= TARGET_TIME, t["mb"] <= TARGET_MB, m["o_over_floor"] <= TARGET_MEMORY)
        print(f"{key:8} {t['compare_ms']:7.0f}ms {t['pictures_ms']:7.0f}ms {t['ratio']:5.2f}x "
              f"{t['mb']:6.1f}  {m['json_mb']:9.0f} MB {m['o_mb']:5.0f} MB "
              f"{m['o_ratio']:9.2f}x {m['o_over_floor']:20.2f}x  "
              f"{'ok' if all(ok) else 'MISS'} (time <= {TARGET_TIME}x, <= {TARGET_MB:.0f} MB, "
              f"memory <= {TARGET_MEMORY}x)")
        print("         sizes: " + ", ".join(f"{n} {mb:.2f} MB" for n, mb in t["sizes"].items())
              + f"; two decoded images {m['decoded_mb']:.0f} MB, python+numpy+cv2 "
              f"{m['floor_mb']:.0f} MB, --json alone {m['json_ratio']:.2f}x "
              f"({m['json_over_floor']:.2f}x over the floor)")


if __name__ == "__main__":
    main()
