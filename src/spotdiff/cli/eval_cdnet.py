"""``spotdiff eval cdnet PATH``: background models on CDnet-layout sequences."""

from __future__ import annotations

import argparse
import json

from spotdiff.cli._common import ExitCode, Streams, positive_int


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "cdnet",
        help="score background models on CDnet 2014 (and Wallflower) sequences",
        description="Run a background model over every sequence under PATH (folders with "
        "input/ and groundtruth/, or Wallflower folders) and print the CDnet 2014 metrics "
        "(Re, Sp, FPR, FNR, PWC, Pr, F) per sequence and their mean, with the model's "
        "frames per second. Clips that start inside their temporal ROI warm up on their "
        "first half and are scored on the second.",
    )
    p.add_argument("path", help="a CDnet tree, category or sequence folder")
    p.add_argument("--method", default="consensus", metavar="M",
                   help="background model: consensus (default), reference, running, mog2, knn, "
                   "gsoc or cnt")
    p.add_argument("--layout", default="auto", choices=("auto", "cdnet", "wallflower"),
                   help="which sequence layouts to look for (default: auto, both)")
    p.add_argument("--json", action="store_true",
                   help='print {"sequences": [...], "mean": {...}} as JSON on stdout')
    p.add_argument("--save-masks", metavar="DIR",
                   help="write each sequence's masks as DIR/<sequence>/bin%%06d.png (0/255)")
    p.add_argument("--max-frames", type=positive_int, metavar="N",
                   help="run only the first N frames of each sequence (quick check)")
    p.set_defaults(run=run)


def _table(rows: list[dict], mean: dict, method: str) -> str:
    head = f"{'sequence':<36} {'F':>6} {'Re':>6} {'Pr':>6} {'Sp':>6} {'FPR':>7} {'FNR':>6} " \
           f"{'PWC':>6} {'fps':>7}  frames"
    lines = [f"method: {method}", head]

    def num(v: float | None, fmt: str) -> str:
        return format(v, fmt) if v is not None else "-"

    for r in [*rows, {**mean, "name": "mean"}]:
        lines.append(
            f"{r['name']:<36} {num(r['f_measure'], '6.3f')} {num(r['recall'], '6.3f')} "
            f"{num(r['precision'], '6.3f')} {num(r['specificity'], '6.3f')} "
            f"{num(r['fpr'], '7.4f')} {num(r['fnr'], '6.3f')} {num(r['pwc'], '6.3f')} "
            f"{num(r['fps'], '7.1f')}  {r.get('scored_frames', '')}"
            + (f"/{r['frames']} ({r['protocol']})" if "frames" in r else ""))
    return "\n".join(lines) + "\n"


def _scoring_start(seq) -> str:  # noqa: ANN001 - a Sequence with labelled frames
    return f"scoring starts at frame {seq.numbers[min(seq.truths)]}"


def run(args: argparse.Namespace, streams: Streams) -> int:
    from pathlib import Path

    from spotdiff.background import MODELS, create
    from spotdiff.errors import InputError
    from spotdiff.evalset.cdnet import clean_plate, evaluate_sequence, find_sequences, mean_metrics

    if args.method not in MODELS:
        raise InputError("--method", expected="one of " + ", ".join(MODELS),
                         got=repr(args.method), fix="run 'spotdiff eval cdnet --help'")
    if args.save_masks is not None and Path(args.save_masks).is_file():
        raise InputError("--save-masks", expected="a directory", got=f"a file '{args.save_masks}'",
                         fix="pass a directory path (it is created if missing)")
    sequences = find_sequences(args.path, layout=args.layout)
    if args.max_frames is not None and len(sequences) > 1:
        # sequences whose scoring starts after the frames run are left out (with a
        # line saying so) rather than failing the whole run, unless all are
        kept = [s for s in sequences if any(i < args.max_frames for i in s.truths)]
        for seq in sequences:
            if kept and seq not in kept:
                why = f"{_scoring_start(seq)}, after the {args.max_frames} frames of " \
                    "--max-frames" if seq.truths else "no labelled frame in its temporal ROI"
                streams.err.write(f"  {seq.name}: not scored ({why})\n")
        sequences = kept or sequences
    results = []
    for seq in sequences:
        options = {}
        if args.method == "reference":
            # the clean snapshot a user would give: the median of warm-up frames
            options["reference"] = clean_plate(seq)
        model = create(args.method, **options)
        result = evaluate_sequence(seq, model, save_masks=args.save_masks,
                                   max_frames=args.max_frames)
        if result.scored == 0:
            first = f"; {_scoring_start(seq)}" if seq.truths else ""
            raise InputError(
                f"sequence '{seq.name}'",
                expected="at least one scored frame (inside the temporal ROI, with ground "
                "truth, after the warm-up)",
                got=f"none in the {result.frames} frames run{first}",
                fix="raise --max-frames or leave it out" if args.max_frames is not None
                else "check temporalROI.txt and the groundtruth/ files",
            )
        if args.max_frames is not None and result.frames < len(seq.frames):
            result.protocol += f", first {result.frames} frames"
        results.append(result)
        if not args.json:
            streams.err.write(f"  {seq.name}: F {result.confusion.metrics()['f_measure']:.3f}, "
                              f"{result.fps:.1f} fps\n")
    rows = [r.to_dict() for r in results]
    mean = mean_metrics(results)
    if args.json:
        streams.out.write(json.dumps({"method": args.method, "sequences": rows, "mean": mean})
                          + "\n")
    else:
        streams.out.write(_table(rows, mean, args.method))
    return ExitCode.SAME
