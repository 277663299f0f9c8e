"""The zygote's heap in transparent huge pages, so forking it and exiting cost less.

fork copies one page-table entry per resident 4 KiB page of the parent and exit drops
them again, so both cost in proportion to the zygote's size, and the zygote holds the
traced plan: a 100,000-step pipeline makes it ~125 MB, about three times a small one's,
and every attempt then pays for it. Collapsed into 2 MiB pages (``MADV_COLLAPSE``, Linux
6.1+, even with THP set to ``madvise``), fork copies one entry per 2 MiB instead. A
child's first write into a huge page maps it by 4 KiB entries again and copies just that
page, so copy-on-write costs what it did. Best effort: where the kernel refuses, nothing
changes.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util

MADV_COLLAPSE = 25  # <linux/mman.h>
HUGE = 2 << 20


def _private_anonymous_ranges() -> list[tuple[int, int]]:
    """2 MiB-aligned parts of the writable private anonymous mappings (heap, arenas)."""
    ranges = []
    with open("/proc/self/maps") as maps:
        for line in maps:
            fields = line.split()
            anonymous = len(fields) == 5 or fields[5] == "[heap]"
            if not anonymous or not fields[1].startswith("rw") or fields[1][3] != "p":
                continue
            start, end = (int(x, 16) for x in fields[0].split("-"))
            low, high = (start + HUGE - 1) & ~(HUGE - 1), end & ~(HUGE - 1)
            if high > low:
                ranges.append((low, high - low))
    return ranges


def collapse_heap() -> int:
    """Collapse this process's anonymous memory into huge pages; the bytes collapsed."""
    with contextlib.suppress(OSError, AttributeError):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        madvise = libc.madvise
        madvise.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_int]
        done = 0
        for start, length in _private_anonymous_ranges():
            if madvise(start, length, MADV_COLLAPSE) == 0:
                done += length
        return done
    return 0
