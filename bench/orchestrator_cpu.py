"""Where the orchestrator's CPU goes, per step: thread CPU time around its own functions.

    PYTHONPATH=src DAGWELL_HOME=$(mktemp -d) .venv/bin/python bench/orchestrator_cpu.py \
        --shape chain --steps 1000

Wraps the engine loop's parts and the runtime's (before the run starts, in this process
only) with ``time.thread_time`` and prints, per step, the CPU of each (inclusive: a part
that calls another counts it too) and the process's CPU outside the loop (imports,
tracing, the run's creation and read-back). Thread CPU is what load does not inflate; a
profiler's per-call overhead would (cProfile ranks SQLAlchemy's many small calls far too
high). Prints one JSON document.
"""

from __future__ import annotations

import argparse
import collections
import functools
import json
import os
import time
from collections.abc import Callable
from typing import Any

import dagwell_workloads  # (bench/ is sys.path[0]: its steps and pipelines)

from dagwell.engine import loop
from dagwell.runtimes import housekeeping, local
from dagwell.store import store as run_store

SPENT: collections.Counter[str] = collections.Counter()
CALLS: collections.Counter[str] = collections.Counter()


def _wrap(owner: Any, name: str, label: str) -> None:
    original: Callable[..., Any] = getattr(owner, name)

    @functools.wraps(original)
    def timed(*args: Any, **kwargs: Any) -> Any:
        t0 = time.thread_time()
        try:
            return original(*args, **kwargs)
        finally:
            SPENT[label] += time.thread_time() - t0
            CALLS[label] += 1

    setattr(owner, name, timed)


PARTS = [
    (loop.Engine, "_loop", "engine loop (all of it)"),
    (loop.Engine, "_handle_ready", "ready steps: cache or queue"),
    (loop.Engine, "_launch", "launch (spec, cgroup rename + limit, hand to child)"),
    (loop.Engine, "_on_event", "exit handled (evidence, manifest, classify, scheduler)"),
    (loop.Engine, "_flush", "flush (records, store write, release, progress)"),
    (loop.Engine, "_heartbeat", "heartbeat"),
    (run_store.Store, "write", "store write"),
    (local.LocalRuntime, "wait", "runtime wait (select, zygote news, exits)"),
    (local.LocalRuntime, "_finish", "runtime: one exit's evidence + manifest"),
    (local.LocalRuntime, "observed_memory", "node memory read"),
    (housekeeping.Housekeeping, "_work", "housekeeping thread (cgroup mkdir/rmdir, warm)"),
]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--shape", choices=["chain", "fanout"], default="chain")
    parser.add_argument("--steps", type=int, default=1000)
    args = parser.parse_args()
    for owner, name, label in PARTS:
        _wrap(owner, name, label)
    cpu0 = time.process_time()
    result = dagwell_workloads.overhead(args.shape, args.steps, 8)
    total = time.process_time() - cpu0
    per_step = {k: round(v / args.steps * 1000, 3) for k, v in SPENT.most_common()}
    print(
        json.dumps(
            {
                "shape": args.shape,
                "steps": args.steps,
                "load": os.getloadavg(),
                "wall_ms_per_step": round(result["wall"] / args.steps * 1000, 2),
                "process_cpu_ms_per_step": round(total / args.steps * 1000, 3),
                "children_cpu_ms_per_step": round(result["cpu_children"] / args.steps * 1000, 3),
                "thread_cpu_ms_per_step": per_step,
                "calls": dict(CALLS),
            },
            indent=1,
        )
    )


if __name__ == "__main__":
    main()
