"""The benchmark workloads for Prefect (runs in bench/.venvs/prefect).

Modes: ``threads`` (the default ThreadPoolTaskRunner) and ``processes``
(ProcessPoolTaskRunner). Flow and task runs are recorded durably by Prefect's ephemeral
local server in SQLite under PREFECT_HOME.
"""

from __future__ import annotations

import time

from common import emit, hog, parser, seed_result, timed

T0 = time.perf_counter()
from prefect import flow, task  # noqa: E402
from prefect.task_runners import ProcessPoolTaskRunner, ThreadPoolTaskRunner  # noqa: E402

IMPORT_SECONDS = time.perf_counter() - T0


@task
def noop() -> None:
    return None


@task
def passthrough(x: int) -> int:
    return x


@task
def prefect_hog(seconds: float) -> None:
    hog(400, seconds)


def runner(mode: str, parallelism: int):
    if mode == "threads":
        return ThreadPoolTaskRunner(max_workers=parallelism)
    return ProcessPoolTaskRunner(max_workers=parallelism)


def main() -> None:
    args = parser(["threads", "processes"]).parse_args()
    if args.workload == "import":
        emit({}, IMPORT_SECONDS)
        return

    @flow(task_runner=runner(args.mode, args.parallelism))
    def fanout() -> None:
        futures = [noop.submit() for _ in range(args.steps)]
        for f in futures:
            f.result()

    @flow(task_runner=runner(args.mode, args.parallelism))
    def chain() -> None:
        x = passthrough.submit(0)
        for _ in range(args.steps - 1):
            x = passthrough.submit(x)
        x.result()

    @flow(task_runner=runner(args.mode, 10))
    def seed(n: int) -> None:
        futures = [prefect_hog.submit(args.seconds) for _ in range(n)]
        for f in futures:
            f.result()

    if args.workload == "seed":
        started = time.perf_counter()
        seed(1)
        alone = time.perf_counter() - started
        started = time.perf_counter()
        state = seed(10, return_state=True)
        emit(
            seed_result(time.perf_counter() - started, alone, str(state.type.value).lower()),
            IMPORT_SECONDS,
        )
        return

    # The first flow of a process starts Prefect's local server: a constant cost, timed
    # apart (the 1-step whole process shows it), as dagwell's store creation is.
    @flow
    def warm_up() -> None:
        noop()

    warm = time.perf_counter()
    warm_up()
    result = timed(
        fanout if args.shape == "fanout" else chain, server_start=time.perf_counter() - warm
    )
    result["status"] = "completed"
    emit(result, IMPORT_SECONDS)


if __name__ == "__main__":
    main()
