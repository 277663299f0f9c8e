"""Where each role's CPU enters the kernel, from a `perf record -g` profile of a dagwell
run: by system call, page fault or fork return, as shares of all samples (user time as one
line). perf_split.py says how much is the kernel's; this says what for.

    perf record -q -e cpu-clock -F 1999 -g -o chain.data -- \\
        .venv/bin/python bench/dagwell_workloads.py overhead --shape chain --steps 1000
    python3 bench/kernel_entries.py chain.data
"""

from __future__ import annotations

import collections
import subprocess
import sys


def samples(data: str) -> list[tuple[int, list[str]]]:
    """(pid, frames innermost first) per sample."""
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "pid,ip,sym"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    found: list[tuple[int, list[str]]] = []
    for line in out.splitlines():
        if not line.strip():
            continue
        if not line.startswith("\t"):  # a sample's pid (right-aligned: may start with " ")
            found.append((int(line.split()[0]), []))
        elif found:
            parts = line.split(None, 1)
            found[-1][1].append(parts[1].split("+")[0] if len(parts) > 1 else "?")
    return found


def entry(frames: list[str]) -> str:
    for i, sym in enumerate(frames):
        if sym == "do_syscall_64":
            return "syscall " + (frames[i - 1] if i else "?")
        if sym in ("asm_exc_page_fault", "exc_page_fault"):
            return "page fault"
        if sym in ("ret_from_fork", "ret_from_fork_asm"):
            return "fork return"
    return "user (or interrupt)"


def main(data: str) -> None:
    rows = samples(data)
    pids = collections.Counter(pid for pid, _ in rows)
    orchestrator, zygote = sorted(pid for pid, _ in pids.most_common(2))
    roles: dict[str, collections.Counter[str]] = collections.defaultdict(collections.Counter)
    for pid, frames in rows:
        role = "orchestrator" if pid == orchestrator else "zygote" if pid == zygote else "attempts"
        roles[role][entry(frames)] += 1
    for role in ("orchestrator", "zygote", "attempts"):
        counts = roles[role]
        print(f"{role} {100 * sum(counts.values()) / len(rows):.1f}% of samples")
        for what, n in counts.most_common(8):
            print(f"  {100 * n / len(rows):5.1f}%  {what}")


if __name__ == "__main__":
    main(sys.argv[1])
