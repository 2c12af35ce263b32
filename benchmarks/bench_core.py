"""Inputs for the benchmarks, and the in-process measurements of spotdiff itself.

* identical inputs: byte-identical files, the same pixels in two different
  files, and equal arrays, each against a full compare of the same kind;
  and from the command line, byte-identical files (which the CLI answers
  from the PNG header without numpy: checked before timing) against a full
  compare;
* memory: peak RSS of a whole ``spotdiff compare`` process against the size
  of the two decoded images;
* 1080p: the default method, in-process, on decoded arrays.

    .venv/bin/python benchmarks/bench_core.py [--runs 7] [--only identical|memory|1080p]

The inputs are written once under ``bench-out/inputs/`` (git-ignored):
a 4K photo pair (scikit-image's astronaut, upscaled, with sensor-like grain
shared by both and a pasted box and caption in AFTER), a 4K UI-like page
pair (text, buttons, a thumbnail; a button recoloured and a line of text
changed), a 1080p photo pair, and for the identical-input cases a byte copy
and a re-encoded copy (same pixels, other bytes) of the 4K photo.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
OUT = REPO / "bench-out"
INPUTS = OUT / "inputs"
#: Bump when the generated inputs change, so stale files are rebuilt.
INPUTS_VERSION = "1"


def shared_data() -> Path:
    env = os.environ.get("SPOTDIFF_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


# --------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class Pair:
    name: str
    before: Path
    after: Path
    note: str


def _photo(width: int, height: int, *, changed: bool):  # noqa: ANN202
    import cv2
    import numpy as np
    from skimage import data

    photo = data.astronaut()[112:400]  # 512x288: 16:9
    big = cv2.resize(photo, (width, height), interpolation=cv2.INTER_CUBIC).astype(np.float32)
    grain = np.random.default_rng(0).normal(0.0, 3.0, big.shape).astype(np.float32)
    img = np.clip(np.rint(big + grain), 0, 255).astype(np.uint8)
    if changed:
        s = width / 3840
        cv2.rectangle(img, (int(2400 * s), int(600 * s)), (int(2800 * s), int(900 * s)),
                      (250, 40, 40), -1)
        cv2.putText(img, "v2.1", (int(300 * s), int(1900 * s)), cv2.FONT_HERSHEY_SIMPLEX,
                    4 * s, (255, 255, 255), max(1, int(8 * s)), cv2.LINE_AA)
    return img


def _ui_page(width: int, height: int, *, changed: bool):  # noqa: ANN202
    """A rendered web-page-like screen: bars, text, buttons, a thumbnail."""
    import cv2
    import numpy as np
    from skimage import data

    img = np.full((height, width, 3), 248, np.uint8)
    cv2.rectangle(img, (0, 0), (width, 120), (32, 41, 64), -1)
    cv2.putText(img, "spotdiff dashboard", (40, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.6,
                (255, 255, 255), 3, cv2.LINE_AA)
    cv2.rectangle(img, (0, 120), (480, height), (236, 239, 244), -1)
    for i in range(24):
        cv2.putText(img, f"Menu item {i + 1}", (40, 200 + 60 * i), cv2.FONT_HERSHEY_SIMPLEX,
                    0.9, (60, 60, 70), 2, cv2.LINE_AA)
    rng = np.random.default_rng(1)
    words = ["change", "image", "region", "pixel", "threshold", "report", "batch", "camera",
             "compare", "mask", "result", "score"]
    for row in range(52):
        y = 200 + 36 * row
        line = " ".join(rng.choice(words, size=9))
        if changed and row == 17:
            line = line.upper()
        cv2.putText(img, line, (560, y), cv2.FONT_HERSHEY_SIMPLEX, 0.8, (30, 30, 30), 1,
                    cv2.LINE_AA)
    for i in range(6):
        x = 560 + 260 * i
        colour = (0, 122, 255) if not (changed and i == 3) else (40, 167, 69)
        cv2.rectangle(img, (x, 2080 * height // 2160 - 70), (x + 220, 2080 * height // 2160),
                      colour, -1)
        cv2.putText(img, f"Action {i + 1}", (x + 30, 2080 * height // 2160 - 25),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.9, (255, 255, 255), 2, cv2.LINE_AA)
    thumb = cv2.resize(data.chelsea(), (960, 630), interpolation=cv2.INTER_AREA)
    img[260:890, width - 1100:width - 140] = thumb
    return img


def _write_png(path: Path, rgb, level: int = 3) -> None:  # noqa: ANN001
    import cv2

    ok = cv2.imwrite(str(path), rgb[:, :, ::-1].copy(), [cv2.IMWRITE_PNG_COMPRESSION, level])
    if not ok:
        raise RuntimeError(f"could not write {path}")


def make_inputs(log=print) -> dict[str, Pair]:  # noqa: ANN001
    """Generate the benchmark inputs once; return the pairs by name."""
    INPUTS.mkdir(parents=True, exist_ok=True)
    stamp = INPUTS / "VERSION"
    if not (stamp.exists() and stamp.read_text() == INPUTS_VERSION):
        log(f"generating inputs in {INPUTS} ...")
        for size, tag in (((3840, 2160), "4k"), ((1920, 1080), "1080p")):
            _write_png(INPUTS / f"photo{tag}-before.png", _photo(*size, changed=False))
            _write_png(INPUTS / f"photo{tag}-after.png", _photo(*size, changed=True))
        _write_png(INPUTS / "ui4k-before.png", _ui_page(3840, 2160, changed=False))
        _write_png(INPUTS / "ui4k-after.png", _ui_page(3840, 2160, changed=True))
        shutil.copyfile(INPUTS / "photo4k-before.png", INPUTS / "photo4k-copy.png")
        # same pixels, other bytes: another zlib level
        _write_png(INPUTS / "photo4k-reencoded.png", _photo(3840, 2160, changed=False), level=6)
        stamp.write_text(INPUTS_VERSION)
    i = INPUTS
    pairs = {
        "photo4k": Pair("photo4k", i / "photo4k-before.png", i / "photo4k-after.png",
                        "3840x2160 RGB photo with grain, ~13 MB PNGs"),
        "ui4k": Pair("ui4k", i / "ui4k-before.png", i / "ui4k-after.png",
                     "3840x2160 RGB UI-like page"),
        "photo1080p": Pair("photo1080p", i / "photo1080p-before.png", i / "photo1080p-after.png",
                           "1920x1080 RGB photo with grain"),
    }
    large = shared_data() / "odiff-fixtures" / "large"
    if (large / "www.cypress.io.png").exists():
        pairs["cypress37mp"] = Pair(
            "cypress37mp", large / "www.cypress.io.png", large / "www.cypress.io-1.png",
            "3446x10728 RGBA screenshot pair (odiff's README pair)")
    return pairs


# --------------------------------------------------------------------------- helpers


def clean_env(**extra: str) -> dict[str, str]:
    """The environment for measured commands: byte-code caching on (as for an
    installed package), plus ``extra``."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.update(extra)
    return env


@dataclass(frozen=True)
class Run:
    seconds: float
    returncode: int
    stdout: str
    stderr: str
    max_rss_mb: float


def run_command(cmd: list[str], env: dict[str, str] | None = None) -> Run:
    """Run a command: its wall time (and a peak RSS that includes this process's
    own at fork time; use :func:`peak_rss` for one command's)."""
    import tempfile

    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(elapsed, proc.returncode, out.read().decode(errors="replace"),
                   err.read().decode(errors="replace"), usage.ru_maxrss / 1024)


#: Runs a command and prints its peak RSS in KiB. A small process must start
#: it: on Linux a child's ru_maxrss starts from its parent's RSS at fork.
_RSS_PROBE = (
    "import os, subprocess, sys\n"
    "p = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)\n"
    "_, status, usage = os.wait4(p.pid, 0)\n"
    "print(usage.ru_maxrss, os.waitstatus_to_exitcode(status))\n"
)


def peak_rss(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, int]:
    """Peak RSS (MiB) and exit code of one command."""
    out = subprocess.run([sys.executable, "-S", "-c", _RSS_PROBE, *cmd], env=env,
                         capture_output=True, text=True, check=True).stdout.split()
    return int(out[0]) / 1024, int(out[1])


def median_ms(values: list[float]) -> float:
    return 1000 * statistics.median(values)


# --------------------------------------------------------------------------- measurements


def bench_identical(pairs: dict[str, Pair], runs: int) -> list[dict]:
    """Target 4: identical inputs against a full compare of the same kind."""
    import numpy as np

    import spotdiff
    from spotdiff.io.image import load_image, load_pair

    p = pairs["photo4k"]
    copy, reenc = INPUTS / "photo4k-copy.png", INPUTS / "photo4k-reencoded.png"
    before = load_image(p.before).pixels
    after = load_image(p.after).pixels
    twin = before.copy()
    assert np.array_equal(load_image(reenc).pixels, before), "re-encoded copy must be equal"
    cases = {
        "files: full compare": lambda: spotdiff.compare(p.before, p.after),
        "files: same bytes": lambda: spotdiff.compare(p.before, copy),
        "files: same pixels, other bytes": lambda: spotdiff.compare(p.before, reenc),
        # the floor of the case above: both files decoded (two threads), nothing else
        "files: decoding both, no compare": lambda: load_pair(p.before, reenc),
        "arrays: full compare": lambda: spotdiff.compare(before, after),
        "arrays: equal pixels": lambda: spotdiff.compare(before, twin),
    }
    for fn in cases.values():  # warm up (and check the verdicts)
        fn()
    assert not cases["files: same bytes"]().different
    assert not cases["files: same pixels, other bytes"]().different
    assert not cases["arrays: equal pixels"]().different
    times: dict[str, list[float]] = {k: [] for k in cases}
    for _ in range(runs):
        for name, fn in cases.items():
            t = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - t)
    med = {k: median_ms(v) for k, v in times.items()}
    rows = []
    for name, ms in med.items():
        base = "files: full compare" if name.startswith("files") else "arrays: full compare"
        rows.append({"case": name, "ms": ms, "of_full": ms / med[base]})
    # The same from the command line, cold (interpreter and imports included).
    cli = str(Path(sys.executable).with_name("spotdiff"))
    env = clean_env()
    engine_env = clean_env(SPOTDIFF_NO_FAST_PATH="1")
    same = [cli, "compare", str(p.before), str(copy), "--json"]
    check_cli_fast_path(same[1:], env)
    cmds = {"CLI: full compare": ([cli, "compare", str(p.before), str(p.after), "--json"], env),
            "CLI: same bytes": (same, env),
            "CLI: same bytes, engine": (same, engine_env)}
    cli_times: dict[str, list[float]] = {k: [] for k in cmds}
    for argv, cmd_env in cmds.values():
        run_command(argv, cmd_env)
    for _ in range(runs):
        for name, (argv, cmd_env) in cmds.items():
            cli_times[name].append(run_command(argv, cmd_env).seconds)
    full = median_ms(cli_times["CLI: full compare"])
    for name in ("CLI: full compare", "CLI: same bytes"):
        ms = median_ms(cli_times[name])
        rows.append({"case": name, "ms": ms, "of_full": ms / full})
    # for reference, not a target: the same files through the engine
    rows[-1]["engine_ms"] = median_ms(cli_times["CLI: same bytes, engine"])
    return rows


#: Runs the CLI in-process and prints its exit code and the heavy modules it
#: imported.
_IMPORT_PROBE = (
    "import io, sys\n"
    "from spotdiff.cli import main\n"
    "code = main(sys.argv[1:], stdout=io.StringIO())\n"
    "print(code, *[m for m in ('numpy', 'cv2', 'spotdiff.engine') if m in sys.modules])\n"
)


def check_cli_fast_path(argv: list[str], env: dict[str, str]) -> None:
    """Byte-identical files: the command answers without numpy, OpenCV or the
    engine, and prints what the engine prints (SPOTDIFF_NO_FAST_PATH=1)."""
    probe = subprocess.run([sys.executable, "-c", _IMPORT_PROBE, *argv], env=env,
                           capture_output=True, text=True, check=True).stdout.split()
    if probe != ["0"]:
        raise RuntimeError(f"the same-bytes answer did not take the fast path: {probe}")
    cli = str(Path(sys.executable).with_name("spotdiff"))
    fast = run_command([cli, *argv], env)
    engine = run_command([cli, *argv], clean_env(SPOTDIFF_NO_FAST_PATH="1"))
    if (fast.returncode, fast.stdout) != (engine.returncode, engine.stdout):
        raise RuntimeError("the same-bytes answer differs from the engine's")


def bench_memory(pairs: dict[str, Pair], spotdiff_cli: str) -> list[dict]:
    """Target 5: peak RSS of a whole CLI compare (JSON only) per pair."""
    from spotdiff.io.image import load_image

    rows = []
    env = clean_env()
    baseline, _ = peak_rss([sys.executable, "-c", "import numpy, cv2"], env)
    for key in ("photo4k", "ui4k", "cypress37mp"):
        if key not in pairs:
            continue
        p = pairs[key]
        decoded = sum(load_image(f).pixels.nbytes for f in (p.before, p.after)) / 2**20
        peak, rc = peak_rss([spotdiff_cli, "compare", str(p.before), str(p.after), "--json"], env)
        if rc not in (0, 1):
            raise RuntimeError(f"spotdiff compare failed on {key} (exit {rc})")
        rows.append({"pair": key, "decoded_mb": decoded, "peak_mb": peak,
                     "ratio": peak / decoded, "baseline_mb": baseline})
    return rows


def bench_1080p(pairs: dict[str, Pair], runs: int) -> dict:
    """Target 6: default method, in-process, decoded 1080p arrays."""
    import spotdiff
    from spotdiff.io.image import load_image

    p = pairs["photo1080p"]
    a, b = load_image(p.before).pixels, load_image(p.after).pixels
    for _ in range(3):
        diff = spotdiff.compare(a, b)
    times = []
    for _ in range(max(runs, 15)):
        t = time.perf_counter()
        spotdiff.compare(a, b)
        times.append(time.perf_counter() - t)
    return {"ms": median_ms(times), "best_ms": 1000 * min(times), "method": diff.method,
            "changed_pixels": diff.changed_pixels, "regions": len(diff.regions)}


def report(pairs: dict[str, Pair], runs: int, spotdiff_cli: str,
           only: str | None = None) -> dict:
    """Run the measurements (``only`` one of identical, memory, 1080p) and
    print them; returns the numbers."""
    ident: list[dict] = []
    mem: list[dict] = []
    hd: dict = {}
    if only in (None, "identical"):
        print("\n## Identical inputs (target 4: <= 10% of a full compare), 4K photo, "
              "in-process and cold CLI")
        ident = bench_identical(pairs, runs)
        print(f"{'case':34} {'median':>10} {'of full':>8}")
        for r in ident:
            print(f"{r['case']:34} {r['ms']:8.1f}ms {100 * r['of_full']:7.1f}%")
        engine = ident[-1].get("engine_ms")
        print(f"(CLI same bytes with SPOTDIFF_NO_FAST_PATH=1, through the engine: {engine:.1f}ms)")

    if only in (None, "memory"):
        print("\n## Memory (target 5: peak RSS <= 6x the two decoded images), whole CLI, "
              "JSON only")
        mem = bench_memory(pairs, spotdiff_cli)
        print(f"{'pair':12} {'decoded pair':>13} {'peak RSS':>10} {'ratio':>7}   "
              f"(python+numpy+cv2 alone: {mem[0]['baseline_mb']:.0f} MB)" if mem else "")
        for r in mem:
            print(f"{r['pair']:12} {r['decoded_mb']:10.0f} MB {r['peak_mb']:7.0f} MB "
                  f"{r['ratio']:6.2f}x")

    if only in (None, "1080p"):
        print("\n## 1080p, default method, in-process (target 6: <= 15 ms)")
        hd = bench_1080p(pairs, runs)
        print(f"median {hd['ms']:.1f} ms (best {hd['best_ms']:.1f} ms), method {hd['method']}, "
              f"{hd['changed_pixels']} changed pixels, {hd['regions']} regions")
    return {"identical": ident, "memory": mem, "hd": hd}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--only", choices=("identical", "memory", "1080p"),
                        help="run one of the measurements")
    args = parser.parse_args()
    pairs = make_inputs()
    cli = str(Path(sys.executable).with_name("spotdiff"))
    report(pairs, args.runs, cli, args.only)


if __name__ == "__main__":
    main()
