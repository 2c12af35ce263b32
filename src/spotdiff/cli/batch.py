"""``spotdiff batch BASELINE CURRENT -o OUT``: compare two folders (or a list
of pairs) and write a report a reviewer can work through."""

from __future__ import annotations

import argparse

from spotdiff.cli._common import ExitCode, Streams, positive_int
from spotdiff.cli._compare_options import add_compare_options, compare_options

TYPE_CHECKING = False  # typing.TYPE_CHECKING without importing typing (CLI start-up)
if TYPE_CHECKING:
    from typing import Any


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "batch",
        help="compare two folders of images and write a report",
        description="Compare every image of CURRENT with the image at the same relative "
        "path in BASELINE (or the pairs of --pairs FILE) and write OUT/index.html and "
        "OUT/summary.json. Exit code 0: nothing changed, 1: something changed, is new or "
        "deleted, 2: an item errored, the run was interrupted, or bad input.",
    )
    p.add_argument("baseline", nargs="?", help="the folder of reference images")
    p.add_argument("current", nargs="?", help="the folder of images to check")
    p.add_argument("-o", "--output", required=True, metavar="OUT",
                   help="the folder to write the report, summary.json and pictures into")
    p.add_argument("--pairs", metavar="FILE",
                   help="compare the pairs listed in FILE instead of two folders: CSV rows "
                   "'before,after[,name]' or JSON lines {\"before\", \"after\", \"name\"}")
    p.add_argument("--config", metavar="FILE",
                   help="a TOML file of options: [options] for every item, [[override]] "
                   "sections with a 'pattern' for some (command-line options win over "
                   "[options])")
    p.add_argument("--jobs", "-j", type=positive_int, metavar="N",
                   help="worker processes (default: every core)")
    p.add_argument("--resume", action="store_true",
                   help="keep the items an earlier run into OUT finished (same files, same "
                   "options)")
    p.add_argument("--junit", metavar="FILE", help="also write the items as JUnit XML")
    p.add_argument("--shard", metavar="I/N",
                   help="compare only the I-th of N shares of the items (CI runners without "
                   "a cluster); join the outputs with 'spotdiff report merge'")
    p.add_argument("--executor", choices=("local", "ray"), default="local",
                   help="where the items run: local processes (default) or a Ray cluster "
                   "(needs: pip install 'spotdiff[ray]'; OUT must be writable by every node)")
    p.add_argument("--ray-address", metavar="ADDRESS",
                   help="with --executor ray: 'local' (a new local instance, the default), "
                   "'auto' (the running cluster) or ray://HOST:PORT")
    p.add_argument("--no-progress", action="store_true",
                   help="no progress bar (it is shown only on a terminal and not under CI)")
    add_compare_options(p)
    p.set_defaults(run=run)


def _given_options(args: argparse.Namespace) -> dict[str, Any]:
    """The compare options that differ from their defaults (so that a config
    file's [options] apply where the command line says nothing)."""
    from dataclasses import fields

    from spotdiff.cli import build_parser

    default = compare_options(build_parser().parse_args(["batch", "-o", "x"]))
    given = compare_options(args)
    return {f.name: getattr(given, f.name) for f in fields(given)
            if getattr(given, f.name) != getattr(default, f.name)}


def _ray_address(args: argparse.Namespace) -> str | None:
    """The Ray cluster to run on, or None for local processes."""
    if args.executor != "ray":
        if args.ray_address is not None:
            from spotdiff.errors import InputError

            raise InputError("--ray-address", expected="--executor ray", got="--executor local",
                             fix="add --executor ray, or drop --ray-address")
        return None
    return args.ray_address or "local"


def _progress_bar(total: int, streams: Streams, disabled: bool):  # noqa: ANN202
    """A tqdm bar on a terminal outside CI, else None (and no import)."""
    import os

    isatty = getattr(streams.err, "isatty", lambda: False)
    if disabled or not isatty() or os.environ.get("CI"):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, file=streams.err, unit="item", dynamic_ncols=True)


def run(args: argparse.Namespace, streams: Streams) -> int:
    from pathlib import Path

    from spotdiff.batch import config as batch_config
    from spotdiff.batch.pairing import pairs_from_file, pairs_from_folders
    from spotdiff.batch.report import build_summary, write_outputs
    from spotdiff.batch.runner import run_batch
    from spotdiff.errors import InputError

    if args.pairs is not None:
        if args.baseline is not None or args.current is not None:
            raise InputError("arguments", expected="either BASELINE CURRENT or --pairs FILE",
                             got="both", fix="drop the folders or --pairs")
        pairs = pairs_from_file(args.pairs)
    else:
        if args.baseline is None or args.current is None:
            raise InputError("arguments", expected="BASELINE CURRENT (two folders) or "
                             "--pairs FILE", got="fewer", fix="run 'spotdiff batch --help'")
        pairs = pairs_from_folders(args.baseline, args.current)
    if args.shard is not None:
        from spotdiff.batch.merge import parse_shard, shard

        pairs = shard(pairs, *parse_shard(args.shard))
    out = Path(args.output)
    if out.exists() and not out.is_dir():
        raise InputError("-o/--output", expected="a folder", got=f"a file '{out}'",
                         fix="pass a folder path (it is created if missing)")
    if _ray_address(args) is None and args.jobs != 1 and len(pairs) > 1:
        from spotdiff.batch.runner import start_workers

        start_workers()  # their imports overlap this process's checking of the options
    config = batch_config.load_config(args.config, _given_options(args))
    bar = _progress_bar(len(pairs), streams, args.no_progress)

    def progress(record: dict) -> None:
        bar.update(1)
        if record["status"] == "error":
            bar.write(f"error: {record['name']}: {record['error']}")

    try:
        result = run_batch(pairs, config, out, jobs=args.jobs, resume=args.resume,
                           progress=progress if bar is not None else None,
                           ray_address=_ray_address(args))
    finally:
        if bar is not None:
            bar.close()
    inputs = {"baseline": args.baseline and str(Path(args.baseline).resolve()),
              "current": args.current and str(Path(args.current).resolve()),
              "pairs": args.pairs and str(Path(args.pairs).resolve()), "shard": args.shard}
    summary = build_summary(result, inputs=inputs, config=config.to_dict())
    write_outputs(out, summary, args.junit)
    totals = summary["totals"]
    reused = f" (reused {result.reused})" if result.reused else ""
    streams.err.write(
        f"{totals['done']} of {totals['items']} items: {totals['changed']} changed, "
        f"{totals['new']} new, {totals['deleted']} deleted, {totals['unchanged']} unchanged, "
        f"{totals['error']} error(s){reused}"
        f"\n  report: {out / 'index.html'}\n")
    for record in result.records:
        if record["status"] == "error":
            streams.err.write(f"  error: {record['name']}: {record['error']}\n")
    if not result.complete:
        streams.err.write("spotdiff: interrupted: the report covers the items done; "
                          "run again with --resume to finish\n")
        return ExitCode.INTERRUPTED
    if totals["error"]:
        streams.err.write(f"spotdiff: {totals['error']} item(s) could not be compared "
                          "(see above and the report)\n")
    return summary["exit_code"]
