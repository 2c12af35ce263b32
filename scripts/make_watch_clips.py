"""Write the synthetic watch scenes: CDnet-layout folders for ``spotdiff eval events``
and the example clip shipped in ``examples/``.

    python scripts/make_watch_clips.py OUT_DIR          # every scene, CDnet layout
    python scripts/make_watch_clips.py --example        # examples/watch-bag.mp4

Deterministic: the same files every run (seeded drawings, see
spotdiff.evalset.scenes). The long scenes are compressed in resolution
(160x120), not in time: ``intruder_stays`` stands for 3000 frames (2 minutes
at 25 fps).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from spotdiff.evalset.scenes import SCENES, left_bag, write_cdnet

REPO = Path(__file__).resolve().parents[1]


def write_example(path: Path) -> int:
    """A person walks in with a bag, puts it down and leaves (320x240, 25 fps, H.264)."""
    from spotdiff.watch.media import ClipWriter

    writer = ClipWriter(path, 25.0, "mp4")
    n = 0
    for n, (frame, _) in enumerate(left_bag(320, 240, empty=60, walk=40, stay=100)):
        writer.write(n, frame)
    writer.close()
    return n + 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", nargs="?", type=Path, help="folder for the CDnet-layout scenes")
    parser.add_argument("--example", action="store_true", help="write examples/watch-bag.mp4")
    args = parser.parse_args()
    if args.example:
        print(write_example(REPO / "examples" / "watch-bag.mp4"), "frames")
    if args.out:
        for name, scene in SCENES.items():
            n = write_cdnet(args.out / "synthetic" / name, scene())
            print(f"{name}: {n} frames")


if __name__ == "__main__":
    main()
