"""``spotdiff approve OUT``: copy the accepted CURRENT images of a batch over
their baselines, without comparing again."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import ExitCode, Streams


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "approve",
        help="accept changes of a batch: copy CURRENT images over their baselines",
        description="Copy the approved changed or new images of a 'spotdiff batch' run over "
        "the baselines (all together or none; each must still be the file compared), and "
        "record it in OUT/approved.json. Exit code 0: done, 2: error.",
    )
    p.add_argument("output", metavar="OUT", help="the -o folder of 'spotdiff batch'")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--all", action="store_true", help="every changed and new item")
    which.add_argument("--only", action="append", metavar="PATTERN",
                       help="the changed and new items whose name matches the glob PATTERN; "
                       "repeatable")
    which.add_argument("--items", nargs="+", metavar="NAME",
                       help="the items with exactly these names")
    which.add_argument("--from", dest="approvals", metavar="FILE",
                       help="the items named in FILE (the approvals.json the report exports)")
    p.add_argument("--dry-run", action="store_true",
                   help="list what would be copied, copy nothing")
    p.set_defaults(run=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from spotdiff.batch.approve import approve, read_approvals, read_summary, select

    summary = read_summary(args.output)
    names = read_approvals(args.approvals) if args.approvals else args.items
    records = select(summary, everything=args.all, only=args.only or (), names=names)
    if args.dry_run:
        for r in records:
            streams.out.write(f"would copy {r['after']} -> {r['target']}\n")
        return ExitCode.SAME
    done = approve(args.output, records)
    for entry in done:
        streams.out.write(f"approved {entry['name']}: {entry['from']} -> {entry['to']}\n")
    streams.err.write(f"{len(done)} image(s) approved\n")
    return ExitCode.SAME
