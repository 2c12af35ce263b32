"""Whole command line, cold: spotdiff against odiff and blazediff.

Each command is a fresh process (interpreter start-up, imports, decoding
both PNGs, comparing, writing), timed with the wall clock from Python, the
tools taking turns in every round (the machine is shared and noisy); the
medians and their ratios are printed.

* ``spotdiff compare A B --json`` (the default method) against
  ``odiff A B`` (the native binary, not its Node wrapper) and
  ``python -c "blazediff.compare(A, B)"``;
* with one diff picture: ``--diff-image FILE`` against odiff's and
  blazediff's diff PNG (their file sizes are printed too);
* ``spotdiff (opencv)``: the same with OpenCV's PNG codecs instead of
  imagecodecs and fpng (``SPOTDIFF_PNG_CODEC=opencv``), for information.

    .venv/bin/python benchmarks/bench_cli.py [--runs 7] [--pairs photo4k,ui4k,cypress37mp]
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import OUT, Pair, clean_env, make_inputs, run_command  # noqa: E402

#: Targets: spotdiff / odiff at most this much.
TARGET_PICTURE = 1.2
TARGET_JSON = 1.5

BLAZEDIFF = (
    "import sys, blazediff\n"
    "r = blazediff.compare(sys.argv[1], sys.argv[2], *sys.argv[3:])\n"
    "print(r.diff_count)\n"
)


#: The least any numpy-based Python tool pays: start, import numpy and the
#: fastest PNG decoder here, decode both files in two threads, exit.
DECODE_FLOOR = (
    "import sys\n"
    "from concurrent.futures import ThreadPoolExecutor\n"
    "import numpy, imagecodecs\n"
    "def load(path):\n"
    "    with open(path, 'rb') as f:\n"
    "        return imagecodecs.png_decode(f.read())\n"
    "with ThreadPoolExecutor(2) as pool:\n"
    "    a, b = pool.map(load, sys.argv[1:3])\n"
)


def commands(pair: Pair, picture: bool, odiff: Path | None) -> dict[str, tuple[list[str], dict]]:
    """name -> (argv, environment) for one pair, with or without a diff picture."""
    out = OUT / "cli"
    out.mkdir(parents=True, exist_ok=True)
    a, b = str(pair.before), str(pair.after)
    spotdiff = str(Path(sys.executable).with_name("spotdiff"))
    env = clean_env()
    cmds: dict[str, tuple[list[str], dict]] = {}
    extra = ["--diff-image", str(out / "spotdiff.png")] if picture else []
    cmds["spotdiff"] = ([spotdiff, "compare", a, b, "--json", *extra], env)
    if odiff is not None:
        cmds["odiff"] = ([str(odiff), a, b, *([str(out / "odiff.png")] if picture else []),
                          "--parsable-stdout"], env)
    cmds["blazediff"] = ([sys.executable, "-c", BLAZEDIFF, a, b,
                          *([str(out / "blazediff.png")] if picture else [])], env)
    cmds["floor"] = ([sys.executable, "-c", DECODE_FLOOR, a, b], env)
    extra_cv = ["--diff-image", str(out / "spotdiff-opencv.png")] if picture else []
    cmds["spotdiff (opencv)"] = ([spotdiff, "compare", a, b, "--json", *extra_cv],
                                 clean_env(SPOTDIFF_PNG_CODEC="opencv"))
    return cmds


#: Exit codes that mean "compared" (different or not) for each tool.
OK_CODES = {"odiff": (0, 22), "blazediff": (0,)}


def measure(pair: Pair, picture: bool, runs: int, odiff: Path | None) -> dict[str, dict]:
    cmds = commands(pair, picture, odiff)
    for name, (argv, env) in cmds.items():  # warm-up: page cache, byte code
        first = run_command(argv, env)
        if first.returncode not in OK_CODES.get(name, (0, 1)):
            raise RuntimeError(f"{name} failed (exit {first.returncode}): "
                               f"{first.stderr.strip()[-400:]}")
    times: dict[str, list[float]] = {k: [] for k in cmds}
    rss: dict[str, float] = {k: 0.0 for k in cmds}
    for _ in range(runs):
        for name, (argv, env) in cmds.items():
            r = run_command(argv, env)
            times[name].append(r.seconds)
            rss[name] = max(rss[name], r.max_rss_mb)
    result = {}
    for name in cmds:
        entry = {"ms": 1000 * statistics.median(times[name]), "rss_mb": rss[name]}
        if picture:
            pic = {"spotdiff": "spotdiff.png", "odiff": "odiff.png", "floor": "-",
                   "blazediff": "blazediff.png", "spotdiff (opencv)": "spotdiff-opencv.png"}
            path = OUT / "cli" / pic[name]
            entry["png_mb"] = path.stat().st_size / 2**20 if path.exists() else float("nan")
        result[name] = entry
    return result


def report(pairs: dict[str, Pair], runs: int, odiff: Path | None,
           only: list[str] | None = None) -> list[dict]:
    """Measure every pair with and without a picture; print the table."""
    rows = []
    print("\n## Whole CLI, cold (target 3: <= 1.2x odiff with a diff PNG, <= 1.5x without; "
          "faster than blazediff)")
    print(f"{runs} alternating runs per tool; medians. odiff = native binary.")
    header = (f"{'pair':12} {'output':10} {'spotdiff':>9} {'odiff':>9} {'blazediff':>9} "
              f"{'sd/odiff':>9} {'sd/blaze':>9} {'sd(opencv)':>10}  {'PNG MB sd/od/bd':>16}"
              f"  {'floor/odiff':>11}")
    print(header)
    floor = import_floor(runs)
    for key in ("photo4k", "ui4k", "cypress37mp"):
        if key not in pairs or (only and key not in only):
            continue
        for picture in (False, True):
            res = measure(pairs[key], picture, runs, odiff)
            sd = res["spotdiff"]["ms"]
            od = res.get("odiff", {}).get("ms", float("nan"))
            bd = res["blazediff"]["ms"]
            target = TARGET_PICTURE if picture else TARGET_JSON
            row = {"pair": key, "picture": picture, "spotdiff_ms": sd, "odiff_ms": od,
                   "blazediff_ms": bd, "opencv_ms": res["spotdiff (opencv)"]["ms"],
                   "vs_odiff": sd / od, "vs_blazediff": sd / bd, "target": target,
                   "rss_mb": res["spotdiff"]["rss_mb"], "floor_ms": res["floor"]["ms"],
                   "floor_vs_odiff": res["floor"]["ms"] / od}
            sizes = ""
            if picture:
                sizes = "/".join(f"{res[n]['png_mb']:.1f}" if n in res else "-"
                                 for n in ("spotdiff", "odiff", "blazediff"))
                row["png_mb"] = {n: res[n]["png_mb"] for n in res}
            rows.append(row)
            ok = "ok" if row["vs_odiff"] <= target and row["vs_blazediff"] < 1 else "MISS"
            print(f"{key:12} {'json+png' if picture else 'json':10} {sd:7.0f}ms {od:7.0f}ms "
                  f"{bd:7.0f}ms {row['vs_odiff']:8.2f}x {row['vs_blazediff']:8.2f}x "
                  f"{row['opencv_ms']:8.0f}ms  {sizes:>16}  {row['floor_vs_odiff']:10.2f}x"
                  f"  {ok} (<= {target}x)")
    print(f"floor for any Python tool here: `python -c 'import numpy, cv2'` takes "
          f"{floor:.0f} ms (median of {runs}), before reading a byte; floor/odiff: a cold "
          "Python process that only imports numpy + imagecodecs and decodes both PNGs in two "
          "threads (no comparison, no output), against odiff's whole run")
    return rows


def import_floor(runs: int) -> float:
    """Median wall time of a cold ``python -c 'import numpy, cv2'`` (ms)."""
    cmd = [sys.executable, "-c", "import numpy, cv2"]
    env = clean_env()
    run_command(cmd, env)
    return 1000 * statistics.median(run_command(cmd, env).seconds for _ in range(runs))


def main() -> None:
    from _peers import ensure_npm, ensure_pypi

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--pairs", default="", help="comma-separated subset of the pairs")
    args = parser.parse_args()
    ensure_pypi()
    peers = ensure_npm()
    pairs = make_inputs()
    only = [p for p in args.pairs.split(",") if p] or None
    report(pairs, args.runs, peers.odiff, only)


if __name__ == "__main__":
    main()
