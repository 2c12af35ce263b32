"""The long fuzz run, as one command::

    python -m tests.fuzz --cases 2000 --seed 1

(from the repository root). Prints counts per kind, per mutation and per
outcome, then every broken promise with its reproduction; the folders of
broken cases are kept under ``--workdir``. Exit code 1 if any promise broke.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from . import cases as fuzz_cases


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tests.fuzz", description=__doc__.split("\n")[0])
    p.add_argument("--cases", type=int, default=2000, help="number of mutants (default 2000)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--signals", type=int, default=30, help="signal cases (default 30)")
    p.add_argument("--concurrent", type=int, default=20, help="concurrent-run cases (default 20)")
    p.add_argument("--workers", type=int, default=2, help="cases run at once (default 2)")
    p.add_argument("--workdir", type=Path, help="keep case folders here (default: a new "
                   "temporary folder, printed at the end)")
    args = p.parse_args(argv)

    root = args.workdir or Path(tempfile.mkdtemp(prefix="spotdiff-fuzz-"))
    shared = root / "_shared"
    shared.mkdir(parents=True, exist_ok=True)
    todo = fuzz_cases.all_cases(args.cases, args.seed, shared, args.signals, args.concurrent)
    started = time.monotonic()
    done = Counter[str]()

    def progress(i: int, case: fuzz_cases.Case, v: object) -> None:
        done["n"] += 1
        if done["n"] % 100 == 0:
            print(f"  {done['n']}/{len(todo)} cases, {time.monotonic() - started:.0f} s",
                  file=sys.stderr, flush=True)

    results = fuzz_cases.run_cases(todo, root, workers=args.workers, progress=progress)
    elapsed = time.monotonic() - started
    print(report(results, elapsed))
    print(f"case folders: {root}")
    return 1 if any(v.broken for _, v in results) else 0


def report(results: list, elapsed: float) -> str:
    """Counts per kind, mutation and outcome, then each broken promise."""
    kinds = Counter(c.kind for c, _ in results)
    per_mut = Counter(f"{c.kind}/{c.label}" for c, _ in results)
    outcomes = Counter(f"{c.kind}: {v.outcome}" for c, v in results)
    detail = Counter(f"{c.kind}/{c.label}: {v.outcome}" for c, v in results)
    broken = [(c, v) for c, v in results if v.broken]
    peak = max((v.rss_mb for _, v in results), default=0.0)
    refused_peak = max((v.rss_mb for _, v in results if v.outcome == "refused"), default=0.0)
    lines = [f"{len(results)} cases in {elapsed:.0f} s; {len(broken)} broke a promise; "
             f"peak RSS {peak:.0f} MB (refused: {refused_peak:.0f} MB)", "", "per kind:"]
    lines += [f"  {k:12} {n}" for k, n in sorted(kinds.items())]
    lines += ["", "per kind/mutation:"] + [f"  {k:40} {n}" for k, n in sorted(per_mut.items())]
    lines += ["", "per kind: outcome:"] + [f"  {k:40} {n}" for k, n in sorted(outcomes.items())]
    lines += ["", "per kind/mutation: outcome:"]
    lines += [f"  {k:50} {n}" for k, n in sorted(detail.items())]
    if broken:
        lines += ["", "BROKEN PROMISES:"]
        for c, v in broken:
            lines.append(f"- [{c.kind}/{c.label}] outcome {v.outcome}, RSS {v.rss_mb:.0f} MB")
            lines += [f"    {m}" for m in v.broken]
            lines.append(f"    reproduce: {v.repro}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
