"""What the page's live folder costs a running watch, against its frame's detection.

    python benchmarks/bench_web_live.py [--repeats 30]

A 1080p frame goes through the default detector; then the watch's
``Publisher`` writes the camera's status alone (no page open) and the status
with the four pictures (a page open), as it does at most 5 times a second.
Printed: the median time of each, and the share of one core at 5 a second.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time

import numpy as np

from spotdiff.evalset.scenes import background
from spotdiff.watch import WatchConfig, Watcher
from spotdiff.watch.source import Frame
from spotdiff.watch.store import Store
from spotdiff.web import live


class _NoFrames:
    live = False
    name = "bench"
    fps = 25.0

    def __iter__(self):
        return iter(())

    def close(self) -> None:
        pass


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=30, help="timed calls of each")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="bench-web-")
    watcher = Watcher(_NoFrames(), WatchConfig(clips=False), Store(folder))
    pixels = np.clip(background(1920, 1080), 0, 255).astype(np.uint8)
    detect = []
    for _ in range(args.repeats):
        start = time.perf_counter()
        detection = watcher.detector.detect(pixels)
        detect.append(time.perf_counter() - start)
    live.PUBLISH_EVERY = 0.0
    publisher = live.Publisher(folder, watcher)
    rows = [("detection of one 1080p frame (for scale)", statistics.median(detect))]
    for label, viewer in (("status alone (no page open)", False),
                          ("status and pictures (a page open)", True)):
        if viewer:
            live.touch_viewer(folder)
        times = []
        for i in range(args.repeats):
            start = time.perf_counter()
            publisher(Frame(i, i / 25, pixels), detection)
            times.append(time.perf_counter() - start)
        rows.append((label, statistics.median(times)))
    for label, seconds in rows:
        share = "" if label.startswith("detection") else \
            f"  ({100 * seconds * 5:.1f} % of a core at 5 a second)"
        print(f"{label:44s} {1000 * seconds:7.2f} ms{share}")


if __name__ == "__main__":
    main()
