"""``spotdiff eval events PATH``: event-level scores of watching on labelled sequences."""

from __future__ import annotations

import argparse
import json

from spotdiff.cli._common import ExitCode, Streams, number_type, positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "events", help="score watch events on CDnet-layout sequences",
        description="Replay every sequence under PATH (CDnet layout: input/ and groundtruth/) "
        "through 'spotdiff watch' and print event recall, false events (and per hour of "
        "video), latency from an object's first labelled frame to its event's start, and "
        "pixel F. A labelled event is a run of frames whose ground truth holds an object of "
        "at least --min-object pixels.")
    p.add_argument("path", help="a CDnet tree, category or sequence folder")
    p.add_argument("--model", default="consensus", metavar="NAME",
                   help="background model (default consensus)")
    p.add_argument("--fps", type=number_type(float, low=0.1, high=1000), default=25.0,
                   help="frames per second of the sequences (default 25)")
    p.add_argument("--min-object", type=positive_int, default=50, metavar="PX",
                   help="labelled pixels that make a frame hold an object (default 50)")
    p.add_argument("--hold", type=number_type(float, low=0), default=300.0, metavar="SEC",
                   help="--hold of watch (default 300)")
    p.add_argument("--no-protect", action="store_true",
                   help="let the model learn the pixels of open events (for comparison)")
    p.add_argument("--json", action="store_true", help="print the rows as JSON on stdout")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from spotdiff.evalset.cdnet import find_sequences
    from spotdiff.watch.config import WatchConfig
    from spotdiff.watch.evaluate import evaluate_events

    config = WatchConfig(model=args.model, fps=args.fps, hold=args.hold, clips=False,
                         snapshots=False, protect=not args.no_protect)
    rows = []
    for seq in find_sequences(args.path, layout="cdnet"):
        row = evaluate_events(seq, config, fps=args.fps, min_object=args.min_object).to_dict()
        rows.append(row)
        if not args.json:
            streams.err.write(f"  {seq.name}: {row['detected_events']} event(s)\n")
    if args.json:
        streams.out.write(json.dumps({"model": args.model, "sequences": rows}) + "\n")
        return ExitCode.SAME

    def num(v: float | None, fmt: str) -> str:
        return format(v, fmt) if v is not None else "-".rjust(int(fmt.split(".")[0]))

    streams.out.write(f"model: {args.model}\n{'sequence':<30} {'frames':>6} {'events':>6} "
                      f"{'found':>5} {'recall':>6} {'false':>5} {'false/h':>8} "
                      f"{'latency':>7} {'pixelF':>6} {'fps':>6}\n")
    for r in rows:
        streams.out.write(
            f"{r['name']:<30} {r['frames']:>6} {r['truth_events']:>6} "
            f"{r['detected_events']:>5} {num(r['event_recall'], '6.2f')} "
            f"{r['false_events']:>5} {num(r['false_events_per_hour'], '8.1f')} "
            f"{num(r['latency'], '7.2f')} {num(r['pixel_f'], '6.3f')} "
            f"{num(r['run_fps'], '6.0f')}\n")
    return ExitCode.SAME
