"""The benchmark workloads for Ray tasks (runs in bench/.venvs/ray)."""

from __future__ import annotations

import os
import time

from common import emit, hog, parser, seed_result, timed

T0 = time.perf_counter()
import ray  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0


@ray.remote
def noop() -> None:
    return None


@ray.remote
def passthrough(x: int) -> int:
    return x


@ray.remote
def ray_hog(mb: int, seconds: float) -> None:
    hog(mb, seconds)


def start(parallelism: int) -> None:
    ray.init(
        num_cpus=parallelism,
        include_dashboard=False,
        log_to_driver=False,
        configure_logging=False,
        _temp_dir=os.environ["BENCH_HOME"],
    )


def main() -> None:
    args = parser(["tasks"]).parse_args()
    if args.workload == "import":
        emit({}, IMPORT_SECONDS)
        return
    if args.workload == "seed":
        start(10)
        started = time.perf_counter()
        ray.get(ray_hog.remote(400, args.seconds))
        alone = time.perf_counter() - started
        started = time.perf_counter()
        try:
            ray.get([ray_hog.remote(400, args.seconds) for _ in range(10)], timeout=600)
            status = "completed"
        except Exception as error:
            status = f"failed ({type(error).__name__})"
        emit(seed_result(time.perf_counter() - started, alone, status), IMPORT_SECONDS)
        return
    # ray.init is part of a run's cost (the 1-step whole process shows it) but not of the
    # per-step overhead, so it is timed apart.
    init_started = time.perf_counter()
    start(args.parallelism)
    init = time.perf_counter() - init_started
    # Warm the worker pool first (Ray starts workers lazily): the steady state of a
    # long-lived Ray cluster, which is Ray's best case.
    ray.get([noop.remote() for _ in range(4 * args.parallelism)])

    def fanout() -> None:
        ray.get([noop.remote() for _ in range(args.steps)])

    def chain() -> None:
        x = passthrough.remote(0)
        for _ in range(args.steps - 1):
            x = passthrough.remote(x)
        ray.get(x)

    result = timed(fanout if args.shape == "fanout" else chain, init_seconds=init)
    result["status"] = "completed"
    ray.shutdown()
    emit(result, IMPORT_SECONDS)


if __name__ == "__main__":
    main()
