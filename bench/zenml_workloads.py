"""The same benchmark workloads for ZenML (runs inside bench/.venvs/zenml, not dagwell's).

python bench/zenml_workloads.py overhead --shape fanout --steps 100
python bench/zenml_workloads.py seed
python bench/zenml_workloads.py oom-run        (meant to be OOM-killed)
python bench/zenml_workloads.py last-status
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import sys
import time

T0 = time.perf_counter()
from zenml import pipeline, step  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0
MB = 10**6


@step(enable_cache=False)
def noop() -> None:
    return None


@step(enable_cache=False)
def passthrough(x: int) -> int:
    return x


@step(enable_cache=False)
def first() -> int:
    return 0


def overhead(shape: str, steps: int) -> dict:
    @pipeline(enable_cache=False, name=f"{shape}_{steps}")
    def fanout() -> None:
        for _ in range(steps):
            noop()

    @pipeline(enable_cache=False, name=f"{shape}_{steps}")
    def chain() -> None:
        x = first()
        for _ in range(steps - 1):
            x = passthrough(x)

    chosen = fanout if shape == "fanout" else chain
    started = time.perf_counter()
    cpu0 = os.times()
    run = chosen()
    wall = time.perf_counter() - started
    cpu1 = os.times()
    return {
        "wall": wall,
        "cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "orchestrator_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "import_seconds": IMPORT_SECONDS,
        "status": str(run.status),
        "steps": len(run.steps),
    }


@step(enable_cache=False)
def hog(mb: int, seconds: float) -> None:
    block = bytearray(mb * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(seconds)


def seed(seconds: float) -> dict:
    @pipeline(enable_cache=False, name="seed")
    def seed_pipeline() -> None:
        for _ in range(10):
            hog(400, seconds)

    started = time.perf_counter()
    run = seed_pipeline()
    makespan = time.perf_counter() - started
    step_time = max(
        (s.end_time - s.start_time).total_seconds() for s in run.steps.values() if s.end_time
    )
    bound = math.ceil(10 / 3) * step_time
    return {
        "status": str(run.status),
        "makespan": makespan,
        "step_time": step_time,
        "lower_bound": bound,
        "ratio": makespan / bound,
    }


def oom_run(mb: int) -> dict:
    @pipeline(enable_cache=False, name="oom_truth")
    def oom_pipeline() -> None:
        hog(mb, 1.0)

    run = oom_pipeline()
    return {"status": str(run.status)}


def last_status() -> dict:
    from zenml.client import Client

    runs = Client().list_pipeline_runs(sort_by="desc:created", size=1)
    run = runs.items[0]
    steps = {name: str(s.status) for name, s in run.steps.items()}
    return {"status": str(run.status), "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "workload", choices=["overhead", "seed", "oom-run", "last-status", "import"]
    )
    parser.add_argument("--shape", choices=["fanout", "chain"], default="fanout")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--mb", type=int, default=1000)
    parser.add_argument("--mode", choices=["local"], default="local")
    parser.add_argument("--parallelism", type=int, default=1)  # ZenML runs steps one by one
    args = parser.parse_args()
    if args.workload == "overhead":
        result = overhead(args.shape, args.steps)
    elif args.workload == "seed":
        result = seed(args.seconds)
    elif args.workload == "oom-run":
        result = oom_run(args.mb)
    elif args.workload == "last-status":
        result = last_status()
    else:
        result = {"import_seconds": IMPORT_SECONDS}
    print("BENCH-RESULT " + json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
