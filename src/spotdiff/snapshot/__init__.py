"""Image snapshots in a test suite: the ``image_snapshot`` pytest fixture.

``image_snapshot(actual, "name.png", **compare_options)`` compares ``actual``
with the baseline ``__snapshots__/<test module>/name.png`` using
:func:`spotdiff.compare` and the options given, and fails the test when the
compare says DIFFERENT. Failures are written as a batch report (the one
``spotdiff batch`` writes), so ``spotdiff approve`` accepts them without
running the tests again.

The modules, one job each:

- :mod:`~spotdiff.snapshot.settings`: the run's update policy and folders
  (``--snapshot-update``, ``--snapshot-prune``, the ``CI`` variable, ini
  options), a frozen value.
- :mod:`~spotdiff.snapshot.actual`: what a test passes (array, PIL image,
  encoded bytes, path) as pixels to compare and bytes to write.
- :mod:`~spotdiff.snapshot.check`: one assertion: compare, decide, write.
- :mod:`~spotdiff.snapshot.run`: what a test run (or an xdist worker) did:
  baselines used and written, failures, unused baselines, the report.
- :mod:`~spotdiff.snapshot.plugin`: the pytest hooks and the fixture.
"""
