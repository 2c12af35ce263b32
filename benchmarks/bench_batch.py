"""Batch throughput: ``spotdiff batch`` over many screenshot pairs against
the tools a user would otherwise run once per pair, in one run, as ratios.

The inputs: N pairs of 1920x1080 web-page-like screenshots (half of them
with one changed word or button), written once into bench-out/batch/.
Timed, each as a whole command from a fresh process:

* ``spotdiff batch BASE CUR -o OUT`` (every core; writes the report, its
  thumbnails and each changed item's pictures);
* ``spotdiff compare A B`` once per pair (a shell loop over the CLI);
* ``odiff A B`` once per pair (the native binary, installed by _peers.py
  with npm; skipped without node/npm), and ``odiff A B DIFF.png`` (with
  the picture a reviewer would look at);
* ``reg-cli CUR BASE DIFF -J ... -R report.html`` on the same folders
  (reg-cli 0.18.16 from npm: pairs folders and writes a report too);
* a plain Python loop over ``spotdiff.compare`` in one process (no
  pictures, one core) - the least a script would do.

Every decision of the batch is checked against ``spotdiff compare``'s exit
code on the same pair. With ``--report-items K`` it also opens a K-item
report (synthetic records sharing one thumbnail) in headless Chromium and
times the first page and a filter.

The batch, odiff and reg-cli take turns for ``--rounds`` rounds (the
machine may be shared: ratios are taken within a round, then their median);
the other tools run once.

    .venv/bin/python benchmarks/bench_batch.py [--pairs 500] [--rounds 3] [--report-items 10000]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_core import OUT, _ui_page, clean_env  # noqa: E402

HERE = OUT / "batch"
SPOTDIFF = str(Path(sys.executable).with_name("spotdiff"))


def make_pairs(n: int) -> tuple[Path, Path]:
    """N pairs of 1080p pages, every odd one changed (written once)."""
    import cv2
    import numpy as np

    base, cur = HERE / f"base{n}", HERE / f"cur{n}"
    if (cur / f"{n - 1:04}.png").exists():
        return base, cur
    for d in (base, cur):
        d.mkdir(parents=True, exist_ok=True)
    same = _ui_page(1920, 1080, changed=False)
    changed = _ui_page(1920, 1080, changed=True)
    for i in range(n):
        img = same.copy()
        cv2.putText(img, f"page {i}", (1500, 80), cv2.FONT_HERSHEY_SIMPLEX, 1.2,
                    (255, 255, 255), 2, cv2.LINE_AA)  # every page its own
        after = img if i % 2 == 0 else np.where(changed != same, changed, img)
        cv2.imwrite(str(base / f"{i:04}.png"), img[:, :, ::-1])
        cv2.imwrite(str(cur / f"{i:04}.png"), np.ascontiguousarray(after[:, :, ::-1]))
    return base, cur


#: reg-cli, the folder-to-report tool of the reg-suit family, from npm.
REG_CLI = "reg-cli@0.18.16"


def ensure_reg_cli() -> str | None:
    """reg-cli's command, installed with npm beside the other peers when missing."""
    from _peers import PEERS

    command = PEERS / "node_modules" / ".bin" / "reg-cli"
    if not command.exists() and shutil.which("npm"):
        PEERS.mkdir(exist_ok=True)
        subprocess.run(["npm", "install", "--no-audit", "--no-fund", "--prefix", str(PEERS),
                        REG_CLI], stdout=subprocess.DEVNULL, check=False)
    if not command.exists():
        print("reg-cli unavailable (needs node and npm): skipped")
        return None
    return str(command)


def timed(fn) -> float:  # noqa: ANN001
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def loop(cmd: list[str], names: list[str], base: Path, cur: Path) -> dict[str, int]:
    env = clean_env()
    return {n: subprocess.run([*cmd, str(base / n), str(cur / n)], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode
            for n in names}


def throughput(n: int, rounds: int) -> None:
    """The batch against odiff per pair and reg-cli, alternating for
    ``rounds`` rounds (medians, and the median of each round's ratio); the
    other tools once."""
    base, cur = make_pairs(n)
    names = sorted(p.name for p in base.iterdir())
    out = HERE / "out"
    try:
        from _peers import ensure_npm

        odiff = ensure_npm(log=lambda *a: None).odiff
    except Exception as exc:  # noqa: BLE001 - the peer is optional here
        print(f"odiff unavailable: {exc}")
        odiff = None
    reg_cli = ensure_reg_cli()
    reg_out = HERE / "reg"
    odiff_codes: dict[str, int] = {}

    def batch() -> None:
        shutil.rmtree(out, ignore_errors=True)
        subprocess.run([SPOTDIFF, "batch", str(base), str(cur), "-o", str(out)],
                       env=clean_env(CI="1"), check=False)

    def reg() -> None:
        shutil.rmtree(reg_out, ignore_errors=True)
        (reg_out / "diff").mkdir(parents=True)
        subprocess.run([str(reg_cli), str(cur), str(base), str(reg_out / "diff"), "-J",
                        str(reg_out / "reg.json"), "-R", str(reg_out / "index.html")],
                       env=clean_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    alternating = {"spotdiff batch": batch}
    if odiff is not None:
        alternating["odiff per pair"] = lambda: odiff_codes.update(
            loop([str(odiff)], names, base, cur))
    if reg_cli is not None:
        alternating["reg-cli on the folders"] = reg
    loads = [os.getloadavg()[0]]
    rounds_times: dict[str, list[float]] = {k: [] for k in alternating}
    for _ in range(rounds):
        for tool, fn in alternating.items():
            rounds_times[tool].append(timed(fn))
        loads.append(os.getloadavg()[0])
    summary = json.loads((out / "summary.json").read_text())
    batch_states = {r["name"]: r["status"] for r in summary["items"]}
    if odiff is not None:
        odiff_changed = sum(1 for c in odiff_codes.values() if c != 0)
        print(f"odiff found {odiff_changed} of {n} pairs different")
    if reg_cli is not None:
        reg_changed = set(json.loads((reg_out / "reg.json").read_text())["failedItems"])
        batch_changed = {k for k, st in batch_states.items() if st == "changed"}
        print(f"reg-cli found {len(reg_changed)} of {n} pairs different"
              f" ({'the same' if reg_changed == batch_changed else 'not the same'} as the batch)")

    once: dict[str, float] = {}
    codes: dict[str, int] = {}
    once["spotdiff compare per pair"] = timed(
        lambda: codes.update(loop([SPOTDIFF, "compare"], names, base, cur)))
    expected = {k: {0: "unchanged", 1: "changed"}.get(c, "error") for k, c in codes.items()}
    mismatches = [k for k in names if batch_states[k] != expected[k]]
    if odiff is not None:
        diffs = HERE / "odiff-diffs"
        diffs.mkdir(exist_ok=True)
        env = clean_env()
        once["odiff per pair, with a diff PNG"] = timed(lambda: [subprocess.run(
            [str(odiff), str(base / k), str(cur / k), str(diffs / k)], env=env,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for k in names])

    def python_loop() -> None:
        import spotdiff

        for name in names:
            spotdiff.compare(base / name, cur / name)

    once["python loop over spotdiff.compare"] = timed(python_loop)
    loads.append(os.getloadavg()[0])
    print(f"{n} pairs of 1920x1080 PNG, {n // 2} changed; {os.cpu_count()} cores; "
          f"load average (1 min) during the run {min(loads):.1f}-{max(loads):.1f}")
    print(f"batch decisions equal to spotdiff compare's: {n - len(mismatches)}/{n}"
          + (f" (differ: {mismatches[:5]})" if mismatches else ""))
    print(f"batch totals: {summary['totals']}")
    mine = rounds_times["spotdiff batch"]
    print(f"alternating, {rounds} round(s); medians (each round's ratio to the batch, "
          "then their median):")
    for tool, seconds in rounds_times.items():
        ratios = [t / b for t, b in zip(seconds, mine, strict=True)]
        median = statistics.median(seconds)
        print(f"  {tool:36s} {median:8.2f} s  {n / median:7.1f} pairs/s  "
              f"{statistics.median(ratios):5.2f}x batch's time  "
              f"(rounds: {', '.join(f'{t:.1f} s' for t in seconds)})")
    print("once, after the rounds:")
    for tool, seconds in once.items():
        print(f"  {tool:36s} {seconds:8.2f} s  {n / seconds:7.1f} pairs/s  "
              f"{seconds / statistics.median(mine):5.2f}x the batch's median")


def report_timing(k: int) -> None:
    """Open a K-item report in Chromium: the first page shown, then a filter."""
    from spotdiff.batch.report import write_outputs

    sample = HERE / "out"
    records = json.loads((sample / "summary.json").read_text())
    folder = HERE / f"report{k}"
    shutil.rmtree(folder, ignore_errors=True)
    shutil.copytree(sample / "items", folder / "items")
    items = records["items"]
    big = []
    for i in range(k):
        r = dict(items[i % len(items)])
        r["name"] = f"section{i // 100}/page{i}.png"
        big.append(r)
    states = {s: sum(r["status"] == s for r in big)
              for s in ("error", "changed", "new", "deleted", "unchanged")}
    summary = {**records, "items": big,
               "totals": {"items": k, "done": k, "reused": 0, **states}}
    write_outputs(folder, summary)
    size = (folder / "report-data.js").stat().st_size
    from playwright.sync_api import sync_playwright

    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync"]
    import tempfile

    with sync_playwright() as pw, tempfile.TemporaryDirectory() as profile:
        ctx = pw.chromium.launch_persistent_context(profile, executable_path="/usr/bin/chromium",
                                                    headless=True, args=flags)
        page = ctx.new_page()
        errors: list[str] = []
        page.on("pageerror", lambda exc: errors.append(str(exc)))
        start = time.perf_counter()
        page.goto((folder / "index.html").as_uri())
        page.wait_for_selector(".item")
        opened = time.perf_counter() - start
        # in the page: the click's handler, the new list and its layout
        in_page = ("sel => { const t = performance.now(); document.querySelector(sel).click(); "
                   "document.body.offsetHeight; return (performance.now() - t) / 1000; }")
        filtered = page.evaluate(in_page, ".filter[data-state=changed]")
        assert page.locator(".item[data-status=unchanged]").count() == 0
        start = time.perf_counter()
        page.fill("#search", "page999")
        page.wait_for_selector(".item .name >> text=page9999.png")
        searched = time.perf_counter() - start
        ctx.close()
    if errors:
        print("page errors:", errors)
    print(f"{k}-item report ({size / 1e6:.1f} MB of data): first page {opened:.2f} s, "
          f"filter {filtered:.3f} s, search {searched:.3f} s in headless Chromium")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pairs", type=int, default=500, help="pairs to compare (default 500)")
    ap.add_argument("--rounds", type=int, default=3,
                    help="rounds of batch, odiff and reg-cli, taking turns (default 3)")
    ap.add_argument("--report-items", type=int, default=10000,
                    help="also time a report of this many items in Chromium (0: no)")
    args = ap.parse_args()
    throughput(args.pairs, args.rounds)
    if args.report_items:
        report_timing(args.report_items)


if __name__ == "__main__":
    main()
