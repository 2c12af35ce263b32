"""pixelmatch-compatible counts on 4K RGBA images: spotdiff against the tools
a user would otherwise pick, in one run, with the counts checked equal.

Peers (installed on first use into benchmarks/.peers/, which git ignores):

* npm ``pixelmatch@7.2.0`` and ``@blazediff/core@1.10.0``, run in-process on
  decoded RGBA buffers by a small Node script (``node`` must be on PATH);
* PyPI ``blazediff==6.0.2`` (Rust), whose Python API takes file paths, so
  it is compared with spotdiff's file-to-count path.

Inputs are built from the shared third-party data (``$SPOTDIFF_DATA``,
default ``../shared/data``): a UI screenshot pair tiled to 3840x2160, a
photograph upscaled to 4K and saved twice as JPEG (every pixel differs a
little), and an identical pair.

Usage::

    .venv/bin/python benchmarks/bench_pixel.py [--repeat 7] [--skip-peers] [--only-user]

Prints, per case, the median milliseconds and the ratio peer / spotdiff
(higher is better for spotdiff): the kernel's count against each peer, and
what a user calls, ``compare(arrays, method="pixel")`` (map, mask, regions),
against the same peers; fails loudly if a count differs. ``--only-user``
leaves out the kernel-only timings.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS = HERE / ".peers"
WORK = PEERS / "data"
sys.path.insert(0, str(REPO / "src"))

from spotdiff.engine import compare  # noqa: E402
from spotdiff.metrics import pixel as pixel_module  # noqa: E402
from spotdiff.metrics.pixel import pixel  # noqa: E402

W4K, H4K = 3840, 2160
THRESHOLD = 0.1

NODE_SCRIPT = r"""
import fs from 'fs';
import pixelmatch from './node_modules/pixelmatch/index.js';
let blazediff = null;
try {
  ({ diff: blazediff } = await import('./node_modules/@blazediff/core/dist/index.mjs'));
} catch (e) { /* optional peer */ }
const [w, h, repeat, ...files] = process.argv.slice(2);
const out = {};
function time(fn, n) {
  const ms = []; let count = 0;
  fn();  // warm-up (JIT)
  for (let k = 0; k < n; k++) {
    const t = process.hrtime.bigint(); count = fn();
    ms.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  return { ms, count };
}
for (let i = 0; i < files.length; i += 2) {
  const a = new Uint8Array(fs.readFileSync(files[i]));
  const b = new Uint8Array(fs.readFileSync(files[i + 1]));
  const opts = { threshold: %THRESHOLD% };
  out[files[i]] = { pixelmatch: time(() => pixelmatch(a, b, null, +w, +h, opts), +repeat) };
  if (blazediff) {
    out[files[i]].blazediff_js = time(() => blazediff(a, b, undefined, +w, +h, opts), +repeat);
  }
}
console.log(JSON.stringify(out));
"""


def data_dir() -> Path:
    env = os.environ.get("SPOTDIFF_DATA")
    return Path(env) if env else REPO.parent / "shared" / "data"


def _rgba(rgb: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(cv2.cvtColor(rgb, cv2.COLOR_RGB2RGBA))


def _read_rgb(path: Path) -> np.ndarray:
    return cv2.cvtColor(cv2.imread(str(path), cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)


def build_cases() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """name -> (before, after) 4K RGBA uint8 arrays."""
    data = data_dir()
    cases = {}
    ui = data / "blazediff-fixtures" / "blazediff"
    if (ui / "3a.png").exists():
        a, b = _read_rgb(ui / "3a.png"), _read_rgb(ui / "3b.png")
        tile = lambda x: np.tile(x, (2, 3, 1))[:H4K, :W4K]  # noqa: E731
        cases["ui-4k"] = (_rgba(tile(a)), _rgba(tile(b)))
    photo = data / "odiff-fixtures" / "jpg" / "tiger.jpg"
    if photo.exists():
        big = cv2.resize(cv2.imread(str(photo)), (W4K, H4K), interpolation=cv2.INTER_CUBIC)
        x0, y0 = 1500, 800  # a visible change: a patch moved
        changed = big.copy()
        changed[y0 : y0 + 300, x0 : x0 + 500] = big[y0 + 400 : y0 + 700, x0 : x0 + 500]
        enc = [cv2.imdecode(cv2.imencode(".jpg", im, [cv2.IMWRITE_JPEG_QUALITY, q])[1], 1)
               for im, q in ((big, 95), (changed, 90))]
        cases["photo-4k"] = tuple(_rgba(cv2.cvtColor(e, cv2.COLOR_BGR2RGB)) for e in enc)
    if cases:
        first = next(iter(cases.values()))[0]
        cases["same-4k"] = (first, first.copy())
    return cases


def ensure_peers() -> bool:
    """Install the npm peers into benchmarks/.peers/ and PyPI blazediff into
    benchmarks/.peers/py/ when missing (an installed blazediff is used)."""
    PEERS.mkdir(exist_ok=True)
    ok = True
    if shutil.which("npm") and not (PEERS / "node_modules" / "@blazediff" / "core").exists():
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PEERS),
                        "pixelmatch@7.2.0", "@blazediff/core@1.10.0"],
                       check=False, capture_output=True)
    if not (PEERS / "node_modules" / "pixelmatch").exists() or not shutil.which("node"):
        print("npm peers unavailable (node/npm missing?): skipping them")
        ok = False
    if importlib.util.find_spec("blazediff") is None and not (PEERS / "py" / "blazediff").exists():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--target",
                        str(PEERS / "py"), "blazediff==6.0.2"], check=False)
    return ok


FASTEST: dict[str, float] = {}


def median_ms(fn, repeat: int, label: str = "") -> tuple[float, object]:  # noqa: ANN001
    """Median milliseconds of ``repeat`` runs after a warm-up (the fastest
    run is kept in FASTEST[label]: on a shared machine it is the steadier)."""
    fn()  # warm-up: imports, allocator
    times, result = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - t) * 1e3)
    FASTEST[label] = min(times)
    return statistics.median(times), result


def spotdiff_count(a: np.ndarray, b: np.ndarray) -> int:
    """pixelmatch's return value: the count pixel() makes on the way (checked
    against the map in main())."""
    return pixel(a, b, data_range=255, threshold=THRESHOLD, full_map=False).counted


def count_from_map(a: np.ndarray, b: np.ndarray) -> int:
    d = pixel(a, b, data_range=255, threshold=THRESHOLD, full_map=False)
    changed = d.values > THRESHOLD
    changed &= ~d.excluded
    return int(np.count_nonzero(changed))


def run_node(cases: dict, repeat: int) -> dict:
    files = []
    for name, (a, b) in cases.items():
        for tag, arr in (("a", a), ("b", b)):
            path = WORK / f"{name}-{tag}.rgba"
            arr.tofile(path)
            files.append(str(path))
    script = PEERS / "bench_pixel.mjs"
    script.write_text(NODE_SCRIPT.replace("%THRESHOLD%", str(THRESHOLD)))
    res = subprocess.run(["node", str(script), str(W4K), str(H4K), str(repeat), *files],
                         cwd=PEERS, capture_output=True, text=True, check=True)
    raw = json.loads(res.stdout)
    return {name: raw[str(WORK / f"{name}-a.rgba")] for name in cases}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--skip-peers", action="store_true")
    parser.add_argument("--only-user", action="store_true",
                        help="time only the calls a user makes (compare), not pixel() alone")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    cases = build_cases()
    if not cases:
        print(f"no input data under {data_dir()} (set SPOTDIFF_DATA)")
        return 1
    node_ok = not args.skip_peers and ensure_peers()
    node = run_node(cases, args.repeat) if node_ok else {}
    blaze = None
    if not args.skip_peers:
        sys.path.append(str(PEERS / "py"))  # an installed blazediff comes first
        try:
            import blazediff as blaze  # type: ignore[no-redef]
        except ImportError:
            print("PyPI blazediff unavailable: skipping it")

    kernel = pixel_module._kernel
    print(f"threshold {THRESHOLD}, anti-aliasing detected and excluded; "
          f"median of {args.repeat} runs, milliseconds; ratio = peer / spotdiff")
    print("spotdiff's compiled kernel: " + (
        f"built, {pixel_module._workers()} threads" if kernel is not None
        else "NOT BUILT (numpy fallback; reinstall with a C compiler)"))
    failures = 0
    for name, (a, b) in cases.items():
        print(f"\n{name}: {a.shape[1]}x{a.shape[0]} RGBA")
        api_ms, api = median_ms(
            lambda a=a, b=b: compare(a, b, method="pixel").changed_pixels, args.repeat, "api")
        if args.only_user:
            ours_ms, ours = float("nan"), spotdiff_count(a, b)
        else:
            ours_ms, ours = median_ms(lambda a=a, b=b: spotdiff_count(a, b), args.repeat,
                                      "ours")
            full_ms, _ = median_ms(
                lambda a=a, b=b: pixel(a, b, data_range=255, threshold=THRESHOLD), args.repeat)
            print(f"  spotdiff pixel() count          {ours_ms:8.1f} ms  count {ours}  "
                  f"(fastest {FASTEST['ours']:.1f})")
            print(f"  spotdiff pixel() with full map  {full_ms:8.1f} ms")
        if count_from_map(a, b) != ours:
            print(f"  COUNT MISMATCH: the map gives {count_from_map(a, b)}, pixel() counted {ours}")
            failures += 1
        if kernel is not None and not args.only_user:  # the numpy fallback, for the record
            pixel_module._kernel = None
            try:
                numpy_ms, numpy_count = median_ms(lambda a=a, b=b: spotdiff_count(a, b),
                                                  args.repeat, "numpy")
            finally:
                pixel_module._kernel = kernel
            print(f"  spotdiff pixel() count, numpy   {numpy_ms:8.1f} ms  count {numpy_count}  "
                  f"(fastest {FASTEST['numpy']:.1f})")
            if numpy_count != ours:
                print(f"  COUNT MISMATCH: numpy fallback {numpy_count} != kernel {ours}")
                failures += 1
        print(f"  spotdiff.compare(arrays)        {api_ms:8.1f} ms  count {api}  "
              f"(the whole pipeline: map, mask, regions; fastest {FASTEST['api']:.1f})")
        counts = {"spotdiff.compare": api}
        for peer, res in node.get(name, {}).items():
            ms = statistics.median(res["ms"])
            counts[peer] = res["count"]
            kernel_ratio = "" if args.only_user else (
                f"  kernel ratio {ms / ours_ms:5.2f}x (fastest "
                f"{min(res['ms']) / FASTEST['ours']:5.2f}x)")
            print(f"  {peer:<31} {ms:8.1f} ms  count {res['count']}  "
                  f"compare ratio {ms / api_ms:5.2f}x (fastest {min(res['ms']):.1f}, "
                  f"{min(res['ms']) / FASTEST['api']:5.2f}x){kernel_ratio}")
        if blaze is not None:
            pa, pb = WORK / f"{name}-a.png", WORK / f"{name}-b.png"
            for arr, path in ((a, pa), (b, pb)):
                if not path.exists():
                    cv2.imwrite(str(path), cv2.cvtColor(arr, cv2.COLOR_RGBA2BGRA),
                                [cv2.IMWRITE_PNG_COMPRESSION, 1])
            bz_ms, bz = median_ms(
                lambda pa=pa, pb=pb: blaze.compare(str(pa), str(pb), threshold=THRESHOLD,
                                                   antialiasing=True).diff_count or 0,
                args.repeat)
            file_ms, file_count = median_ms(
                lambda pa=pa, pb=pb: compare(pa, pb, method="pixel").changed_pixels,
                args.repeat)
            counts["blazediff (PyPI, files)"] = bz
            print(f"  blazediff 6.0.2 PyPI (files)    {bz_ms:8.1f} ms  count {bz}")
            print(f"  spotdiff.compare(files)         {file_ms:8.1f} ms  count {file_count}  "
                  f"ratio {bz_ms / file_ms:5.2f}x")
        exact = {"pixelmatch", "spotdiff.compare"}
        for peer, count in counts.items():
            if peer in exact and count != ours:
                print(f"  COUNT MISMATCH: {peer} {count} != spotdiff {ours}")
                failures += 1
            elif count != ours:
                print(f"  note: {peer} counts {count} (differs from pixelmatch by "
                      f"{count - ours:+d})")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
