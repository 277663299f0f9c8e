"""What one fork-per-attempt costs before any of dagwell's attempt code runs: fork a
process holding the given modules, let the child write one small file and exit, reap it.

The floor of a process per attempt grows with the forking interpreter: fork copies its page
tables, exit tears them down, and the child's first Python writes (refcounts, allocator
pools, after-fork hooks) copy pages it shares with its parent. Run with the repo's
interpreter, its src on PYTHONPATH:

    PYTHONPATH=src .venv/bin/python bench/fork_floor.py
"""

from __future__ import annotations

import gc
import importlib
import json
import os
import statistics
import subprocess
import sys
import time

SETS = {
    "this script alone (json, subprocess)": [],
    "an attempt's modules": [
        "dagwell.runtimes.forked",
        "dagwell.runtimes.zygote",
        "dagwell.artifact_store.store",
    ],
    "+ the settings (pydantic)": [
        "dagwell.runtimes.forked",
        "dagwell.runtimes.zygote",
        "dagwell.artifact_store.store",
        "dagwell.core.settings",
    ],
    "a run's zygote (no settings)": [  # what a run has imported when its zygote forks
        "dagwell.api.pipelines",
        "dagwell.display.live",
        "dagwell.engine.runner",
        "dagwell.runtimes.local_orchestrator",
    ],
    "the orchestrator's modules": [
        "dagwell.runtimes.local_orchestrator",
        "dagwell.runtimes.forked",
        "dagwell.runtimes.zygote",
        "dagwell.artifact_store.store",
        "dagwell.engine.loop",
        "dagwell.api.pipelines",
    ],
}


def measure(modules: list[str], rounds: int) -> dict[str, float]:
    for name in modules:
        importlib.import_module(name)
    gc.freeze()  # as the zygote does
    with open("/proc/self/status") as f:
        anon = next(int(line.split()[1]) for line in f if line.startswith("RssAnon"))
    faults = []
    t0, w0 = os.times(), time.perf_counter()
    for i in range(rounds):
        pid = os.fork()
        if pid == 0:
            path = f"/dev/shm/dagwell-fork-floor-{os.getpid()}"
            fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
            os.write(fd, json.dumps({"ok": True, "i": i}).encode())
            os.close(fd)
            os.unlink(path)
            os._exit(0)
        _, _, usage = os.wait4(pid, 0)
        faults.append(usage.ru_minflt)
    wall, t1 = time.perf_counter() - w0, os.times()
    cpu = sum(t1[:4]) - sum(t0[:4])  # user + system, own and children's
    return {
        "modules": len(sys.modules),
        "anon_mb": round(anon / 1024, 1),
        "ms_wall": round(wall / rounds * 1000, 2),
        "ms_cpu": round(cpu / rounds * 1000, 2),
        "child_faults": statistics.median(faults),
    }


def main() -> None:
    if len(sys.argv) > 1:  # one set, in this fresh process
        print(json.dumps(measure(SETS[sys.argv[1]], int(sys.argv[2]))))
        return
    for label in SETS:
        out = subprocess.run(
            [sys.executable, __file__, label, "400"], capture_output=True, text=True, check=True
        )
        print(f"{label:28s} {out.stdout.strip()}")


if __name__ == "__main__":
    main()
