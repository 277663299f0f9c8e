"""Split a `perf record -g` profile of a dagwell run by role: orchestrator, zygote,
attempts; kernel vs user; top symbols (kernel) and libraries (user), as shares of all
samples. The two processes with most samples are the orchestrator (lower pid) and the
zygote; every other pid is an attempt.

    perf record -q -e cpu-clock -F 1999 -g -o fan.data -- \\
        .venv/bin/python bench/dagwell_workloads.py overhead --shape fanout --steps 1000
    python3 bench/perf_split.py fan.data
"""

from __future__ import annotations

import collections
import subprocess
import sys


def main(data: str) -> None:
    out = subprocess.run(
        ["perf", "script", "-i", data, "-F", "pid,ip,sym,dso", "-G"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    counts: collections.Counter[tuple[str, bool]] = collections.Counter()
    syms: dict[tuple[str, bool], collections.Counter[str]] = collections.defaultdict(
        collections.Counter
    )
    pids: collections.Counter[int] = collections.Counter()
    rows = []
    for line in out.splitlines():
        parts = line.split(None, 2)
        if len(parts) < 2:
            continue
        pid = int(parts[0])
        rest = parts[2] if len(parts) > 2 else ""
        kernel = "[kernel.kallsyms]" in rest
        sym = rest.rsplit(" (", 1)[0]
        dso = rest.rsplit("(", 1)[-1].rstrip(")")
        rows.append((pid, kernel, sym, dso))
        pids[pid] += 1
    orch, zygote = sorted(p for p, _ in pids.most_common(2))

    def role(pid: int) -> str:
        return "orchestrator" if pid == orch else "zygote" if pid == zygote else "attempts"

    total = len(rows)
    for pid, kernel, sym, dso in rows:
        key = (role(pid), kernel)
        counts[key] += 1
        syms[key][sym if kernel else dso.split("/")[-1]] += 1
    for name in ("orchestrator", "zygote", "attempts"):
        k, u = counts[(name, True)], counts[(name, False)]
        print(
            f"{name:13s} {100 * (k + u) / total:5.1f}% of samples; "
            f"kernel {100 * k / max(1, k + u):4.1f}%  user {100 * u / max(1, k + u):4.1f}%"
        )
        for kern in (True, False):
            top = syms[(name, kern)].most_common(8)
            shares = ", ".join(f"{s} {100 * c / total:.1f}%" for s, c in top)
            print("   ", "kernel:" if kern else "user:", shares)


if __name__ == "__main__":
    main(sys.argv[1])
