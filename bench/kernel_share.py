"""The kernel's price of one isolated attempt, measured apart from dagwell's own work.

    sudo .venv/bin/python bench/kernel_share.py --rounds 300

What a local attempt cannot avoid while it is a fresh process in a fresh memory cgroup,
each timed in this process (about the zygote's size: dagwell and its step modules are
imported) with perf_counter_ns, the variants in turns (A B C A B C ...) so that a noisy
machine weighs on all of them alike:

- fork + _exit + waitpid of a child that does nothing;
- the same child writing its pid into a fresh cgroup's ``cgroup.procs`` (the v1 attach),
  with the cgroup's mkdir + limit write before the fork and its rmdir after the reap;
- the attach alone (timed inside the child) and mkdir/rmdir alone;
- the OOM evidence an attempt leaves (three control files, read as dagwell reads them).

Prints one JSON document of medians (microseconds) and the load average around it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import struct
import time
from collections.abc import Callable
from pathlib import Path

import dagwell  # noqa: F401  (the zygote's size: the framework is imported)
from dagwell.runtimes.cgroups import _read, detect


def _fork_exit() -> dict[str, int]:
    t0 = time.perf_counter_ns()
    pid = os.fork()
    if pid == 0:
        os._exit(0)
    os.waitpid(pid, 0)
    return {"fork+exit+wait": time.perf_counter_ns() - t0}


def _cgroup_attempt(node: Path, n: int) -> dict[str, int]:
    path = node / f"k{n}"
    t0 = time.perf_counter_ns()
    path.mkdir()
    fd = os.open(path / "memory.limit_in_bytes", os.O_WRONLY)
    os.write(fd, b"104857600")
    os.close(fd)
    t1 = time.perf_counter_ns()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        a = time.perf_counter_ns()
        fd = os.open(path / "cgroup.procs", os.O_WRONLY)
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        os.write(w, struct.pack("q", time.perf_counter_ns() - a))
        os._exit(0)
    os.close(w)
    attach = struct.unpack("q", os.read(r, 8))[0]
    os.close(r)
    os.waitpid(pid, 0)
    t2 = time.perf_counter_ns()
    e0 = time.perf_counter_ns()
    _read(path / "memory.oom_control")
    _read(path / "memory.failcnt")
    _read(path / "memory.max_usage_in_bytes")
    e1 = time.perf_counter_ns()
    path.rmdir()
    t3 = time.perf_counter_ns()
    return {
        "mkdir+limit": t1 - t0,
        "fork+attach+exit+wait": t2 - t1,
        "attach (in child)": attach,
        "evidence (3 files)": e1 - e0,
        "rmdir": t3 - e1,
        "whole cgroup attempt": (t3 - t0) - (e1 - e0),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    setup = detect()
    if setup.version != "v1" or setup.base is None:
        raise SystemExit(f"needs a writable cgroup v1 memory controller: {setup.reason}")
    node = setup.base / f"kernel-share-{os.getpid()}"
    node.mkdir()
    samples: dict[str, list[int]] = {}
    load_before = os.getloadavg()
    try:
        variants: list[Callable[[int], dict[str, int]]] = [
            lambda n: _fork_exit(),
            lambda n: _cgroup_attempt(node, n),
        ]
        for n in range(args.rounds):
            for variant in variants:
                for name, value in variant(n).items():
                    samples.setdefault(name, []).append(value)
    finally:
        for child in node.iterdir():
            if child.is_dir():
                child.rmdir()
        node.rmdir()
    print(
        json.dumps(
            {
                "rounds": args.rounds,
                "load_before": load_before,
                "load_after": os.getloadavg(),
                "median_us": {k: round(statistics.median(v) / 1000, 1) for k, v in samples.items()},
                "p90_us": {
                    k: round(statistics.quantiles(v, n=10)[-1] / 1000, 1)
                    for k, v in samples.items()
                },
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
