"""Run a batch's items on local processes or on a Ray cluster.

Memory stays bounded by the jobs in flight: at most two items per worker
are submitted at a time, a worker holds one pair's pixels, and only small
records come back. ``--resume`` reuses the records of items already done in
OUT (same files, same options); Ctrl-C stops submitting, lets the items in
flight finish, and the caller writes a partial report.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from spotdiff.batch.config import BatchConfig
from spotdiff.batch.item import file_stamps, item_id, options_key, run_item
from spotdiff.batch.pairing import Pair

#: Items submitted per worker at a time (one running, one queued).
IN_FLIGHT_PER_JOB = 2
#: Items a Ray actor takes per call (Ray Data's batch size).
RAY_BATCH = 8

Progress = Callable[[dict[str, Any]], None]


@dataclass
class BatchResult:
    """The records of a batch's items, in the pairs' order; ``complete`` is
    False when the run was interrupted (the records cover the items done)."""

    records: list[dict[str, Any]]
    total: int
    complete: bool = True
    reused: int = 0
    executor: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        from spotdiff.batch.item import STATES

        counts = dict.fromkeys(STATES, 0)
        for record in self.records:
            counts[record["status"]] += 1
        return counts


def _previous(out: Path, pair: Pair, key: str) -> dict[str, Any] | None:
    """The record of ``pair`` from an earlier run into ``out``, if it is
    still valid (same paths, sizes and modification times, same options, not
    an error, its pictures present)."""
    import json

    path = out / "items" / item_id(pair.name) / "record.json"
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    same = (record.get("name") == pair.name and record.get("before") == pair.before
            and record.get("after") == pair.after and record.get("options_key") == key
            and record.get("stamps") == file_stamps(pair))
    if not same or record.get("status") in (None, "error"):
        return None
    if not all((out / f).is_file() for f in record.get("files", {}).values()):
        return None
    return record


def available_cores() -> int:
    """The cores this process may run on (its CPU affinity where the system
    tells it, e.g. in a container limited to some cores)."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def records_on_disk(out: str | os.PathLike) -> list[dict[str, Any]]:
    """Every item record under ``out/items/``, sorted by name: the items
    finished by any process that wrote there (workers of an interrupted
    run, pytest-xdist workers, shards written into one folder)."""
    import json

    records = []
    for path in sorted(Path(out).glob("items/[!.]*/record.json")):  # not one being written
        try:
            records.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue  # written atomically: unreadable means not ours
    return sorted(records, key=lambda r: r["name"])


def _worker_setup() -> None:
    """What every worker (a pool process, a Ray actor) sets for itself: one
    thread each, OpenCV's and the decoders' (the workers are the
    parallelism), and freed memory kept for the next pair
    (:mod:`spotdiff._malloc`)."""
    import cv2

    from spotdiff._malloc import keep_freed_memory
    from spotdiff.io import image

    cv2.setNumThreads(1)
    image.PARALLEL_DECODE = False
    keep_freed_memory()


def _init_worker() -> None:
    """Pool workers leave Ctrl-C to the main process (:func:`_worker_setup` too)."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _worker_setup()


#: What an item uses, imported once by the process the workers are forked
#: from (see :func:`start_workers`) instead of by each worker.
WORKER_MODULES = ("spotdiff.batch.item", "spotdiff.engine", "spotdiff.io.png",
                  "spotdiff.io.write", "spotdiff.metrics.color", "spotdiff.metrics.pixel",
                  "spotdiff.render.pictures", "spotdiff.summary")


def start_workers() -> Any:
    """The multiprocessing context the pool's workers come from, its
    process started now: with ``forkserver`` (where there is one) that
    process imports :data:`WORKER_MODULES` while the caller goes on, and
    each worker is then a fork of it, ready at once."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")
    if context.get_start_method() == "forkserver":
        from multiprocessing import forkserver

        context.set_forkserver_preload(list(WORKER_MODULES))
        forkserver.ensure_running()
    return context


def _local(work: list[tuple[Pair, dict[str, Any]]], out: str, jobs: int) -> Iterator[dict]:
    if jobs == 1:
        for pair, options in work:
            yield run_item(pair, options, out)
        return
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

    context = start_workers()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_init_worker)
    pending: set = set()
    todo = iter(work)
    try:
        while True:
            while len(pending) < jobs * IN_FLIGHT_PER_JOB:
                nxt = next(todo, None)
                if nxt is None:
                    break
                pending.add(pool.submit(run_item, nxt[0], nxt[1], out))
            if not pending:
                break
            done, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in done:
                yield future.result()
    except BaseException:
        pool.shutdown(wait=True, cancel_futures=True)  # the items in flight finish
        raise
    pool.shutdown(wait=True)


class _RayWorker:
    """A Ray Data actor: holds the batch's options and OUT, compares a batch
    of pairs and returns their records (as JSON text: a record's shape varies
    with its status, which a columnar block would not keep)."""

    def __init__(self, config: BatchConfig, out: str) -> None:
        _worker_setup()
        self.config = config
        self.out = out

    def __call__(self, batch: dict[str, Any]) -> dict[str, list[str]]:
        import json

        records = []
        for name, before, after, target in zip(batch["name"], batch["before"], batch["after"],
                                               batch["target"], strict=True):
            pair = Pair(str(name), _text(before), _text(after), _text(target))
            record = run_item(pair, self.config.item_options(pair.name), self.out)
            records.append(json.dumps(record))
        return {"record": records}


def _text(value: Any) -> str | None:
    """A string column's value from a Ray Data batch (None stays None)."""
    return None if value is None else str(value)


def _ray(work: list[tuple[Pair, dict[str, Any]]], config: BatchConfig, out: str,
         jobs: int | None, address: str) -> Iterator[dict]:
    """The items on a Ray cluster (``address``: ``auto``, ``local`` for a new
    local instance, or ``ray://host:port``): the pairs as a Ray Data dataset
    mapped in batches of :data:`RAY_BATCH` by actors (one per CPU, or
    ``jobs``) that hold the options (``config``). OUT must be a folder every
    node can write (a shared file system)."""
    import json
    import logging
    import warnings

    from spotdiff.errors import require

    ray = require("ray", feature="--executor ray", extra="ray")
    data = require("ray.data", feature="--executor ray", extra="ray")
    if not ray.is_initialized():
        ray.init(address=None if address == "local" else address, include_dashboard=False,
                 log_to_driver=False, configure_logging=False)
    if not work:
        return
    with warnings.catch_warnings():  # Ray's context warns of its own defaults
        warnings.simplefilter("ignore", DeprecationWarning)
        context = data.DataContext.get_current()
    context.enable_progress_bars = False  # the command line shows its own
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.ERROR)
    count = jobs or max(1, int(ray.cluster_resources().get("CPU", 1)))
    rows = [{"name": p.name, "before": p.before, "after": p.after, "target": p.target}
            for p, _ in work]
    dataset = data.from_items(rows).map_batches(
        _RayWorker, fn_constructor_args=(config, out), batch_size=RAY_BATCH,
        batch_format="numpy", compute=data.ActorPoolStrategy(size=min(count, len(work))),
        num_cpus=1)
    for batch in dataset.iter_batches(batch_size=None, batch_format="numpy"):
        for text in batch["record"]:
            yield json.loads(str(text))


def run_batch(pairs: Iterable[Pair], config: BatchConfig, out: str | os.PathLike, *,
              jobs: int | None = None, resume: bool = False, progress: Progress | None = None,
              ray_address: str | None = None) -> BatchResult:
    """Compare every pair with its options (:meth:`BatchConfig.item_options`),
    writing each item's pictures and record under ``out/items/``.

    ``jobs``: worker processes (default: every core); ``resume``: keep the
    items an earlier run into ``out`` finished; ``ray_address``: run on Ray
    instead. Ctrl-C (KeyboardInterrupt) returns the items done so far with
    ``complete=False``.
    """
    out_dir = Path(out)
    (out_dir / "items").mkdir(parents=True, exist_ok=True)
    pairs = list(pairs)
    jobs_used = jobs or available_cores()
    by_name: dict[str, dict[str, Any]] = {}
    work: list[tuple[Pair, dict[str, Any]]] = []
    for pair in pairs:
        options = config.item_options(pair.name)
        record = _previous(out_dir, pair, options_key(options)) if resume else None
        if record is not None:
            by_name[pair.name] = record
        else:
            work.append((pair, options))
    reused = len(by_name)
    if progress is not None:
        for record in by_name.values():
            progress(record)
    if ray_address is not None:
        records = _ray(work, config, str(out_dir), jobs, ray_address)
        executor: dict[str, str | int] = {"kind": "ray", "address": ray_address}
    else:
        records = _local(work, str(out_dir), min(jobs_used, max(1, len(work))))
        executor = {"kind": "local", "jobs": jobs_used}
    complete = True
    try:
        for record in records:
            by_name[record["name"]] = record
            if progress is not None:
                progress(record)
    except KeyboardInterrupt:
        complete = False
        # the items in flight finished while the pool shut down: keep them
        wanted = {p.name: p for p in pairs}
        for record in records_on_disk(out_dir):
            found = wanted.get(record["name"])
            if found is not None and record["name"] not in by_name and \
                    _previous(out_dir, found, options_key(config.item_options(found.name))):
                by_name[record["name"]] = record
    ordered = [by_name[p.name] for p in pairs if p.name in by_name]
    return BatchResult(ordered, len(pairs), complete, reused, executor)
