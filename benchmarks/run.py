"""Every speed target in one command: spotdiff side by side with the tools a
user would otherwise pick, medians and ratios, correctness checked in the
same run.

    .venv/bin/python benchmarks/run.py [--runs 7] [--quick] [--skip ssim,pixel,default,cli,core]

1. installs the peers when missing (npm ``odiff-bin@4.5.0`` and
   ``pixelmatch@7.2.0`` into ``benchmarks/.peers/``; PyPI ``blazediff``,
   ``scikit-image`` and spotdiff's ``fast`` extra into this environment);
2. generates the inputs once under ``bench-out/inputs/`` and reads the
   37-Mpx screenshot pair from the shared data (``$SPOTDIFF_DATA``);
3. runs ``bench_ssim.py`` (SSIM against scikit-image, values compared),
   ``bench_pixel.py`` (pixelmatch-compatible counts against pixelmatch and
   blazediff, counts compared) and ``bench_default.py`` (the default on
   noisy 1080p JPEG pairs against decoding both files) as they are, then
   the whole-CLI comparison (``bench_cli.py``) and spotdiff's own targets
   (``bench_core.py``);
4. prints a summary of the targets; the whole output is also written to
   ``bench-out/benchmarks.txt``.

Each part alternates the tools run by run on this shared, noisy machine and
reports medians; read ratios, not absolute times.
"""

from __future__ import annotations

import argparse
import io
import os
import platform
import subprocess
import sys
from contextlib import redirect_stdout
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_cli  # noqa: E402
import bench_core  # noqa: E402
from _peers import ensure_npm, ensure_pypi, versions  # noqa: E402


class _Tee(io.TextIOBase):
    """Write to the terminal and keep a copy."""

    def __init__(self, stream) -> None:  # noqa: ANN001
        self.stream, self.copy = stream, io.StringIO()

    def write(self, text: str) -> int:
        self.stream.write(text)
        self.stream.flush()
        self.copy.write(text)
        return len(text)


def _run_script(name: str, runs: int) -> int:
    """Run a sibling benchmark script as it is, passing the run count."""
    script = HERE / name
    if not script.exists():
        print(f"({name} is not there: skipped)")
        return 0
    help_text = subprocess.run([sys.executable, str(script), "--help"], capture_output=True,
                               text=True, env=bench_core.clean_env()).stdout
    args = []
    for flag in ("--runs", "--repeat"):
        if flag in help_text:
            args = [flag, str(runs)]
            break
    proc = subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          env=bench_core.clean_env())
    print(proc.stdout.rstrip())
    if proc.returncode != 0:
        print(f"{name} FAILED (exit {proc.returncode}):\n{proc.stderr.strip()[-2000:]}")
    return proc.returncode


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="runs per tool (default 7)")
    parser.add_argument("--quick", action="store_true",
                        help="3 runs, and the CLI comparison without the 37-Mpx pair")
    parser.add_argument("--skip", default="", help="parts to skip: ssim,pixel,default,cli,core")
    args = parser.parse_args()
    runs = 3 if args.quick else args.runs
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}

    tee = _Tee(sys.stdout)
    failures = 0
    with redirect_stdout(tee):
        ensure_pypi()
        peers = ensure_npm()
        pairs = bench_core.make_inputs()
        import cv2

        print("# spotdiff benchmarks")
        print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
              f"OpenCV threads {cv2.getNumThreads()}")
        print(", ".join(f"{k} {v}" for k, v in versions().items()))
        for note in peers.notes:
            print(f"note: {note}")

        if "ssim" not in skip:
            print("\n## SSIM, score + full map (target 1: >= 20x scikit-image)")
            failures += _run_script("bench_ssim.py", runs) != 0
        if "pixel" not in skip:
            print("\n## pixelmatch-compatible count (target 2: >= 3x pixelmatch 7.2.0, "
                  "faster than blazediff, equal counts)")
            failures += _run_script("bench_pixel.py", runs) != 0
        if "default" not in skip:  # prints its own heading
            failures += _run_script("bench_default.py", runs) != 0
        cli_rows = []
        if "cli" not in skip:
            only = ["photo4k", "ui4k"] if args.quick else None
            cli_rows = bench_cli.report(pairs, runs, peers.odiff, only)
        core = None
        if "core" not in skip:
            cli = str(Path(sys.executable).with_name("spotdiff"))
            core = bench_core.report(pairs, runs, cli)

        print("\n## Summary (targets 3-6; 1 and 2 are in their sections above)")
        for r in cli_rows:
            kind = "JSON + diff PNG" if r["picture"] else "JSON only"
            print(f"3. CLI {r['pair']:12} {kind:16} {r['vs_odiff']:5.2f}x odiff "
                  f"(target <= {r['target']}), {r['vs_blazediff']:5.2f}x blazediff "
                  f"(target < 1): {_verdict(r['vs_odiff'] <= r['target'])} / "
                  f"{_verdict(r['vs_blazediff'] < 1)}")
        if core is not None:
            for r in core["identical"]:
                if r["case"].startswith("files: decoding both"):
                    print(f"   {'(floor of the line above: decoding both files)':34} "
                          f"{100 * r['of_full']:5.1f}% of a full compare")
                elif r["of_full"] < 1 - 1e-9:
                    print(f"4. {r['case']:34} {100 * r['of_full']:5.1f}% of a full compare "
                          f"(target <= 10%): {_verdict(r['of_full'] <= 0.10)}")
            for r in core["memory"]:
                print(f"5. peak RSS {r['pair']:12} {r['ratio']:5.2f}x the decoded pair "
                      f"(target <= 6x): {_verdict(r['ratio'] <= 6)}")
            hd = core["hd"]
            print(f"6. 1080p default method in-process: {hd['ms']:.1f} ms (target <= 15 ms): "
                  f"{_verdict(hd['ms'] <= 15)}")
    out = bench_core.OUT / "benchmarks.txt"
    out.parent.mkdir(exist_ok=True)
    out.write_text(tee.copy.getvalue())
    print(f"\n(written to {out})")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
