"""Processes that spotdiff runs reuse freed blocks: a pair's buffers do not
land on fresh pages every time (counted in page faults, not time)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spotdiff._malloc import keep_freed_memory

_FAULTS = """
import resource, sys
import numpy as np
if sys.argv[1] == "keep":
    from spotdiff._malloc import keep_freed_memory
    assert keep_freed_memory()
for _ in range(3):  # warm up: the first blocks are fresh either way
    a = np.ones(6 << 20, np.uint8); b = np.ones(6 << 20, np.uint8); del a, b
start = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(40):  # what a pair of 1080p images does: two buffers, then both freed
    a = np.ones(6 << 20, np.uint8); b = np.ones(6 << 20, np.uint8); del a, b
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - start)
"""


def _faults(mode: str) -> int:
    done = subprocess.run([sys.executable, "-c", _FAULTS, mode], capture_output=True, text=True,
                          timeout=60, check=True)
    return int(done.stdout)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc only")
def test_freed_blocks_are_reused_not_faulted_in_again() -> None:
    if not keep_freed_memory():
        pytest.skip("the C library has no mallopt (not glibc)")
    default, kept = _faults("default"), _faults("keep")
    # 40 rounds of two 6 MB blocks: one fresh block is some 1,500 faults
    assert default > 40 * 500, default
    assert kept < default / 10, (kept, default)


def test_the_batch_command_sets_it_compare_a_library_call_and_a_service_do_not(
        tmp_path) -> None:
    import numpy as np

    from spotdiff.io import write_image

    for name in ("a.png", "b.png"):
        write_image(tmp_path / name, np.zeros((8, 8, 3), np.uint8))
    code = ("import sys, spotdiff, spotdiff._malloc as m, spotdiff.cli as cli\n"
            "calls = []\n"
            "m.keep_freed_memory = lambda: calls.append(1) or True\n"
            "a, b, events, base, current, report = sys.argv[1:7]\n"
            "spotdiff.compare(a, b)\n"
            "cli.main(['compare', a, b], stdout=open('/dev/null', 'w'))\n"
            "library = len(calls)\n"
            "sys.argv = ['spotdiff', 'compare', a, b]\n"
            "code = cli.main()\n"
            "compared = len(calls)\n"
            "sys.argv = ['spotdiff', 'events', 'list', '-o', events]\n"
            "cli.main()\n"
            "served = len(calls)\n"
            "sys.argv = ['spotdiff', 'batch', base, current, '-o', report]\n"
            "cli.main()\n"
            "print(library, compared, served, len(calls), code)\n")
    for folder in ("base", "current"):
        (tmp_path / folder).mkdir()
        write_image(tmp_path / folder / "p.png", np.zeros((8, 8, 3), np.uint8))
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path / "a.png"),
                           str(tmp_path / "b.png"), str(tmp_path / "events"),
                           str(tmp_path / "base"), str(tmp_path / "current"),
                           str(tmp_path / "report")],
                          capture_output=True, text=True, timeout=60)
    # the library call, one compare and a service leave it alone; the batch sets it
    assert done.stdout.split() == ["0", "0", "0", "1", "0"], done.stderr
