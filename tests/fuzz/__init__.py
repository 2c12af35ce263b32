"""A fuzzer for spotdiff's promise on hostile input.

Every bad input ends in exit code 2 with one line on stderr starting with
``spotdiff: error:``, no traceback, bounded memory and no half-written
files; every good input ends in 0 or 1 with strict JSON. ``corpus`` makes
the seed images, ``mutate`` damages them, ``cases`` turns seeds, mutants
and special situations (bombs, special files, signals, concurrent runs,
library calls) into child-process runs, and ``harness`` runs one case and
lists the promises it broke.

The bounded run is ``tests/fuzz/test_fuzz.py``; the long run is::

    python -m tests.fuzz --cases 2000 --seed 1
"""
