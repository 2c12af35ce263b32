"""F-measure and speed of the background models on the shared CDnet/Wallflower data.

    python benchmarks/bench_background.py [--data PATH] [--methods consensus,mog2,...]
                                          [--max-frames N] [--json FILE]

Prints one table: per sequence, the F-measure and the model step's frames per
second of every model, all measured in the same run (the machine is shared:
compare columns, not runs), and the speed ratio of the default model against
OpenCV's MOG2 and KNN. Protocol: ``spotdiff eval cdnet`` (CDnet 2014 metrics;
clips that start inside their temporal ROI warm up on the first half).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_METHODS = "consensus,reference,running,mog2,knn,gsoc,cnt"


def _cell(row: dict) -> str:
    f = "    -" if row["f_measure"] is None else f"{row['f_measure']:.3f}"
    return f"{f} {row['fps']:6.1f}fps".rjust(17)


def main() -> int:
    from spotdiff.background import create, evaluate_sequence, find_sequences, mean_metrics
    from spotdiff.evalset.cdnet import clean_plate

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--data",
                   default=os.environ.get("SPOTDIFF_DATA", REPO.parent / "shared" / "data"),
                   help="the shared data folder (default: $SPOTDIFF_DATA or ../shared/data)")
    p.add_argument("--methods", default=DEFAULT_METHODS, help="comma-separated model names")
    p.add_argument("--max-frames", type=int, help="first N frames of each sequence only")
    p.add_argument("--json", metavar="FILE", help="also write all rows as JSON")
    args = p.parse_args()
    data = Path(args.data)
    roots = [data / "cdnet2014", data / "wallflower"]
    seqs = [s for r in roots if r.is_dir() for s in find_sequences(r)]
    if not seqs:
        print(f"no sequences under {data}", file=sys.stderr)
        return 2
    methods = args.methods.split(",")
    rows: dict[str, dict[str, dict]] = {}
    means = {}
    for method in methods:
        results = []
        for seq in seqs:
            opts = {"reference": clean_plate(seq)} if method == "reference" else {}
            r = evaluate_sequence(seq, create(method, **opts), max_frames=args.max_frames)
            results.append(r)
            rows.setdefault(seq.name, {})[method] = r.to_dict()
            print(f"  {method:>10} {seq.name:<32} {_cell(r.to_dict())}", file=sys.stderr,
                  flush=True)
        means[method] = mean_metrics(results)

    width = max(len(n) for n in rows) + 2
    head = f"{'sequence':<{width}}" + "".join(f"{m:>17}" for m in methods)
    print("F-measure / model-step fps")
    print(head)
    for name, per in rows.items():
        print(f"{name:<{width}}" + "".join(_cell(per[m]) for m in methods))
    print(f"{'mean':<{width}}" + "".join(_cell(means[m]) for m in methods))
    if "consensus" in methods:
        for other in ("mog2", "knn", "gsoc"):
            if other in methods:
                ratios = [rows[n]["consensus"]["fps"] / rows[n][other]["fps"] for n in rows]
                print(f"consensus fps / {other} fps: " + ", ".join(
                    f"{n.split('/')[-1]} {x:.2f}x" for n, x in zip(rows, ratios, strict=True)))
    if args.json:
        Path(args.json).write_text(json.dumps({"sequences": rows, "mean": means}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
