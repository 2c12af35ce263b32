"""Merge the outputs of several batch runs (CI shards, ``--shard I/N``)
into one report, without comparing again."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from spotdiff.batch.approve import read_summary
from spotdiff.batch.report import build_summary, write_outputs
from spotdiff.batch.runner import BatchResult
from spotdiff.errors import InputError


def parse_shard(text: str) -> tuple[int, int]:
    """``I/N`` (1 <= I <= N) as (I, N)."""
    try:
        i, n = (int(v) for v in text.split("/"))
    except ValueError:
        i = n = 0
    if not 1 <= i <= n:
        raise InputError("--shard", expected="I/N with 1 <= I <= N, e.g. 2/4", got=repr(text))
    return i, n


def shard(items: list, i: int, n: int) -> list:
    """The I-th of N shards: every N-th item from the I-th, in the pairs'
    (sorted) order, so the shards of one input never overlap."""
    return items[i - 1::n]


def merge(sources: list[str | os.PathLike], out: str | os.PathLike) -> dict:
    """Copy the items of every source OUT into ``out`` and write one summary
    and report over all of them; returns the summary."""
    summaries = [read_summary(s) for s in sources]
    records: dict[str, dict] = {}
    for source, summary in zip(sources, summaries, strict=True):
        for record in summary["items"]:
            if record["name"] in records:
                raise InputError(f"'{source}'", expected="shards with different items",
                                 got=f"'{record['name']}' in two of them",
                                 fix="merge the outputs of one run's shards")
            records[record["name"]] = record
    out_dir = Path(out)
    for source in sources:
        if Path(source).resolve() == out_dir.resolve():
            raise InputError("-o", expected="a folder other than the sources", got=str(out))
    (out_dir / "items").mkdir(parents=True, exist_ok=True)
    for source, summary in zip(sources, summaries, strict=True):
        for record in summary["items"]:
            shutil.copytree(Path(source) / "items" / record["id"], out_dir / "items" / record["id"],
                            dirs_exist_ok=True)
    ordered = [records[name] for name in sorted(records)]
    result = BatchResult(ordered, sum(s["totals"]["items"] for s in summaries),
                         all(s["complete"] for s in summaries),
                         executor={"kind": "merge", "sources": [str(Path(s).resolve())
                                                                for s in sources]})
    inputs = dict(summaries[0]["inputs"])
    inputs.pop("shard", None)
    summary = build_summary(result, inputs=inputs, config=summaries[0]["config"])
    write_outputs(out_dir, summary)
    return summary
