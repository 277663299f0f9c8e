"""Which memory an attempt's page faults land in: a `perf record -e minor-faults -d`
profile of a dagwell run, each fault's address placed in the mapping it falls in (the
mappings rebuilt from perf's mmap and fork events), per attempt process on median.

    perf record -q -e minor-faults -c 1 -d -o pf.data -- \\
        .venv/bin/python bench/dagwell_workloads.py overhead --shape chain --steps 200
    python3 bench/fault_regions.py pf.data

In an attempt forked from the zygote almost every fault is a copy-on-write of a page it
shares with the zygote: `//anon` is CPython's object arenas, `[heap]` libc's heap,
libpython's `rw-p` its static data (singletons, small ints, caches); `r-xp` lines are code
pages mapped on first use (no copy).
"""

from __future__ import annotations

import bisect
import collections
import re
import statistics
import subprocess
import sys

MMAP = re.compile(
    r"PERF_RECORD_MMAP2? (\d+)/\d+: \[0x([0-9a-f]+)\(0x([0-9a-f]+)\).*?\]: (\S+) ?(.*)$"
)
FORK = re.compile(r"PERF_RECORD_FORK\((\d+):(\d+)\):\((\d+):(\d+)\)")
Maps = list[tuple[int, int, str]]


def read(data: str) -> tuple[dict[int, Maps], dict[int, list[int]]]:
    out = subprocess.run(
        [
            "perf",
            "script",
            "-i",
            data,
            "--show-mmap-events",
            "--show-task-events",
            "-F",
            "pid,addr",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    maps: dict[int, Maps] = collections.defaultdict(list)
    faults: dict[int, list[int]] = collections.defaultdict(list)
    for line in out.splitlines():
        if (m := MMAP.search(line)) is not None:
            start, size = int(m[2], 16), int(m[3], 16)
            maps[int(m[1])].append((start, start + size, f"{m[5].strip() or '//anon'} {m[4]}"))
        elif (m := FORK.search(line)) is not None:
            if m[1] == m[2] and m[1] != m[3]:  # a new process, not a thread
                maps[int(m[1])] = list(maps[int(m[3])])
        elif "PERF_RECORD" not in line and len(parts := line.split()) == 2:
            faults[int(parts[0])].append(int(parts[1], 16))
    return maps, faults


def region(maps: Maps, address: int) -> str:
    ordered = sorted(maps)
    i = bisect.bisect_right([start for start, _, _ in ordered], address) - 1
    for start, end, name in reversed(ordered[: i + 1]):  # the latest mapping that covers it
        if start <= address < end:
            return re.sub(r"^.*/(lib|site-packages)/", "", name)
    return "[heap] or unmapped"


def main(data: str) -> None:
    maps, faults = read(data)
    busiest = sorted(faults, key=lambda pid: -len(faults[pid]))[:2]  # orchestrator, zygote
    attempts = [pid for pid in faults if pid not in busiest and len(faults[pid]) > 100]
    per: dict[str, list[int]] = collections.defaultdict(list)
    for pid in attempts:
        counts = collections.Counter(region(maps[pid], a) for a in faults[pid])
        for name in counts.keys() | per.keys():
            per[name].append(counts.get(name, 0))
    totals = [len(faults[pid]) for pid in attempts]
    print(f"{len(attempts)} attempts, faults each (median): {statistics.median(totals)}")
    for name, values in sorted(per.items(), key=lambda kv: -sum(kv[1]))[:12]:
        print(f"  {sum(values) / len(attempts):7.1f}  {name}")
    for pid in busiest:
        print(f"pid {pid}: {len(faults[pid])} faults in the whole run")


if __name__ == "__main__":
    main(sys.argv[1])
