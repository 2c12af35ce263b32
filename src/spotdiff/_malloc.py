"""Keep freed memory for the next pair instead of giving it back at once.

glibc's malloc hands blocks of a few megabytes back to the system as soon
as they are freed (through its dynamic mmap and trim thresholds), so every
pair's images, maps and masks land on fresh pages: on 1080p screenshot
pairs that is some 2,500 page faults per pair and a third of the
compare's time spent in the kernel. Processes that spotdiff itself runs
to compare many pairs (``batch`` and ``eval`` on the command line, the
batch's workers) fix both thresholds, so those blocks are reused; blocks
above :data:`MMAP_THRESHOLD` (a 4K RGBA image) are still mapped and
returned on their own.

``spotdiff compare`` keeps glibc's own settings: one pair has no next pair
to reuse anything for, and what each thread frees (the decoding threads'
images, the encoding threads' buffers) stays in that thread's arena, out
of the others' reach, so the peak grows instead: ``compare -o`` on a 4K
photo pair peaked at 4.35x the two decoded images (over the interpreter's
floor) with these thresholds, 2.56x without, at no more CPU time
(``docs/benchmarks.md``). A program that imports spotdiff as a library,
and the long-running services (``watch``, ``serve``), keep glibc's own
settings too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

#: Blocks up to this size come from the heap (glibc's own upper limit).
MMAP_THRESHOLD = 32 << 20
#: Free memory at the heap's top kept, up to this much, for the next pair.
TRIM_THRESHOLD = 256 << 20
_M_TRIM_THRESHOLD, _M_MMAP_THRESHOLD = -1, -3


def keep_freed_memory() -> bool:
    """Set glibc's thresholds (see the module's notes); False where the
    C library is not glibc or refuses them."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # musl and others: no mallopt
        return False
    mallopt.argtypes = (ctypes.c_int, ctypes.c_int)
    return bool(mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD)
                and mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD))
