"""Batch comparison: two folders (or a list of pairs) in, a report a reviewer
can work through, and approval of accepted changes without re-running.

One module per job: :mod:`~spotdiff.batch.pairing` (which files go together),
:mod:`~spotdiff.batch.config` (the options of each item),
:mod:`~spotdiff.batch.item` (one comparison and its files),
:mod:`~spotdiff.batch.runner` (running them on local processes or Ray),
:mod:`~spotdiff.batch.report` (``summary.json``, the HTML report, JUnit),
:mod:`~spotdiff.batch.approve` (copying accepted images over the baselines)
and :mod:`~spotdiff.batch.merge` (shards of one run into one report).
"""

from spotdiff.batch.approve import approve
from spotdiff.batch.pairing import Pair, pairs_from_file, pairs_from_folders
from spotdiff.batch.runner import BatchResult, run_batch

__all__ = [
    "BatchResult",
    "Pair",
    "approve",
    "pairs_from_file",
    "pairs_from_folders",
    "run_batch",
]
