"""``spotdiff report merge OUT1 OUT2 ... -o OUT``: one report from the
outputs of several batch runs (the shards of a CI job)."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import Streams


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="work with batch reports",
                       description="Work with the outputs of 'spotdiff batch'.")
    commands = p.add_subparsers(dest="report_command", metavar="COMMAND", help="what to do")
    commands.required = True
    m = commands.add_parser(
        "merge", help="merge the outputs of several batch runs into one report",
        description="Copy the items of each OUT (e.g. the runs of 'spotdiff batch --shard I/N') "
        "into one folder with one summary.json and report, without comparing again. Exit "
        "code as 'spotdiff batch' over all the items.")
    m.add_argument("sources", nargs="+", metavar="OUT", help="the -o folders of the runs")
    m.add_argument("-o", "--output", required=True, metavar="DIR",
                   help="the folder to write the merged report into")
    m.set_defaults(run=run)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from spotdiff.batch.merge import merge

    summary = merge(args.sources, args.output)
    totals = summary["totals"]
    streams.err.write(f"{totals['done']} of {totals['items']} items merged from "
                      f"{len(args.sources)} runs: {totals['changed']} changed, "
                      f"{totals['new']} new, {totals['deleted']} deleted, "
                      f"{totals['unchanged']} unchanged, {totals['error']} error(s)\n")
    return summary["exit_code"]
