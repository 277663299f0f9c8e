"""What every peer's workload script shares: arguments, the measurements, the output line.

Each ``bench/peers/<peer>_workloads.py`` runs inside that peer's own virtual environment
(bench/.venvs/<peer>), never dagwell's, and prints one ``BENCH-RESULT {json}`` line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from collections.abc import Callable
from typing import Any

MB = 10**6


def parser(modes: list[str]) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser()
    p.add_argument("workload", choices=["overhead", "seed", "import"])
    p.add_argument("--shape", choices=["fanout", "chain"], default="fanout")
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--mode", choices=modes, default=modes[0])
    p.add_argument("--parallelism", type=int, default=8)
    p.add_argument("--seconds", type=float, default=2.0)
    return p


def hog(mb: int, seconds: float) -> None:
    """The seed scenario's step: hold ``mb`` MB (every page touched) for ``seconds``."""
    block = bytearray(mb * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(seconds)


def timed(run: Callable[[], Any], **extra: Any) -> dict[str, Any]:
    """Wall and CPU of ``run()`` in this process, plus its peak RSS."""
    started = time.perf_counter()
    cpu0 = os.times()
    run()
    wall = time.perf_counter() - started
    cpu1 = os.times()
    return {
        "wall": wall,
        "cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "orchestrator_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        **extra,
    }


def seed_result(makespan: float, step_time: float, status: str) -> dict[str, Any]:
    bound = 4 * step_time  # ceil(10 / 3) waves of one step alone on a 1400 MB node
    return {
        "status": status,
        "makespan": makespan,
        "step_time": step_time,
        "lower_bound": bound,
        "ratio": makespan / bound,
    }


def emit(result: dict[str, Any], import_seconds: float) -> None:
    result.setdefault("import_seconds", import_seconds)
    print("BENCH-RESULT " + json.dumps(result))
    sys.stdout.flush()
