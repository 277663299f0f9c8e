"""One dagwell benchmark workload per process; prints one JSON line of measurements.

python bench/dagwell_workloads.py overhead --shape fanout --steps 100
python bench/dagwell_workloads.py seed --declared
python bench/dagwell_workloads.py oom-latency
"""

from __future__ import annotations

import argparse
import json
import math
import mmap
import os
import resource
import struct
import sys
import tempfile
import time

T0 = time.perf_counter()
from dagwell import LocalOrchestrator, RunFailedError, pipeline, step  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0
MB = 10**6


@step(enable_cache=False)
def noop() -> None:
    return None


@step(enable_cache=False)
def passthrough(x: int) -> int:
    return x


def overhead(shape: str, steps: int, parallelism: int) -> dict:
    @pipeline(enable_cache=False, name=f"{shape}_{steps}")
    def fanout() -> None:
        for _ in range(steps):
            noop()

    @pipeline(enable_cache=False, name=f"{shape}_{steps}")
    def chain() -> None:
        x = passthrough(0)
        for _ in range(steps - 1):
            x = passthrough(x)

    chosen = fanout if shape == "fanout" else chain
    orchestrator = LocalOrchestrator(max_parallelism=parallelism)
    started = time.perf_counter()
    cpu0 = os.times()
    run = chosen.with_options(orchestrator=orchestrator)()
    wall = time.perf_counter() - started
    cpu1 = os.times()
    assert run.status.value == "completed" and len(run.steps) == steps
    return {
        "wall": wall,
        "cpu": (cpu1.user - cpu0.user) + (cpu1.system - cpu0.system),
        "cpu_children": (cpu1.children_user - cpu0.children_user)
        + (cpu1.children_system - cpu0.children_system),
        "orchestrator_peak_rss": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
        "import_seconds": IMPORT_SECONDS,
        "backend": run.orchestrator.get("runtime", {}).get("backend"),
    }


@step(enable_cache=False)
def hog(mb: int, seconds: float) -> None:
    block = bytearray(mb * MB)
    for i in range(0, len(block), 4096):
        block[i] = 1
    time.sleep(seconds)


def seed(declared: bool, seconds: float) -> dict:
    """Ten 400 MB steps on a 1400 MB node. The lower bound is ceil(10/3) waves of the time
    one step takes when it runs alone."""
    # (here, not at the top: the settings are pydantic models, which the no-op workloads'
    # orchestrator, and the zygote their attempts fork from, would then hold for nothing)
    from dagwell import ResourceSettings, StepRetryConfig

    resources = {"resources": ResourceSettings(memory="450MB")} if declared else {}
    hogging = hog.with_options(retry=StepRetryConfig(max_retries=3), **resources)
    orchestrator = LocalOrchestrator(memory="1400MB", max_parallelism=10)

    @pipeline(enable_cache=False, name="seed_single")
    def single() -> None:
        hogging(400, seconds)

    alone = single.with_options(orchestrator=orchestrator)()
    step_time = alone.steps["hog"].attempts[-1].duration

    @pipeline(enable_cache=False, name="seed_declared" if declared else "seed_undeclared")
    def seed_pipeline() -> None:
        for _ in range(10):
            hogging(400, seconds)

    started = time.perf_counter()
    run = seed_pipeline.with_options(orchestrator=orchestrator)()
    makespan = time.perf_counter() - started
    ooms = sum(
        1
        for s in run.steps.values()
        for a in s.attempts
        if a.failure and a.failure.kind == "oom_killed"
    )
    bound = math.ceil(10 / 3) * step_time
    return {
        "status": run.status.value,
        "makespan": makespan,
        "step_time": step_time,
        "lower_bound": bound,
        "ratio": makespan / bound,
        "oom_kills": ooms,
        "attempts": sum(len(s.attempts) for s in run.steps.values()),
    }


def oom_latency(rounds: int) -> dict:
    """From the kernel's kill to dagwell noticing it and to the retry's start.

    The victim stamps time.time() into a shared file after every megabyte it allocates,
    so its last stamp is the moment it was killed (within one megabyte of work)."""
    from dagwell import ResourceSettings, StepRetryConfig

    stamp_dir = tempfile.mkdtemp(prefix="dagwell-oom-")

    @step(
        enable_cache=False,
        resources=ResourceSettings(memory="100MB"),
        retry=StepRetryConfig(max_retries=1, memory_factor=4),
    )
    def victim(path: str) -> None:
        with open(path, "r+b") as f:
            stamp = mmap.mmap(f.fileno(), 8)
            if struct.unpack("d", stamp[:8])[0]:
                return  # the retry: the first attempt's last stamp must stay
            chunks = []
            for _ in range(200):  # 1 MB at a time (bytearray zeroes, so each is touched)
                chunks.append(bytearray(MB))
                stamp[:8] = struct.pack("d", time.time())

    detect, restart = [], []
    for r in range(rounds):
        path = os.path.join(stamp_dir, f"stamp-{r}")
        with open(path, "wb") as f:
            f.write(b"\0" * 8)

        @pipeline(enable_cache=False, name="oom_latency")
        def latency(stamp_path: str) -> None:
            victim(stamp_path)

        run = latency(path)
        with open(path, "rb") as f:
            killed_at = struct.unpack("d", f.read(8))[0]
        first, second = run.steps["victim"].attempts
        assert first.failure.kind == "oom_killed"
        detect.append(first.ended_at.timestamp() - killed_at)
        restart.append(second.started_at.timestamp() - killed_at)
    return {
        "rounds": rounds,
        "detect_median": sorted(detect)[len(detect) // 2],
        "retry_start_median": sorted(restart)[len(restart) // 2],
        "detect_max": max(detect),
    }


def oom_truth(limit_mb: int, mb: int) -> dict:
    """A step that needs more than the whole node has: what does the run end as?"""

    @pipeline(enable_cache=False, name="oom_truth")
    def too_big() -> None:
        hog(mb, 1.0)

    try:
        run = too_big.with_options(orchestrator=LocalOrchestrator(memory=f"{limit_mb}MB"))()
    except RunFailedError as error:
        run = error.run
    last = run.steps["hog"].attempts[-1]
    return {
        "status": run.status.value,
        "failure": last.failure.kind.value if last.failure else None,
        "attempts": len(run.steps["hog"].attempts),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "workload", choices=["overhead", "seed", "oom-latency", "oom-truth", "import"]
    )
    parser.add_argument("--shape", choices=["fanout", "chain"], default="fanout")
    parser.add_argument("--steps", type=int, default=10)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--mode", choices=["local"], default="local")
    parser.add_argument("--declared", action="store_true")
    parser.add_argument("--seconds", type=float, default=2.0)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--limit", type=int, default=500)
    parser.add_argument("--mb", type=int, default=1000)
    args = parser.parse_args()
    os.environ.setdefault("DAGWELL_PROGRESS", "0")
    try:
        if args.workload == "overhead":
            result = overhead(args.shape, args.steps, args.parallelism)
        elif args.workload == "seed":
            result = seed(args.declared, args.seconds)
        elif args.workload == "oom-latency":
            result = oom_latency(args.rounds)
        elif args.workload == "oom-truth":
            result = oom_truth(args.limit, args.mb)
        else:
            result = {"import_seconds": IMPORT_SECONDS}
    except RunFailedError as error:
        result = {"error": str(error)}
    print(json.dumps(result))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
