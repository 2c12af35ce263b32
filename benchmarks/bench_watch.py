"""Speed and memory of ``spotdiff watch`` against decoding alone and the usual pipelines.

    python benchmarks/bench_watch.py [--frames N] [--long-frames N] [--json FILE]

Part 1, speed at 1080p: one synthetic H.264 clip (1920x1080, a person walking
through a noisy textured scene) is read through the same source (decoded in
a child process) by each pipeline, end to end, in one run, alternating
repeats (medians):

* decoding alone (iterate the frames, nothing else), and the same read a
  step ahead in a thread, as watch reads its source;
* spotdiff watch, default pipeline (consensus model at 256 px, tracker,
  events; no files written);
* the same writing events.db, snapshots and clips (-o);
* a Frigate-style motion pipeline: gray, 100 px high, running average,
  absolute difference, threshold, dilation, contours, area filter;
* OpenCV MOG2 on the full frame, then contours (what a user would write);
* OpenCV MOG2 on the frame downscaled to 256 px (watch's size), then contours.

Each is reported as its time over decoding alone (target for watch: <= 1.5).

Part 2, memory: a long synthetic stream (320x240, people passing now and
then, events written with snapshots and clips) through the default
pipeline; resident memory after the first 1000 frames and at the end
(target: growth < 5 %).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import cv2
import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))


def make_clip(path: Path, frames: int) -> None:
    from spotdiff.evalset.scenes import night
    from spotdiff.watch.media import ClipWriter

    writer = ClipWriter(path, 25.0, "mp4")
    # the 160x120 scene drawn at 1080p: per-frame noise at full size
    rng = np.random.default_rng(0)
    k = 0
    for frame, _ in night(width=1920, height=1080, empty=frames // 3, walk=frames // 3):
        if k >= frames:
            break
        writer.write(k, frame)
        k += 1
    writer.close()
    del rng


def run_decode(path: Path) -> int:
    from spotdiff.watch.source import open_source

    n = 0
    for _ in open_source(path):
        n += 1
    return n


def run_decode_ahead(path: Path) -> int:
    """Decoding alone, read a step ahead in a thread as watch reads its source."""
    import threading

    from spotdiff.watch.service import _prefetched
    from spotdiff.watch.source import open_source

    n = 0
    for _ in _prefetched(open_source(path), threading.Event()):
        n += 1
    return n


def run_watch(path: Path, out: Path | None = None) -> int:
    from spotdiff.watch import WatchConfig, watch

    return watch(path, WatchConfig(clips=out is not None), out_dir=out).frames


def _contours(mask: np.ndarray, min_area: float) -> int:
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    return sum(1 for c in contours if cv2.contourArea(c) > min_area)


def run_frigate(path: Path) -> int:
    """Frigate's motion recipe, as a user would write it."""
    from spotdiff.watch.source import open_source

    avg = None
    n = 0
    kernel = np.ones((3, 3), np.uint8)
    for frame in open_source(path):
        h, w = frame.pixels.shape[:2]
        small = cv2.resize(cv2.cvtColor(frame.pixels, cv2.COLOR_RGB2GRAY),
                           (round(w * 100 / h), 100), interpolation=cv2.INTER_LINEAR)
        small = cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)
        if avg is None:
            avg = small.copy()
        delta = cv2.absdiff(small, avg)
        cv2.accumulateWeighted(small, avg, 0.01)
        mask = cv2.dilate((delta > 30).astype(np.uint8) * 255, kernel, iterations=2)
        _contours(mask, 10)
        n += 1
    return n


def run_mog2(path: Path, side: int | None = None) -> int:
    from spotdiff.watch.source import open_source

    mog = cv2.createBackgroundSubtractorMOG2()
    n = 0
    for frame in open_source(path):
        pixels = frame.pixels
        if side is not None:
            h, w = pixels.shape[:2]
            s = side / max(h, w)
            pixels = cv2.resize(pixels, (round(w * s), round(h * s)),
                                interpolation=cv2.INTER_AREA)
        mask = mog.apply(pixels)
        _contours((mask == 255).astype(np.uint8), 64)
        n += 1
    return n


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * 4096 / 2**20


def long_run(frames: int, out: Path) -> tuple[float, float, int]:
    from spotdiff.evalset.scenes import night
    from spotdiff.watch import WatchConfig
    from spotdiff.watch.service import Watcher
    from spotdiff.watch.source import Frame
    from spotdiff.watch.store import Store

    # one scene, a person passing every 11.6 s (290 frames)
    cycle = [f for f, _ in night(320, 240, empty=140, walk=80)][70:]
    marks: dict[str, float] = {}

    class Endless:
        live = False
        name = "long"
        fps = 25.0

        def __iter__(self):
            for i in range(frames):
                if i == 1000:
                    marks["start"] = rss_mb()
                yield Frame(i, i / 25.0, cycle[i % len(cycle)])

        def close(self) -> None:
            pass

    store = Store(out)
    result = Watcher(Endless(), WatchConfig(), store).run()
    store.close_db()
    return marks["start"], rss_mb(), len(result.events)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--frames", type=int, default=150, help="frames of the 1080p clip")
    p.add_argument("--repeats", type=int, default=3, help="alternating repeats (median)")
    p.add_argument("--long-frames", type=int, default=20000,
                   help="frames of the memory run (90000 = one hour at 25 fps)")
    p.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = p.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench_watch_"))
    clip = tmp / "walk1080.mp4"
    make_clip(clip, args.frames)
    pipelines = {
        "decoding alone": lambda: run_decode(clip),
        "decoding alone, read ahead in a thread": lambda: run_decode_ahead(clip),
        "spotdiff watch (default)": lambda: run_watch(clip),
        "spotdiff watch -o (db, snapshots, clips)": lambda: run_watch(
            clip, Path(tempfile.mkdtemp(dir=tmp))),
        "Frigate-style (gray, 100 px, running average)": lambda: run_frigate(clip),
        "OpenCV MOG2, full frame": lambda: run_mog2(clip),
        "OpenCV MOG2, 256 px": lambda: run_mog2(clip, 256),
    }
    times: dict[str, list[float]] = {k: [] for k in pipelines}
    for _ in range(args.repeats):
        for name, fn in pipelines.items():
            t = time.perf_counter()
            n = fn()
            times[name].append(time.perf_counter() - t)
            assert n == args.frames, (name, n)
    rows = []
    print(f"1080p, {args.frames} frames, median of {args.repeats} alternating runs; ratio: "
          "median over the rounds of time / decoding alone in the same round")
    print(f"{'pipeline':<46} {'fps':>7} {'x decoding':>10}")
    for name, ts in times.items():
        med = statistics.median(ts)
        ratio = statistics.median(t / b for t, b in zip(ts, times["decoding alone"],
                                                         strict=True))
        rows.append({"pipeline": name, "fps": args.frames / med, "ratio": ratio})
        print(f"{name:<46} {args.frames / med:7.1f} {ratio:10.2f}")
    # in a process of its own: the 1080p runs above leave freed memory behind
    import subprocess

    code = ("import json, sys; sys.path.insert(0, sys.argv[1]); from bench_watch import "
            "long_run; from pathlib import Path; "
            "print(json.dumps(long_run(int(sys.argv[2]), Path(sys.argv[3]))))")
    out = subprocess.run([sys.executable, "-c", code, str(Path(__file__).parent),
                          str(args.long_frames), str(tmp / "long")],
                         capture_output=True, text=True, check=True).stdout
    start, end, events = json.loads(out.splitlines()[-1])
    growth = (end - start) / start
    print(f"\nmemory, {args.long_frames} frames at 320x240 ({events} events written): "
          f"RSS {start:.0f} MB after 1000 frames, {end:.0f} MB at the end "
          f"({growth:+.1%})")
    if args.json:
        Path(args.json).write_text(json.dumps({"speed": rows, "memory": {
            "frames": args.long_frames, "rss_start_mb": start, "rss_end_mb": end,
            "growth": growth, "events": events}}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
